//! A load benchmark over `/ws`: N sessions connect and reset, then each steps read-only
//! kubectl commands in lockstep (optionally pausing between steps, as an agent thinking would)
//! for a fixed time. Reports steps per second, step latency percentiles as the client sees
//! them, and the process's resident memory.
//!
//! The client only needs the OpenEnv `/ws` frames, so it also drives other OpenEnv servers (the
//! Python reference's echo environment takes `{"message": ...}` actions: see
//! [`Target::action_field`]).

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Commands the sessions cycle through: reads an agent makes, none of which change the cluster.
pub const COMMANDS: [&str; 8] = [
    "kubectl get pods -A",
    "kubectl get deployments -A",
    "kubectl get svc -A",
    "kubectl get events -A",
    "kubectl get nodes",
    "kubectl get pods -A -o wide",
    "kubectl get endpoints -A",
    "kubectl get pods -n kube-system",
];

/// Distinct incidents the sessions reset into (seed = session index modulo this).
const INCIDENTS: usize = 16;

/// Sessions that connect at once.
const CONNECT_BATCH: usize = 100;

/// The server under load and the shape of its actions.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    /// A `/ws` URL (see [`ws_url`]).
    pub url: &'a str,
    pub api_key: Option<&'a str>,
    /// The action field a step's command goes in: `command` for kube-sre-gym, `message` for
    /// OpenEnv's echo environment.
    pub action_field: &'a str,
}

impl<'a> Target<'a> {
    /// A kube-sre-gym server at `url` (a `/ws` URL).
    pub fn kube_sre_gym(url: &'a str, api_key: Option<&'a str>) -> Target<'a> {
        Target {
            url,
            api_key,
            action_field: "command",
        }
    }
}

/// One load level.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub sessions: usize,
    /// Pause after each reply before the next step.
    pub think: Duration,
    /// How long the sessions step.
    pub duration: Duration,
    /// Step budget per episode (`None`: each incident's own); a session resets when its
    /// episode ends.
    pub max_steps: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Report {
    pub load: Load,
    pub steps: u64,
    pub resets: u64,
    pub errors: u64,
    /// From the first step to the last reply.
    pub elapsed: Duration,
    /// Connecting and resetting every session.
    pub setup: Duration,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
    /// This process's resident memory with every session open.
    pub rss_bytes: Option<u64>,
}

impl Report {
    pub fn steps_per_sec(&self) -> f64 {
        self.steps as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("invalid URL {url}: {reason}")]
    Url { url: String, reason: String },
    #[error("connecting session {session}: {reason}")]
    Connect { session: usize, reason: String },
    #[error("session {session}: {reason}")]
    Protocol { session: usize, reason: String },
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// `http://host:8000` or `ws://host:8000/ws` as the `/ws` URL.
pub fn ws_url(base: &str) -> String {
    let base = base.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else {
        base.to_string()
    };
    if base.ends_with("/ws") {
        base
    } else {
        format!("{base}/ws")
    }
}

/// This process's resident memory (`VmRSS` in `/proc/self/status`), where there is one.
pub fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

async fn connect(url: &str, api_key: Option<&str>, session: usize) -> Result<Socket, BenchError> {
    let mut request = url.into_client_request().map_err(|e| BenchError::Url {
        url: url.to_string(),
        reason: e.to_string(),
    })?;
    if let Some(key) = api_key {
        let value =
            HeaderValue::from_str(&format!("Bearer {key}")).map_err(|e| BenchError::Url {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        request.headers_mut().insert("authorization", value);
    }
    // Observations are a few KiB; tungstenite zero-fills its read buffer up to this size on
    // every read, so the default 128 KiB costs more than the reply.
    let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
    let (socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
        .await
        .map_err(|e| BenchError::Connect {
            session,
            reason: e.to_string(),
        })?;
    Ok(socket)
}

/// Sends one frame and waits for its reply (lockstep).
async fn call(socket: &mut Socket, frame: String, session: usize) -> Result<String, BenchError> {
    let fail = |reason: String| BenchError::Protocol { session, reason };
    socket
        .send(Message::Text(frame.into()))
        .await
        .map_err(|e| fail(e.to_string()))?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(t))) => return Ok(t.as_str().to_owned()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(other)) => return Err(fail(format!("unexpected frame {other:?}"))),
            Some(Err(e)) => return Err(fail(e.to_string())),
            None => return Err(fail("connection closed".into())),
        }
    }
}

fn reset_frame(session: usize, max_steps: Option<usize>) -> String {
    let mut data = serde_json::json!({"seed": session % INCIDENTS});
    if let Some(n) = max_steps {
        data["max_steps"] = n.into();
    }
    serde_json::json!({"type": "reset", "data": data}).to_string()
}

fn step_frame(action_field: &str, command: &str) -> String {
    let mut data = serde_json::Map::new();
    data.insert(action_field.to_string(), command.into());
    serde_json::json!({"type": "step", "data": data}).to_string()
}

/// Skips JSON whitespace.
fn skip_ws(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\n', '\r'])
}

/// Whether a reply frame is an observation. Both our server (compact JSON) and Python's
/// (`json.dumps`, a space after each colon) put `type` first; a full parse per reply would cost
/// the client more than some servers' whole step.
fn is_observation(reply: &str) -> bool {
    let rest = skip_ws(reply);
    let Some(rest) = rest.strip_prefix('{') else {
        return false;
    };
    let Some(rest) = skip_ws(rest).strip_prefix(r#""type""#) else {
        return false;
    };
    let Some(rest) = skip_ws(rest).strip_prefix(':') else {
        return false;
    };
    skip_ws(rest).starts_with(r#""observation""#)
}

/// Whether an observation frame ends its episode. A `"done":` inside a string value is escaped
/// (`\"done\":`), so only the envelope's key matches.
fn is_done(reply: &str) -> bool {
    const KEY: &[u8] = br#""done":"#;
    // The load client reads kilobytes per reply on the cores the server needs: search fast.
    memchr::memmem::find_iter(reply.as_bytes(), KEY)
        .any(|i| skip_ws(&reply[i + KEY.len()..]).starts_with("true"))
}

/// What one session did.
struct Tally {
    latencies_us: Vec<u32>,
    steps: u64,
    resets: u64,
    errors: u64,
}

async fn drive(
    mut socket: Socket,
    session: usize,
    start: Instant,
    load: Load,
    action_field: String,
) -> Result<(Tally, Socket), BenchError> {
    let mut tally = Tally {
        latencies_us: Vec::with_capacity(4096),
        steps: 0,
        resets: 0,
        errors: 0,
    };
    let frames: Vec<String> = COMMANDS
        .iter()
        .map(|c| step_frame(&action_field, c))
        .collect();
    let end = start + load.duration;
    // Sessions that pause start spread over one pause, as independent agents would; all
    // starting together would measure a burst, not the load.
    let phase = load
        .think
        .mul_f64(session as f64 / load.sessions.max(1) as f64);
    tokio::time::sleep_until((start + phase).into()).await;
    let mut k = session;
    while Instant::now() < end {
        let frame = frames[k % frames.len()].clone();
        k += 1;
        let sent = Instant::now();
        let reply = call(&mut socket, frame, session).await?;
        let took = sent.elapsed();
        if is_observation(&reply) {
            tally.steps += 1;
            tally
                .latencies_us
                .push(took.as_micros().min(u128::from(u32::MAX)) as u32);
            if is_done(&reply) {
                let r = call(&mut socket, reset_frame(session, load.max_steps), session).await?;
                if !is_observation(&r) {
                    return Err(BenchError::Protocol { session, reason: r });
                }
                tally.resets += 1;
            }
        } else {
            tally.errors += 1;
        }
        if !load.think.is_zero() {
            tokio::time::sleep(load.think).await;
        }
    }
    Ok((tally, socket))
}

fn percentile(sorted: &[u32], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    Duration::from_micros(u64::from(sorted[i.min(sorted.len() - 1)]))
}

/// Runs one load level against `target`.
pub async fn run(target: Target<'_>, load: Load) -> Result<Report, BenchError> {
    let (url, api_key) = (target.url, target.api_key);
    let setup_started = Instant::now();
    let mut sockets = Vec::with_capacity(load.sessions);
    for batch in (0..load.sessions).collect::<Vec<_>>().chunks(CONNECT_BATCH) {
        let opened = futures_util::future::join_all(batch.iter().map(|&i| async move {
            let mut socket = connect(url, api_key, i).await?;
            let reply = call(&mut socket, reset_frame(i, load.max_steps), i).await?;
            if !is_observation(&reply) {
                return Err(BenchError::Protocol {
                    session: i,
                    reason: reply,
                });
            }
            Ok::<_, BenchError>(socket)
        }))
        .await;
        for s in opened {
            sockets.push(s?);
        }
    }
    let setup = setup_started.elapsed();
    let start = Instant::now() + Duration::from_millis(50);
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(i, s)| tokio::spawn(drive(s, i, start, load, target.action_field.to_string())))
        .collect();
    let mut latencies = Vec::new();
    let (mut steps, mut resets, mut errors) = (0, 0, 0);
    let mut open = Vec::with_capacity(tasks.len());
    for (i, t) in tasks.into_iter().enumerate() {
        let (tally, socket) = t.await.map_err(|e| BenchError::Protocol {
            session: i,
            reason: e.to_string(),
        })??;
        latencies.extend_from_slice(&tally.latencies_us);
        steps += tally.steps;
        resets += tally.resets;
        errors += tally.errors;
        open.push(socket);
    }
    let elapsed = start.elapsed();
    let rss = rss_bytes();
    for mut s in open {
        let _ = s.send(Message::Text(r#"{"type":"close"}"#.into())).await;
        let _ = s.close(None).await;
    }
    latencies.sort_unstable();
    Ok(Report {
        load,
        steps,
        resets,
        errors,
        elapsed,
        setup,
        p50: percentile(&latencies, 0.50),
        p90: percentile(&latencies, 0.90),
        p99: percentile(&latencies, 0.99),
        max: percentile(&latencies, 1.0),
        rss_bytes: rss,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_ws_urls() {
        assert_eq!(ws_url("http://127.0.0.1:8000"), "ws://127.0.0.1:8000/ws");
        assert_eq!(ws_url("https://x.hf.space/"), "wss://x.hf.space/ws");
        assert_eq!(ws_url("ws://h:1/ws"), "ws://h:1/ws");
    }

    #[test]
    fn step_frames_put_the_command_in_the_target_field() {
        let ours: serde_json::Value =
            serde_json::from_str(&step_frame("command", "kubectl get pods -A")).unwrap();
        assert_eq!(
            ours,
            serde_json::json!({"type": "step", "data": {"command": "kubectl get pods -A"}})
        );
        let echo: serde_json::Value = serde_json::from_str(&step_frame("message", "hi")).unwrap();
        assert_eq!(echo["data"], serde_json::json!({"message": "hi"}));
    }

    #[test]
    fn replies_are_read_in_either_server_json_style() {
        let compact = r#"{"type":"observation","data":{"observation":{"command_output":"x"},"reward":0.1,"done":true}}"#;
        let python = r#"{"type": "observation", "data": {"observation": {"echoed_message": "hi"}, "reward": 0.2, "done": false}}"#;
        assert!(is_observation(compact) && is_done(compact));
        assert!(is_observation(python) && !is_done(python));
        assert!(is_done(
            r#"{"type": "observation", "data": {"done": true}}"#
        ));
        let error =
            r#"{"type": "error", "data": {"message": "observation", "code": "VALIDATION_ERROR"}}"#;
        assert!(!is_observation(error));
        // A "done" inside the command output is escaped and does not end the episode.
        let quoted = r#"{"type":"observation","data":{"observation":{"command_output":"{\"done\":true}"},"done":false}}"#;
        assert!(is_observation(quoted) && !is_done(quoted));
        assert!(!is_observation("") && !is_observation("[1]"));
    }

    #[test]
    fn percentiles_pick_by_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), Duration::from_micros(51));
        assert_eq!(percentile(&v, 0.99), Duration::from_micros(99));
        assert_eq!(percentile(&v, 1.0), Duration::from_micros(100));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }
}
