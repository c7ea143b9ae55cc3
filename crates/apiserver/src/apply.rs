//! Server-side apply's parts that are plain JSON: recognising the request, reading the applied
//! configuration, and removing the fields a manager stopped applying.

use axum::response::Response;
use cluster::Kind;
use serde_json::Value;

use crate::status;

/// The content type of a server-side apply patch.
pub const APPLY_PATCH: &str = "application/apply-patch+yaml";

pub fn is_apply(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .eq_ignore_ascii_case(APPLY_PATCH)
}

/// The real server's answer to an apply without `fieldManager`.
pub fn manager_required() -> Response {
    let err = cluster::ApiError {
        reason: cluster::Reason::Invalid,
        message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch".into(),
        causes: Vec::new(),
    };
    status::error(&err, None, "")
}

/// The applied configuration (YAML or JSON, one object) for `kind` named `name`.
#[allow(clippy::result_large_err)]
pub fn parse_config(body: &[u8], kind: Kind, name: &str) -> Result<Value, Response> {
    let text = std::str::from_utf8(body)
        .map_err(|_| status::bad_request("error decoding YAML: the body is not UTF-8"))?;
    let mut docs = cluster::manifests::parse_documents("apply", text)
        .map_err(|e| status::bad_request(format!("error decoding YAML: {e}")))?;
    if docs.len() != 1 {
        return Err(status::bad_request(
            "an apply patch holds exactly one object",
        ));
    }
    let config = docs.remove(0);
    if config["kind"].as_str() != Some(kind.name()) {
        return Err(status::bad_request(format!(
            "the kind of the applied object ({}) does not match the resource ({})",
            config["kind"].as_str().unwrap_or(""),
            kind.name()
        )));
    }
    if config["metadata"]["name"].as_str() != Some(name) {
        return Err(status::bad_request(format!(
            "the name of the object ({}) does not match the name on the URL ({name})",
            config["metadata"]["name"].as_str().unwrap_or("")
        )));
    }
    Ok(config)
}

/// Removes from `object` every map field `previous` held and `current` does not: what the
/// manager applied before and dropped now. Lists are left to the merge.
pub fn remove_dropped(object: &mut Value, previous: &Value, current: &Value) {
    if object.is_array() {
        return remove_dropped_in_list(object, previous, current);
    }
    let (Some(object), Some(previous)) = (object.as_object_mut(), previous.as_object()) else {
        return;
    };
    for (key, before) in previous {
        match current.get(key) {
            None => {
                object.remove(key);
            }
            Some(now) => {
                if let Some(child) = object.get_mut(key) {
                    remove_dropped(child, before, now);
                }
            }
        }
    }
}

/// Lists of named items (containers, variables, ports) are matched by name, as the merge
/// matches them, and their items pruned like maps.
fn remove_dropped_in_list(object: &mut Value, previous: &Value, current: &Value) {
    let (Some(items), Some(before), Some(now)) = (
        object.as_array_mut(),
        previous.as_array(),
        current.as_array(),
    ) else {
        return;
    };
    let named = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
    for item in items.iter_mut() {
        let Some(name) = named(item) else { continue };
        let old = before.iter().find(|v| named(v).as_deref() == Some(&name));
        let new = now.iter().find(|v| named(v).as_deref() == Some(&name));
        if let (Some(old), Some(new)) = (old, new) {
            remove_dropped(item, old, new);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_a_manager_dropped_go_and_others_stay() {
        let mut object = json!({"spec": {"a": 1, "b": 2, "c": {"d": 1, "e": 2}, "other": 5}});
        let previous = json!({"spec": {"a": 1, "b": 2, "c": {"d": 1, "e": 2}}});
        let current = json!({"spec": {"a": 1, "c": {"d": 1}}});
        remove_dropped(&mut object, &previous, &current);
        assert_eq!(object, json!({"spec": {"a": 1, "c": {"d": 1}, "other": 5}}));
    }

    #[test]
    fn named_list_items_are_pruned_by_name() {
        let mut object = json!({"containers": [
            {"name": "a", "command": ["x"], "image": "i"},
            {"name": "b", "command": ["y"], "image": "j"},
        ]});
        let previous = json!({"containers": [{"name": "a", "command": ["x"], "image": "i"}]});
        let current = json!({"containers": [{"name": "a", "image": "i"}]});
        remove_dropped(&mut object, &previous, &current);
        assert_eq!(
            object,
            json!({"containers": [
                {"name": "a", "image": "i"},
                {"name": "b", "command": ["y"], "image": "j"},
            ]})
        );
    }

    #[test]
    fn the_content_type_ignores_parameters() {
        assert!(is_apply("application/apply-patch+yaml; charset=utf-8"));
        assert!(!is_apply("application/merge-patch+json"));
    }
}
