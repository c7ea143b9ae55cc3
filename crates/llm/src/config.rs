//! Which LLM to talk to and how: backend, model, endpoint, key, timeouts, retries, prices.
//! Read from the original's variables (`LLM_BACKEND`, `LLM_MODEL`, `LLM_BASE_URL`,
//! `LLM_API_KEY`, `ANTHROPIC_API_KEY`, `HF_TOKEN`) or built explicitly.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::cost::PriceTable;
use crate::error::LlmError;

/// The original's default endpoint for OpenAI-compatible servers (a local vLLM).
pub const DEFAULT_OPENAI_BASE_URL: &str = "http://localhost:8001/v1";
pub const ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com";
/// Hugging Face's OpenAI-compatible inference router (chat completions at
/// `/chat/completions`, models named `org/model` or `org/model:provider`).
pub const HF_ROUTER_BASE_URL: &str = "https://router.huggingface.co/v1";
pub const DEFAULT_MODEL: &str = "Qwen/Qwen3-14B";
pub const DEFAULT_ANTHROPIC_MODEL: &str = "claude-sonnet-4-20250514";
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// The wire format spoken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// OpenAI chat completions: OpenAI, vLLM, llama.cpp server, Ollama, TGI, LiteLLM.
    OpenAi,
    /// The Anthropic Messages API.
    Anthropic,
    /// Hugging Face inference through its OpenAI-compatible router.
    HuggingFace,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::OpenAi => "openai",
            Backend::Anthropic => "anthropic",
            Backend::HuggingFace => "hf",
        }
    }
}

impl FromStr for Backend {
    type Err = LlmError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openai" | "openai-compatible" | "vllm" | "llamacpp" | "llama.cpp" | "ollama"
            | "tgi" => Ok(Backend::OpenAi),
            "anthropic" | "claude" => Ok(Backend::Anthropic),
            "hf" | "huggingface" | "hugging-face" => Ok(Backend::HuggingFace),
            other => Err(LlmError::Config(format!(
                "unknown LLM_BACKEND {other:?}: expected openai, anthropic or hf"
            ))),
        }
    }
}

/// An API key. Its `Debug` never shows it, and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into().trim().to_string())
    }

    /// The key itself, for the request header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// How structured (JSON) output is asked for on OpenAI-compatible servers. Anthropic always
/// uses a forced tool whose input schema is the reply's schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Structured {
    /// `response_format: {type: json_schema}` (OpenAI, vLLM, llama.cpp, Ollama, HF router).
    JsonSchema,
    /// `response_format: {type: json_object}`.
    JsonObject,
    /// No `response_format`: the prompt asks for JSON and the reply is extracted.
    Off,
}

impl FromStr for Structured {
    type Err = LlmError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "json_schema" | "schema" => Ok(Structured::JsonSchema),
            "json_object" | "json" => Ok(Structured::JsonObject),
            "off" | "none" | "text" => Ok(Structured::Off),
            other => Err(LlmError::Config(format!(
                "unknown LLM_STRUCTURED {other:?}: expected json_schema, json_object or off"
            ))),
        }
    }
}

/// Everything a client needs. `Debug` shows the key as redacted.
#[derive(Clone, Debug)]
pub struct LlmConfig {
    pub backend: Backend,
    pub model: String,
    /// For OpenAI-compatible servers, the URL under which `/chat/completions` lives (with
    /// `/v1`); for Anthropic, the host (`/v1/messages` is appended).
    pub base_url: String,
    pub api_key: Option<ApiKey>,
    /// For a whole request, connection to last byte.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries after a 429, a 5xx or a lost connection (not after a timeout).
    pub max_retries: u32,
    /// Back-off before retry `n` (from 0): `backoff_base * 2^n`, at most `backoff_max`,
    /// unless the server's `retry-after` says otherwise.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// A `retry-after` longer than this is not waited for: the call fails as rate limited.
    pub max_retry_after: Duration,
    pub structured: Structured,
    /// After this many failed calls in a row the client fails fast for `breaker_cooldown`,
    /// so a dead server costs an episode nothing but the failure count.
    pub breaker_threshold: u32,
    pub breaker_cooldown: Duration,
    pub prices: PriceTable,
}

impl LlmConfig {
    /// A configuration with the backend's defaults: its endpoint, no key.
    pub fn new(backend: Backend, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            backend,
            model: model.into(),
            base_url: match backend {
                Backend::OpenAi => DEFAULT_OPENAI_BASE_URL,
                Backend::Anthropic => ANTHROPIC_BASE_URL,
                Backend::HuggingFace => HF_ROUTER_BASE_URL,
            }
            .to_string(),
            api_key: None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_retries: 3,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(30),
            structured: Structured::JsonSchema,
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
            prices: PriceTable::default(),
        }
    }

    /// An OpenAI-compatible server at `base_url` (e.g. `http://127.0.0.1:8000/v1`).
    pub fn openai_compatible(base_url: impl Into<String>, model: impl Into<String>) -> LlmConfig {
        LlmConfig {
            base_url: base_url.into(),
            ..LlmConfig::new(Backend::OpenAi, model)
        }
    }

    pub fn anthropic(model: impl Into<String>, key: impl Into<String>) -> LlmConfig {
        LlmConfig::new(Backend::Anthropic, model).with_api_key(key)
    }

    pub fn hugging_face(model: impl Into<String>, token: impl Into<String>) -> LlmConfig {
        LlmConfig::new(Backend::HuggingFace, model).with_api_key(token)
    }

    pub fn with_api_key(mut self, key: impl Into<String>) -> LlmConfig {
        let key = ApiKey::new(key);
        self.api_key = (!key.0.is_empty()).then_some(key);
        self
    }

    pub fn with_base_url(mut self, url: impl Into<String>) -> LlmConfig {
        self.base_url = url.into();
        self
    }

    /// Reads the process environment; see [`LlmConfig::from_vars`].
    pub fn from_env() -> Result<LlmConfig, LlmError> {
        LlmConfig::from_vars(|k| std::env::var(k).ok())
    }

    /// Reads the original's variables through `get`: `LLM_BACKEND` (openai, anthropic, hf;
    /// default openai), `LLM_MODEL` (default `Qwen/Qwen3-14B`, or `claude-sonnet-4-20250514`
    /// for anthropic), `LLM_BASE_URL` (default per backend), the key from `LLM_API_KEY`
    /// (openai), `ANTHROPIC_API_KEY` (anthropic, required) or `HF_TOKEN` (hf, required), each
    /// falling back to `LLM_API_KEY`. Also `LLM_TIMEOUT_SECS`, `LLM_MAX_RETRIES`,
    /// `LLM_STRUCTURED` (json_schema, json_object, off) and `LLM_PRICES`
    /// (`model=input/output;...`, US dollars per million tokens).
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<LlmConfig, LlmError> {
        let var = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let backend: Backend = match var("LLM_BACKEND") {
            Some(b) => b.parse()?,
            None => Backend::OpenAi,
        };
        let model = var("LLM_MODEL").unwrap_or_else(|| {
            match backend {
                Backend::Anthropic => DEFAULT_ANTHROPIC_MODEL,
                _ => DEFAULT_MODEL,
            }
            .to_string()
        });
        let mut config = LlmConfig::new(backend, model);
        if let Some(url) = var("LLM_BASE_URL") {
            config.base_url = url;
        }
        let key = match backend {
            Backend::OpenAi => var("LLM_API_KEY"),
            Backend::Anthropic => var("ANTHROPIC_API_KEY").or_else(|| var("LLM_API_KEY")),
            Backend::HuggingFace => var("HF_TOKEN").or_else(|| var("LLM_API_KEY")),
        };
        match (backend, key) {
            (Backend::Anthropic, None) => {
                return Err(LlmError::Config(
                    "LLM_BACKEND=anthropic needs ANTHROPIC_API_KEY".into(),
                ));
            }
            (Backend::HuggingFace, None) => {
                return Err(LlmError::Config("LLM_BACKEND=hf needs HF_TOKEN".into()));
            }
            (_, Some(k)) => config = config.with_api_key(k),
            (Backend::OpenAi, None) => {}
        }
        if let Some(t) = var("LLM_TIMEOUT_SECS") {
            let secs: f64 = t
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s > 0.0 && *s <= 3600.0)
                .ok_or_else(|| {
                    LlmError::Config(format!(
                        "LLM_TIMEOUT_SECS {t:?}: expected seconds in (0, 3600]"
                    ))
                })?;
            config.timeout = Duration::from_secs_f64(secs);
        }
        if let Some(r) = var("LLM_MAX_RETRIES") {
            config.max_retries = r.parse().ok().filter(|r| *r <= 10).ok_or_else(|| {
                LlmError::Config(format!("LLM_MAX_RETRIES {r:?}: expected 0 to 10"))
            })?;
        }
        if let Some(s) = var("LLM_STRUCTURED") {
            config.structured = s.parse()?;
        }
        if let Some(p) = var("LLM_PRICES") {
            config.prices = p.parse()?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Refuses what cannot work: an empty model, a URL that is not http(s).
    pub fn validate(&self) -> Result<(), LlmError> {
        if self.model.trim().is_empty() {
            return Err(LlmError::Config("the model name is empty".into()));
        }
        let url = self.base_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(LlmError::Config(format!(
                "base URL {url:?} must start with http:// or https://"
            )));
        }
        Ok(())
    }

    /// Where a chat request goes.
    pub fn endpoint(&self) -> String {
        let base = self.base_url.trim().trim_end_matches('/');
        match self.backend {
            Backend::OpenAi | Backend::HuggingFace => format!("{base}/chat/completions"),
            Backend::Anthropic if base.ends_with("/v1") => format!("{base}/messages"),
            Backend::Anthropic => format!("{base}/v1/messages"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::vars;

    #[test]
    fn the_originals_variables_select_backend_model_url_and_key() {
        let c = LlmConfig::from_vars(vars(&[])).unwrap();
        assert_eq!(c.backend, Backend::OpenAi);
        assert_eq!(c.model, DEFAULT_MODEL);
        assert_eq!(c.endpoint(), "http://localhost:8001/v1/chat/completions");
        assert!(c.api_key.is_none());

        let c = LlmConfig::from_vars(vars(&[
            ("LLM_BACKEND", "anthropic"),
            ("ANTHROPIC_API_KEY", "sk-ant-xyz"),
        ]))
        .unwrap();
        assert_eq!(c.model, DEFAULT_ANTHROPIC_MODEL);
        assert_eq!(c.endpoint(), "https://api.anthropic.com/v1/messages");
        assert_eq!(c.api_key.as_ref().map(ApiKey::expose), Some("sk-ant-xyz"));

        let c = LlmConfig::from_vars(vars(&[
            ("LLM_BACKEND", "hf"),
            ("HF_TOKEN", "hf_abc"),
            ("LLM_MODEL", "meta-llama/Llama-3.1-8B-Instruct"),
        ]))
        .unwrap();
        assert_eq!(
            c.endpoint(),
            "https://router.huggingface.co/v1/chat/completions"
        );

        let c = LlmConfig::from_vars(vars(&[
            ("LLM_BASE_URL", "http://127.0.0.1:9000/v1/"),
            ("LLM_API_KEY", "k"),
            ("LLM_TIMEOUT_SECS", "2.5"),
            ("LLM_STRUCTURED", "json_object"),
        ]))
        .unwrap();
        assert_eq!(c.endpoint(), "http://127.0.0.1:9000/v1/chat/completions");
        assert_eq!(c.timeout, Duration::from_millis(2500));
        assert_eq!(c.structured, Structured::JsonObject);
    }

    #[test]
    fn missing_keys_and_bad_values_are_clear_errors() {
        for (pairs, needle) in [
            (vec![("LLM_BACKEND", "anthropic")], "ANTHROPIC_API_KEY"),
            (vec![("LLM_BACKEND", "hf")], "HF_TOKEN"),
            (vec![("LLM_BACKEND", "bard")], "unknown LLM_BACKEND"),
            (vec![("LLM_TIMEOUT_SECS", "-1")], "LLM_TIMEOUT_SECS"),
            (vec![("LLM_BASE_URL", "ftp://x")], "http://"),
        ] {
            let e = LlmConfig::from_vars(vars(&pairs)).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let c = LlmConfig::anthropic("m", "sk-ant-very-secret");
        let shown = format!("{c:?} {:?}", c.api_key);
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("redacted"));
    }
}
