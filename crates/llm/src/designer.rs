//! The adversarial designer: the LLM composes an incident aimed at the learner's weak spots
//! from the fault catalogue's grammar (faults `mechanism:namespace/workload`, red herrings,
//! alert precision), as structured output. It is a [`gym::Designer`]: the environment checks
//! every design (form, injection, solvability by the scripted SRE) and falls back to the seeded
//! generator when it fails. This module checks only that the reply is a design drawn from the
//! offered targets.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;

use gym::catalogue::CatalogueFault;
use gym::design::{Design, DesignRequest, Designer};
use gym::noise::{self, Noise};
use gym::scenario::{Precision, step_budget};
use serde_json::{Value, json};

use crate::chat::{ChatModel, ChatRequest, Output};

pub const DESIGN_SCHEMA_NAME: &str = "incident_design";

#[derive(Clone, Debug, PartialEq)]
pub struct LlmDesignerConfig {
    pub temperature: f32,
    pub max_tokens: u32,
    /// Targets listed per mechanism (a generated world has many).
    pub max_targets_per_mechanism: usize,
}

impl Default for LlmDesignerConfig {
    fn default() -> Self {
        LlmDesignerConfig {
            temperature: 0.7,
            max_tokens: 2048,
            max_targets_per_mechanism: 16,
        }
    }
}

pub struct LlmDesigner {
    model: Arc<dyn ChatModel>,
    config: LlmDesignerConfig,
    name: String,
}

const PRECISIONS: [Precision; 3] = [
    Precision::Exact,
    Precision::Component,
    Precision::Symptomatic,
];

/// Mechanisms that act on every node or a cluster-scoped object: one per incident at most.
const CLUSTER_WIDE: [&str; 3] = [
    "cordoned-and-drained",
    "untolerated-taint",
    "missing-storage-class",
];

impl LlmDesigner {
    pub fn new(model: Arc<dyn ChatModel>) -> LlmDesigner {
        LlmDesigner::with_config(model, LlmDesignerConfig::default())
    }

    pub fn with_config(model: Arc<dyn ChatModel>, config: LlmDesignerConfig) -> LlmDesigner {
        let name = format!("llm-designer:{}", model.model());
        LlmDesigner {
            model,
            config,
            name,
        }
    }

    pub fn request(&self, req: &DesignRequest<'_>) -> ChatRequest {
        let mut chat = ChatRequest::new(SYSTEM, self.user_prompt(req));
        chat.temperature = self.config.temperature;
        chat.max_tokens = self.config.max_tokens;
        chat.output = Output::Json {
            name: DESIGN_SCHEMA_NAME.into(),
            schema: design_schema(req.max_faults),
        };
        chat
    }

    fn user_prompt(&self, req: &DesignRequest<'_>) -> String {
        let s = req.stats;
        let mut p = String::new();
        let _ = writeln!(
            p,
            "Tier: {} (difficulty {:.2}). The world: {}.",
            req.tier, s.difficulty, req.world.topology
        );
        let _ = writeln!(
            p,
            "Step budget: {} steps for one fault, {} for two, {} for three; the incident must be \
             solvable within it (triage, investigation, one fix per fault, verification).",
            step_budget(req.tier, 1),
            step_budget(req.tier, 2),
            step_budget(req.tier, 3)
        );
        let _ = writeln!(p, "Use 1 to {} faults.", req.max_faults);
        p.push_str("\n## THE LEARNER\n");
        let _ = writeln!(
            p,
            "Episodes: {}; recent success rate {:.2}; average reward (last 10) {:.2}.",
            s.episode_count, s.recent_success_rate, s.avg_reward_last_10
        );
        if s.skill_profile.is_empty() {
            p.push_str("No mechanism tried yet.\n");
        }
        for (m, skill) in &s.skill_profile {
            let _ = writeln!(
                p,
                "- {m}: {} tries, success rate {:.2}",
                skill.tries, skill.rate
            );
        }
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        let _ = writeln!(p, "Weak spots: {}.", list(&s.weak_spots));
        let _ = writeln!(p, "Mastered: {}.", list(&s.graduated));
        let untried: Vec<String> = req
            .targets
            .keys()
            .map(|m| m.name().to_string())
            .filter(|m| !s.skill_profile.contains_key(m))
            .collect();
        let _ = writeln!(p, "Untried: {}.", list(&untried));
        p.push_str("\n## FAULTS YOU MAY USE (mechanism: what it breaks; targets)\n");
        for (m, faults) in req.targets {
            let info = m.info();
            let targets: Vec<String> = faults
                .iter()
                .take(self.config.max_targets_per_mechanism)
                .map(|f| format!("{}/{}", f.namespace, f.workload))
                .collect();
            let _ = writeln!(
                p,
                "- {}: {}; targets: {}",
                info.name,
                info.summary,
                targets.join(", ")
            );
        }
        p.push_str("\n## RED HERRINGS (healthy noise that looks suspicious)\n");
        for n in noise::ALL {
            let _ = writeln!(p, "- {}: {}", n.name(), n.summary());
        }
        p.push_str(
            "\n## ALERT PRECISION\n- exact: the workload and the symptom\n- component: the \
             workload only\n- symptomatic: what users feel at the entry point\n",
        );
        let _ = writeln!(
            p,
            "\nDesign an incident that tests the weak spots and untried mechanisms, solvable \
             within the budget. Rules: each fault is written MECHANISM:NAMESPACE/WORKLOAD \
             exactly as listed above; one fault per workload; prefer faults in different \
             namespaces; at most one of {}. Reply with JSON only: {{\"name\": \"short-name\", \
             \"faults\": [\"oom-limit:payments/payment-api\"], \"red_herrings\": [\"old-restart\"], \
             \"alert_precision\": \"component\", \"rationale\": \"why this tests the learner\"}}.",
            CLUSTER_WIDE.join(", ")
        );
        p
    }
}

const SYSTEM: &str = "You are a chaos engineer designing training incidents for an on-call SRE \
agent that works a Kubernetes cluster with kubectl. You choose faults from a fixed catalogue and \
targets from a fixed list; the environment injects them, checks that their symptoms show and that \
the incident can be solved, and discards designs that break the rules. Aim at what the learner \
is weak at, mix fault classes, and use red herrings and vague alerts at higher tiers. Reply with \
JSON only.";

pub fn design_schema(max_faults: usize) -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 64},
            "faults": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
                "maxItems": max_faults,
            },
            "red_herrings": {
                "type": "array",
                "items": {"type": "string", "enum": noise::ALL.map(Noise::name)},
            },
            "alert_precision": {"type": "string", "enum": PRECISIONS.map(Precision::name)},
            "rationale": {"type": "string"},
        },
        "required": ["name", "faults", "red_herrings", "alert_precision"],
        "additionalProperties": false,
    })
}

/// Reads a reply as a design: the schema's fields, every fault parsed and among the offered
/// targets, once; red herrings and precision by name.
pub fn parse_design(v: &Value, req: &DesignRequest<'_>) -> Result<Design, String> {
    let obj = v.as_object().ok_or("the design is not a JSON object")?;
    let name = obj
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or("the design has no name")?;
    let faults_v = obj
        .get("faults")
        .and_then(Value::as_array)
        .ok_or("the design has no list of faults")?;
    if faults_v.is_empty() || faults_v.len() > req.max_faults {
        return Err(format!(
            "{} faults; 1 to {} are allowed",
            faults_v.len(),
            req.max_faults
        ));
    }
    let mut faults: Vec<CatalogueFault> = Vec::new();
    for f in faults_v {
        let text = f
            .as_str()
            .ok_or_else(|| format!("fault {f} is not a string"))?;
        let fault: CatalogueFault = text.trim().parse().map_err(|e| format!("{e}"))?;
        let offered = req
            .targets
            .get(&fault.mechanism)
            .is_some_and(|ts| ts.contains(&fault));
        if !offered {
            return Err(format!("{fault} is not among the offered targets"));
        }
        if faults.contains(&fault) {
            return Err(format!("{fault} appears twice"));
        }
        faults.push(fault);
    }
    let mut herrings: BTreeSet<Noise> = BTreeSet::new();
    if let Some(list) = obj.get("red_herrings") {
        let list = list.as_array().ok_or("red_herrings is not a list")?;
        for h in list {
            let h = h
                .as_str()
                .ok_or_else(|| format!("red herring {h} is not a string"))?;
            herrings.insert(h.trim().parse::<Noise>()?);
        }
    }
    let precision = match obj.get("alert_precision").and_then(Value::as_str) {
        Some(p) => PRECISIONS
            .into_iter()
            .find(|x| x.name() == p.trim())
            .ok_or_else(|| format!("unknown alert precision {p:?}"))?,
        None => return Err("the design has no alert_precision".into()),
    };
    Ok(Design {
        name: name.chars().take(64).collect(),
        faults,
        noise: herrings.into_iter().collect(),
        precision,
    })
}

impl Designer for LlmDesigner {
    fn name(&self) -> &str {
        &self.name
    }

    fn design(&self, req: &DesignRequest<'_>) -> Result<Design, String> {
        let reply = self
            .model
            .chat(&self.request(req))
            .map_err(|e| e.to_string())?;
        let value = reply.json(DESIGN_SCHEMA_NAME).map_err(|e| e.to_string())?;
        parse_design(&value, req)
    }
}
