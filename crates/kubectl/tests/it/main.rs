//! The integration tests, one module per area, built as one binary: a binary per file linked
//! the whole dependency tree again for each (about 100 MB apiece in a debug build).

mod delete;
mod describe;
mod events;
mod exec_properties;
mod grammar_forms;
mod grammar_kubectl_reference;
mod grammar_properties;
mod grammar_refusals;
mod logs;
mod patch_directives;
mod patch_kubectl_bodies;
mod patch_properties;
mod rollout;
mod table_cluster;
mod table_duration;
mod table_printers;
mod table_robustness;
