//! `Status` responses: the body kubectl turns into `Error from server (Reason): message`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cluster::{ApiError, Kind, Reason};
use serde_json::{Value, json};

fn respond(code: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A failure `Status` for an API error about `name` of `kind`.
pub fn error(err: &ApiError, kind: Option<Kind>, name: &str) -> Response {
    let mut details = serde_json::Map::new();
    if !name.is_empty() {
        details.insert("name".into(), json!(name));
    }
    if let Some(kind) = kind {
        if !kind.group().is_empty() {
            details.insert("group".into(), json!(kind.group()));
        }
        // NotFound and friends name the resource; Invalid names the kind, as the API server's
        // `NewInvalid` does.
        let kind_word = if err.reason == Reason::Invalid {
            kind.name()
        } else {
            kind.plural()
        };
        details.insert("kind".into(), json!(kind_word));
    }
    if !err.causes.is_empty() {
        let causes: Vec<Value> = err
            .causes
            .iter()
            .map(|c| {
                let reason = match c.kind {
                    cluster::error::FieldErrorKind::Invalid => "FieldValueInvalid",
                    cluster::error::FieldErrorKind::Required => "FieldValueRequired",
                    cluster::error::FieldErrorKind::Forbidden => "FieldValueForbidden",
                    cluster::error::FieldErrorKind::Unsupported => "FieldValueNotSupported",
                    cluster::error::FieldErrorKind::Duplicate => "FieldValueDuplicate",
                };
                let message = c.to_string();
                let message = message
                    .strip_prefix(&format!("{}: ", c.field))
                    .unwrap_or(&message)
                    .to_string();
                json!({"reason": reason, "message": message, "field": c.field})
            })
            .collect();
        details.insert("causes".into(), Value::Array(causes));
    }
    let mut body = json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": err.message, "reason": err.reason.to_string(), "code": err.code(),
    });
    if !details.is_empty() {
        body["details"] = Value::Object(details);
    }
    respond(err.code(), body)
}

pub fn bad_request(message: impl Into<String>) -> Response {
    let err = ApiError {
        reason: Reason::BadRequest,
        message: message.into(),
        causes: Vec::new(),
    };
    error(&err, None, "")
}

pub fn not_found() -> Response {
    respond(
        404,
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "the server could not find the requested resource", "reason": "NotFound",
            "details": {}, "code": 404,
        }),
    )
}

pub fn method_not_allowed() -> Response {
    respond(
        405,
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "the server does not allow this method on the requested resource", "reason": "MethodNotAllowed",
            "details": {}, "code": 405,
        }),
    )
}

pub fn unauthorized() -> Response {
    respond(
        401,
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Unauthorized", "reason": "Unauthorized", "code": 401,
        }),
    )
}

/// 415 for a body in a format the server does not read; `accepted` lists what it does read.
pub fn unsupported_media_type(content_type: &str, accepted: &str) -> Response {
    respond(
        415,
        json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("the body of the request was in an unknown format - accepted media types include: {accepted} (got {content_type:?})"),
            "reason": "UnsupportedMediaType", "code": 415,
        }),
    )
}

/// The patch formats PATCH reads.
pub const PATCH_MEDIA_TYPES: &str = "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json";
/// The object formats POST and PUT read (no protobuf: the simulator speaks JSON only).
pub const OBJECT_MEDIA_TYPES: &str = "application/json";

/// `Status` success for a delete that removed the object at once.
pub fn deleted(kind: Kind, name: &str, uid: &str) -> Response {
    let mut details = json!({"name": name, "kind": kind.plural(), "uid": uid});
    if !kind.group().is_empty() {
        details["group"] = json!(kind.group());
    }
    respond(
        200,
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}),
    )
}

pub fn json_response(code: u16, body: &Value) -> Response {
    respond(code, body.clone())
}
