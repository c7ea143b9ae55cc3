//! Incidents over the simulated cluster: faults as changes to Kubernetes objects.
//!
//! It holds the basic faults that the command-line tools inject by spec (`--fault
//! oom:payments/payment-api`), the fault catalogue ([`catalogue`]) whose injections are checked
//! to be observable, worlds to inject into ([`topology`], [`noise`]), the seeded incident
//! generator ([`scenario`]), the curriculum that picks incidents for a training run
//! ([`curriculum`]), resolution grading from object state ([`grading`]), and policies that act through kubectl command lines ([`policy`]: a scripted
//! SRE baseline, a random policy, reward hacks). Faults and grading touch only objects, never
//! the simulator's internals, so the same faults apply to a live cluster; policies see only what
//! the in-process kubectl prints. It depends on the cluster and kubectl crates.

pub mod catalogue;
pub mod curriculum;
pub mod evaluate;
pub mod faults;
pub mod grading;
pub mod noise;
pub mod persona;
pub mod policy;
pub mod scenario;
pub mod topology;

pub use catalogue::{CATALOGUE, CatalogueError, CatalogueFault, Incident, Mechanism};
pub use curriculum::{Curriculum, SharedCurriculum};
pub use faults::{Fault, FaultError, FaultSpec};
pub use grading::Grade;
pub use persona::Persona;
pub use scenario::{IncidentId, Scenario, ScenarioSpec, Split, Worlds};
