//! Running policies over generated incidents: one episode per incident id, paired across
//! policies, in parallel, with per-tier figures. The full evaluation tooling builds on this.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::catalogue::Difficulty;
use crate::policy::{self, Hack, HackPolicy, Policy, RandomPolicy, RunLimits, ScriptedSre};
use crate::scenario::{IncidentId, ScenarioError, Worlds};

/// How much simulated time one command takes.
pub const STEP_TIME: Duration = Duration::from_secs(10);

/// One episode's outcome.
#[derive(Clone, Debug)]
pub struct EpisodeResult {
    pub id: IncidentId,
    pub policy: String,
    pub resolved: bool,
    /// Commands run (up to the one that resolved it).
    pub steps: usize,
    pub max_steps: usize,
    /// Damage named by the final grade.
    pub collateral: Vec<String>,
}

/// Runs `policy` on incident `id` until it is resolved, the policy stops, or the step budget is
/// spent; the verdict is the final grade's, so a fix that does not hold does not count.
pub fn episode(
    id: IncidentId,
    worlds: &Worlds,
    policy: &mut dyn Policy,
) -> Result<EpisodeResult, ScenarioError> {
    let spec = id.spec();
    let (mut cluster, scenario) = spec.instantiate(worlds)?;
    let alert = scenario.alerts.join("\n");
    let limits = RunLimits {
        max_steps: spec.max_steps,
        step_time: STEP_TIME,
    };
    let transcript = policy::run(&mut cluster, &alert, policy, &limits, |c| {
        scenario.is_resolved(c)
    });
    let grade = scenario.grade(&cluster);
    Ok(EpisodeResult {
        id,
        policy: policy.name(),
        resolved: grade.resolved,
        steps: transcript
            .resolved_at
            .map_or(transcript.turns.len(), |k| k + 1),
        max_steps: spec.max_steps,
        collateral: grade.collateral,
    })
}

/// A policy by name, built fresh for each episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    Scripted,
    /// Seeded from the incident's seed, so runs are paired and repeatable.
    Random,
    Hack(Hack),
}

/// Every policy the figures cover, in report order.
pub const POLICIES: [PolicyKind; 7] = [
    PolicyKind::Scripted,
    PolicyKind::Random,
    PolicyKind::Hack(Hack::ScaleToZero),
    PolicyKind::Hack(Hack::Delete),
    PolicyKind::Hack(Hack::RestartSpam),
    PolicyKind::Hack(Hack::UnrelatedImage),
    PolicyKind::Hack(Hack::Nothing),
];

impl PolicyKind {
    pub fn name(self) -> String {
        match self {
            PolicyKind::Scripted => "scripted".into(),
            PolicyKind::Random => "random".into(),
            PolicyKind::Hack(h) => format!("hack-{}", h.name()),
        }
    }

    pub fn build(self, id: IncidentId) -> Box<dyn Policy> {
        match self {
            PolicyKind::Scripted => Box::new(ScriptedSre::new()),
            PolicyKind::Random => Box::new(RandomPolicy::new(u64::from(id.seed))),
            PolicyKind::Hack(h) => Box::new(HackPolicy::new(h)),
        }
    }
}

impl FromStr for PolicyKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        POLICIES.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<String> = POLICIES.iter().map(|p| p.name()).collect();
            format!(
                "unknown policy {s:?}; expected one of: {}",
                names.join(", ")
            )
        })
    }
}

/// Runs `policy` once on each incident of `ids`, on `threads` threads sharing one set of
/// pre-built worlds; results come back in `ids` order.
pub fn evaluate(
    ids: &[IncidentId],
    policy: PolicyKind,
    threads: usize,
    worlds: &Worlds,
) -> Result<Vec<EpisodeResult>, ScenarioError> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<EpisodeResult, ScenarioError>>>> =
        Mutex::new((0..ids.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&id) = ids.get(k) else { break };
                    let result = episode(id, worlds, policy.build(id).as_mut());
                    results.lock().unwrap_or_else(|e| e.into_inner())[k] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .flatten()
        .collect()
}

/// Resolution rate and mean steps per tier.
#[derive(Clone, Debug, Default)]
pub struct TierFigures {
    pub episodes: usize,
    pub resolved: usize,
    pub steps_when_resolved: usize,
}

impl TierFigures {
    pub fn rate(&self) -> f64 {
        if self.episodes == 0 {
            0.0
        } else {
            self.resolved as f64 / self.episodes as f64
        }
    }

    pub fn mean_steps(&self) -> f64 {
        if self.resolved == 0 {
            0.0
        } else {
            self.steps_when_resolved as f64 / self.resolved as f64
        }
    }
}

pub fn by_tier(results: &[EpisodeResult]) -> BTreeMap<Difficulty, TierFigures> {
    let mut out: BTreeMap<Difficulty, TierFigures> = BTreeMap::new();
    for r in results {
        let f = out.entry(r.id.tier).or_default();
        f.episodes += 1;
        if r.resolved {
            f.resolved += 1;
            f.steps_when_resolved += r.steps;
        }
    }
    out
}
