//! Server-side apply's parts that are plain JSON: recognising the request, reading the applied
//! configuration, and removing the fields a manager stopped applying.

use axum::response::Response;
use cluster::Kind;
use kubectl::patch::{ListMerge, Position};
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

/// Removes from `object` (of `kind`) every field `previous` held and `current` does not: what
/// the manager applied before and dropped now. Items of keyed lists (containers, variables,
/// ports) are matched by the strategic merge key, as the merge matches them, and dropped items
/// go too; other lists are replaced by the merge.
pub fn remove_dropped(kind: &str, object: &mut Value, previous: &Value, current: &Value) {
    prune_map(Position::root(kind), object, previous, current);
}

fn prune_map(at: Position, object: &mut Value, previous: &Value, current: &Value) {
    let (Some(object), Some(previous)) = (object.as_object_mut(), previous.as_object()) else {
        return;
    };
    for (field, before) in previous {
        let Some(now) = current.get(field) else {
            object.remove(field);
            continue;
        };
        let Some(child) = object.get_mut(field) else {
            continue;
        };
        match at.field(field) {
            (ListMerge::MergeKey(key), item) => prune_list(item, key, child, before, now),
            (_, inner) if child.is_object() => prune_map(inner, child, before, now),
            _ => {}
        }
    }
}

/// A keyed list: an item the manager applied before and not now is removed; one it applies
/// still is pruned like a map. Items only other writers set are left alone.
fn prune_list(at: Position, key: &str, object: &mut Value, previous: &Value, current: &Value) {
    let (Some(items), Some(before), Some(now)) = (
        object.as_array_mut(),
        previous.as_array(),
        current.as_array(),
    ) else {
        return;
    };
    items.retain_mut(|item| {
        let Some(k) = item.get(key).cloned() else {
            return true;
        };
        match (keyed(before, key, &k), keyed(now, key, &k)) {
            (Some(_), None) => false,
            (Some(old), Some(new)) => {
                prune_map(at, item, old, new);
                true
            }
            _ => true,
        }
    });
}

fn keyed<'a>(list: &'a [Value], key: &str, value: &Value) -> Option<&'a Value> {
    list.iter().find(|v| v.get(key) == Some(value))
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
        remove_dropped("ConfigMap", &mut object, &previous, &current);
        assert_eq!(object, json!({"spec": {"a": 1, "c": {"d": 1}, "other": 5}}));
    }

    #[test]
    fn named_list_items_are_pruned_by_name() {
        let mut object = json!({"spec": {"containers": [
            {"name": "a", "command": ["x"], "image": "i"},
            {"name": "b", "command": ["y"], "image": "j"},
        ]}});
        let previous =
            json!({"spec": {"containers": [{"name": "a", "command": ["x"], "image": "i"}]}});
        let current = json!({"spec": {"containers": [{"name": "a", "image": "i"}]}});
        remove_dropped("Pod", &mut object, &previous, &current);
        assert_eq!(
            object,
            json!({"spec": {"containers": [
                {"name": "a", "image": "i"},
                {"name": "b", "command": ["y"], "image": "j"},
            ]}})
        );
    }

    #[test]
    fn a_variable_the_manager_dropped_from_a_container_goes() {
        let env = |names: &[&str]| {
            names
                .iter()
                .map(|n| json!({"name": n, "value": "v"}))
                .collect::<Vec<_>>()
        };
        let deployment = |names: &[&str]| {
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": "i", "env": env(names)},
            ]}}}})
        };
        // "C" came from another writer: the manager never applied it, so it stays.
        let mut object = deployment(&["A", "B", "C"]);
        remove_dropped(
            "Deployment",
            &mut object,
            &deployment(&["A", "B"]),
            &deployment(&["A"]),
        );
        assert_eq!(object, deployment(&["A", "C"]));
    }

    #[test]
    fn a_container_the_manager_dropped_goes() {
        let pod = |names: &[&str]| {
            json!({"spec": {"containers": names
                .iter()
                .map(|n| json!({"name": n, "image": "i"}))
                .collect::<Vec<_>>()}})
        };
        let mut object = pod(&["a", "b", "sidecar"]);
        remove_dropped("Pod", &mut object, &pod(&["a", "b"]), &pod(&["a"]));
        assert_eq!(object, pod(&["a", "sidecar"]));
    }

    #[test]
    fn ports_are_matched_by_their_merge_key_not_their_name() {
        // Container ports merge by containerPort: the dropped 9090 goes, 8080 keeps its name.
        let pod = |ports: Value| json!({"spec": {"containers": [{"name": "a", "ports": ports}]}});
        let mut object = pod(json!([
            {"containerPort": 8080, "name": "http"},
            {"containerPort": 9090, "name": "metrics"},
        ]));
        let previous = object.clone();
        let current = pod(json!([{"containerPort": 8080, "name": "http"}]));
        remove_dropped("Pod", &mut object, &previous, &current);
        assert_eq!(object, current);
    }

    #[test]
    fn the_content_type_ignores_parameters() {
        assert!(is_apply("application/apply-patch+yaml; charset=utf-8"));
        assert!(!is_apply("application/merge-patch+json"));
    }
}
