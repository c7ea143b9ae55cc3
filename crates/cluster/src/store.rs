//! The object store: every kind the simulator models, as k8s-openapi types behind `Arc` so that
//! forking a cluster copies pointers, not objects. Keys are ordered, so iteration (and with it
//! every controller decision) is deterministic.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolumeClaim, Pod, ResourceQuota,
    Secret, Service, ServiceAccount,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `(namespace, name)`; cluster-scoped objects have an empty namespace.
pub type ObjectKey = (String, String);

pub fn key(namespace: &str, name: &str) -> ObjectKey {
    (namespace.to_string(), name.to_string())
}

/// A kind the store holds, with what the API server needs to know about it.
pub trait Stored:
    k8s_openapi::Resource
    + k8s_openapi::Metadata<Ty = ObjectMeta>
    + Clone
    + PartialEq
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    const OBJECT_KIND: Kind;
    fn map(store: &Store) -> &ObjectMap<Self>;
    fn map_mut(store: &mut Store) -> &mut ObjectMap<Self>;
}

/// One namespace's entries by name, shared between forks until one of them writes.
type Names<V> = Arc<BTreeMap<Arc<str>, Arc<V>>>;

/// Objects of one kind, by namespace then name: lookups borrow, iteration is ordered. The
/// namespace list and each namespace's map are shared between forks until one of them writes
/// to it, so that forking (and capturing a baseline) costs per kind, and a write after a fork
/// copies one namespace's map, not the kind's.
#[derive(Clone, Debug)]
pub struct ObjectMap<T> {
    // Shared keys make copying a map on write a matter of reference counts.
    by_namespace: Arc<BTreeMap<Arc<str>, Names<T>>>,
    len: usize,
}

impl<T> Default for ObjectMap<T> {
    fn default() -> Self {
        ObjectMap {
            by_namespace: Arc::default(),
            len: 0,
        }
    }
}

impl<T: Stored> ObjectMap<T> {
    pub fn get(&self, namespace: &str, name: &str) -> Option<&Arc<T>> {
        self.by_namespace.get(namespace)?.get(name)
    }

    /// All objects, ordered by namespace then name.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<T>> {
        self.by_namespace.values().flat_map(|names| names.values())
    }

    /// Objects in one namespace, ordered by name.
    pub fn in_namespace<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a Arc<T>> + 'a {
        self.by_namespace
            .get(namespace)
            .into_iter()
            .flat_map(|names| names.values())
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn insert(&mut self, obj: Arc<T>) {
        let meta = obj.metadata();
        let namespace = meta.namespace.as_deref().unwrap_or("");
        let name = meta.name.as_deref().unwrap_or("");
        let by_namespace = Arc::make_mut(&mut self.by_namespace);
        let names = match by_namespace.get_mut(namespace) {
            Some(names) => names,
            None => by_namespace.entry(Arc::from(namespace)).or_default(),
        };
        let names = Arc::make_mut(names);
        // Replacing an object reuses its key: only a new object allocates one.
        match names.get_mut(name) {
            Some(slot) => *slot = obj,
            None => {
                names.insert(Arc::from(name), obj);
                self.len += 1;
            }
        }
    }

    /// The stored object to change in place: copied first only where a fork still shares it.
    pub(crate) fn get_mut(&mut self, namespace: &str, name: &str) -> Option<&mut T> {
        // Only an object that exists is worth unsharing the maps for.
        self.get(namespace, name)?;
        let names = Arc::make_mut(&mut self.by_namespace).get_mut(namespace)?;
        Arc::make_mut(names).get_mut(name).map(Arc::make_mut)
    }

    pub(crate) fn remove(&mut self, namespace: &str, name: &str) -> Option<Arc<T>> {
        if !self
            .by_namespace
            .get(namespace)
            .is_some_and(|names| names.contains_key(name))
        {
            return None;
        }
        let by_namespace = Arc::make_mut(&mut self.by_namespace);
        let names = by_namespace.get_mut(namespace)?;
        let removed = Arc::make_mut(names).remove(name)?;
        if names.is_empty() {
            by_namespace.remove(namespace);
        }
        self.len -= 1;
        Some(removed)
    }
}

/// Dispatches a generic operation on a [`Kind`] known only at run time.
pub trait KindVisitor {
    type Output;
    fn visit<T: Stored + crate::admission::Schema>(self) -> Self::Output;
}

macro_rules! kinds {
    ($($variant:ident => $ty:ty, $field:ident, $plural:literal, $short:expr;)*) => {
        /// Every kind the simulator stores.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Kind { $($variant),* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The resource name in URLs and messages (`pods`, `deployments`).
            pub fn plural(self) -> &'static str {
                match self { $(Kind::$variant => $plural),* }
            }

            /// kubectl's short names (`po`, `deploy`).
            pub fn short_names(self) -> &'static [&'static str] {
                match self { $(Kind::$variant => $short),* }
            }

            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => <$ty as k8s_openapi::Resource>::KIND),* }
            }

            pub fn api_version(self) -> &'static str {
                match self { $(Kind::$variant => <$ty as k8s_openapi::Resource>::API_VERSION),* }
            }

            pub fn group(self) -> &'static str {
                match self { $(Kind::$variant => <$ty as k8s_openapi::Resource>::GROUP),* }
            }

            pub fn namespaced(self) -> bool {
                self != Kind::Namespace && self != Kind::Node && self != Kind::StorageClass
            }

            /// `deployments.apps`, as the API server names a resource in messages.
            pub fn qualified_plural(self) -> String {
                if self.group().is_empty() {
                    self.plural().to_string()
                } else {
                    format!("{}.{}", self.plural(), self.group())
                }
            }

            pub fn from_kind_name(kind: &str) -> Option<Kind> {
                Kind::ALL.iter().copied().find(|k| k.name() == kind)
            }

            pub fn visit<V: KindVisitor>(self, visitor: V) -> V::Output {
                match self { $(Kind::$variant => visitor.visit::<$ty>()),* }
            }
        }

        /// All objects of the cluster.
        #[derive(Clone, Debug, Default)]
        pub struct Store {
            $(pub(crate) $field: ObjectMap<$ty>,)*
        }

        $(impl Stored for $ty {
            const OBJECT_KIND: Kind = Kind::$variant;
            fn map(store: &Store) -> &ObjectMap<Self> { &store.$field }
            fn map_mut(store: &mut Store) -> &mut ObjectMap<Self> { &mut store.$field }
        })*

        impl Store {
            /// Every object as JSON, kinds in declaration order: the bytes the determinism
            /// guarantee is about.
            pub fn to_json(&self) -> serde_json::Value {
                let mut out = serde_json::Map::new();
                $(out.insert(
                    $plural.to_string(),
                    serde_json::Value::Array(self.$field.iter().map(|o| serde_json::to_value(o.as_ref()).unwrap_or_default()).collect()),
                );)*
                serde_json::Value::Object(out)
            }

            pub fn object_count(&self) -> usize {
                0 $(+ self.$field.len())*
            }

            /// A copy holding only `kinds`: what a reader needs, without sharing the rest (a
            /// shared map is copied on its next write).
            pub fn only(&self, kinds: &[Kind]) -> Store {
                Store {
                    $($field: if kinds.contains(&Kind::$variant) {
                        self.$field.clone()
                    } else {
                        ObjectMap::default()
                    },)*
                }
            }
        }
    };
}

kinds! {
    Namespace => Namespace, namespaces, "namespaces", &["ns"];
    Node => Node, nodes, "nodes", &["no"];
    Pod => Pod, pods, "pods", &["po"];
    Deployment => Deployment, deployments, "deployments", &["deploy"];
    ReplicaSet => ReplicaSet, replicasets, "replicasets", &["rs"];
    StatefulSet => StatefulSet, statefulsets, "statefulsets", &["sts"];
    Service => Service, services, "services", &["svc"];
    Endpoints => Endpoints, endpoints, "endpoints", &["ep"];
    Event => Event, events, "events", &["ev"];
    ConfigMap => ConfigMap, configmaps, "configmaps", &["cm"];
    Secret => Secret, secrets, "secrets", &[];
    ServiceAccount => ServiceAccount, serviceaccounts, "serviceaccounts", &["sa"];
    ResourceQuota => ResourceQuota, resourcequotas, "resourcequotas", &["quota"];
    PersistentVolumeClaim => PersistentVolumeClaim, persistentvolumeclaims, "persistentvolumeclaims", &["pvc"];
    StorageClass => StorageClass, storageclasses, "storageclasses", &["sc"];
    NetworkPolicy => NetworkPolicy, networkpolicies, "networkpolicies", &["netpol"];
    HorizontalPodAutoscaler => HorizontalPodAutoscaler, horizontalpodautoscalers, "horizontalpodautoscalers", &["hpa"];
    CronJob => CronJob, cronjobs, "cronjobs", &["cj"];
    Job => Job, jobs, "jobs", &[];
    EndpointSlice => EndpointSlice, endpointslices, "endpointslices", &[];
    Lease => Lease, leases, "leases", &[];
}

impl Store {
    pub fn get<T: Stored>(&self, namespace: &str, name: &str) -> Option<&Arc<T>> {
        T::map(self).get(namespace, name)
    }

    pub fn list<T: Stored>(&self) -> impl Iterator<Item = &Arc<T>> {
        T::map(self).iter()
    }

    pub fn list_in<'a, T: Stored>(
        &'a self,
        namespace: &'a str,
    ) -> impl Iterator<Item = &'a Arc<T>> + 'a {
        T::map(self).in_namespace(namespace)
    }
}

/// Namespace and name of any object.
pub fn ns_name<T: Stored>(obj: &T) -> (&str, &str) {
    let m = obj.metadata();
    (
        m.namespace.as_deref().unwrap_or(""),
        m.name.as_deref().unwrap_or(""),
    )
}

/// Values by namespace then name, shared between forks as [`ObjectMap`] shares objects: a fork
/// copies one pointer, and a write copies the written namespace's map and value only.
#[derive(Clone, Debug)]
pub(crate) struct NamespacedMap<V> {
    by_namespace: Arc<BTreeMap<Arc<str>, Names<V>>>,
}

impl<V> Default for NamespacedMap<V> {
    fn default() -> Self {
        NamespacedMap {
            by_namespace: Arc::default(),
        }
    }
}

impl<V: Clone> NamespacedMap<V> {
    pub(crate) fn get(&self, namespace: &str, name: &str) -> Option<&V> {
        self.by_namespace.get(namespace)?.get(name).map(Arc::as_ref)
    }

    pub(crate) fn contains(&self, namespace: &str, name: &str) -> bool {
        self.get(namespace, name).is_some()
    }

    /// Everything, ordered by namespace then name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = ((&str, &str), &V)> {
        self.by_namespace.iter().flat_map(|(ns, names)| {
            names
                .iter()
                .map(move |(name, v)| ((&**ns, &**name), v.as_ref()))
        })
    }

    /// One namespace's values, ordered by name.
    pub(crate) fn in_namespace<'a>(
        &'a self,
        namespace: &str,
    ) -> impl Iterator<Item = (&'a str, &'a V)> + 'a {
        self.by_namespace
            .get(namespace)
            .into_iter()
            .flat_map(|names| names.iter().map(|(n, v)| (&**n, v.as_ref())))
    }

    pub(crate) fn insert(&mut self, namespace: &str, name: &str, value: V) {
        let by_namespace = Arc::make_mut(&mut self.by_namespace);
        let names = match by_namespace.get_mut(namespace) {
            Some(names) => names,
            None => by_namespace.entry(Arc::from(namespace)).or_default(),
        };
        let names = Arc::make_mut(names);
        match names.get_mut(name) {
            Some(slot) => *slot = Arc::new(value),
            None => {
                names.insert(Arc::from(name), Arc::new(value));
            }
        }
    }

    /// Takes a value out for an update, leaving `placeholder` in its slot until
    /// [`insert`](Self::insert) puts it back: no key to free and allocate again, no rebalancing.
    /// Copies the value only when a fork still shares it.
    pub(crate) fn take(&mut self, namespace: &str, name: &str, placeholder: &Arc<V>) -> Option<V> {
        if !self.contains(namespace, name) {
            return None;
        }
        let by_namespace = Arc::make_mut(&mut self.by_namespace);
        let slot = Arc::make_mut(by_namespace.get_mut(namespace)?).get_mut(name)?;
        Some(Arc::unwrap_or_clone(std::mem::replace(
            slot,
            placeholder.clone(),
        )))
    }

    /// Takes a value out, copying it only when a fork still shares it.
    pub(crate) fn remove(&mut self, namespace: &str, name: &str) -> Option<V> {
        if !self.contains(namespace, name) {
            return None;
        }
        let by_namespace = Arc::make_mut(&mut self.by_namespace);
        let names = by_namespace.get_mut(namespace)?;
        let removed = Arc::make_mut(names).remove(name)?;
        if names.is_empty() {
            by_namespace.remove(namespace);
        }
        Some(Arc::unwrap_or_clone(removed))
    }

    /// Keeps the values `keep` approves of, copying only the namespaces that lose one.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&str, &str, &V) -> bool) {
        let doomed: Vec<(String, String)> = self
            .iter()
            .filter(|((ns, name), v)| !keep(ns, name, v))
            .map(|((ns, name), _)| (ns.to_string(), name.to_string()))
            .collect();
        for (ns, name) in doomed {
            self.remove(&ns, &name);
        }
    }
}

/// Objects with a status that controllers rewrite whole.
pub(crate) trait WithStatus: Sized {
    type Status;
    /// A copy with `status` in place of the current one, which is not cloned: the controllers
    /// write statuses many times an instant. (The kubelet replaces a pod's status in place:
    /// `Cluster::commit_pod_status`.)
    fn with_status(&self, status: Self::Status) -> Self;
}

macro_rules! with_status {
    ($($kind:ty => $status:ty),* $(,)?) => {$(
        impl WithStatus for $kind {
            type Status = $status;
            fn with_status(&self, status: $status) -> Self {
                Self {
                    metadata: self.metadata.clone(),
                    spec: self.spec.clone(),
                    status: Some(status),
                }
            }
        }
    )*};
}

with_status! {
    k8s_openapi::api::apps::v1::Deployment => k8s_openapi::api::apps::v1::DeploymentStatus,
    k8s_openapi::api::apps::v1::ReplicaSet => k8s_openapi::api::apps::v1::ReplicaSetStatus,
    k8s_openapi::api::apps::v1::StatefulSet => k8s_openapi::api::apps::v1::StatefulSetStatus,
    k8s_openapi::api::batch::v1::Job => k8s_openapi::api::batch::v1::JobStatus,
    k8s_openapi::api::batch::v1::CronJob => k8s_openapi::api::batch::v1::CronJobStatus,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_leaves_the_placeholder_and_a_fork_keeps_its_value() {
        let mut map: NamespacedMap<String> = NamespacedMap::default();
        map.insert("ns", "a", "first".into());
        let fork = map.clone();
        let placeholder = Arc::new(String::from("syncing"));

        let taken = map.take("ns", "a", &placeholder);
        assert_eq!(taken.as_deref(), Some("first"));
        assert_eq!(map.get("ns", "a").map(String::as_str), Some("syncing"));
        assert_eq!(fork.get("ns", "a").map(String::as_str), Some("first"));

        map.insert("ns", "a", "second".into());
        assert_eq!(map.get("ns", "a").map(String::as_str), Some("second"));
        assert_eq!(fork.get("ns", "a").map(String::as_str), Some("first"));
        assert_eq!(map.take("ns", "missing", &placeholder), None);
        assert_eq!(map.take("other", "a", &placeholder), None);
        assert!(!map.contains("ns", "missing"));
    }
}
