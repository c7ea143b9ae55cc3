//! The reward: the original's components with its defects fixed, every constant in
//! [`RewardConfig`], and a per-step [`Breakdown`] trainers can log.
//!
//! Per step: the judge's score in [-1, 1], a repeat penalty, a phase-order term, a
//! collateral-damage penalty for each newly damaged object, a diagnosis term when a
//! `diagnose:` names a true root cause, and the resolution bonus
//! `(1 + 2d) + 2 (1 - k / max_steps)` paid only when the state-based grading passes. An episode
//! that reaches its step limit unresolved totals exactly `timeout_total`; one resolved on its last
//! step is a resolution.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::catalogue::{FaultClass, GroundTruth};
use crate::judge::{JudgeWeights, Phase};

/// Every constant of the reward, with the original's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RewardConfig {
    /// Subtracted for each repeat of an identical command.
    pub repeat_penalty: f64,
    /// The occurrence of an identical command that is no longer run (the original blocked the
    /// third); `None`, the default, runs every repeat: polling the same view while a rollout
    /// converges is normal work, and the penalty already prices it.
    pub repeat_block_at: Option<usize>,
    /// The reward of a blocked repeat, instead of the judge's score.
    pub blocked: f64,
    /// Resolution bonus: `base + difficulty_weight * d + efficiency_weight * (1 - k / max_steps)`.
    pub bonus_base: f64,
    pub bonus_difficulty_weight: f64,
    pub bonus_efficiency_weight: f64,
    /// The episode total when the step limit is reached unresolved.
    pub timeout_total: f64,
    /// Entering the next phase of triage -> investigate -> fix -> verify.
    pub phase_in_order: f64,
    /// Changing the cluster before any triage or investigation.
    pub phase_skipped: f64,
    /// For each object newly damaged outside the fix (deleted, scaled below baseline, changed
    /// without cause).
    pub collateral: f64,
    /// A diagnosis that names a root-cause object and what is wrong with it, once per fault.
    pub diagnosis_correct: f64,
    /// A diagnosis that names a root-cause object only, once per fault.
    pub diagnosis_partial: f64,
    pub judge: JudgeWeights,
}

impl Default for RewardConfig {
    fn default() -> Self {
        RewardConfig {
            repeat_penalty: 0.15,
            repeat_block_at: None,
            blocked: -0.5,
            bonus_base: 1.0,
            bonus_difficulty_weight: 2.0,
            bonus_efficiency_weight: 2.0,
            timeout_total: -2.0,
            phase_in_order: 0.2,
            phase_skipped: -0.3,
            collateral: -1.0,
            diagnosis_correct: 0.5,
            diagnosis_partial: 0.2,
            judge: JudgeWeights::default(),
        }
    }
}

impl RewardConfig {
    /// What a diagnosis of `quality` (0 none, 1 partial, 2 correct) adds for one fault already
    /// paid for `paid`: only the improvement, so repeating a diagnosis earns nothing.
    pub fn diagnosis_gain(&self, quality: u8, paid: u8) -> f64 {
        let worth = |q: u8| match q {
            2 => self.diagnosis_correct,
            1 => self.diagnosis_partial,
            _ => 0.0,
        };
        if quality > paid {
            worth(quality) - worth(paid)
        } else {
            0.0
        }
    }

    /// The resolution bonus for resolving at step `k` of `max_steps` at difficulty `d`.
    pub fn resolution_bonus(&self, d: f64, k: usize, max_steps: usize) -> f64 {
        let efficiency = 1.0 - k as f64 / max_steps.max(1) as f64;
        self.bonus_base
            + self.bonus_difficulty_weight * d
            + self.bonus_efficiency_weight * efficiency
    }
}

/// One step's reward by component; `total` is their sum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    pub judge: f64,
    pub repeat: f64,
    pub phase: f64,
    pub collateral: f64,
    pub diagnosis: f64,
    pub resolution: f64,
    /// What brings an unresolved episode's total to `timeout_total` on its last step.
    pub timeout: f64,
    pub total: f64,
}

impl Breakdown {
    pub fn sum(&mut self) -> f64 {
        self.total = self.judge
            + self.repeat
            + self.phase
            + self.collateral
            + self.diagnosis
            + self.resolution
            + self.timeout;
        self.total
    }
}

/// The phase-order term's memory: phases entered since the last change, and the last phase.
#[derive(Clone, Debug, Default)]
pub struct PhaseTracker {
    last: Option<Phase>,
    /// Phases entered in the current cycle (a change starts a new one, so a second fault's
    /// investigate -> fix earns its order bonus again).
    cycle: BTreeSet<Phase>,
    seen: BTreeSet<Phase>,
}

impl PhaseTracker {
    /// The phase term for a step in `phase`: `in_order` when it enters the next phase (or
    /// starts with triage), `skipped` when a change comes before any triage and investigation;
    /// staying in a phase or going back earns nothing, so the normal path is never penalised.
    pub fn step(&mut self, phase: Option<Phase>, config: &RewardConfig) -> f64 {
        let Some(phase) = phase else {
            return 0.0;
        };
        let mut term = 0.0;
        if self.last != Some(phase) && !self.cycle.contains(&phase) {
            let next = match self.last {
                None => phase == Phase::Triage,
                Some(last) => phase.order() == last.order() + 1,
            };
            if next {
                term += config.phase_in_order;
            }
            if phase == Phase::Fix
                && !(self.seen.contains(&Phase::Triage) || self.seen.contains(&Phase::Investigate))
            {
                term += config.phase_skipped;
            }
        }
        self.seen.insert(phase);
        self.cycle.insert(phase);
        if phase == Phase::Fix {
            self.cycle.clear();
        }
        self.last = Some(phase);
        term
    }

    pub fn seen(&self) -> &BTreeSet<Phase> {
        &self.seen
    }
}

/// Words that say what is wrong, per fault class, for matching a diagnosis.
fn class_words(class: FaultClass) -> &'static [&'static str] {
    match class {
        FaultClass::Resources => &["memory", "oom", "limit", "resources"],
        FaultClass::Command => &["command", "args", "entrypoint", "exit", "crash"],
        FaultClass::Image => &["image", "tag", "pull", "registry"],
        FaultClass::Configuration => &[
            "config",
            "env",
            "variable",
            "url",
            "host",
            "secret",
            "key",
            "password",
            "credential",
        ],
        FaultClass::Probes => &["probe", "liveness", "readiness", "health"],
        FaultClass::Scaling => &["replica", "scale", "zero"],
        FaultClass::Scheduling => &[
            "schedul",
            "nodeselector",
            "selector",
            "taint",
            "toleration",
            "cordon",
            "drain",
            "request",
            "capacity",
            "pending",
        ],
        FaultClass::Quota => &["quota"],
        FaultClass::Networking => &[
            "networkpolicy",
            "network policy",
            "policy",
            "port",
            "selector",
            "endpoint",
        ],
        FaultClass::Storage => &["storageclass", "storage class", "pvc", "volume", "claim"],
        FaultClass::Rollout => &[
            "rollout", "release", "revision", "version", "rollback", "undo",
        ],
        FaultClass::Dependency => &[
            "depend",
            "replica",
            "scale",
            "database",
            "downstream",
            "upstream",
        ],
    }
}

/// How well a free-text diagnosis names a fault: 2 for the root-cause object and what is wrong
/// with it, 1 for the object only, 0 otherwise.
pub fn diagnosis_quality(text: &str, truth: &GroundTruth) -> u8 {
    let text = text.to_ascii_lowercase();
    let names_object = truth.root_causes.iter().any(|e| {
        let name = e.name.to_ascii_lowercase();
        !name.is_empty() && text.contains(&name)
    });
    if !names_object {
        return 0;
    }
    if class_words(truth.class).iter().any(|w| text.contains(w)) {
        2
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{Entity, Mechanism};

    #[test]
    fn the_normal_path_earns_the_order_bonus_and_a_blind_fix_is_penalised() {
        let c = RewardConfig::default();
        let mut t = PhaseTracker::default();
        let path = [
            Phase::Triage,
            Phase::Investigate,
            Phase::Investigate,
            Phase::Fix,
            Phase::Verify,
        ];
        let terms: Vec<f64> = path.iter().map(|p| t.step(Some(*p), &c)).collect();
        assert_eq!(terms, vec![0.2, 0.2, 0.0, 0.2, 0.2]);

        let mut t = PhaseTracker::default();
        assert_eq!(t.step(Some(Phase::Fix), &c), -0.3);

        // Going back and forth between triage and investigation earns nothing more.
        let mut t = PhaseTracker::default();
        let loop_terms: f64 = [
            Phase::Triage,
            Phase::Investigate,
            Phase::Triage,
            Phase::Investigate,
        ]
        .iter()
        .map(|p| t.step(Some(*p), &c))
        .sum();
        assert!((loop_terms - 0.4).abs() < 1e-9, "{loop_terms}");

        // A second fault: investigate then fix again earns the fix's order bonus again.
        let mut t = PhaseTracker::default();
        let two: Vec<f64> = [
            Phase::Triage,
            Phase::Investigate,
            Phase::Fix,
            Phase::Investigate,
            Phase::Fix,
            Phase::Verify,
        ]
        .iter()
        .map(|p| t.step(Some(*p), &c))
        .collect();
        assert_eq!(two, vec![0.2, 0.2, 0.2, 0.0, 0.2, 0.2]);
    }

    #[test]
    fn the_bonus_follows_the_original_formula() {
        let c = RewardConfig::default();
        let b = c.resolution_bonus(0.15, 3, 16);
        assert!((b - 2.925).abs() < 1e-9, "{b}");
    }

    #[test]
    fn a_diagnosis_must_name_the_root_cause_object() {
        let truth = GroundTruth {
            mechanism: Mechanism::OomLimit,
            class: FaultClass::Resources,
            root_causes: vec![Entity {
                kind: "Deployment".into(),
                namespace: "payments".into(),
                name: "payment-api".into(),
            }],
        };
        assert_eq!(
            diagnosis_quality("payment-api memory limit too low", &truth),
            2
        );
        assert_eq!(diagnosis_quality("payment-api is broken", &truth), 1);
        assert_eq!(diagnosis_quality("memory limit too low", &truth), 0);
        assert_eq!(diagnosis_quality("auth-service OOM", &truth), 0);
    }
}
