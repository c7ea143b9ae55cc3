//! An LLM as the agent, for evaluation: each turn sends the alert and the last command's output
//! to a chat model and reads one command from its reply (a `kubectl` tool call, a code fence,
//! or a plain line). It implements [`gym::policy::Policy`], so [`gym::evaluate::play`] runs it
//! like the scripted baselines.

use std::sync::Arc;

use gym::policy::{Observation, Policy, Spend};
use serde_json::{Value, json};

use crate::chat::{ChatModel, ChatRequest, ChatResponse, Message, Tool};
use crate::cost::PriceTable;
use crate::error::LlmError;
use crate::json::{fenced_blocks, strip_think};

pub const KUBECTL_TOOL: &str = "kubectl";

#[derive(Clone, Debug, PartialEq)]
pub struct LlmPolicyConfig {
    pub temperature: f32,
    pub max_tokens: u32,
    /// Offer a `kubectl` tool (OpenAI tools, Anthropic tool use); the reply's text is read
    /// either way.
    pub use_tools: bool,
    /// A command's output is cut past this many characters in the conversation.
    pub max_output_chars: usize,
    /// Earlier exchanges kept in the conversation besides the alert.
    pub max_turns: usize,
    /// Replies without a command are answered with a reminder this many times per step
    /// before the policy stops.
    pub reminders: usize,
}

impl Default for LlmPolicyConfig {
    fn default() -> Self {
        LlmPolicyConfig {
            temperature: 0.0,
            max_tokens: 1024,
            use_tools: true,
            max_output_chars: 8_000,
            max_turns: 24,
            reminders: 2,
        }
    }
}

pub struct LlmPolicy {
    model: Arc<dyn ChatModel>,
    config: LlmPolicyConfig,
    messages: Vec<Message>,
    /// The last error that stopped the policy, for reports.
    last_error: Option<LlmError>,
    /// Replies that held no command.
    unparsed: usize,
    /// Calls, tokens and cost since the policy was built (one episode's, as built per episode).
    spend: Spend,
    prices: PriceTable,
}

pub const SYSTEM: &str = "You are the on-call SRE for a Kubernetes cluster. You were paged with an \
alert. Investigate with kubectl, find the root cause and repair it; the incident is resolved when \
every affected workload is healthy and stays healthy. Each turn, run exactly ONE command: a kubectl \
command line (no shell other than `| grep`, `| head`, `| tail`, `| wc -l`; no exec, edit or \
port-forward), or `diagnose: <root cause>` to state what you found. Use the kubectl tool when you \
have it; otherwise reply with the command alone on one line.";

impl LlmPolicy {
    pub fn new(model: Arc<dyn ChatModel>) -> LlmPolicy {
        LlmPolicy::with_config(model, LlmPolicyConfig::default())
    }

    pub fn with_config(model: Arc<dyn ChatModel>, config: LlmPolicyConfig) -> LlmPolicy {
        LlmPolicy {
            model,
            config,
            messages: Vec::new(),
            last_error: None,
            unparsed: 0,
            spend: Spend::default(),
            prices: PriceTable::default(),
        }
    }

    /// Prices the policy's calls (by the configured model name, else the one that answered).
    pub fn with_prices(mut self, prices: PriceTable) -> LlmPolicy {
        self.prices = prices;
        self
    }

    pub fn last_error(&self) -> Option<&LlmError> {
        self.last_error.as_ref()
    }

    /// Replies so far that held no command.
    pub fn unparsed_replies(&self) -> usize {
        self.unparsed
    }

    fn request(&self) -> ChatRequest {
        ChatRequest {
            system: SYSTEM.into(),
            messages: self.messages.clone(),
            temperature: self.config.temperature,
            max_tokens: self.config.max_tokens,
            output: crate::chat::Output::Text,
            tools: if self.config.use_tools {
                vec![kubectl_tool()]
            } else {
                Vec::new()
            },
        }
    }

    /// Drops the oldest exchanges past `max_turns`, keeping the alert and the alternation.
    fn trim(&mut self) {
        let keep = 1 + 2 * self.config.max_turns;
        if self.messages.len() > keep {
            let excess = self.messages.len() - keep;
            let excess = excess + excess % 2;
            self.messages
                .drain(1..(1 + excess).min(self.messages.len()));
        }
    }
}

pub fn kubectl_tool() -> Tool {
    Tool {
        name: KUBECTL_TOOL.into(),
        description: "Run one command against the cluster: a kubectl command line, or \
                      `diagnose: <root cause>`."
            .into(),
        parameters: json!({
            "type": "object",
            "properties": {"command": {"type": "string", "description": "e.g. kubectl get pods -A"}},
            "required": ["command"],
        }),
    }
}

impl Policy for LlmPolicy {
    fn name(&self) -> String {
        format!("llm:{}", self.model.model())
    }

    fn spend(&self) -> Option<Spend> {
        Some(self.spend)
    }

    fn next_command(&mut self, obs: &Observation<'_>) -> Option<String> {
        if obs.step == 0 || self.messages.is_empty() {
            self.messages = vec![Message::user(format!(
                "PAGERDUTY ALERT\n{}\n\nYou have {} steps. What is your first command?",
                obs.alert, obs.max_steps
            ))];
        } else if let Some(last) = obs.last {
            let mut output = format!("{}{}", last.stdout, last.stderr);
            let n = output.chars().count();
            if n > self.config.max_output_chars {
                output = output.chars().take(self.config.max_output_chars).collect();
                output.push_str(&format!(
                    "\n[... {} more characters]",
                    n - self.config.max_output_chars
                ));
            }
            if output.trim().is_empty() {
                output = "(no output)".into();
            }
            self.messages.push(Message::user(format!(
                "$ {}\n{}\nStep {} of {}. Next command?",
                last.command,
                output.trim_end(),
                obs.step,
                obs.max_steps
            )));
        }
        self.trim();
        for _ in 0..=self.config.reminders {
            self.spend.calls += 1;
            let reply = match self.model.chat(&self.request()) {
                Ok(r) => {
                    self.spend.input_tokens += r.usage.input_tokens;
                    self.spend.output_tokens += r.usage.output_tokens;
                    self.spend.cost_usd +=
                        self.prices.cost(&[self.model.model(), &r.model], &r.usage);
                    r
                }
                Err(e) => {
                    self.spend.failures += 1;
                    tracing::warn!(error = %e, "the LLM policy stops: its model failed");
                    self.last_error = Some(e);
                    return None;
                }
            };
            if let Some(command) = command_from(&reply) {
                // Recorded as text: a tool call would need a tool result message next.
                self.messages.push(Message::assistant(command.clone()));
                return Some(command);
            }
            self.unparsed += 1;
            let said: String = strip_think(&reply.text).chars().take(2000).collect();
            self.messages.push(Message::assistant(if said.is_empty() {
                "(no reply)".to_string()
            } else {
                said
            }));
            self.messages.push(Message::user(
                "That reply held no command. Reply with exactly one kubectl command (or \
                 `diagnose: <root cause>`) and nothing else.",
            ));
        }
        None
    }
}

/// The command in a reply: a `kubectl` tool call's `command`, else one read from the text.
pub fn command_from(reply: &ChatResponse) -> Option<String> {
    for call in &reply.tool_calls {
        let command = match &call.arguments {
            Value::Object(m) => m
                .get("command")
                .or_else(|| m.get("cmd"))
                .and_then(Value::as_str),
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        if let Some(c) =
            command.and_then(|c| command_in_text(c).or_else(|| Some(c.trim().to_string())))
            && !c.is_empty()
        {
            return Some(normalise(&c, call.name == KUBECTL_TOOL));
        }
    }
    command_in_text(&reply.text)
}

/// A tool call to the `kubectl` tool may leave out the word `kubectl`.
fn normalise(command: &str, kubectl_tool: bool) -> String {
    let c = command.trim();
    if kubectl_tool && !is_command(c) {
        format!("kubectl {c}")
    } else {
        c.to_string()
    }
}

fn is_command(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    line == "kubectl"
        || line.starts_with("kubectl ")
        || lower.starts_with("diagnose:")
        || lower.starts_with("fix:")
}

/// A line as models decorate it: `$ `, `> `, backticks, a `Command:` label, bullets.
fn clean(line: &str) -> &str {
    let mut l = line.trim();
    for prefix in [
        "$ ",
        "> ",
        "- ",
        "* ",
        "Command:",
        "command:",
        "Next command:",
    ] {
        if let Some(rest) = l.strip_prefix(prefix) {
            l = rest.trim();
        }
    }
    l.trim_matches('`').trim()
}

/// The first command in free text: in a code fence first (a heredoc keeps its lines), then on
/// a line of its own, then inline in backticks.
pub fn command_in_text(text: &str) -> Option<String> {
    let text = strip_think(text);
    for block in fenced_blocks(&text) {
        let lines: Vec<&str> = block.lines().collect();
        for (k, line) in lines.iter().enumerate() {
            let l = clean(line);
            if is_command(l) {
                if l.contains("<<") {
                    let rest: Vec<&str> = lines[k + 1..].to_vec();
                    return Some(format!("{l}\n{}", rest.join("\n")).trim_end().to_string());
                }
                return Some(l.to_string());
            }
        }
    }
    for line in text.lines() {
        let l = clean(line);
        if is_command(l) {
            return Some(l.to_string());
        }
    }
    let mut parts = text.split('`');
    parts.next();
    for (k, inner) in parts.enumerate() {
        if k % 2 == 0 && is_command(inner.trim()) {
            return Some(inner.trim().to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::ToolCall;

    fn text(t: &str) -> ChatResponse {
        ChatResponse {
            text: t.into(),
            ..ChatResponse::default()
        }
    }

    #[test]
    fn commands_are_read_from_text_fences_and_tool_calls() {
        let cases = [
            ("kubectl get pods -A", "kubectl get pods -A"),
            (
                "<think>maybe logs?</think>\nkubectl logs x -n payments",
                "kubectl logs x -n payments",
            ),
            (
                "I'll check the pods.\n```bash\n$ kubectl get pods -n payments\n```",
                "kubectl get pods -n payments",
            ),
            (
                "Let me run `kubectl describe deploy/api -n shop` now.",
                "kubectl describe deploy/api -n shop",
            ),
            ("Command: kubectl get events -A", "kubectl get events -A"),
            (
                "diagnose: the memory limit of payment-api is too low",
                "diagnose: the memory limit of payment-api is too low",
            ),
            (
                "fix: kubectl rollout undo deploy/api",
                "fix: kubectl rollout undo deploy/api",
            ),
        ];
        for (t, want) in cases {
            assert_eq!(command_from(&text(t)).as_deref(), Some(want), "{t}");
        }
        let heredoc = "```\nkubectl apply -f - <<EOF\nkind: ConfigMap\nEOF\n```";
        assert_eq!(
            command_from(&text(heredoc)).as_deref(),
            Some("kubectl apply -f - <<EOF\nkind: ConfigMap\nEOF")
        );
        for none in [
            "",
            "I am not sure.",
            "<think>kubectl get pods</think>",
            "run kubectl",
        ] {
            assert_eq!(command_from(&text(none)), None, "{none}");
        }
        let call = |args: Value| ChatResponse {
            tool_calls: vec![ToolCall {
                name: KUBECTL_TOOL.into(),
                arguments: args,
            }],
            text: "Then:\nkubectl get nodes".into(),
            ..ChatResponse::default()
        };
        assert_eq!(
            command_from(&call(json!({"command": "kubectl get pods -A"}))).as_deref(),
            Some("kubectl get pods -A")
        );
        assert_eq!(
            command_from(&call(json!({"command": "get pods -A"}))).as_deref(),
            Some("kubectl get pods -A")
        );
        assert_eq!(
            command_from(&call(json!({"nothing": 1}))).as_deref(),
            Some("kubectl get nodes")
        );
    }
}
