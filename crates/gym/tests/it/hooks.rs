//! The optional hooks: an external step scorer blended into the judge score, and a designer
//! whose incidents are checked before any episode uses them. Without hooks nothing changes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use gym::design::{Design, DesignRequest, Designer};
use gym::judge::{StepContext, StepScore, StepScorer};
use gym::noise::Noise;
use gym::scenario::Precision;
use gym::{EnvConfig, Environment, ResetOptions, RewardConfig};

const INCIDENT: &str = "warmup-000017";

fn reset() -> ResetOptions {
    ResetOptions {
        incident: Some(INCIDENT.parse().unwrap()),
        ..ResetOptions::default()
    }
}

/// Scores from a list, in order; records what it saw.
struct Fake {
    scores: Vec<Result<f64, String>>,
    calls: AtomicUsize,
    seen: Mutex<Vec<(String, usize, usize)>>,
}

impl Fake {
    fn new(scores: Vec<Result<f64, String>>) -> Arc<Fake> {
        Arc::new(Fake {
            scores,
            calls: AtomicUsize::new(0),
            seen: Mutex::new(Vec::new()),
        })
    }
}

impl StepScorer for Fake {
    fn name(&self) -> &str {
        "fake"
    }
    fn score(&self, ctx: &StepContext<'_>) -> Result<StepScore, String> {
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        self.seen.lock().unwrap().push((
            ctx.command.to_string(),
            ctx.history.len(),
            ctx.pods.lines().count(),
        ));
        let score = self.scores[n.min(self.scores.len() - 1)].clone()?;
        Ok(StepScore {
            score,
            reason: "fake".into(),
        })
    }
}

#[test]
fn a_scorer_is_blended_and_its_failures_leave_the_programmatic_score() {
    let fake = Fake::new(vec![
        Ok(1.0),
        Err("down".into()),
        Ok(f64::NAN),
        Ok(-2.0),
        Ok(-1.0),
    ]);
    let env = Arc::new(Environment::new(EnvConfig::default()).with_scorer(fake.clone(), 0.25));
    let plain = Arc::new(Environment::new(EnvConfig::default()));
    let (mut s, mut p) = (env.session(), plain.session());
    s.reset(reset()).unwrap();
    p.reset(reset()).unwrap();
    let commands = [
        "kubectl get pods -A",
        "kubectl get events -A",
        "kubectl describe pods -n payments",
        "kubectl get nodes",
        "kubectl get pods -A",
    ];
    let want = [Some(1.0), None, None, None, Some(-1.0)];
    for (k, c) in commands.iter().enumerate() {
        let o = s.step(c).unwrap();
        let q = p.step(c).unwrap();
        let info = o.metadata.scorer.clone().unwrap();
        let prog = q.metadata.breakdown.judge;
        assert_eq!(info.programmatic, prog);
        assert_eq!(info.score, want[k], "step {k}");
        let judge = match want[k] {
            Some(x) => 0.75 * prog + 0.25 * x,
            None => prog,
        };
        assert!(
            (o.metadata.breakdown.judge - judge).abs() < 1e-12,
            "step {k}"
        );
        assert_eq!(o.command_output, q.command_output);
    }
    let stats = env.hook_stats();
    assert_eq!((stats.scorer_calls, stats.scorer_failures), (5, 3));
    let seen = fake.seen.lock().unwrap();
    assert_eq!(seen[3].0, "kubectl get nodes");
    assert_eq!(seen[3].1, 3, "three earlier steps");
    assert!(seen[0].2 > 10, "the whole pod listing");
}

#[test]
fn blocked_repeats_are_not_scored() {
    let fake = Fake::new(vec![Ok(0.5)]);
    let config = EnvConfig {
        reward: RewardConfig {
            repeat_block_at: Some(2),
            ..RewardConfig::default()
        },
        ..EnvConfig::default()
    };
    let env = Arc::new(Environment::new(config).with_scorer(fake.clone(), 1.0));
    let mut s = env.session();
    s.reset(reset()).unwrap();
    s.step("kubectl get pods -A").unwrap();
    let o = s.step("kubectl get pods -A").unwrap();
    assert!(o.metadata.blocked && o.metadata.scorer.is_none());
    assert_eq!(fake.calls.load(Ordering::Relaxed), 1);
}

/// Returns designs from a list, in order.
struct Designs {
    designs: Vec<Result<Design, String>>,
    calls: AtomicUsize,
}

impl Designer for Designs {
    fn name(&self) -> &str {
        "fixed"
    }
    fn design(&self, req: &DesignRequest<'_>) -> Result<Design, String> {
        assert!(!req.targets.is_empty());
        let n = self.calls.fetch_add(1, Ordering::Relaxed);
        self.designs[n.min(self.designs.len() - 1)].clone()
    }
}

fn design(faults: &[&str]) -> Design {
    Design {
        name: "d".into(),
        faults: faults.iter().map(|f| f.parse().unwrap()).collect(),
        noise: vec![Noise::CompletedJob],
        precision: Precision::Exact,
    }
}

#[test]
fn designs_that_do_not_inject_or_break_the_rules_fall_back() {
    let designer = Arc::new(Designs {
        designs: vec![
            Err("no idea".into()),
            Ok(design(&["oom-limit:payments/ghost"])),
            Ok(design(&[
                "cordoned-and-drained:payments/payment-api",
                "untolerated-taint:frontend/web-app",
            ])),
            Ok(design(&[
                "oom-limit:payments/payment-api",
                "missing-image-tag:payments/payment-api",
            ])),
            Ok(design(&["oom-limit:payments/payment-api"])),
        ],
        calls: AtomicUsize::new(0),
    });
    let env = Arc::new(Environment::new(EnvConfig::default()).with_designer(designer.clone()));
    let mut s = env.session();
    for _ in 0..4 {
        let o = s.reset(ResetOptions::default()).unwrap();
        assert!(!o.metadata.designed);
        assert!(s.design_name().is_none());
    }
    let o = s.reset(ResetOptions::default()).unwrap();
    assert!(o.metadata.designed);
    assert!(o.cluster_status_summary.contains("settlement-report"));
    let stats = env.hook_stats();
    assert_eq!(
        (
            stats.designs_requested,
            stats.designer_failures,
            stats.designs_rejected,
            stats.designs_accepted
        ),
        (5, 1, 3, 1)
    );
    // A reset that names its incident, or its fault types, never asks the designer.
    s.reset(reset()).unwrap();
    s.reset(ResetOptions {
        fault_types: vec![gym::Mechanism::OomLimit],
        ..ResetOptions::default()
    })
    .unwrap();
    assert_eq!(designer.calls.load(Ordering::Relaxed), 5);
}
