//! The baseline world of one session: the application namespaces of `manifests/baseline/` (the
//! same files the simulator loads), moved into the session's namespaces and labelled as the
//! environment's. Cluster-scoped objects (nodes, storage classes) and `kube-system` belong to
//! the cluster, not to a session, and are left out.

use serde_json::{Map, Value};

use crate::namespaces::{LOGICAL_LABEL, NamespaceMap};

/// Pod Security Admission for every session namespace: `baseline` forbids privileged pods,
/// host namespaces, host paths and added capabilities, whatever reaches the API server.
pub const POD_SECURITY_LABEL: &str = "pod-security.kubernetes.io/enforce";
pub const POD_SECURITY_LEVEL: &str = "baseline";

/// Why the baseline could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error(transparent)]
    Manifest(#[from] cluster::manifests::ManifestError),
    #[error("{file}: a {kind} without metadata.name")]
    Unnamed { file: String, kind: String },
}

/// One object to apply, with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionObject {
    pub file: &'static str,
    pub object: Value,
}

/// The session's Namespace objects, then every object of the shipped baseline that lives in
/// one of the session's logical namespaces, in the files' order.
pub fn session_objects(map: &NamespaceMap) -> Result<Vec<SessionObject>, BaselineError> {
    session_objects_from(map, cluster::manifests::BASELINE)
}

/// [`session_objects`] over other manifests (generated topologies, tests).
pub fn session_objects_from(
    map: &NamespaceMap,
    files: &[(&'static str, &str)],
) -> Result<Vec<SessionObject>, BaselineError> {
    let mut docs = Vec::new();
    for (file, yaml) in files {
        for doc in cluster::manifests::parse_documents(file, yaml)? {
            if doc
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .is_none()
            {
                return Err(BaselineError::Unnamed {
                    file: file.to_string(),
                    kind: doc["kind"].as_str().unwrap_or("object").to_string(),
                });
            }
            docs.push((*file, doc));
        }
    }

    let mut out = Vec::new();
    // Namespaces first, one per logical name, keeping the manifests' labels.
    for (logical, real) in map.pairs() {
        let source = docs.iter().find(|(_, d)| {
            d["kind"] == "Namespace" && d["apiVersion"] == "v1" && d["metadata"]["name"] == logical
        });
        let (file, mut object) = match source {
            Some((file, doc)) => (*file, doc.clone()),
            None => (
                "generated",
                serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": logical}}),
            ),
        };
        object["metadata"]["name"] = Value::String(real.to_string());
        let labels = labels_mut(&mut object);
        labels.insert(LOGICAL_LABEL.into(), Value::String(logical.to_string()));
        labels.insert(POD_SECURITY_LABEL.into(), POD_SECURITY_LEVEL.into());
        add_ownership(&mut object, map);
        out.push(SessionObject { file, object });
    }
    for (file, doc) in docs {
        let Some(ns) = doc.pointer("/metadata/namespace").and_then(Value::as_str) else {
            continue; // cluster-scoped: the cluster's, not the session's
        };
        let Some(real) = map.real(ns) else {
            continue; // kube-system and other shared namespaces
        };
        let mut object = rewrite_dns(doc.clone(), map);
        object["metadata"]["namespace"] = Value::String(real.to_string());
        add_ownership(&mut object, map);
        out.push(SessionObject { file, object });
    }
    Ok(out)
}

fn labels_mut(object: &mut Value) -> &mut Map<String, Value> {
    let metadata = &mut object["metadata"];
    if !metadata["labels"].is_object() {
        metadata["labels"] = Value::Object(Map::new());
    }
    metadata["labels"]
        .as_object_mut()
        .expect("labels was just made an object")
}

fn add_ownership(object: &mut Value, map: &NamespaceMap) {
    let labels = labels_mut(object);
    for (k, v) in map.labels() {
        labels.insert(k, Value::String(v));
    }
}

/// Rewrites `<svc>.<logical>.svc` in every string value (environment variables, config maps).
fn rewrite_dns(value: Value, map: &NamespaceMap) -> Value {
    match value {
        Value::String(s) => Value::String(map.to_real_dns(&s)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| rewrite_dns(v, map)).collect())
        }
        Value::Object(fields) => Value::Object(
            fields
                .into_iter()
                .map(|(k, v)| (k, rewrite_dns(v, map)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespaces::{MANAGED_BY_LABEL, SESSION_LABEL, SessionId};

    fn objects(id: &str) -> Vec<Value> {
        let map = NamespaceMap::new(SessionId::new(id).unwrap());
        session_objects(&map)
            .unwrap()
            .into_iter()
            .map(|o| o.object)
            .collect()
    }

    #[test]
    fn every_object_lives_in_the_session_and_carries_its_labels() {
        let objs = objects("s1");
        let namespaces: Vec<&str> = objs
            .iter()
            .filter(|o| o["kind"] == "Namespace")
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            namespaces,
            [
                "ksg-s1-auth",
                "ksg-s1-default",
                "ksg-s1-frontend",
                "ksg-s1-payments"
            ]
        );
        assert!(
            objs[..4].iter().all(|o| o["kind"] == "Namespace"),
            "namespaces first"
        );
        for o in &objs {
            let labels = &o["metadata"]["labels"];
            assert_eq!(labels[MANAGED_BY_LABEL], "kube-sre-gym", "{o}");
            assert_eq!(labels[SESSION_LABEL], "s1", "{o}");
            match o["kind"].as_str().unwrap() {
                "Namespace" => {
                    assert_eq!(labels[POD_SECURITY_LABEL], "baseline");
                    let name = o["metadata"]["name"].as_str().unwrap();
                    assert_eq!(
                        format!("ksg-s1-{}", labels[LOGICAL_LABEL].as_str().unwrap()),
                        name
                    );
                }
                kind => {
                    let ns = o["metadata"]["namespace"].as_str().unwrap();
                    assert!(ns.starts_with("ksg-s1-"), "{kind} in {ns}");
                }
            }
        }
        // The shop's workloads are all there; the cluster's own objects are not.
        let names: Vec<String> = objs
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect();
        for want in [
            "Deployment/payment-api",
            "StatefulSet/payment-db",
            "Deployment/web-app",
            "Deployment/frontend-cache",
            "Deployment/auth-service",
            "StatefulSet/auth-db",
            "Secret/auth-db-credentials",
        ] {
            assert!(
                names.iter().any(|n| n == want),
                "{want} missing from {names:?}"
            );
        }
        for absent in ["Node/", "StorageClass/", "Deployment/coredns"] {
            assert!(!names.iter().any(|n| n.starts_with(absent)), "{absent}");
        }
    }

    #[test]
    fn service_addresses_point_at_the_sessions_namespaces() {
        let text = serde_json::to_string(&objects("s1")).unwrap();
        assert!(text.contains("payment-db.ksg-s1-payments.svc.cluster.local"));
        assert!(text.contains("auth-service.ksg-s1-auth.svc.cluster.local"));
        assert!(
            !text.contains(".payments.svc"),
            "a logical service address is left"
        );
        assert!(
            !text.contains(".auth.svc"),
            "a logical service address is left"
        );
    }

    #[test]
    fn two_sessions_share_no_namespace_and_differ_only_in_the_prefix() {
        let a = serde_json::to_string(&objects("a1")).unwrap();
        let b = serde_json::to_string(&objects("b2")).unwrap();
        assert_ne!(a, b);
        assert_eq!(
            a.replace("ksg-a1-", "ksg-X-").replace("\"a1\"", "\"X\""),
            b.replace("ksg-b2-", "ksg-X-").replace("\"b2\"", "\"X\"")
        );
    }
}
