//! Episodes: what a trainer sees. An [`Environment`] is shared by every session of a run (the
//! pre-built worlds, prepared incidents, the curriculum, the configuration); a [`Session`] is one
//! connection's episodes: `reset`, `step`, `state`.
//!
//! The reset observation is a PagerDuty-style alert. A step is a kubectl command line,
//! `diagnose: <root cause>`, or `fix: kubectl ...` (an unprefixed change counts as a fix). Each
//! step runs the command in process, advances simulated time by the configured step time, and
//! scores the step ([`crate::reward`]). Ground truth stays inside: observations, hints and state
//! carry none of it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::Duration;

use cluster::Cluster;
use kubectl::grammar::MAX_COMMAND_LEN;
use serde::{Deserialize, Serialize};

use crate::catalogue::{CATALOGUE, Difficulty, Mechanism};
use crate::curriculum::{
    CurriculumConfig, CurriculumError, CurriculumStats, Outcome, SharedCurriculum,
};
use crate::design::{self, DesignError, DesignRequest, Designer};
use crate::judge::{
    self, Command, JudgeMemory, Phase, Scope, ScoredStep, StepContext, StepScore, StepScorer,
    Verdict,
};
use crate::reward::{Breakdown, PhaseTracker, RewardConfig, diagnosis_quality};
use crate::scenario::{
    IncidentId, Scenario, ScenarioError, ScenarioSpec, Split, TIERS, Worlds, step_budget,
    tier_level, tier_name,
};
use crate::{Persona, grading};

/// How an environment runs its episodes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnvConfig {
    pub reward: RewardConfig,
    /// Simulated time each step advances the cluster by, in seconds.
    pub step_seconds: u64,
    /// Overrides every incident's step budget (the original's `MAX_STEPS`).
    pub max_steps: Option<usize>,
    /// The split resets draw from unless a reset names one.
    pub split: Split,
    /// Events shown in the reset observation's cluster summary.
    pub summary_events: usize,
    /// Prepared incidents kept for the next reset of the same incident (a GRPO group's).
    pub incident_cache: usize,
    /// Whether finished episodes are recorded in the curriculum.
    pub record_outcomes: bool,
}

impl Default for EnvConfig {
    fn default() -> Self {
        EnvConfig {
            reward: RewardConfig::default(),
            step_seconds: 10,
            max_steps: None,
            split: Split::Train,
            summary_events: 20,
            incident_cache: 256,
            record_outcomes: true,
        }
    }
}

/// Why a reset or a step was refused. A refused call changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum EpisodeError {
    #[error("no episode is running: call reset first")]
    NoEpisode,
    #[error("episode {episode_id} is done: call reset to start another")]
    Done { episode_id: String },
    #[error("the command is empty")]
    EmptyCommand,
    #[error("the command is too long ({len} bytes; at most {MAX_COMMAND_LEN} are accepted)")]
    CommandTooLong { len: usize },
    #[error("invalid reset option {name}: {reason}")]
    BadOption { name: &'static str, reason: String },
    #[error("no {tier} incident in the {split} split uses only the fault types {fault_types}")]
    NoIncident {
        tier: &'static str,
        split: &'static str,
        fault_types: String,
    },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The backend the episode runs on failed (a live cluster unreachable, a reset that missed
    /// its deadline).
    #[error("{0}")]
    Backend(String),
}

/// Options of a reset; every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResetOptions {
    /// Picks the incident deterministically; resets with the same seed get the same incident
    /// for the rest of the run (one incident per GRPO group).
    pub seed: Option<u64>,
    pub episode_id: Option<String>,
    /// A specific incident, e.g. `intermediate-904211`; the other selectors are then ignored.
    pub incident: Option<IncidentId>,
    /// A tier instead of the curriculum's.
    pub difficulty: Option<Difficulty>,
    pub split: Option<Split>,
    /// Only incidents whose every fault is of these mechanisms.
    pub fault_types: Vec<Mechanism>,
    pub max_steps: Option<usize>,
}

/// The largest step budget a reset may ask for.
pub const MAX_STEPS_LIMIT: usize = 1000;

impl ResetOptions {
    /// Reads options as a client sends them in JSON: `seed`, `episode_id`, `incident`,
    /// `difficulty` (a tier name or a number in [0, 1]), `split`, `fault_types` (catalogue
    /// names or the original's `oom_kill`, `crashloop`, ...), `max_steps`. Unknown keys are
    /// ignored, as OpenEnv passes its own along.
    pub fn from_json(v: &serde_json::Value) -> Result<ResetOptions, EpisodeError> {
        let bad = |name: &'static str, reason: String| EpisodeError::BadOption { name, reason };
        let mut o = ResetOptions::default();
        let Some(map) = v.as_object() else {
            return if v.is_null() {
                Ok(o)
            } else {
                Err(bad("options", "expected a JSON object".into()))
            };
        };
        let present = |k: &str| map.get(k).filter(|v| !v.is_null());
        if let Some(seed) = present("seed") {
            o.seed = Some(
                seed.as_u64()
                    .or_else(|| seed.as_i64().map(|s| s as u64))
                    .ok_or_else(|| bad("seed", format!("expected an integer, got {seed}")))?,
            );
        }
        if let Some(id) = present("episode_id") {
            let id = id
                .as_str()
                .ok_or_else(|| bad("episode_id", format!("expected a string, got {id}")))?;
            if id.is_empty() || id.len() > 256 {
                return Err(bad("episode_id", "expected 1 to 256 characters".into()));
            }
            o.episode_id = Some(id.to_string());
        }
        if let Some(id) = present("incident").or_else(|| present("incident_id")) {
            let id = id
                .as_str()
                .ok_or_else(|| bad("incident", format!("expected a string, got {id}")))?;
            o.incident = Some(
                id.parse()
                    .map_err(|e: ScenarioError| bad("incident", e.to_string()))?,
            );
        }
        if let Some(d) = present("difficulty") {
            o.difficulty = Some(match d {
                serde_json::Value::String(s) => s.parse().map_err(|_| {
                    bad(
                        "difficulty",
                        format!("unknown tier {s:?}: expected warmup, beginner, intermediate, advanced or expert, or a number in [0, 1]"),
                    )
                })?,
                serde_json::Value::Number(n) => {
                    let x = n.as_f64().unwrap_or(f64::NAN);
                    tier_for_level(x).ok_or_else(|| bad("difficulty", format!("{x} is not in [0, 1]")))?
                }
                other => return Err(bad("difficulty", format!("expected a tier name or a number, got {other}"))),
            });
        }
        if let Some(s) = present("split") {
            let s = s
                .as_str()
                .ok_or_else(|| bad("split", format!("expected a string, got {s}")))?;
            o.split = Some(
                s.parse()
                    .map_err(|e: ScenarioError| bad("split", e.to_string()))?,
            );
        }
        if let Some(types) = present("fault_types") {
            let list: Vec<&str> = match types {
                serde_json::Value::String(s) => s.split(',').map(str::trim).collect(),
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|t| {
                        t.as_str()
                            .ok_or_else(|| bad("fault_types", format!("expected strings, got {t}")))
                    })
                    .collect::<Result<_, _>>()?,
                other => {
                    return Err(bad(
                        "fault_types",
                        format!("expected a list of names, got {other}"),
                    ));
                }
            };
            for name in list.into_iter().filter(|n| !n.is_empty()) {
                let m = mechanism_named(name).ok_or_else(|| {
                    bad(
                        "fault_types",
                        format!(
                            "unknown fault type {name:?}; known: {}",
                            CATALOGUE
                                .iter()
                                .map(|i| i.name)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
                if !o.fault_types.contains(&m) {
                    o.fault_types.push(m);
                }
            }
        }
        if let Some(n) = present("max_steps") {
            let n = n
                .as_u64()
                .filter(|n| (1..=MAX_STEPS_LIMIT as u64).contains(n))
                .ok_or_else(|| {
                    bad(
                        "max_steps",
                        format!("expected an integer from 1 to {MAX_STEPS_LIMIT}, got {n}"),
                    )
                })?;
            o.max_steps = Some(n as usize);
        }
        Ok(o)
    }
}

/// The tier for the original's numeric difficulty: each tier covers up to its `max_diff`
/// (0.25, 0.40, 0.60, 0.80, 0.95 and above).
pub fn tier_for_level(level: f64) -> Option<Difficulty> {
    if !(0.0..=1.0).contains(&level) {
        return None;
    }
    Some(match level {
        l if l <= 0.25 => Difficulty::Warmup,
        l if l <= 0.40 => Difficulty::Beginner,
        l if l <= 0.60 => Difficulty::Intermediate,
        l if l <= 0.80 => Difficulty::Advanced,
        _ => Difficulty::Expert,
    })
}

/// A catalogue mechanism by name (`oom-limit`, `oom_limit`) or by the original's fault type.
pub fn mechanism_named(name: &str) -> Option<Mechanism> {
    let name = name.trim().to_ascii_lowercase().replace('_', "-");
    let original = match name.as_str() {
        "oom-kill" => Some(Mechanism::OomLimit),
        "crashloop" => Some(Mechanism::FailingCommand),
        "image-pull" => Some(Mechanism::MissingImageTag),
        "bad-config" => Some(Mechanism::WrongDatabaseHost),
        "scale-zero" => Some(Mechanism::ScaledToZero),
        "resource-quota" => Some(Mechanism::ExhaustedQuota),
        _ => None,
    };
    original.or_else(|| {
        CATALOGUE
            .iter()
            .find(|i| i.name == name)
            .map(|i| i.mechanism)
    })
}

/// What the agent sees after a reset or a step; field names are the original's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Observation {
    pub command_output: String,
    pub cluster_status_summary: String,
    pub active_alerts: Vec<String>,
    pub steps_taken: usize,
    pub max_steps: usize,
    pub hint: String,
    pub done: bool,
    pub reward: f64,
    pub metadata: StepInfo,
}

/// What a trainer logs about a step: the reward by component and how the episode stands.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StepInfo {
    pub episode_id: String,
    pub incident_id: String,
    pub persona: &'static str,
    /// The step's phase (`triage`, `investigate`, `fix`, `verify`), none for invalid input.
    pub phase: Option<&'static str>,
    pub breakdown: Breakdown,
    pub episode_reward: f64,
    pub exit_code: i32,
    /// The command was a repeat past the block limit and did not run.
    pub blocked: bool,
    pub resolved: bool,
    /// Ended by resolution.
    pub terminated: bool,
    /// Ended by the step limit.
    pub truncated: bool,
    /// Damage done outside the fix so far.
    pub collateral: Vec<String>,
    /// The external scorer's part in this step, when the environment has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scorer: Option<ScorerStep>,
    /// The incident was composed by the adversarial designer (its name stays with operators).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub designed: bool,
}

/// How an external scorer took part in a step's judge score.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScorerStep {
    /// The programmatic judge's score.
    pub programmatic: f64,
    /// The scorer's score; none when it failed and the programmatic score stood.
    pub score: Option<f64>,
    /// The scorer's share of the blended judge score.
    pub weight: f64,
    /// Scorer failures in this episode so far.
    pub failures: usize,
}

/// What the environment's optional hooks have done since it was built. Operators only: the
/// last design's name and the last failure may name a fault.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HookStats {
    pub scorer_calls: u64,
    pub scorer_failures: u64,
    pub last_scorer_failure: Option<String>,
    pub designs_requested: u64,
    pub designs_accepted: u64,
    /// Designs refused by the checks (form, injection, solvability).
    pub designs_rejected: u64,
    /// Designer calls that returned no design.
    pub designer_failures: u64,
    pub last_design: Option<String>,
    pub last_rejection: Option<String>,
}

/// The episode as a trainer may see it: no root cause, no intended fix.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct State {
    pub episode_id: Option<String>,
    pub step_count: usize,
    pub incident_id: String,
    pub difficulty: f64,
    pub tier: &'static str,
    pub persona: &'static str,
    pub max_steps: usize,
    pub is_resolved: bool,
    pub done: bool,
    /// The sum of the episode's step rewards.
    pub cumulative_reward: f64,
    pub curriculum_stats: CurriculumStats,
    /// The incident was composed by the adversarial designer.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub designed: bool,
}

/// An incident injected and observed once, forked for every episode of it.
struct Prepared {
    cluster: Cluster,
    scenario: Scenario,
    scope: Scope,
    summary: String,
    /// What the collateral check reports before the agent acts: the faults' own changes (a
    /// dependency scaled down), never charged to the agent. Worked out on the first step that
    /// changes something: most resets are followed by reads only for a while, or for good.
    faults_own_damage: OnceLock<BTreeSet<String>>,
    /// The design's name, for an incident the designer composed.
    designed: Option<String>,
}

/// Bounded first-in-first-out cache of prepared incidents.
#[derive(Default)]
struct Prepareds {
    map: BTreeMap<IncidentId, Arc<Prepared>>,
    order: VecDeque<IncidentId>,
}

/// An external scorer and its share of the judge score.
struct ScorerHook {
    scorer: Arc<dyn StepScorer>,
    weight: f64,
}

/// What every session of a run shares.
pub struct Environment {
    config: EnvConfig,
    worlds: Worlds,
    curriculum: SharedCurriculum,
    prepared: Mutex<Prepareds>,
    resets: AtomicU64,
    scorer: Option<ScorerHook>,
    designer: Option<Arc<dyn Designer>>,
    /// Designed incidents of seeded resets, so a GRPO group replays one design.
    designed: Mutex<Prepareds>,
    hooks: Mutex<HookStats>,
}

impl Environment {
    /// An environment with an in-memory curriculum.
    pub fn new(config: EnvConfig) -> Environment {
        Environment::with_curriculum(
            config,
            SharedCurriculum::in_memory(CurriculumConfig::default()),
        )
    }

    pub fn with_curriculum(config: EnvConfig, curriculum: SharedCurriculum) -> Environment {
        Environment {
            config,
            worlds: Worlds::new(),
            curriculum,
            prepared: Mutex::new(Prepareds::default()),
            resets: AtomicU64::new(0),
            scorer: None,
            designer: None,
            designed: Mutex::new(Prepareds::default()),
            hooks: Mutex::new(HookStats::default()),
        }
    }

    /// Blends `scorer` into every step's judge score: `(1 - weight) * programmatic + weight *
    /// scorer`, `weight` clamped to [0, 1] (not a number counts as 0). The scorer is called
    /// after the programmatic judge; when it fails the programmatic score stands and the
    /// failure is counted ([`Environment::hook_stats`], [`StepInfo::scorer`]).
    pub fn with_scorer(mut self, scorer: Arc<dyn StepScorer>, weight: f64) -> Environment {
        let weight = if weight.is_nan() {
            0.0
        } else {
            weight.clamp(0.0, 1.0)
        };
        self.scorer = Some(ScorerHook { scorer, weight });
        self
    }

    /// Consults `designer` on every reset that does not name an incident or fault types (the
    /// adversarial mode). Each design is checked ([`ScenarioSpec::check_design`]); a failed or
    /// rejected one falls back to the incident the seeded generator chose.
    pub fn with_designer(mut self, designer: Arc<dyn Designer>) -> Environment {
        self.designer = Some(designer);
        self
    }

    /// Whether a scorer or a designer is attached: steps and resets may then wait on them.
    pub fn has_hooks(&self) -> bool {
        self.scorer.is_some() || self.designer.is_some()
    }

    /// What the scorer and the designer have done so far.
    pub fn hook_stats(&self) -> HookStats {
        self.hooks.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn count(&self, f: impl FnOnce(&mut HookStats)) {
        f(&mut self.hooks.lock().unwrap_or_else(|e| e.into_inner()));
    }

    pub fn config(&self) -> &EnvConfig {
        &self.config
    }

    pub fn curriculum(&self) -> &SharedCurriculum {
        &self.curriculum
    }

    /// A new session (one connection's episodes).
    pub fn session(self: &Arc<Self>) -> Session {
        Session {
            env: Arc::clone(self),
            episode: None,
        }
    }

    fn prepare(&self, id: IncidentId) -> Result<Arc<Prepared>, EpisodeError> {
        if let Some(p) = self.lock().map.get(&id) {
            return Ok(Arc::clone(p));
        }
        // Built outside the lock: preparing is deterministic, so a race only repeats work.
        let spec = id.spec();
        let (cluster, scenario) = spec.instantiate(&self.worlds)?;
        let prepared = Arc::new(self.observe(cluster, scenario, None));
        self.remember(&self.prepared, id, &prepared);
        Ok(prepared)
    }

    /// An injected incident with what every episode of it starts from.
    fn observe(
        &self,
        mut cluster: Cluster,
        scenario: Scenario,
        designed: Option<String>,
    ) -> Prepared {
        let summary = status_summary(&mut cluster, self.config.summary_events);
        Prepared {
            faults_own_damage: OnceLock::new(),
            scope: Scope::of(&scenario),
            cluster,
            scenario,
            summary,
            designed,
        }
    }

    fn remember(&self, cache: &Mutex<Prepareds>, id: IncidentId, prepared: &Arc<Prepared>) {
        let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
        if self.config.incident_cache > 0 && !cache.map.contains_key(&id) {
            while cache.order.len() >= self.config.incident_cache {
                if let Some(old) = cache.order.pop_front() {
                    cache.map.remove(&old);
                }
            }
            cache.order.push_back(id);
            cache.map.insert(id, Arc::clone(prepared));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Prepareds> {
        self.prepared.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The incident for a reset in adversarial mode: the designer's, checked, in the world the
    /// seeded generator chose for `id`; else `id`'s own. A seeded reset's design is kept for
    /// the seed's later resets.
    /// `budget` is the episode's step budget when a reset or the configuration sets one: the
    /// design must be solvable within it.
    fn design(
        &self,
        id: IncidentId,
        seeded: bool,
        budget: Option<usize>,
        designer: &dyn Designer,
    ) -> Result<Arc<Prepared>, EpisodeError> {
        if seeded
            && let Some(p) = self
                .designed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .map
                .get(&id)
        {
            return Ok(Arc::clone(p));
        }
        let world = id.spec().world;
        let targets = design::targets_for(id.tier, id.split(), &world);
        let stats = self.curriculum.stats();
        let request = DesignRequest {
            stats: &stats,
            tier: id.tier,
            split: id.split(),
            world: &world,
            targets: &targets,
            max_faults: design::max_faults(id.tier),
        };
        self.count(|h| h.designs_requested += 1);
        let checked = designer
            .design(&request)
            .map_err(DesignError::Designer)
            .and_then(|d| {
                let steps = budget.unwrap_or_else(|| step_budget(id.tier, d.faults.len()));
                let spec = ScenarioSpec::designed(id, &world, &d, steps)?;
                let step_time = Duration::from_secs(self.config.step_seconds);
                let (cluster, scenario) = spec.check_design(&self.worlds, step_time)?;
                Ok((d.name.trim().to_string(), cluster, scenario))
            });
        match checked {
            Ok((name, cluster, scenario)) => {
                tracing::info!(designer = designer.name(), design = %name, incident = %scenario.spec, "designed incident accepted");
                self.count(|h| {
                    h.designs_accepted += 1;
                    h.last_design = Some(name.clone());
                });
                let prepared = Arc::new(self.observe(cluster, scenario, Some(name)));
                if seeded {
                    self.remember(&self.designed, id, &prepared);
                }
                Ok(prepared)
            }
            Err(e) => {
                tracing::warn!(designer = designer.name(), error = %e, fallback = %id, "design not used");
                self.count(|h| {
                    if matches!(e, DesignError::Designer(_)) {
                        h.designer_failures += 1;
                    } else {
                        h.designs_rejected += 1;
                    }
                    h.last_rejection = Some(e.to_string());
                });
                self.prepare(id)
            }
        }
    }

    /// Which incident a reset gets.
    fn choose(&self, o: &ResetOptions) -> Result<IncidentId, EpisodeError> {
        if let Some(id) = o.incident {
            return Ok(id);
        }
        let split = o.split.unwrap_or(self.config.split);
        if o.fault_types.is_empty() {
            return Ok(match (o.difficulty, o.seed) {
                (None, seed) => self.curriculum.choose(split, seed),
                (Some(tier), seed) => {
                    let seed = seed.unwrap_or_else(|| self.resets.load(Ordering::Relaxed));
                    id_in(split, tier, seed)
                }
            });
        }
        // The hardest tier the fault types allow, from the requested (or the curriculum's)
        // tier down to the one where the hardest of them first appears.
        let floor = o
            .fault_types
            .iter()
            .map(|m| m.info().difficulty)
            .max()
            .unwrap_or(Difficulty::Warmup);
        let top = o
            .difficulty
            .unwrap_or_else(|| self.curriculum.tier())
            .max(floor);
        let start = o
            .seed
            .unwrap_or_else(|| self.resets.load(Ordering::Relaxed));
        for tier in TIERS.iter().rev().filter(|t| **t <= top && **t >= floor) {
            for k in 0..FAULT_TYPE_SCAN {
                let id = id_in(split, *tier, start.wrapping_add(k));
                if id
                    .spec()
                    .faults
                    .iter()
                    .all(|f| o.fault_types.contains(&f.mechanism))
                {
                    return Ok(id);
                }
            }
        }
        Err(EpisodeError::NoIncident {
            tier: tier_name(top),
            split: split.name(),
            fault_types: o
                .fault_types
                .iter()
                .map(|m| m.name())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// Seeds scanned per tier for an incident made only of the requested fault types.
const FAULT_TYPE_SCAN: u64 = 2_000;

/// The incident a seed names in a split and tier.
fn id_in(split: Split, tier: Difficulty, seed: u64) -> IncidentId {
    let seeds = split.seeds();
    split.id(tier, (seed % u64::from(seeds.end - seeds.start)) as u32)
}

/// The reset's cluster summary: every pod, then the latest events.
/// The hint a step shows: the junior persona's guidance, the senior's feedback on the step (none
/// for a blocked one), nothing from the principal. Every backend's step reports it so.
pub fn step_hint(
    persona: Persona,
    phases: &PhaseTracker,
    verdict: Option<&Verdict>,
    blocked: bool,
    resolved: bool,
) -> String {
    match persona {
        Persona::Junior => judge::junior_hint(phases.seen(), verdict, resolved).to_string(),
        Persona::Senior => verdict
            .filter(|_| !blocked)
            .map(|v| v.feedback.to_string())
            .unwrap_or_default(),
        Persona::Principal => String::new(),
    }
}

/// The triage phase the judge gave a step, as metadata names it; none for a blocked step.
pub fn step_phase(verdict: Option<&Verdict>, blocked: bool) -> Option<&'static str> {
    if blocked {
        return None;
    }
    verdict.and_then(|v| v.phase).map(Phase::name)
}

/// `kubectl get pods -A`, parsed once: every reset and every changing step prints it.
fn pod_table(cluster: &mut Cluster) -> kubectl::output::Output {
    static GET_PODS: LazyLock<Result<kubectl::grammar::Invocation, kubectl::grammar::ParseError>> =
        LazyLock::new(|| kubectl::grammar::parse("kubectl get pods -A"));
    match &*GET_PODS {
        Ok(invocation) => kubectl::exec::run_parsed(cluster, invocation),
        Err(e) => kubectl::output::Output::error(e.message.clone(), e.exit_code),
    }
}

fn status_summary(cluster: &mut Cluster, events: usize) -> String {
    let pods = pod_table(cluster);
    let mut out = String::from("=== POD STATUS ===\n");
    out.push_str(&pods.stdout);
    out.push_str("\n=== RECENT EVENTS ===\n");
    out.push_str(&kubectl::events::latest_table(cluster, events));
    out
}

/// The alert the agent is paged with.
/// The reset observation's page: the alerts and the agent's instructions.
pub fn page(alerts: &[String], started: &str) -> String {
    let mut out = String::from("PAGERDUTY ALERT: incident triggered\n");
    let _ = writeln!(out, "Triggered at: {started}");
    for a in alerts {
        let _ = writeln!(out, "  - {a}");
    }
    out.push_str(
        "\nYou are the on-call SRE for this Kubernetes cluster. Investigate with kubectl \
         commands, find the root cause and repair it. State your diagnosis with \
         `diagnose: <root cause>`; changes may be prefixed `fix: kubectl ...`. The incident is \
         resolved when every affected workload is healthy and stays healthy.\n",
    );
    out
}

/// One episode in progress.
struct Episode {
    id: String,
    incident: IncidentId,
    prepared: Arc<Prepared>,
    cluster: Cluster,
    persona: Persona,
    level: f64,
    max_steps: usize,
    steps: usize,
    /// Earlier commands, normalised, with how often each ran.
    commands: BTreeMap<String, usize>,
    judge: JudgeMemory,
    phases: PhaseTracker,
    last_verdict: Option<Verdict>,
    /// Whether any change has been made: before that nothing can be resolved.
    changed: bool,
    /// Damage seen so far, the faults' own included (empty until the first change).
    collateral: BTreeSet<String>,
    /// The best diagnosis quality paid per fault.
    diagnosed: Vec<u8>,
    total: f64,
    resolved: bool,
    done: bool,
    /// The last command's standard output and error, apart.
    last_output: (String, String),
    /// Earlier steps, kept only for an external scorer.
    history: Vec<ScoredStep>,
    scorer_failures: usize,
    last_score: Option<StepScore>,
}

impl Episode {
    /// Damage the agent did, named.
    fn damage(&self) -> Vec<String> {
        if self.collateral.is_empty() {
            return Vec::new();
        }
        self.collateral
            .difference(self.prepared.faults_own_damage())
            .cloned()
            .collect()
    }
}

impl Prepared {
    fn faults_own_damage(&self) -> &BTreeSet<String> {
        self.faults_own_damage.get_or_init(|| {
            grading::collateral_together(&self.scenario.incidents, &self.cluster)
                .into_iter()
                .collect()
        })
    }
}

/// One connection's episodes.
pub struct Session {
    env: Arc<Environment>,
    episode: Option<Episode>,
}

impl Session {
    /// Starts an episode. A running episode that had steps is recorded as a failure first.
    pub fn reset(&mut self, options: ResetOptions) -> Result<Observation, EpisodeError> {
        if let Some(n) = options.max_steps
            && !(1..=MAX_STEPS_LIMIT).contains(&n)
        {
            return Err(EpisodeError::BadOption {
                name: "max_steps",
                reason: format!("expected 1 to {MAX_STEPS_LIMIT}, got {n}"),
            });
        }
        let id = self.env.choose(&options)?;
        let prepared = match &self.env.designer {
            Some(designer) if options.incident.is_none() && options.fault_types.is_empty() => {
                let budget = options.max_steps.or(self.env.config.max_steps);
                self.env
                    .design(id, options.seed.is_some(), budget, designer.as_ref())?
            }
            _ => self.env.prepare(id)?,
        };
        self.abandon();
        let n = self.env.resets.fetch_add(1, Ordering::Relaxed);
        let max_steps = options
            .max_steps
            .or(self.env.config.max_steps)
            .unwrap_or(prepared.scenario.spec.max_steps);
        let episode = Episode {
            id: options
                .episode_id
                .clone()
                .unwrap_or_else(|| format!("{id}-{n}")),
            incident: id,
            cluster: prepared.cluster.clone(),
            persona: Persona::for_tier(id.tier),
            level: tier_level(id.tier),
            max_steps,
            steps: 0,
            commands: BTreeMap::new(),
            judge: JudgeMemory::default(),
            phases: PhaseTracker::default(),
            last_verdict: None,
            changed: false,
            collateral: BTreeSet::new(),
            diagnosed: vec![0; prepared.scenario.incidents.len()],
            total: 0.0,
            resolved: false,
            done: false,
            last_output: Default::default(),
            history: Vec::new(),
            scorer_failures: 0,
            last_score: None,
            prepared,
        };
        let started = serde_json::to_value(episode.cluster.now().time())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let obs = Observation {
            command_output: page(&episode.prepared.scenario.alerts, &started),
            cluster_status_summary: episode.prepared.summary.clone(),
            active_alerts: episode.prepared.scenario.alerts.clone(),
            steps_taken: 0,
            max_steps,
            hint: if episode.persona == Persona::Junior {
                judge::RESET_HINT.to_string()
            } else {
                String::new()
            },
            done: false,
            reward: 0.0,
            metadata: StepInfo {
                episode_id: episode.id.clone(),
                incident_id: id.to_string(),
                persona: episode.persona.name(),
                designed: episode.prepared.designed.is_some(),
                ..StepInfo::default()
            },
        };
        self.episode = Some(episode);
        Ok(obs)
    }

    /// Runs one command. Refused (with nothing changed) before a reset, after the episode is
    /// done, and for an empty or oversized command.
    pub fn step(&mut self, command: &str) -> Result<Observation, EpisodeError> {
        let env = Arc::clone(&self.env);
        let config = &env.config;
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
        let blocked = config
            .reward
            .repeat_block_at
            .is_some_and(|at| earlier + 1 >= at);

        let mut breakdown = Breakdown::default();
        let mut exit_code = 0;
        let mut mutated = false;
        let command_output = if blocked {
            breakdown.repeat = config.reward.blocked;
            format!(
                "BLOCKED: this command already ran {earlier} times and was not run again. Try a different approach.\n"
            )
        } else {
            let output = match &parsed {
                Command::Kubectl(inv) => {
                    let before = ep.cluster.resource_version();
                    let out = kubectl::exec::run_parsed(&mut ep.cluster, inv);
                    mutated = ep.cluster.resource_version() != before;
                    exit_code = out.exit_code;
                    let text = [out.stdout.as_str(), out.stderr.as_str()].concat();
                    ep.last_output = (out.stdout, out.stderr);
                    text
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
                &ep.prepared.scope,
                ep.persona,
                &config.reward.judge,
                ep.max_steps,
                &mut ep.judge,
            );
            breakdown.judge = verdict.score;
            if earlier > 0 {
                breakdown.repeat = -config.reward.repeat_penalty;
            }
            breakdown.phase = ep.phases.step(verdict.phase, &config.reward);
            ep.last_verdict = Some(verdict);
            output
        };
        if blocked || !matches!(parsed, Command::Kubectl(_)) {
            ep.last_output = (command_output.clone(), String::new());
        }
        ep.cluster.advance(Duration::from_secs(config.step_seconds));
        let scorer = match (&env.scorer, blocked) {
            (Some(hook), false) => Some(score_externally(
                hook,
                &env,
                ep,
                trimmed,
                &command_output,
                exit_code,
                &mut breakdown,
            )),
            _ => None,
        };

        if mutated && parsed.mutates() {
            if !ep.changed {
                ep.collateral = ep.prepared.faults_own_damage().clone();
            }
            ep.changed = true;
            let damage = grading::collateral_together(&ep.prepared.scenario.incidents, &ep.cluster);
            let new = damage
                .iter()
                .filter(|d| !ep.collateral.contains(*d))
                .count();
            breakdown.collateral = config.reward.collateral * new as f64;
            ep.collateral.extend(damage);
        }
        if let (Command::Diagnosis(text), false) = (&parsed, blocked) {
            for (i, incident) in ep.prepared.scenario.incidents.iter().enumerate() {
                let q = diagnosis_quality(text, &incident.ground_truth);
                breakdown.diagnosis += config.reward.diagnosis_gain(q, ep.diagnosed[i]);
                ep.diagnosed[i] = ep.diagnosed[i].max(q);
            }
        }
        if ep.changed && !ep.resolved && ep.prepared.scenario.is_resolved(&ep.cluster) {
            ep.resolved = true;
            ep.done = true;
            breakdown.resolution = config
                .reward
                .resolution_bonus(ep.level, ep.steps, ep.max_steps);
        }
        let mut truncated = false;
        if !ep.resolved && ep.steps >= ep.max_steps {
            ep.done = true;
            truncated = true;
            let so_far = ep.total + breakdown.sum();
            breakdown.timeout = config.reward.timeout_total - so_far;
        }
        let reward = breakdown.sum();
        ep.total += reward;
        if env.scorer.is_some() {
            ep.history.push(ScoredStep {
                command: trimmed.to_string(),
                phase: ep
                    .last_verdict
                    .as_ref()
                    .and_then(|v| v.phase)
                    .filter(|_| !blocked),
                reward,
            });
        }

        let cluster_status_summary = if mutated || ep.done {
            pod_table(&mut ep.cluster).stdout
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
        let obs = Observation {
            command_output,
            cluster_status_summary,
            active_alerts: if ep.resolved {
                Vec::new()
            } else {
                ep.prepared.scenario.alerts.clone()
            },
            steps_taken: ep.steps,
            max_steps: ep.max_steps,
            hint,
            done: ep.done,
            reward,
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
                collateral: ep.damage(),
                scorer,
                designed: ep.prepared.designed.is_some(),
            },
        };
        if ep.done {
            self.record();
        }
        Ok(obs)
    }

    /// Ends the running episode unresolved because the agent has nothing more to try: it totals
    /// the timeout reward, as if it had run out of steps, so stopping early never keeps the
    /// shaping an unresolved episode collected.
    pub fn give_up(&mut self) -> Result<Observation, EpisodeError> {
        let timeout_total = self.env.config.reward.timeout_total;
        let ep = self.episode.as_mut().ok_or(EpisodeError::NoEpisode)?;
        if ep.done {
            return Err(EpisodeError::Done {
                episode_id: ep.id.clone(),
            });
        }
        let mut breakdown = Breakdown {
            timeout: timeout_total - ep.total,
            ..Breakdown::default()
        };
        let reward = breakdown.sum();
        ep.total += reward;
        ep.done = true;
        let obs = Observation {
            command_output: "The episode ended unresolved: the agent gave up.\n".into(),
            cluster_status_summary: pod_table(&mut ep.cluster).stdout,
            active_alerts: ep.prepared.scenario.alerts.clone(),
            steps_taken: ep.steps,
            max_steps: ep.max_steps,
            hint: String::new(),
            done: true,
            reward,
            metadata: StepInfo {
                episode_id: ep.id.clone(),
                incident_id: ep.incident.to_string(),
                persona: ep.persona.name(),
                breakdown,
                episode_reward: ep.total,
                terminated: true,
                collateral: ep.damage(),
                designed: ep.prepared.designed.is_some(),
                ..StepInfo::default()
            },
        };
        self.record();
        Ok(obs)
    }

    /// The episode's state, without ground truth.
    pub fn state(&self) -> State {
        let stats = self.env.curriculum.stats();
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
                curriculum_stats: stats,
                designed: ep.prepared.designed.is_some(),
            },
            None => State {
                episode_id: None,
                step_count: 0,
                incident_id: String::new(),
                difficulty: tier_level(self.env.curriculum.tier()),
                tier: tier_name(self.env.curriculum.tier()),
                persona: self.env.curriculum.persona().name(),
                max_steps: 0,
                is_resolved: false,
                done: false,
                cumulative_reward: 0.0,
                curriculum_stats: stats,
                designed: false,
            },
        }
    }

    /// The last kubectl command's standard output and standard error, apart (the observation
    /// joins them), for in-process policies that parse the output.
    pub fn last_output(&self) -> Option<(&str, &str)> {
        self.episode
            .as_ref()
            .map(|e| (e.last_output.0.as_str(), e.last_output.1.as_str()))
    }

    /// The external scorer's verdict on the last step it scored, reason included (operators
    /// only: the reason may name the fault).
    pub fn last_score(&self) -> Option<&StepScore> {
        self.episode.as_ref().and_then(|e| e.last_score.as_ref())
    }

    /// The name of the running episode's design, when the designer composed it (operators
    /// only: it may name the fault).
    pub fn design_name(&self) -> Option<&str> {
        self.episode
            .as_ref()
            .and_then(|e| e.prepared.designed.as_deref())
    }

    /// The cluster of the running episode, for tools that act on it directly (a real kubectl
    /// through the API server, a live view).
    pub fn cluster(&self) -> Option<&Cluster> {
        self.episode.as_ref().map(|e| &e.cluster)
    }

    /// Ends the session: an episode left running with steps is recorded as a failure.
    pub fn close(&mut self) {
        self.abandon();
        self.episode = None;
    }

    fn abandon(&mut self) {
        if let Some(ep) = &mut self.episode
            && !ep.done
            && ep.steps > 0
        {
            ep.done = true;
            self.record();
        }
    }

    fn record(&mut self) {
        let Some(ep) = &self.episode else { return };
        if !self.env.config.record_outcomes {
            return;
        }
        let outcome = Outcome {
            incident: ep.incident,
            mechanisms: ep
                .prepared
                .scenario
                .spec
                .faults
                .iter()
                .map(|f| f.mechanism)
                .collect(),
            resolved: ep.resolved,
            steps: ep.steps,
            reward: ep.total,
        };
        if let Err(e) = self.env.curriculum.record(&outcome) {
            report_curriculum_error(&e);
        }
    }
}

/// Asks the external scorer about a step that ran and blends its score into the judge's; on
/// failure the programmatic score stands and the failure is counted.
fn score_externally(
    hook: &ScorerHook,
    env: &Environment,
    ep: &mut Episode,
    command: &str,
    output: &str,
    exit_code: i32,
    breakdown: &mut Breakdown,
) -> ScorerStep {
    // A read on a fork, so scoring cannot change the episode's cluster.
    let pods = pod_table(&mut ep.cluster.clone()).stdout;
    let programmatic = breakdown.judge;
    let ctx = StepContext {
        persona: ep.persona,
        phase: ep.last_verdict.as_ref().and_then(|v| v.phase),
        command,
        output,
        exit_code,
        pods: &pods,
        history: &ep.history,
        step: ep.steps,
        max_steps: ep.max_steps,
        programmatic,
        scenario: &ep.prepared.scenario,
    };
    let result = hook.scorer.score(&ctx).and_then(|s| {
        if s.score.is_finite() && (-1.0..=1.0).contains(&s.score) {
            Ok(s)
        } else {
            Err(format!("score {} is outside [-1, 1]", s.score))
        }
    });
    let score = match result {
        Ok(s) => {
            breakdown.judge = (1.0 - hook.weight) * programmatic + hook.weight * s.score;
            let score = s.score;
            ep.last_score = Some(s);
            env.count(|h| h.scorer_calls += 1);
            Some(score)
        }
        Err(e) => {
            tracing::debug!(scorer = hook.scorer.name(), error = %e, "scorer failed; the programmatic score stands");
            ep.scorer_failures += 1;
            env.count(|h| {
                h.scorer_calls += 1;
                h.scorer_failures += 1;
                h.last_scorer_failure = Some(e);
            });
            None
        }
    };
    ScorerStep {
        programmatic,
        score,
        weight: hook.weight,
        failures: ep.scorer_failures,
    }
}

fn report_curriculum_error(e: &CurriculumError) {
    tracing::warn!(error = %e, "the curriculum could not be saved");
}

/// Reads a step's text: a kubectl command line, a diagnosis, or something else with the error
/// the agent sees. Public so that another backend (a live cluster) reads steps as episodes do.
pub fn read_command(text: &str) -> (Command, Option<String>) {
    let lower = text.to_ascii_lowercase();
    let (body, diagnose, fix) = if lower.starts_with("diagnose:") {
        (text["diagnose:".len()..].trim(), true, false)
    } else if lower.starts_with("fix:") {
        (text["fix:".len()..].trim(), false, true)
    } else {
        (text, false, false)
    };
    let is_kubectl = body == "kubectl" || body.starts_with("kubectl ");
    if is_kubectl {
        return match kubectl::grammar::parse(body) {
            Ok(inv) => (Command::Kubectl(Box::new(inv)), None),
            Err(e) => (Command::Invalid, Some(e.message)),
        };
    }
    if diagnose && !body.is_empty() {
        return (Command::Diagnosis(body.to_string()), None);
    }
    let message = if fix {
        "error: `fix:` must be followed by a kubectl command: fix: kubectl <command>\n"
    } else if diagnose {
        "error: `diagnose:` must be followed by the root cause you found\n"
    } else {
        "error: only kubectl commands, `diagnose: <root cause>` and `fix: kubectl <command>` are accepted\n"
    };
    (Command::Invalid, Some(message.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_with_their_prefixes() {
        assert!(matches!(
            read_command("kubectl get pods").0,
            Command::Kubectl(_)
        ));
        assert!(
            matches!(read_command("FIX: kubectl scale deploy/x --replicas=2").0, Command::Kubectl(inv) if inv.verb == kubectl::grammar::Verb::Scale)
        );
        assert!(matches!(
            read_command("diagnose: kubectl logs x").0,
            Command::Kubectl(_)
        ));
        assert_eq!(
            read_command("diagnose: the memory limit").0,
            Command::Diagnosis("the memory limit".into())
        );
        let (c, msg) = read_command("fix: restart it");
        assert_eq!(c, Command::Invalid);
        assert!(msg.unwrap().contains("fix: kubectl"));
        let (c, msg) = read_command("rm -rf /");
        assert_eq!(c, Command::Invalid);
        assert!(msg.unwrap().contains("only kubectl"));
        let (c, msg) = read_command("kubectl frobnicate");
        assert_eq!(c, Command::Invalid);
        assert!(msg.unwrap().contains("unknown command"));
    }

    #[test]
    fn options_read_from_json_with_clear_errors() {
        let o = ResetOptions::from_json(&serde_json::json!({
            "seed": 7, "difficulty": 0.3, "split": "validation",
            "fault_types": ["oom_kill", "scaled-to-zero"], "max_steps": 20, "episode_id": "e1",
            "unknown": true
        }))
        .expect("valid");
        assert_eq!(o.seed, Some(7));
        assert_eq!(o.difficulty, Some(Difficulty::Beginner));
        assert_eq!(o.split, Some(Split::Validation));
        assert_eq!(
            o.fault_types,
            vec![Mechanism::OomLimit, Mechanism::ScaledToZero]
        );
        assert_eq!(o.max_steps, Some(20));
        for (bad, needle) in [
            (
                serde_json::json!({"difficulty": "legendary"}),
                "unknown tier",
            ),
            (serde_json::json!({"difficulty": 3}), "not in [0, 1]"),
            (
                serde_json::json!({"fault_types": ["nope"]}),
                "unknown fault type",
            ),
            (serde_json::json!({"max_steps": 0}), "max_steps"),
            (
                serde_json::json!({"incident": "warmup-x"}),
                "invalid incident id",
            ),
            (serde_json::json!({"seed": "abc"}), "seed"),
            (serde_json::json!([1]), "JSON object"),
        ] {
            let e = ResetOptions::from_json(&bad)
                .expect_err("refused")
                .to_string();
            assert!(e.contains(needle), "{bad}: {e}");
        }
    }
}
