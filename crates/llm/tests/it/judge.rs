//! The LLM judge in episodes: blended with the programmatic judge when the model answers,
//! the programmatic score standing (and the failure counted) when it does not, never able to
//! declare resolution, its words never reaching the agent.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{Reply, Stub, anthropic_message, openai_text};
use gym::{EnvConfig, Environment, Observation, ResetOptions};
use llm::chat::ChatModel;
use llm::{LlmClient, LlmConfig, LlmJudge};
use serde_json::json;

const INCIDENT: &str = "warmup-000017";
const COMMANDS: [&str; 5] = [
    "kubectl get pods -A",
    "kubectl get events -A",
    "kubectl describe deployments -n payments",
    "not a command",
    "kubectl get pods -A",
];

fn client(config: LlmConfig) -> Arc<dyn ChatModel> {
    let mut c = config;
    c.timeout = Duration::from_secs(5);
    c.max_retries = 0;
    Arc::new(LlmClient::new(c).unwrap())
}

fn judged(model: Arc<dyn ChatModel>, weight: f64) -> Arc<Environment> {
    Arc::new(
        Environment::new(EnvConfig::default()).with_scorer(Arc::new(LlmJudge::new(model)), weight),
    )
}

fn reset() -> ResetOptions {
    ResetOptions {
        incident: Some(INCIDENT.parse().unwrap()),
        ..ResetOptions::default()
    }
}

fn play(env: &Arc<Environment>) -> Vec<Observation> {
    let mut s = env.session();
    s.reset(reset()).unwrap();
    COMMANDS.iter().map(|c| s.step(c).unwrap()).collect()
}

#[test]
fn verdicts_from_an_openai_server_are_blended_into_the_judge_score() {
    let stub = Stub::replies(vec![Reply::json(
        200,
        openai_text(
            "```json\n{\"score\": 0.8, \"reason\": \"SECRET-REASON: the payment-api limit\"}\n```",
        ),
    )]);
    let env = judged(
        client(LlmConfig::openai_compatible(stub.v1(), "judge-model")),
        0.5,
    );
    let plain = play(&Arc::new(Environment::new(EnvConfig::default())));
    let mut s = env.session();
    s.reset(reset()).unwrap();
    for (k, (command, before)) in COMMANDS.iter().zip(&plain).enumerate() {
        let o = s.step(command).unwrap();
        let info = o.metadata.scorer.clone().expect("the scorer took part");
        assert_eq!(
            info.programmatic, before.metadata.breakdown.judge,
            "step {k}"
        );
        assert_eq!(
            (info.score, info.weight, info.failures),
            (Some(0.8), 0.5, 0)
        );
        let blended = 0.5 * info.programmatic + 0.5 * 0.8;
        assert!((o.metadata.breakdown.judge - blended).abs() < 1e-12);
        // The reason stays with operators: nothing the agent gets holds it.
        let shown = serde_json::to_string(&o).unwrap();
        assert!(!shown.contains("SECRET-REASON"), "{shown}");
        assert!(s.last_score().unwrap().reason.contains("SECRET-REASON"));
        if k == 0 {
            // The judge saw the whole pod listing after the step, and the ground truth.
            let pods =
                kubectl::exec::run(&mut s.cluster().unwrap().clone(), "kubectl get pods -A").stdout;
            let req = &stub.requests()[0].body;
            let system = req["messages"][0]["content"].as_str().unwrap();
            let user = req["messages"][1]["content"].as_str().unwrap();
            assert!(
                system.contains("mentoring a trainee"),
                "warmup is judged by the junior"
            );
            assert!(user.contains(&pods), "{user}");
            assert!(user.contains("Command: kubectl get pods -A"));
            assert!(user.contains("(this is the first step)"));
            assert!(user.contains("Phase of this step: triage"));
            let truth = INCIDENT.parse::<gym::IncidentId>().unwrap().spec().faults[0]
                .mechanism
                .name();
            assert!(user.contains(truth), "{user}");
            assert_eq!(
                req["response_format"]["json_schema"]["name"],
                "step_verdict"
            );
        }
    }
    let later = &stub.requests()[4].body["messages"][1]["content"];
    assert!(
        later
            .as_str()
            .unwrap()
            .contains("Step 4 [-]: not a command"),
        "{later}"
    );
    let stats = env.hook_stats();
    assert_eq!((stats.scorer_calls, stats.scorer_failures), (5, 0));
}

#[test]
fn with_the_llm_server_down_episodes_score_with_the_programmatic_judge() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut config = LlmConfig::openai_compatible(format!("http://{addr}/v1"), "m");
    config.breaker_threshold = 2;
    let env = judged(client(config), 0.7);
    let judged_obs = play(&env);
    let plain = play(&Arc::new(Environment::new(EnvConfig::default())));
    for (k, (a, b)) in judged_obs.iter().zip(&plain).enumerate() {
        assert_eq!(a.reward, b.reward, "step {k}");
        assert_eq!(a.metadata.breakdown, b.metadata.breakdown, "step {k}");
        assert_eq!(a.command_output, b.command_output);
        let info = a.metadata.scorer.as_ref().unwrap();
        assert_eq!((info.score, info.failures), (None, k + 1));
    }
    let stats = env.hook_stats();
    assert_eq!((stats.scorer_calls, stats.scorer_failures), (5, 5));
    let last = stats.last_scorer_failure.unwrap();
    assert!(last.contains("paused") || last.contains("reach"), "{last}");
}

#[test]
fn bad_verdicts_count_as_failures_and_leave_the_programmatic_score() {
    let stub = Stub::replies(vec![
        Reply::json(
            200,
            openai_text("{\"score\": 5, \"reason\": \"off the scale\"}"),
        ),
        Reply::json(200, openai_text("The agent did fine, I'd say 0.7.")),
        Reply::json(503, json!({"error": {"message": "model loading"}})),
        Reply::raw(200, "{\"choices\": [{\"mess"),
        Reply::json(
            200,
            openai_text("<think>fine</think>{\"score\": -0.25, \"reason\": \"meh\"}"),
        ),
    ]);
    let env = judged(client(LlmConfig::openai_compatible(stub.v1(), "m")), 1.0);
    let obs = play(&env);
    let plain = play(&Arc::new(Environment::new(EnvConfig::default())));
    for k in 0..4 {
        assert_eq!(
            obs[k].metadata.breakdown, plain[k].metadata.breakdown,
            "step {k}"
        );
        assert_eq!(obs[k].metadata.scorer.as_ref().unwrap().failures, k + 1);
    }
    assert_eq!(obs[4].metadata.breakdown.judge, -0.25);
    assert_eq!(env.hook_stats().scorer_failures, 4);
}

#[test]
fn anthropic_tool_use_verdicts_work_and_cannot_declare_resolution() {
    let stub = Stub::replies(vec![Reply::json(
        200,
        anthropic_message(
            Some("Verdict recorded."),
            Some((
                "step_verdict",
                json!({"score": 1.0, "reason": "resolved!", "resolved": true}),
            )),
        ),
    )]);
    let env = judged(
        client(LlmConfig::anthropic("claude-test", "sk-ant-k").with_base_url(stub.base())),
        0.25,
    );
    let obs = play(&env);
    for o in &obs {
        assert_eq!(o.metadata.scorer.as_ref().unwrap().score, Some(1.0));
        assert!(!o.metadata.resolved && !o.done);
        assert_eq!(o.metadata.breakdown.resolution, 0.0);
    }
    let req = &stub.requests()[0].body;
    assert_eq!(
        req["tool_choice"],
        json!({"type": "tool", "name": "step_verdict"})
    );
}

#[test]
fn without_a_scorer_the_metadata_has_no_scorer_fields() {
    let obs = play(&Arc::new(Environment::new(EnvConfig::default())));
    let json = serde_json::to_value(&obs[0].metadata).unwrap();
    assert!(
        json.get("scorer").is_none() && json.get("designed").is_none(),
        "{json}"
    );
}
