//! Running policies over generated incidents through episodes, exactly as a trainer's agent
//! meets them: one episode per incident id and trial, paired across policies, in parallel,
//! each recorded as a [`Trajectory`] that [`replay`] re-runs; and per-tier resolution rates
//! and rewards. The figures of a full report are in [`crate::report`].

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::catalogue::Difficulty;
use crate::episode::{Environment, EpisodeError, Observation, ResetOptions, Session};
use crate::policy::{self, Hack, HackPolicy, Policy, RandomPolicy, Replay, ScriptedSre, Turn};
use crate::scenario::{IncidentId, TIERS, tier_name};
use crate::trajectory::{self, Outcome, Shown, Trajectory};

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
    on_step: impl FnMut(&Observation),
) -> Result<EpisodeResult, EpisodeError> {
    let t = record_from(session, first, policy, on_step)?;
    Ok(EpisodeResult {
        id: t.incident.parse()?,
        policy: t.policy.clone(),
        resolved: t.outcome.resolved,
        steps: t.outcome.steps,
        max_steps: t.max_steps,
        reward: t.outcome.reward,
        collateral: t.outcome.collateral.clone(),
        commands: t.commands().map(str::to_string).collect(),
    })
}

/// Like [`play_from`], recording every step: the trajectory has repeat 0 and policy seed 0
/// until the caller sets them.
pub fn record_from(
    session: &mut Session,
    first: &Observation,
    policy: &mut dyn Policy,
    mut on_step: impl FnMut(&Observation),
) -> Result<Trajectory, EpisodeError> {
    let id: IncidentId = first.metadata.incident_id.parse()?;
    let alert = first.active_alerts.join("\n");
    let clock = |s: &Session| s.cluster().map_or(0, |c| c.now().0);
    let start = clock(session);
    let mut t = Trajectory {
        format: trajectory::FORMAT.to_string(),
        incident: id.to_string(),
        tier: tier_name(id.tier).to_string(),
        split: id.split().to_string(),
        policy: policy.name(),
        repeat: 0,
        policy_seed: 0,
        max_steps: first.max_steps,
        alerts: first.active_alerts.clone(),
        reset: Shown {
            output: first.command_output.clone(),
            status_summary: first.cluster_status_summary.clone(),
            hint: first.hint.clone(),
        },
        steps: Vec::new(),
        outcome: Outcome::default(),
        spend: None,
    };
    let record = |t: &mut Trajectory, command: Option<String>, o: &Observation, ms: u64| {
        t.steps.push(trajectory::Step {
            command,
            output: o.command_output.clone(),
            status_summary: o.cluster_status_summary.clone(),
            hint: o.hint.clone(),
            exit_code: o.metadata.exit_code,
            blocked: o.metadata.blocked,
            phase: o.metadata.phase.map(str::to_string),
            reward: o.reward,
            breakdown: o.metadata.breakdown,
            sim_ms: ms,
            done: o.done,
        });
        t.outcome.steps = o.steps_taken;
        t.outcome.reward = o.metadata.episode_reward;
        t.outcome.resolved = o.metadata.resolved;
        t.outcome.truncated = o.metadata.truncated;
        t.outcome.collateral = o.metadata.collateral.clone();
        t.outcome.sim_seconds = ms as f64 / 1000.0;
        if o.metadata.resolved && t.outcome.sim_seconds_to_mitigate.is_none() {
            t.outcome.sim_seconds_to_mitigate = Some(ms as f64 / 1000.0);
        }
    };
    let mut last: Option<Turn> = None;
    for step in 0..first.max_steps {
        let obs = policy::Observation {
            alert: &alert,
            step,
            max_steps: first.max_steps,
            last: last.as_ref(),
        };
        let command = policy.next_command(&obs);
        let stepped = match &command {
            Some(c) => match session.step(c) {
                Ok(o) => Some(o),
                // An empty or oversized command is refused without a step; a policy that sends
                // one has nothing more to say.
                Err(EpisodeError::EmptyCommand | EpisodeError::CommandTooLong { .. }) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let Some(o) = stepped else {
            let o = session.give_up()?;
            on_step(&o);
            record(&mut t, None, &o, clock(session).saturating_sub(start));
            t.outcome.gave_up = true;
            break;
        };
        let command = command.unwrap_or_default();
        let (stdout, stderr) = session.last_output().unwrap_or_default();
        last = Some(Turn {
            command: command.clone(),
            stdout: stdout.to_string(),
            stderr: stderr.to_string(),
        });
        on_step(&o);
        record(
            &mut t,
            Some(command),
            &o,
            clock(session).saturating_sub(start),
        );
        if o.done {
            break;
        }
    }
    t.spend = policy.spend();
    Ok(t)
}

/// One episode of an evaluation: an incident, which repeated trial it is, and the seed its
/// policy draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: IncidentId,
    pub repeat: u32,
    pub policy_seed: u64,
}

impl Job {
    /// The job for trial `repeat` of `id` in a run seeded `seed`. Trial 0 of the default seed
    /// (0) seeds the policy with the incident's seed, as [`evaluate`] does; every other trial
    /// gets its own seed, so a seeded policy's repeats differ.
    pub fn new(id: IncidentId, repeat: u32, seed: u64) -> Job {
        let policy_seed = if repeat == 0 && seed == 0 {
            u64::from(id.seed)
        } else {
            let tier = TIERS.iter().position(|t| *t == id.tier).unwrap_or(0) as u64;
            splitmix(seed ^ splitmix((tier << 40) ^ (u64::from(id.seed) << 8) ^ u64::from(repeat)))
        };
        Job {
            id,
            repeat,
            policy_seed,
        }
    }
}

/// splitmix64's finaliser: a seed mixer that is the same on every platform.
pub fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Runs `job` with `policy` in a fresh session of `env` and records it.
pub fn record(
    env: &Arc<Environment>,
    job: &Job,
    policy: &mut dyn Policy,
) -> Result<Trajectory, EpisodeError> {
    let mut session = env.session();
    let first = session.reset(ResetOptions {
        incident: Some(job.id),
        ..ResetOptions::default()
    })?;
    let t = record_from(&mut session, &first, policy, |_| {});
    session.close();
    let mut t = t?;
    t.repeat = job.repeat;
    t.policy_seed = job.policy_seed;
    Ok(t)
}

/// Re-runs a recorded episode from its incident id and commands, in a fresh session of `env`.
/// The replay of a recording made with the same environment configuration is the same
/// trajectory, byte for byte (model spend aside: a replay calls no model).
pub fn replay(env: &Arc<Environment>, recorded: &Trajectory) -> Result<Trajectory, EpisodeError> {
    let id: IncidentId = recorded.incident.parse()?;
    let mut policy = Replay::new(
        recorded.policy.clone(),
        recorded.commands().map(str::to_string),
    );
    let job = Job {
        id,
        repeat: recorded.repeat,
        policy_seed: recorded.policy_seed,
    };
    let mut t = record(env, &job, &mut policy)?;
    t.spend = recorded.spend;
    Ok(t)
}

/// Why an evaluation stopped.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{id} (trial {repeat}): {source}")]
    Episode {
        id: IncidentId,
        repeat: u32,
        source: EpisodeError,
    },
    #[error("{id} (trial {repeat}): cannot build the policy: {reason}")]
    Policy {
        id: IncidentId,
        repeat: u32,
        reason: String,
    },
}

/// Builds a job's policy, or says why it cannot.
pub type MakePolicy<'a> = dyn Fn(&Job) -> Result<Box<dyn Policy>, String> + Sync + 'a;

/// Runs every job on `threads` threads sharing `env`, each with the policy `make` builds for
/// it, and hands each finished trajectory to `done` with its job's index, in completion
/// order. The first error stops the workers after their current episodes.
pub fn run_jobs(
    jobs: &[Job],
    threads: usize,
    env: &Arc<Environment>,
    make: &MakePolicy<'_>,
    done: &(dyn Fn(usize, Trajectory) + Sync),
) -> Result<(), EvalError> {
    let next = AtomicUsize::new(0);
    let failed: Mutex<Option<EvalError>> = Mutex::new(None);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1).min(jobs.len().max(1)) {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(k) else { break };
                    let outcome = make(job)
                        .map_err(|reason| EvalError::Policy {
                            id: job.id,
                            repeat: job.repeat,
                            reason,
                        })
                        .and_then(|mut p| {
                            record(env, job, p.as_mut()).map_err(|source| EvalError::Episode {
                                id: job.id,
                                repeat: job.repeat,
                                source,
                            })
                        });
                    match outcome {
                        Ok(t) => done(k, t),
                        Err(e) => {
                            stop.store(true, Ordering::Relaxed);
                            let mut f = failed.lock().unwrap_or_else(|e| e.into_inner());
                            f.get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    match failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
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
        self.build_seeded(u64::from(id.seed))
    }

    /// The policy, a seeded one drawing from `seed`.
    pub fn build_seeded(self, seed: u64) -> Box<dyn Policy> {
        match self {
            PolicyKind::Scripted => Box::new(ScriptedSre::new()),
            PolicyKind::Random => Box::new(RandomPolicy::new(seed)),
            PolicyKind::Hack(h) => Box::new(HackPolicy::new(h)),
        }
    }

    /// Whether the policy's commands depend on nothing but what it is shown: repeats of a
    /// deterministic policy on one incident are the same episode.
    pub fn deterministic(self) -> bool {
        !matches!(self, PolicyKind::Random)
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
