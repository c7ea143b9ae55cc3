//! Incidents over the simulated cluster: faults as changes to Kubernetes objects.
//!
//! It holds the basic faults that the command-line tools inject by spec (`--fault
//! oom:payments/payment-api`), the fault catalogue ([`catalogue`]) whose injections are checked
//! to be observable, worlds to inject into ([`topology`], [`noise`]), the seeded incident
//! generator ([`scenario`]), resolution grading from object state ([`grading`]), policies that
//! act through kubectl command lines ([`policy`]: a scripted SRE baseline, a random policy,
//! reward hacks), and what a trainer sees: episodes ([`episode`]) scored by the reward
//! ([`reward`]) and the programmatic judge ([`judge`]), with incidents chosen by the curriculum
//! ([`curriculum`]); evaluation over many incidents ([`evaluate`]), each episode recorded and
//! replayable ([`trajectory`], exported in ATIF), summarised in a report ([`report`]) whose
//! estimators and tests are in [`stats`]. Two optional hooks let a layer above add signal without entering the
//! default path: a [`judge::StepScorer`] blended into the judge score, and a [`Designer`]
//! whose incidents ([`design`]) are checked for injection and solvability before use; on any
//! failure the programmatic result stands. Faults and grading touch only objects, never
//! the simulator's internals, so the same faults apply to a live cluster; policies see only what
//! the in-process kubectl prints. It depends on the cluster and kubectl crates.

pub mod catalogue;
pub mod curriculum;
pub mod design;
pub mod episode;
pub mod evaluate;
pub mod faults;
pub mod grading;
pub mod judge;
pub mod noise;
pub mod persona;
pub mod policy;
pub mod report;
pub mod reward;
pub mod scenario;
pub mod stats;
pub mod topology;
pub mod trajectory;

pub use catalogue::{CATALOGUE, CatalogueError, CatalogueFault, Incident, Mechanism};
pub use curriculum::{Curriculum, SharedCurriculum};
pub use design::{Design, DesignError, DesignRequest, Designer};
pub use episode::{
    EnvConfig, Environment, EpisodeError, HookStats, Observation, ResetOptions, ScorerStep,
    Session, State,
};
pub use faults::{Fault, FaultError, FaultSpec};
pub use grading::Grade;
pub use judge::{StepContext, StepScore, StepScorer};
pub use persona::Persona;
pub use reward::{Breakdown, RewardConfig};
pub use scenario::{IncidentId, Scenario, ScenarioSpec, Split, Worlds};
