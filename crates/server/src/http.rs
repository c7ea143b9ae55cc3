//! The HTTP routes: OpenEnv's `/reset`, `/step`, `/state` (stateless, a fresh session per
//! request, unless bound by [`SESSION_HEADER`]), `/health`, `/metadata`, `/schema`,
//! `/openapi.json` and `/metrics`.

// These helpers return the finished error response; it is built once, on the error path.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gym::{EpisodeError, Observation, ResetOptions};
use serde_json::{Value, json};

use crate::protocol::{Action, Envelope, FieldError, capacity_message, parse_action};
use crate::state::{AppState, AtCapacity, Bound, Episodes, Inner};
use crate::{SESSION_HEADER, schema};

/// A FastAPI-style 422: `{"detail": [errors]}`.
pub(crate) fn unprocessable(errors: &[FieldError], with_url: bool) -> Response {
    let detail: Vec<Value> = errors.iter().map(|e| e.to_json(with_url)).collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({ "detail": detail })),
    )
        .into_response()
}

pub(crate) fn detail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "detail": message.into() }))).into_response()
}

/// A body over the size limit (413), or one that could not be read (400).
pub(crate) fn body_rejected(rejection: &BytesRejection, limit: usize) -> Response {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        detail(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body larger than the limit of {limit} bytes"),
        )
    } else {
        detail(rejection.status(), rejection.body_text())
    }
}

pub(crate) fn capacity(full: &AtCapacity) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({
            "detail": capacity_message(full.active, full.max),
            "code": "CAPACITY_REACHED",
            "active_sessions": full.active,
            "max_sessions": full.max,
        })),
    )
        .into_response()
}

/// An environment error on the OpenEnv routes: 500 as the reference server answers, with the
/// message instead of its bare `Internal Server Error`.
fn env_error(e: &EpisodeError) -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        e.to_string(),
    )
        .into_response()
}

fn lost() -> Response {
    detail(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the session was lost to an internal error",
    )
}

/// Reads a JSON body; empty means absent (`None`). The error is FastAPI's `json_invalid`.
pub(crate) fn json_body(body: &[u8]) -> Result<Option<Value>, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Null) => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            let text = String::from_utf8_lossy(body);
            let python = crate::protocol::python_json_error(&text, &e);
            let reason = python
                .split(':')
                .next()
                .unwrap_or("Expecting value")
                .to_string();
            let at = python
                .rsplit_once("(char ")
                .and_then(|(_, n)| n.trim_end_matches(')').parse::<u64>().ok())
                .unwrap_or(0);
            let error = FieldError {
                kind: "json_invalid",
                loc: vec![json!("body"), json!(at)],
                msg: "JSON decode error".into(),
                input: json!({}),
                ctx: Some(json!({ "error": reason })),
            };
            Err(unprocessable(&[error], false))
        }
    }
}

fn not_an_object(v: &Value) -> Response {
    unprocessable(
        &[FieldError::new(
            "model_attributes_type",
            &["body"],
            "Input should be a valid dictionary or object to extract fields from",
            v.clone(),
        )],
        false,
    )
}

/// The id in [`SESSION_HEADER`], checked: 1 to 255 visible ASCII characters.
pub(crate) fn session_id(headers: &HeaderMap) -> Result<Option<String>, Response> {
    let Some(v) = headers.get(SESSION_HEADER) else {
        return Ok(None);
    };
    match v.to_str() {
        Ok(s) if (1..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic()) => {
            Ok(Some(s.to_string()))
        }
        _ => Err(detail(
            StatusCode::BAD_REQUEST,
            format!("{SESSION_HEADER} must be 1 to 255 visible ASCII characters"),
        )),
    }
}

/// `ResetRequest`'s own checks (seed >= 0, episode_id at most 255 characters), then the
/// environment's options; both are 422s.
pub(crate) fn reset_options(body: Option<Value>) -> Result<ResetOptions, Response> {
    let data = match body {
        None => json!({}),
        Some(v @ Value::Object(_)) => v,
        Some(other) => return Err(not_an_object(&other)),
    };
    let mut errors = Vec::new();
    match data.get("seed") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) if n.as_i64().is_some_and(|s| s < 0) => errors.push(
            FieldError::new(
                "greater_than_equal",
                &["body", "seed"],
                "Input should be greater than or equal to 0",
                data["seed"].clone(),
            )
            .with_ctx(json!({"ge": 0})),
        ),
        Some(Value::Number(n)) if n.is_u64() => {}
        Some(other) => errors.push(FieldError::new(
            "int_type",
            &["body", "seed"],
            "Input should be a valid integer",
            other.clone(),
        )),
    }
    match data.get("episode_id") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.chars().count() > 255 => errors.push(
            FieldError::new(
                "string_too_long",
                &["body", "episode_id"],
                "String should have at most 255 characters",
                data["episode_id"].clone(),
            )
            .with_ctx(json!({"max_length": 255})),
        ),
        Some(Value::String(_)) => {}
        Some(other) => errors.push(FieldError::new(
            "string_type",
            &["body", "episode_id"],
            "Input should be a valid string",
            other.clone(),
        )),
    }
    if !errors.is_empty() {
        return Err(unprocessable(&errors, false));
    }
    ResetOptions::from_json(&data).map_err(|e| {
        let (name, input) = match &e {
            EpisodeError::BadOption { name, .. } => (*name, data.get(*name).cloned()),
            _ => ("body", None),
        };
        unprocessable(
            &[FieldError::new(
                "value_error",
                &["body", name],
                e.to_string(),
                input.unwrap_or(Value::Null),
            )],
            false,
        )
    })
}

/// `StepRequest`'s checks (`action` a dict, `timeout_s` > 0, `request_id` at most 255
/// characters), then the action's; the action's errors are located inside it, as the
/// reference reports them.
pub(crate) fn step_action(body: Option<Value>) -> Result<Action, Response> {
    let Some(body) = body else {
        return Err(unprocessable(
            &[FieldError::missing(&["body"], Value::Null)],
            false,
        ));
    };
    let Value::Object(map) = &body else {
        return Err(not_an_object(&body));
    };
    let mut errors = Vec::new();
    let action = match map.get("action") {
        None => {
            errors.push(FieldError::missing(&["body", "action"], body.clone()));
            None
        }
        Some(a @ Value::Object(_)) => Some(a),
        Some(other) => {
            errors.push(FieldError::dict_type(&["body", "action"], other.clone()));
            None
        }
    };
    match map.get("timeout_s") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) if n.as_f64().is_some_and(|t| t > 0.0) => {}
        Some(v @ Value::Number(_)) => errors.push(
            FieldError::new(
                "greater_than",
                &["body", "timeout_s"],
                "Input should be greater than 0",
                v.clone(),
            )
            .with_ctx(json!({"gt": 0.0})),
        ),
        Some(other) => errors.push(FieldError::new(
            "float_type",
            &["body", "timeout_s"],
            "Input should be a valid number",
            other.clone(),
        )),
    }
    match map.get("request_id") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if s.chars().count() <= 255 => {}
        Some(v @ Value::String(_)) => errors.push(
            FieldError::new(
                "string_too_long",
                &["body", "request_id"],
                "String should have at most 255 characters",
                v.clone(),
            )
            .with_ctx(json!({"max_length": 255})),
        ),
        Some(other) => errors.push(FieldError::new(
            "string_type",
            &["body", "request_id"],
            "Input should be a valid string",
            other.clone(),
        )),
    }
    if !errors.is_empty() {
        return Err(unprocessable(&errors, false));
    }
    let action = action.cloned().unwrap_or(Value::Null);
    parse_action(&action).map_err(|errors| unprocessable(&errors, true))
}

pub(crate) fn envelope(obs: &Observation) -> Response {
    match crate::json_text::envelope(obs, "", "") {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(_) => Json(Envelope::of(obs)).into_response(),
    }
}

fn with_session_header(mut response: Response, id: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(id) {
        response.headers_mut().insert(SESSION_HEADER, v);
    }
    response
}

/// What running an action gave.
pub(crate) enum Ran {
    /// The environment's observation, or why it refused the step.
    Step(Box<Result<Observation, EpisodeError>>),
    /// A finished response: an MCP action's observation, or a lost session.
    Reply(Response),
}

fn mcp_envelope(observation: Value, reward: Option<f64>, done: bool) -> Ran {
    Ran::Reply(
        Json(json!({"observation": observation, "reward": reward, "done": done})).into_response(),
    )
}

/// Runs an action in a session (owned, or a bound one's hold).
pub(crate) async fn run_action<S>(inner: &Inner, session: S, action: Action) -> Ran
where
    S: std::ops::DerefMut<Target = Episodes> + Send + 'static,
{
    let command = match action {
        Action::Command(c) => c,
        Action::ListTools => {
            return mcp_envelope(json!({"tools": crate::mcp::step_tools()}), None, false);
        }
        Action::CallTool {
            tool_name,
            arguments,
        } => {
            return match crate::mcp::tool_command(&tool_name, &arguments) {
                Ok(c) => match inner.step(session, c).await {
                    Ok((_, result)) => {
                        let (obs, reward, done) =
                            crate::mcp::call_tool_observation(&tool_name, &result);
                        mcp_envelope(obs, reward, done)
                    }
                    Err(_) => Ran::Reply(lost()),
                },
                Err(error) => mcp_envelope(
                    json!({"tool_name": tool_name, "result": null, "error": error}),
                    None,
                    false,
                ),
            };
        }
    };
    match inner.step(session, command).await {
        Ok((_, result)) => Ran::Step(Box::new(result)),
        Err(_) => Ran::Reply(lost()),
    }
}

async fn bound_or_create(inner: &Inner, id: &str) -> Result<Arc<Bound>, Response> {
    inner
        .sessions
        .get_or_create(id, || inner.new_episodes(), inner.now_ms())
        .map(|(b, _)| b)
        .map_err(|full| capacity(&full))
}

fn bound(inner: &Inner, id: &str) -> Result<Arc<Bound>, Response> {
    inner.sessions.get(id, inner.now_ms()).ok_or_else(|| {
        detail(
            StatusCode::NOT_FOUND,
            format!(
                "no session {id:?}: start one with POST /reset and the {SESSION_HEADER} header"
            ),
        )
    })
}

/// `POST /reset`.
pub(crate) async fn reset(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let inner = &*state.inner;
    let body = match body {
        Ok(b) => b,
        Err(r) => return body_rejected(&r, inner.config.max_request_bytes),
    };
    let options = match json_body(&body).and_then(reset_options) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let sid = match session_id(&headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = match &sid {
        Some(id) => {
            let b = match bound_or_create(inner, id).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            let guard = b.hold().await;
            inner.reset(guard, options).await.map(|(_, r)| r)
        }
        // A session for this request only: closed at once (a live one's namespaces go).
        None => match inner.reset(Box::new(inner.new_episodes()), options).await {
            Ok((session, r)) => {
                inner.close(session).await;
                Ok(r)
            }
            Err(lost) => Err(lost),
        },
    };
    let response = match result {
        Ok(Ok(obs)) => envelope(&obs),
        Ok(Err(e)) => env_error(&e),
        Err(_) => lost(),
    };
    match sid {
        Some(id) => with_session_header(response, &id),
        None => response,
    }
}

/// `POST /step`.
pub(crate) async fn step(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let inner = &*state.inner;
    let body = match body {
        Ok(b) => b,
        Err(r) => return body_rejected(&r, inner.config.max_request_bytes),
    };
    let action = match json_body(&body).and_then(step_action) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let sid = match session_id(&headers) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let result = match &sid {
        Some(id) => {
            let b = match bound(inner, id) {
                Ok(b) => b,
                Err(r) => return r,
            };
            let guard = b.hold().await;
            run_action(inner, guard, action).await
        }
        None => run_action(inner, Box::new(inner.new_episodes()), action).await,
    };
    let response = match result {
        Ran::Step(step) => match *step {
            Ok(obs) => envelope(&obs),
            Err(e) => env_error(&e),
        },
        Ran::Reply(r) => r,
    };
    match sid {
        Some(id) => with_session_header(response, &id),
        None => response,
    }
}

/// `GET /state`.
pub(crate) async fn state(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let inner = &*state.inner;
    match session_id(&headers) {
        Err(r) => r,
        Ok(None) => Json(inner.env.session().state()).into_response(),
        Ok(Some(id)) => match bound(inner, &id) {
            Ok(b) => {
                let s = b.session.lock().await.state(&inner.env);
                with_session_header(Json(s).into_response(), &id)
            }
            Err(r) => r,
        },
    }
}

/// `DELETE /session`: ends the session named by [`SESSION_HEADER`].
pub(crate) async fn close(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let inner = &*state.inner;
    let id = match session_id(&headers) {
        Err(r) => return r,
        Ok(None) => {
            return detail(
                StatusCode::BAD_REQUEST,
                format!("the {SESSION_HEADER} header is required"),
            );
        }
        Ok(Some(id)) => id,
    };
    match inner.sessions.remove(&id) {
        Some(b) => {
            let guard = b.hold().await;
            inner.close(guard).await;
            Json(json!({"session_id": id, "closed": true})).into_response()
        }
        None => detail(StatusCode::NOT_FOUND, format!("no session {id:?}")),
    }
}

pub(crate) async fn health() -> Response {
    Json(json!({"status": "healthy"})).into_response()
}

pub(crate) async fn metadata() -> Response {
    Json(schema::metadata()).into_response()
}

pub(crate) async fn schema_route() -> Response {
    Json(schema::schemas()).into_response()
}

pub(crate) async fn openapi() -> Response {
    Json(schema::openapi()).into_response()
}

pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.inner.metrics.render(),
    )
        .into_response()
}

pub(crate) async fn not_found() -> Response {
    detail(StatusCode::NOT_FOUND, "Not Found")
}
