//! HTTP on a worker thread: one thread per client runs a single-threaded tokio runtime and an
//! async reqwest client; callers block on a channel. The client is thus usable from any thread,
//! including one inside an async runtime (no runtime is entered, built or dropped on the
//! caller's thread, which is what makes `reqwest::blocking` panic there).

use std::sync::Once;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::sync::mpsc;

use crate::error::LlmError;

/// The most reply bytes read: a chat reply is a few kilobytes.
pub const MAX_BODY: usize = 8 << 20;

pub(crate) struct HttpRequest {
    pub url: String,
    /// Header name and value; `sensitive` values are kept out of reqwest's debug output.
    pub headers: Vec<(&'static str, String, bool)>,
    pub body: Vec<u8>,
}

pub(crate) struct HttpReply {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: String,
}

#[derive(Debug)]
pub(crate) enum TransportError {
    Timeout,
    Connect(String),
    Other(String),
    Closed,
}

struct Job {
    request: HttpRequest,
    reply: std_mpsc::SyncSender<Result<HttpReply, TransportError>>,
}

pub(crate) struct Transport {
    jobs: mpsc::UnboundedSender<Job>,
    timeout: Duration,
}

/// rustls needs a process-wide crypto provider; ring's, as kube uses it.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Already installed by someone else is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Transport {
    pub fn start(timeout: Duration, connect_timeout: Duration) -> Result<Transport, LlmError> {
        install_crypto_provider();
        let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
        let (ready_tx, ready_rx) = std_mpsc::sync_channel::<Result<(), String>>(1);
        std::thread::Builder::new()
            .name("llm-http".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("cannot start the HTTP runtime: {e}")));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let client = match reqwest::Client::builder()
                        .timeout(timeout)
                        .connect_timeout(connect_timeout)
                        .build()
                    {
                        Ok(c) => c,
                        Err(e) => {
                            let _ =
                                ready_tx.send(Err(format!("cannot build the HTTP client: {e}")));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    // Ends when every client handle is dropped.
                    while let Some(job) = rx.recv().await {
                        let client = client.clone();
                        tokio::spawn(async move {
                            let result = attempt(&client, job.request).await;
                            let _ = job.reply.send(result);
                        });
                    }
                });
            })
            .map_err(|e| LlmError::Config(format!("cannot start the HTTP thread: {e}")))?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Transport { jobs, timeout }),
            Ok(Err(e)) => Err(LlmError::Config(e)),
            Err(_) => Err(LlmError::Closed),
        }
    }

    /// Sends one request and waits for its reply; never longer than the timeout and a margin.
    pub fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let (reply, rx) = std_mpsc::sync_channel(1);
        self.jobs
            .send(Job { request, reply })
            .map_err(|_| TransportError::Closed)?;
        match rx.recv_timeout(self.timeout + Duration::from_secs(2)) {
            Ok(r) => r,
            Err(std_mpsc::RecvTimeoutError::Timeout) => Err(TransportError::Timeout),
            Err(std_mpsc::RecvTimeoutError::Disconnected) => Err(TransportError::Closed),
        }
    }
}

async fn attempt(
    client: &reqwest::Client,
    request: HttpRequest,
) -> Result<HttpReply, TransportError> {
    let mut headers = HeaderMap::new();
    for (name, value, sensitive) in &request.headers {
        let mut v = HeaderValue::from_str(value).map_err(|_| {
            // Never the value: it may be a key.
            TransportError::Other(format!("header {name} has characters HTTP does not allow"))
        })?;
        v.set_sensitive(*sensitive);
        headers.insert(HeaderName::from_static(name), v);
    }
    let mut response = client
        .post(&request.url)
        .headers(headers)
        .body(request.body)
        .send()
        .await
        .map_err(classify)?;
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    let mut body: Vec<u8> = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(TransportError::Other(format!(
                "the reply is larger than {MAX_BODY} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(HttpReply {
        status,
        retry_after,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn classify(e: reqwest::Error) -> TransportError {
    let (timeout, connect) = (e.is_timeout(), e.is_connect());
    // Without the URL (it is ours), with the causes (reqwest's own text is generic).
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    if timeout {
        TransportError::Timeout
    } else if connect {
        TransportError::Connect(text)
    } else {
        TransportError::Other(text)
    }
}

/// `retry-after-ms` (OpenAI), else `retry-after` in seconds. An HTTP date is not read: the
/// back-off applies instead.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let read = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    read("retry-after-ms")
        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
        .or_else(|| read("retry-after").map(|s| Duration::from_secs_f64(s.min(86_400.0))))
}
