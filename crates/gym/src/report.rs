//! An evaluation report: per policy, resolution rate with its interval, pass@k and pass^k over
//! repeated trials, mean reward with its 95% interval, steps and simulated time to mitigate,
//! collateral damage, model spend, broken down by tier and by fault type; and paired
//! comparisons of policies over the incidents they share. Built from one [`EpisodeRow`] per
//! episode, serialisable as JSON that reads back to the same value.
//!
//! The report is for the researcher, not the agent: it names the fault types of each incident.
//! It holds no wall-clock time, so the same run gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::policy::Spend;
use crate::scenario::{IncidentId, TIERS, tier_name};
use crate::stats::{self, McNemar, MeanCi, PairedT, Wilcoxon};
use crate::trajectory::Trajectory;

/// The `format` field of a report.
pub const FORMAT: &str = "kube-sre-gym-eval/1";

/// The confidence level of every interval in a report.
pub const LEVEL: f64 = 0.95;

/// One episode's figures, the unit every statistic is computed from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpisodeRow {
    pub incident: String,
    pub tier: String,
    /// The incident's fault mechanisms, distinct, in catalogue names (researcher-only).
    pub faults: Vec<String>,
    pub policy: String,
    pub repeat: u32,
    pub resolved: bool,
    pub reward: f64,
    pub steps: usize,
    pub sim_seconds_to_mitigate: Option<f64>,
    /// Collateral damage items (objects harmed outside the fix).
    pub collateral: usize,
    pub gave_up: bool,
    pub truncated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spend: Option<Spend>,
}

impl EpisodeRow {
    /// The row of a recorded episode; the fault types come from the incident's id.
    pub fn of(t: &Trajectory) -> EpisodeRow {
        let faults: BTreeSet<String> = t
            .incident
            .parse::<IncidentId>()
            .map(|id| {
                id.spec()
                    .faults
                    .iter()
                    .map(|f| f.mechanism.name().to_string())
                    .collect()
            })
            .unwrap_or_default();
        EpisodeRow {
            incident: t.incident.clone(),
            tier: t.tier.clone(),
            faults: faults.into_iter().collect(),
            policy: t.policy.clone(),
            repeat: t.repeat,
            resolved: t.outcome.resolved,
            reward: t.outcome.reward,
            steps: t.outcome.steps,
            sim_seconds_to_mitigate: t.outcome.sim_seconds_to_mitigate,
            collateral: t.outcome.collateral.len(),
            gave_up: t.outcome.gave_up,
            truncated: t.outcome.truncated,
            spend: t.spend,
        }
    }
}

/// How the run was set up (no wall-clock time, so reports of the same run are identical).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub split: String,
    /// Distinct incidents, shared by every policy.
    pub incidents: usize,
    /// Trials per incident and policy.
    pub repeats: u32,
    pub seed: u64,
    pub tiers: Vec<String>,
    pub policies: Vec<String>,
    /// Simulated seconds each step advances the cluster.
    pub step_seconds: u64,
    /// Free-form notes: how repeats differ per policy, the LLM sampling temperature.
    pub notes: Vec<String>,
}

/// A closed interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

/// pass@k and pass^k at one k.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PassK {
    pub k: u64,
    /// The chance that at least one of k trials resolves the incident, averaged over incidents.
    pub pass_at_k: f64,
    /// The chance that all k trials resolve it, averaged over incidents.
    pub pass_hat_k: f64,
}

/// Mean, median and 90th percentile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dist {
    pub n: u64,
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
}

impl Dist {
    pub fn of(values: &[f64]) -> Option<Dist> {
        if values.is_empty() {
            return None;
        }
        Some(Dist {
            n: values.len() as u64,
            mean: values.iter().sum::<f64>() / values.len() as f64,
            median: stats::quantile(values, 0.5)?,
            p90: stats::quantile(values, 0.9)?,
        })
    }
}

/// Model spend over a group of episodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SpendFigures {
    pub total: Spend,
    pub tokens_per_episode: f64,
    pub cost_per_episode: f64,
    /// Total cost over resolved episodes; `None` when none resolved.
    pub cost_per_resolved: Option<f64>,
}

/// The figures of one group of episodes (a policy overall, or one tier or fault type of it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    pub incidents: u64,
    pub episodes: u64,
    pub resolved: u64,
    pub resolution_rate: f64,
    /// Wilson interval of the resolution rate over episodes.
    pub resolution_ci: Interval,
    /// k = 1 up to the fewest trials any incident of the group had.
    pub pass_k: Vec<PassK>,
    /// The episode reward's mean and Student-t interval.
    pub reward: MeanCi,
    /// Commands per episode, all episodes.
    pub steps: MeanCi,
    /// Commands run until resolution, resolved episodes only.
    pub steps_to_mitigate: Option<Dist>,
    /// Simulated seconds until resolution, resolved episodes only.
    pub sim_seconds_to_mitigate: Option<Dist>,
    /// Episodes that did any collateral damage, and the damage items over all episodes.
    pub collateral_episodes: u64,
    pub collateral_rate: f64,
    pub collateral_items: u64,
    pub gave_up: u64,
    pub truncated: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spend: Option<SpendFigures>,
}

impl Figures {
    pub fn of(rows: &[&EpisodeRow]) -> Figures {
        let episodes = rows.len() as u64;
        let resolved = rows.iter().filter(|r| r.resolved).count() as u64;
        let (lo, hi) = stats::wilson(resolved, episodes, LEVEL);
        // Trials per incident.
        let mut per: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for r in rows {
            let e = per.entry(&r.incident).or_default();
            e.0 += 1;
            e.1 += u64::from(r.resolved);
        }
        let min_n = per.values().map(|(n, _)| *n).min().unwrap_or(0);
        let pass_k = (1..=min_n)
            .map(|k| {
                let m = per.len() as f64;
                let (mut at, mut hat) = (0.0, 0.0);
                for (n, c) in per.values() {
                    at += stats::pass_at_k(*n, *c, k).unwrap_or(0.0);
                    hat += stats::pass_hat_k(*n, *c, k).unwrap_or(0.0);
                }
                PassK {
                    k,
                    pass_at_k: at / m,
                    pass_hat_k: hat / m,
                }
            })
            .collect();
        let rewards: Vec<f64> = rows.iter().map(|r| r.reward).collect();
        let steps: Vec<f64> = rows.iter().map(|r| r.steps as f64).collect();
        let fixed: Vec<&&EpisodeRow> = rows.iter().filter(|r| r.resolved).collect();
        let steps_fixed: Vec<f64> = fixed.iter().map(|r| r.steps as f64).collect();
        let time_fixed: Vec<f64> = fixed
            .iter()
            .filter_map(|r| r.sim_seconds_to_mitigate)
            .collect();
        let collateral_episodes = rows.iter().filter(|r| r.collateral > 0).count() as u64;
        let spend = rows.iter().any(|r| r.spend.is_some()).then(|| {
            let mut total = Spend::default();
            rows.iter()
                .filter_map(|r| r.spend.as_ref())
                .for_each(|s| total.add(s));
            let per_episode = |x: f64| {
                if episodes == 0 {
                    0.0
                } else {
                    x / episodes as f64
                }
            };
            SpendFigures {
                total,
                tokens_per_episode: per_episode((total.input_tokens + total.output_tokens) as f64),
                cost_per_episode: per_episode(total.cost_usd),
                cost_per_resolved: (resolved > 0).then(|| total.cost_usd / resolved as f64),
            }
        });
        Figures {
            incidents: per.len() as u64,
            episodes,
            resolved,
            resolution_rate: if episodes == 0 {
                0.0
            } else {
                resolved as f64 / episodes as f64
            },
            resolution_ci: Interval { lo, hi },
            pass_k,
            reward: stats::mean_ci(&rewards, LEVEL),
            steps: stats::mean_ci(&steps, LEVEL),
            steps_to_mitigate: Dist::of(&steps_fixed),
            sim_seconds_to_mitigate: Dist::of(&time_fixed),
            collateral_episodes,
            collateral_rate: if episodes == 0 {
                0.0
            } else {
                collateral_episodes as f64 / episodes as f64
            },
            collateral_items: rows.iter().map(|r| r.collateral as u64).sum(),
            gave_up: rows.iter().filter(|r| r.gave_up).count() as u64,
            truncated: rows.iter().filter(|r| r.truncated).count() as u64,
            spend,
        }
    }
}

/// A named group's figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub figures: Figures,
}

/// One policy's figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PolicyReport {
    pub policy: String,
    /// Every incident's trials were the same episode (a deterministic policy, or one trial):
    /// then pass@k = pass^k = the resolution rate.
    pub repeats_identical: bool,
    pub overall: Figures,
    /// In tier order, easiest first.
    pub by_tier: Vec<Group>,
    /// In fault-type name order; an episode counts under each fault type of its incident.
    pub by_fault: Vec<Group>,
}

impl PolicyReport {
    /// The figures of `policy`'s rows; `repeats_identical` is the caller's knowledge.
    pub fn of(policy: &str, rows: &[&EpisodeRow], repeats_identical: bool) -> PolicyReport {
        let mut by_tier = Vec::new();
        for tier in TIERS.map(tier_name) {
            let group: Vec<&EpisodeRow> = rows.iter().copied().filter(|r| r.tier == tier).collect();
            if !group.is_empty() {
                by_tier.push(Group {
                    name: tier.to_string(),
                    figures: Figures::of(&group),
                });
            }
        }
        let faults: BTreeSet<&str> = rows
            .iter()
            .flat_map(|r| r.faults.iter().map(String::as_str))
            .collect();
        let by_fault = faults
            .into_iter()
            .map(|f| {
                let group: Vec<&EpisodeRow> = rows
                    .iter()
                    .copied()
                    .filter(|r| r.faults.iter().any(|x| x == f))
                    .collect();
                Group {
                    name: f.to_string(),
                    figures: Figures::of(&group),
                }
            })
            .collect();
        PolicyReport {
            policy: policy.to_string(),
            repeats_identical,
            overall: Figures::of(rows),
            by_tier,
            by_fault,
        }
    }
}

/// Two policies compared on the incidents both ran, each incident one pair (its trials
/// averaged): resolution by the exact sign test on per-incident resolution rates (McNemar's
/// exact test when each policy had one trial per incident), reward by the Wilcoxon
/// signed-rank test and the paired t test on per-incident mean rewards (first minus second).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub first: String,
    pub second: String,
    pub incidents: u64,
    pub first_rate: f64,
    pub second_rate: f64,
    /// Incidents where the first policy's resolution rate was higher, lower, the same.
    pub first_better: u64,
    pub second_better: u64,
    pub ties: u64,
    /// Two-sided exact sign-test p-value on `first_better` against `second_better`.
    pub resolution_p: f64,
    /// The 2x2 table and McNemar's exact p-value, when every incident had one trial each.
    pub mcnemar: Option<McNemar>,
    pub reward_diff: PairedT,
    pub reward_wilcoxon: Wilcoxon,
}

/// Compares `first` and `second` over the incidents both have rows for; `None` when they
/// share none.
pub fn compare(first: &[&EpisodeRow], second: &[&EpisodeRow]) -> Option<Comparison> {
    // incident -> (trials, resolved, reward sum).
    type Tally = (u64, u64, f64);
    let tally = |rows: &[&EpisodeRow]| {
        let mut m: BTreeMap<String, Tally> = BTreeMap::new();
        for r in rows {
            let e = m.entry(r.incident.clone()).or_default();
            e.0 += 1;
            e.1 += u64::from(r.resolved);
            e.2 += r.reward;
        }
        m
    };
    let (a, b) = (tally(first), tally(second));
    let shared: Vec<(&Tally, &Tally)> = a
        .iter()
        .filter_map(|(k, x)| b.get(k).map(|y| (x, y)))
        .collect();
    if shared.is_empty() {
        return None;
    }
    let rate = |t: &Tally| t.1 as f64 / t.0 as f64;
    let mean = |t: &Tally| t.2 / t.0 as f64;
    let (mut first_better, mut second_better, mut ties) = (0, 0, 0);
    for (x, y) in &shared {
        match rate(x).total_cmp(&rate(y)) {
            std::cmp::Ordering::Greater => first_better += 1,
            std::cmp::Ordering::Less => second_better += 1,
            std::cmp::Ordering::Equal => ties += 1,
        }
    }
    let single = shared.iter().all(|(x, y)| x.0 == 1 && y.0 == 1);
    let mcnemar = single.then(|| {
        let pairs: Vec<(bool, bool)> = shared.iter().map(|(x, y)| (x.1 == 1, y.1 == 1)).collect();
        stats::mcnemar(&pairs)
    });
    let diffs: Vec<f64> = shared.iter().map(|(x, y)| mean(x) - mean(y)).collect();
    let n = shared.len() as f64;
    Some(Comparison {
        first: first.first().map(|r| r.policy.clone()).unwrap_or_default(),
        second: second.first().map(|r| r.policy.clone()).unwrap_or_default(),
        incidents: shared.len() as u64,
        first_rate: shared.iter().map(|(x, _)| rate(x)).sum::<f64>() / n,
        second_rate: shared.iter().map(|(_, y)| rate(y)).sum::<f64>() / n,
        first_better,
        second_better,
        ties,
        resolution_p: stats::sign_test(first_better, second_better),
        mcnemar,
        reward_diff: stats::paired_t(&diffs),
        reward_wilcoxon: stats::wilcoxon(&diffs),
    })
}

/// A whole evaluation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub format: String,
    pub config: RunConfig,
    pub policies: Vec<PolicyReport>,
    /// The first policy against each other one.
    pub comparisons: Vec<Comparison>,
    /// Every episode, in run order (incident, then trial, then policy): what comparisons
    /// across reports pair on.
    pub episodes: Vec<EpisodeRow>,
}

impl Report {
    /// The report of `rows`, policies in `config.policies` order; `identical(policy)` says
    /// whether that policy's trials of an incident are the same episode.
    pub fn build(
        config: RunConfig,
        rows: Vec<EpisodeRow>,
        identical: impl Fn(&str) -> bool,
    ) -> Report {
        let of = |p: &str| -> Vec<&EpisodeRow> { rows.iter().filter(|r| r.policy == p).collect() };
        let policies: Vec<PolicyReport> = config
            .policies
            .iter()
            .map(|p| PolicyReport::of(p, &of(p), identical(p) || config.repeats <= 1))
            .collect();
        let comparisons = match config.policies.split_first() {
            Some((first, rest)) => rest
                .iter()
                .filter_map(|p| compare(&of(first), &of(p)))
                .collect(),
            None => Vec::new(),
        };
        Report {
            format: FORMAT.to_string(),
            config,
            policies,
            comparisons,
            episodes: rows,
        }
    }

    /// The rows of one policy.
    pub fn rows_of(&self, policy: &str) -> Vec<&EpisodeRow> {
        self.episodes
            .iter()
            .filter(|r| r.policy == policy)
            .collect()
    }

    pub fn to_json(&self) -> String {
        // Plain data with finite numbers always serialises.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(incident: &str, policy: &str, repeat: u32, resolved: bool, reward: f64) -> EpisodeRow {
        EpisodeRow {
            incident: incident.into(),
            tier: "warmup".into(),
            faults: vec!["oom-limit".into()],
            policy: policy.into(),
            repeat,
            resolved,
            reward,
            steps: if resolved { 3 } else { 10 },
            sim_seconds_to_mitigate: resolved.then_some(30.0),
            collateral: usize::from(!resolved),
            gave_up: false,
            truncated: !resolved,
            spend: None,
        }
    }

    #[test]
    fn figures_count_pass_k_over_each_incidents_trials() {
        // Incident a: 2 of 3 trials resolved; b: 0 of 3.
        let rows = [
            row("a", "p", 0, true, 5.0),
            row("a", "p", 1, true, 5.0),
            row("a", "p", 2, false, -2.0),
            row("b", "p", 0, false, -2.0),
            row("b", "p", 1, false, -2.0),
            row("b", "p", 2, false, -2.0),
        ];
        let refs: Vec<&EpisodeRow> = rows.iter().collect();
        let f = Figures::of(&refs);
        assert_eq!((f.incidents, f.episodes, f.resolved), (2, 6, 2));
        assert_eq!(f.pass_k.len(), 3);
        // pass@1 = (2/3 + 0) / 2; pass@2 = (1 + 0) / 2; pass^2 = (C(2,2)/C(3,2) + 0) / 2.
        assert!((f.pass_k[0].pass_at_k - 1.0 / 3.0).abs() < 1e-12);
        assert!((f.pass_k[1].pass_at_k - 0.5).abs() < 1e-12);
        assert!((f.pass_k[1].pass_hat_k - 1.0 / 6.0).abs() < 1e-12);
        assert_eq!(f.pass_k[2].pass_hat_k, 0.0);
        assert_eq!(f.collateral_episodes, 4);
        assert_eq!(f.steps_to_mitigate.unwrap().mean, 3.0);
        assert!(f.spend.is_none());
    }

    #[test]
    fn comparisons_pair_by_incident_and_reports_round_trip_through_json() {
        let mut rows = Vec::new();
        for (i, (a, b)) in [(true, false), (true, false), (true, true), (false, false)]
            .into_iter()
            .enumerate()
        {
            let id = format!("warmup-90000{i}");
            rows.push(row(&id, "good", 0, a, if a { 5.0 } else { -2.0 }));
            rows.push(row(&id, "bad", 0, b, if b { 4.0 } else { -2.0 }));
        }
        let config = RunConfig {
            policies: vec!["good".into(), "bad".into()],
            repeats: 1,
            ..RunConfig::default()
        };
        let report = Report::build(config, rows, |_| false);
        let c = &report.comparisons[0];
        assert_eq!((c.first_better, c.second_better, c.ties), (2, 0, 2));
        let m = c.mcnemar.unwrap();
        assert_eq!(
            (m.both, m.first_only, m.second_only, m.neither),
            (1, 2, 0, 1)
        );
        assert!((c.resolution_p - 0.5).abs() < 1e-12);
        // Reward differences 7, 7, 1, 0: mean 15/4.
        assert!((c.reward_diff.diff.mean - 3.75).abs() < 1e-12);
        assert!(report.policies.iter().all(|p| p.repeats_identical));

        let json = report.to_json();
        let back: Report = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
        assert_eq!(back.to_json(), json);
    }
}
