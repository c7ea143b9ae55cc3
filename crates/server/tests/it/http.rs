//! The HTTP routes in process (tower `oneshot`).

use crate::common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{config, get, post, request, state};
use serde_json::json;

const SID: &str = "x-session-id";

#[tokio::test]
async fn health_metadata_schema_and_openapi_satisfy_openenv_validate() {
    let s = state(config());
    let r = get(&s, "/health").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "healthy"}));

    let m = get(&s, "/metadata").await.json();
    assert_eq!(m["name"], "kube_sre_gym");
    assert!(m["description"].is_string());

    let schema = get(&s, "/schema").await.json();
    for k in ["action", "observation", "state"] {
        assert!(schema[k].is_object(), "{k}");
    }
    assert_eq!(schema["action"]["required"], json!(["command"]));
    assert_eq!(schema["action"]["additionalProperties"], false);
    for field in ["done", "reward", "metadata", "command_output", "hint"] {
        assert!(
            schema["observation"]["properties"][field].is_object(),
            "{field}"
        );
    }

    let api = get(&s, "/openapi.json").await.json();
    assert_eq!(api["info"]["version"], "1.0.0");
    for path in ["/reset", "/step", "/state"] {
        assert!(api["paths"][path].is_object(), "{path}");
    }

    let mcp = post(&s, "/mcp", "{}").await;
    assert_eq!(mcp.status, StatusCode::OK);
    assert_eq!(mcp.json()["jsonrpc"], "2.0");
    assert_eq!(mcp.json()["error"]["code"], -32600);
}

#[tokio::test]
async fn the_schema_lists_every_field_an_observation_carries() {
    let s = state(config());
    let schema = get(&s, "/schema").await.json();
    let obs = post(&s, "/reset", r#"{"seed": 1}"#).await.json();
    for key in obs["observation"].as_object().expect("object").keys() {
        assert!(
            schema["observation"]["properties"][key].is_object(),
            "{key} is not in the observation schema"
        );
    }
    let st = get(&s, "/state").await.json();
    for key in st.as_object().expect("object").keys() {
        assert!(schema["state"]["properties"][key].is_object(), "{key}");
    }
}

#[tokio::test]
async fn http_routes_are_stateless_without_the_session_header() {
    let s = state(config());
    let r = post(&s, "/reset", "").await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    assert_eq!(body["done"], false);
    assert!(body["observation"]["command_output"].is_string());
    // A fresh environment each time: the step has no episode to run in.
    let r = post(&s, "/step", r#"{"action":{"command":"kubectl get pods"}}"#).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.text(), "no episode is running: call reset first");
    // OpenEnv's MCP actions work over HTTP too.
    let r = post(&s, "/step", r#"{"action":{"type":"list_tools"}}"#).await;
    assert_eq!(r.json()["observation"]["tools"][0]["name"], "kubectl");
    let st = get(&s, "/state").await.json();
    assert_eq!(st["episode_id"], serde_json::Value::Null);
    assert_eq!(st["step_count"], 0);
    assert_eq!(s.active_sessions(), 0);
}

#[tokio::test]
async fn reset_and_step_bodies_are_validated_like_fastapi() {
    let s = state(config());
    let r = post(&s, "/reset", r#"{"seed": -1}"#).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json(),
        json!({"detail":[{"type":"greater_than_equal","loc":["body","seed"],"msg":"Input should be greater than or equal to 0","input":-1,"ctx":{"ge":0}}]})
    );
    let r = post(
        &s,
        "/reset",
        &format!(r#"{{"episode_id": "{}"}}"#, "e".repeat(300)),
    )
    .await;
    assert_eq!(r.json()["detail"][0]["type"], "string_too_long");
    let r = post(&s, "/reset", "{nope").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["detail"][0]["type"], "json_invalid");
    let r = post(&s, "/reset", r#"{"difficulty": "legendary"}"#).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["detail"][0]["loc"], json!(["body", "difficulty"]));

    let r = post(&s, "/step", "{}").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let d = r.json();
    assert_eq!(d["detail"][0]["type"], "missing");
    assert_eq!(d["detail"][0]["loc"], json!(["body", "action"]));
    let r = post(&s, "/step", r#"{"action":{"message":"hi"}}"#).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let d = r.json();
    assert_eq!(d["detail"][1]["type"], "extra_forbidden");
    assert_eq!(d["detail"][1]["loc"], json!(["message"]));
    let r = post(
        &s,
        "/step",
        r#"{"action":{"command":"kubectl get pods"},"timeout_s":0}"#,
    )
    .await;
    assert_eq!(r.json()["detail"][0]["type"], "greater_than");
}

#[tokio::test]
async fn the_session_header_binds_http_calls_to_one_session() {
    let mut c = config();
    c.max_sessions = 2;
    let s = state(c);
    let h = [(SID, "run-1"), ("content-type", "application/json")];
    let r = request(
        &s,
        Method::POST,
        "/reset",
        &h,
        r#"{"seed": 4, "episode_id": "e4"}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[SID], "run-1");
    assert_eq!(s.active_sessions(), 1);
    for _ in 0..2 {
        let r = request(
            &s,
            Method::POST,
            "/step",
            &h,
            r#"{"action":{"command":"kubectl get pods -A"}}"#,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    let st = request(&s, Method::GET, "/state", &h, Body::empty())
        .await
        .json();
    assert_eq!(st["episode_id"], "e4");
    assert_eq!(st["step_count"], 2);

    // Another id is another session; an unknown one is a 404.
    let other = [(SID, "run-2")];
    let st = request(&s, Method::GET, "/state", &other, Body::empty()).await;
    assert_eq!(st.status, StatusCode::NOT_FOUND);
    request(&s, Method::POST, "/reset", &other, "").await;
    // Capacity covers bound sessions.
    let r = request(&s, Method::POST, "/reset", &[(SID, "run-3")], "").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["code"], "CAPACITY_REACHED");

    let r = request(&s, Method::DELETE, "/session", &h, Body::empty()).await;
    assert_eq!(r.json(), json!({"session_id": "run-1", "closed": true}));
    assert_eq!(s.active_sessions(), 1);
    let r = request(
        &s,
        Method::POST,
        "/step",
        &h,
        r#"{"action":{"command":"kubectl get pods"}}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = request(&s, Method::POST, "/reset", &[(SID, "bad id")], "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn idle_bound_sessions_are_reaped() {
    let mut c = config();
    c.idle_timeout = Some(Duration::from_millis(200));
    let s = state(c);
    request(&s, Method::POST, "/reset", &[(SID, "idle")], "").await;
    assert_eq!(s.active_sessions(), 1);
    assert_eq!(s.reap_idle().await, 0, "not idle yet");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(s.reap_idle().await, 1);
    assert_eq!(s.active_sessions(), 0);
    let r = request(&s, Method::GET, "/state", &[(SID, "idle")], Body::empty()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_api_key_guards_every_route_but_health() {
    let mut c = config();
    c.api_key = Some("k3y".into());
    let s = state(c);
    assert_eq!(get(&s, "/health").await.status, StatusCode::OK);
    for uri in [
        "/state",
        "/metadata",
        "/schema",
        "/openapi.json",
        "/metrics",
        "/web/state",
        "/web/incidents",
    ] {
        let r = get(&s, uri).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(r.headers["www-authenticate"], "Bearer");
        let r = request(
            &s,
            Method::GET,
            uri,
            &[("authorization", "Bearer k3y")],
            Body::empty(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        let r = request(
            &s,
            Method::GET,
            uri,
            &[("authorization", "Bearer nope")],
            Body::empty(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{uri}");
    }
    assert_eq!(
        post(&s, "/reset", "").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&s, "/mcp", "{}").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let mut c = config();
    c.max_request_bytes = 1024;
    let s = state(c);
    let big = format!(r#"{{"action":{{"command":"{}"}}}}"#, "x".repeat(4096));
    let r = post(&s, "/step", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        r.json()["detail"]
            .as_str()
            .expect("detail")
            .contains("1024")
    );
    assert_eq!(
        post(&s, "/mcp", &big).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn mcp_json_rpc_over_http() {
    let s = state(config());
    let r = post(&s, "/mcp", "nope").await;
    assert_eq!(
        r.json(),
        json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error","data":null}})
    );
    let init = post(&s, "/mcp", r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26"}}"#).await.json();
    assert_eq!(init["result"]["protocolVersion"], "2025-03-26");
    assert_eq!(init["result"]["serverInfo"]["name"], "kube_sre_gym");
    let note = post(
        &s,
        "/mcp",
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
    )
    .await;
    assert_eq!(note.status, StatusCode::ACCEPTED);
    let tools = post(
        &s,
        "/mcp",
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
    )
    .await
    .json();
    assert_eq!(tools["result"]["tools"][0]["name"], "kubectl");
    assert!(tools["result"]["tools"][0]["inputSchema"].is_object());
    let r = post(&s, "/mcp", r#"{"jsonrpc":"2.0","id":3,"method":"bogus"}"#)
        .await
        .json();
    assert_eq!(r["error"]["message"], "Method not found: bogus");

    // A session made over MCP starts its episode (MCP has no reset); steps go through tools/call.
    let created = post(
        &s,
        "/mcp",
        r#"{"jsonrpc":"2.0","id":4,"method":"openenv/session/create","params":{"seed":2,"episode_id":"mcp-e"}}"#,
    )
    .await
    .json();
    let sid = created["result"]["session_id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        created["result"]["reset"]["metadata"]["episode_id"],
        "mcp-e"
    );
    assert_eq!(s.active_sessions(), 1);
    let bad = post(
        &s,
        "/mcp",
        r#"{"jsonrpc":"2.0","id":9,"method":"openenv/session/create","params":{"difficulty":"legendary"}}"#,
    )
    .await
    .json();
    assert_eq!(bad["error"]["code"], -32602);
    assert_eq!(s.active_sessions(), 1, "a refused create holds no slot");
    let call = format!(
        r#"{{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{{"name":"kubectl","arguments":{{"command":"get pods -A"}},"session_id":"{sid}"}}}}"#
    );
    let out = post(&s, "/mcp", &call).await.json();
    assert_eq!(out["result"]["isError"], false);
    assert_eq!(out["result"]["structuredContent"]["steps_taken"], 1);
    // The same session over HTTP with the header.
    let st = request(
        &s,
        Method::GET,
        "/state",
        &[(SID, sid.as_str())],
        Body::empty(),
    )
    .await
    .json();
    assert_eq!(st["episode_id"], "mcp-e");
    assert_eq!(st["step_count"], 1);
    assert!(
        out["result"]["data"]
            .as_str()
            .expect("data")
            .contains("NAMESPACE")
    );
    // Without a session the call runs on a temporary one, which has no episode.
    let out = post(&s, "/mcp", r#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"kubectl","arguments":{"command":"get pods"}}}"#).await.json();
    assert_eq!(out["result"]["isError"], true);
    let out = post(&s, "/mcp", r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"kubectl","arguments":{"command":"get pods"},"session_id":"nope"}}"#).await.json();
    assert_eq!(out["error"]["code"], -32602);
    let close = format!(
        r#"{{"jsonrpc":"2.0","id":8,"method":"openenv/session/close","params":{{"session_id":"{sid}"}}}}"#
    );
    let out = post(&s, "/mcp", &close).await.json();
    assert_eq!(out["result"], json!({"session_id": sid, "closed": true}));
    assert_eq!(s.active_sessions(), 0);
}

#[tokio::test]
async fn metrics_count_resets_steps_and_errors() {
    let s = state(config());
    let h = [(SID, "m")];
    request(
        &s,
        Method::POST,
        "/reset",
        &h,
        r#"{"seed": 5, "max_steps": 2}"#,
    )
    .await;
    for _ in 0..2 {
        request(
            &s,
            Method::POST,
            "/step",
            &h,
            r#"{"action":{"command":"kubectl get pods -A"}}"#,
        )
        .await;
    }
    let text = get(&s, "/metrics").await.text();
    for line in [
        "kube_sre_gym_resets_total 1",
        "kube_sre_gym_steps_total 2",
        "kube_sre_gym_sessions_active 1",
        "kube_sre_gym_step_duration_seconds_count 2",
        "kube_sre_gym_reset_duration_seconds_count 1",
        "kube_sre_gym_episodes_ended_total{outcome=\"truncated\"} 1",
        "kube_sre_gym_resolutions_total 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }
}

#[tokio::test]
async fn the_web_page_and_its_json_routes() {
    let s = state(config());
    let page = get(&s, "/web").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.headers["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/html")
    );
    assert_eq!(get(&s, "/web/").await.status, StatusCode::OK);
    let root = get(&s, "/").await;
    assert_eq!(root.status, StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(root.headers["location"], "/web/");
    assert_eq!(get(&s, "/web/nope.js").await.status, StatusCode::NOT_FOUND);

    let r = post(
        &s,
        "/web/step",
        r#"{"action":{"command":"kubectl get pods"}}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "no session yet");

    let r = post(&s, "/web/reset", r#"{"incident": "warmup-900001"}"#).await;
    assert_eq!(r.status, StatusCode::OK);
    let cookie = r.headers["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(cookie.starts_with("ksg_session="));
    assert!(cookie.contains("HttpOnly"));
    let pair = cookie.split(';').next().expect("pair").to_string();
    let h = [
        ("cookie", pair.as_str()),
        ("content-type", "application/json"),
    ];
    let r = request(
        &s,
        Method::POST,
        "/web/step",
        &h,
        r#"{"action":{"command":"kubectl get pods -A"}}"#,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["observation"]["steps_taken"], 1);
    let r = request(
        &s,
        Method::POST,
        "/web/step",
        &h,
        r#"{"message":"kubectl get nodes"}"#,
    )
    .await;
    assert_eq!(r.json()["observation"]["steps_taken"], 2);
    let st = request(&s, Method::GET, "/web/state", &h, Body::empty())
        .await
        .json();
    assert_eq!(st["incident_id"], "warmup-900001");
    assert_eq!(st["step_count"], 2);
    // Another browser has its own state.
    assert_eq!(get(&s, "/web/state").await.json()["step_count"], 0);
    assert_eq!(
        get(&s, "/web/metadata").await.json()["name"],
        "kube_sre_gym"
    );

    let l = get(&s, "/web/incidents?tier=warmup&split=test&limit=3")
        .await
        .json();
    assert_eq!(
        l["tiers"][0]["incidents"],
        json!(["warmup-900000", "warmup-900001", "warmup-900002"])
    );
    let all = get(&s, "/web/incidents?split=validation&limit=2")
        .await
        .json();
    assert_eq!(all["tiers"].as_array().expect("tiers").len(), 5);
    assert_eq!(all["tiers"][4]["incidents"][1], "expert-800001");
    assert_eq!(
        get(&s, "/web/incidents?tier=legendary").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn unknown_routes_are_json_404s() {
    let s = state(config());
    let r = get(&s, "/nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json(), json!({"detail": "Not Found"}));
}
