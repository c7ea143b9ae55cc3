//! The integration tests, one module per area, built as one binary: a binary per file linked
//! the whole dependency tree again for each (about 100 MB apiece in a debug build).

mod common;
mod fidelity;
mod fidelity_apply;
mod fidelity_describe;
mod fidelity_explain;
mod fidelity_jobs;
mod fidelity_rollout;
mod fidelity_slices;
mod kube_client;
mod kubectl;
mod openapi;
