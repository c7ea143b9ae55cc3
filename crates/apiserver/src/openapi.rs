//! `/openapi/v3`: the index and one document per group version, built once by
//! `kubectl::openapi`. `/openapi/v2` stays unserved (404), as kubectl only asks for it when v3
//! is missing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use crate::{Shared, handlers, status};

pub async fn index(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if !handlers::authorized(&shared, &headers) {
        return status::unauthorized();
    }
    status::json_response(200, &kubectl::openapi::documents().index())
}

pub async fn group_version(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(path): Path<String>,
) -> Response {
    if !handlers::authorized(&shared, &headers) {
        return status::unauthorized();
    }
    match kubectl::openapi::documents().by_path.get(&path) {
        Some(doc) => (
            [(header::CONTENT_TYPE, "application/json")],
            doc.bytes.clone(),
        )
            .into_response(),
        None => status::not_found(),
    }
}
