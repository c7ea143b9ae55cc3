//! The HTTP client against local servers that speak each provider's wire format: replies with
//! and without tool calls, structured output, errors, rate limits, malformed replies, slow
//! replies and dead servers. Nothing leaves 127.0.0.1.

use crate::common;

use std::time::{Duration, Instant};

use common::{Reply, Stub, anthropic_message, openai_text, openai_tool_call};
use llm::chat::{ChatModel, ChatRequest, Output};
use llm::{Backend, LlmClient, LlmConfig, LlmError, Price, PriceTable, Structured};
use serde_json::json;

fn fast(mut c: LlmConfig) -> LlmConfig {
    c.timeout = Duration::from_secs(5);
    c.backoff_base = Duration::from_millis(20);
    c.backoff_max = Duration::from_millis(100);
    c
}

fn openai(stub: &Stub) -> LlmClient {
    LlmClient::new(fast(
        LlmConfig::openai_compatible(stub.v1(), "test-model").with_api_key("sk-test-key-123"),
    ))
    .unwrap()
}

fn json_request() -> ChatRequest {
    let mut req = ChatRequest::new("You judge.", "Score it.");
    req.output = Output::Json {
        name: "verdict".into(),
        schema: json!({"type": "object", "properties": {"score": {"type": "number"}}, "required": ["score"]}),
    };
    req
}

#[test]
fn openai_chat_completion_text_and_usage() {
    let stub = Stub::replies(vec![Reply::json(200, openai_text("kubectl get pods -A"))]);
    let client = openai(&stub);
    let r = client.chat(&ChatRequest::new("sys", "hello")).unwrap();
    assert_eq!(r.text, "kubectl get pods -A");
    assert_eq!((r.usage.input_tokens, r.usage.output_tokens), (100, 20));
    assert_eq!(r.finish_reason.as_deref(), Some("stop"));
    let req = &stub.requests()[0];
    assert_eq!(req.path, "/v1/chat/completions");
    assert_eq!(req.headers["authorization"], "Bearer sk-test-key-123");
    assert_eq!(req.body["model"], "test-model");
    assert_eq!(req.body["messages"][0]["role"], "system");
    assert_eq!(
        req.body["messages"][1],
        json!({"role": "user", "content": "hello"})
    );
    let t = client.totals();
    assert_eq!(
        (t.calls, t.failures, t.input_tokens, t.output_tokens),
        (1, 0, 100, 20)
    );
}

#[test]
fn openai_tool_calls_are_read() {
    let stub = Stub::replies(vec![Reply::json(
        200,
        openai_tool_call(
            "kubectl",
            json!({"command": "kubectl describe pod x -n payments"}),
        ),
    )]);
    let mut req = ChatRequest::new("sys", "go");
    req.tools.push(llm::policy::kubectl_tool());
    let r = openai(&stub).chat(&req).unwrap();
    assert_eq!(r.tool_calls.len(), 1);
    assert_eq!(r.tool_calls[0].name, "kubectl");
    assert_eq!(
        r.tool_calls[0].arguments["command"],
        "kubectl describe pod x -n payments"
    );
    let body = &stub.requests()[0].body;
    assert_eq!(body["tools"][0]["type"], "function");
    assert_eq!(body["tools"][0]["function"]["name"], "kubectl");
    assert_eq!(body["tool_choice"], "auto");
}

#[test]
fn openai_structured_output_asks_for_a_json_schema_and_reads_fenced_json() {
    let stub = Stub::replies(vec![Reply::json(
        200,
        openai_text("<think>The agent did well.</think>\n```json\n{\"score\": 0.5}\n```"),
    )]);
    let r = openai(&stub).chat(&json_request()).unwrap();
    assert_eq!(r.json("verdict").unwrap(), json!({"score": 0.5}));
    let body = &stub.requests()[0].body;
    assert_eq!(body["response_format"]["type"], "json_schema");
    assert_eq!(body["response_format"]["json_schema"]["name"], "verdict");
    assert_eq!(
        body["response_format"]["json_schema"]["schema"]["required"],
        json!(["score"])
    );
}

#[test]
fn a_server_without_response_format_is_asked_again_without_it() {
    let stub = Stub::replies(vec![
        Reply::json(
            400,
            json!({"error": {"message": "response_format json_schema is not supported", "type": "invalid_request_error"}}),
        ),
        Reply::json(200, openai_text("{\"score\": -0.2}")),
    ]);
    let client = openai(&stub);
    let r = client.chat(&json_request()).unwrap();
    assert_eq!(r.json("verdict").unwrap()["score"], -0.2);
    // And later requests no longer ask.
    client.chat(&json_request()).unwrap();
    let reqs = stub.requests();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].body.get("response_format").is_some());
    assert!(reqs[1].body.get("response_format").is_none());
    assert!(reqs[2].body.get("response_format").is_none());
}

#[test]
fn json_object_mode_is_configurable() {
    let stub = Stub::replies(vec![Reply::json(200, openai_text("{\"score\": 1}"))]);
    let mut c = fast(LlmConfig::openai_compatible(stub.v1(), "m"));
    c.structured = Structured::JsonObject;
    LlmClient::new(c).unwrap().chat(&json_request()).unwrap();
    assert_eq!(
        stub.requests()[0].body["response_format"],
        json!({"type": "json_object"})
    );
    assert!(!stub.requests()[0].headers.contains_key("authorization"));
}

#[test]
fn anthropic_messages_with_text_tool_use_and_usage() {
    let stub = Stub::replies(vec![Reply::json(
        200,
        anthropic_message(
            Some("Checking pods."),
            Some(("kubectl", json!({"command": "kubectl get pods -A"}))),
        ),
    )]);
    let client = LlmClient::new(fast(
        LlmConfig::anthropic("claude-test", "sk-ant-secret-999").with_base_url(stub.base()),
    ))
    .unwrap();
    let mut req = ChatRequest::new("sys", "go");
    req.tools.push(llm::policy::kubectl_tool());
    let r = client.chat(&req).unwrap();
    assert_eq!(r.text, "Checking pods.");
    assert_eq!(r.tool_calls[0].arguments["command"], "kubectl get pods -A");
    assert_eq!((r.usage.input_tokens, r.usage.output_tokens), (200, 40));
    let rec = &stub.requests()[0];
    assert_eq!(rec.path, "/v1/messages");
    assert_eq!(rec.headers["x-api-key"], "sk-ant-secret-999");
    assert_eq!(rec.headers["anthropic-version"], "2023-06-01");
    assert!(!rec.headers.contains_key("authorization"));
    assert_eq!(rec.body["system"], "sys");
    assert_eq!(
        rec.body["messages"],
        json!([{"role": "user", "content": "go"}])
    );
    assert_eq!(
        rec.body["tools"][0]["input_schema"]["required"],
        json!(["command"])
    );
    assert_eq!(rec.body["tool_choice"], json!({"type": "auto"}));
}

#[test]
fn anthropic_structured_output_is_a_forced_tool() {
    let stub = Stub::replies(vec![Reply::json(
        200,
        anthropic_message(None, Some(("verdict", json!({"score": 0.25})))),
    )]);
    let client = LlmClient::new(fast(
        LlmConfig::anthropic("claude-test", "k-1234").with_base_url(stub.base()),
    ))
    .unwrap();
    let r = client.chat(&json_request()).unwrap();
    assert_eq!(r.json("verdict").unwrap(), json!({"score": 0.25}));
    let body = &stub.requests()[0].body;
    assert_eq!(
        body["tool_choice"],
        json!({"type": "tool", "name": "verdict"})
    );
    assert_eq!(body["tools"][0]["name"], "verdict");
}

#[test]
fn hugging_face_uses_the_router_format_with_its_token() {
    let stub = Stub::replies(vec![Reply::json(200, openai_text("ok"))]);
    let c = fast(
        LlmConfig::hugging_face("meta-llama/Llama-3.1-8B-Instruct", "hf_token_abcdef")
            .with_base_url(stub.v1()),
    );
    assert_eq!(c.backend, Backend::HuggingFace);
    LlmClient::new(c)
        .unwrap()
        .chat(&ChatRequest::new("s", "u"))
        .unwrap();
    let rec = &stub.requests()[0];
    assert_eq!(rec.path, "/v1/chat/completions");
    assert_eq!(rec.headers["authorization"], "Bearer hf_token_abcdef");
    assert_eq!(rec.body["model"], "meta-llama/Llama-3.1-8B-Instruct");
}

#[test]
fn client_errors_are_reported_with_the_servers_message_and_not_retried() {
    let stub = Stub::replies(vec![Reply::json(
        404,
        json!({"error": {"message": "The model `nope` does not exist", "type": "invalid_request_error", "code": "model_not_found"}}),
    )]);
    let client = openai(&stub);
    let e = client.chat(&ChatRequest::new("s", "u")).unwrap_err();
    assert_eq!(
        e,
        LlmError::Http {
            status: 404,
            message: "The model `nope` does not exist".into()
        }
    );
    assert_eq!(stub.requests().len(), 1);
    assert_eq!(client.totals().failures, 1);

    let stub = Stub::replies(vec![Reply::json(
        400,
        json!({"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: must be positive"}}),
    )]);
    let client = LlmClient::new(fast(
        LlmConfig::anthropic("c", "k-1234").with_base_url(stub.base()),
    ))
    .unwrap();
    let e = client
        .chat(&ChatRequest::new("s", "u"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("HTTP 400") && e.contains("max_tokens: must be positive"),
        "{e}"
    );
}

#[test]
fn a_429_with_retry_after_is_waited_for_then_retried() {
    let stub = Stub::replies(vec![
        Reply::json(
            429,
            json!({"error": {"message": "Rate limit reached", "type": "rate_limit_error"}}),
        )
        .header("retry-after", "1"),
        Reply::json(200, openai_text("fine")),
    ]);
    let client = openai(&stub);
    let start = Instant::now();
    let r = client.chat(&ChatRequest::new("s", "u")).unwrap();
    let waited = start.elapsed();
    assert_eq!(r.text, "fine");
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    assert_eq!(stub.requests().len(), 2);
    let t = client.totals();
    assert_eq!((t.calls, t.retries, t.failures), (1, 1, 0));
}

#[test]
fn anthropic_overload_is_retried_with_back_off_until_the_retries_run_out() {
    let stub = Stub::replies(vec![Reply::json(
        529,
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    )]);
    let mut c = fast(LlmConfig::anthropic("c", "k-1234").with_base_url(stub.base()));
    c.max_retries = 2;
    let client = LlmClient::new(c).unwrap();
    let e = client.chat(&ChatRequest::new("s", "u")).unwrap_err();
    assert_eq!(
        e,
        LlmError::Http {
            status: 529,
            message: "Overloaded".into()
        }
    );
    assert_eq!(stub.requests().len(), 3);
}

#[test]
fn a_retry_after_beyond_the_limit_is_not_waited_for() {
    let stub = Stub::replies(vec![
        Reply::json(429, json!({"error": {"message": "quota"}})).header("retry-after", "3600"),
    ]);
    let client = openai(&stub);
    let start = Instant::now();
    let e = client.chat(&ChatRequest::new("s", "u")).unwrap_err();
    assert_eq!(
        e,
        LlmError::RateLimited {
            retry_after: Duration::from_secs(3600)
        }
    );
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn malformed_replies_are_errors_not_panics() {
    for body in [
        "{not json",
        "",
        "[]",
        r#"{"choices": []}"#,
        r#"{"choices": [{"message": {"tool_calls": [{"function": {"name": "kubectl", "arguments": "{broken"}}]}}]}"#,
    ] {
        let stub = Stub::replies(vec![Reply::raw(200, body)]);
        let e = openai(&stub).chat(&ChatRequest::new("s", "u")).unwrap_err();
        assert!(matches!(e, LlmError::Malformed(_)), "{body}: {e:?}");
    }
    let stub = Stub::replies(vec![Reply::raw(200, r#"{"content": "not blocks"}"#)]);
    let client = LlmClient::new(fast(
        LlmConfig::anthropic("c", "k-1234").with_base_url(stub.base()),
    ))
    .unwrap();
    assert!(matches!(
        client.chat(&ChatRequest::new("s", "u")),
        Err(LlmError::Malformed(_))
    ));
    // A well-formed reply whose text holds no JSON.
    let stub = Stub::replies(vec![Reply::json(
        200,
        openai_text("I think it scored well."),
    )]);
    let r = openai(&stub).chat(&json_request()).unwrap();
    assert!(matches!(r.json("verdict"), Err(LlmError::Malformed(_))));
}

#[test]
fn a_slow_reply_past_the_timeout_is_a_timeout() {
    let stub = Stub::replies(vec![
        Reply::json(200, openai_text("late")).after(Duration::from_secs(3)),
    ]);
    let mut c = fast(LlmConfig::openai_compatible(stub.v1(), "m"));
    c.timeout = Duration::from_millis(300);
    let client = LlmClient::new(c).unwrap();
    let start = Instant::now();
    let e = client.chat(&ChatRequest::new("s", "u")).unwrap_err();
    assert_eq!(e, LlmError::Timeout(Duration::from_millis(300)));
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // Not retried: the timeout already took its time.
    assert_eq!(stub.requests().len(), 1);
}

#[test]
fn a_dead_server_fails_fast_and_then_trips_the_breaker() {
    // A port that was bound and released: nothing listens there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut c = fast(LlmConfig::openai_compatible(
        format!("http://{addr}/v1"),
        "m",
    ));
    c.max_retries = 1;
    c.breaker_threshold = 2;
    c.breaker_cooldown = Duration::from_secs(60);
    let client = LlmClient::new(c).unwrap();
    for _ in 0..2 {
        let e = client.chat(&ChatRequest::new("s", "u")).unwrap_err();
        assert!(matches!(e, LlmError::Connect(_)), "{e:?}");
    }
    let start = Instant::now();
    let e = client.chat(&ChatRequest::new("s", "u")).unwrap_err();
    assert!(
        matches!(e, LlmError::CircuitOpen { failures: 2, .. }),
        "{e:?}"
    );
    assert!(start.elapsed() < Duration::from_millis(50));
    assert_eq!(client.totals().failures, 3);
}

#[test]
fn api_keys_never_reach_errors_or_debug_output() {
    let key = "sk-live-THIS-MUST-NOT-LEAK-0123456789";
    // A server that echoes the key, as some do in 401 bodies.
    let stub = Stub::start(move |_, req| {
        let auth = req
            .headers
            .get("authorization")
            .cloned()
            .unwrap_or_default();
        Reply::json(
            401,
            json!({"error": {"message": format!("Incorrect API key provided: {auth}")}}),
        )
    });
    let client = LlmClient::new(fast(
        LlmConfig::openai_compatible(stub.v1(), "m").with_api_key(key),
    ))
    .unwrap();
    let e = client.chat(&ChatRequest::new("s", "u")).unwrap_err();
    for shown in [
        e.to_string(),
        format!("{e:?}"),
        format!("{client:?}"),
        format!("{:?}", client.config()),
    ] {
        assert!(!shown.contains(key), "{shown}");
        assert!(!shown.contains("MUST-NOT-LEAK"), "{shown}");
    }
    assert!(e.to_string().contains("[redacted]"), "{e}");
    // The key did go to the server, in the header.
    assert_eq!(
        stub.requests()[0].headers["authorization"],
        format!("Bearer {key}")
    );

    let stub = Stub::start(move |_, req| {
        let k = req.headers.get("x-api-key").cloned().unwrap_or_default();
        Reply::json(
            401,
            json!({"type": "error", "error": {"type": "authentication_error", "message": format!("invalid x-api-key {k}")}}),
        )
    });
    let client = LlmClient::new(fast(
        LlmConfig::anthropic("c", key).with_base_url(stub.base()),
    ))
    .unwrap();
    let e = client.chat(&ChatRequest::new("s", "u")).unwrap_err();
    assert!(!format!("{e} {e:?} {client:?}").contains(key));
}

#[test]
fn tokens_and_cost_are_totalled_by_the_price_table() {
    let stub = Stub::replies(vec![Reply::json(200, openai_text("a"))]);
    let mut c = fast(LlmConfig::openai_compatible(stub.v1(), "test-model"));
    c.prices = PriceTable::default().with(
        "test-",
        Price {
            input_per_mtok: 2.0,
            output_per_mtok: 10.0,
        },
    );
    let client = LlmClient::new(c).unwrap();
    for _ in 0..3 {
        client.chat(&ChatRequest::new("s", "u")).unwrap();
    }
    let t = client.totals();
    assert_eq!((t.calls, t.input_tokens, t.output_tokens), (3, 300, 60));
    // 300 * 2 / 1e6 + 60 * 10 / 1e6
    assert!((t.cost_usd - 0.0012).abs() < 1e-12, "{}", t.cost_usd);
}

#[test]
fn the_client_works_from_inside_an_async_runtime() {
    let stub = Stub::replies(vec![Reply::json(200, openai_text("ok"))]);
    let url = stub.v1();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let text = rt.block_on(async move {
        // Built and dropped on a runtime thread: no nested-runtime panic.
        let client = LlmClient::new(LlmConfig::openai_compatible(url, "m")).unwrap();
        client.chat(&ChatRequest::new("s", "u")).unwrap().text
    });
    assert_eq!(text, "ok");
}
