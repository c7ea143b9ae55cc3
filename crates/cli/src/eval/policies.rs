//! The policies `eval` runs, by spec: a built-in (`scripted`, `random`, `hack-...`), a
//! recording (`replay:FILE[#POLICY]`), or a model (`openai:URL#MODEL`, `anthropic:MODEL`,
//! `hf:MODEL`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use gym::evaluate::{Job, POLICIES, PolicyKind};
use gym::policy::{Policy, Replay};
use gym::trajectory::read_lines;
use llm::policy::LlmPolicyConfig;
use llm::{ChatModel, LlmClient, LlmConfig, LlmPolicy, PriceTable};

pub enum PolicySpec {
    Builtin(PolicyKind),
    Replay {
        name: String,
        /// (incident, trial) -> commands.
        commands: BTreeMap<(String, u32), Vec<String>>,
    },
    Model {
        client: Arc<LlmClient>,
        prices: PriceTable,
        config: LlmPolicyConfig,
    },
}

impl PolicySpec {
    /// Parses a spec. Model policies read their key and prices from the environment
    /// (`LLM_API_KEY`, `ANTHROPIC_API_KEY`, `HF_TOKEN`, `LLM_PRICES`) and sample at
    /// `temperature`.
    pub fn parse(spec: &str, temperature: f32) -> anyhow::Result<PolicySpec> {
        let spec = spec.trim();
        if let Some(rest) = spec.strip_prefix("replay:") {
            return replay(rest);
        }
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let config = match spec.split_once(':') {
            Some(("openai", rest)) => {
                let (url, model) = rest
                    .rsplit_once('#')
                    .filter(|(u, m)| !u.is_empty() && !m.is_empty())
                    .with_context(|| {
                        format!("{spec:?}: expected openai:URL#MODEL, e.g. openai:http://127.0.0.1:8000/v1#Qwen/Qwen3-1.7B")
                    })?;
                let c = LlmConfig::openai_compatible(url, model);
                match var("LLM_API_KEY") {
                    Some(k) => c.with_api_key(k),
                    None => c,
                }
            }
            Some(("anthropic", model)) if !model.is_empty() => {
                let key = var("ANTHROPIC_API_KEY")
                    .or_else(|| var("LLM_API_KEY"))
                    .context("anthropic policies need ANTHROPIC_API_KEY (or LLM_API_KEY)")?;
                LlmConfig::anthropic(model, key)
            }
            Some(("hf", model)) if !model.is_empty() => {
                let key = var("HF_TOKEN")
                    .or_else(|| var("LLM_API_KEY"))
                    .context("hf policies need HF_TOKEN (or LLM_API_KEY)")?;
                LlmConfig::hugging_face(model, key)
            }
            _ => {
                return spec.parse::<PolicyKind>().map(PolicySpec::Builtin).map_err(|e| {
                    anyhow::anyhow!(
                        "{e}; or replay:FILE[#POLICY], openai:URL#MODEL, anthropic:MODEL, hf:MODEL"
                    )
                });
            }
        };
        let prices: PriceTable = match var("LLM_PRICES") {
            Some(p) => p.parse()?,
            None => PriceTable::default(),
        };
        let client = LlmClient::new(LlmConfig {
            prices: prices.clone(),
            ..config
        })?;
        Ok(PolicySpec::Model {
            client: Arc::new(client),
            prices,
            config: LlmPolicyConfig {
                temperature,
                ..LlmPolicyConfig::default()
            },
        })
    }

    pub fn name(&self) -> String {
        match self {
            PolicySpec::Builtin(k) => k.name(),
            PolicySpec::Replay { name, .. } => name.clone(),
            PolicySpec::Model { client, .. } => format!("llm:{}", client.model()),
        }
    }

    /// Whether an incident's trials are the same episode whatever their seeds.
    pub fn deterministic(&self) -> bool {
        match self {
            PolicySpec::Builtin(k) => k.deterministic(),
            PolicySpec::Replay { .. } => false,
            PolicySpec::Model { config, .. } => config.temperature == 0.0,
        }
    }

    pub fn is_model(&self) -> bool {
        matches!(self, PolicySpec::Model { .. })
    }

    /// The jobs a replay file lacks, as `incident (trial n)`.
    pub fn missing(&self, jobs: &[Job]) -> Vec<String> {
        match self {
            PolicySpec::Replay { commands, .. } => jobs
                .iter()
                .filter(|j| !commands.contains_key(&(j.id.to_string(), j.repeat)))
                .map(|j| format!("{} (trial {})", j.id, j.repeat))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn build(&self, job: &Job) -> Result<Box<dyn Policy>, String> {
        Ok(match self {
            PolicySpec::Builtin(k) => k.build_seeded(job.policy_seed),
            PolicySpec::Replay { name, commands } => {
                let c = commands
                    .get(&(job.id.to_string(), job.repeat))
                    .ok_or_else(|| format!("the replay file has no trial {}", job.repeat))?;
                Box::new(Replay::new(name.clone(), c.iter().cloned()))
            }
            PolicySpec::Model {
                client,
                prices,
                config,
            } => {
                let model: Arc<dyn ChatModel> = client.clone();
                Box::new(LlmPolicy::with_config(model, config.clone()).with_prices(prices.clone()))
            }
        })
    }
}

/// `FILE[#POLICY]`: the recorded commands of POLICY (default: the file's first line's).
fn replay(rest: &str) -> anyhow::Result<PolicySpec> {
    let (path, wanted) = match rest.rsplit_once('#') {
        Some((p, w)) if !w.is_empty() => (p, Some(w)),
        _ => (rest, None),
    };
    let path = PathBuf::from(path);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the replay file {}", path.display()))?;
    let lines = read_lines(&text).with_context(|| format!("reading {}", path.display()))?;
    let Some(first) = lines.first() else {
        bail!("the replay file {} holds no trajectory", path.display());
    };
    let policy = wanted.map_or_else(|| first.1.policy.clone(), str::to_string);
    let mut commands = BTreeMap::new();
    for (_, t) in lines.iter().filter(|(_, t)| t.policy == policy) {
        commands.insert(
            (t.incident.clone(), t.repeat),
            t.commands().map(str::to_string).collect(),
        );
    }
    if commands.is_empty() {
        let names: std::collections::BTreeSet<&str> =
            lines.iter().map(|(_, t)| t.policy.as_str()).collect();
        bail!(
            "{} has no trajectory of policy {policy:?}; it has: {}",
            path.display(),
            names.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(PolicySpec::Replay {
        name: format!("replay:{policy}"),
        commands,
    })
}

/// Every built-in policy name, for help texts.
pub fn builtin_names() -> String {
    POLICIES.map(|p| p.name()).join(", ")
}
