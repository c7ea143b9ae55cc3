//! A local HTTP server for tests, on 127.0.0.1 only: it records each request and answers with
//! whatever the test's script returns for it (status, headers, body, delay), so one stub speaks
//! any provider's wire format.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::{Value, json};

#[derive(Clone, Debug)]
pub struct Recorded {
    pub path: String,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn raw(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Script = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    log: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Script>,
}

pub struct Stub {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Stub {
    /// Serves `script(n, request)` for the `n`-th request (from 0).
    pub fn start(script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Stub {
        let shared = Shared {
            log: Arc::new(Mutex::new(Vec::new())),
            script: Arc::new(script),
        };
        let log = Arc::clone(&shared.log);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("test runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1");
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let app = Router::new().fallback(handle).with_state(shared);
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await;
            });
            // In-flight slow replies are dropped with the runtime.
            rt.shutdown_background();
        });
        let addr = addr_rx.recv().expect("stub address");
        Stub {
            addr,
            log,
            shutdown: Some(stop_tx),
        }
    }

    /// Replies from a list in order; the last one repeats.
    pub fn replies(replies: Vec<Reply>) -> Stub {
        Stub::start(move |n, _| replies[n.min(replies.len() - 1)].clone())
    }

    /// The OpenAI-style base URL (`.../v1`).
    pub fn v1(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
    }
}

async fn handle(State(shared): State<Shared>, req: Request) -> Response<Body> {
    let path = req.uri().path().to_string();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let bytes = to_bytes(req.into_body(), 16 << 20)
        .await
        .unwrap_or_default();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let recorded = Recorded {
        path,
        headers,
        body,
    };
    let reply = {
        let mut log = shared.log.lock().unwrap();
        let n = log.len();
        log.push(recorded.clone());
        (shared.script)(n, &recorded)
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = Response::new(Body::from(reply.body));
    *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
    for (k, v) in reply.headers {
        response.headers_mut().insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(&v).unwrap(),
        );
    }
    response
}

/// An OpenAI chat completion with text content.
pub fn openai_text(text: &str) -> Value {
    json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000,
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                     "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    })
}

/// An OpenAI chat completion that calls one tool.
pub fn openai_tool_call(name: &str, arguments: Value) -> Value {
    json!({
        "id": "chatcmpl-2", "object": "chat.completion", "created": 1700000000,
        "model": "test-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": null,
            "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()}}]},
            "finish_reason": "tool_calls"}],
        "usage": {"prompt_tokens": 150, "completion_tokens": 30, "total_tokens": 180},
    })
}

/// An Anthropic message with text and, optionally, a tool use.
pub fn anthropic_message(text: Option<&str>, tool: Option<(&str, Value)>) -> Value {
    let mut content = Vec::new();
    if let Some(t) = text {
        content.push(json!({"type": "text", "text": t}));
    }
    let stop = if let Some((name, input)) = tool {
        content.push(json!({"type": "tool_use", "id": "toolu_01", "name": name, "input": input}));
        "tool_use"
    } else {
        "end_turn"
    };
    json!({
        "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-test",
        "content": content, "stop_reason": stop, "stop_sequence": null,
        "usage": {"input_tokens": 200, "output_tokens": 40},
    })
}
