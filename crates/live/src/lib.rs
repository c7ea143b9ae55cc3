//! The real-cluster backend.
//!
//! It owns what differs between a real cluster and the simulator: how to connect
//! ([`connect`]), the per-session namespaces and ownership labels ([`namespaces`]), the
//! baseline manifests rewritten into a session ([`baseline`]), the allow-list that stands
//! between the agent and the real `kubectl` binary ([`policy`]), and the session-scoped
//! kubeconfig that binary runs with ([`kubeconfig`]).
//!
//! It sits above the cluster and kubectl crates (manifests, grammar) and below the server and
//! the CLI; it must not depend on either of those.

pub mod baseline;
pub mod connect;
pub mod environment;
pub mod episode;
pub mod executor;
pub mod faults;
pub mod kubeconfig;
pub mod namespaces;
pub mod policy;
pub mod session;
pub mod sweep;

pub use connect::{ConnectError, ConnectionSource};
pub use executor::{Executor, Limits};
pub use namespaces::{NamespaceMap, SessionId};
pub use policy::{Approved, KubectlRun, Plan, Refusal, check};
