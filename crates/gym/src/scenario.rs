//! The seeded incident generator. An incident id (`expert-903117`) names a tier and a seed; the
//! seed decides the world (topology and noise), one to three faults across namespaces, and how
//! precisely the alerts name what is wrong. Ids are stable: the same id always gives the same
//! incident. Splits are fixed by seed range, and some fault-and-workload combinations appear
//! only in the test split, so a held-out score measures transfer, not recall.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock};

use cluster::Cluster;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::catalogue::{
    CATALOGUE, CatalogueError, CatalogueFault, Difficulty, FaultClass, GroundTruth, Incident,
    Mechanism,
};
use crate::grading::{self, Grade};
use crate::noise::{self, Noise};
use crate::topology::{ServiceGraph, Topology, fault_targets_in};

/// Seeds per tier; an id's seed is below this.
pub const SEEDS_PER_TIER: u32 = 1_000_000;

/// Every tier, easiest first.
pub const TIERS: [Difficulty; 5] = [
    Difficulty::Warmup,
    Difficulty::Beginner,
    Difficulty::Intermediate,
    Difficulty::Advanced,
    Difficulty::Expert,
];

/// Generated topologies per size: worlds are built once and forked, so their number is bounded.
const TOPOLOGY_SEEDS: u64 = 12;

/// One in this many fault-and-workload combinations is held out for the test split.
const HELD_OUT_ONE_IN: u64 = 8;

pub fn tier_name(tier: Difficulty) -> &'static str {
    match tier {
        Difficulty::Warmup => "warmup",
        Difficulty::Beginner => "beginner",
        Difficulty::Intermediate => "intermediate",
        Difficulty::Advanced => "advanced",
        Difficulty::Expert => "expert",
    }
}

/// The curriculum's numeric difficulty for a tier, as the original's reward uses it.
pub fn tier_level(tier: Difficulty) -> f64 {
    match tier {
        Difficulty::Warmup => 0.15,
        Difficulty::Beginner => 0.25,
        Difficulty::Intermediate => 0.40,
        Difficulty::Advanced => 0.60,
        Difficulty::Expert => 0.80,
    }
}

impl FromStr for Difficulty {
    type Err = ScenarioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TIERS
            .into_iter()
            .find(|t| tier_name(*t) == s)
            .ok_or_else(|| ScenarioError::UnknownTier(s.into()))
    }
}

impl fmt::Display for Difficulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(tier_name(*self))
    }
}

/// Fixed splits by seed range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    Train,
    Validation,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Validation, Split::Test];

    /// The seeds of this split within each tier.
    pub fn seeds(self) -> std::ops::Range<u32> {
        match self {
            Split::Train => 0..800_000,
            Split::Validation => 800_000..900_000,
            Split::Test => 900_000..SEEDS_PER_TIER,
        }
    }

    pub fn of(seed: u32) -> Split {
        Split::ALL
            .into_iter()
            .find(|s| s.seeds().contains(&seed))
            .unwrap_or(Split::Test)
    }

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }

    /// The `n`-th incident id of this split in `tier`.
    pub fn id(self, tier: Difficulty, n: u32) -> IncidentId {
        let seeds = self.seeds();
        IncidentId {
            tier,
            seed: seeds.start + n % (seeds.end - seeds.start),
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Split {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Split {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for Split {
    type Err = ScenarioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "train" => Ok(Split::Train),
            "validation" | "val" => Ok(Split::Validation),
            "test" => Ok(Split::Test),
            _ => Err(ScenarioError::UnknownSplit(s.into())),
        }
    }
}

/// A stable incident id: `<tier>-<seed>`, the seed six digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IncidentId {
    pub tier: Difficulty,
    pub seed: u32,
}

impl IncidentId {
    pub fn split(self) -> Split {
        Split::of(self.seed)
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:06}", self.tier, self.seed)
    }
}

impl FromStr for IncidentId {
    type Err = ScenarioError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ScenarioError::BadId(s.into());
        let (tier, seed) = s.rsplit_once('-').ok_or_else(bad)?;
        let tier = tier.parse().map_err(|_| bad())?;
        let seed: u32 = seed.parse().map_err(|_| bad())?;
        if seed >= SEEDS_PER_TIER {
            return Err(bad());
        }
        Ok(IncidentId { tier, seed })
    }
}

/// How precisely an alert names what is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Precision {
    /// The workload and the symptom: "payment-api pods OOMKilled".
    Exact,
    /// The workload only: "payment-api (payments) degraded".
    Component,
    /// What users see, at the entry point: "checkout error rate above SLO".
    Symptomatic,
}

impl Precision {
    pub fn name(self) -> &'static str {
        match self {
            Precision::Exact => "exact",
            Precision::Component => "component",
            Precision::Symptomatic => "symptomatic",
        }
    }
}

/// The world an incident happens in, before any fault: built once, then forked.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct World {
    pub topology: Topology,
    pub noise: Vec<Noise>,
    pub cluster_seed: u64,
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (cluster seed {})", self.topology, self.cluster_seed)?;
        if !self.noise.is_empty() {
            let names: Vec<&str> = self.noise.iter().map(|n| n.name()).collect();
            write!(f, " with {}", names.join(", "))?;
        }
        Ok(())
    }
}

/// What an id generates: everything needed to build the incident, nothing built yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioSpec {
    pub id: IncidentId,
    pub world: World,
    /// In injection order: faults that stop scheduling go last, so the others still show.
    pub faults: Vec<CatalogueFault>,
    pub precision: Precision,
    pub max_steps: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error(
        "invalid incident id {0:?}: expected TIER-SEED, e.g. intermediate-904211 (seed below 1000000)"
    )]
    BadId(String),
    #[error("unknown tier {0:?}: expected warmup, beginner, intermediate, advanced or expert")]
    UnknownTier(String),
    #[error("unknown split {0:?}: expected train, validation or test")]
    UnknownSplit(String),
    #[error("building world {world}: {reason}")]
    World { world: String, reason: String },
    #[error("incident {id}: {source}")]
    Fault {
        id: IncidentId,
        source: CatalogueError,
    },
    #[error("incident {id}: faults {first} and {second} touch the same workload {workload}")]
    Overlap {
        id: IncidentId,
        first: String,
        second: String,
        workload: String,
    },
}

/// Mechanisms that act on every node or on a cluster-scoped object: at most one per incident,
/// injected last.
pub(crate) fn cluster_wide(m: Mechanism) -> bool {
    matches!(
        m,
        Mechanism::CordonedAndDrained
            | Mechanism::UntoleratedTaint
            | Mechanism::MissingStorageClass
    )
}

/// FNV-1a: a hash whose values never change between builds, for held-out combinations.
fn stable_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// Whether a fault on a workload is kept for the test split only. Keyed by workload name (not
/// namespace or topology) so that the combination is unseen in every world.
pub fn held_out(mechanism: Mechanism, workload: &str) -> bool {
    stable_hash(&[mechanism.name(), workload]).is_multiple_of(HELD_OUT_ONE_IN)
}

/// A fault the generator may pick, with the namespaces it may touch: its own, and those of the
/// workloads that call or are called by its target (a wrong targetPort breaks the callers, a
/// database fault reaches the database). Faults of one incident keep their footprints apart.
struct Candidate {
    fault: CatalogueFault,
    footprint: BTreeSet<String>,
    /// [`held_out`], decided once: the generator asks it of every candidate for every id.
    held_out: bool,
}

/// What the generator reads once from a topology's objects and keeps: who calls whom in the
/// healthy topology, and every mechanism's candidates.
#[derive(Default)]
struct TopologyFacts {
    graph: ServiceGraph,
    candidates: BTreeMap<Mechanism, Vec<Candidate>>,
}

/// A topology's facts, read on first use and kept: the generator consults them for every id,
/// and a symptomatic alert for every incident.
fn facts_of(topology: &Topology) -> Arc<TopologyFacts> {
    static CACHE: OnceLock<Mutex<BTreeMap<Topology, Arc<TopologyFacts>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(t) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(topology)
    {
        return t.clone();
    }
    // A topology the generator names always has objects; empty facts leave it without faults,
    // which the generator's tests would catch.
    let facts = topology
        .objects()
        .map(|c| {
            let graph = ServiceGraph::from_cluster(&c, topology.entry_points());
            let candidates = CATALOGUE
                .iter()
                .map(|i| {
                    let faults = fault_targets_in(&c, i.mechanism);
                    let candidates = faults
                        .into_iter()
                        .map(|fault| {
                            let mut footprint = BTreeSet::from([fault.namespace.clone()]);
                            for w in graph.workloads().filter(|w| {
                                w.namespace == fault.namespace && w.name == fault.workload
                            }) {
                                footprint.extend(
                                    graph
                                        .callers_of(w)
                                        .into_iter()
                                        .chain(graph.dependencies_of(w))
                                        .map(|n| n.namespace),
                                );
                            }
                            let held_out = held_out(fault.mechanism, &fault.workload);
                            Candidate {
                                fault,
                                footprint,
                                held_out,
                            }
                        })
                        .collect();
                    (i.mechanism, candidates)
                })
                .collect();
            TopologyFacts { graph, candidates }
        })
        .unwrap_or_default();
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(*topology)
        .or_insert_with(|| Arc::new(facts))
        .clone()
}

/// Every mechanism's fault targets in a topology (the workloads it applies to), as the
/// generator sees them; an adversarial designer picks from these.
pub fn fault_targets(topology: &Topology) -> BTreeMap<Mechanism, Vec<CatalogueFault>> {
    facts_of(topology)
        .candidates
        .iter()
        .map(|(m, cs)| (*m, cs.iter().map(|c| c.fault.clone()).collect()))
        .collect()
}

/// The step budget of an incident of `tier` with `faults` faults: the original's 15 + 10d
/// truncated, plus five steps per extra fault.
pub fn step_budget(tier: Difficulty, faults: usize) -> usize {
    (15.0 + 10.0 * tier_level(tier)) as usize + 5 * faults.saturating_sub(1)
}

struct TierPlan {
    topologies: &'static [TopologyChoice],
    faults: &'static [usize],
    precisions: &'static [Precision],
    noise: &'static [usize],
}

#[derive(Clone, Copy)]
enum TopologyChoice {
    Shop,
    Storefront,
    Generated(u8),
}

fn plan(tier: Difficulty) -> TierPlan {
    use Precision::*;
    use TopologyChoice::*;
    match tier {
        Difficulty::Warmup => TierPlan {
            topologies: &[Shop],
            faults: &[1],
            precisions: &[Exact],
            noise: &[0],
        },
        Difficulty::Beginner => TierPlan {
            topologies: &[Shop, Storefront],
            faults: &[1],
            precisions: &[Exact, Exact, Component],
            noise: &[0, 1],
        },
        Difficulty::Intermediate => TierPlan {
            topologies: &[Storefront, Generated(5), Generated(8)],
            faults: &[1, 1, 2],
            precisions: &[Exact, Component, Component, Symptomatic],
            noise: &[1, 2],
        },
        Difficulty::Advanced => TierPlan {
            topologies: &[Generated(12), Generated(16), Generated(20)],
            faults: &[2],
            precisions: &[Component, Symptomatic],
            noise: &[2, 3],
        },
        Difficulty::Expert => TierPlan {
            topologies: &[Generated(20), Generated(25), Generated(30)],
            faults: &[2, 3],
            precisions: &[Symptomatic],
            noise: &[3, 4],
        },
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

impl IncidentId {
    /// The incident this id names.
    pub fn spec(self) -> ScenarioSpec {
        let tier_index = TIERS.iter().position(|t| *t == self.tier).unwrap_or(0) as u64;
        let mut rng = ChaCha8Rng::seed_from_u64((tier_index << 32) | u64::from(self.seed));
        let plan = plan(self.tier);
        let world = {
            let choice = *pick(&mut rng, plan.topologies);
            let topology_seed = rng.random_range(0..TOPOLOGY_SEEDS);
            let topology = match choice {
                TopologyChoice::Shop => Topology::Shop,
                TopologyChoice::Storefront => Topology::Storefront,
                TopologyChoice::Generated(services) => Topology::Generated {
                    seed: topology_seed,
                    services,
                },
            };
            let count = *pick(&mut rng, plan.noise);
            let mut noise: Vec<Noise> = noise::ALL.to_vec();
            while noise.len() > count {
                noise.remove(rng.random_range(0..noise.len()));
            }
            World {
                topology,
                noise,
                cluster_seed: topology_seed,
            }
        };
        let wanted = *pick(&mut rng, plan.faults);
        let faults = self.pick_faults(&mut rng, &world.topology, wanted);
        let precision = *pick(&mut rng, plan.precisions);
        let max_steps = step_budget(self.tier, faults.len());
        ScenarioSpec {
            id: self,
            world,
            faults,
            precision,
            max_steps,
        }
    }

    /// Faults in distinct namespaces, the first at exactly this tier's difficulty where the
    /// world allows it, the rest at or below it.
    fn pick_faults(
        self,
        rng: &mut ChaCha8Rng,
        topology: &Topology,
        wanted: usize,
    ) -> Vec<CatalogueFault> {
        let test = self.split() == Split::Test;
        let allowed = |c: &&Candidate| test || !c.held_out;
        let facts = facts_of(topology);
        // The mechanisms of this tier or below with a candidate this split may use, in
        // mechanism order.
        let targets: Vec<(Mechanism, &[Candidate])> = facts
            .candidates
            .iter()
            .filter(|(m, cs)| m.info().difficulty <= self.tier && cs.iter().any(|c| allowed(&c)))
            .map(|(m, cs)| (*m, cs.as_slice()))
            .collect();
        let mut faults: Vec<CatalogueFault> = Vec::new();
        let mut touched: BTreeSet<&str> = BTreeSet::new();
        for n in 0..wanted {
            let fits = |c: &Candidate, faults: &[CatalogueFault]| {
                let second_cluster_wide = cluster_wide(c.fault.mechanism)
                    && faults.iter().any(|g| cluster_wide(g.mechanism));
                !second_cluster_wide && c.footprint.iter().all(|ns| !touched.contains(ns.as_str()))
            };
            let open = |cs: &[Candidate]| cs.iter().filter(allowed).any(|c| fits(c, &faults));
            let mut candidates: Vec<Mechanism> = targets
                .iter()
                .filter(|(m, cs)| (n > 0 || m.info().difficulty == self.tier) && open(cs))
                .map(|(m, _)| *m)
                .collect();
            if candidates.is_empty() {
                candidates = targets
                    .iter()
                    .filter(|(_, cs)| open(cs))
                    .map(|(m, _)| *m)
                    .collect();
            }
            if candidates.is_empty() {
                break;
            }
            let m = *pick(rng, &candidates);
            let options: Vec<&Candidate> = targets
                .iter()
                .find(|(t, _)| *t == m)
                .map(|(_, cs)| *cs)
                .unwrap_or_default()
                .iter()
                .filter(allowed)
                .filter(|c| fits(c, &faults))
                .collect();
            let chosen = *pick(rng, &options);
            touched.extend(chosen.footprint.iter().map(String::as_str));
            faults.push(chosen.fault.clone());
        }
        faults.sort_by_key(|f| cluster_wide(f.mechanism));
        faults
    }
}

impl ScenarioSpec {
    /// Whether any fault is a combination held out of training.
    pub fn held_out(&self) -> bool {
        self.faults
            .iter()
            .any(|f| held_out(f.mechanism, &f.workload))
    }

    /// Builds the incident on a fork of its pre-built world.
    pub fn instantiate(&self, worlds: &Worlds) -> Result<(Cluster, Scenario), ScenarioError> {
        let mut cluster = worlds.get(&self.world)?;
        self.inject_into(&mut cluster)
            .map(|scenario| (cluster, scenario))
    }

    /// Injects the faults into `cluster`, which must be this spec's world.
    pub fn inject_into(&self, cluster: &mut Cluster) -> Result<Scenario, ScenarioError> {
        let mut incidents: Vec<Incident> = Vec::new();
        for fault in &self.faults {
            let incident = fault
                .inject(cluster)
                .map_err(|source| ScenarioError::Fault {
                    id: self.id,
                    source,
                })?;
            for earlier in &incidents {
                if let Some(w) = incident
                    .workloads
                    .iter()
                    .find(|w| earlier.workloads.contains(w))
                {
                    return Err(ScenarioError::Overlap {
                        id: self.id,
                        first: earlier.fault.to_string(),
                        second: fault.to_string(),
                        workload: w.to_string(),
                    });
                }
            }
            incidents.push(incident);
        }
        let mut alerts: Vec<String> = Vec::new();
        for incident in &incidents {
            let alert = match self.precision {
                Precision::Exact => incident.alert.clone(),
                Precision::Component => format!(
                    "{} ({}) degraded",
                    incident.target.name, incident.target.namespace
                ),
                Precision::Symptomatic => {
                    // The user-facing workload whose users feel it: the end of the shortest
                    // caller chain in the healthy topology, whatever the fault did to the
                    // edges since.
                    let entry = facts_of(&self.world.topology)
                        .graph
                        .caller_chain(&incident.target)
                        .and_then(|mut chain| chain.pop())
                        .unwrap_or_else(|| incident.target.clone());
                    let what = match incident.ground_truth.class {
                        FaultClass::Scaling | FaultClass::Scheduling | FaultClass::Quota => {
                            "availability below SLO"
                        }
                        FaultClass::Probes => "p99 latency above SLO",
                        _ => "error rate above SLO",
                    };
                    format!("{} {what}", entry.name)
                }
            };
            if !alerts.contains(&alert) {
                alerts.push(alert);
            }
        }
        Ok(Scenario {
            spec: self.clone(),
            incidents,
            alerts,
        })
    }
}

impl fmt::Display for ScenarioSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let faults: Vec<String> = self.faults.iter().map(ToString::to_string).collect();
        write!(
            f,
            "{id}  split={split}  world={world}  faults=[{faults}]  alerts={precision}  max_steps={steps}{held}",
            id = self.id,
            split = self.id.split(),
            world = self.world,
            faults = faults.join(", "),
            precision = self.precision.name(),
            steps = self.max_steps,
            held = if self.held_out() { "  held-out" } else { "" },
        )
    }
}

/// An injected, observed incident: what the agent is paged with, and what grading needs.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub spec: ScenarioSpec,
    pub incidents: Vec<Incident>,
    /// The active alerts, one per distinct symptom.
    pub alerts: Vec<String>,
}

impl Scenario {
    /// Resolved when every fault is, and nothing else was damaged.
    pub fn grade(&self, cluster: &Cluster) -> Grade {
        grading::grade_together(&self.incidents, cluster)
    }

    /// Whether [`Scenario::grade`] would say resolved; cheaper while anything is still wrong.
    pub fn is_resolved(&self, cluster: &Cluster) -> bool {
        grading::resolved_together(&self.incidents, cluster)
    }

    /// Ground truth, for graders and reports only: never shown to the agent.
    pub fn ground_truth(&self) -> impl Iterator<Item = &GroundTruth> {
        self.incidents.iter().map(|i| &i.ground_truth)
    }
}

/// A world built once, or why it could not be.
type WorldCell = OnceLock<Result<Cluster, String>>;

/// Pre-built worlds, built on first use and shared by every thread; `get` returns a fork.
#[derive(Default)]
pub struct Worlds {
    built: Mutex<BTreeMap<World, Arc<WorldCell>>>,
}

impl Worlds {
    pub fn new() -> Worlds {
        Worlds::default()
    }

    pub fn get(&self, world: &World) -> Result<Cluster, ScenarioError> {
        let cell = {
            let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
            built.entry(world.clone()).or_default().clone()
        };
        cell.get_or_init(|| build_world(world))
            .clone()
            .map_err(|reason| ScenarioError::World {
                world: world.to_string(),
                reason,
            })
    }

    /// How many worlds have been built.
    pub fn len(&self) -> usize {
        self.built.lock().map(|b| b.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn build_world(world: &World) -> Result<Cluster, String> {
    let mut cluster = world
        .topology
        .build(world.cluster_seed)
        .map_err(|e| e.to_string())?;
    noise::add(&mut cluster, &world.noise).map_err(|e| e.to_string())?;
    Ok(cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_name_their_split() {
        let id: IncidentId = "intermediate-904211".parse().unwrap();
        assert_eq!(id.tier, Difficulty::Intermediate);
        assert_eq!(id.split(), Split::Test);
        assert_eq!(id.to_string(), "intermediate-904211");
        assert_eq!(
            Split::Train.id(Difficulty::Warmup, 7).to_string(),
            "warmup-000007"
        );
        for bad in [
            "expert",
            "expert-",
            "master-1",
            "expert-1000000",
            "expert-x1",
        ] {
            assert!(bad.parse::<IncidentId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_same_id_always_gives_the_same_incident() {
        for tier in TIERS {
            for n in 0..20 {
                let id = Split::Validation.id(tier, n);
                assert_eq!(id.spec(), id.spec());
            }
        }
    }

    #[test]
    fn held_out_combinations_never_appear_outside_test() {
        let mut held_in_test = 0;
        for tier in TIERS {
            for n in 0..300 {
                for split in Split::ALL {
                    let spec = split.id(tier, n).spec();
                    if split == Split::Test {
                        held_in_test += usize::from(spec.held_out());
                    } else {
                        assert!(!spec.held_out(), "{spec}");
                    }
                }
            }
        }
        assert!(
            held_in_test > 0,
            "the test split holds some held-out combinations"
        );
    }

    #[test]
    fn faults_sit_in_distinct_namespaces_with_at_most_one_cluster_wide() {
        for tier in TIERS {
            for n in 0..300 {
                let spec = Split::Train.id(tier, n).spec();
                assert!(!spec.faults.is_empty(), "{spec}");
                let ns: BTreeSet<_> = spec.faults.iter().map(|f| &f.namespace).collect();
                assert_eq!(ns.len(), spec.faults.len(), "{spec}");
                let wide = spec.faults.iter().filter(|f| cluster_wide(f.mechanism));
                assert!(wide.count() <= 1, "{spec}");
            }
        }
    }
}
