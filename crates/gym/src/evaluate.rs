//! Running policies over generated incidents through episodes, exactly as a trainer's agent
//! meets them: one episode per incident id, paired across policies, in parallel, with per-tier
//! resolution rates and rewards. The full evaluation tooling builds on this.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::catalogue::Difficulty;
use crate::episode::{Environment, EpisodeError, Observation, ResetOptions, Session};
use crate::policy::{self, Hack, HackPolicy, Policy, RandomPolicy, ScriptedSre, Turn};
use crate::scenario::IncidentId;

/// One episode's outcome.
#[derive(Clone, Debug)]
pub struct EpisodeResult {
    pub id: IncidentId,
    pub policy: String,
    pub resolved: bool,
    /// Commands run (up to the one that resolved it).
    pub steps: usize,
    pub max_steps: usize,
    /// The sum of the episode's rewards.
    pub reward: f64,
    /// Damage done outside the fix, named.
    pub collateral: Vec<String>,
    pub commands: Vec<String>,
}

/// Runs `policy` in `session` on the incident `options` select until the episode is done or the
/// policy stops. The policy sees the alert and each command's output, nothing else.
pub fn play(
    session: &mut Session,
    options: ResetOptions,
    policy: &mut dyn Policy,
) -> Result<EpisodeResult, EpisodeError> {
    let first = session.reset(options)?;
    let result = play_from(session, &first, policy, |_| {});
    session.close();
    result
}

/// Plays `policy` in a session just reset to `first` until the episode is done or the policy
/// stops, handing every step's observation to `on_step`. The session stays open.
pub fn play_from(
    session: &mut Session,
    first: &Observation,
    policy: &mut dyn Policy,
    mut on_step: impl FnMut(&Observation),
) -> Result<EpisodeResult, EpisodeError> {
    let id: IncidentId = first.metadata.incident_id.parse()?;
    let alert = first.active_alerts.join("\n");
    let mut result = EpisodeResult {
        id,
        policy: policy.name(),
        resolved: false,
        steps: 0,
        max_steps: first.max_steps,
        reward: 0.0,
        collateral: Vec::new(),
        commands: Vec::new(),
    };
    let mut last: Option<Turn> = None;
    for step in 0..first.max_steps {
        let obs = policy::Observation {
            alert: &alert,
            step,
            max_steps: first.max_steps,
            last: last.as_ref(),
        };
        let Some(command) = policy.next_command(&obs) else {
            let o = session.give_up()?;
            on_step(&o);
            result.reward = o.metadata.episode_reward;
            break;
        };
        let o = match session.step(&command) {
            Ok(o) => o,
            // An empty or oversized command is refused without a step; a policy that sends
            // one has nothing more to say.
            Err(EpisodeError::EmptyCommand | EpisodeError::CommandTooLong { .. }) => {
                let o = session.give_up()?;
                on_step(&o);
                result.reward = o.metadata.episode_reward;
                break;
            }
            Err(e) => return Err(e),
        };
        let (stdout, stderr) = session.last_output().unwrap_or_default();
        last = Some(Turn {
            command: command.clone(),
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
        });
        result.commands.push(command);
        on_step(&o);
        result.steps = o.steps_taken;
        result.reward = o.metadata.episode_reward;
        result.resolved = o.metadata.resolved;
        result.collateral = o.metadata.collateral;
        if o.done {
            break;
        }
    }
    Ok(result)
}

/// Runs `policy` on incident `id` in a fresh session of `env`.
pub fn episode(
    id: IncidentId,
    env: &Arc<Environment>,
    policy: &mut dyn Policy,
) -> Result<EpisodeResult, EpisodeError> {
    let options = ResetOptions {
        incident: Some(id),
        ..ResetOptions::default()
    };
    play(&mut env.session(), options, policy)
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

/// Runs `policy` once on each incident of `ids`, on `threads` threads sharing one environment
/// (pre-built worlds, prepared incidents); results come back in `ids` order.
pub fn evaluate(
    ids: &[IncidentId],
    policy: PolicyKind,
    threads: usize,
    env: &Arc<Environment>,
) -> Result<Vec<EpisodeResult>, EpisodeError> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<EpisodeResult, EpisodeError>>>> =
        Mutex::new((0..ids.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&id) = ids.get(k) else { break };
                    let result = episode(id, env, policy.build(id).as_mut());
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

/// Resolution rate, steps and rewards per tier.
#[derive(Clone, Debug, Default)]
pub struct TierFigures {
    pub episodes: usize,
    pub resolved: usize,
    pub steps_when_resolved: usize,
    /// Episode rewards of resolved and of unresolved episodes.
    pub rewards_resolved: Vec<f64>,
    pub rewards_failed: Vec<f64>,
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

/// Mean, standard deviation, minimum and maximum; zeros when empty.
pub fn spread(values: &[f64]) -> (f64, f64, f64, f64) {
    if values.is_empty() {
        return (0.0, 0.0, 0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (mean, var.sqrt(), min, max)
}

pub fn by_tier(results: &[EpisodeResult]) -> BTreeMap<Difficulty, TierFigures> {
    let mut out: BTreeMap<Difficulty, TierFigures> = BTreeMap::new();
    for r in results {
        let f = out.entry(r.id.tier).or_default();
        f.episodes += 1;
        if r.resolved {
            f.resolved += 1;
            f.steps_when_resolved += r.steps;
            f.rewards_resolved.push(r.reward);
        } else {
            f.rewards_failed.push(r.reward);
        }
    }
    out
}
