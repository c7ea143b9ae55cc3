//! Incidents over the simulated cluster: faults as changes to Kubernetes objects.
//!
//! This crate will hold the fault catalogue, the incident generator, grading, curriculum and the
//! episode state machine. Today it holds the basic faults that the command-line tools inject by
//! spec (`--fault oom:payments/payment-api`), the fault catalogue ([`catalogue`]) whose
//! injections are checked to be observable, and resolution grading from object state
//! ([`grading`]). It depends on the cluster crate only; it never
//! touches the simulator's internals, only objects, so the same faults apply to a live cluster.

pub mod catalogue;
pub mod faults;
pub mod grading;
pub mod policy;
pub mod topology;

pub use catalogue::{CATALOGUE, CatalogueError, CatalogueFault, Incident, Mechanism};
pub use faults::{Fault, FaultError, FaultSpec};
pub use grading::Grade;
