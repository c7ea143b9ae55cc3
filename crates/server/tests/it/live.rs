//! The server with the live backend, end to end, against the simulator's API server standing
//! in for a cluster and the real `kubectl` binary: an HTTP session resets (its own namespaces,
//! the baseline applied, a catalogue fault injected), reads, fixes, is paid the resolution
//! bonus when the live grading says resolved, and its namespaces are gone once it is closed.
//! A `/ws` connection's close frame tears its session down too.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use apiserver::{ClockMode, ServerConfig, ServingCert, Shared};
use axum::http::Method;
use cluster::Cluster;
use live::ConnectionSource;
use live::environment::{LiveConfig, LiveEnvironment};
use live::episode::EpisodeConfig;
use live::faults::Timing;
use serde_json::{Value, json};
use server::{AppState, Backend};

const TOKEN: &str = "server-live-token";
const SID: &str = "x-session-id";

fn kubectl_available() -> bool {
    std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// An API server on a free port, and the live environment connected to it.
async fn live_environment() -> Arc<LiveEnvironment> {
    let shared = Shared::new(
        Cluster::baseline(9),
        ServerConfig {
            minor_version: 33,
            token: Some(TOKEN.into()),
            clock: ClockMode::Accelerated(60),
        },
    );
    let cert = ServingCert::generate(&[]).expect("a certificate");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("https://{}", listener.local_addr().expect("addr"));
    let serving = cert.clone();
    tokio::spawn(async move { apiserver::serve(listener, &serving, shared).await });
    let source = ConnectionSource::detect(
        |k| match k {
            "K8S_ENDPOINT" => Some(endpoint.clone()),
            "K8S_TOKEN" => Some(TOKEN.into()),
            "K8S_CA_CERT" => Some(cert.cert_pem.clone()),
            _ => None,
        },
        false,
    )
    .expect("a connection source");
    let connection = source.config().await.expect("a connection");
    let client = kube::Client::try_from(connection.clone()).expect("a client");
    let settings = LiveConfig {
        episode: EpisodeConfig {
            reset_deadline: Duration::from_secs(60),
            timing: Timing {
                symptom_deadline: Duration::from_secs(60),
                durability: Duration::from_secs(2),
                poll: Duration::from_millis(250),
            },
            ..EpisodeConfig::default()
        },
        teardown_deadline: Duration::from_secs(30),
    };
    let env = common::config().env;
    Arc::new(
        tokio::task::spawn_blocking(move || {
            LiveEnvironment::new(client, connection, settings, env)
        })
        .await
        .expect("supported faults"),
    )
}

/// The environment's namespaces on the cluster now.
async fn owned_namespaces(live: &LiveEnvironment) -> Vec<String> {
    live::sweep::Sweep {
        dry_run: true,
        ..Default::default()
    }
    .run(live.client())
    .await
    .expect("listing namespaces")
}

async fn session_call(state: &AppState, method: Method, uri: &str, body: Value) -> Value {
    let r = common::request(
        state,
        method,
        uri,
        &[("content-type", "application/json"), (SID, "agent1")],
        body.to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{uri}: {}", r.text());
    r.json()
}

async fn step(state: &AppState, command: &str) -> Value {
    session_call(
        state,
        Method::POST,
        "/step",
        json!({"action": {"command": command}}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_session_resets_fixes_is_rewarded_and_leaves_nothing_behind() {
    if !kubectl_available() {
        eprintln!("kubectl is not on PATH: the live server test is skipped");
        return;
    }
    let live = live_environment().await;
    let mut config = common::config();
    config.max_sessions = 2;
    let state =
        AppState::with_backend(config, |e| e, Backend::Live(Arc::clone(&live))).expect("state");

    // Reset: an OOM incident, chosen by fault type among the supported faults.
    let reset = session_call(
        &state,
        Method::POST,
        "/reset",
        json!({"fault_types": ["oom_kill"], "seed": 7}),
    )
    .await;
    let obs = &reset["observation"];
    assert_eq!(reset["done"], false);
    assert!(
        obs["command_output"]
            .as_str()
            .unwrap_or("")
            .contains("PAGERDUTY ALERT"),
        "{obs}"
    );
    assert_eq!(
        obs["active_alerts"].as_array().map(Vec::len),
        Some(1),
        "{obs}"
    );
    let summary = obs["cluster_status_summary"].as_str().unwrap_or("");
    assert!(summary.contains("payment-api-"), "{summary}");
    let incident = obs["metadata"]["incident_id"]
        .as_str()
        .unwrap_or("")
        .to_string();
    // The id names the tier and the seed, not the fault: resetting with it replays the fault.
    assert_eq!(incident, "warmup-000007");
    // No real namespace name and no fault name reaches the agent.
    let text = reset.to_string();
    assert!(!text.contains("ksg-"), "{text}");
    assert!(!text.contains("oom-limit"), "{text}");
    let namespaces = owned_namespaces(&live).await;
    assert_eq!(namespaces.len(), 4, "{namespaces:?}");

    // A read: the real kubectl's table, in logical names; no reward for a resolution yet.
    let read = step(&state, "kubectl get pods -n payments").await;
    assert_eq!(read["done"], false, "{read}");
    let out = read["observation"]["command_output"].as_str().unwrap_or("");
    assert!(out.starts_with("NAME"), "{out}");
    assert!(
        out.contains("payment-api-") && !out.contains("ksg-"),
        "{out}"
    );
    assert_eq!(read["observation"]["metadata"]["exit_code"], 0);
    assert_eq!(
        read["observation"]["metadata"]["breakdown"]["resolution"],
        0.0
    );
    // Outside the session's namespaces: refused, scored as a failed command.
    let refused = step(&state, "kubectl get pods -n kube-system").await;
    assert_ne!(
        refused["observation"]["metadata"]["exit_code"], 0,
        "{refused}"
    );

    // The fix, then looks until the grading (with its real-time durability wait) resolves it.
    let fix = step(
        &state,
        "fix: kubectl set resources deployment/payment-api -n payments --limits=memory=256Mi --requests=memory=64Mi",
    )
    .await;
    assert_eq!(fix["observation"]["metadata"]["exit_code"], 0, "{fix}");
    let mut last = fix;
    let start = std::time::Instant::now();
    while last["done"] != true {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "never resolved: {last}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        last = step(&state, "kubectl get deploy payment-api -n payments").await;
    }
    let meta = &last["observation"]["metadata"];
    assert_eq!(meta["resolved"], true, "{last}");
    assert_eq!(meta["terminated"], true, "{last}");
    assert!(
        meta["breakdown"]["resolution"].as_f64().unwrap_or(0.0) > 1.0,
        "{last}"
    );
    assert!(
        last["observation"]["active_alerts"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    let st = session_call(&state, Method::GET, "/state", Value::Null).await;
    assert_eq!(st["is_resolved"], true, "{st}");
    assert_eq!(st["done"], true, "{st}");
    assert_eq!(st["incident_id"], incident.as_str());
    let st_text = st.to_string();
    assert!(
        !st_text.contains("payments/payment-api") && !st_text.contains("ksg-"),
        "{st}"
    );

    // A step after the end is refused.
    let r = common::request(
        &state,
        Method::POST,
        "/step",
        &[("content-type", "application/json"), (SID, "agent1")],
        json!({"action": {"command": "kubectl get pods"}}).to_string(),
    )
    .await;
    assert_ne!(r.status, 200, "{}", r.text());

    // Closing the session deletes its namespaces and waits for them.
    let closed = session_call(&state, Method::DELETE, "/session", Value::Null).await;
    assert_eq!(closed["closed"], true);
    assert_eq!(owned_namespaces(&live).await, Vec::<String>::new());
    assert_eq!(state.active_sessions(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ws_sessions_tear_down_on_a_close_frame_and_at_shutdown() {
    if !kubectl_available() {
        eprintln!("kubectl is not on PATH: the live server test is skipped");
        return;
    }
    let live = live_environment().await;
    let state = AppState::with_backend(common::config(), |e| e, Backend::Live(Arc::clone(&live)))
        .expect("state");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let url = format!("ws://{}/ws", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(server::serve_on(listener, state, async move {
        let _ = stopped.await;
    }));

    let mut first = common::connect(&url, &[]).await.expect("connect");
    let mut second = common::connect(&url, &[]).await.expect("connect");
    for (ws, seed) in [(&mut first, 1), (&mut second, 2)] {
        let reset = common::call(
            ws,
            &json!({"type": "reset", "data": {"seed": seed, "fault_types": ["oom_kill"]}})
                .to_string(),
        )
        .await;
        assert_eq!(reset["type"], "observation", "{reset}");
        assert_eq!(reset["data"]["done"], false, "{reset}");
    }
    assert_eq!(
        owned_namespaces(&live).await.len(),
        8,
        "two sessions, four namespaces each"
    );

    // A close frame ends the first session: its namespaces go, the second's stay.
    common::send(&mut first, r#"{"type": "close"}"#).await;
    let _ = common::close_code(&mut first).await;
    let start = std::time::Instant::now();
    loop {
        let left = owned_namespaces(&live).await;
        if left.len() == 4 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "{left:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Shutdown closes the second connection and tears its session down before returning.
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(60), served)
        .await
        .expect("shut down in time")
        .expect("joined")
        .expect("served");
    assert_eq!(owned_namespaces(&live).await, Vec::<String>::new());
}
