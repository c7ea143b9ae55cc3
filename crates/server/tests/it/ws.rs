//! `/ws` over a real socket: frames, every error code, capacity, isolation, limits, timeouts.

use crate::common;

use std::time::Duration;

use common::{call, close_code, config, connect, next, recv, send, start};
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

const OBSERVATION_FIELDS: [&str; 7] = [
    "active_alerts",
    "cluster_status_summary",
    "command_output",
    "hint",
    "max_steps",
    "metadata",
    "steps_taken",
];

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

#[tokio::test]
async fn an_episode_runs_reset_step_state_close() {
    let server = start(config()).await;
    let mut ws = connect(&server.url(), &[]).await.expect("connect");

    let reset = call(
        &mut ws,
        r#"{"type":"reset","data":{"seed":7,"episode_id":"ep-1"}}"#,
    )
    .await;
    assert_eq!(reset["type"], "observation");
    let data = &reset["data"];
    assert_eq!(keys(data), ["done", "metadata", "observation", "reward"]);
    assert_eq!(keys(&data["observation"]), OBSERVATION_FIELDS);
    assert_eq!(data["done"], false);
    assert!(data["reward"].is_number());
    assert_eq!(data["observation"]["steps_taken"], 0);
    assert!(
        data["observation"]["command_output"]
            .as_str()
            .expect("text")
            .starts_with("PAGERDUTY ALERT")
    );
    assert_eq!(data["metadata"]["episode_id"], "ep-1");

    let step = call(
        &mut ws,
        r#"{"type":"step","data":{"command":"kubectl get pods -A"}}"#,
    )
    .await;
    assert_eq!(step["type"], "observation");
    assert_eq!(step["data"]["observation"]["steps_taken"], 1);
    assert!(
        step["data"]["observation"]["command_output"]
            .as_str()
            .expect("text")
            .contains("NAMESPACE")
    );

    let state = call(&mut ws, r#"{"type":"state"}"#).await;
    assert_eq!(state["type"], "state");
    assert_eq!(state["data"]["episode_id"], "ep-1");
    assert_eq!(state["data"]["step_count"], 1);

    send(&mut ws, r#"{"type":"close"}"#).await;
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Normal));
    assert!(next(&mut ws).await.is_none(), "nothing after the close");
    // The slot is freed.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.state.active_sessions(), 0);
    server.stop().await;
}

#[tokio::test]
async fn every_per_message_error_has_the_reference_body_and_keeps_the_connection() {
    let server = start(config()).await;
    let mut ws = connect(&server.url(), &[]).await.expect("connect");

    let e = call(&mut ws, "not json").await;
    assert_eq!(
        e,
        json!({"type":"error","data":{"message":"Invalid JSON: Expecting value: line 1 column 1 (char 0)","code":"INVALID_JSON"}})
    );
    let e = call(&mut ws, r#"{"type":"nope"}"#).await;
    assert_eq!(
        e,
        json!({"type":"error","data":{"message":"Unknown message type: nope","code":"UNKNOWN_TYPE"}})
    );
    let e = call(&mut ws, r#"{"data":{}}"#).await;
    assert_eq!(e["data"]["message"], "Unknown message type: ");
    assert_eq!(e["data"]["code"], "UNKNOWN_TYPE");

    // Step before reset: the environment refuses it; no implicit reset.
    let e = call(
        &mut ws,
        r#"{"type":"step","data":{"command":"kubectl get pods"}}"#,
    )
    .await;
    assert_eq!(e["data"]["code"], "EXECUTION_ERROR");
    assert_eq!(
        e["data"]["message"],
        "no episode is running: call reset first"
    );

    // A bad action: pydantic's error for `command: str = Field(min_length=1)`.
    let e = call(&mut ws, r#"{"type":"step","data":{"command":""}}"#).await;
    assert_eq!(e["data"]["code"], "VALIDATION_ERROR");
    assert_eq!(e["data"]["message"], "Invalid message");
    let err = &e["data"]["errors"][0];
    assert_eq!(err["type"], "string_too_short");
    assert_eq!(err["loc"], json!(["command"]));
    assert_eq!(err["input"], "");
    assert_eq!(err["ctx"], json!({"min_length": 1}));
    assert!(
        err["url"]
            .as_str()
            .expect("url")
            .contains("string_too_short")
    );

    // The original's field is `command`: `message` is an extra key and `command` is missing.
    let e = call(&mut ws, r#"{"type":"step","data":{"message":"hi"}}"#).await;
    let types: Vec<&str> = e["data"]["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|x| x["type"].as_str().expect("type"))
        .collect();
    assert_eq!(types, ["missing", "extra_forbidden"]);

    // A step without data, an extra top-level key, data on state: all validation errors.
    for bad in [
        r#"{"type":"step"}"#,
        r#"{"type":"reset","data":{},"extra":1}"#,
        r#"{"type":"state","data":{}}"#,
        r#"{"type":"reset","data":5}"#,
    ] {
        let e = call(&mut ws, bad).await;
        assert_eq!(e["data"]["code"], "VALIDATION_ERROR", "{bad}: {e}");
    }
    let e = call(&mut ws, r#"{"type":"step"}"#).await;
    assert_eq!(e["data"]["errors"][0]["type"], "missing");
    assert_eq!(e["data"]["errors"][0]["loc"], json!(["data"]));

    // Bad reset options reach the environment, which refuses them.
    let e = call(
        &mut ws,
        r#"{"type":"reset","data":{"difficulty":"legendary"}}"#,
    )
    .await;
    assert_eq!(e["data"]["code"], "EXECUTION_ERROR");
    assert!(
        e["data"]["message"]
            .as_str()
            .expect("msg")
            .contains("unknown tier")
    );

    // Binary frames are read as text; JSON that is not an object is a validation error.
    ws.send(Message::Binary(vec![0xff, 0xfe].into()))
        .await
        .expect("send");
    assert_eq!(recv(&mut ws).await["data"]["code"], "INVALID_JSON");
    ws.send(Message::Binary(br#"{"type":"state"}"#.to_vec().into()))
        .await
        .expect("send");
    assert_eq!(recv(&mut ws).await["type"], "state");
    let e = call(&mut ws, "[1, 2]").await;
    assert_eq!(e["data"]["code"], "VALIDATION_ERROR");
    let e = call(&mut ws, r#"{"type": 5}"#).await;
    assert_eq!(e["data"]["message"], "Unknown message type: 5");

    // Still open, still usable.
    let r = call(&mut ws, r#"{"type":"reset"}"#).await;
    assert_eq!(r["type"], "observation");
    let s = call(&mut ws, r#"{"type":"state"}"#).await;
    assert_eq!(s["data"]["step_count"], 0);
    server.stop().await;
}

#[tokio::test]
async fn a_connection_past_capacity_is_refused_then_closed_normally() {
    let mut c = config();
    c.max_sessions = 2;
    let server = start(c).await;
    let mut a = connect(&server.url(), &[]).await.expect("a");
    let mut b = connect(&server.url(), &[]).await.expect("b");
    // Both hold their slots once they answer.
    call(&mut a, r#"{"type":"state"}"#).await;
    call(&mut b, r#"{"type":"state"}"#).await;

    let mut refused = connect(&server.url(), &[])
        .await
        .expect("the upgrade is accepted");
    let e = recv(&mut refused).await;
    assert_eq!(
        e,
        json!({"type":"error","data":{
            "message":"Server at capacity: 2/2 sessions active. Cannot accept new connections.",
            "code":"CAPACITY_REACHED","active_sessions":2,"max_sessions":2}})
    );
    assert_eq!(close_code(&mut refused).await, Some(CloseCode::Normal));

    // A slot frees as soon as a session closes.
    send(&mut a, r#"{"type":"close"}"#).await;
    close_code(&mut a).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut c = connect(&server.url(), &[]).await.expect("c");
    let s = call(&mut c, r#"{"type":"state"}"#).await;
    assert_eq!(s["type"], "state");
    server.stop().await;
}

#[tokio::test]
async fn sessions_are_isolated() {
    let server = start(config()).await;
    let mut a = connect(&server.url(), &[]).await.expect("a");
    let mut b = connect(&server.url(), &[]).await.expect("b");
    call(
        &mut a,
        r#"{"type":"reset","data":{"episode_id":"A","seed":1}}"#,
    )
    .await;
    call(
        &mut b,
        r#"{"type":"reset","data":{"episode_id":"B","seed":2}}"#,
    )
    .await;
    for _ in 0..3 {
        call(
            &mut a,
            r#"{"type":"step","data":{"command":"kubectl get pods -A"}}"#,
        )
        .await;
    }
    let sa = call(&mut a, r#"{"type":"state"}"#).await;
    let sb = call(&mut b, r#"{"type":"state"}"#).await;
    assert_eq!(
        (&sa["data"]["episode_id"], &sa["data"]["step_count"]),
        (&json!("A"), &json!(3))
    );
    assert_eq!(
        (&sb["data"]["episode_id"], &sb["data"]["step_count"]),
        (&json!("B"), &json!(0))
    );
    server.stop().await;
}

#[tokio::test]
async fn pings_are_answered() {
    let server = start(config()).await;
    let mut ws = connect(&server.url(), &[]).await.expect("connect");
    ws.send(Message::Ping(b"hi".to_vec().into()))
        .await
        .expect("ping");
    let pong = tokio::time::timeout(
        Duration::from_secs(5),
        futures_util::StreamExt::next(&mut ws),
    )
    .await
    .expect("in time");
    match pong {
        Some(Ok(Message::Pong(p))) => assert_eq!(&p[..], b"hi"),
        other => panic!("expected a pong, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn a_message_over_the_limit_closes_with_1009() {
    let mut c = config();
    c.max_request_bytes = 4096;
    let server = start(c).await;
    let mut ws = connect(&server.url(), &[]).await.expect("connect");
    let big = format!(
        r#"{{"type":"step","data":{{"command":"{}"}}}}"#,
        "x".repeat(10_000)
    );
    send(&mut ws, &big).await;
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Size));
    server.stop().await;
}

#[tokio::test]
async fn an_idle_connection_is_closed_with_a_session_error() {
    let mut c = config();
    c.idle_timeout = Some(Duration::from_millis(300));
    let server = start(c).await;
    let mut ws = connect(&server.url(), &[]).await.expect("connect");
    call(&mut ws, r#"{"type":"state"}"#).await;
    let e = recv(&mut ws).await;
    assert_eq!(e["data"]["code"], "SESSION_ERROR");
    assert!(
        e["data"]["message"]
            .as_str()
            .expect("msg")
            .contains("without a request")
    );
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Normal));
    server.stop().await;
}

#[tokio::test]
async fn shutdown_closes_open_connections_and_returns() {
    let server = start(config()).await;
    let mut ws = connect(&server.url(), &[]).await.expect("connect");
    call(&mut ws, r#"{"type":"reset"}"#).await;
    let url = server.url();
    let state = server.state.clone();
    // The server returns only after its connections have said goodbye.
    server.stop().await;
    assert_eq!(state.active_sessions(), 0);
    let e = recv(&mut ws).await;
    assert_eq!(e["data"]["code"], "SESSION_ERROR");
    assert_eq!(e["data"]["message"], "Server shutting down");
    assert_eq!(close_code(&mut ws).await, Some(CloseCode::Away));
    assert!(connect(&url, &[]).await.is_err(), "no longer listening");
}

#[tokio::test]
async fn the_api_key_guards_the_socket() {
    let mut c = config();
    c.api_key = Some("s3cret".into());
    let server = start(c).await;
    assert!(
        connect(&server.url(), &[]).await.is_err(),
        "refused without the key"
    );
    assert!(
        connect(&server.url(), &[("authorization", "Bearer wrong")])
            .await
            .is_err()
    );
    let mut ws = connect(&server.url(), &[("authorization", "Bearer s3cret")])
        .await
        .expect("accepted with the key");
    assert_eq!(call(&mut ws, r#"{"type":"state"}"#).await["type"], "state");
    let mut ws = connect(&server.url(), &[("cookie", "ksg_api_key=s3cret")])
        .await
        .expect("accepted with the cookie");
    assert_eq!(call(&mut ws, r#"{"type":"state"}"#).await["type"], "state");
    server.stop().await;
}

#[tokio::test]
async fn ground_truth_never_reaches_the_client() {
    let server = start(config()).await;
    let mut ws = connect(&server.url(), &[]).await.expect("connect");
    let id: gym::IncidentId = "intermediate-900004".parse().expect("id");
    let faults: Vec<String> = id.spec().faults.iter().map(|f| f.to_string()).collect();
    assert!(!faults.is_empty());
    let mut seen = vec![
        call(
            &mut ws,
            r#"{"type":"reset","data":{"incident":"intermediate-900004"}}"#,
        )
        .await,
        call(
            &mut ws,
            r#"{"type":"step","data":{"command":"kubectl get pods -A"}}"#,
        )
        .await,
        call(&mut ws, r#"{"type":"state"}"#).await,
    ];
    seen.push(
        call(
            &mut ws,
            r#"{"type":"step","data":{"command":"diagnose: something"}}"#,
        )
        .await,
    );
    for frame in &seen {
        let text = frame.to_string();
        for f in &faults {
            assert!(!text.contains(f.as_str()), "{f} leaked in {text}");
        }
        for key in ["root_cause", "correct_fix", "ground_truth"] {
            assert!(!text.contains(key), "{key} in {text}");
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn mcp_frames_and_mcp_step_actions_run_the_kubectl_tool() {
    let server = start(config()).await;
    let mut ws = connect(&server.url(), &[]).await.expect("connect");
    let list = call(
        &mut ws,
        r#"{"type":"mcp","data":{"jsonrpc":"2.0","method":"tools/list","params":{},"id":1}}"#,
    )
    .await;
    assert_eq!(list["type"], "mcp");
    assert_eq!(list["data"]["id"], 1);
    assert_eq!(list["data"]["result"]["tools"][0]["name"], "kubectl");

    let bogus = call(
        &mut ws,
        r#"{"type":"mcp","data":{"jsonrpc":"2.0","method":"bogus","id":2}}"#,
    )
    .await;
    assert_eq!(bogus["data"]["error"]["code"], -32601);
    assert_eq!(bogus["data"]["error"]["message"], "Method not found: bogus");

    call(&mut ws, r#"{"type":"reset","data":{"seed":3}}"#).await;
    let called = call(
        &mut ws,
        r#"{"type":"mcp","data":{"jsonrpc":"2.0","method":"tools/call","params":{"name":"kubectl","arguments":{"command":"get pods -A"}},"id":3}}"#,
    )
    .await;
    let result = &called["data"]["result"];
    assert_eq!(result["isError"], false);
    assert!(
        result["content"][0]["text"]
            .as_str()
            .expect("text")
            .contains("NAMESPACE")
    );
    assert_eq!(result["structuredContent"]["steps_taken"], 1);

    let tools = call(&mut ws, r#"{"type":"step","data":{"type":"list_tools"}}"#).await;
    assert_eq!(tools["data"]["observation"]["tools"][0]["name"], "kubectl");
    let out = call(
        &mut ws,
        r#"{"type":"step","data":{"type":"call_tool","tool_name":"kubectl","arguments":{"command":"kubectl get nodes"}}}"#,
    )
    .await;
    assert_eq!(out["data"]["observation"]["tool_name"], "kubectl");
    assert_eq!(out["data"]["observation"]["error"], Value::Null);
    assert!(
        out["data"]["observation"]["result"]["data"]
            .as_str()
            .expect("data")
            .contains("Ready")
    );
    assert!(out["data"]["reward"].is_number());
    let missing = call(
        &mut ws,
        r#"{"type":"step","data":{"type":"call_tool","tool_name":"nope","arguments":{}}}"#,
    )
    .await;
    assert_eq!(
        missing["data"]["observation"]["error"],
        json!({"error_type":"tool_not_found","message":"Unknown tool: 'nope'"})
    );
    let state = call(&mut ws, r#"{"type":"state"}"#).await;
    assert_eq!(state["data"]["step_count"], 2);
    server.stop().await;
}

#[tokio::test]
async fn a_step_after_the_episode_ends_is_refused() {
    let server = start(config()).await;
    let mut ws = connect(&server.url(), &[]).await.expect("connect");
    call(
        &mut ws,
        r#"{"type":"reset","data":{"seed":1,"max_steps":1}}"#,
    )
    .await;
    let last = call(
        &mut ws,
        r#"{"type":"step","data":{"command":"kubectl get pods -A"}}"#,
    )
    .await;
    assert_eq!(last["data"]["done"], true);
    assert_eq!(last["data"]["metadata"]["truncated"], true);
    let e = call(
        &mut ws,
        r#"{"type":"step","data":{"command":"kubectl get pods -A"}}"#,
    )
    .await;
    assert_eq!(e["data"]["code"], "EXECUTION_ERROR");
    assert!(
        e["data"]["message"]
            .as_str()
            .expect("msg")
            .contains("is done")
    );
    server.stop().await;
}
