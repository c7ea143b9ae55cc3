//! kubectl for the simulated cluster.
//!
//! It owns what the real kubectl and the real API server print and how they patch: the
//! server-side Table printers (one code path for the API server's Table responses and the
//! in-process kubectl), Kubernetes' duration formatting, and strategic merge patch together with
//! JSON merge patch and JSON patch.
//!
//! It depends only on the cluster crate below it; it must not depend on the API server, the gym
//! or any IO.

pub mod describe;
pub mod exec;
pub mod get;
pub mod grammar;
pub mod human;
pub mod jsonpath;
pub mod mutate;
pub mod output;
pub mod patch;
pub mod table;
pub mod top;
pub mod version;
