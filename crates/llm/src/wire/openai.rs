//! OpenAI chat completions (`POST {base}/chat/completions`), as OpenAI, vLLM, llama.cpp's
//! server, Ollama, TGI and Hugging Face's router speak it.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::chat::{ChatRequest, ChatResponse, Output, ToolCall};
use crate::config::Structured;
use crate::cost::Usage;

/// The request body. `structured` decides how [`Output::Json`] is asked for.
pub fn body(model: &str, req: &ChatRequest, structured: Structured) -> Value {
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if !req.system.is_empty() {
        messages.push(json!({"role": "system", "content": req.system}));
    }
    for m in &req.messages {
        messages.push(json!({"role": m.role.name(), "content": m.content}));
    }
    let mut body = json!({
        "model": model,
        "messages": messages,
        "temperature": req.temperature,
        // The widest-supported name; OpenAI's reasoning models take it too through the
        // compatibility alias on most servers.
        "max_tokens": req.max_tokens,
        "stream": false,
    });
    if let Output::Json { name, schema } = &req.output {
        match structured {
            Structured::JsonSchema => {
                body["response_format"] = json!({
                    "type": "json_schema",
                    "json_schema": {"name": name, "schema": schema, "strict": false},
                });
            }
            Structured::JsonObject => body["response_format"] = json!({"type": "json_object"}),
            Structured::Off => {}
        }
    }
    if !req.tools.is_empty() {
        body["tools"] = req
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "function": {
                    "name": t.name, "description": t.description, "parameters": t.parameters,
                }})
            })
            .collect();
        body["tool_choice"] = json!("auto");
    }
    body
}

#[derive(Deserialize)]
struct Reply {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: ReplyMessage,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ReplyMessage {
    #[serde(default)]
    content: Option<Value>,
    #[serde(default)]
    tool_calls: Vec<WireToolCall>,
}

#[derive(Deserialize)]
struct WireToolCall {
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    name: String,
    /// A JSON string by the spec; some servers send an object.
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

/// Reads a 2xx reply body.
pub fn parse(body: &str) -> Result<ChatResponse, String> {
    let reply: Reply =
        serde_json::from_str(body).map_err(|e| format!("not a chat completion: {e}"))?;
    let choice = reply
        .choices
        .into_iter()
        .next()
        .ok_or("a chat completion without choices")?;
    // Content is a string, or (some servers) a list of text parts.
    let text = match choice.message.content {
        Some(Value::String(s)) => s,
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    };
    let mut tool_calls = Vec::new();
    for call in choice.message.tool_calls {
        let arguments = match call.function.arguments {
            Value::String(s) if s.trim().is_empty() => json!({}),
            Value::String(s) => serde_json::from_str(&s).map_err(|e| {
                format!(
                    "tool call {} has arguments that are not JSON: {e}",
                    call.function.name
                )
            })?,
            Value::Null => json!({}),
            other => other,
        };
        tool_calls.push(ToolCall {
            name: call.function.name,
            arguments,
        });
    }
    let usage = reply
        .usage
        .map(|u| Usage {
            input_tokens: u.prompt_tokens,
            output_tokens: u.completion_tokens,
        })
        .unwrap_or_default();
    Ok(ChatResponse {
        text,
        tool_calls,
        usage,
        model: reply.model.unwrap_or_default(),
        finish_reason: choice.finish_reason,
    })
}

/// Whether a 400 says the server does not support the `response_format` asked for.
pub fn rejects_response_format(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "response_format",
        "json_schema",
        "json_object",
        "guided",
        "grammar",
    ]
    .iter()
    .any(|w| m.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Tool;

    #[test]
    fn structured_output_and_tools_go_where_openai_expects_them() {
        let mut req = ChatRequest::new("sys", "hi");
        req.output = Output::Json {
            name: "verdict".into(),
            schema: json!({"type": "object"}),
        };
        let b = body("m", &req, Structured::JsonSchema);
        assert_eq!(
            b["messages"][0],
            json!({"role": "system", "content": "sys"})
        );
        assert_eq!(b["response_format"]["type"], "json_schema");
        assert_eq!(b["response_format"]["json_schema"]["name"], "verdict");
        assert_eq!(
            body("m", &req, Structured::JsonObject)["response_format"],
            json!({"type": "json_object"})
        );
        assert!(
            body("m", &req, Structured::Off)
                .get("response_format")
                .is_none()
        );
        req.output = Output::Text;
        req.tools.push(Tool {
            name: "kubectl".into(),
            description: "run".into(),
            parameters: json!({"type": "object"}),
        });
        let b = body("m", &req, Structured::JsonSchema);
        assert_eq!(b["tools"][0]["function"]["name"], "kubectl");
    }

    #[test]
    fn replies_with_text_parts_null_content_and_object_arguments_are_read() {
        let r = parse(r#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]}"#).unwrap();
        assert_eq!(r.text, "ab");
        let r = parse(r#"{"choices":[{"message":{"content":null,"tool_calls":[{"id":"1","type":"function","function":{"name":"kubectl","arguments":{"command":"kubectl get pods"}}}]},"finish_reason":"tool_calls"}]}"#).unwrap();
        assert_eq!(r.tool_calls[0].arguments["command"], "kubectl get pods");
        assert!(parse(r#"{"choices":[]}"#).is_err());
        assert!(parse(r#"{"choices":[{"message":{"tool_calls":[{"function":{"name":"x","arguments":"{oops"}}]}}]}"#).is_err());
        assert!(parse("null").is_err());
    }
}
