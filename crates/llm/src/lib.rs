//! The optional LLM layer: chat clients for OpenAI-compatible servers (OpenAI, vLLM, llama.cpp,
//! Ollama, TGI), the Anthropic Messages API and Hugging Face's OpenAI-compatible router
//! ([`client`], [`config`]); an LLM judge blended into the step reward ([`judge`]); an
//! adversarial incident designer ([`designer`]); and an LLM agent for evaluation ([`policy`]).
//!
//! It owns everything that talks to a model and depends on gym (for the hooks it implements:
//! [`gym::StepScorer`], [`gym::Designer`], [`gym::policy::Policy`]) and nothing above it. The
//! default reward path never reaches this crate: the environment calls it only when a scorer or
//! a designer was attached, and any failure here leaves the programmatic result standing.
//!
//! **Blocking by design.** Episodes are synchronous (a step takes microseconds of simulated
//! work), so the hooks are plain blocking calls. [`LlmClient`] runs its HTTP on a private
//! worker thread (a single-threaded tokio runtime and an async reqwest client) and the caller
//! waits on a channel: it works from any thread, inside an async runtime too (no runtime is
//! entered or dropped on the caller's thread, unlike `reqwest::blocking`), though an async
//! server should call steps from `spawn_blocking` so a slow model does not stall its workers.
//!
//! API keys are kept in [`config::ApiKey`], whose `Debug` is redacted; error texts from servers
//! are scrubbed of the key and shortened before they become errors or logs.

pub mod chat;
pub mod client;
pub mod config;
pub mod cost;
pub mod designer;
pub mod error;
pub mod json;
pub mod judge;
pub mod policy;
mod transport;
pub mod wire;

use std::sync::Arc;

pub use chat::{ChatModel, ChatRequest, ChatResponse, Message, Output, Role, Tool, ToolCall};
pub use client::LlmClient;
pub use config::{ApiKey, Backend, LlmConfig, Structured};
pub use cost::{Price, PriceTable, Usage, UsageTotals};
pub use designer::LlmDesigner;
pub use error::LlmError;
pub use judge::LlmJudge;
pub use policy::LlmPolicy;

use gym::Environment;

/// The LLM hooks a server or the command line attaches to an environment, read from the
/// environment variables: `LLM_JUDGE_WEIGHT` (in (0, 1]: the LLM judge's share of each step's
/// judge score; unset or 0: no LLM judge) and `GYM_MODE=adversarial` (the LLM designer composes
/// incidents), with the client from [`LlmConfig::from_vars`].
#[derive(Clone, Debug, Default)]
pub struct Hooks {
    /// Built only when a hook needs it.
    pub client: Option<LlmClient>,
    pub judge_weight: Option<f64>,
    pub adversarial: bool,
}

impl Hooks {
    pub fn from_env() -> Result<Hooks, LlmError> {
        Hooks::from_vars(|k| std::env::var(k).ok())
    }

    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Hooks, LlmError> {
        let judge_weight = match get("LLM_JUDGE_WEIGHT").map(|w| w.trim().to_string()) {
            None => None,
            Some(w) if w.is_empty() => None,
            Some(w) => {
                let x: f64 = w
                    .parse()
                    .ok()
                    .filter(|x: &f64| (0.0..=1.0).contains(x))
                    .ok_or_else(|| {
                        LlmError::Config(format!(
                            "LLM_JUDGE_WEIGHT {w:?}: expected a number in [0, 1]"
                        ))
                    })?;
                (x > 0.0).then_some(x)
            }
        };
        let adversarial = match get("GYM_MODE").map(|m| m.trim().to_ascii_lowercase()) {
            Some(m) if m == "adversarial" => true,
            Some(m) if m.is_empty() || m == "standard" || m == "simple" => false,
            None => false,
            Some(m) => {
                return Err(LlmError::Config(format!(
                    "GYM_MODE {m:?}: expected standard or adversarial"
                )));
            }
        };
        let client = if judge_weight.is_some() || adversarial {
            Some(LlmClient::new(LlmConfig::from_vars(&get)?)?)
        } else {
            None
        };
        Ok(Hooks {
            client,
            judge_weight,
            adversarial,
        })
    }

    /// `env` with the configured hooks attached.
    pub fn attach(&self, mut env: Environment) -> Environment {
        let Some(client) = &self.client else {
            return env;
        };
        let model: Arc<dyn ChatModel> = Arc::new(client.clone());
        if let Some(w) = self.judge_weight {
            env = env.with_scorer(Arc::new(LlmJudge::new(Arc::clone(&model))), w);
        }
        if self.adversarial {
            env = env.with_designer(Arc::new(LlmDesigner::new(model)));
        }
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    pub(crate) fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn hooks_are_off_unless_asked_for() {
        let h = Hooks::from_vars(vars(&[("LLM_BACKEND", "anthropic")])).unwrap();
        assert!(h.client.is_none() && h.judge_weight.is_none() && !h.adversarial);
        let h =
            Hooks::from_vars(vars(&[("LLM_JUDGE_WEIGHT", "0"), ("GYM_MODE", "standard")])).unwrap();
        assert!(h.client.is_none() && h.judge_weight.is_none());
        let h = Hooks::from_vars(vars(&[
            ("LLM_JUDGE_WEIGHT", "0.3"),
            ("GYM_MODE", "adversarial"),
            ("LLM_BASE_URL", "http://127.0.0.1:9/v1"),
        ]))
        .unwrap();
        assert_eq!(h.judge_weight, Some(0.3));
        assert!(h.adversarial);
        assert_eq!(
            h.client.as_ref().unwrap().config().base_url,
            "http://127.0.0.1:9/v1"
        );
        for (pairs, needle) in [
            (vec![("LLM_JUDGE_WEIGHT", "1.5")], "LLM_JUDGE_WEIGHT"),
            (vec![("GYM_MODE", "chaos")], "GYM_MODE"),
            (
                vec![("GYM_MODE", "adversarial"), ("LLM_BACKEND", "anthropic")],
                "ANTHROPIC_API_KEY",
            ),
        ] {
            let e = Hooks::from_vars(vars(&pairs)).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }
}
