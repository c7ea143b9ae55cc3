//! The integration tests, one module per area, built as one binary: a binary per file linked
//! the whole dependency tree again for each (about 100 MB apiece in a debug build).

mod apiserver;
mod apply_faults;
