//! The adversarial designer against a scripted "LLM" on a local server: valid designs reach
//! episodes; invalid ones (not JSON, an unoffered target, an unknown precision) and unsolvable
//! ones (no budget to solve them) fall back to the seeded generator's incident.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{Reply, Stub, openai_text};
use gym::{EnvConfig, Environment, IncidentId, Observation, ResetOptions, Session};
use llm::chat::ChatModel;
use llm::{LlmClient, LlmConfig, LlmDesigner};
use serde_json::json;

fn design(faults: &[&str], precision: &str) -> Reply {
    Reply::json(
        200,
        openai_text(
            &json!({
                "name": "hidden-oom",
                "faults": faults,
                "red_herrings": ["old-restart", "warning-logs"],
                "alert_precision": precision,
                "rationale": "memory faults are a weak spot",
            })
            .to_string(),
        ),
    )
}

fn env(stub: &Stub) -> Arc<Environment> {
    let mut c = LlmConfig::openai_compatible(stub.v1(), "designer-model");
    c.timeout = Duration::from_secs(5);
    c.max_retries = 0;
    let model: Arc<dyn ChatModel> = Arc::new(LlmClient::new(c).unwrap());
    Arc::new(
        Environment::new(EnvConfig::default()).with_designer(Arc::new(LlmDesigner::new(model))),
    )
}

/// Whether the reset's episode is the designed incident, checked every way the environment
/// shows it.
fn designed(s: &Session, first: &Observation) -> bool {
    let flag = first.metadata.designed;
    assert_eq!(flag, s.state().designed);
    assert_eq!(flag, s.design_name().is_some());
    flag
}

/// The seeded generator's incident for the reset: its alerts are the episode's.
fn generated_alerts(first: &Observation) -> Vec<String> {
    let id: IncidentId = first.metadata.incident_id.parse().unwrap();
    let (_, scenario) = id.spec().instantiate(&gym::Worlds::new()).unwrap();
    scenario.alerts
}

#[test]
fn only_valid_designs_reach_an_episode() {
    let good = "oom-limit:payments/payment-api";
    let stub = Stub::replies(vec![
        design(&[good], "exact"),
        Reply::json(
            200,
            openai_text("Sure! Here's a nasty incident: break everything."),
        ),
        design(&["oom-limit:payments/no-such-workload"], "exact"),
        design(&[good], "loud"),
        // Valid, but the reset below leaves two steps: no one can solve it in time.
        design(&[good], "exact"),
        design(&[good], "component"),
    ]);
    let env = env(&stub);
    let mut s = env.session();

    let first = s.reset(ResetOptions::default()).unwrap();
    assert!(designed(&s, &first));
    assert_eq!(s.design_name(), Some("hidden-oom"));
    assert_eq!(
        first.active_alerts,
        vec!["payment-api pods OOMKilled".to_string()]
    );
    // The design's red herrings are in the world.
    assert!(
        first.cluster_status_summary.contains("ledger-export"),
        "{}",
        first.cluster_status_summary
    );
    // The episode runs like any other.
    let o = s.step("kubectl get pods -n payments").unwrap();
    assert!(o.metadata.designed && !o.done);

    for _ in 0..3 {
        let first = s.reset(ResetOptions::default()).unwrap();
        assert!(!designed(&s, &first));
        assert_eq!(first.active_alerts, generated_alerts(&first));
    }

    let first = s
        .reset(ResetOptions {
            max_steps: Some(2),
            ..ResetOptions::default()
        })
        .unwrap();
    assert!(!designed(&s, &first));
    assert_eq!(first.max_steps, 2);

    let first = s.reset(ResetOptions::default()).unwrap();
    assert!(designed(&s, &first));
    assert_eq!(
        first.active_alerts,
        vec!["payment-api (payments) degraded".to_string()]
    );

    let stats = env.hook_stats();
    assert_eq!(stats.designs_requested, 6);
    assert_eq!(stats.designs_accepted, 2);
    // Not JSON, an unoffered target, an unknown precision: refused before any injection.
    assert_eq!(stats.designer_failures, 3);
    // Well formed but unsolvable in its budget: refused by the environment's check.
    assert_eq!(stats.designs_rejected, 1);
    assert!(stats.last_rejection.unwrap().contains("did not resolve"));

    // The designer was told the learner's profile and what it may use.
    let req = &stub.requests()[0].body;
    let user = req["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains("Tier: warmup"), "{user}");
    assert!(user.contains("payments/payment-api"), "{user}");
    assert!(user.contains("old-restart"), "{user}");
    assert_eq!(
        req["response_format"]["json_schema"]["name"],
        "incident_design"
    );
    // The first episode (abandoned at the second reset, after that reset's design request)
    // is in the third request's profile.
    let user = stub.requests()[2].body["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(user.contains("oom-limit: 1 tries"), "{user}");
}

#[test]
fn a_seeded_group_replays_one_design() {
    let stub = Stub::replies(vec![design(
        &["oom-limit:payments/payment-api"],
        "symptomatic",
    )]);
    let env = env(&stub);
    let seeded = || ResetOptions {
        seed: Some(42),
        ..ResetOptions::default()
    };
    let mut a = env.session();
    let mut b = env.session();
    let fa = a.reset(seeded()).unwrap();
    let fb = b.reset(seeded()).unwrap();
    assert!(fa.metadata.designed && fb.metadata.designed);
    assert_eq!(fa.active_alerts, fb.active_alerts);
    assert_eq!(fa.cluster_status_summary, fb.cluster_status_summary);
    assert_eq!(
        stub.requests().len(),
        1,
        "the design was made once for the group"
    );
}

#[test]
fn with_the_designer_down_every_reset_falls_back() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut c = LlmConfig::openai_compatible(format!("http://{addr}/v1"), "m");
    c.max_retries = 0;
    let model: Arc<dyn ChatModel> = Arc::new(LlmClient::new(c).unwrap());
    let env = Arc::new(
        Environment::new(EnvConfig::default()).with_designer(Arc::new(LlmDesigner::new(model))),
    );
    let mut s = env.session();
    for _ in 0..3 {
        let first = s.reset(ResetOptions::default()).unwrap();
        assert!(!first.metadata.designed);
        assert_eq!(first.active_alerts, generated_alerts(&first));
    }
    assert_eq!(env.hook_stats().designer_failures, 3);
}
