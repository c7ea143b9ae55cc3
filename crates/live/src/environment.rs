//! OpenEnv episodes on a live cluster: the same `reset`, `step`, `state` and observations as
//! [`gym::Session`], with each episode one [`LiveEpisode`] in the session's namespaces.
//!
//! - **Which incident.** A reset picks one of [`supported_faults`] (every catalogue mechanism at
//!   its place in the baseline shop, less those that would change a cluster-scoped object) from
//!   the reset options: `incident` (`<tier>-<seed>`) keeps that tier's faults and uses its seed;
//!   otherwise `difficulty` keeps one tier's and `fault_types` some mechanisms'; the seed (the
//!   option, or else the next of a server-wide sequence) picks among what is left by rendezvous
//!   hashing, so a narrower filter that still holds the fault picks the same one: the
//!   `incident_id` an observation reports (`<tier>-<seed>`) resets to the same fault.
//!   `split` does not apply.
//! - **Reward.** The gym's components for what a live cluster can tell: the judge's per-step
//!   score, the repeat penalty (and block), the phase-order term, the diagnosis term, the
//!   resolution bonus when the state-based grading (with its real-time durability wait) says
//!   resolved, and the timeout total. Not the collateral-damage term (grading still refuses to
//!   call an incident with collateral damage resolved). Grading runs after every step once a
//!   write has succeeded, as the simulator's episodes do.
//! - **Ground truth** stays inside: errors that could name the fault are logged, and the agent
//!   sees a generic message. Live episodes are not recorded in the curriculum.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use gym::catalogue::CatalogueFault;
use gym::curriculum::SharedCurriculum;
use gym::episode::{MAX_STEPS_LIMIT, State, StepInfo, page, read_command, step_hint, step_phase};
use gym::judge::{self, Command, JudgeMemory, Scope, Verdict};
use gym::reward::{Breakdown, PhaseTracker, diagnosis_quality};
use gym::scenario::{step_budget, tier_level, tier_name};
use gym::{EnvConfig, EpisodeError, IncidentId, Observation, Persona, ResetOptions};
use kubectl::grammar::MAX_COMMAND_LEN;

pub use crate::faults::supported_faults;

use crate::episode::{self, EpisodeConfig, LiveEpisode};
use crate::namespaces::{NamespaceMap, SessionId};
use crate::session::{LiveError, LiveSession};

/// Incident seeds are below this (the gym's `<tier>-<seed>` ids have six digits).
const SEED_SPACE: u64 = 1_000_000;

/// How live episodes run.
#[derive(Clone, Copy, Debug)]
pub struct LiveConfig {
    /// Reset and grading bounds; its `seed` is the simulated twin's.
    pub episode: EpisodeConfig,
    /// How long closing a session waits for its namespaces to be gone.
    pub teardown_deadline: Duration,
}

impl Default for LiveConfig {
    fn default() -> LiveConfig {
        LiveConfig {
            episode: EpisodeConfig::default(),
            teardown_deadline: Duration::from_secs(300),
        }
    }
}

/// What every live session of a server shares: the connection, the settings, the faults.
pub struct LiveEnvironment {
    client: kube::Client,
    connection: kube::Config,
    config: LiveConfig,
    env: EnvConfig,
    supported: Vec<CatalogueFault>,
    resets: AtomicU64,
}

impl LiveEnvironment {
    /// `env` gives the reward constants and the step budget. Computing the supported faults
    /// runs the simulator once per catalogue mechanism (about a second).
    pub fn new(
        client: kube::Client,
        connection: kube::Config,
        config: LiveConfig,
        env: EnvConfig,
    ) -> LiveEnvironment {
        let supported = supported_faults(config.episode.seed);
        LiveEnvironment {
            client,
            connection,
            config,
            env,
            supported,
            resets: AtomicU64::new(0),
        }
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    pub fn config(&self) -> &LiveConfig {
        &self.config
    }

    /// The faults resets choose from, in catalogue order.
    pub fn supported(&self) -> &[CatalogueFault] {
        &self.supported
    }

    /// A session whose namespaces are named after `id`.
    pub fn session(self: &Arc<Self>, id: SessionId) -> LiveEpisodes {
        LiveEpisodes {
            env: Arc::clone(self),
            namespaces: NamespaceMap::new(id),
            dir: None,
            episode: None,
            touched: false,
        }
    }
}

/// The incident a reset with `options` gets among `supported`, and its fault (see the module's
/// notes). `fallback` is the sequence number a reset without a seed uses.
pub fn choose(
    supported: &[CatalogueFault],
    options: &ResetOptions,
    fallback: u64,
) -> Result<(IncidentId, CatalogueFault), EpisodeError> {
    let seed = match (options.incident, options.seed) {
        (Some(id), _) => u64::from(id.seed),
        (None, Some(seed)) => seed % SEED_SPACE,
        (None, None) => mix(fallback) % SEED_SPACE,
    };
    let tier = options.incident.map(|i| i.tier).or(options.difficulty);
    let types = if options.incident.is_some() {
        &[][..]
    } else {
        &options.fault_types[..]
    };
    let chosen = supported
        .iter()
        .filter(|f| types.is_empty() || types.contains(&f.mechanism))
        .filter(|f| tier.is_none_or(|t| f.mechanism.info().difficulty == t))
        .max_by_key(|f| mix(seed ^ fnv(&f.to_string())));
    let Some(fault) = chosen else {
        return Err(EpisodeError::NoIncident {
            tier: tier.map_or("supported", tier_name),
            split: "live",
            fault_types: types
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let id = IncidentId {
        tier: fault.mechanism.info().difficulty,
        seed: seed as u32,
    };
    Ok((id, fault.clone()))
}

/// splitmix64's finaliser: a well-spread hash of a number.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a of a string: stable across runs and platforms, unlike the standard hasher.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One session's live episodes: its namespaces, the episode running in them.
pub struct LiveEpisodes {
    env: Arc<LiveEnvironment>,
    namespaces: NamespaceMap,
    /// The session's kubeconfig for the `kubectl` binary lives here.
    dir: Option<tempfile::TempDir>,
    episode: Option<Running>,
    /// The namespaces may exist: a reset was tried since the last teardown.
    touched: bool,
}

/// An episode in progress, with the gym's bookkeeping.
struct Running {
    live: LiveEpisode,
    id: String,
    incident: IncidentId,
    scope: Scope,
    alerts: Vec<String>,
    persona: Persona,
    level: f64,
    max_steps: usize,
    steps: usize,
    commands: BTreeMap<String, usize>,
    judge: JudgeMemory,
    phases: PhaseTracker,
    last_verdict: Option<Verdict>,
    changed: bool,
    diagnosed: u8,
    total: f64,
    resolved: bool,
    done: bool,
}

impl LiveEpisodes {
    pub fn namespaces(&self) -> &NamespaceMap {
        &self.namespaces
    }

    /// Resets the session's namespaces to the baseline and injects the chosen fault. A failed
    /// reset leaves no episode running (the namespaces stay until [`close`](Self::close)).
    pub async fn reset(&mut self, options: ResetOptions) -> Result<Observation, EpisodeError> {
        if let Some(n) = options.max_steps
            && !(1..=MAX_STEPS_LIMIT).contains(&n)
        {
            return Err(EpisodeError::BadOption {
                name: "max_steps",
                reason: format!("expected 1 to {MAX_STEPS_LIMIT}, got {n}"),
            });
        }
        let n = self.env.resets.fetch_add(1, Ordering::Relaxed);
        let (incident_id, fault) = choose(&self.env.supported, &options, n)?;
        self.episode = None;
        if self.dir.is_none() {
            let dir = tempfile::tempdir().map_err(|e| {
                EpisodeError::Backend(format!("a directory for the session's kubeconfig: {e}"))
            })?;
            self.dir = Some(dir);
        }
        let dir = self
            .dir
            .as_ref()
            .map(|d| d.path().to_path_buf())
            .unwrap_or_default();
        self.touched = true;
        let started = k8s_openapi::jiff::Timestamp::now();
        let live = LiveEpisode::start(
            self.env.client.clone(),
            &self.env.connection,
            self.namespaces.session().clone(),
            &fault,
            &dir,
            self.env.config.episode,
        )
        .await
        .map_err(|e| match e {
            episode::EpisodeError::Inject(inner) => {
                tracing::warn!(%fault, error = %inner, "live fault injection failed");
                EpisodeError::Backend(format!(
                    "the incident {incident_id} could not be started on the cluster (the server's log says why)"
                ))
            }
            other => EpisodeError::Backend(format!("the live cluster's reset failed: {other}")),
        })?;
        let incident = live.incident();
        let alerts = vec![incident.alert.clone()];
        let scope = Scope::of_incidents(std::slice::from_ref(incident));
        let tier = incident_id.tier;
        let persona = Persona::for_tier(tier);
        let max_steps = options
            .max_steps
            .or(self.env.env.max_steps)
            .unwrap_or_else(|| step_budget(tier, 1));
        let summary = live.step("kubectl get pods -A").await;
        let running = Running {
            id: options
                .episode_id
                .clone()
                .unwrap_or_else(|| format!("{incident_id}-{n}")),
            incident: incident_id,
            scope,
            alerts,
            persona,
            level: tier_level(tier),
            max_steps,
            steps: 0,
            commands: BTreeMap::new(),
            judge: JudgeMemory::default(),
            phases: PhaseTracker::default(),
            last_verdict: None,
            changed: false,
            diagnosed: 0,
            total: 0.0,
            resolved: false,
            done: false,
            live,
        };
        let obs = Observation {
            command_output: page(&running.alerts, &format!("{started:.0}")),
            cluster_status_summary: summary.stdout,
            active_alerts: running.alerts.clone(),
            steps_taken: 0,
            max_steps,
            hint: if persona == Persona::Junior {
                judge::RESET_HINT.to_string()
            } else {
                String::new()
            },
            done: false,
            reward: 0.0,
            metadata: StepInfo {
                episode_id: running.id.clone(),
                incident_id: incident_id.to_string(),
                persona: persona.name(),
                ..StepInfo::default()
            },
        };
        self.episode = Some(running);
        Ok(obs)
    }

    /// Runs one command through the allow-list and the real `kubectl`, and scores it. Refused
    /// (with nothing run) before a reset, after the episode is done, and for an empty or
    /// oversized command.
    pub async fn step(&mut self, command: &str) -> Result<Observation, EpisodeError> {
        let env = Arc::clone(&self.env);
        let reward = &env.env.reward;
        let ep = self.episode.as_mut().ok_or(EpisodeError::NoEpisode)?;
        if ep.done {
            return Err(EpisodeError::Done {
                episode_id: ep.id.clone(),
            });
        }
        let trimmed = command.trim();
        if trimmed.is_empty() {
            return Err(EpisodeError::EmptyCommand);
        }
        if command.len() > MAX_COMMAND_LEN {
            return Err(EpisodeError::CommandTooLong { len: command.len() });
        }
        ep.steps += 1;
        let (parsed, parse_output) = read_command(trimmed);
        let key = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
        let earlier = ep.commands.get(&key).copied().unwrap_or(0);
        *ep.commands.entry(key).or_default() += 1;
        let blocked = reward.repeat_block_at.is_some_and(|at| earlier + 1 >= at);

        let mut breakdown = Breakdown::default();
        let mut exit_code = 0;
        let command_output = if blocked {
            breakdown.repeat = reward.blocked;
            format!(
                "BLOCKED: this command already ran {earlier} times and was not run again. Try a different approach.\n"
            )
        } else {
            let output = match &parsed {
                Command::Kubectl(_) => {
                    let out = ep.live.step(kubectl_part(trimmed)).await;
                    exit_code = out.exit_code;
                    format!("{}{}", out.stdout, out.stderr)
                }
                Command::Diagnosis(text) => format!("Diagnosis recorded: {text}\n"),
                Command::Invalid => {
                    exit_code = 1;
                    parse_output.unwrap_or_default()
                }
            };
            let verdict = judge::judge(
                &parsed,
                exit_code,
                &ep.scope,
                ep.persona,
                &reward.judge,
                ep.max_steps,
                &mut ep.judge,
            );
            breakdown.judge = verdict.score;
            if earlier > 0 {
                breakdown.repeat = -reward.repeat_penalty;
            }
            breakdown.phase = ep.phases.step(verdict.phase, reward);
            ep.last_verdict = Some(verdict);
            output
        };
        let wrote = !blocked && parsed.mutates() && exit_code == 0;
        ep.changed |= wrote;
        if let (Command::Diagnosis(text), false) = (&parsed, blocked) {
            let q = diagnosis_quality(text, &ep.live.incident().ground_truth);
            breakdown.diagnosis += reward.diagnosis_gain(q, ep.diagnosed);
            ep.diagnosed = ep.diagnosed.max(q);
        }
        if ep.changed && !ep.resolved {
            match ep.live.grade().await {
                Ok(grade) if grade.resolved => {
                    ep.resolved = true;
                    ep.done = true;
                    breakdown.resolution =
                        reward.resolution_bonus(ep.level, ep.steps, ep.max_steps);
                }
                Ok(_) => {}
                // The next step grades again; a failed look is not a verdict.
                Err(e) => tracing::warn!(episode = %ep.id, error = %e, "live grading failed"),
            }
        }
        let mut truncated = false;
        if !ep.resolved && ep.steps >= ep.max_steps {
            ep.done = true;
            truncated = true;
            let so_far = ep.total + breakdown.sum();
            breakdown.timeout = reward.timeout_total - so_far;
        }
        let step_reward = breakdown.sum();
        ep.total += step_reward;
        let cluster_status_summary = if wrote || ep.done {
            ep.live.step("kubectl get pods -A").await.stdout
        } else {
            String::new()
        };
        let hint = step_hint(
            ep.persona,
            &ep.phases,
            ep.last_verdict.as_ref(),
            blocked,
            ep.resolved,
        );
        Ok(Observation {
            command_output,
            cluster_status_summary,
            active_alerts: if ep.resolved {
                Vec::new()
            } else {
                ep.alerts.clone()
            },
            steps_taken: ep.steps,
            max_steps: ep.max_steps,
            hint,
            done: ep.done,
            reward: step_reward,
            metadata: StepInfo {
                episode_id: ep.id.clone(),
                incident_id: ep.incident.to_string(),
                persona: ep.persona.name(),
                phase: step_phase(ep.last_verdict.as_ref(), blocked),
                breakdown,
                episode_reward: ep.total,
                exit_code,
                blocked,
                resolved: ep.resolved,
                terminated: ep.resolved,
                truncated,
                ..StepInfo::default()
            },
        })
    }

    /// The episode's state, without ground truth. `curriculum` is the run's, reported as the
    /// simulator's episodes report it (live episodes are not recorded in it).
    pub fn state(&self, curriculum: &SharedCurriculum) -> State {
        match &self.episode {
            Some(ep) => State {
                episode_id: Some(ep.id.clone()),
                step_count: ep.steps,
                incident_id: ep.incident.to_string(),
                difficulty: ep.level,
                tier: tier_name(ep.incident.tier),
                persona: ep.persona.name(),
                max_steps: ep.max_steps,
                is_resolved: ep.resolved,
                done: ep.done,
                cumulative_reward: ep.total,
                curriculum_stats: curriculum.stats(),
                designed: false,
            },
            None => State {
                episode_id: None,
                step_count: 0,
                incident_id: String::new(),
                difficulty: tier_level(curriculum.tier()),
                tier: tier_name(curriculum.tier()),
                persona: curriculum.persona().name(),
                max_steps: 0,
                is_resolved: false,
                done: false,
                cumulative_reward: 0.0,
                curriculum_stats: curriculum.stats(),
                designed: false,
            },
        }
    }

    /// Ends the session: deletes its namespaces and waits until they are gone.
    pub async fn close(&mut self) -> Result<(), LiveError> {
        self.episode = None;
        if !self.touched {
            return Ok(());
        }
        let session = LiveSession::new(self.env.client.clone(), self.namespaces.clone());
        session
            .teardown_and_wait(self.env.config.teardown_deadline)
            .await?;
        self.touched = false;
        Ok(())
    }
}

impl Drop for LiveEpisodes {
    /// A session dropped without [`close`](Self::close) (a task cancelled, a panic) still has
    /// its namespaces deleted, in the background; `live sweep` finds what this misses.
    fn drop(&mut self) {
        if !self.touched {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(session = %self.namespaces.session(), "session dropped outside a runtime: its namespaces are left for `live sweep`");
            return;
        };
        let session = LiveSession::new(self.env.client.clone(), self.namespaces.clone());
        runtime.spawn(async move {
            if let Err(e) = session.teardown().await {
                tracing::warn!(error = %e, "deleting a dropped session's namespaces");
            }
        });
    }
}

/// The kubectl command line of a step (`fix: kubectl ...` runs `kubectl ...`).
fn kubectl_part(text: &str) -> &str {
    for prefix in ["fix:", "diagnose:"] {
        if text
            .get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        {
            return text[prefix.len()..].trim();
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kubectl_part_drops_the_step_prefix() {
        assert_eq!(kubectl_part("fix: kubectl get pods"), "kubectl get pods");
        assert_eq!(kubectl_part("FIX:kubectl get pods"), "kubectl get pods");
        assert_eq!(
            kubectl_part("diagnose: kubectl describe pod x"),
            "kubectl describe pod x"
        );
        assert_eq!(kubectl_part("kubectl get pods"), "kubectl get pods");
        // A multi-byte first character is no prefix and no panic.
        assert_eq!(kubectl_part("é kubectl"), "é kubectl");
    }

    #[test]
    fn supported_faults_are_namespaced_and_include_the_common_ones() {
        let faults = supported_faults(1);
        let names: Vec<String> = faults.iter().map(ToString::to_string).collect();
        assert!(
            names.contains(&"oom-limit:payments/payment-api".to_string()),
            "{names:?}"
        );
        assert!(
            !names.iter().any(|n| n.starts_with("missing-storage-class")),
            "a StorageClass is shared by every session: {names:?}"
        );
        assert!(faults.len() >= 10, "{names:?}");
    }

    fn options(json: serde_json::Value) -> ResetOptions {
        ResetOptions::from_json(&json).expect("valid options")
    }

    #[test]
    fn the_choice_is_seeded_filtered_and_round_trips_through_the_incident_id() {
        let supported = supported_faults(1);
        let pick = |o: &ResetOptions, n| choose(&supported, o, n).expect("a fault");
        // Same seed, same fault, whatever the sequence number.
        let seeded = options(serde_json::json!({"seed": 42}));
        assert_eq!(pick(&seeded, 0), pick(&seeded, 7));
        // Seeds spread over more than one fault.
        let distinct: std::collections::BTreeSet<String> = (0..40)
            .map(|s| {
                pick(&options(serde_json::json!({"seed": s})), 0)
                    .1
                    .to_string()
            })
            .collect();
        assert!(distinct.len() > 3, "{distinct:?}");
        // The reported id resets to the same fault.
        for s in 0..40 {
            let (id, fault) = pick(&options(serde_json::json!({"seed": s})), 0);
            let again = pick(
                &options(serde_json::json!({"incident": id.to_string()})),
                99,
            );
            assert_eq!(again, (id, fault));
        }
        // fault_types and difficulty filter.
        let oom = options(serde_json::json!({"seed": 5, "fault_types": ["oom_kill"]}));
        assert_eq!(
            pick(&oom, 0).1.to_string(),
            "oom-limit:payments/payment-api"
        );
        let (id, fault) = pick(
            &options(serde_json::json!({"seed": 3, "difficulty": "warmup"})),
            0,
        );
        assert_eq!(
            fault.mechanism.info().difficulty,
            gym::catalogue::Difficulty::Warmup
        );
        assert_eq!(id.tier, gym::catalogue::Difficulty::Warmup);
        // A filter nothing supported passes is refused, naming no fault.
        let none = options(serde_json::json!({"fault_types": ["missing-storage-class"]}));
        let e = choose(&supported, &none, 0).expect_err("not supported live");
        assert!(matches!(e, EpisodeError::NoIncident { .. }), "{e}");
    }
}
