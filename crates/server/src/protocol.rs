//! The OpenEnv wire format: the observation envelope, `/ws` frames and their error bodies, and
//! the pydantic-shaped validation errors the Python server sends, so that clients written
//! against it read ours the same way.

use gym::episode::StepInfo;
use gym::{Observation, State};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The `/ws` error codes (OpenEnv's `WSErrorCode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidJson,
    UnknownType,
    ValidationError,
    ExecutionError,
    CapacityReached,
    FactoryError,
    SessionError,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "INVALID_JSON",
            ErrorCode::UnknownType => "UNKNOWN_TYPE",
            ErrorCode::ValidationError => "VALIDATION_ERROR",
            ErrorCode::ExecutionError => "EXECUTION_ERROR",
            ErrorCode::CapacityReached => "CAPACITY_REACHED",
            ErrorCode::FactoryError => "FACTORY_ERROR",
            ErrorCode::SessionError => "SESSION_ERROR",
        }
    }
}

/// The observation's own fields; `reward`, `done` go to the envelope's top level.
#[derive(Serialize)]
struct Fields<'a> {
    command_output: &'a str,
    cluster_status_summary: &'a str,
    active_alerts: &'a [String],
    steps_taken: usize,
    max_steps: usize,
    hint: &'a str,
    metadata: &'a StepInfo,
}

/// `{"observation": {...}, "reward": r, "done": d, "metadata": {...}}`: openenv 0.10's envelope.
/// 0.2.1 and 0.3.0 dropped `metadata`; 0.10 keeps it inside the observation and copies it to the
/// top level, which older clients ignore.
#[derive(Serialize)]
pub struct Envelope<'a> {
    observation: Fields<'a>,
    reward: f64,
    done: bool,
    metadata: &'a StepInfo,
}

impl<'a> Envelope<'a> {
    pub fn of(obs: &'a Observation) -> Envelope<'a> {
        Envelope {
            observation: Fields {
                command_output: &obs.command_output,
                cluster_status_summary: &obs.cluster_status_summary,
                active_alerts: &obs.active_alerts,
                steps_taken: obs.steps_taken,
                max_steps: obs.max_steps,
                hint: &obs.hint,
                metadata: &obs.metadata,
            },
            reward: obs.reward,
            done: obs.done,
            metadata: &obs.metadata,
        }
    }
}

#[derive(Serialize)]
struct Frame<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: T,
}

pub(crate) fn frame<T: Serialize>(kind: &str, data: T) -> String {
    // Serialising these types cannot fail: string keys, finite or null numbers.
    serde_json::to_string(&Frame { kind, data }).unwrap_or_else(|e| {
        error_frame(
            ErrorCode::SessionError,
            &format!("could not encode the reply: {e}"),
            Map::new(),
        )
    })
}

pub fn observation_frame(obs: &Observation) -> String {
    crate::json_text::envelope(obs, r#"{"type":"observation","data":"#, "}")
        .unwrap_or_else(|_| frame("observation", Envelope::of(obs)))
}

/// An envelope whose observation is an MCP observation (`tools` or `tool_name`).
pub fn raw_observation_frame(observation: Value, reward: Option<f64>, done: bool) -> String {
    frame(
        "observation",
        json!({"observation": observation, "reward": reward, "done": done}),
    )
}

pub fn state_frame(state: &State) -> String {
    frame("state", state)
}

pub fn mcp_frame(response: &Value) -> String {
    frame("mcp", response)
}

pub fn error_frame(code: ErrorCode, message: &str, extra: Map<String, Value>) -> String {
    let mut data = Map::new();
    data.insert("message".into(), message.into());
    data.insert("code".into(), code.as_str().into());
    data.extend(extra);
    serde_json::to_string(&json!({"type": "error", "data": data})).unwrap_or_else(|_| {
        String::from(
            r#"{"type":"error","data":{"message":"internal error","code":"SESSION_ERROR"}}"#,
        )
    })
}

pub fn capacity_message(active: usize, max: usize) -> String {
    format!("Server at capacity: {active}/{max} sessions active. Cannot accept new connections.")
}

/// One pydantic validation error (`ValidationError.errors()` item).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub kind: &'static str,
    pub loc: Vec<Value>,
    pub msg: String,
    pub input: Value,
    pub ctx: Option<Value>,
}

/// The pydantic version whose error URLs are given.
const PYDANTIC_DOCS: &str = "https://errors.pydantic.dev/2.12/v/";

impl FieldError {
    pub fn new(kind: &'static str, loc: &[&str], msg: impl Into<String>, input: Value) -> Self {
        FieldError {
            kind,
            loc: loc.iter().map(|s| Value::from(*s)).collect(),
            msg: msg.into(),
            input,
            ctx: None,
        }
    }

    pub fn with_ctx(mut self, ctx: Value) -> Self {
        self.ctx = Some(ctx);
        self
    }

    /// As pydantic's `errors()` gives it; `url` as pydantic adds it, FastAPI's 422 leaves it out.
    pub fn to_json(&self, with_url: bool) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), self.kind.into());
        m.insert("loc".into(), Value::Array(self.loc.clone()));
        m.insert("msg".into(), self.msg.clone().into());
        m.insert("input".into(), self.input.clone());
        if let Some(ctx) = &self.ctx {
            m.insert("ctx".into(), ctx.clone());
        }
        if with_url {
            m.insert("url".into(), format!("{PYDANTIC_DOCS}{}", self.kind).into());
        }
        Value::Object(m)
    }

    pub fn missing(loc: &[&str], input: Value) -> Self {
        FieldError::new("missing", loc, "Field required", input)
    }

    pub fn extra(loc: &[&str], input: Value) -> Self {
        FieldError::new(
            "extra_forbidden",
            loc,
            "Extra inputs are not permitted",
            input,
        )
    }

    pub fn dict_type(loc: &[&str], input: Value) -> Self {
        FieldError::new(
            "dict_type",
            loc,
            "Input should be a valid dictionary",
            input,
        )
    }
}

/// The `VALIDATION_ERROR` frame.
pub fn validation_frame(errors: &[FieldError]) -> String {
    let mut extra = Map::new();
    extra.insert(
        "errors".into(),
        Value::Array(errors.iter().map(|e| e.to_json(true)).collect()),
    );
    error_frame(ErrorCode::ValidationError, "Invalid message", extra)
}

/// How a Python f-string prints a JSON value (`Unknown message type: {msg_type}`).
pub fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

fn python_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(python_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!(
                    "{}: {}",
                    python_repr(&Value::from(k.as_str())),
                    python_repr(v)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// What Python's `json.loads` says about text that is not JSON, for the common cases:
/// `Expecting value: line 1 column 1 (char 0)`, `Extra data: ...`.
pub fn python_json_error(text: &str, err: &serde_json::Error) -> String {
    let line = err.line().max(1);
    let column = err.column().max(1);
    // serde_json's position is the offending character, 1-based; Python's char is 0-based.
    let mut offset = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum::<usize>()
        + (column - 1);
    offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let message = err.to_string();
    let what = if message.starts_with("trailing characters") {
        "Extra data"
    } else if message.starts_with("EOF while parsing a string")
        || message.starts_with("control character")
        || message.starts_with("invalid escape")
        || message.starts_with("invalid unicode")
    {
        "Invalid string"
    } else if message.starts_with("key must be a string") {
        "Expecting property name enclosed in double quotes"
    } else if message.starts_with("expected `:`") {
        "Expecting ':' delimiter"
    } else if message.starts_with("expected `,` or `}`")
        || message.starts_with("expected `,` or `]`")
    {
        "Expecting ',' delimiter"
    } else {
        // An unknown literal (`nope`, `tru`) is reported where it starts, as Python does.
        let bytes = text.as_bytes();
        let mut start = offset.min(bytes.len());
        if start == bytes.len() && start > 0 && message.starts_with("expected ident") {
            start -= 1;
        }
        while start > 0 && bytes[start - 1].is_ascii_alphabetic() {
            start -= 1;
        }
        offset = if message.starts_with("EOF while parsing a value") {
            text.len()
        } else {
            start
        };
        "Expecting value"
    };
    let before = &text[..offset];
    let py_line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let py_col = before[line_start..].chars().count() + 1;
    let py_char = before.chars().count();
    format!("{what}: line {py_line} column {py_col} (char {py_char})")
}

/// What a step's `data` (or HTTP `action`) asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `{"command": "..."}`: the environment's own action.
    Command(String),
    /// `{"type": "list_tools"}`: OpenEnv's MCP action.
    ListTools,
    /// `{"type": "call_tool", "tool_name": ..., "arguments": {...}}`.
    CallTool { tool_name: String, arguments: Value },
}

/// Validates a step's action as the original's `KubeSreGymAction` (`command: str`, at least one
/// character; optional `metadata: dict`; nothing else), or one of OpenEnv's MCP actions.
pub fn parse_action(data: &Value) -> Result<Action, Vec<FieldError>> {
    let Some(map) = data.as_object() else {
        return Err(vec![
            FieldError::new(
                "model_type",
                &[],
                "Input should be a valid dictionary or instance of KubeSreGymAction",
                data.clone(),
            )
            .with_ctx(json!({"class_name": "KubeSreGymAction"})),
        ]);
    };
    match map.get("type").and_then(Value::as_str) {
        Some("list_tools") => return parse_mcp_action(map, &["type"]).map(|()| Action::ListTools),
        Some("call_tool") => {
            parse_mcp_action(map, &["type", "tool_name", "arguments"])?;
            let mut errors = Vec::new();
            let tool_name = match map.get("tool_name") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => {
                    errors.push(FieldError::new(
                        "string_type",
                        &["tool_name"],
                        "Input should be a valid string",
                        other.clone(),
                    ));
                    String::new()
                }
                None => {
                    errors.push(FieldError::missing(&["tool_name"], data.clone()));
                    String::new()
                }
            };
            let arguments = match map.get("arguments") {
                None => json!({}),
                Some(v @ Value::Object(_)) => v.clone(),
                Some(other) => {
                    errors.push(FieldError::dict_type(&["arguments"], other.clone()));
                    json!({})
                }
            };
            return if errors.is_empty() {
                Ok(Action::CallTool {
                    tool_name,
                    arguments,
                })
            } else {
                Err(errors)
            };
        }
        _ => {}
    }
    let mut errors = Vec::new();
    let command = match map.get("command") {
        None => {
            errors.push(FieldError::missing(&["command"], data.clone()));
            None
        }
        Some(Value::String(s)) if s.is_empty() => {
            errors.push(
                FieldError::new(
                    "string_too_short",
                    &["command"],
                    "String should have at least 1 character",
                    Value::from(""),
                )
                .with_ctx(json!({"min_length": 1})),
            );
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            errors.push(FieldError::new(
                "string_type",
                &["command"],
                "Input should be a valid string",
                other.clone(),
            ));
            None
        }
    };
    if let Some(m) = map.get("metadata")
        && !m.is_object()
    {
        errors.push(FieldError::dict_type(&["metadata"], m.clone()));
    }
    for (k, v) in map {
        if k != "command" && k != "metadata" {
            errors.push(FieldError::extra(&[k.as_str()], v.clone()));
        }
    }
    match command {
        Some(c) if errors.is_empty() => Ok(Action::Command(c)),
        _ => Err(errors),
    }
}

fn parse_mcp_action(map: &Map<String, Value>, allowed: &[&str]) -> Result<(), Vec<FieldError>> {
    let errors: Vec<FieldError> = map
        .iter()
        .filter(|(k, _)| !allowed.contains(&k.as_str()) && k.as_str() != "metadata")
        .map(|(k, v)| FieldError::extra(&[k.as_str()], v.clone()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The command of a well-formed step frame, `{"type": "step", "data": {"command": "..."}}` and
/// nothing more, read without building a JSON tree: nearly every frame a trainer sends. `None`
/// for anything else, which the general path then reads (and answers with the same action
/// when it is a step).
pub fn plain_step(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Frame<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        data: Data<'a>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Data<'a> {
        #[serde(borrow)]
        command: std::borrow::Cow<'a, str>,
    }
    let frame: Frame = serde_json::from_str(text).ok()?;
    (frame.kind == "step" && !frame.data.command.is_empty())
        .then(|| frame.data.command.into_owned())
}

/// Checks a frame's top-level keys against its message model: `fields` are `(name, required)`,
/// each a dictionary; any other key but `type` is forbidden.
pub fn check_frame(
    frame: &Map<String, Value>,
    fields: &[(&'static str, bool)],
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (name, required) in fields {
        match frame.get(*name) {
            None if *required => {
                errors.push(FieldError::missing(&[name], Value::Object(frame.clone())));
            }
            None | Some(Value::Object(_)) => {}
            Some(other) => errors.push(FieldError::dict_type(&[name], other.clone())),
        }
    }
    for (k, v) in frame {
        if k != "type" && !fields.iter().any(|(n, _)| n == k) {
            errors.push(FieldError::extra(&[k.as_str()], v.clone()));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn py_err(text: &str) -> String {
        let e = serde_json::from_str::<Value>(text).expect_err("invalid");
        python_json_error(text, &e)
    }

    /// What the general path makes of a frame: the step's command, if it is a valid step.
    fn general_step(text: &str) -> Option<String> {
        let Ok(Value::Object(frame)) = serde_json::from_str::<Value>(text) else {
            return None;
        };
        if frame.get("type") != Some(&json!("step"))
            || check_frame(&frame, &[("data", true)]).is_err()
        {
            return None;
        }
        match parse_action(frame.get("data").unwrap_or(&Value::Null)) {
            Ok(Action::Command(c)) => Some(c),
            _ => None,
        }
    }

    #[test]
    fn plain_steps_read_as_the_general_path_reads_them() {
        let frames = [
            (
                r#"{"type":"step","data":{"command":"kubectl get pods -A"}}"#,
                true,
            ),
            (
                r#" { "data" : { "command" : "kubectl logs \"x\" \u00e9\n" } , "type" : "step" } "#,
                true,
            ),
            (r#"{"type":"step","data":{"command":""}}"#, false),
            (
                r#"{"type":"step","data":{"command":"ls","metadata":{}}}"#,
                false,
            ),
            (
                r#"{"type":"step","data":{"command":"ls","extra":1}}"#,
                false,
            ),
            (
                r#"{"type":"step","data":{"command":"ls"},"extra":{}}"#,
                false,
            ),
            (
                r#"{"type":"step","data":{"command":"a","command":"b"}}"#,
                false,
            ),
            (r#"{"type":"step","data":{"command":5}}"#, false),
            (r#"{"type":"step","data":{"type":"list_tools"}}"#, false),
            (r#"{"type":"reset","data":{"command":"ls"}}"#, false),
            (r#"{"type":"step","data":{"command":"ls"}} trailing"#, false),
            (r#"{"type":"step"}"#, false),
        ];
        for (text, plain) in frames {
            let fast = plain_step(text);
            assert_eq!(fast.is_some(), plain, "{text}");
            if fast.is_some() {
                assert_eq!(fast, general_step(text), "{text}");
            }
        }
    }

    #[test]
    fn json_errors_read_like_pythons() {
        assert_eq!(py_err(""), "Expecting value: line 1 column 1 (char 0)");
        assert_eq!(py_err("nope"), "Expecting value: line 1 column 1 (char 0)");
        assert_eq!(
            py_err("not json"),
            "Expecting value: line 1 column 1 (char 0)"
        );
        assert_eq!(
            py_err("{\"a\": }"),
            "Expecting value: line 1 column 7 (char 6)"
        );
        assert_eq!(py_err("{} x"), "Extra data: line 1 column 4 (char 3)");
        assert_eq!(py_err("   "), "Expecting value: line 1 column 4 (char 3)");
    }

    #[test]
    fn python_str_prints_like_an_f_string() {
        assert_eq!(python_str(&json!("nope")), "nope");
        assert_eq!(python_str(&json!(null)), "None");
        assert_eq!(python_str(&json!(5)), "5");
        assert_eq!(python_str(&json!([true, "a"])), "[True, 'a']");
        assert_eq!(python_str(&json!({"k": 1})), "{'k': 1}");
    }

    #[test]
    fn actions_validate_like_the_original_model() {
        assert_eq!(
            parse_action(&json!({"command": "kubectl get pods", "metadata": {}})),
            Ok(Action::Command("kubectl get pods".into()))
        );
        let e = parse_action(&json!({"command": ""})).expect_err("too short");
        assert_eq!(e[0].kind, "string_too_short");
        assert_eq!(e[0].loc, vec![json!("command")]);
        let e = parse_action(&json!({"message": "x"})).expect_err("missing and extra");
        let kinds: Vec<_> = e.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["missing", "extra_forbidden"]);
        let e = parse_action(&json!({"command": 5})).expect_err("type");
        assert_eq!(e[0].kind, "string_type");
        assert_eq!(
            parse_action(&json!({"type": "list_tools"})),
            Ok(Action::ListTools)
        );
        assert_eq!(
            parse_action(
                &json!({"type": "call_tool", "tool_name": "kubectl", "arguments": {"command": "kubectl get pods"}})
            ),
            Ok(Action::CallTool {
                tool_name: "kubectl".into(),
                arguments: json!({"command": "kubectl get pods"})
            })
        );
        assert!(parse_action(&json!([1])).is_err());
    }
}
