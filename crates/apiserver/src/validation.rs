//! `fieldValidation=Strict|Warn|Ignore` on create, update and patch: fields the schema does not
//! declare fail the request, come back as `Warning` headers (the default), or pass unremarked,
//! with the real API server's texts.

use axum::http::HeaderValue;
use axum::response::Response;
use cluster::Kind;
use kubectl::field_validation;
use serde_json::json;

use crate::status;

pub use kubectl::field_validation::{FieldValidation, go_format, unknown_field_errors};

/// The `fieldValidation` query parameter; the server's default is `Warn`.
pub fn from_query(value: Option<&str>) -> FieldValidation {
    match value {
        Some("Strict") => FieldValidation::Strict,
        Some("Ignore") => FieldValidation::Ignore,
        _ => FieldValidation::Warn,
    }
}

/// The 400 a strict create or update gets: the body could not be decoded strictly.
pub fn undecodable(kind: Kind, errors: &[String]) -> Response {
    status::bad_request(field_validation::undecodable_message(kind, errors))
}

/// The 422 a strict patch gets: `NewInvalid` with no kind and no name, about the field `patch`.
pub fn invalid_patch(shown: &str, errors: &[String]) -> Response {
    let cause = field_validation::invalid_patch_cause(shown, errors);
    status::json_response(
        422,
        &json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!(" \"\" is invalid: {cause}"),
            "reason": "Invalid",
            "details": {"causes": [{"reason": "FieldValueInvalid", "message": format!("Invalid value: {}: {}", cause.value, cause.detail), "field": "patch"}]},
            "code": 422,
        }),
    )
}

/// Adds one `Warning: 299 - "..."` header per message, as `warning.AddWarning` does.
pub fn with_warnings(mut response: Response, warnings: &[String]) -> Response {
    for warning in warnings {
        let escaped = warning.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(value) = HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            response.headers_mut().append("warning", value);
        }
    }
    response
}
