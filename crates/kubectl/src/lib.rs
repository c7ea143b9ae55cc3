//! kubectl for the simulated cluster.
//!
//! It owns what the real kubectl and the real API server print and how they patch: the
//! server-side Table printers (one code path for the API server's Table responses and the
//! in-process kubectl), the discovery table of served resources, Kubernetes' duration
//! formatting, and strategic merge patch together with JSON merge patch and JSON patch. It also
//! builds the OpenAPI v3 documents (`openapi`) that the API server serves and that `explain`
//! renders, so both read the same schemas.
//!
//! It depends only on the cluster crate below it; it must not depend on the API server, the gym
//! or any IO.

pub mod apply;
pub mod auth;
pub mod create;
pub mod custom_columns;
pub mod describe;
pub mod discovery;
pub mod events;
pub mod exec;
pub mod explain;
pub mod field_validation;
pub mod get;
pub mod gosort;
pub mod grammar;
pub mod human;
pub mod info;
pub mod jsonpath;
pub mod logs;
pub mod manifest;
pub mod mutate;
pub mod openapi;
pub mod output;
pub mod patch;
pub mod rollout;
pub mod table;
pub mod three_way;
pub mod top;
pub mod version;
