//! Recorded episodes: what a policy typed, what it was shown and how each step was scored, one
//! JSON object per episode (a line of a JSONL file), for supervised fine-tuning, analysis and
//! deterministic replay; and their export to Harbor's Agent Trajectory Interchange Format.
//!
//! A trajectory holds no ground truth: only the incident id (from which a researcher can
//! rebuild the incident) and what the agent saw.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::policy::Spend;
use crate::reward::Breakdown;

/// The `format` field of every trajectory line; bumped when a field changes meaning.
pub const FORMAT: &str = "kube-sre-gym-trajectory/1";

/// ATIF (Agent Trajectory Interchange Format) as specified by Harbor's RFC 0001
/// (`rfcs/0001-trajectory-format.md`, changelog v1.7, April 2026): root `schema_version`,
/// `session_id`, `trajectory_id`, `agent`, `steps` (1-based `step_id`, `source`
/// system|user|agent, `message`, `tool_calls` with `tool_call_id`/`function_name`/`arguments`,
/// `observation.results` linked by `source_call_id`, `llm_call_count`, `metrics`, `extra`),
/// `notes`, `final_metrics`, `extra`.
pub const ATIF_SCHEMA_VERSION: &str = "ATIF-v1.7";

/// One episode, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trajectory {
    pub format: String,
    /// The incident id, e.g. `intermediate-904211`.
    pub incident: String,
    pub tier: String,
    pub split: String,
    pub policy: String,
    /// Which of the evaluation's repeated trials of this incident and policy this is.
    pub repeat: u32,
    /// The seed the policy drew its choices from (random policy); recorded for every policy.
    pub policy_seed: u64,
    pub max_steps: usize,
    pub alerts: Vec<String>,
    /// What the reset showed.
    pub reset: Shown,
    pub steps: Vec<Step>,
    pub outcome: Outcome,
    /// Model calls, tokens and cost, for LLM policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spend: Option<Spend>,
}

/// An observation's text besides the step's own output.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    pub output: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status_summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
}

/// One step: a command (or the policy stopping) and what came back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The command line; `None` when the policy stopped and the episode ended unresolved.
    pub command: Option<String>,
    /// What the agent was shown: the command's output (standard output, then error).
    pub output: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status_summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hint: String,
    pub exit_code: i32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blocked: bool,
    pub phase: Option<String>,
    pub reward: f64,
    pub breakdown: Breakdown,
    /// Simulated milliseconds since the reset when the step ended.
    pub sim_ms: u64,
    pub done: bool,
}

/// How the episode ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub resolved: bool,
    /// Commands run.
    pub steps: usize,
    /// The episode's total reward.
    pub reward: f64,
    /// The policy stopped before the step limit without resolving.
    pub gave_up: bool,
    /// The step limit ended it.
    pub truncated: bool,
    /// Damage done outside the fix, named.
    pub collateral: Vec<String>,
    /// Simulated seconds from the reset to the end of the episode.
    pub sim_seconds: f64,
    /// Simulated seconds from the reset to the step that resolved it.
    pub sim_seconds_to_mitigate: Option<f64>,
}

impl Trajectory {
    /// The commands run, in order.
    pub fn commands(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().filter_map(|s| s.command.as_deref())
    }

    /// One JSONL line (no newline).
    pub fn to_line(&self) -> String {
        // A struct of strings, numbers and vectors always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Why a trajectory file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("line {line}: {source}")]
    Json {
        line: usize,
        source: serde_json::Error,
    },
    #[error("line {line}: unsupported trajectory format {found:?} (this build reads {FORMAT:?})")]
    Format { line: usize, found: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Reads the trajectories of a JSONL text, each with its 1-based line number; blank lines are
/// skipped.
pub fn read_lines(text: &str) -> Result<Vec<(usize, Trajectory)>, ReadError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let t: Trajectory = serde_json::from_str(line).map_err(|source| ReadError::Json {
            line: i + 1,
            source,
        })?;
        if t.format != FORMAT {
            return Err(ReadError::Format {
                line: i + 1,
                found: t.format,
            });
        }
        out.push((i + 1, t));
    }
    Ok(out)
}

/// Writes lines handed over in any order in their index order, holding early arrivals until
/// the lines before them come: parallel episodes finish out of order, the file stays the same
/// bytes every run.
pub struct OrderedWriter<W: Write> {
    inner: Mutex<Ordered<W>>,
}

struct Ordered<W> {
    out: W,
    next: usize,
    waiting: BTreeMap<usize, String>,
    error: Option<std::io::Error>,
}

impl<W: Write> OrderedWriter<W> {
    pub fn new(out: W) -> OrderedWriter<W> {
        OrderedWriter {
            inner: Mutex::new(Ordered {
                out,
                next: 0,
                waiting: BTreeMap::new(),
                error: None,
            }),
        }
    }

    /// Hands over line `index` (without its newline). The first write error is kept and
    /// returned by [`OrderedWriter::finish`].
    pub fn put(&self, index: usize, line: String) {
        let mut o = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        o.waiting.insert(index, line);
        loop {
            let next = o.next;
            let Some(line) = o.waiting.remove(&next) else {
                break;
            };
            if o.error.is_none()
                && let Err(e) = writeln!(o.out, "{line}")
            {
                o.error = Some(e);
            }
            o.next += 1;
        }
    }

    /// Flushes and returns the writer; an error if a write failed or a line never came.
    pub fn finish(self) -> std::io::Result<W> {
        let mut o = self.inner.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = o.error {
            return Err(e);
        }
        if let Some(first) = o.waiting.keys().next() {
            return Err(std::io::Error::other(format!(
                "line {} never came, so line {first} and later were not written",
                o.next
            )));
        }
        o.out.flush()?;
        Ok(o.out)
    }
}

/// The first place two JSON values differ: a path (`steps[3].output`) and both values.
pub fn first_difference(recorded: &Value, replayed: &Value) -> Option<(String, Value, Value)> {
    fn walk(a: &Value, b: &Value, path: &mut String) -> Option<(String, Value, Value)> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    let (va, vb) = (
                        x.get(k).cloned().unwrap_or(Value::Null),
                        y.get(k).cloned().unwrap_or(Value::Null),
                    );
                    if let Some(d) = walk(&va, &vb, path) {
                        return Some(d);
                    }
                    path.truncate(len);
                }
                None
            }
            (Value::Array(x), Value::Array(y)) => {
                for i in 0..x.len().max(y.len()) {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    let (va, vb) = (
                        x.get(i).cloned().unwrap_or(Value::Null),
                        y.get(i).cloned().unwrap_or(Value::Null),
                    );
                    if let Some(d) = walk(&va, &vb, path) {
                        return Some(d);
                    }
                    path.truncate(len);
                }
                None
            }
            _ if a == b => None,
            _ => Some((path.clone(), a.clone(), b.clone())),
        }
    }
    walk(recorded, replayed, &mut String::new())
}

/// The trajectory as an ATIF document ([`ATIF_SCHEMA_VERSION`]): the reset's page as the user
/// step, each command as an agent step calling the `kubectl` tool with its output as the
/// observation, a policy's stop as a system step; rewards go in each step's `extra`.
pub fn to_atif(t: &Trajectory) -> Value {
    let id = format!("{}/{}/{}", t.incident, t.policy, t.repeat);
    let llm = t.spend.is_some();
    let mut steps = vec![json!({
        "step_id": 1,
        "source": "user",
        "message": t.reset.output,
        "extra": {
            "alerts": t.alerts,
            "status_summary": t.reset.status_summary,
            "hint": t.reset.hint,
            "max_steps": t.max_steps,
        },
    })];
    for (i, s) in t.steps.iter().enumerate() {
        let step_id = steps.len() + 1;
        let extra = json!({
            "reward": s.reward,
            "breakdown": s.breakdown,
            "phase": s.phase,
            "exit_code": s.exit_code,
            "blocked": s.blocked,
            "status_summary": s.status_summary,
            "hint": s.hint,
            "simulated_ms": s.sim_ms,
            "done": s.done,
        });
        match &s.command {
            Some(command) => {
                let call = format!("call-{}", i + 1);
                let mut step = json!({
                    "step_id": step_id,
                    "source": "agent",
                    "message": "",
                    "tool_calls": [{
                        "tool_call_id": call,
                        "function_name": "kubectl",
                        "arguments": {"command": command},
                    }],
                    "observation": {"results": [{"source_call_id": call, "content": s.output}]},
                    "extra": extra,
                });
                if !llm {
                    // ATIF: 0 marks a deterministic dispatch, no model call behind the step.
                    step["llm_call_count"] = json!(0);
                }
                steps.push(step);
            }
            None => steps.push(json!({
                "step_id": step_id,
                "source": "system",
                "message": s.output,
                "extra": extra,
            })),
        }
    }
    let mut final_metrics = json!({
        "total_steps": steps.len(),
        "extra": {
            "resolved": t.outcome.resolved,
            "reward": t.outcome.reward,
            "gave_up": t.outcome.gave_up,
            "truncated": t.outcome.truncated,
            "collateral": t.outcome.collateral,
            "simulated_seconds": t.outcome.sim_seconds,
            "simulated_seconds_to_mitigate": t.outcome.sim_seconds_to_mitigate,
        },
    });
    if let Some(s) = &t.spend {
        final_metrics["total_prompt_tokens"] = json!(s.input_tokens);
        final_metrics["total_completion_tokens"] = json!(s.output_tokens);
        final_metrics["total_cost_usd"] = json!(s.cost_usd);
    }
    json!({
        "schema_version": ATIF_SCHEMA_VERSION,
        "session_id": id,
        "trajectory_id": id,
        "agent": {"name": t.policy, "version": env!("CARGO_PKG_VERSION")},
        "steps": steps,
        "notes": "kube-sre-gym episode: one kubectl command per agent step; rewards per step in extra.",
        "final_metrics": final_metrics,
        "extra": {
            "incident": t.incident,
            "tier": t.tier,
            "split": t.split,
            "repeat": t.repeat,
            "policy_seed": t.policy_seed,
            "trajectory_format": t.format,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ordered_writer_writes_in_index_order_and_reports_a_gap() {
        let w = OrderedWriter::new(Vec::new());
        w.put(2, "c".into());
        w.put(0, "a".into());
        w.put(1, "b".into());
        assert_eq!(w.finish().unwrap(), b"a\nb\nc\n");
        let w = OrderedWriter::new(Vec::new());
        w.put(1, "b".into());
        assert!(w.finish().is_err());
    }

    #[test]
    fn the_first_difference_names_its_path() {
        let a = json!({"steps": [{"output": "x"}, {"output": "y"}], "k": 1});
        let b = json!({"steps": [{"output": "x"}, {"output": "z"}], "k": 1});
        let (path, x, y) = first_difference(&a, &b).unwrap();
        assert_eq!(
            (path.as_str(), x, y),
            ("steps[1].output", json!("y"), json!("z"))
        );
        assert!(first_difference(&a, &a).is_none());
    }
}
