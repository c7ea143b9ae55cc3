//! The [`Cluster`]: the object store, the API write path, the work queues of the controllers and
//! the simulated clock that drives them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{ReplicaSet, StatefulSet};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Namespace, PersistentVolumeClaim, Pod, ResourceQuota, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::admission::{Ctx, Schema};
use crate::error::{ApiError, FieldError};
use crate::kubelet::Runtime;
use crate::names;
use crate::selectors::matches_map;
use crate::store::{Kind, ObjectKey, Store, Stored, key, ns_name};
use crate::time::SimTime;

/// Settings of a simulated cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterConfig {
    /// The version the cluster reports (`/version` and node kubelets).
    pub kubernetes_version: String,
    /// How long events are kept after their last occurrence (the API server's `--event-ttl`).
    pub event_ttl: Duration,
}

impl Default for ClusterConfig {
    fn default() -> Self {
        ClusterConfig {
            kubernetes_version: "v1.33.5".into(),
            event_ttl: Duration::from_secs(3600),
        }
    }
}

/// A unit of controller work, processed in this order when several are due.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Work {
    Namespace(String),
    Node(String),
    NodeLease(String),
    StorageClaim(ObjectKey),
    Deployment(ObjectKey),
    StatefulSet(ObjectKey),
    ReplicaSet(ObjectKey),
    CronJob(ObjectKey),
    Job(ObjectKey),
    Quota(ObjectKey),
    Schedule(ObjectKey),
    Kubelet(ObjectKey),
    Endpoints(ObjectKey),
    EndpointSlices(ObjectKey),
    CollectGarbage(String),
    ExpireEvents,
}

/// How a delete treats the deleted object's dependents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

/// Options of a delete, as in `DeleteOptions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeleteOptions {
    pub propagation: Propagation,
    /// Overrides the pod's `terminationGracePeriodSeconds`; `Some(0)` deletes at once.
    pub grace_period_seconds: Option<i64>,
    pub dry_run: bool,
}

/// An embedded, deterministic Kubernetes cluster on simulated time. Cloning it forks it: the
/// clone evolves independently and, given the same calls, exactly like the original.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub(crate) now: SimTime,
    pub(crate) rng: ChaCha8Rng,
    pub(crate) store: Store,
    pub(crate) resource_version: u64,
    pub(crate) runtime: Runtime,
    pub(crate) timers: BTreeSet<(SimTime, Work)>,
    pub(crate) queue: BTreeSet<Work>,
    pub(crate) event_seq: u64,
    /// Counts the writes that can change who reaches whom (Pods, Services, Endpoints,
    /// NetworkPolicies, Namespaces): a running instance's view of its upstreams stands while it
    /// is unchanged.
    pub(crate) reach_epoch: u64,
    pub(crate) config: ClusterConfig,
}

/// The API server's own objects every cluster starts with, decoded once per process.
fn bootstrap_objects() -> &'static [TypedObject] {
    static OBJECTS: std::sync::OnceLock<Vec<TypedObject>> = std::sync::OnceLock::new();
    OBJECTS.get_or_init(|| {
        let kubernetes = serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                          "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}
        });
        let endpoints = serde_json::json!({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": "10.128.0.100"}], "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]
        });
        // The API server keeps its own slice, not the controller.
        let slice = serde_json::json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": "default", "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": ["10.128.0.100"], "conditions": {"ready": true}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]
        });
        [kubernetes, endpoints, slice]
            .into_iter()
            .map(|v| TypedObject::from_value(v).expect("bootstrap objects decode"))
            .collect()
    })
}

/// Upper bound on reconciles at one instant; reaching it means two controllers are fighting.
const MAX_RECONCILES_PER_INSTANT: usize = 100_000;

impl Cluster {
    /// An empty cluster with the namespaces and objects every cluster has.
    pub fn new(seed: u64) -> Self {
        Self::with_config(seed, ClusterConfig::default())
    }

    pub fn with_config(seed: u64, config: ClusterConfig) -> Self {
        let mut cluster = Cluster {
            now: SimTime::EPOCH,
            rng: ChaCha8Rng::seed_from_u64(seed),
            store: Store::default(),
            resource_version: 1000,
            runtime: Runtime::default(),
            timers: BTreeSet::new(),
            queue: BTreeSet::new(),
            event_seq: 0,
            reach_epoch: 0,
            config,
        };
        cluster.bootstrap();
        cluster
    }

    fn bootstrap(&mut self) {
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            let obj = Namespace {
                metadata: meta("", ns),
                ..Default::default()
            };
            self.create(obj).expect("bootstrap namespace is valid");
        }
        for object in bootstrap_objects() {
            self.apply_typed(object)
                .expect("bootstrap objects are valid");
        }
        self.settle();
    }

    // ----- clock -----------------------------------------------------------------------------

    /// The simulated time now.
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    /// Moves the clock forward by `by`, running every controller, kubelet and timer that falls due.
    pub fn advance(&mut self, by: Duration) {
        let target = self.now + by;
        self.run_to(target);
    }

    /// Advances until `condition` holds (checked after every change) or `limit` has passed.
    /// Returns whether the condition held.
    pub fn run_until(
        &mut self,
        limit: Duration,
        mut condition: impl FnMut(&Cluster) -> bool,
    ) -> bool {
        let deadline = self.now + limit;
        self.settle();
        loop {
            if condition(self) {
                return true;
            }
            match self.timers.first() {
                Some((at, _)) if *at <= deadline => {
                    let at = *at;
                    self.fire_timers_at(at);
                }
                _ => {
                    self.now = deadline;
                    self.settle();
                    return condition(self);
                }
            }
        }
    }

    fn run_to(&mut self, target: SimTime) {
        self.settle();
        while let Some((at, _)) = self.timers.first() {
            if *at > target {
                break;
            }
            let at = *at;
            self.fire_timers_at(at);
        }
        self.now = target.max(self.now);
        self.settle();
    }

    fn fire_timers_at(&mut self, at: SimTime) {
        self.now = self.now.max(at);
        while let Some(first) = self.timers.first() {
            if first.0 > at {
                break;
            }
            if let Some((_, work)) = self.timers.pop_first() {
                self.queue.insert(work);
            }
        }
        self.settle();
    }

    /// Schedules `work` at `at` (at once if `at` is not in the future).
    pub(crate) fn schedule(&mut self, at: SimTime, work: Work) {
        if at <= self.now {
            self.queue.insert(work);
        } else {
            self.timers.insert((at, work));
        }
    }

    pub(crate) fn enqueue(&mut self, work: Work) {
        self.queue.insert(work);
    }

    /// A controller's write of the status of the object it reconciles, which does not queue
    /// that object again: a second pass would read the status it just wrote and change nothing.
    /// Work queued for it before the write stays queued.
    pub(crate) fn write_own_status<R>(
        &mut self,
        own: Work,
        write: impl FnOnce(&mut Cluster) -> R,
    ) -> R {
        let queued = self.queue.contains(&own);
        let written = write(self);
        if !queued {
            self.queue.remove(&own);
        }
        written
    }

    /// Runs every controller until nothing is left to do at the current instant, as a real
    /// cluster's controllers would react to a write before anyone looks again. Writes through
    /// the API only queue that work; callers that answer requests settle before they read.
    pub fn settle(&mut self) {
        let mut budget = MAX_RECONCILES_PER_INSTANT;
        while let Some(work) = self.queue.pop_first() {
            budget -= 1;
            if budget == 0 {
                self.queue.clear();
                break;
            }
            match work {
                Work::Namespace(name) => self.reconcile_namespace(&name),
                Work::Node(name) => self.reconcile_node(&name),
                Work::NodeLease(name) => self.renew_node_lease(&name),
                Work::StorageClaim(k) => self.reconcile_claim(&k),
                Work::Deployment(k) => self.reconcile_deployment(&k),
                Work::StatefulSet(k) => self.reconcile_statefulset(&k),
                Work::ReplicaSet(k) => self.reconcile_replicaset(&k),
                Work::CronJob(k) => self.reconcile_cronjob(&k),
                Work::Job(k) => self.reconcile_job(&k),
                Work::Quota(k) => self.reconcile_quota(&k),
                Work::Schedule(k) => self.schedule_pod(&k),
                Work::Kubelet(k) => self.sync_pod(&k),
                Work::Endpoints(k) => self.reconcile_endpoints(&k),
                Work::EndpointSlices(k) => self.reconcile_endpoint_slices(&k),
                Work::CollectGarbage(uid) => self.collect_garbage(&uid),
                Work::ExpireEvents => self.expire_events(),
            }
        }
    }

    // ----- reads -----------------------------------------------------------------------------

    /// All objects.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn get<T: Stored>(&self, namespace: &str, name: &str) -> Result<Arc<T>, ApiError> {
        self.store
            .get::<T>(namespace, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(T::OBJECT_KIND, name))
    }

    pub fn list<T: Stored>(&self) -> impl Iterator<Item = &Arc<T>> {
        self.store.list::<T>()
    }

    pub fn list_in<'a, T: Stored>(
        &'a self,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a Arc<T>> + 'a {
        self.store.list_in::<T>(namespace)
    }

    /// The latest resourceVersion handed out.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    // ----- writes ----------------------------------------------------------------------------

    /// Creates an object as `POST` does: name generation, defaulting, validation, admission.
    pub fn create<T: Schema>(&mut self, obj: T) -> Result<Arc<T>, ApiError> {
        self.create_with(obj, false)
    }

    pub fn create_with<T: Schema>(
        &mut self,
        mut obj: T,
        dry_run: bool,
    ) -> Result<Arc<T>, ApiError> {
        let namespace = if T::OBJECT_KIND.namespaced() {
            let ns = obj
                .metadata()
                .namespace
                .clone()
                .unwrap_or_else(|| "default".into());
            obj.metadata_mut().namespace = Some(ns.clone());
            ns
        } else {
            obj.metadata_mut().namespace = None;
            String::new()
        };
        // Admission errors name a generated object by its prefix, as the API server does.
        let mut display_name = obj.metadata().name.clone().unwrap_or_default();
        if obj.metadata().name.as_deref().is_none_or(str::is_empty) {
            match obj.metadata().generate_name.clone() {
                Some(prefix) if !prefix.is_empty() => {
                    let mut next = || self.rng.random::<u64>();
                    let name = format!("{prefix}{}", names::random_suffix(&mut next));
                    obj.metadata_mut().name = Some(name);
                    display_name = prefix;
                }
                _ => {
                    return Err(ApiError::invalid(
                        T::OBJECT_KIND,
                        "",
                        vec![FieldError::required(
                            "metadata.name",
                            "name or generateName is required",
                        )],
                    ));
                }
            }
        }
        let name = obj.metadata().name.clone().unwrap_or_default();
        let name_errors = T::validate_name(&name);
        if !name_errors.is_empty() {
            let causes = name_errors
                .into_iter()
                .map(|m| FieldError::invalid("metadata.name", crate::error::quoted(&name), m))
                .collect();
            return Err(ApiError::invalid(T::OBJECT_KIND, &name, causes));
        }
        if T::OBJECT_KIND.namespaced() {
            match self.store.get::<Namespace>("", &namespace) {
                None => return Err(ApiError::not_found(Kind::Namespace, &namespace)),
                Some(ns) if ns.metadata.deletion_timestamp.is_some() => {
                    return Err(ApiError::forbidden(
                        T::OBJECT_KIND,
                        &name,
                        &format!(
                            "unable to create new content in namespace {namespace} because it is being terminated"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        if self.store.get::<T>(&namespace, &name).is_some() {
            return Err(ApiError::already_exists(T::OBJECT_KIND, &name));
        }
        obj.apply_defaults(&mut Ctx {
            store: &self.store,
            rng: &mut self.rng,
        });
        let causes = obj.validate(None);
        if !causes.is_empty() {
            return Err(ApiError::invalid(T::OBJECT_KIND, &name, causes));
        }
        self.admit(&obj, &namespace, &display_name)?;
        let uid = self.new_uid();
        let now = self.now;
        let meta = obj.metadata_mut();
        meta.uid = Some(uid);
        meta.creation_timestamp = Some(now.time());
        meta.generation = T::tracks_generation().then_some(1);
        meta.deletion_timestamp = None;
        meta.managed_fields = None;
        let causes = obj.complete_create();
        if !causes.is_empty() {
            return Err(ApiError::invalid(T::OBJECT_KIND, &name, causes));
        }
        if dry_run {
            return Ok(Arc::new(obj));
        }
        Ok(self.commit(obj))
    }

    /// Replaces an object as `PUT` does: the status is kept, the generation follows the spec.
    pub fn update<T: Schema>(&mut self, obj: T) -> Result<Arc<T>, ApiError> {
        self.update_with(obj, false)
    }

    pub fn update_with<T: Schema>(
        &mut self,
        mut obj: T,
        dry_run: bool,
    ) -> Result<Arc<T>, ApiError> {
        let old = self.existing_for_write(&mut obj)?;
        T::keep_status(&mut obj, &old);
        let (_, name) = ns_name(&obj);
        let name = name.to_string();
        obj.apply_defaults(&mut Ctx {
            store: &self.store,
            rng: &mut self.rng,
        });
        let causes = obj.validate(Some(&old));
        if !causes.is_empty() {
            return Err(ApiError::invalid(T::OBJECT_KIND, &name, causes));
        }
        if T::tracks_generation() && !T::same_spec(&old, &obj) {
            obj.metadata_mut().generation = Some(old.metadata().generation.unwrap_or(1) + 1);
        }
        if dry_run {
            return Ok(Arc::new(obj));
        }
        Ok(self.commit_if_changed(obj, &old))
    }

    /// Writes an object's status (the `/status` subresource): only the status changes.
    pub fn update_status<T: Schema>(&mut self, mut obj: T) -> Result<Arc<T>, ApiError> {
        let old = self.existing_for_write(&mut obj)?;
        // Everything from the stored object but the status.
        let mut merged = (*old).clone();
        T::keep_status(&mut merged, &obj);
        Ok(self.commit_if_changed(merged, &old))
    }

    /// Applies a change to a stored object, through the same path as `update`.
    pub fn modify<T: Schema>(
        &mut self,
        namespace: &str,
        name: &str,
        f: impl FnOnce(&mut T),
    ) -> Result<Arc<T>, ApiError> {
        let mut obj = (*self.get::<T>(namespace, name)?).clone();
        f(&mut obj);
        obj.metadata_mut().resource_version = None;
        self.update(obj)
    }

    fn existing_for_write<T: Schema>(&mut self, obj: &mut T) -> Result<Arc<T>, ApiError> {
        if T::OBJECT_KIND.namespaced() {
            if obj.metadata().namespace.is_none() {
                obj.metadata_mut().namespace = Some("default".into());
            }
        } else {
            obj.metadata_mut().namespace = None;
        }
        let (ns, name) = ns_name(obj);
        let old = self
            .store
            .get::<T>(ns, name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(T::OBJECT_KIND, name))?;
        if let Some(rv) = obj.metadata().resource_version.as_deref()
            && Some(rv) != old.metadata().resource_version.as_deref()
        {
            return Err(ApiError::conflict(T::OBJECT_KIND, name));
        }
        let old_meta = old.metadata();
        let meta = obj.metadata_mut();
        meta.uid = old_meta.uid.clone();
        meta.creation_timestamp = old_meta.creation_timestamp.clone();
        meta.generation = old_meta.generation;
        meta.deletion_timestamp = old_meta.deletion_timestamp.clone();
        meta.deletion_grace_period_seconds = old_meta.deletion_grace_period_seconds;
        meta.resource_version = old_meta.resource_version.clone();
        meta.managed_fields = None;
        Ok(old)
    }

    /// Deletes an object as `DELETE` does: graceful for pods, finalizers honoured, dependents
    /// handled by the garbage collector.
    pub fn delete<T: Schema>(
        &mut self,
        namespace: &str,
        name: &str,
        opts: DeleteOptions,
    ) -> Result<Arc<T>, ApiError> {
        let namespace = if T::OBJECT_KIND.namespaced() {
            namespace
        } else {
            ""
        };
        let old = self.get::<T>(namespace, name)?;
        if opts.dry_run {
            return Ok(old);
        }
        if opts.propagation == Propagation::Orphan {
            self.orphan_dependents(old.metadata().uid.as_deref().unwrap_or(""));
        }
        let grace = match T::OBJECT_KIND {
            Kind::Pod => {
                let pod: &Pod = as_kind(old.as_ref());
                let scheduled = pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.node_name.as_ref())
                    .is_some();
                let default_grace = pod
                    .spec
                    .as_ref()
                    .and_then(|s| s.termination_grace_period_seconds)
                    .unwrap_or(30);
                if scheduled {
                    opts.grace_period_seconds.unwrap_or(default_grace).max(0)
                } else {
                    0
                }
            }
            _ => 0,
        };
        let has_finalizers = old
            .metadata()
            .finalizers
            .as_ref()
            .is_some_and(|f| !f.is_empty());
        if grace > 0 || has_finalizers || T::OBJECT_KIND == Kind::Namespace {
            if old.metadata().deletion_timestamp.is_some() {
                return Ok(old);
            }
            let mut obj = (*old).clone();
            let now = self.now;
            let meta = obj.metadata_mut();
            meta.deletion_timestamp = Some((now + Duration::from_secs(grace as u64)).time());
            if T::OBJECT_KIND == Kind::Pod {
                meta.deletion_grace_period_seconds = Some(grace);
            }
            if T::OBJECT_KIND == Kind::Namespace {
                let ns: &mut Namespace = as_kind_mut(&mut obj);
                ns.status.get_or_insert_default().phase = Some("Terminating".into());
            }
            return Ok(self.commit(obj));
        }
        Ok(self.remove::<T>(namespace, name).unwrap_or(old))
    }

    /// Removes an object from the store for good and lets its dependents be collected.
    pub(crate) fn remove<T: Stored>(&mut self, namespace: &str, name: &str) -> Option<Arc<T>> {
        let old = T::map_mut(&mut self.store).remove(namespace, name)?;
        self.resource_version += 1;
        self.on_change(
            T::OBJECT_KIND,
            namespace,
            name,
            Some(old.metadata()),
            PodChange::REMOVED,
        );
        if let Some(uid) = old.metadata().uid.clone() {
            self.enqueue(Work::CollectGarbage(uid));
        }
        Some(old)
    }

    /// Stores `obj` with a new resourceVersion and notifies the controllers.
    pub(crate) fn commit<T: Stored>(&mut self, mut obj: T) -> Arc<T> {
        self.resource_version += 1;
        obj.metadata_mut().resource_version = Some(self.resource_version.to_string());
        let obj = Arc::new(obj);
        let (ns, name) = ns_name(obj.as_ref());
        let change = if T::OBJECT_KIND == Kind::Pod {
            let before = T::map(&self.store)
                .get(ns, name)
                .map(|o| as_kind::<T, Pod>(o.as_ref()));
            PodChange::between(before, as_kind::<T, Pod>(obj.as_ref()))
        } else {
            PodChange::REMOVED
        };
        T::map_mut(&mut self.store).insert(obj.clone());
        self.on_change(T::OBJECT_KIND, ns, name, Some(obj.metadata()), change);
        obj
    }

    /// Changes a stored object in place and commits it as [`commit`](Self::commit) would, without
    /// copying it where no fork or holder shares it; false where there is no such object. Not
    /// for Pods: their controllers need to know what changed
    /// ([`commit_pod_status`](Self::commit_pod_status)).
    pub(crate) fn commit_in_place<T: Stored>(
        &mut self,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&mut T),
    ) -> bool {
        debug_assert!(
            T::OBJECT_KIND != Kind::Pod,
            "a pod write must say what changed"
        );
        self.write_in_place(namespace, name, |obj: &mut T| {
            change(obj);
            PodChange::REMOVED
        })
        .is_some()
    }

    /// The in-place write: `change` says what it changed of a pod (other kinds return
    /// [`PodChange::REMOVED`], which is not read). `None` where there is no such object.
    fn write_in_place<T: Stored>(
        &mut self,
        namespace: &str,
        name: &str,
        change: impl FnOnce(&mut T) -> PodChange,
    ) -> Option<Arc<T>> {
        let obj = T::map_mut(&mut self.store).get_mut(namespace, name)?;
        let pod_change = change(obj);
        self.resource_version += 1;
        obj.metadata_mut().resource_version = Some(self.resource_version.to_string());
        let obj = T::map(&self.store).get(namespace, name)?.clone();
        self.on_change(
            T::OBJECT_KIND,
            namespace,
            name,
            Some(obj.metadata()),
            pod_change,
        );
        Some(obj)
    }

    /// Replaces a stored pod's status as [`commit`](Self::commit) would commit the pod with it,
    /// without copying the pod (its spec above all) where no fork or holder shares it: the
    /// kubelet rewrites a pod's status several times as it starts. Returns the stored pod, or
    /// `None` where there is none.
    pub(crate) fn commit_pod_status(
        &mut self,
        namespace: &str,
        name: &str,
        status: k8s_openapi::api::core::v1::PodStatus,
    ) -> Option<Arc<Pod>> {
        self.write_in_place::<Pod>(namespace, name, |pod| {
            // A status write leaves spec, labels, owners and deletion as they are: of what the
            // other controllers watch, only the phase, the IP and readiness can change.
            let old = pod.status.as_ref();
            let moved = old.and_then(|s| s.phase.as_deref()) != status.phase.as_deref()
                || old.and_then(|s| s.pod_ip.as_deref()) != status.pod_ip.as_deref();
            let was_ready = crate::selectors::is_ready(pod);
            pod.status = Some(status);
            PodChange {
                spec: false,
                observed: moved || was_ready != crate::selectors::is_ready(pod),
                removed: false,
                labels: false,
            }
        })
    }

    /// Like [`commit`](Self::commit), but a write that changes nothing keeps its resourceVersion.
    pub(crate) fn commit_if_changed<T: Stored>(&mut self, mut obj: T, old: &Arc<T>) -> Arc<T> {
        obj.metadata_mut().resource_version = old.metadata().resource_version.clone();
        if obj == **old {
            return old.clone();
        }
        self.commit(obj)
    }

    /// Creates or replaces an object given as JSON (any stored kind), as `kubectl apply` would
    /// for a whole object.
    pub fn apply_value(&mut self, value: serde_json::Value) -> Result<serde_json::Value, ApiError> {
        let object = TypedObject::from_value(value)?;
        let stored = object.kind.visit(ApplyTyped {
            cluster: self,
            object: &object,
            want_json: true,
        })?;
        Ok(stored.unwrap_or_default())
    }

    pub(crate) fn new_uid(&mut self) -> String {
        names::uuid_v4(self.rng.random())
    }

    /// Tells the controllers that watch `kind` about a change to `namespace/name`.
    fn on_change(
        &mut self,
        kind: Kind,
        namespace: &str,
        name: &str,
        meta: Option<&ObjectMeta>,
        pod_change: PodChange,
    ) {
        if matches!(
            kind,
            Kind::Pod | Kind::Service | Kind::Endpoints | Kind::NetworkPolicy | Kind::Namespace
        ) {
            self.reach_epoch += 1;
        }
        // Events and Leases, the most frequent writes, wake no controller: no key for them.
        let k = || key(namespace, name);
        let owners: &[OwnerReference] = meta
            .and_then(|m| m.owner_references.as_deref())
            .unwrap_or_default();
        match kind {
            Kind::Namespace => self.enqueue(Work::Namespace(name.to_string())),
            Kind::Deployment => self.enqueue(Work::Deployment(k())),
            Kind::StatefulSet => self.enqueue(Work::StatefulSet(k())),
            Kind::Job => {
                self.enqueue(Work::Job(k()));
                for o in owners.iter().filter(|o| o.kind == "CronJob") {
                    self.enqueue(Work::CronJob(key(namespace, &o.name)));
                }
            }
            Kind::CronJob => self.enqueue(Work::CronJob(k())),
            Kind::ReplicaSet => {
                self.enqueue(Work::ReplicaSet(k()));
                for o in owners.iter().filter(|o| o.kind == "Deployment") {
                    self.enqueue(Work::Deployment(key(namespace, &o.name)));
                }
            }
            Kind::Pod => {
                if pod_change.spec {
                    self.enqueue(Work::Schedule(k()));
                    self.enqueue(Work::Kubelet(k()));
                }
                if !pod_change.observed {
                    return;
                }
                for o in owners {
                    match o.kind.as_str() {
                        "ReplicaSet" => self.enqueue(Work::ReplicaSet(key(namespace, &o.name))),
                        "StatefulSet" => self.enqueue(Work::StatefulSet(key(namespace, &o.name))),
                        "Job" => self.enqueue(Work::Job(key(namespace, &o.name))),
                        _ => {}
                    }
                }
                let labels = meta.and_then(|m| m.labels.as_ref());
                self.enqueue_selecting_services(namespace, labels, pod_change.labels);
                self.enqueue_namespace::<ResourceQuota>(namespace, Work::Quota);
                // Claims waiting to bind or to be released; a bound one has nothing to do.
                self.enqueue_namespace_where(
                    namespace,
                    Work::StorageClaim,
                    |c: &PersistentVolumeClaim| {
                        c.metadata.deletion_timestamp.is_some()
                            || c.status.as_ref().and_then(|s| s.phase.as_deref()) != Some("Bound")
                    },
                );
                // A pod gone frees node capacity for pods waiting to be scheduled.
                if pod_change.removed {
                    self.enqueue_pending_pods();
                }
            }
            Kind::Service => {
                self.enqueue(Work::Endpoints(k()));
                self.enqueue(Work::EndpointSlices(k()));
            }
            // Both change who can connect to whom: the pods that call this Service, or any
            // Service of the policy's namespace, re-check their upstreams.
            Kind::Endpoints | Kind::NetworkPolicy => {
                let service = (kind == Kind::Endpoints).then_some(name);
                let dependents: Vec<ObjectKey> =
                    self.runtime.dependents_on(namespace, service).collect();
                for d in dependents {
                    self.enqueue(Work::Kubelet(d));
                }
            }
            Kind::ConfigMap | Kind::Secret => {
                let pods: Vec<ObjectKey> = self
                    .store
                    .list_in::<Pod>(namespace)
                    .map(|p| key(namespace, p.metadata.name.as_deref().unwrap_or("")))
                    .collect();
                for p in pods {
                    self.enqueue(Work::Kubelet(p));
                }
            }
            Kind::PersistentVolumeClaim => {
                self.enqueue(Work::StorageClaim(k()));
                self.enqueue_namespace::<StatefulSet>(namespace, Work::StatefulSet);
                self.enqueue_pending_pods();
            }
            Kind::StorageClass => {
                let claims: Vec<ObjectKey> = self
                    .store
                    .list::<PersistentVolumeClaim>()
                    .map(|c| {
                        key(
                            c.metadata.namespace.as_deref().unwrap_or(""),
                            c.metadata.name.as_deref().unwrap_or(""),
                        )
                    })
                    .collect();
                for c in claims {
                    self.enqueue(Work::StorageClaim(c));
                }
            }
            Kind::ResourceQuota => {
                self.enqueue(Work::Quota(k()));
                self.enqueue_namespace::<ReplicaSet>(namespace, Work::ReplicaSet);
                self.enqueue_namespace::<StatefulSet>(namespace, Work::StatefulSet);
                self.enqueue_namespace::<k8s_openapi::api::batch::v1::Job>(namespace, Work::Job);
            }
            Kind::Node => {
                self.enqueue(Work::Node(name.to_string()));
                self.enqueue_pending_pods();
            }
            Kind::Event
            | Kind::EndpointSlice
            | Kind::Lease
            | Kind::ServiceAccount
            | Kind::HorizontalPodAutoscaler => {}
        }
    }

    fn enqueue_namespace<T: Stored>(&mut self, namespace: &str, work: fn(ObjectKey) -> Work) {
        self.enqueue_namespace_where(namespace, work, |_: &T| true);
    }

    /// The objects of a kind in `namespace` that `wanted` picks.
    fn enqueue_namespace_where<T: Stored>(
        &mut self,
        namespace: &str,
        work: fn(ObjectKey) -> Work,
        wanted: impl Fn(&T) -> bool,
    ) {
        // The store is read while the queue is written: no list of keys in between.
        for o in self.store.list_in::<T>(namespace).filter(|o| wanted(o)) {
            let name = o.metadata().name.as_deref().unwrap_or("");
            self.queue.insert(work(key(namespace, name)));
        }
    }

    /// The endpoints of the Services that select a changed pod: the others' cannot change. When
    /// the pod's labels changed, Services that selected the old ones may have lost it: then all.
    fn enqueue_selecting_services(
        &mut self,
        namespace: &str,
        labels: Option<&BTreeMap<String, String>>,
        labels_changed: bool,
    ) {
        let services: Vec<ObjectKey> = self
            .store
            .list_in::<Service>(namespace)
            .filter(|s| {
                labels_changed
                    || s.spec
                        .as_ref()
                        .and_then(|spec| spec.selector.as_ref())
                        .is_some_and(|selector| matches_map(selector, labels))
            })
            .map(|s| key(namespace, s.metadata.name.as_deref().unwrap_or("")))
            .collect();
        for k in services {
            self.enqueue(Work::Endpoints(k.clone()));
            self.enqueue(Work::EndpointSlices(k));
        }
    }

    fn enqueue_pending_pods(&mut self) {
        let pending: Vec<ObjectKey> = self
            .store
            .list::<Pod>()
            .filter(|p| p.spec.as_ref().is_some_and(|s| s.node_name.is_none()))
            .map(|p| {
                key(
                    p.metadata.namespace.as_deref().unwrap_or(""),
                    p.metadata.name.as_deref().unwrap_or(""),
                )
            })
            .collect();
        for k in pending {
            self.enqueue(Work::Schedule(k));
        }
    }

    // ----- garbage collection ----------------------------------------------------------------

    fn owned_by(meta: &ObjectMeta, uid: &str) -> bool {
        meta.owner_references
            .as_ref()
            .is_some_and(|refs| refs.iter().any(|r| r.uid == uid))
    }

    fn collect_garbage(&mut self, uid: &str) {
        let background = DeleteOptions::default();
        let rs: Vec<(String, String)> = self
            .store
            .list::<ReplicaSet>()
            .filter(|o| Self::owned_by(&o.metadata, uid))
            .map(|o| ns_name(o.as_ref()))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        for (ns, name) in rs {
            let _ = self.delete::<ReplicaSet>(&ns, &name, background);
        }
        let pods: Vec<(String, String)> = self
            .store
            .list::<Pod>()
            .filter(|o| Self::owned_by(&o.metadata, uid))
            .map(|o| ns_name(o.as_ref()))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        for (ns, name) in pods {
            let _ = self.delete::<Pod>(&ns, &name, background);
        }
        self.delete_owned::<EndpointSlice>(uid);
        self.delete_owned::<Lease>(uid);
        self.delete_owned::<k8s_openapi::api::batch::v1::Job>(uid);
    }

    fn delete_owned<T: Schema>(&mut self, uid: &str) {
        let owned: Vec<(String, String)> = self
            .store
            .list::<T>()
            .filter(|o| Self::owned_by(o.metadata(), uid))
            .map(|o| ns_name(o.as_ref()))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        for (ns, name) in owned {
            let _ = self.delete::<T>(&ns, &name, DeleteOptions::default());
        }
    }

    fn orphan_dependents(&mut self, uid: &str) {
        fn strip<T: Schema>(cluster: &mut Cluster, uid: &str) {
            let owned: Vec<Arc<T>> = cluster
                .store
                .list::<T>()
                .filter(|o| Cluster::owned_by(o.metadata(), uid))
                .cloned()
                .collect();
            for o in owned {
                let mut obj = (*o).clone();
                if let Some(refs) = obj.metadata_mut().owner_references.as_mut() {
                    refs.retain(|r| r.uid != uid);
                }
                cluster.commit_if_changed(obj, &o);
            }
        }
        strip::<ReplicaSet>(self, uid);
        strip::<Pod>(self, uid);
    }

    /// Every object and the simulator's own state as JSON: same seed and calls, same bytes.
    pub fn snapshot(&self) -> serde_json::Value {
        serde_json::json!({
            "now": self.now.millis(),
            "resourceVersion": self.resource_version,
            "objects": self.store.to_json(),
            // The runtime's state is keyed by (namespace, name), which JSON cannot key by: the
            // snapshot has always held null here, and keeps it so that bytes stay comparable.
            "runtime": serde_json::Value::Null,
        })
    }

    /// Draws from the cluster's seeded randomness.
    pub(crate) fn random_below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.rng.random_range(0..n)
        }
    }
}

/// What a write to a pod changed, so that controllers only wake for what they watch: the
/// kubelet and scheduler for spec and deletion, the others for what they count.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PodChange {
    spec: bool,
    observed: bool,
    removed: bool,
    /// The labels changed: Services that selected the old ones may have lost the pod.
    labels: bool,
}

impl PodChange {
    const REMOVED: PodChange = PodChange {
        spec: true,
        observed: true,
        removed: true,
        labels: false,
    };

    fn between(before: Option<&Pod>, after: &Pod) -> PodChange {
        let Some(before) = before else {
            return PodChange {
                spec: true,
                observed: true,
                removed: false,
                labels: false,
            };
        };
        fn signature(p: &Pod) -> impl PartialEq + '_ {
            let status = p.status.as_ref();
            (
                p.metadata.deletion_timestamp.is_some(),
                status.and_then(|s| s.phase.as_deref()),
                status.and_then(|s| s.pod_ip.as_deref()),
                crate::selectors::is_ready(p),
                p.metadata.labels.as_ref(),
                p.metadata.owner_references.as_ref(),
            )
        }
        PodChange {
            spec: before.spec != after.spec
                || before.metadata.deletion_timestamp != after.metadata.deletion_timestamp,
            observed: before.spec != after.spec || signature(before) != signature(after),
            removed: false,
            labels: before.metadata.labels != after.metadata.labels,
        }
    }
}

/// An object of any stored kind, decoded once so that it can be applied to many clusters
/// without decoding it again.
pub struct TypedObject {
    kind: Kind,
    object: Box<dyn std::any::Any + Send + Sync>,
}

impl TypedObject {
    pub fn from_value(value: serde_json::Value) -> Result<TypedObject, ApiError> {
        let kind_name = value
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("")
            .to_string();
        let kind = Kind::from_kind_name(&kind_name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "no matches for kind \"{kind_name}\" in the simulated cluster"
            ))
        })?;
        kind.visit(Decode(value))
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }
}

struct Decode(serde_json::Value);

impl crate::store::KindVisitor for Decode {
    type Output = Result<TypedObject, ApiError>;
    fn visit<T: Stored + Schema>(self) -> Self::Output {
        let obj: T =
            serde_json::from_value(self.0).map_err(|e| ApiError::bad_request(e.to_string()))?;
        Ok(TypedObject {
            kind: T::OBJECT_KIND,
            object: Box::new(obj),
        })
    }
}

struct ApplyTyped<'a> {
    cluster: &'a mut Cluster,
    object: &'a TypedObject,
    want_json: bool,
}

impl crate::store::KindVisitor for ApplyTyped<'_> {
    type Output = Result<Option<serde_json::Value>, ApiError>;
    fn visit<T: Stored + Schema>(self) -> Self::Output {
        let obj = self
            .object
            .object
            .downcast_ref::<T>()
            .cloned()
            .ok_or_else(|| ApiError::bad_request("object does not match its kind"))?;
        let stored = self.cluster.create_or_replace(obj)?;
        // Serialising is only worth it when the caller wants the stored object back.
        Ok(self
            .want_json
            .then(|| serde_json::to_value(stored.as_ref()).unwrap_or_default()))
    }
}

impl Cluster {
    /// Creates the object, or replaces it if it exists: `kubectl apply` of a whole object.
    pub fn create_or_replace<T: Schema>(&mut self, obj: T) -> Result<Arc<T>, ApiError> {
        let (ns, name) = ns_name(&obj);
        let ns = if T::OBJECT_KIND.namespaced() && ns.is_empty() {
            "default"
        } else {
            ns
        };
        if self.store.get::<T>(ns, name).is_some() {
            self.update(obj)
        } else {
            self.create(obj)
        }
    }

    /// A cluster holding exactly `objects` as they were observed elsewhere (a real cluster):
    /// status, uid and resourceVersion as given, no defaulting, no validation, no controller
    /// work queued. It is a picture for predicates that read objects; advancing it would run the
    /// simulator's controllers on another cluster's objects, which is not what it is for.
    pub fn observed(objects: impl IntoIterator<Item = TypedObject>) -> Cluster {
        let mut cluster = Cluster {
            now: SimTime::EPOCH,
            rng: ChaCha8Rng::seed_from_u64(0),
            store: Store::default(),
            resource_version: 1000,
            runtime: Runtime::default(),
            timers: BTreeSet::new(),
            queue: BTreeSet::new(),
            event_seq: 0,
            reach_epoch: 0,
            config: ClusterConfig::default(),
        };
        for object in objects {
            object.kind.visit(InsertObserved {
                store: &mut cluster.store,
                object: &object,
            });
        }
        cluster
    }

    /// Applies a decoded object.
    pub fn apply_typed(&mut self, object: &TypedObject) -> Result<(), ApiError> {
        object
            .kind
            .visit(ApplyTyped {
                cluster: self,
                object,
                want_json: false,
            })
            .map(|_| ())
    }
}

struct InsertObserved<'a> {
    store: &'a mut Store,
    object: &'a TypedObject,
}

impl crate::store::KindVisitor for InsertObserved<'_> {
    type Output = ();
    fn visit<T: Stored + Schema>(self) {
        if let Some(obj) = self.object.object.downcast_ref::<T>() {
            let mut obj = obj.clone();
            if T::OBJECT_KIND.namespaced() && obj.metadata().namespace.is_none() {
                obj.metadata_mut().namespace = Some("default".into());
            }
            T::map_mut(self.store).insert(Arc::new(obj));
        }
    }
}

/// Object metadata with a namespace and a name.
pub fn meta(namespace: &str, name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: (!namespace.is_empty()).then(|| namespace.to_string()),
        ..Default::default()
    }
}

/// Views a stored object as its concrete type when the kind says it is that type.
fn as_kind<T: Stored, U: Stored>(obj: &T) -> &U {
    (obj as &dyn std::any::Any)
        .downcast_ref::<U>()
        .expect("kind matches type")
}

fn as_kind_mut<T: Stored, U: Stored>(obj: &mut T) -> &mut U {
    (obj as &mut dyn std::any::Any)
        .downcast_mut::<U>()
        .expect("kind matches type")
}
