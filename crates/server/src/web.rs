//! `/web`: the embedded page and the JSON routes it plays an incident with. Each browser gets
//! its own session, named by the cookie [`WEB_SESSION_COOKIE`] (set by the first
//! `POST /web/reset`); a script may name it with [`SESSION_HEADER`](crate::SESSION_HEADER) instead.

// These helpers return the finished error response; it is built once, on the error path.
#![allow(clippy::result_large_err)]

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use gym::catalogue::Difficulty;
use gym::scenario::{TIERS, tier_level, tier_name};
use gym::{EpisodeError, Split};
use rust_embed::RustEmbed;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::WEB_SESSION_COOKIE;
use crate::http::{
    Ran, body_rejected, capacity, detail, envelope, json_body, reset_options, run_action,
    session_id,
};
use crate::protocol::{Action, FieldError, parse_action};
use crate::state::{AppState, Inner, new_session_id};

#[derive(RustEmbed)]
#[folder = "web/"]
struct Assets;

/// The most incident ids one listing returns.
const MAX_LISTED: u32 = 1000;

pub(crate) async fn root() -> Redirect {
    Redirect::temporary("/web/")
}

pub(crate) async fn index() -> Response {
    asset_response("index.html")
}

pub(crate) async fn asset(Path(path): Path<String>) -> Response {
    let path = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path
    };
    asset_response(&path)
}

fn asset_response(path: &str) -> Response {
    match Assets::get(path) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, content_type(path)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            file.data.into_owned(),
        )
            .into_response(),
        None => detail(StatusCode::NOT_FOUND, "Not Found"),
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The web session's id: the session header, else the cookie.
fn web_session(headers: &HeaderMap) -> Result<Option<String>, Response> {
    if let Some(id) = session_id(headers)? {
        return Ok(Some(id));
    }
    Ok(crate::auth::cookie(headers, WEB_SESSION_COOKIE)
        .filter(|v| (1..=255).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_string))
}

fn with_cookie(mut response: Response, id: &str) -> Response {
    let cookie = format!("{WEB_SESSION_COOKIE}={id}; Path=/web; HttpOnly; SameSite=Strict");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// An episode error on a web route: 409, as the reference's web state answers a RuntimeError.
fn conflict(e: &EpisodeError) -> Response {
    detail(StatusCode::CONFLICT, e.to_string())
}

/// `POST /web/reset`: optional reset options; creates the browser's session on first use.
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
    let (id, fresh) = match web_session(&headers) {
        Err(r) => return r,
        Ok(Some(id)) => (id, false),
        Ok(None) => (new_session_id(), true),
    };
    let bound = match inner
        .sessions
        .get_or_create(&id, || inner.new_episodes(), inner.now_ms())
    {
        Ok((b, _)) => b,
        Err(full) => return capacity(&full),
    };
    let guard = bound.hold().await;
    let response = match inner.reset(guard, options).await {
        Ok((_, Ok(obs))) => envelope(&obs),
        Ok((_, Err(e))) => conflict(&e),
        Err(_) => detail(StatusCode::INTERNAL_SERVER_ERROR, "the session was lost"),
    };
    if fresh || crate::auth::cookie(&headers, WEB_SESSION_COOKIE) != Some(id.as_str()) {
        with_cookie(response, &id)
    } else {
        response
    }
}

/// `POST /web/step`: `{"action": {"command": ...}}`, or `{"message": ...}` as chat pages send.
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
    let body = match json_body(&body) {
        Ok(b) => b.unwrap_or(Value::Null),
        Err(r) => return r,
    };
    let action = match (&body.get("action"), &body.get("message")) {
        (Some(a), _) => parse_action(a),
        (None, Some(Value::String(m))) => parse_action(&json!({"command": m})),
        _ => Err(vec![FieldError::missing(&["body", "action"], body.clone())]),
    };
    let action: Action = match action {
        Ok(a) => a,
        Err(errors) => return crate::http::unprocessable(&errors, true),
    };
    let id = match web_session(&headers) {
        Err(r) => return r,
        Ok(Some(id)) => id,
        Ok(None) => {
            return detail(
                StatusCode::CONFLICT,
                "no episode is running: call reset first",
            );
        }
    };
    let Some(bound) = inner.sessions.get(&id, inner.now_ms()) else {
        return detail(
            StatusCode::CONFLICT,
            "no episode is running: call reset first",
        );
    };
    let guard = bound.hold().await;
    match run_action(inner, guard, action).await {
        Ran::Step(step) => match *step {
            Ok(obs) => envelope(&obs),
            Err(e) => conflict(&e),
        },
        Ran::Reply(r) => r,
    }
}

/// `GET /web/state`: the browser's session's state, or a fresh one's.
pub(crate) async fn state(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let inner: &Inner = &state.inner;
    let id = match web_session(&headers) {
        Err(r) => return r,
        Ok(id) => id,
    };
    match id.and_then(|id| inner.sessions.get(&id, inner.now_ms())) {
        Some(b) => Json(b.session.lock().await.state(&inner.env)).into_response(),
        None => Json(inner.env.session().state()).into_response(),
    }
}

#[derive(Deserialize)]
pub(crate) struct IncidentQuery {
    tier: Option<String>,
    split: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

/// `GET /web/incidents?tier=warmup&split=test&limit=50&offset=0`: incident ids for the page's
/// picker, per tier (every tier without `tier`). Ids only: an id reveals nothing of its faults.
pub(crate) async fn incidents(
    query: Result<Query<IncidentQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return detail(
            StatusCode::BAD_REQUEST,
            "expected tier, split, limit and offset query parameters",
        );
    };
    let split: Split = match q.split.as_deref().unwrap_or("test").parse() {
        Ok(s) => s,
        Err(e) => return detail(StatusCode::BAD_REQUEST, format!("{e}")),
    };
    let tiers: Vec<Difficulty> = match q.tier.as_deref() {
        None | Some("") | Some("all") => TIERS.to_vec(),
        Some(t) => match t.parse() {
            Ok(t) => vec![t],
            Err(e) => return detail(StatusCode::BAD_REQUEST, format!("{e}")),
        },
    };
    let limit = q.limit.unwrap_or(20).min(MAX_LISTED);
    let offset = q.offset.unwrap_or(0);
    let seeds = split.seeds();
    let available = seeds.end - seeds.start;
    let listed: Vec<Value> = tiers
        .iter()
        .map(|&tier| {
            let ids: Vec<String> = (offset..offset.saturating_add(limit).min(available))
                .map(|n| split.id(tier, n).to_string())
                .collect();
            json!({"tier": tier_name(tier), "difficulty": tier_level(tier), "incidents": ids})
        })
        .collect();
    Json(json!({"split": split.name(), "offset": offset, "limit": limit, "tiers": listed}))
        .into_response()
}
