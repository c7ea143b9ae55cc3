//! The curriculum: which tier a training run is at, how well each fault mechanism is handled,
//! and which incident a session gets next.
//!
//! It mirrors the original's controller (tiers warmup to expert, promotion by success rate,
//! fast-track, per-fault mastery, weak-spot targeting) and fixes its defects:
//! - the tier's success rate is over the last `recent_window` episodes of the current tier, not a
//!   concatenation of per-type windows;
//! - a tier can be lost: a run whose recent rate falls below `demote_below` moves down (never below
//!   `start_tier`), and mastery ("graduated") is recomputed from the current window, so it is lost
//!   again when a mechanism's rate falls;
//! - selection is deterministic: seeded by the caller's seed or the curriculum's own counter,
//!   never the wall clock, and a seed keeps naming the same incident for the rest of the run, so
//!   a GRPO group of G resets with one seed shares one incident;
//! - [`SharedCurriculum`] keeps one curriculum per training run, shared by its sessions and
//!   persisted to a file, so a reconnect or restart continues it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::catalogue::{CATALOGUE, Difficulty, Mechanism};
use crate::persona::Persona;
use crate::scenario::{IncidentId, Split, TIERS, tier_level, tier_name};

/// Seeds remembered by [`Curriculum::choose`]; the oldest is forgotten first.
pub const SEED_MEMO: usize = 4096;

/// How many seeds of a split a weak-spot pick scans for an incident with its mechanism.
pub const WEAK_SPOT_SCAN: u32 = 5000;

/// Episode rewards kept for `avg_reward_last_10`.
const REWARD_WINDOW: usize = 10;

/// The version of the persisted file's layout.
const FORMAT: u32 = 1;

/// Thresholds of the curriculum. The defaults are the original's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurriculumConfig {
    /// A mechanism is mastered ("graduated") at this success rate over its window.
    pub mastery_threshold: f64,
    /// The last this many tries of a mechanism make its rate.
    pub mastery_window: usize,
    /// Tries a mechanism needs before it can be mastered.
    pub min_tries: usize,
    /// Demote when the tier's recent rate is below this (after `recent_window / 2` episodes of
    /// the tier, and at least `min_tries`).
    pub demote_below: f64,
    /// Promote early at this recent rate...
    pub fast_track_rate: f64,
    /// ...after this many episodes of the tier.
    pub fast_track_after: usize,
    /// The tier's recent rate is over its last this many episodes.
    pub recent_window: usize,
    /// Promotion rules by tier. A tier without a rule is never left upwards (expert has none:
    /// it is terminal).
    pub tiers: Vec<TierRule>,
    /// Where a fresh run starts, and the floor for demotion (the original's
    /// `EVAL_MIN_DIFFICULTY`, see [`tier_for_min_difficulty`]).
    #[serde(with = "tier_by_name")]
    pub start_tier: Difficulty,
    /// The share of picks aimed at a weak spot (an untried or unmastered mechanism).
    pub weak_spot_share: f64,
}

impl Default for CurriculumConfig {
    fn default() -> Self {
        let rule = |tier, min_episodes, advance_rate| TierRule {
            tier,
            min_episodes,
            advance_rate,
        };
        CurriculumConfig {
            mastery_threshold: 0.7,
            mastery_window: 10,
            min_tries: 3,
            demote_below: 0.25,
            fast_track_rate: 0.9,
            fast_track_after: 3,
            recent_window: 10,
            tiers: vec![
                rule(Difficulty::Warmup, 5, 0.60),
                rule(Difficulty::Beginner, 5, 0.60),
                rule(Difficulty::Intermediate, 8, 0.65),
                rule(Difficulty::Advanced, 10, 0.70),
            ],
            start_tier: Difficulty::Warmup,
            weak_spot_share: 0.5,
        }
    }
}

/// When a run leaves a tier for the next one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierRule {
    #[serde(with = "tier_by_name")]
    pub tier: Difficulty,
    /// Episodes of this tier before a (normal) promotion.
    pub min_episodes: usize,
    /// The recent success rate that promotes.
    pub advance_rate: f64,
}

/// The tier to start at for the original's `EVAL_MIN_DIFFICULTY`: the first whose upper bound
/// in the original's table (0.25, 0.40, 0.60, 0.80, 0.95) reaches `level`.
pub fn tier_for_min_difficulty(level: f64) -> Difficulty {
    const MAX_DIFF: [f64; 5] = [0.25, 0.40, 0.60, 0.80, 0.95];
    TIERS
        .into_iter()
        .zip(MAX_DIFF)
        .find(|(_, max)| *max >= level)
        .map_or(Difficulty::Expert, |(t, _)| t)
}

/// How an episode ended, as the curriculum needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    #[serde(with = "incident_by_name")]
    pub incident: IncidentId,
    /// The incident's fault mechanisms; each is credited with `resolved`.
    #[serde(with = "mechanisms_by_name")]
    pub mechanisms: Vec<Mechanism>,
    pub resolved: bool,
    /// Kept for the caller's records; the curriculum does not use it.
    pub steps: usize,
    pub reward: f64,
}

/// One mechanism's record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MechanismSkill {
    /// Every try of the run.
    pub tries: usize,
    /// Successes among the last `mastery_window` tries.
    pub successes_in_window: usize,
    /// `successes_in_window` over the tries in the window.
    pub rate: f64,
}

/// What the curriculum reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurriculumStats {
    pub episode_count: u64,
    pub tier: String,
    /// Episodes of the current tier since the run moved to it.
    pub tier_episodes: usize,
    /// The tier's numeric difficulty ([`tier_level`]).
    pub difficulty: f64,
    pub persona: String,
    /// Success rate over the last `recent_window` episodes of the current tier.
    pub recent_success_rate: f64,
    /// Tried mechanisms by name.
    pub skill_profile: BTreeMap<String, MechanismSkill>,
    /// Mechanisms mastered now (lost again when their rate falls).
    pub graduated: Vec<String>,
    /// Tried mechanisms under the mastery threshold.
    pub weak_spots: Vec<String>,
    /// Mechanisms at or below the current tier.
    pub unlocked: Vec<String>,
    pub avg_reward_last_10: f64,
    pub promotions: u64,
    pub demotions: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CurriculumError {
    #[error("curriculum file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("curriculum file {} is not a curriculum: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
}

/// A mechanism's recent results.
#[derive(Clone, Debug, Default, PartialEq)]
struct Skill {
    tries: usize,
    window: VecDeque<bool>,
}

/// Everything a run has learned; what the file holds.
#[derive(Clone, Debug, PartialEq)]
struct State {
    episode_count: u64,
    tier: Difficulty,
    tier_episodes: usize,
    /// Results of the current tier's episodes, newest last, at most `recent_window`.
    tier_results: VecDeque<bool>,
    skills: BTreeMap<Mechanism, Skill>,
    rewards: VecDeque<f64>,
    promotions: u64,
    demotions: u64,
    /// Unseeded picks so far: the seed of the next one.
    counter: u64,
    /// Seeded picks, oldest first.
    memo: VecDeque<((Split, u64), IncidentId)>,
}

/// A training run's curriculum. See the module documentation.
#[derive(Clone, Debug)]
pub struct Curriculum {
    config: CurriculumConfig,
    state: State,
}

impl Curriculum {
    pub fn new(config: CurriculumConfig) -> Curriculum {
        let state = State {
            episode_count: 0,
            tier: config.start_tier,
            tier_episodes: 0,
            tier_results: VecDeque::new(),
            skills: BTreeMap::new(),
            rewards: VecDeque::new(),
            promotions: 0,
            demotions: 0,
            counter: 0,
            memo: VecDeque::new(),
        };
        Curriculum { config, state }
    }

    /// A curriculum with `config`'s thresholds and a saved run's state, trimmed to them.
    fn restore(config: CurriculumConfig, mut state: State) -> Curriculum {
        if state.tier < config.start_tier {
            state.tier = config.start_tier;
            state.tier_episodes = 0;
            state.tier_results.clear();
        }
        let mut c = Curriculum { config, state };
        c.trim();
        c
    }

    /// Keeps every window within the configured sizes.
    fn trim(&mut self) {
        let recent = self.recent_window();
        let mastery = self.mastery_window();
        let s = &mut self.state;
        while s.tier_results.len() > recent {
            s.tier_results.pop_front();
        }
        for skill in s.skills.values_mut() {
            while skill.window.len() > mastery {
                skill.window.pop_front();
            }
        }
        while s.rewards.len() > REWARD_WINDOW {
            s.rewards.pop_front();
        }
        while s.memo.len() > SEED_MEMO {
            s.memo.pop_front();
        }
    }

    pub fn config(&self) -> &CurriculumConfig {
        &self.config
    }

    pub fn tier(&self) -> Difficulty {
        self.state.tier
    }

    pub fn persona(&self) -> Persona {
        Persona::for_tier(self.tier())
    }

    fn recent_window(&self) -> usize {
        self.config.recent_window.max(1)
    }

    fn mastery_window(&self) -> usize {
        self.config.mastery_window.max(1)
    }

    /// Episodes of a tier before it can demote: half the recent window, at least `min_tries`,
    /// so one bad start does not drop a run that just arrived.
    fn demote_after(&self) -> usize {
        (self.recent_window() / 2).max(self.config.min_tries).max(1)
    }

    /// Success rate over the last `recent_window` episodes of the current tier (0 without any).
    fn recent_rate(&self) -> f64 {
        rate(&self.state.tier_results)
    }

    fn rule(&self, tier: Difficulty) -> Option<&TierRule> {
        self.config.tiers.iter().find(|r| r.tier == tier)
    }

    fn mastered(&self, skill: &Skill) -> bool {
        skill.tries >= self.config.min_tries && rate(&skill.window) >= self.config.mastery_threshold
    }

    fn weak(&self, skill: &Skill) -> bool {
        skill.tries > 0 && rate(&skill.window) < self.config.mastery_threshold
    }

    /// Counts an episode: each of its mechanisms' skill, and, when the incident is of the current
    /// tier, the tier's rate, which may promote (normally or fast-tracked) or demote the run.
    pub fn record(&mut self, outcome: &Outcome) {
        let mastery = self.mastery_window();
        let recent = self.recent_window();
        let s = &mut self.state;
        s.episode_count += 1;
        if outcome.reward.is_finite() {
            s.rewards.push_back(outcome.reward);
            if s.rewards.len() > REWARD_WINDOW {
                s.rewards.pop_front();
            }
        }
        // An incident with the same mechanism twice is one try of it.
        let mechanisms: BTreeSet<Mechanism> = outcome.mechanisms.iter().copied().collect();
        for m in mechanisms {
            let skill = s.skills.entry(m).or_default();
            skill.tries += 1;
            skill.window.push_back(outcome.resolved);
            if skill.window.len() > mastery {
                skill.window.pop_front();
            }
        }
        // Outcomes of another tier (a group chosen before a move, an evaluation) teach about
        // mechanisms but say nothing about this tier.
        if outcome.incident.tier != s.tier {
            return;
        }
        s.tier_episodes += 1;
        s.tier_results.push_back(outcome.resolved);
        if s.tier_results.len() > recent {
            s.tier_results.pop_front();
        }
        self.maybe_move();
    }

    fn maybe_move(&mut self) {
        let tier = self.state.tier;
        let episodes = self.state.tier_episodes;
        let rate = self.recent_rate();
        let next = TIERS.into_iter().find(|t| *t > tier);
        if let (Some(next), Some(rule)) = (next, self.rule(tier)) {
            let fast =
                episodes >= self.config.fast_track_after && rate >= self.config.fast_track_rate;
            let normal = episodes >= rule.min_episodes && rate >= rule.advance_rate;
            if fast || normal {
                self.state.promotions += 1;
                self.move_to(next);
                return;
            }
        }
        let previous = TIERS.into_iter().rev().find(|t| *t < tier);
        if let Some(previous) = previous.filter(|p| *p >= self.config.start_tier)
            && episodes >= self.demote_after()
            && rate < self.config.demote_below
        {
            self.state.demotions += 1;
            self.move_to(previous);
        }
    }

    fn move_to(&mut self, tier: Difficulty) {
        self.state.tier = tier;
        self.state.tier_episodes = 0;
        self.state.tier_results.clear();
    }

    /// The next incident for a session, in the current tier and `split`.
    ///
    /// With `seed`, the same seed (and split) returns the same incident for the rest of the run,
    /// even after the tier moved: a GRPO group of G resets with one seed shares one incident. The
    /// last [`SEED_MEMO`] seeds are remembered (and persisted). Without a seed, the pick follows
    /// the curriculum's own counter. A share of picks (`weak_spot_share`), decided by the same
    /// seed, aims at a weak spot: an untried mechanism that this tier's incidents contain, else
    /// one under the mastery threshold; it scans up to [`WEAK_SPOT_SCAN`] seeds of the split from
    /// a seeded start for an incident with it, else makes the plain pick.
    pub fn choose(&mut self, split: Split, seed: Option<u64>) -> IncidentId {
        self.choose_and_tell(split, seed).0
    }

    /// The pick, and whether it changed the state (a seed remembered, the counter moved).
    fn choose_and_tell(&mut self, split: Split, seed: Option<u64>) -> (IncidentId, bool) {
        match seed {
            Some(seed) => {
                let key = (split, seed);
                if let Some((_, id)) = self.state.memo.iter().find(|(k, _)| *k == key) {
                    return (*id, false);
                }
                // Distinct streams for seeded and counted picks, so seed 0 and the first
                // unseeded pick differ.
                let id = self.pick(split, seed ^ 0x5eed_5eed_5eed_5eed);
                self.state.memo.push_back((key, id));
                if self.state.memo.len() > SEED_MEMO {
                    self.state.memo.pop_front();
                }
                (id, true)
            }
            None => {
                let n = self.state.counter;
                self.state.counter += 1;
                (self.pick(split, n ^ 0xc0c0_c0c0_c0c0_c0c0), true)
            }
        }
    }

    fn pick(&self, split: Split, seed: u64) -> IncidentId {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let tier = self.state.tier;
        let len = split.seeds().len() as u32;
        let start = rng.random_range(0..len);
        let share = if self.config.weak_spot_share.is_finite() {
            self.config.weak_spot_share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if share > 0.0
            && rng.random_bool(share)
            && let Some(target) = self.weak_target(tier, split, &mut rng)
        {
            let start = rng.random_range(0..len);
            if let Some(id) = (0..WEAK_SPOT_SCAN.min(len))
                .map(|k| split.id(tier, start + k))
                .find(|id| id.spec().faults.iter().any(|f| f.mechanism == target))
            {
                return id;
            }
        }
        split.id(tier, start)
    }

    /// An untried mechanism this tier's incidents contain, else a weak one they contain.
    fn weak_target(
        &self,
        tier: Difficulty,
        split: Split,
        rng: &mut ChaCha8Rng,
    ) -> Option<Mechanism> {
        let untried: Vec<Mechanism> = unlocked(tier)
            .filter(|m| self.state.skills.get(m).is_none_or(|s| s.tries == 0))
            .collect();
        let weak: Vec<Mechanism> = unlocked(tier)
            .filter(|m| self.state.skills.get(m).is_some_and(|s| self.weak(s)))
            .collect();
        for candidates in [untried, weak] {
            if candidates.is_empty() {
                continue;
            }
            // Only then is the tier's catalogue of mechanisms worth reading.
            let present = present_in(tier, split);
            let candidates: Vec<Mechanism> = candidates
                .into_iter()
                .filter(|m| present.contains(m))
                .collect();
            if !candidates.is_empty() {
                return Some(candidates[rng.random_range(0..candidates.len())]);
            }
        }
        None
    }

    pub fn stats(&self) -> CurriculumStats {
        let s = &self.state;
        let named = |f: &dyn Fn(&Skill) -> bool| -> Vec<String> {
            s.skills
                .iter()
                .filter(|(_, k)| f(k))
                .map(|(m, _)| m.name().to_string())
                .collect()
        };
        CurriculumStats {
            episode_count: s.episode_count,
            tier: tier_name(s.tier).into(),
            tier_episodes: s.tier_episodes,
            difficulty: tier_level(s.tier),
            persona: self.persona().name().into(),
            recent_success_rate: self.recent_rate(),
            skill_profile: s
                .skills
                .iter()
                .map(|(m, k)| {
                    let successes = k.window.iter().filter(|r| **r).count();
                    let skill = MechanismSkill {
                        tries: k.tries,
                        successes_in_window: successes,
                        rate: rate(&k.window),
                    };
                    (m.name().to_string(), skill)
                })
                .collect(),
            graduated: named(&|k| self.mastered(k)),
            weak_spots: named(&|k| self.weak(k)),
            unlocked: unlocked(s.tier).map(|m| m.name().to_string()).collect(),
            avg_reward_last_10: if s.rewards.is_empty() {
                0.0
            } else {
                s.rewards.iter().sum::<f64>() / s.rewards.len() as f64
            },
            promotions: s.promotions,
            demotions: s.demotions,
        }
    }

    fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let file = FileRef {
            format: FORMAT,
            config: &self.config,
            state: StateRepr::from(&self.state),
        };
        serde_json::to_vec_pretty(&file)
    }
}

fn rate(results: &VecDeque<bool>) -> f64 {
    if results.is_empty() {
        0.0
    } else {
        results.iter().filter(|r| **r).count() as f64 / results.len() as f64
    }
}

/// Mechanisms at or below `tier`, in catalogue order.
fn unlocked(tier: Difficulty) -> impl Iterator<Item = Mechanism> {
    CATALOGUE
        .iter()
        .filter(move |i| i.difficulty <= tier)
        .map(|i| i.mechanism)
}

/// Mechanisms that occur among a tier's incidents in the first [`WEAK_SPOT_SCAN`] seeds of a
/// split. Single-fault tiers hold only their own tier's mechanisms, so a weak spot from an
/// earlier tier would otherwise cost a full scan on every pick. A pure function of its
/// arguments, kept for the process.
fn present_in(tier: Difficulty, split: Split) -> Arc<BTreeSet<Mechanism>> {
    type Cache = Mutex<BTreeMap<(Difficulty, Split), Arc<BTreeSet<Mechanism>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(p) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&(tier, split))
    {
        return p.clone();
    }
    let all = unlocked(tier).count();
    let mut present = BTreeSet::new();
    for n in 0..WEAK_SPOT_SCAN.min(split.seeds().len() as u32) {
        present.extend(split.id(tier, n).spec().faults.iter().map(|f| f.mechanism));
        if present.len() == all {
            break;
        }
    }
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry((tier, split))
        .or_insert_with(|| Arc::new(present))
        .clone()
}

/// The persisted file. The config is written for whoever reads the file; on load the caller's
/// config wins.
#[derive(Serialize)]
struct FileRef<'a> {
    format: u32,
    config: &'a CurriculumConfig,
    state: StateRepr,
}

/// The persisted file as read: its `config` is skipped.
#[derive(Deserialize)]
struct FileOwned {
    format: u32,
    state: StateRepr,
}

#[derive(Serialize, Deserialize)]
struct SkillRepr {
    tries: usize,
    window: Vec<bool>,
}

#[derive(Serialize, Deserialize)]
struct MemoRepr {
    split: String,
    seed: u64,
    incident: String,
}

/// [`State`] with names for tiers, mechanisms and ids.
#[derive(Serialize, Deserialize)]
struct StateRepr {
    episode_count: u64,
    tier: String,
    tier_episodes: usize,
    tier_results: Vec<bool>,
    skills: BTreeMap<String, SkillRepr>,
    rewards: Vec<f64>,
    promotions: u64,
    demotions: u64,
    counter: u64,
    memo: Vec<MemoRepr>,
}

impl From<&State> for StateRepr {
    fn from(s: &State) -> Self {
        StateRepr {
            episode_count: s.episode_count,
            tier: tier_name(s.tier).into(),
            tier_episodes: s.tier_episodes,
            tier_results: s.tier_results.iter().copied().collect(),
            skills: s
                .skills
                .iter()
                .map(|(m, k)| {
                    let repr = SkillRepr {
                        tries: k.tries,
                        window: k.window.iter().copied().collect(),
                    };
                    (m.name().to_string(), repr)
                })
                .collect(),
            rewards: s.rewards.iter().copied().collect(),
            promotions: s.promotions,
            demotions: s.demotions,
            counter: s.counter,
            memo: s
                .memo
                .iter()
                .map(|((split, seed), id)| MemoRepr {
                    split: split.name().into(),
                    seed: *seed,
                    incident: id.to_string(),
                })
                .collect(),
        }
    }
}

impl TryFrom<StateRepr> for State {
    type Error = String;
    fn try_from(r: StateRepr) -> Result<Self, String> {
        let tier = r
            .tier
            .parse()
            .map_err(|_| format!("unknown tier {:?}", r.tier))?;
        let skills = r
            .skills
            .into_iter()
            .map(|(name, k)| {
                let m = mechanism_named(&name)?;
                let skill = Skill {
                    tries: k.tries,
                    window: k.window.into(),
                };
                Ok((m, skill))
            })
            .collect::<Result<_, String>>()?;
        let memo = r
            .memo
            .into_iter()
            .map(|e| {
                let split: Split = e
                    .split
                    .parse()
                    .map_err(|_| format!("unknown split {:?}", e.split))?;
                let id: IncidentId = e
                    .incident
                    .parse()
                    .map_err(|_| format!("invalid incident id {:?}", e.incident))?;
                Ok(((split, e.seed), id))
            })
            .collect::<Result<_, String>>()?;
        Ok(State {
            episode_count: r.episode_count,
            tier,
            tier_episodes: r.tier_episodes,
            tier_results: r.tier_results.into(),
            skills,
            rewards: r.rewards.into_iter().filter(|x| x.is_finite()).collect(),
            promotions: r.promotions,
            demotions: r.demotions,
            counter: r.counter,
            memo,
        })
    }
}

fn mechanism_named(name: &str) -> Result<Mechanism, String> {
    CATALOGUE
        .iter()
        .find(|i| i.name == name)
        .map(|i| i.mechanism)
        .ok_or_else(|| format!("unknown mechanism {name:?}"))
}

/// The curriculum of a training run, shared by all its sessions and, with a path, persisted
/// after every change so a restart or reconnect continues it.
///
/// Writes replace the file atomically (a temporary file in the same directory, then a rename).
/// [`record`](SharedCurriculum::record) reports a failed write; [`choose`](SharedCurriculum::choose)
/// cannot, so a failed write there is retried by the next call and reported by the next `record`.
#[derive(Clone)]
pub struct SharedCurriculum {
    inner: Arc<Mutex<Shared>>,
    path: Option<PathBuf>,
}

struct Shared {
    curriculum: Curriculum,
    /// The file lags the state (a write from `choose` failed).
    dirty: bool,
}

impl std::fmt::Debug for SharedCurriculum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedCurriculum")
            .field("path", &self.path)
            .field("tier", &self.tier())
            .finish_non_exhaustive()
    }
}

impl SharedCurriculum {
    /// A curriculum that lives as long as the process.
    pub fn in_memory(config: CurriculumConfig) -> SharedCurriculum {
        SharedCurriculum {
            inner: Arc::new(Mutex::new(Shared {
                curriculum: Curriculum::new(config),
                dirty: false,
            })),
            path: None,
        }
    }

    /// The run persisted at `path`: its state if the file exists (with `config`'s thresholds),
    /// else a fresh run that creates the file on its first change. A file that is not a
    /// curriculum is an error, never a silent restart.
    pub fn open(
        path: impl Into<PathBuf>,
        config: CurriculumConfig,
    ) -> Result<SharedCurriculum, CurriculumError> {
        let path = path.into();
        let curriculum = match fs::read(&path) {
            Ok(bytes) => {
                let corrupt = |reason: String| CurriculumError::Corrupt {
                    path: path.clone(),
                    reason,
                };
                let file: FileOwned =
                    serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
                if file.format != FORMAT {
                    return Err(corrupt(format!(
                        "format {} (this build reads {FORMAT})",
                        file.format
                    )));
                }
                let state = State::try_from(file.state).map_err(corrupt)?;
                Curriculum::restore(config, state)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Curriculum::new(config),
            Err(source) => return Err(CurriculumError::Io { path, source }),
        };
        Ok(SharedCurriculum {
            inner: Arc::new(Mutex::new(Shared {
                curriculum,
                dirty: false,
            })),
            path: Some(path),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic elsewhere while holding the lock leaves a consistent state: every mutation
        // completes before anything that could panic.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts an episode (see [`Curriculum::record`]) and persists the run.
    pub fn record(&self, outcome: &Outcome) -> Result<(), CurriculumError> {
        let mut shared = self.lock();
        shared.curriculum.record(outcome);
        self.persist(&mut shared)
    }

    /// The next incident (see [`Curriculum::choose`]); persists the run when the pick changed it
    /// (a new seed remembered, the counter moved).
    pub fn choose(&self, split: Split, seed: Option<u64>) -> IncidentId {
        let mut shared = self.lock();
        let (id, changed) = shared.curriculum.choose_and_tell(split, seed);
        if changed || shared.dirty {
            // Reported by the next `record`, which writes the same state again.
            let _ = self.persist(&mut shared);
        }
        id
    }

    fn persist(&self, shared: &mut Shared) -> Result<(), CurriculumError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let written = shared
            .curriculum
            .to_json()
            .map_err(std::io::Error::other)
            .and_then(|bytes| write_atomically(path, &bytes));
        match written {
            Ok(()) => {
                shared.dirty = false;
                Ok(())
            }
            Err(source) => {
                shared.dirty = true;
                Err(CurriculumError::Io {
                    path: path.clone(),
                    source,
                })
            }
        }
    }

    pub fn tier(&self) -> Difficulty {
        self.lock().curriculum.tier()
    }

    pub fn persona(&self) -> Persona {
        self.lock().curriculum.persona()
    }

    pub fn stats(&self) -> CurriculumStats {
        self.lock().curriculum.stats()
    }

    /// The file the run is persisted to, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so a reader
/// (or a crash) sees the old file or the new one, never a torn one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "curriculum".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

mod tier_by_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::catalogue::Difficulty;
    use crate::scenario::tier_name;

    pub fn serialize<S: Serializer>(t: &Difficulty, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tier_name(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Difficulty, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(D::Error::custom)
    }
}

mod incident_by_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::scenario::IncidentId;

    pub fn serialize<S: Serializer>(id: &IncidentId, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(id)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<IncidentId, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(D::Error::custom)
    }
}

mod mechanisms_by_name {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    use crate::catalogue::Mechanism;

    pub fn serialize<S: Serializer>(ms: &[Mechanism], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(ms.iter().map(|m| m.name()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Mechanism>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|n| super::mechanism_named(n).map_err(D::Error::custom))
            .collect()
    }
}
