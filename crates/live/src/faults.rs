//! Faults and grading on a live cluster through the gym's own code (one grading code path).
//!
//! - **Pictures.** The session's objects are read from the cluster, their real namespace names
//!   rewritten to the logical ones, into a [`Cluster::observed`]: the gym's predicates read it
//!   as they read the simulator.
//! - **Injection.** The fault is injected by [`CatalogueFault::inject`] into a simulated twin of
//!   the session (the baseline world a reset restores), which also proves the symptom shows. The
//!   twin's object changes (desired state only: specs, data, labels; objects created and
//!   deleted; pods evicted) are then written to the session's namespaces, with server-side
//!   apply under the environment's field manager so that a reset undoes them. A fault that would
//!   change a cluster-scoped object (a node, a storage class) is refused: those are shared with
//!   every other session. The incident's "before" is the live picture taken before the writes.
//! - **Grading.** [`grading::grade_instant`] on a picture now; when that holds, a second picture
//!   after a bounded wait in real time stands for the simulator's fork in
//!   [`grading::grade_observed`].

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cluster::{Cluster, Kind, TypedObject};
use gym::catalogue::{CatalogueFault, Incident};
use gym::{Grade, grading};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::Value;

use crate::namespaces::NamespaceMap;
use crate::session::{LiveError, LiveSession};

/// The kinds a picture holds: what grading and the faults read.
pub const PICTURE_KINDS: &[Kind] = &[
    Kind::Deployment,
    Kind::StatefulSet,
    Kind::ReplicaSet,
    Kind::Pod,
    Kind::Service,
    Kind::Endpoints,
    Kind::ConfigMap,
    Kind::Secret,
    Kind::NetworkPolicy,
    Kind::ResourceQuota,
    Kind::PersistentVolumeClaim,
];

/// The kinds whose desired state a fault may change, in the order changes are written
/// (what workloads read first, the workloads last).
const FAULT_KINDS: &[Kind] = &[
    Kind::Node,
    Kind::StorageClass,
    Kind::ConfigMap,
    Kind::Secret,
    Kind::NetworkPolicy,
    Kind::ResourceQuota,
    Kind::PersistentVolumeClaim,
    Kind::Service,
    Kind::StatefulSet,
    Kind::Deployment,
];

/// One change a fault made to the twin, in logical names.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Create the object, or set its desired state (everything but metadata and status, plus
    /// labels and annotations) on the live one.
    Write { kind: Kind, object: Value },
    Delete {
        kind: Kind,
        namespace: String,
        name: String,
    },
    /// Delete the pods a workload's selector matches (the controllers recreate them).
    Evict {
        namespace: String,
        selector: BTreeMap<String, String>,
    },
}

/// The API resource of a kind.
pub(crate) fn resource(kind: Kind) -> ApiResource {
    let api_version = kind.api_version();
    let version = api_version.rsplit('/').next().unwrap_or("v1");
    let gvk = GroupVersionKind::gvk(kind.group(), version, kind.name());
    ApiResource::from_gvk_with_plural(&gvk, kind.plural())
}

/// What the object is meant to be, without what the server and the controllers keep.
fn desired(object: &Value) -> Value {
    let mut v = object.clone();
    if let Some(map) = v.as_object_mut() {
        map.remove("status");
    }
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for field in [
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "ownerReferences",
            "finalizers",
        ] {
            meta.remove(field);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("deployment.kubernetes.io/revision");
            if a.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    v
}

fn key(object: &Value) -> (String, String) {
    (
        object["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string(),
        object["metadata"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    )
}

/// Objects of one kind in a store, by (namespace, name).
fn objects_of(store: &cluster::Store, kind: Kind) -> BTreeMap<(String, String), Value> {
    let json = store.only(&[kind]).to_json();
    json[kind.plural()]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| (key(o), o.clone()))
        .collect()
}

/// The changes that turn `before` into `after`, in the logical namespaces of `scope` only.
/// Cluster-scoped changes are reported as errors by the caller.
pub fn changes(before: &Cluster, after: &Cluster, scope: &BTreeSet<String>) -> Vec<Change> {
    let mut out = Vec::new();
    let mut respecced: BTreeSet<(String, String)> = BTreeSet::new();
    for &kind in FAULT_KINDS {
        let old = objects_of(before.store(), kind);
        let new = objects_of(after.store(), kind);
        let in_scope = |ns: &str| !kind.namespaced() || scope.contains(ns);
        for (k, object) in &new {
            if !in_scope(&k.0) {
                continue;
            }
            let changed = old.get(k).is_none_or(|o| desired(o) != desired(object));
            if changed {
                if matches!(kind, Kind::Deployment | Kind::StatefulSet) {
                    respecced.insert(k.clone());
                }
                out.push(Change::Write {
                    kind,
                    object: desired(object),
                });
            }
        }
        for k in old.keys() {
            if in_scope(&k.0) && !new.contains_key(k) {
                out.push(Change::Delete {
                    kind,
                    namespace: k.0.clone(),
                    name: k.1.clone(),
                });
            }
        }
    }
    // Pods the fault deleted (by uid: a StatefulSet's pod comes back under its old name) from
    // workloads whose spec it did not change: evictions, which live controllers must see too.
    let uids_after: BTreeSet<String> = after
        .list::<cluster::k8s_openapi::api::core::v1::Pod>()
        .filter_map(|p| p.metadata.uid.clone())
        .collect();
    let mut evicted: BTreeSet<(String, String)> = BTreeSet::new();
    let workloads = workload_selectors(before);
    for pod in before.list::<cluster::k8s_openapi::api::core::v1::Pod>() {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        if !scope.contains(&ns)
            || pod
                .metadata
                .uid
                .as_ref()
                .is_none_or(|u| uids_after.contains(u))
        {
            continue;
        }
        for (k, selector) in &workloads {
            if k.0 == ns
                && !respecced.contains(k)
                && cluster::selectors::matches_map(selector, pod.metadata.labels.as_ref())
            {
                evicted.insert(k.clone());
            }
        }
    }
    for k in evicted {
        if let Some(selector) = workloads.get(&k) {
            out.push(Change::Evict {
                namespace: k.0,
                selector: selector.clone(),
            });
        }
    }
    out
}

fn workload_selectors(c: &Cluster) -> BTreeMap<(String, String), BTreeMap<String, String>> {
    use cluster::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
    let mut out = BTreeMap::new();
    for d in c.list::<Deployment>() {
        if let Some(sel) = d
            .spec
            .as_ref()
            .and_then(|s| s.selector.match_labels.clone())
        {
            out.insert(
                (
                    d.metadata.namespace.clone().unwrap_or_default(),
                    d.metadata.name.clone().unwrap_or_default(),
                ),
                sel,
            );
        }
    }
    for s in c.list::<StatefulSet>() {
        if let Some(sel) = s
            .spec
            .as_ref()
            .and_then(|s| s.selector.match_labels.clone())
        {
            out.insert(
                (
                    s.metadata.namespace.clone().unwrap_or_default(),
                    s.metadata.name.clone().unwrap_or_default(),
                ),
                sel,
            );
        }
    }
    out
}

/// Bounds on the live side of a fault and of grading.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// How long to wait for the symptom to show on the cluster after the writes.
    pub symptom_deadline: Duration,
    /// How long a fix must hold (the simulator's stability horizon, in real time).
    pub durability: Duration,
    /// How often to look while waiting.
    pub poll: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            symptom_deadline: Duration::from_secs(300),
            durability: Duration::from_secs(60),
            poll: Duration::from_secs(2),
        }
    }
}

impl LiveSession {
    /// The session's objects now, in logical names, as a cluster the gym's predicates read.
    pub async fn picture(&self) -> Result<Cluster, LiveError> {
        let map = self.namespaces();
        let mut objects = Vec::new();
        for &kind in PICTURE_KINDS {
            for (_, real) in map.pairs() {
                for item in self.list_in(kind, real).await? {
                    objects.push(to_logical(kind, &item, map)?);
                }
            }
        }
        Ok(Cluster::observed(objects))
    }

    /// Injects `fault` (logical names, `oom-limit:payments/payment-api`): computed on a twin of
    /// the session built from the simulator's baseline with `seed`, written to the session's
    /// namespaces, and waited for until its symptom shows (the workloads are no longer all
    /// healthy) or `timing.symptom_deadline` passes.
    pub async fn inject(
        &self,
        fault: &CatalogueFault,
        seed: u64,
        timing: Timing,
    ) -> Result<Incident, LiveError> {
        let (mut incident, changes) = plan(fault, seed, self.namespaces())?;
        let before = self.picture().await?;
        incident.observe_baseline(&before);
        tracing::info!(%fault, changes = changes.len(), "injecting on the live cluster");
        for change in &changes {
            self.write(change).await?;
        }
        // The symptom: the incident's workloads are no longer all healthy.
        let start = tokio::time::Instant::now();
        loop {
            let now = self.picture().await?;
            if !grading::grade_instant(std::slice::from_ref(&incident), &now).resolved {
                return Ok(incident);
            }
            if start.elapsed() >= timing.symptom_deadline {
                return Err(LiveError::Unobservable {
                    fault: fault.to_string(),
                    deadline: timing.symptom_deadline,
                });
            }
            tokio::time::sleep(timing.poll).await;
        }
    }

    /// Grades the incident from the live cluster: one look now; when everything holds, a second
    /// look after `timing.durability` of real time must still hold, with no pod restarted.
    pub async fn grade(&self, incident: &Incident, timing: Timing) -> Result<Grade, LiveError> {
        let incidents = std::slice::from_ref(incident);
        let now = self.picture().await?;
        let verdict = grading::grade_instant(incidents, &now);
        if !verdict.resolved {
            return Ok(verdict);
        }
        tokio::time::sleep(timing.durability).await;
        let later = self.picture().await?;
        let when = format!("after {} s", timing.durability.as_secs());
        Ok(grading::grade_observed(incidents, &now, &later, &when))
    }

    async fn write(&self, change: &Change) -> Result<(), LiveError> {
        let map = self.namespaces();
        match change {
            Change::Write { kind, object } => {
                let mut object = to_real(object, map)?;
                // The cluster allocated the Service's addresses; the twin's are its own.
                if *kind == Kind::Service
                    && let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut)
                {
                    spec.remove("clusterIP");
                    spec.remove("clusterIPs");
                }
                // Under the environment's field manager: the next reset's apply removes what
                // this write added.
                self.apply(&object).await?;
            }
            Change::Delete {
                kind,
                namespace,
                name,
            } => {
                let ns = map.real(namespace).unwrap_or(namespace);
                match self
                    .api(*kind, ns)
                    .delete(name, &DeleteParams::background())
                    .await
                {
                    Ok(_) => {}
                    Err(kube::Error::Api(s)) if s.is_not_found() => {}
                    Err(e) => {
                        return Err(LiveError::Api {
                            what: format!("deleting {} {ns}/{name}", kind.name()),
                            source: Box::new(e),
                        });
                    }
                }
            }
            Change::Evict {
                namespace,
                selector,
            } => {
                let ns = map.real(namespace).unwrap_or(namespace);
                let labels = selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",");
                self.api(Kind::Pod, ns)
                    .delete_collection(
                        &DeleteParams::background(),
                        &ListParams::default().labels(&labels),
                    )
                    .await
                    .map_err(|e| LiveError::Api {
                        what: format!("evicting pods {labels} in {ns}"),
                        source: Box::new(e),
                    })?;
            }
        }
        Ok(())
    }

    fn api(&self, kind: Kind, namespace: &str) -> Api<DynamicObject> {
        let resource = resource(kind);
        if kind.namespaced() {
            Api::namespaced_with(self.client().clone(), namespace, &resource)
        } else {
            Api::all_with(self.client().clone(), &resource)
        }
    }
}

/// What injecting `fault` into a session means: the incident, computed on a simulated twin of
/// the baseline with `seed`, and the changes to write. Refused for a fault that does not apply
/// to the baseline, shows no symptom, or would change a cluster-scoped object.
pub fn plan(
    fault: &CatalogueFault,
    seed: u64,
    map: &NamespaceMap,
) -> Result<(Incident, Vec<Change>), LiveError> {
    let mut twin = Cluster::baseline(seed);
    let before_twin = twin.clone();
    let incident = fault.inject(&mut twin).map_err(LiveError::Fault)?;
    let scope: BTreeSet<String> = map.logical_names().map(str::to_string).collect();
    let changes = changes(&before_twin, &twin, &scope);
    if let Some(object) = changes.iter().find_map(cluster_scoped) {
        return Err(LiveError::SharedObject {
            fault: fault.to_string(),
            object,
        });
    }
    Ok((incident, changes))
}

/// The catalogue faults a live session can be given, in catalogue order: every mechanism's
/// fault at its place in the baseline shop that [`plan`] accepts (no add-on topology, nothing
/// cluster-scoped).
pub fn supported_faults(seed: u64) -> Vec<CatalogueFault> {
    let probe = NamespaceMap::new(crate::SessionId::new("probe").expect("a valid id"));
    gym::CATALOGUE
        .iter()
        // The quota is sized from the twin's pod count; written to a session, its symptom did
        // not show within the deadline (tests/it/apply_faults.rs, the all-faults sweep), so it is
        // not offered until that is understood.
        .filter(|info| info.mechanism != gym::Mechanism::ExhaustedQuota)
        .map(|info| info.mechanism.default_fault())
        .filter(|fault| plan(fault, seed, &probe).is_ok())
        .collect()
}

/// The cluster-scoped object a change touches, named.
fn cluster_scoped(change: &Change) -> Option<String> {
    match change {
        Change::Write { kind, object } if !kind.namespaced() => Some(format!(
            "{} {}",
            kind.name(),
            object["metadata"]["name"].as_str().unwrap_or("")
        )),
        Change::Delete { kind, name, .. } if !kind.namespaced() => {
            Some(format!("{} {name}", kind.name()))
        }
        _ => None,
    }
}

/// A live object in the session's logical names, typed for the picture.
fn to_logical(
    kind: Kind,
    item: &DynamicObject,
    map: &NamespaceMap,
) -> Result<TypedObject, LiveError> {
    let mut value = serde_json::to_value(item).map_err(|e| LiveError::Decode(e.to_string()))?;
    // List items do not always say what they are.
    value["apiVersion"] = Value::String(kind.api_version().to_string());
    value["kind"] = Value::String(kind.name().to_string());
    let text = serde_json::to_string(&value).map_err(|e| LiveError::Decode(e.to_string()))?;
    let value: Value = serde_json::from_str(&map.to_logical_text(&text))
        .map_err(|e| LiveError::Decode(e.to_string()))?;
    TypedObject::from_value(value).map_err(|e| LiveError::Decode(format!("{}: {e}", kind.name())))
}

/// A twin object in the session's real names, labelled as the session's.
fn to_real(object: &Value, map: &NamespaceMap) -> Result<Value, LiveError> {
    let text = serde_json::to_string(object).map_err(|e| LiveError::Decode(e.to_string()))?;
    let mut v: Value = serde_json::from_str(&map.to_real_dns(&text))
        .map_err(|e| LiveError::Decode(e.to_string()))?;
    if let Some(ns) = v["metadata"]["namespace"].as_str() {
        let real = map
            .real(ns)
            .ok_or_else(|| LiveError::Decode(format!("namespace {ns} is not the session's")))?;
        v["metadata"]["namespace"] = Value::String(real.to_string());
    }
    let labels = v["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut labels = labels;
    for (k, val) in map.labels() {
        labels.insert(k, Value::String(val));
    }
    v["metadata"]["labels"] = Value::Object(labels);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> BTreeSet<String> {
        ["auth", "default", "frontend", "payments"]
            .into_iter()
            .map(String::from)
            .collect()
    }

    fn changes_of(spec: &str) -> Vec<Change> {
        let mut c = Cluster::baseline(3);
        let before = c.clone();
        let fault: CatalogueFault = spec.parse().unwrap();
        fault.inject(&mut c).unwrap();
        changes(&before, &c, &scope())
    }

    #[test]
    fn a_limit_fault_is_one_write_of_its_deployment() {
        let changes = changes_of("oom-limit:payments/payment-api");
        assert_eq!(changes.len(), 1, "{changes:?}");
        let Change::Write { kind, object } = &changes[0] else {
            panic!("{changes:?}")
        };
        assert_eq!(*kind, Kind::Deployment);
        assert_eq!(object["metadata"]["name"], "payment-api");
        assert!(object.get("status").is_none());
        assert!(object["metadata"].get("resourceVersion").is_none());
    }

    #[test]
    fn a_network_policy_fault_creates_the_policy_and_evicts_the_caller() {
        let changes = changes_of("network-policy-cuts-dependency:payments/payment-worker");
        assert!(
            changes.iter().any(|c| matches!(
                c,
                Change::Write {
                    kind: Kind::NetworkPolicy,
                    ..
                }
            )),
            "{changes:?}"
        );
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, Change::Evict { namespace, .. } if namespace == "payments")),
            "{changes:?}"
        );
    }

    #[test]
    fn a_storage_class_fault_touches_a_cluster_scoped_object() {
        let changes = changes_of("missing-storage-class:payments/payment-db");
        assert!(
            changes.iter().any(|c| matches!(
                c,
                Change::Delete {
                    kind: Kind::StorageClass,
                    ..
                }
            )),
            "{changes:?}"
        );
    }
}
