//! MCP: one tool, `kubectl`, that runs a step. Spoken as JSON-RPC 2.0 on `POST /mcp` and in
//! `/ws` `mcp` frames, and as OpenEnv's MCP actions (`list_tools`, `call_tool`) inside step
//! frames.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gym::{EpisodeError, Observation, ResetOptions};
use serde_json::{Value, json};

use crate::protocol::{Envelope, capacity_message};
use crate::state::{AppState, Episodes, Inner, new_session_id};

/// The MCP protocol revision answered when the client names none.
const PROTOCOL_VERSION: &str = "2025-06-18";

const TOOL_DESCRIPTION: &str = "Run a kubectl command against the incident's cluster (or \
     `diagnose: <root cause>`, or `fix: kubectl ...`). Returns the command's output; the step's \
     reward and whether the episode is done are in structuredContent.";

fn input_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "command": {
                "type": "string",
                "minLength": 1,
                "description": "The command line, e.g. `kubectl get pods -A`; a line without the `kubectl` word gets it prepended."
            }
        },
        "required": ["command"]
    })
}

/// The tool as OpenEnv's `list_tools` step observation lists it.
pub(crate) fn step_tools() -> Value {
    json!([{
        "name": "kubectl",
        "description": TOOL_DESCRIPTION,
        "input_schema": input_schema(),
    }])
}

/// The tool as JSON-RPC `tools/list` gives it: MCP's `inputSchema`, and OpenEnv's
/// `input_schema` for its clients.
fn rpc_tools() -> Value {
    json!([{
        "name": "kubectl",
        "title": "kubectl",
        "description": TOOL_DESCRIPTION,
        "inputSchema": input_schema(),
        "input_schema": input_schema(),
        "annotations": {"readOnlyHint": false, "destructiveHint": true, "idempotentHint": false, "openWorldHint": false},
    }])
}

/// The step a `kubectl` tool call asks for, or OpenEnv's tool error object.
pub(crate) fn tool_command(name: &str, arguments: &Value) -> Result<String, Value> {
    if name != "kubectl" {
        return Err(
            json!({"error_type": "tool_not_found", "message": format!("Unknown tool: '{name}'")}),
        );
    }
    let invalid = |message: String| json!({"error_type": "invalid_args", "message": message});
    let Some(args) = arguments.as_object() else {
        return Err(invalid("arguments must be an object".into()));
    };
    if let Some(extra) = args.keys().find(|k| k.as_str() != "command") {
        return Err(invalid(format!(
            "unexpected argument {extra:?}: kubectl takes only `command`"
        )));
    }
    match args.get("command") {
        Some(Value::String(c)) if !c.trim().is_empty() => Ok(as_command(c)),
        Some(Value::String(_)) => Err(invalid("command must not be empty".into())),
        Some(other) => Err(invalid(format!("command must be a string, got {other}"))),
        None => Err(invalid("missing required argument `command`".into())),
    }
}

/// `get pods -A` as `kubectl get pods -A`; prefixed forms pass through.
fn as_command(c: &str) -> String {
    let t = c.trim_start();
    let lower = t.to_ascii_lowercase();
    if lower == "kubectl"
        || lower.starts_with("kubectl ")
        || lower.starts_with("diagnose:")
        || lower.starts_with("fix:")
    {
        c.to_string()
    } else {
        format!("kubectl {t}")
    }
}

/// The observation of a `call_tool` step action, with its reward and done.
pub(crate) fn call_tool_observation(
    tool_name: &str,
    result: &Result<Observation, EpisodeError>,
) -> (Value, Option<f64>, bool) {
    match result {
        Ok(obs) => (
            json!({
                "tool_name": tool_name,
                "result": {
                    "content": [{"type": "text", "text": obs.command_output, "annotations": null, "meta": null}],
                    "structured_content": {"result": obs.command_output},
                    "meta": null,
                    "data": obs.command_output,
                    "is_error": false,
                },
                "error": null,
            }),
            Some(obs.reward),
            obs.done,
        ),
        Err(e) => (
            json!({
                "tool_name": tool_name,
                "result": null,
                "error": {"error_type": "execution_error", "message": e.to_string()},
            }),
            None,
            matches!(e, EpisodeError::Done { .. }),
        ),
    }
}

/// A `tools/call` result: the output as text content (and as `data`), the observation's fields
/// with reward and done as structured content.
fn call_result(result: &Result<Observation, EpisodeError>) -> Value {
    match result {
        Ok(obs) => json!({
            "content": [{"type": "text", "text": obs.command_output}],
            "structuredContent": {
                "command_output": obs.command_output,
                "cluster_status_summary": obs.cluster_status_summary,
                "active_alerts": obs.active_alerts,
                "steps_taken": obs.steps_taken,
                "max_steps": obs.max_steps,
                "hint": obs.hint,
                "reward": obs.reward,
                "done": obs.done,
                "metadata": obs.metadata,
            },
            // OpenEnv's MCPToolClient returns `data` from a production-mode call, as fastmcp's
            // results carry it.
            "data": obs.command_output,
            "isError": false,
        }),
        Err(e) => json!({
            "content": [{"type": "text", "text": e.to_string()}],
            "isError": true,
        }),
    }
}

fn ok(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

fn err(id: &Value, code: i64, message: impl Into<String>) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message.into(), "data": null}})
}

/// A checked JSON-RPC request.
struct Request {
    id: Value,
    /// No `id`: a notification, answered with nothing (HTTP 202).
    notification: bool,
    method: String,
    params: Value,
}

fn parse(v: &Value) -> Result<Request, Value> {
    let Some(map) = v.as_object() else {
        return Err(err(
            &Value::Null,
            -32600,
            "Invalid request: expected a JSON object",
        ));
    };
    let id = map.get("id").cloned();
    let id_value = match &id {
        None | Some(Value::Null | Value::String(_) | Value::Number(_)) => {
            id.clone().unwrap_or(Value::Null)
        }
        Some(_) => {
            return Err(err(
                &Value::Null,
                -32600,
                "Invalid request: id must be a string, a number or null",
            ));
        }
    };
    if map.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(err(
            &id_value,
            -32600,
            "Invalid request: jsonrpc must be \"2.0\"",
        ));
    }
    let Some(method) = map.get("method").and_then(Value::as_str) else {
        return Err(err(
            &id_value,
            -32600,
            "Invalid request: method must be a string",
        ));
    };
    let params = map.get("params").cloned().unwrap_or_else(|| json!({}));
    if !params.is_object() && !params.is_array() {
        return Err(err(
            &id_value,
            -32602,
            "Invalid params: params must be an object",
        ));
    }
    Ok(Request {
        id: id_value,
        notification: id.is_none(),
        method: method.to_string(),
        params,
    })
}

/// Methods that need no session; `None` for the ones that do.
fn stateless(req: &Request) -> Option<Value> {
    let id = &req.id;
    match req.method.as_str() {
        "initialize" => {
            let version = req
                .params
                .get("protocolVersion")
                .and_then(Value::as_str)
                .unwrap_or(PROTOCOL_VERSION);
            Some(ok(
                id,
                json!({
                    "protocolVersion": version,
                    "capabilities": {"tools": {"listChanged": false}},
                    "serverInfo": {"name": crate::ENV_NAME, "version": env!("CARGO_PKG_VERSION")},
                    "instructions": "openenv/session/create starts an episode (params: reset options such as seed or incident) and returns its session_id; tools/call kubectl with that session_id runs a step. A session's episode can be reset with POST /reset and the header X-Session-Id: <session_id>.",
                }),
            ))
        }
        "ping" => Some(ok(id, json!({}))),
        "tools/list" => Some(ok(id, json!({"tools": rpc_tools()}))),
        m if m.starts_with("notifications/") => Some(ok(id, json!({}))),
        "tools/call" | "openenv/session/create" | "openenv/session/close" => None,
        other => Some(err(id, -32601, format!("Method not found: {other}"))),
    }
}

/// The command of a `tools/call`, or its error response.
fn call_command(req: &Request) -> Result<String, Value> {
    let name = req.params.get("name").and_then(Value::as_str);
    let Some(name) = name else {
        return Err(err(&req.id, -32602, "Invalid params: missing tool name"));
    };
    let arguments = req
        .params
        .get("arguments")
        .cloned()
        .unwrap_or_else(|| json!({}));
    tool_command(name, &arguments).map_err(|e| {
        let message = e
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("invalid arguments");
        err(&req.id, -32602, message.to_string())
    })
}

/// A JSON-RPC request in a `/ws` `mcp` frame: `tools/call` steps this connection's session.
/// `None` as the session means it was lost to a panic.
pub(crate) async fn on_connection(
    inner: &Inner,
    session: Box<Episodes>,
    request: &Value,
) -> (Option<Box<Episodes>>, Value) {
    let req = match parse(request) {
        Ok(r) => r,
        Err(response) => return (Some(session), response),
    };
    if let Some(response) = stateless(&req) {
        return (Some(session), response);
    }
    if req.method != "tools/call" {
        let message = format!(
            "Method not found: {} (sessions over /ws are the connection)",
            req.method
        );
        return (Some(session), err(&req.id, -32601, message));
    }
    let command = match call_command(&req) {
        Ok(c) => c,
        Err(response) => return (Some(session), response),
    };
    match inner.step(session, command).await {
        Ok((s, result)) => (Some(s), ok(&req.id, call_result(&result))),
        Err(_) => (
            None,
            err(&req.id, -32603, "Internal error: the session was lost"),
        ),
    }
}

/// `POST /mcp`: always HTTP 200 with a JSON-RPC response (202 and no body for a notification).
pub(crate) async fn http(State(state): State<AppState>, body: Bytes) -> Response {
    let inner = &*state.inner;
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(_) => return reply(err(&Value::Null, -32700, "Parse error")),
    };
    let req = match parse(&value) {
        Ok(r) => r,
        Err(response) => return reply(response),
    };
    if req.notification && req.method.starts_with("notifications/") {
        return StatusCode::ACCEPTED.into_response();
    }
    if let Some(response) = stateless(&req) {
        return reply(response);
    }
    let session_id = req
        .params
        .get("session_id")
        .and_then(Value::as_str)
        .map(str::to_string);
    match req.method.as_str() {
        "openenv/session/create" => {
            // MCP has no reset, so a session starts its episode here; `params` are reset
            // options (`seed`, `incident`, `difficulty`, ...).
            let options = match ResetOptions::from_json(&req.params) {
                Ok(o) => o,
                Err(e) => return reply(err(&req.id, -32602, format!("Invalid params: {e}"))),
            };
            let id = new_session_id();
            let bound =
                match inner
                    .sessions
                    .get_or_create(&id, || inner.new_episodes(), inner.now_ms())
                {
                    Ok((b, _)) => b,
                    Err(full) => {
                        return reply(err(
                            &req.id,
                            -32000,
                            capacity_message(full.active, full.max),
                        ));
                    }
                };
            let guard = bound.hold().await;
            match inner.reset(guard, options).await {
                Ok((_, Ok(obs))) => reply(ok(
                    &req.id,
                    json!({"session_id": id, "reset": Envelope::of(&obs)}),
                )),
                Ok((_, Err(e))) => {
                    inner.sessions.remove(&id);
                    reply(err(&req.id, -32602, format!("Invalid params: {e}")))
                }
                Err(_) => {
                    inner.sessions.remove(&id);
                    reply(err(&req.id, -32603, "Internal error: the session was lost"))
                }
            }
        }
        "openenv/session/close" => {
            let Some(sid) = session_id else {
                return reply(err(&req.id, -32602, "Invalid params: missing session_id"));
            };
            match inner.sessions.remove(&sid) {
                Some(bound) => {
                    let guard = bound.hold().await;
                    inner.close(guard).await;
                    reply(ok(&req.id, json!({"session_id": sid, "closed": true})))
                }
                None => reply(err(
                    &req.id,
                    -32602,
                    format!("Invalid params: unknown session_id {sid:?}"),
                )),
            }
        }
        _ => {
            let command = match call_command(&req) {
                Ok(c) => c,
                Err(response) => return reply(response),
            };
            let result = match session_id {
                Some(sid) => {
                    let Some(bound) = inner.sessions.get(&sid, inner.now_ms()) else {
                        return reply(err(
                            &req.id,
                            -32602,
                            format!("Invalid params: unknown session_id {sid:?}"),
                        ));
                    };
                    let guard = bound.hold().await;
                    inner.step(guard, command).await.map(|(_, r)| r)
                }
                // A temporary session: no episode runs in it, so the call reports that.
                None => inner
                    .step(Box::new(inner.new_episodes()), command)
                    .await
                    .map(|(_, r)| r),
            };
            match result {
                Ok(result) => reply(ok(&req.id, call_result(&result))),
                Err(_) => reply(err(&req.id, -32603, "Internal error: the session was lost")),
            }
        }
    }
}

fn reply(v: Value) -> Response {
    (StatusCode::OK, axum::Json(v)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_commands_get_the_kubectl_word() {
        assert_eq!(
            tool_command("kubectl", &json!({"command": "get pods -A"})),
            Ok("kubectl get pods -A".into())
        );
        assert_eq!(
            tool_command("kubectl", &json!({"command": "kubectl get pods"})),
            Ok("kubectl get pods".into())
        );
        assert_eq!(
            tool_command("kubectl", &json!({"command": "diagnose: oom"})),
            Ok("diagnose: oom".into())
        );
        let e = tool_command("nope", &json!({})).expect_err("unknown");
        assert_eq!(e["error_type"], "tool_not_found");
        assert_eq!(e["message"], "Unknown tool: 'nope'");
        let e = tool_command("kubectl", &json!({"cmd": "x"})).expect_err("bad args");
        assert_eq!(e["error_type"], "invalid_args");
    }

    #[test]
    fn requests_are_checked() {
        let r = parse(&json!({})).err().expect("invalid");
        assert_eq!(r["error"]["code"], -32600);
        assert!(
            r["error"]["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("Invalid request: ")
        );
        let r = parse(&json!({"jsonrpc": "2.0", "method": "bogus", "id": 3})).expect("valid");
        let resp = stateless(&r).expect("answered");
        assert_eq!(resp["error"]["message"], "Method not found: bogus");
        assert_eq!(resp["id"], 3);
    }
}
