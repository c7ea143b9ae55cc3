//! One session's life on a real cluster through kube-rs: create its namespaces and apply the
//! baseline, wait (with a deadline) until every workload is available, and tear down.
//!
//! Objects are written with server-side apply under one field manager, so that a reset's
//! apply removes what the environment's own fault writes added.

use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, WatchParams};

use crate::baseline::{self, BaselineError};
use crate::namespaces::NamespaceMap;

/// The field manager of everything the environment applies.
pub const FIELD_MANAGER: &str = "kube-sre-gym";

/// Kinds a reset removes when the baseline does not hold them.
const PRUNED_KINDS: &[cluster::Kind] = &[
    cluster::Kind::Deployment,
    cluster::Kind::StatefulSet,
    cluster::Kind::Service,
    cluster::Kind::ConfigMap,
    cluster::Kind::Secret,
    cluster::Kind::NetworkPolicy,
    cluster::Kind::ResourceQuota,
    cluster::Kind::Pod,
];

/// Why a session operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error("{kind} {name:?}: {source}")]
    Apply {
        kind: String,
        name: String,
        source: Box<kube::Error>,
    },
    #[error(
        "{kind} {kind_name:?} has apiVersion {api_version:?}, which this environment does not serve"
    )]
    UnknownKind {
        api_version: String,
        kind: String,
        kind_name: String,
    },
    #[error("{what}: {source}")]
    Api {
        what: String,
        source: Box<kube::Error>,
    },
    #[error(
        "the session's workloads were not healthy within {deadline:?}; still waiting for: {pending}"
    )]
    Unhealthy { deadline: Duration, pending: String },
    #[error("{0}")]
    Decode(String),
    #[error("the session's namespaces were not gone within {deadline:?}: {namespaces}")]
    Lingering {
        deadline: Duration,
        namespaces: String,
    },
    #[error(transparent)]
    Fault(gym::CatalogueError),
    #[error(
        "fault {fault} changes {object}, a cluster-scoped object every session shares; the live backend injects only faults inside the session's namespaces"
    )]
    SharedObject { fault: String, object: String },
    #[error("fault {fault} was written to the cluster but no symptom showed within {deadline:?}")]
    Unobservable { fault: String, deadline: Duration },
}

/// A session's namespaces on a cluster.
#[derive(Clone)]
pub struct LiveSession {
    client: kube::Client,
    namespaces: NamespaceMap,
}

impl LiveSession {
    pub fn new(client: kube::Client, namespaces: NamespaceMap) -> LiveSession {
        LiveSession { client, namespaces }
    }

    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    pub fn namespaces(&self) -> &NamespaceMap {
        &self.namespaces
    }

    /// Creates the session's namespaces and applies its baseline objects (create, or replace
    /// what is there). Returns how many objects were written.
    pub async fn apply_baseline(&self) -> Result<usize, LiveError> {
        let objects = baseline::session_objects(&self.namespaces)?;
        for object in &objects {
            self.apply(&object.object).await?;
        }
        Ok(objects.len())
    }

    /// Server-side apply of one object under this environment's field manager, forcing
    /// ownership: the fields it applies are the environment's, and fields it applied before and
    /// no longer does are removed.
    pub(crate) async fn apply(&self, value: &serde_json::Value) -> Result<(), LiveError> {
        let api_version = value["apiVersion"].as_str().unwrap_or("").to_string();
        let kind_name = value["kind"].as_str().unwrap_or("").to_string();
        let name = value["metadata"]["name"].as_str().unwrap_or("").to_string();
        let Some(kind) = kubectl::manifest::kind_for(&api_version, &kind_name) else {
            return Err(LiveError::UnknownKind {
                api_version,
                kind: kind_name,
                kind_name: name,
            });
        };
        let resource = crate::faults::resource(kind);
        let api: Api<DynamicObject> = match value["metadata"]["namespace"].as_str() {
            Some(ns) if kind.namespaced() => {
                Api::namespaced_with(self.client.clone(), ns, &resource)
            }
            _ => Api::all_with(self.client.clone(), &resource),
        };
        let params = PatchParams::apply(FIELD_MANAGER).force();
        api.patch(&name, &params, &Patch::Apply(value))
            .await
            .map_err(|source| LiveError::Apply {
                kind: kind_name,
                name,
                source: Box::new(source),
            })?;
        Ok(())
    }

    /// Waits until every Deployment and StatefulSet of the session has rolled out its current
    /// generation and has all its replicas ready, or fails when `deadline` passes, naming what
    /// is still pending (the original's reset only warned, defect §16.12). Between looks it
    /// watches the session's workloads, so it wakes when one changes.
    pub async fn wait_healthy(&self, deadline: Duration) -> Result<(), LiveError> {
        let until = tokio::time::Instant::now() + deadline;
        loop {
            let (pending, versions) = self.pending().await?;
            if pending.is_empty() {
                return Ok(());
            }
            let now = tokio::time::Instant::now();
            if now >= until {
                return Err(LiveError::Unhealthy {
                    deadline,
                    pending: pending.join(", "),
                });
            }
            let left = until - now;
            let mut watches = Vec::new();
            for (kind, namespace, version) in &versions {
                let api: Api<DynamicObject> = Api::namespaced_with(
                    self.client.clone(),
                    namespace,
                    &crate::faults::resource(*kind),
                );
                let params = WatchParams::default().timeout(left.as_secs().clamp(1, 290) as u32);
                match api.watch(&params, version).await {
                    Ok(stream) => watches.push(stream.boxed()),
                    // A server that cannot watch is looked at again after a pause.
                    Err(e) => tracing::debug!(error = %e, "watch refused; polling"),
                }
            }
            let next_change = async {
                if watches.is_empty() {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                } else {
                    futures_util::stream::select_all(watches).next().await;
                }
            };
            let _ = tokio::time::timeout_at(until, next_change).await;
            // Streams that end at once must not make this loop spin.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Workloads not yet available, as `logical/kind/name (ready/wanted)`, and the list
    /// versions to watch from.
    async fn pending(
        &self,
    ) -> Result<(Vec<String>, Vec<(cluster::Kind, String, String)>), LiveError> {
        let mut pending = Vec::new();
        let mut versions = Vec::new();
        for (logical, real) in self.namespaces.pairs() {
            let api_err = |what: &str| {
                let what = format!("listing {what} in {real}");
                move |e: kube::Error| LiveError::Api {
                    what,
                    source: Box::new(e),
                }
            };
            let deployments: Api<Deployment> = Api::namespaced(self.client.clone(), real);
            let list = deployments
                .list(&ListParams::default())
                .await
                .map_err(api_err("deployments"))?;
            versions.push((
                cluster::Kind::Deployment,
                real.to_string(),
                list.metadata.resource_version.clone().unwrap_or_default(),
            ));
            for d in list {
                let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
                let status = d.status.clone().unwrap_or_default();
                let ready = status.ready_replicas.unwrap_or(0);
                let updated = status.updated_replicas.unwrap_or(0);
                let available = status.available_replicas.unwrap_or(0);
                let total = status.replicas.unwrap_or(0);
                let observed = status.observed_generation.unwrap_or(0);
                // Rolled out: no old pod left standing in for a new one that never got ready.
                let done = ready == want
                    && updated == want
                    && available == want
                    && total == want
                    && observed >= d.metadata.generation.unwrap_or(0);
                if !done {
                    pending.push(format!(
                        "{logical}/deployment/{} ({ready}/{want} ready)",
                        d.metadata.name.unwrap_or_default()
                    ));
                }
            }
            let sets: Api<StatefulSet> = Api::namespaced(self.client.clone(), real);
            let list = sets
                .list(&ListParams::default())
                .await
                .map_err(api_err("statefulsets"))?;
            versions.push((
                cluster::Kind::StatefulSet,
                real.to_string(),
                list.metadata.resource_version.clone().unwrap_or_default(),
            ));
            for s in list {
                let want = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
                let ready = s
                    .status
                    .as_ref()
                    .and_then(|s| s.ready_replicas)
                    .unwrap_or(0);
                if ready < want {
                    pending.push(format!(
                        "{logical}/statefulset/{} ({ready}/{want} ready)",
                        s.metadata.name.unwrap_or_default()
                    ));
                }
            }
        }
        Ok((pending, versions))
    }

    /// Resets the session to the baseline: applies it, deletes what the baseline does not hold
    /// (objects a fault or the agent created), and waits until every workload is available,
    /// failing with a clear error when `deadline` passes.
    pub async fn reset(&self, deadline: Duration) -> Result<(), LiveError> {
        let start = tokio::time::Instant::now();
        self.apply_baseline().await?;
        self.prune().await?;
        self.replace_stuck_set_pods(start + deadline).await?;
        let left = deadline.saturating_sub(start.elapsed());
        self.wait_healthy(left).await.map_err(|e| match e {
            LiveError::Unhealthy { pending, .. } => LiveError::Unhealthy { deadline, pending },
            e => e,
        })
    }

    /// Every object of `kind` in the real namespace `real`.
    pub(crate) async fn list_in(
        &self,
        kind: cluster::Kind,
        real: &str,
    ) -> Result<Vec<DynamicObject>, LiveError> {
        let api: Api<DynamicObject> =
            Api::namespaced_with(self.client.clone(), real, &crate::faults::resource(kind));
        let list = api
            .list(&ListParams::default())
            .await
            .map_err(|e| LiveError::Api {
                what: format!("listing {} in {real}", kind.plural()),
                source: Box::new(e),
            })?;
        Ok(list.items)
    }

    /// A StatefulSet leaves a pod that never became ready at its old revision (Kubernetes waits
    /// for an operator to delete it), so the baseline's template would never reach it: once each
    /// set's controller has seen the applied template, such pods are deleted and come back new.
    async fn replace_stuck_set_pods(&self, until: tokio::time::Instant) -> Result<(), LiveError> {
        let api_error = |what: String| {
            move |e| LiveError::Api {
                what,
                source: Box::new(e),
            }
        };
        for (_, real) in self.namespaces.pairs() {
            let sets: Api<StatefulSet> = Api::namespaced(self.client.clone(), real);
            let pods: Api<Pod> = Api::namespaced(self.client.clone(), real);
            let listed = sets
                .list(&ListParams::default())
                .await
                .map_err(api_error(format!("listing statefulsets in {real}")))?;
            for set in listed.items {
                let name = set.metadata.name.clone().unwrap_or_default();
                let mut set = set;
                // The controller's view of the applied template, or the deadline.
                while set.status.as_ref().and_then(|s| s.observed_generation)
                    < set.metadata.generation
                    && tokio::time::Instant::now() < until
                {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    set = sets
                        .get(&name)
                        .await
                        .map_err(api_error(format!("reading statefulset {real}/{name}")))?;
                }
                let Some(revision) = set.status.as_ref().and_then(|s| s.update_revision.clone())
                else {
                    continue;
                };
                let Some(selector) = set
                    .spec
                    .as_ref()
                    .and_then(|s| s.selector.match_labels.as_ref())
                else {
                    continue;
                };
                let labels = selector
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(",");
                let owned = pods
                    .list(&ListParams::default().labels(&labels))
                    .await
                    .map_err(api_error(format!("listing the pods of {real}/{name}")))?;
                for pod in owned.items {
                    let old = pod
                        .metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get("controller-revision-hash"))
                        .is_some_and(|h| *h != revision);
                    if old && !is_ready(&pod) {
                        let pod_name = pod.metadata.name.clone().unwrap_or_default();
                        match pods.delete(&pod_name, &DeleteParams::default()).await {
                            Ok(_) => {}
                            Err(kube::Error::Api(s)) if s.is_not_found() => {}
                            Err(e) => {
                                return Err(api_error(format!("deleting pod {real}/{pod_name}"))(
                                    e,
                                ));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Deletes the objects of the session's namespaces that the baseline does not hold, of the
    /// kinds faults and agents create; pods only when no controller owns them.
    async fn prune(&self) -> Result<(), LiveError> {
        use std::collections::BTreeSet;
        let objects = baseline::session_objects(&self.namespaces)?;
        let wanted: BTreeSet<(String, String, String)> = objects
            .iter()
            .map(|o| {
                (
                    o.object["kind"].as_str().unwrap_or("").to_string(),
                    o.object["metadata"]["namespace"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                    o.object["metadata"]["name"]
                        .as_str()
                        .unwrap_or("")
                        .to_string(),
                )
            })
            .collect();
        for kind in PRUNED_KINDS {
            for (_, real) in self.namespaces.pairs() {
                let api: Api<DynamicObject> = Api::namespaced_with(
                    self.client.clone(),
                    real,
                    &crate::faults::resource(*kind),
                );
                for item in self.list_in(*kind, real).await? {
                    let name = item.metadata.name.clone().unwrap_or_default();
                    let key = (kind.name().to_string(), real.to_string(), name.clone());
                    let cluster_made = (*kind == cluster::Kind::ConfigMap
                        && name == "kube-root-ca.crt")
                        || item.data["type"] == "kubernetes.io/service-account-token"
                        || (*kind == cluster::Kind::Pod
                            && item
                                .metadata
                                .owner_references
                                .as_ref()
                                .is_some_and(|r| !r.is_empty()));
                    if wanted.contains(&key) || cluster_made {
                        continue;
                    }
                    tracing::info!(kind = kind.name(), namespace = real, %name, "reset removes");
                    match api.delete(&name, &DeleteParams::background()).await {
                        Ok(_) => {}
                        Err(kube::Error::Api(status)) if status.is_not_found() => {}
                        Err(e) => {
                            return Err(LiveError::Api {
                                what: format!("deleting {} {real}/{name}", kind.name()),
                                source: Box::new(e),
                            });
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// [`teardown`](Self::teardown), then waits until the namespaces are gone (a real cluster
    /// finalizes their contents first), failing when `deadline` passes.
    pub async fn teardown_and_wait(&self, deadline: Duration) -> Result<(), LiveError> {
        self.teardown().await?;
        let start = tokio::time::Instant::now();
        let api: Api<Namespace> = Api::all(self.client.clone());
        loop {
            let mut left = Vec::new();
            for (_, real) in self.namespaces.pairs() {
                let found = api.get_opt(real).await.map_err(|e| LiveError::Api {
                    what: format!("reading namespace {real}"),
                    source: Box::new(e),
                })?;
                if found.is_some() {
                    left.push(real.to_string());
                }
            }
            if left.is_empty() {
                return Ok(());
            }
            if start.elapsed() >= deadline {
                return Err(LiveError::Lingering {
                    deadline,
                    namespaces: left.join(", "),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Deletes the session's namespaces (a real cluster deletes their contents with them).
    /// Namespaces already gone are fine.
    pub async fn teardown(&self) -> Result<(), LiveError> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        for (_, real) in self.namespaces.pairs() {
            match api.delete(real, &DeleteParams::background()).await {
                Ok(_) => {}
                Err(kube::Error::Api(status)) if status.is_not_found() => {}
                Err(e) => {
                    return Err(LiveError::Api {
                        what: format!("deleting namespace {real}"),
                        source: Box::new(e),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Whether the pod's Ready condition is True.
fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}
