//! The Anthropic Messages API (`POST {base}/v1/messages`, `x-api-key`, `anthropic-version`).
//! Structured output is a tool whose `input_schema` is the reply's schema, forced with
//! `tool_choice`.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::chat::{ChatRequest, ChatResponse, Output, ToolCall};
use crate::cost::Usage;

pub fn body(model: &str, req: &ChatRequest) -> Value {
    let messages: Vec<Value> = req
        .messages
        .iter()
        .map(|m| json!({"role": m.role.name(), "content": m.content}))
        .collect();
    let mut body = json!({
        "model": model,
        "max_tokens": req.max_tokens,
        "messages": messages,
        "temperature": req.temperature,
    });
    if !req.system.is_empty() {
        body["system"] = json!(req.system);
    }
    let mut tools: Vec<Value> = req
        .tools
        .iter()
        .map(
            |t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}),
        )
        .collect();
    if let Output::Json { name, schema } = &req.output {
        tools.push(json!({
            "name": name,
            "description": "Record the answer. Always call this tool; its input is the whole answer.",
            "input_schema": schema,
        }));
        body["tool_choice"] = json!({"type": "tool", "name": name});
    } else if !tools.is_empty() {
        body["tool_choice"] = json!({"type": "auto"});
    }
    if !tools.is_empty() {
        body["tools"] = Value::Array(tools);
    }
    body
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    content: Vec<Block>,
    #[serde(default)]
    stop_reason: Option<String>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block {
    Text {
        text: String,
    },
    ToolUse {
        name: String,
        #[serde(default)]
        input: Value,
    },
    /// Thinking, redacted thinking, and block types added later: skipped.
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

pub fn parse(body: &str) -> Result<ChatResponse, String> {
    let reply: Reply =
        serde_json::from_str(body).map_err(|e| format!("not a Messages API reply: {e}"))?;
    let mut text = String::new();
    let mut tool_calls = Vec::new();
    for block in reply.content {
        match block {
            Block::Text { text: t } => text.push_str(&t),
            Block::ToolUse { name, input } => tool_calls.push(ToolCall {
                name,
                arguments: input,
            }),
            Block::Other => {}
        }
    }
    let usage = reply
        .usage
        .map(|u| Usage {
            input_tokens: u.input_tokens
                + u.cache_creation_input_tokens.unwrap_or(0)
                + u.cache_read_input_tokens.unwrap_or(0),
            output_tokens: u.output_tokens,
        })
        .unwrap_or_default();
    Ok(ChatResponse {
        text,
        tool_calls,
        usage,
        model: reply.model.unwrap_or_default(),
        finish_reason: reply.stop_reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_output_is_a_forced_tool() {
        let mut req = ChatRequest::new("sys", "hi");
        req.output = Output::Json {
            name: "verdict".into(),
            schema: json!({"type": "object"}),
        };
        let b = body("claude", &req);
        assert_eq!(b["system"], "sys");
        assert_eq!(b["messages"], json!([{"role": "user", "content": "hi"}]));
        assert_eq!(b["tools"][0]["name"], "verdict");
        assert_eq!(b["tools"][0]["input_schema"], json!({"type": "object"}));
        assert_eq!(b["tool_choice"], json!({"type": "tool", "name": "verdict"}));
    }

    #[test]
    fn blocks_of_every_type_are_read_or_skipped() {
        let r = parse(r#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-x",
            "content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"I will look."},
            {"type":"tool_use","id":"toolu_1","name":"kubectl","input":{"command":"kubectl get pods -A"}},
            {"type":"server_tool_use","id":"x","name":"y","input":{}}],
            "stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":5,"cache_read_input_tokens":2}}"#).unwrap();
        assert_eq!(r.text, "I will look.");
        assert_eq!(r.tool_calls.len(), 1);
        assert_eq!(r.tool_calls[0].arguments["command"], "kubectl get pods -A");
        assert_eq!((r.usage.input_tokens, r.usage.output_tokens), (12, 5));
        assert_eq!(r.finish_reason.as_deref(), Some("tool_use"));
        assert!(parse(r#"{"content":"nope"}"#).is_err());
    }
}
