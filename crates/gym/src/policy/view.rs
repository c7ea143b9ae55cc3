//! Reading what `kubectl get -o json` printed: objects, workloads and their pods.

use std::collections::BTreeMap;

use serde_json::Value;

/// The objects a `get -o json` printed: a List's items, or the one object.
pub(crate) fn objects(stdout: &str) -> Vec<Value> {
    match serde_json::from_str::<Value>(stdout) {
        Ok(Value::Object(mut o)) => {
            if o.get("kind").and_then(Value::as_str) == Some("List") {
                match o.remove("items") {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                }
            } else {
                vec![Value::Object(o)]
            }
        }
        _ => Vec::new(),
    }
}

pub(crate) fn kind(v: &Value) -> &str {
    v["kind"].as_str().unwrap_or("")
}

pub(crate) fn name(v: &Value) -> &str {
    v["metadata"]["name"].as_str().unwrap_or("")
}

pub(crate) fn namespace(v: &Value) -> &str {
    v["metadata"]["namespace"].as_str().unwrap_or("")
}

pub(crate) fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether every selector entry is among the labels (an empty selector matches nothing here).
pub(crate) fn selects(
    selector: &BTreeMap<String, String>,
    labels: &BTreeMap<String, String>,
) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A Deployment or StatefulSet as printed.
#[derive(Clone, Debug)]
pub(crate) struct Workload {
    /// `deployment` or `statefulset`, as kubectl's resource words.
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub obj: Value,
}

impl Workload {
    pub fn from(v: &Value) -> Option<Workload> {
        let kind = match kind(v) {
            "Deployment" => "deployment",
            "StatefulSet" => "statefulset",
            _ => return None,
        };
        Some(Workload {
            kind,
            namespace: namespace(v).to_string(),
            name: name(v).to_string(),
            obj: v.clone(),
        })
    }

    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.kind, self.namespace, self.name)
    }

    /// `deployment/web-app -n frontend`
    pub fn target(&self) -> String {
        format!("{}/{} -n {}", self.kind, self.name, self.namespace)
    }

    pub fn replicas(&self) -> i64 {
        self.obj["spec"]["replicas"].as_i64().unwrap_or(1)
    }

    pub fn ready(&self) -> i64 {
        self.obj["status"]["readyReplicas"].as_i64().unwrap_or(0)
    }

    pub fn selector(&self) -> BTreeMap<String, String> {
        string_map(&self.obj["spec"]["selector"]["matchLabels"])
    }

    pub fn template_labels(&self) -> BTreeMap<String, String> {
        string_map(&self.obj["spec"]["template"]["metadata"]["labels"])
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.obj["metadata"]["annotations"][key].as_str()
    }

    pub fn containers(&self) -> Vec<&Value> {
        self.obj["spec"]["template"]["spec"]["containers"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    /// The Deployment revision (`deployment.kubernetes.io/revision`), 0 if unknown.
    pub fn revision(&self) -> u64 {
        self.annotation("deployment.kubernetes.io/revision")
            .and_then(|r| r.parse().ok())
            .unwrap_or(0)
    }

    pub fn owns(&self, pod: &Value) -> bool {
        namespace(pod) == self.namespace
            && selects(&self.selector(), &string_map(&pod["metadata"]["labels"]))
    }
}

/// The workload a pod belongs to, from its owner references (ReplicaSet names drop their hash).
pub(crate) fn owner_workload(pod: &Value) -> Option<(&'static str, String)> {
    let owner = pod["metadata"]["ownerReferences"].as_array()?.first()?;
    let name = owner["name"].as_str()?;
    match owner["kind"].as_str()? {
        "ReplicaSet" => Some(("deployment", name.rsplit_once('-')?.0.to_string())),
        "StatefulSet" => Some(("statefulset", name.to_string())),
        _ => None,
    }
}

/// Whether the pod's Ready condition is True.
pub(crate) fn pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

pub(crate) fn container_statuses(pod: &Value) -> Vec<&Value> {
    pod["status"]["containerStatuses"]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

pub(crate) fn restarts(pod: &Value) -> i64 {
    container_statuses(pod)
        .iter()
        .map(|c| c["restartCount"].as_i64().unwrap_or(0))
        .sum()
}

pub(crate) fn terminating(pod: &Value) -> bool {
    !pod["metadata"]["deletionTimestamp"].is_null()
}

pub(crate) fn phase(pod: &Value) -> &str {
    pod["status"]["phase"].as_str().unwrap_or("")
}
