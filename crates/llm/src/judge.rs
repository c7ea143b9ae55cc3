//! The LLM judge: scores a step in [-1, 1] with a reason, in the junior, senior or principal
//! persona, aware of the step's phase. It is a [`gym::StepScorer`]: the environment blends its
//! score with the programmatic judge's and keeps the programmatic score when it fails. It sees
//! the ground truth (the agent never sees its words) and the whole pod listing; it cannot
//! declare anything resolved.

use std::fmt::Write as _;
use std::sync::Arc;

use gym::Persona;
use gym::judge::{Phase, StepContext, StepScore, StepScorer};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::chat::{ChatModel, ChatRequest, Output};

/// The structured reply's name (the Anthropic tool, the OpenAI schema).
pub const JUDGE_SCHEMA_NAME: &str = "step_verdict";
/// The longest reason kept.
pub const MAX_REASON: usize = 1000;

#[derive(Clone, Debug, PartialEq)]
pub struct LlmJudgeConfig {
    pub temperature: f32,
    pub max_tokens: u32,
    /// The command's output is cut past this many characters (the pod listing never is).
    pub max_output_chars: usize,
    /// Earlier steps shown, most recent last.
    pub history: usize,
}

impl Default for LlmJudgeConfig {
    fn default() -> Self {
        LlmJudgeConfig {
            temperature: 0.2,
            // Room for a reasoning model's thinking before the JSON.
            max_tokens: 1024,
            max_output_chars: 12_000,
            history: 12,
        }
    }
}

pub struct LlmJudge {
    model: Arc<dyn ChatModel>,
    config: LlmJudgeConfig,
    name: String,
}

impl LlmJudge {
    pub fn new(model: Arc<dyn ChatModel>) -> LlmJudge {
        LlmJudge::with_config(model, LlmJudgeConfig::default())
    }

    pub fn with_config(model: Arc<dyn ChatModel>, config: LlmJudgeConfig) -> LlmJudge {
        let name = format!("llm-judge:{}", model.model());
        LlmJudge {
            model,
            config,
            name,
        }
    }

    /// The request for a step, for inspection and tests.
    pub fn request(&self, ctx: &StepContext<'_>) -> ChatRequest {
        let mut req = ChatRequest::new(system_prompt(ctx.persona), self.user_prompt(ctx));
        req.temperature = self.config.temperature;
        req.max_tokens = self.config.max_tokens;
        req.output = Output::Json {
            name: JUDGE_SCHEMA_NAME.into(),
            schema: verdict_schema(),
        };
        req
    }

    fn user_prompt(&self, ctx: &StepContext<'_>) -> String {
        let mut p = String::new();
        p.push_str("## INCIDENT (ground truth: for you only, the engineer does not see it)\n");
        for a in &ctx.scenario.alerts {
            let _ = writeln!(p, "Alert: {a}");
        }
        for i in &ctx.scenario.incidents {
            let info = i.ground_truth.mechanism.info();
            let causes: Vec<String> = i
                .ground_truth
                .root_causes
                .iter()
                .map(|e| {
                    if e.namespace.is_empty() {
                        format!("{} {}", e.kind, e.name)
                    } else {
                        format!("{} {}/{}", e.kind, e.namespace, e.name)
                    }
                })
                .collect();
            let _ = writeln!(
                p,
                "Fault: {} ({}) aimed at {}; root cause: {}",
                info.name,
                info.summary,
                i.target,
                causes.join(", ")
            );
        }
        let _ = writeln!(
            p,
            "\n## PROGRESS\nStep {} of at most {}. Phase of this step: {}. Phases so far: {}.",
            ctx.step,
            ctx.max_steps,
            ctx.phase.map(Phase::name).unwrap_or("none (not a command)"),
            phases_so_far(ctx)
        );
        p.push_str("\n## EARLIER STEPS\n");
        if ctx.history.is_empty() {
            p.push_str("(this is the first step)\n");
        }
        let skip = ctx.history.len().saturating_sub(self.config.history);
        for (k, s) in ctx.history.iter().enumerate().skip(skip) {
            let _ = writeln!(
                p,
                "Step {} [{}]: {} -> reward {:.2}",
                k + 1,
                s.phase.map(Phase::name).unwrap_or("-"),
                cut(&s.command, 300),
                s.reward
            );
        }
        let _ = writeln!(
            p,
            "\n## THIS STEP\nCommand: {}\nExit code: {}\nOutput:\n{}",
            ctx.command,
            ctx.exit_code,
            cut(ctx.output, self.config.max_output_chars)
        );
        let _ = writeln!(
            p,
            "\n## ALL PODS AFTER THE STEP (kubectl get pods -A)\n{}",
            ctx.pods
        );
        let _ = writeln!(
            p,
            "The environment's rule-based judge scored this step {:.2}.\n\nScore this step from -1 \
             (harmful or useless) to 1 (exactly the right move now). Reply with JSON only: \
             {{\"score\": <number in [-1, 1]>, \"reason\": \"<one or two sentences>\"}}.",
            ctx.programmatic
        );
        p
    }
}

fn phases_so_far(ctx: &StepContext<'_>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for s in ctx.history {
        if let Some(p) = s.phase
            && !seen.contains(&p.name())
        {
            seen.push(p.name());
        }
    }
    if seen.is_empty() {
        "none".into()
    } else {
        seen.join(", ")
    }
}

/// `s`, cut to `max` characters with a note of what was left out.
fn cut(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let kept: String = s.chars().take(max).collect();
    format!("{kept}\n[... {} more characters not shown]", n - max)
}

pub fn system_prompt(persona: Persona) -> String {
    let who = match persona {
        Persona::Junior => {
            "You are a patient senior SRE mentoring a trainee. Be lenient: give partial credit \
             for reasonable steps and approximate ideas; penalise only clearly harmful or \
             pointless actions, and mildly."
        }
        Persona::Senior => {
            "You are a senior SRE reviewing an on-call engineer. Standard expectations: reward \
             systematic work (a broad look, then the suspect objects, then a targeted fix, \
             then verification); penalise repeated, irrelevant or careless actions."
        }
        Persona::Principal => {
            "You are a principal SRE with high standards. Reward quick, correct fixes: a direct \
             fix is fine when it targets the right object. Penalise wrong or risky changes \
             (deleting or scaling away workloads, changing objects that are not involved) \
             hard, and long aimless reading; do not penalise speed. With several faults, \
             reward progress on each and expect all of them fixed."
        }
    };
    format!(
        "{who}\n\nAn engineer is repairing a broken Kubernetes cluster with kubectl, one command per \
         step. You judge ONE step. Work proceeds in phases: triage (a broad look), investigate \
         (describe, logs, YAML of particular objects, or `diagnose: <cause>`), fix (a change), \
         verify (reads after a change). Judge the step for its phase: a broad look is good at \
         the start and worth less when repeated; investigation is good when it looks at the \
         objects involved; a fix is good when it addresses a root cause without collateral \
         damage; verification is good after a change. Skipping phases is fine when the \
         evidence already justifies the move. You do not decide whether the incident is \
         resolved: the environment checks the cluster's state itself. Reply with JSON only."
    )
}

pub fn verdict_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "score": {"type": "number", "minimum": -1, "maximum": 1},
            "reason": {"type": "string"},
        },
        "required": ["score", "reason"],
        "additionalProperties": false,
    })
}

#[derive(Deserialize)]
struct Verdict {
    score: Value,
    #[serde(default)]
    reason: Value,
}

/// Checks a reply against the verdict schema: `score` a number in [-1, 1], `reason` a string
/// (cut to [`MAX_REASON`]). Other keys are ignored (a `resolved` claim among them).
pub fn parse_verdict(v: &Value) -> Result<StepScore, String> {
    if !v.is_object() {
        return Err(format!("the verdict is not a JSON object: {v}"));
    }
    let verdict: Verdict = serde_json::from_value(v.clone())
        .map_err(|e| format!("the verdict is not an object with a score: {e}"))?;
    let score = verdict
        .score
        .as_f64()
        .ok_or_else(|| format!("score {} is not a number", verdict.score))?;
    if !score.is_finite() || !(-1.0..=1.0).contains(&score) {
        return Err(format!("score {score} is outside [-1, 1]"));
    }
    let reason = match verdict.reason {
        Value::String(s) => s.trim().chars().take(MAX_REASON).collect(),
        Value::Null => String::new(),
        other => return Err(format!("reason {other} is not a string")),
    };
    Ok(StepScore { score, reason })
}

impl StepScorer for LlmJudge {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(&self, ctx: &StepContext<'_>) -> Result<StepScore, String> {
        let reply = self
            .model
            .chat(&self.request(ctx))
            .map_err(|e| e.to_string())?;
        let value = reply.json(JUDGE_SCHEMA_NAME).map_err(|e| e.to_string())?;
        parse_verdict(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_are_checked_against_the_schema() {
        let ok =
            parse_verdict(&json!({"score": -0.4, "reason": " wrong object ", "resolved": true}))
                .unwrap();
        assert_eq!((ok.score, ok.reason.as_str()), (-0.4, "wrong object"));
        assert_eq!(parse_verdict(&json!({"score": 1})).unwrap().reason, "");
        for bad in [
            json!({"score": 1.5, "reason": "x"}),
            json!({"score": "0.5", "reason": "x"}),
            json!({"reason": "x"}),
            json!({"score": 0.1, "reason": 3}),
            json!([0.5]),
            json!(null),
        ] {
            assert!(parse_verdict(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn personas_differ_and_every_prompt_asks_for_json_only() {
        let prompts: Vec<String> = Persona::ALL.into_iter().map(system_prompt).collect();
        assert_ne!(prompts[0], prompts[1]);
        assert_ne!(prompts[1], prompts[2]);
        assert!(prompts.iter().all(|p| p.contains("JSON only")));
    }
}
