//! Provider-neutral chat requests and replies, and the [`ChatModel`] trait every part of this
//! crate talks to (the HTTP client, or a fake in tests).

use serde_json::Value;

use crate::cost::Usage;
use crate::error::LlmError;
use crate::json;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Message {
        Message {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// A function the model may call.
#[derive(Clone, Debug, PartialEq)]
pub struct Tool {
    pub name: String,
    pub description: String,
    /// A JSON Schema of the arguments object.
    pub parameters: Value,
}

/// What the reply should be.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    Text,
    /// A JSON value matching `schema` (a JSON Schema object), asked for the way the backend
    /// supports: OpenAI `response_format`, an Anthropic tool named `name` that must be used.
    Json {
        name: String,
        schema: Value,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    /// Alternating, starting with the user.
    pub messages: Vec<Message>,
    pub temperature: f32,
    pub max_tokens: u32,
    pub output: Output,
    /// Tools the model may call (not together with [`Output::Json`]).
    pub tools: Vec<Tool>,
}

impl ChatRequest {
    pub fn new(system: impl Into<String>, user: impl Into<String>) -> ChatRequest {
        ChatRequest {
            system: system.into(),
            messages: vec![Message::user(user)],
            temperature: 0.3,
            max_tokens: 1024,
            output: Output::Text,
            tools: Vec::new(),
        }
    }
}

/// A tool call in a reply, its arguments parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolCall {
    pub name: String,
    pub arguments: Value,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatResponse {
    /// The reply's text blocks joined (reasoning blocks left out).
    pub text: String,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    /// The model the server says answered.
    pub model: String,
    pub finish_reason: Option<String>,
}

impl ChatResponse {
    /// The structured reply asked for by [`Output::Json`] named `name`: the forced tool's
    /// input when the backend answered with it, else the JSON found in the text.
    pub fn json(&self, name: &str) -> Result<Value, LlmError> {
        if let Some(call) = self.tool_calls.iter().find(|c| c.name == name) {
            return Ok(call.arguments.clone());
        }
        json::extract(&self.text).map_err(LlmError::Malformed)
    }
}

/// A chat model. Blocking: see the crate documentation for why.
pub trait ChatModel: Send + Sync {
    /// The model's name, for policy names and logs.
    fn model(&self) -> &str;
    fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;
}
