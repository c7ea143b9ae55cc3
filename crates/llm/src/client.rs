//! The HTTP chat client: one type for every backend, with timeouts, retries with exponential
//! back-off on 429 and 5xx (honouring `retry-after`), a circuit breaker for dead servers,
//! structured output where the backend has it, and token and cost accounting.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::chat::{ChatModel, ChatRequest, ChatResponse, Output};
use crate::config::{ANTHROPIC_VERSION, Backend, LlmConfig, Structured};
use crate::cost::UsageTotals;
use crate::error::{LlmError, scrub};
use crate::transport::{HttpRequest, Transport, TransportError};
use crate::wire;

/// A chat client. Cheap to clone; clones share the connection pool, the totals and the
/// breaker. Blocking: call it from a thread that may block (in async code, from
/// `spawn_blocking`).
#[derive(Clone)]
pub struct LlmClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: LlmConfig,
    endpoint: String,
    transport: Transport,
    totals: Mutex<UsageTotals>,
    breaker: Mutex<Breaker>,
    /// Cleared when an OpenAI-compatible server refused `response_format`: later requests ask
    /// for JSON in the prompt only.
    response_format_ok: AtomicBool,
}

#[derive(Default)]
struct Breaker {
    failures_in_a_row: u32,
    open_until: Option<Instant>,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmClient")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl LlmClient {
    pub fn new(config: LlmConfig) -> Result<LlmClient, LlmError> {
        config.validate()?;
        let transport = Transport::start(config.timeout, config.connect_timeout)?;
        Ok(LlmClient {
            inner: Arc::new(Inner {
                endpoint: config.endpoint(),
                config,
                transport,
                totals: Mutex::new(UsageTotals::default()),
                breaker: Mutex::new(Breaker::default()),
                response_format_ok: AtomicBool::new(true),
            }),
        })
    }

    pub fn from_env() -> Result<LlmClient, LlmError> {
        LlmClient::new(LlmConfig::from_env()?)
    }

    pub fn config(&self) -> &LlmConfig {
        &self.inner.config
    }

    /// Calls, failures, retries, tokens and cost so far.
    pub fn totals(&self) -> UsageTotals {
        self.inner
            .totals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn secret(&self) -> Option<&str> {
        self.inner.config.api_key.as_ref().map(|k| k.expose())
    }

    fn request(&self, req: &ChatRequest, structured: Structured) -> Result<HttpRequest, LlmError> {
        let c = &self.inner.config;
        let body = match c.backend {
            Backend::OpenAi | Backend::HuggingFace => wire::openai::body(&c.model, req, structured),
            Backend::Anthropic => wire::anthropic::body(&c.model, req),
        };
        let body = serde_json::to_vec(&body)
            .map_err(|e| LlmError::Config(format!("cannot encode the request: {e}")))?;
        let mut headers = vec![("content-type", "application/json".to_string(), false)];
        match (c.backend, &c.api_key) {
            (Backend::Anthropic, key) => {
                if let Some(k) = key {
                    headers.push(("x-api-key", k.expose().to_string(), true));
                }
                headers.push(("anthropic-version", ANTHROPIC_VERSION.to_string(), false));
            }
            (_, Some(k)) => headers.push(("authorization", format!("Bearer {}", k.expose()), true)),
            (_, None) => {}
        }
        Ok(HttpRequest {
            url: self.inner.endpoint.clone(),
            headers,
            body,
        })
    }

    fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let c = &self.inner.config;
        retry_after.unwrap_or_else(|| {
            c.backoff_base
                .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX))
                .min(c.backoff_max)
        })
    }

    /// One call: attempts until success, a final error, or the retries are spent.
    fn call(&self, req: &ChatRequest) -> (Result<ChatResponse, LlmError>, u64) {
        let c = &self.inner.config;
        let openai_like = matches!(c.backend, Backend::OpenAi | Backend::HuggingFace);
        let mut structured = if self.inner.response_format_ok.load(Ordering::Relaxed) {
            c.structured
        } else {
            Structured::Off
        };
        let mut retries = 0u32;
        let mut downgraded = false;
        loop {
            let http = match self.request(req, structured) {
                Ok(h) => h,
                Err(e) => return (Err(e), u64::from(retries)),
            };
            let retry_after;
            let failure = match self.inner.transport.send(http) {
                Ok(reply) if (200..300).contains(&reply.status) => {
                    let parsed = match c.backend {
                        Backend::Anthropic => wire::anthropic::parse(&reply.body),
                        _ => wire::openai::parse(&reply.body),
                    };
                    return (
                        parsed.map_err(|e| LlmError::Malformed(scrub(&e, self.secret()))),
                        u64::from(retries),
                    );
                }
                Ok(reply) => {
                    let message = scrub(&wire::error_message(&reply.body), self.secret());
                    let status = reply.status;
                    // A server without structured output: ask again with the prompt alone.
                    if status == 400
                        && openai_like
                        && !downgraded
                        && structured != Structured::Off
                        && matches!(req.output, Output::Json { .. })
                        && wire::openai::rejects_response_format(&message)
                    {
                        tracing::info!(
                            status,
                            "the server refused response_format; asking for JSON in the prompt only"
                        );
                        self.inner
                            .response_format_ok
                            .store(false, Ordering::Relaxed);
                        structured = Structured::Off;
                        downgraded = true;
                        continue;
                    }
                    let retryable = status == 408 || status == 429 || status >= 500;
                    if !retryable {
                        return (Err(LlmError::Http { status, message }), u64::from(retries));
                    }
                    retry_after = reply.retry_after;
                    if let Some(wait) = retry_after.filter(|w| *w > c.max_retry_after) {
                        return (
                            Err(LlmError::RateLimited { retry_after: wait }),
                            u64::from(retries),
                        );
                    }
                    LlmError::Http { status, message }
                }
                Err(TransportError::Timeout) => {
                    return (Err(LlmError::Timeout(c.timeout)), u64::from(retries));
                }
                Err(TransportError::Closed) => return (Err(LlmError::Closed), u64::from(retries)),
                Err(TransportError::Connect(e)) => {
                    retry_after = None;
                    LlmError::Connect(scrub(&e, self.secret()))
                }
                Err(TransportError::Other(e)) => {
                    retry_after = None;
                    LlmError::Connect(scrub(&e, self.secret()))
                }
            };
            if retries >= c.max_retries {
                return (Err(failure), u64::from(retries));
            }
            let wait = self.backoff(retries, retry_after);
            tracing::debug!(error = %failure, wait_ms = wait.as_millis() as u64, "LLM call failed; retrying");
            std::thread::sleep(wait);
            retries += 1;
        }
    }
}

impl ChatModel for LlmClient {
    fn model(&self) -> &str {
        &self.inner.config.model
    }

    fn chat(&self, req: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let c = &self.inner.config;
        {
            let breaker = self.inner.breaker.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(until) = breaker.open_until {
                let now = Instant::now();
                if now < until {
                    let mut totals = self.inner.totals.lock().unwrap_or_else(|e| e.into_inner());
                    totals.calls += 1;
                    totals.failures += 1;
                    return Err(LlmError::CircuitOpen {
                        failures: breaker.failures_in_a_row,
                        retry_in: until - now,
                    });
                }
            }
        }
        let (result, retries) = self.call(req);
        {
            let mut breaker = self.inner.breaker.lock().unwrap_or_else(|e| e.into_inner());
            match &result {
                Ok(_) => *breaker = Breaker::default(),
                Err(_) => {
                    breaker.failures_in_a_row += 1;
                    if c.breaker_threshold > 0 && breaker.failures_in_a_row >= c.breaker_threshold {
                        breaker.open_until = Some(Instant::now() + c.breaker_cooldown);
                    }
                }
            }
        }
        let mut totals = self.inner.totals.lock().unwrap_or_else(|e| e.into_inner());
        totals.calls += 1;
        totals.retries += retries;
        match &result {
            Ok(r) => {
                totals.input_tokens += r.usage.input_tokens;
                totals.output_tokens += r.usage.output_tokens;
                totals.cost_usd += c.prices.cost(&[&r.model, &c.model], &r.usage);
            }
            Err(e) => {
                totals.failures += 1;
                tracing::debug!(error = %e, model = %c.model, "LLM call failed");
            }
        }
        result
    }
}
