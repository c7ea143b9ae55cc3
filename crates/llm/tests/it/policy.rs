//! The LLM policy plays episodes through gym::evaluate::play against local servers: commands
//! from OpenAI tool calls, code fences and plain text, and from Anthropic tool use; a reply
//! without a command earns a reminder; a dead model stops the policy and the episode ends as
//! given up.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::{Reply, Stub, anthropic_message, openai_text, openai_tool_call};
use gym::catalogue::CatalogueFault;
use gym::evaluate;
use gym::policy::Policy;
use gym::scenario::Split;
use gym::{EnvConfig, Environment, IncidentId, ResetOptions};
use llm::chat::ChatModel;
use llm::{LlmClient, LlmConfig, LlmPolicy};
use serde_json::json;

const FIX: &str = "kubectl set resources deployment/payment-api -n payments --limits=memory=256Mi --requests=memory=64Mi";

/// A warmup incident whose one fault is the payment-api OOM.
fn oom_incident() -> IncidentId {
    let want: CatalogueFault = "oom-limit:payments/payment-api".parse().unwrap();
    (0..5000)
        .map(|n| Split::Train.id(gym::catalogue::Difficulty::Warmup, n))
        .find(|id| id.spec().faults == [want.clone()])
        .expect("a warmup incident with the payment-api OOM")
}

fn model(config: LlmConfig) -> Arc<dyn ChatModel> {
    let mut c = config;
    c.timeout = Duration::from_secs(5);
    c.max_retries = 0;
    Arc::new(LlmClient::new(c).unwrap())
}

fn play(model: Arc<dyn ChatModel>) -> (evaluate::EpisodeResult, LlmPolicy) {
    let env = Arc::new(Environment::new(EnvConfig::default()));
    let mut policy = LlmPolicy::new(model).with_prices("agent-model=3/15".parse().unwrap());
    let options = ResetOptions {
        incident: Some(oom_incident()),
        ..ResetOptions::default()
    };
    let result = evaluate::play(&mut env.session(), options, &mut policy).unwrap();
    (result, policy)
}

#[test]
fn an_openai_model_resolves_an_incident_through_tool_calls_fences_and_text() {
    let stub = Stub::replies(vec![
        Reply::json(
            200,
            openai_tool_call("kubectl", json!({"command": "kubectl get pods -A"})),
        ),
        Reply::json(
            200,
            openai_text("Hmm, let me think about what the pods say."),
        ),
        Reply::json(
            200,
            openai_text(&format!("The limit is too low.\n```bash\n{FIX}\n```")),
        ),
        Reply::json(
            200,
            openai_text("<think>verify</think>kubectl get pods -n payments"),
        ),
    ]);
    let (result, policy) = play(model(LlmConfig::openai_compatible(
        stub.v1(),
        "agent-model",
    )));
    assert!(result.resolved, "{result:?}");
    assert_eq!(result.policy, "llm:agent-model");
    assert_eq!(&result.commands[..2], ["kubectl get pods -A", FIX]);
    assert!(
        result.commands[2..]
            .iter()
            .all(|c| c == "kubectl get pods -n payments")
    );
    assert_eq!(policy.unparsed_replies(), 1);

    let reqs = stub.requests();
    // The episode's spend: every call's tokens as the server reported them, priced.
    let spend = policy.spend().unwrap();
    let calls = reqs.len() as u64;
    assert_eq!((spend.calls, spend.failures), (calls, 0));
    assert_eq!(spend.input_tokens, 150 + 100 * (calls - 1));
    assert_eq!(spend.output_tokens, 30 + 20 * (calls - 1));
    let cost = (spend.input_tokens as f64 * 3.0 + spend.output_tokens as f64 * 15.0) / 1e6;
    assert!((spend.cost_usd - cost).abs() < 1e-12, "{spend:?}");
    // The first request carries the alert and offers the kubectl tool.
    let first = &reqs[0].body;
    assert!(
        first["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("payment-api pods OOMKilled")
    );
    assert_eq!(first["tools"][0]["function"]["name"], "kubectl");
    // The second carries the first command's output.
    let second = reqs[1].body["messages"].as_array().unwrap();
    assert_eq!(second[2]["content"], "kubectl get pods -A");
    assert!(
        second[3]["content"]
            .as_str()
            .unwrap()
            .starts_with("$ kubectl get pods -A\nNAMESPACE")
    );
    // The reminder after the reply without a command.
    let third = reqs[2].body["messages"].as_array().unwrap();
    assert!(
        third.last().unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("held no command")
    );
}

#[test]
fn an_anthropic_model_plays_through_tool_use_with_alternating_turns() {
    let stub = Stub::replies(vec![
        Reply::json(
            200,
            anthropic_message(
                Some("Looking."),
                Some(("kubectl", json!({"command": "get pods -A"}))),
            ),
        ),
        Reply::json(
            200,
            anthropic_message(None, Some(("kubectl", json!({"command": FIX})))),
        ),
        Reply::json(
            200,
            anthropic_message(Some("`kubectl get pods -n payments`"), None),
        ),
    ]);
    let (result, _) = play(model(
        LlmConfig::anthropic("claude-test", "sk-ant-k").with_base_url(stub.base()),
    ));
    assert!(result.resolved, "{result:?}");
    assert_eq!(&result.commands[..2], ["kubectl get pods -A", FIX]);
    for r in stub.requests() {
        let roles: Vec<&str> = r.body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles[0], "user");
        assert!(roles.windows(2).all(|w| w[0] != w[1]), "{roles:?}");
        assert_eq!(roles.last(), Some(&"user"));
    }
}

#[test]
fn a_dead_model_stops_the_policy_and_the_episode_is_given_up() {
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (result, policy) = play(model(LlmConfig::openai_compatible(
        format!("http://{addr}/v1"),
        "m",
    )));
    assert!(!result.resolved);
    assert!(result.commands.is_empty());
    assert_eq!(result.reward, EnvConfig::default().reward.timeout_total);
    assert!(matches!(
        policy.last_error(),
        Some(llm::LlmError::Connect(_))
    ));
    let spend = policy.spend().unwrap();
    assert_eq!((spend.calls, spend.failures, spend.input_tokens), (1, 1, 0));
}
