//! Designed incidents: an incident composed explicitly (by an adversarial designer, usually an
//! LLM) from the fault catalogue's grammar instead of drawn from a seed, and the checks every
//! design passes before an episode uses it: a well-formed spec, an injection whose symptoms
//! show, and a scripted SRE that resolves it within the step budget. A design that fails any
//! check is rejected and the seeded generator's incident is used instead.
//!
//! The designer only chooses; this module decides. Nothing a designer returns is trusted.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cluster::Cluster;

use crate::catalogue::{CATALOGUE, CatalogueFault, Difficulty, Mechanism};
use crate::curriculum::CurriculumStats;
use crate::episode::MAX_STEPS_LIMIT;
use crate::noise::{self, Noise};
use crate::policy::{self, RunLimits, ScriptedSre};
use crate::scenario::{
    IncidentId, Precision, Scenario, ScenarioError, ScenarioSpec, Split, World, Worlds,
    cluster_wide, fault_targets, held_out,
};

/// The most faults a design may hold (the generator's expert tier holds three).
pub const MAX_DESIGN_FAULTS: usize = 3;

/// The most faults a design for `tier` may hold: the generator's most at that tier (one up to
/// beginner, two up to advanced, three at expert).
pub fn max_faults(tier: Difficulty) -> usize {
    match tier {
        Difficulty::Warmup | Difficulty::Beginner => 1,
        Difficulty::Intermediate | Difficulty::Advanced => 2,
        Difficulty::Expert => MAX_DESIGN_FAULTS,
    }
}

/// The longest design name kept.
pub const MAX_DESIGN_NAME: usize = 64;

/// An incident as a designer composes it. The world's topology is fixed by the request; the
/// design chooses the faults, the red herrings (noise) and how precisely the alerts speak.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Design {
    /// A short name for logs and reports (operators only: it may name the fault).
    pub name: String,
    pub faults: Vec<CatalogueFault>,
    pub noise: Vec<Noise>,
    pub precision: Precision,
}

/// What a designer is told: the learner's profile and what it may build with.
#[derive(Clone, Copy, Debug)]
pub struct DesignRequest<'a> {
    /// The curriculum's skill profile and weak spots.
    pub stats: &'a CurriculumStats,
    /// The tier the episode is drawn for.
    pub tier: Difficulty,
    pub split: Split,
    /// The world the incident happens in (its noise is replaced by the design's).
    pub world: &'a World,
    /// Every fault the design may use: the mechanisms unlocked at `tier`, aimed at the
    /// workloads of `world` they apply to.
    pub targets: &'a BTreeMap<Mechanism, Vec<CatalogueFault>>,
    pub max_faults: usize,
}

/// Composes incidents. Implementations may be slow (an LLM call) and may fail; failures and
/// bad designs fall back to the seeded generator.
pub trait Designer: Send + Sync {
    fn name(&self) -> &str;
    fn design(&self, request: &DesignRequest<'_>) -> Result<Design, String>;
}

/// Why a design was not used.
#[derive(Debug, thiserror::Error)]
pub enum DesignError {
    #[error("the designer failed: {0}")]
    Designer(String),
    #[error("invalid design: {0}")]
    Invalid(String),
    #[error("the design does not inject: {0}")]
    Inject(#[source] ScenarioError),
    #[error("the design is already resolved before anyone acted")]
    NoSymptom,
    #[error("the scripted SRE did not resolve the design within its {steps} steps")]
    Unsolvable { steps: usize },
}

/// The faults a design for `tier` in `split` may use in `world`: mechanisms at or below the
/// tier, without the combinations held out for the test split (outside it).
pub fn targets_for(
    tier: Difficulty,
    split: Split,
    world: &World,
) -> BTreeMap<Mechanism, Vec<CatalogueFault>> {
    let unlocked: BTreeSet<Mechanism> = CATALOGUE
        .iter()
        .filter(|i| i.difficulty <= tier)
        .map(|i| i.mechanism)
        .collect();
    fault_targets(&world.topology)
        .into_iter()
        .filter(|(m, _)| unlocked.contains(m))
        .map(|(m, faults)| {
            let faults: Vec<CatalogueFault> = faults
                .into_iter()
                .filter(|f| split == Split::Test || !held_out(f.mechanism, &f.workload))
                .collect();
            (m, faults)
        })
        .filter(|(_, faults)| !faults.is_empty())
        .collect()
}

impl ScenarioSpec {
    /// A spec from an explicit design, checked for form: a name, one to [`max_faults`] of
    /// `id`'s tier faults on distinct workloads, each of a mechanism unlocked at that tier, at
    /// most one cluster-wide fault (injected last), no combination held out of `id`'s split, a
    /// step budget from 1 to [`MAX_STEPS_LIMIT`]. Whether it injects and can be solved is [`ScenarioSpec::check_design`].
    pub fn designed(
        id: IncidentId,
        world: &World,
        design: &Design,
        max_steps: usize,
    ) -> Result<ScenarioSpec, DesignError> {
        let invalid = |s: String| Err(DesignError::Invalid(s));
        let name = design.name.trim();
        if name.is_empty() || name.chars().count() > MAX_DESIGN_NAME {
            return invalid(format!("a name of 1 to {MAX_DESIGN_NAME} characters"));
        }
        if name.chars().any(char::is_control) {
            return invalid("the name holds control characters".into());
        }
        let n = design.faults.len();
        let most = max_faults(id.tier);
        if !(1..=most).contains(&n) {
            return invalid(format!(
                "{n} faults; 1 to {most} are allowed at {}",
                id.tier
            ));
        }
        if !(1..=MAX_STEPS_LIMIT).contains(&max_steps) {
            return invalid(format!(
                "a step budget of {max_steps}; 1 to {MAX_STEPS_LIMIT}"
            ));
        }
        let mut workloads = BTreeSet::new();
        for f in &design.faults {
            if !workloads.insert((f.namespace.as_str(), f.workload.as_str())) {
                return invalid(format!(
                    "two faults on {}/{}; each fault needs its own workload",
                    f.namespace, f.workload
                ));
            }
            if f.mechanism.info().difficulty > id.tier {
                return invalid(format!("{} is locked at {}", f.mechanism, id.tier));
            }
            if id.split() != Split::Test && held_out(f.mechanism, &f.workload) {
                return invalid(format!(
                    "{f} is held out for the test split and may not be trained on"
                ));
            }
        }
        if design
            .faults
            .iter()
            .filter(|f| cluster_wide(f.mechanism))
            .count()
            > 1
        {
            return invalid("more than one cluster-wide fault".into());
        }
        let mut faults = design.faults.clone();
        faults.sort_by_key(|f| cluster_wide(f.mechanism));
        // Noise in catalogue order, once each, so equal designs build equal worlds.
        let noise: Vec<Noise> = noise::ALL
            .into_iter()
            .filter(|n| design.noise.contains(n))
            .collect();
        Ok(ScenarioSpec {
            id,
            world: World {
                topology: world.topology,
                noise,
                cluster_seed: world.cluster_seed,
            },
            faults,
            precision: design.precision,
            max_steps,
        })
    }

    /// Injects the spec into a fork of its world (every fault's symptom must show), then
    /// plays the scripted SRE on another fork, `step_time` of simulated time per command: it
    /// must resolve the incident within the spec's step budget. Returns the injected cluster
    /// and the incident, untouched by the policy.
    pub fn check_design(
        &self,
        worlds: &Worlds,
        step_time: Duration,
    ) -> Result<(Cluster, Scenario), DesignError> {
        let (cluster, scenario) = self.instantiate(worlds).map_err(DesignError::Inject)?;
        if scenario.is_resolved(&cluster) {
            return Err(DesignError::NoSymptom);
        }
        let mut fork = cluster.clone();
        let limits = RunLimits {
            max_steps: self.max_steps,
            step_time,
        };
        let transcript = policy::run(
            &mut fork,
            &scenario.alerts.join("\n"),
            &mut ScriptedSre::new(),
            &limits,
            |c| scenario.is_resolved(c),
        );
        if transcript.resolved_at.is_none() {
            return Err(DesignError::Unsolvable {
                steps: self.max_steps,
            });
        }
        Ok((cluster, scenario))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::step_budget;

    fn fault(s: &str) -> CatalogueFault {
        s.parse().expect("fault spec")
    }

    fn design(faults: &[&str]) -> Design {
        Design {
            name: "test design".into(),
            faults: faults.iter().map(|f| fault(f)).collect(),
            noise: vec![Noise::WarningLogs, Noise::OldRestart, Noise::WarningLogs],
            precision: Precision::Component,
        }
    }

    fn warmup() -> (IncidentId, World) {
        let id = Split::Train.id(Difficulty::Warmup, 3);
        let world = id.spec().world;
        (id, world)
    }

    #[test]
    fn a_design_is_checked_for_form() {
        let (id, world) = warmup();
        let spec =
            ScenarioSpec::designed(id, &world, &design(&["oom-limit:payments/payment-api"]), 16)
                .expect("well formed");
        assert_eq!(
            spec.world.noise,
            vec![Noise::OldRestart, Noise::WarningLogs]
        );
        assert_eq!(spec.world.topology, world.topology);
        assert_eq!(spec.precision, Precision::Component);
        let expert = Split::Test.id(Difficulty::Expert, 3);
        let expert_world = expert.spec().world;
        let bad = [
            (id, design(&[]), 16, "0 faults"),
            (
                id,
                design(&[
                    "oom-limit:payments/payment-api",
                    "scaled-to-zero:frontend/web-app",
                ]),
                16,
                "1 to 1 are allowed at warmup",
            ),
            (
                id,
                design(&["cordoned-and-drained:payments/payment-api"]),
                16,
                "locked at warmup",
            ),
            (
                expert,
                design(&[
                    "oom-limit:payments/payment-api",
                    "scaled-to-zero:payments/payment-api",
                ]),
                16,
                "two faults on payments/payment-api",
            ),
            (
                expert,
                design(&[
                    "cordoned-and-drained:payments/payment-api",
                    "untolerated-taint:frontend/web-app",
                ]),
                16,
                "more than one cluster-wide",
            ),
            (
                id,
                design(&["oom-limit:payments/payment-api"]),
                0,
                "step budget",
            ),
            (
                id,
                Design {
                    name: " ".into(),
                    ..design(&["oom-limit:payments/payment-api"])
                },
                16,
                "a name",
            ),
        ];
        for (id, d, steps, needle) in bad {
            let world = if id == expert { &expert_world } else { &world };
            let e = ScenarioSpec::designed(id, world, &d, steps)
                .expect_err("refused")
                .to_string();
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn an_observable_solvable_design_passes_and_an_impossible_target_does_not() {
        let (id, world) = warmup();
        let d = design(&["oom-limit:payments/payment-api"]);
        let spec = ScenarioSpec::designed(id, &world, &d, step_budget(id.tier, 1)).unwrap();
        let worlds = Worlds::new();
        let (_, scenario) = spec
            .check_design(&worlds, Duration::from_secs(10))
            .expect("valid design");
        assert_eq!(scenario.incidents.len(), 1);

        let missing = design(&["oom-limit:payments/no-such-workload"]);
        let spec = ScenarioSpec::designed(id, &world, &missing, 16).unwrap();
        assert!(matches!(
            spec.check_design(&worlds, Duration::from_secs(10)),
            Err(DesignError::Inject(_))
        ));

        // One step is too few for anyone to find and fix it.
        let spec = ScenarioSpec::designed(id, &world, &d, 1).unwrap();
        assert!(matches!(
            spec.check_design(&worlds, Duration::from_secs(10)),
            Err(DesignError::Unsolvable { steps: 1 })
        ));
    }

    #[test]
    fn targets_are_unlocked_mechanisms_in_the_world() {
        let (_, world) = warmup();
        let warm = targets_for(Difficulty::Warmup, Split::Train, &world);
        let expert = targets_for(Difficulty::Expert, Split::Train, &world);
        assert!(!warm.is_empty());
        assert!(expert.len() > warm.len());
        for (m, faults) in &warm {
            assert_eq!(m.info().difficulty, Difficulty::Warmup);
            assert!(faults.iter().all(|f| !held_out(f.mechanism, &f.workload)));
        }
    }
}
