//! Server-side Table printing.
//!
//! kubectl's `get` asks the API server for a `meta.k8s.io/v1` Table and prints its cells as they
//! come, so these printers decide what `kubectl get` shows. They reproduce the API server's own
//! printers (`pkg/printers/internalversion` in Kubernetes 1.33) with `Wide: true`, since the
//! server always returns every column and kubectl drops the priority-1 ones unless `-o wide`.

mod columns;
mod duration;
mod labels;
mod pod;
mod printers;
mod quantity;

use std::any::Any;
use std::sync::Arc;

use cluster::{Kind, SimTime, Stored};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolumeClaim, Pod, ResourceQuota,
    Secret, Service, ServiceAccount,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Map, Value, json};

pub use duration::{human_duration, short_human_duration};

/// One column of a Table, as `metav1.TableColumnDefinition` serialises it.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnDefinition {
    pub name: &'static str,
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub format: &'static str,
    pub description: &'static str,
    pub priority: i32,
}

/// Columns the API server returns for a kind (all of them, priority-1 included, as
/// `GenerateTable` with `Wide: true`).
pub fn columns(kind: Kind) -> &'static [ColumnDefinition] {
    match kind {
        Kind::Namespace => columns::NAMESPACE,
        Kind::Node => columns::NODE,
        Kind::Pod => columns::POD,
        Kind::Deployment => columns::DEPLOYMENT,
        Kind::ReplicaSet => columns::REPLICA_SET,
        Kind::StatefulSet => columns::STATEFUL_SET,
        Kind::Service => columns::SERVICE,
        Kind::Endpoints => columns::ENDPOINTS,
        Kind::Event => columns::EVENT,
        Kind::ConfigMap => columns::CONFIG_MAP,
        Kind::Secret => columns::SECRET,
        Kind::ServiceAccount => columns::SERVICE_ACCOUNT,
        Kind::ResourceQuota => columns::RESOURCE_QUOTA,
        Kind::PersistentVolumeClaim => columns::PERSISTENT_VOLUME_CLAIM,
        Kind::StorageClass => columns::STORAGE_CLASS,
        Kind::NetworkPolicy => columns::NETWORK_POLICY,
        Kind::HorizontalPodAutoscaler => columns::HORIZONTAL_POD_AUTOSCALER,
        Kind::EndpointSlice => columns::ENDPOINT_SLICE,
        Kind::Lease => columns::LEASE,
        Kind::Job => columns::JOB,
        Kind::CronJob => columns::CRON_JOB,
    }
}

/// The columns of the API server's default Table convertor ("Name", "Created At"), used for
/// objects no printer handles.
pub fn default_columns() -> &'static [ColumnDefinition] {
    columns::DEFAULT
}

/// The cells of one row: JSON strings, integers (and, for StorageClass, a boolean) exactly as
/// the API server puts them in a Table.
///
/// `object` is the typed k8s-openapi object of that kind (`&Pod`, or `&Arc<Pod>` as the store
/// hands them out). Anything else gets the default convertor's two cells, name and creation
/// time, which then do not line up with [`columns`] for `kind`.
pub fn cells(kind: Kind, object: &dyn Any, now: SimTime) -> Vec<Value> {
    cells_for(kind, object, now, Priority::All)
}

/// Which cells a caller prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    /// Every column's, as a Table carries them (and `-o wide` prints them).
    All,
    /// Only priority-0 columns'; the others may be left null. `kubectl get` without `-o wide`
    /// prints no more, and events are listed often enough for their five unseen cells to cost.
    Zero,
}

/// [`cells`], with the priority-1 cells left out where `priority` says they are not printed.
pub fn cells_for(kind: Kind, object: &dyn Any, now: SimTime, priority: Priority) -> Vec<Value> {
    typed_cells(kind, object, now, priority).unwrap_or_else(|| default_cells(meta_of(object)))
}

fn typed_cells(
    kind: Kind,
    object: &dyn Any,
    now: SimTime,
    priority: Priority,
) -> Option<Vec<Value>> {
    Some(match kind {
        Kind::Namespace => printers::namespace(downcast(object)?, now),
        Kind::Node => printers::node(downcast(object)?, now),
        Kind::Pod => pod::cells(downcast(object)?, now, priority),
        Kind::Deployment => printers::deployment(downcast(object)?, now, priority),
        Kind::ReplicaSet => printers::replica_set(downcast(object)?, now),
        Kind::StatefulSet => printers::stateful_set(downcast(object)?, now),
        Kind::Service => printers::service(downcast(object)?, now, priority),
        Kind::Endpoints => printers::endpoints(downcast(object)?, now),
        Kind::Event => printers::event(downcast(object)?, now, priority),
        Kind::ConfigMap => printers::config_map(downcast(object)?, now),
        Kind::Secret => printers::secret(downcast(object)?, now),
        Kind::ServiceAccount => printers::service_account(downcast(object)?, now),
        Kind::ResourceQuota => printers::resource_quota(downcast(object)?, now),
        Kind::PersistentVolumeClaim => printers::persistent_volume_claim(downcast(object)?, now),
        Kind::StorageClass => printers::storage_class(downcast(object)?, now),
        Kind::NetworkPolicy => printers::network_policy(downcast(object)?, now),
        Kind::HorizontalPodAutoscaler => {
            printers::horizontal_pod_autoscaler(downcast(object)?, now)
        }
        Kind::EndpointSlice => printers::endpoint_slice(downcast(object)?, now),
        Kind::Lease => printers::lease(downcast(object)?, now),
        Kind::Job => printers::job(downcast(object)?, now),
        Kind::CronJob => printers::cron_job(downcast(object)?, now),
    })
}

/// Row conditions: printPod marks Succeeded and Failed pods `Completed`; nothing else has any.
pub fn row_conditions(kind: Kind, object: &dyn Any) -> Option<Value> {
    match kind {
        Kind::Pod => pod::row_conditions(downcast(object)?),
        _ => None,
    }
}

/// What `rows[].object` carries, from the `includeObject` query parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    /// `"None"`, `"Metadata"` or `"Object"`; anything else (or nothing) is the server's default,
    /// `Metadata`.
    pub fn from_query(v: Option<&str>) -> IncludeObject {
        match v {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

/// A whole `meta.k8s.io/v1` Table for `objects`, in the order given.
///
/// `rows[].object` is a `PartialObjectMetadata` for [`IncludeObject::Metadata`] (kubectl needs
/// it for `-A`, `--show-labels` and `-L`), the full object with its kind and apiVersion for
/// [`IncludeObject::Object`] (`--sort-by`), and absent for [`IncludeObject::None`].
pub fn table<T: Stored>(
    objects: &[&T],
    now: SimTime,
    include: IncludeObject,
    resource_version: &str,
) -> Value {
    let kind = T::OBJECT_KIND;
    let rows: Vec<Value> = objects
        .iter()
        .map(|&object| {
            let mut row = Map::new();
            row.insert("cells".into(), Value::Array(cells(kind, object, now)));
            if let Some(conditions) = row_conditions(kind, object) {
                row.insert("conditions".into(), conditions);
            }
            let embedded = match include {
                IncludeObject::None => None,
                IncludeObject::Metadata => Some(json!({
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": to_json(object.metadata()),
                })),
                IncludeObject::Object => Some(to_json(object)),
            };
            if let Some(embedded) = embedded {
                row.insert("object".into(), embedded);
            }
            Value::Object(row)
        })
        .collect();
    // ListMeta.resourceVersion is omitempty.
    let mut metadata = Map::new();
    if !resource_version.is_empty() {
        metadata.insert("resourceVersion".into(), json!(resource_version));
    }
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": columns(kind),
        "rows": rows,
    })
}

fn to_json<S: serde::Serialize + ?Sized>(value: &S) -> Value {
    // k8s-openapi types always serialise; Null keeps a broken one from taking the table down.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The object itself, or the object inside the `Arc` the store keeps it in.
fn downcast<T: 'static>(object: &dyn Any) -> Option<&T> {
    object
        .downcast_ref::<T>()
        .or_else(|| object.downcast_ref::<Arc<T>>().map(Arc::as_ref))
}

/// The metadata of any stored kind, for the default printer.
fn meta_of(object: &dyn Any) -> Option<&ObjectMeta> {
    fn meta<T: Stored>(object: &dyn Any) -> Option<&ObjectMeta> {
        downcast::<T>(object).map(|o| o.metadata())
    }
    downcast::<ObjectMeta>(object)
        .or_else(|| meta::<Namespace>(object))
        .or_else(|| meta::<Node>(object))
        .or_else(|| meta::<Pod>(object))
        .or_else(|| meta::<Deployment>(object))
        .or_else(|| meta::<ReplicaSet>(object))
        .or_else(|| meta::<StatefulSet>(object))
        .or_else(|| meta::<Service>(object))
        .or_else(|| meta::<Endpoints>(object))
        .or_else(|| meta::<Event>(object))
        .or_else(|| meta::<ConfigMap>(object))
        .or_else(|| meta::<Secret>(object))
        .or_else(|| meta::<ServiceAccount>(object))
        .or_else(|| meta::<ResourceQuota>(object))
        .or_else(|| meta::<PersistentVolumeClaim>(object))
        .or_else(|| meta::<StorageClass>(object))
        .or_else(|| meta::<NetworkPolicy>(object))
        .or_else(|| meta::<HorizontalPodAutoscaler>(object))
        .or_else(|| meta::<Job>(object))
        .or_else(|| meta::<CronJob>(object))
}

/// The default convertor's cells: the name and the creation time in RFC 3339 (Go's zero time
/// when unset).
fn default_cells(meta: Option<&ObjectMeta>) -> Vec<Value> {
    let name = meta.map(name_of).unwrap_or_default();
    let created = meta
        .and_then(|m| duration::set(m.creation_timestamp.as_ref().map(|t| &t.0)))
        .map_or_else(
            || "0001-01-01T00:00:00Z".to_string(),
            |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
    vec![json!(name), json!(created)]
}

fn name_of(meta: &ObjectMeta) -> &str {
    meta.name.as_deref().unwrap_or_default()
}

fn none_if_empty(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}
