//! The integration tests, one module per area, built as one binary: a binary per file linked
//! the whole dependency tree again for each (about 100 MB apiece in a debug build).

mod catalogue;
mod curriculum;
mod episode;
mod evaluate;
mod hooks;
mod incidents;
mod policies;
mod scenarios;
mod topology;
