//! The other `print*` functions of `pkg/printers/internalversion`, one per stored kind, with
//! every column of the wide output. Missing optional fields read as Go's zero values, as they
//! would after the API server's conversion to its internal types.

use std::collections::BTreeSet;

use cluster::SimTime;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::{
    HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget,
};
use k8s_openapi::api::batch::v1::{CronJob, Job, JobCondition};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, Endpoints, Event, Namespace, Node, PersistentVolumeClaim, ResourceQuota,
    Secret, Service, ServiceAccount,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

use super::duration::{human_duration, push_signed, ratio, set, since};
use super::labels::{format_label_selector, format_labels, selector_string};
use super::quantity::{canonical, canonical_opt};
use super::{Priority, name_of, none_if_empty};

fn age(meta: &ObjectMeta, now: SimTime) -> Value {
    json!(since(meta.creation_timestamp.as_ref().map(|t| &t.0), now))
}

/// `layoutContainerCells`: container names and images, comma-joined.
fn container_cells(containers: &[Container]) -> (Value, Value) {
    let names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    let images: Vec<&str> = containers
        .iter()
        .map(|c| c.image.as_deref().unwrap_or_default())
        .collect();
    (json!(names.join(",")), json!(images.join(",")))
}

/// `spec.replicas`, which apps/v1 defaults to 1.
fn replicas(r: Option<i32>) -> i64 {
    i64::from(r.unwrap_or(1))
}

pub(super) fn deployment(d: &Deployment, now: SimTime, priority: Priority) -> Vec<Value> {
    let spec = d.spec.as_ref();
    let status = d.status.as_ref();
    let desired = replicas(spec.and_then(|s| s.replicas));
    let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
    let updated = status.and_then(|s| s.updated_replicas).unwrap_or(0);
    let available = status.and_then(|s| s.available_replicas).unwrap_or(0);
    let mut cells = Vec::with_capacity(8);
    cells.extend([
        json!(name_of(&d.metadata)),
        Value::String(ratio(i64::from(ready), desired)),
        json!(updated),
        json!(available),
        age(&d.metadata, now),
    ]);
    if priority == Priority::Zero {
        cells.extend([Value::Null, Value::Null, Value::Null]);
        return cells;
    }
    let containers = spec.map_or(&[][..], |s| pod_template_containers(Some(&s.template)));
    let (names, images) = container_cells(containers);
    // printDeployment uses the selector's own String(), not FormatLabelSelector.
    let selector =
        selector_string(spec.map(|s| &s.selector)).unwrap_or_else(|()| "<invalid>".to_string());
    cells.extend([names, images, json!(selector)]);
    cells
}

fn pod_template_containers(
    template: Option<&k8s_openapi::api::core::v1::PodTemplateSpec>,
) -> &[Container] {
    template
        .and_then(|t| t.spec.as_ref())
        .map_or(&[][..], |s| s.containers.as_slice())
}

pub(super) fn replica_set(rs: &ReplicaSet, now: SimTime) -> Vec<Value> {
    let spec = rs.spec.as_ref();
    let status = rs.status.as_ref();
    let (names, images) = container_cells(pod_template_containers(
        spec.and_then(|s| s.template.as_ref()),
    ));
    // A missing selector and an empty one both print "<none>".
    let selector = format_label_selector(spec.map(|s| &s.selector));
    vec![
        json!(name_of(&rs.metadata)),
        json!(replicas(spec.and_then(|s| s.replicas))),
        json!(status.map_or(0, |s| s.replicas)),
        json!(status.and_then(|s| s.ready_replicas).unwrap_or(0)),
        age(&rs.metadata, now),
        names,
        images,
        json!(selector),
    ]
}

pub(super) fn stateful_set(sts: &StatefulSet, now: SimTime) -> Vec<Value> {
    let spec = sts.spec.as_ref();
    let desired = replicas(spec.and_then(|s| s.replicas));
    let ready = sts
        .status
        .as_ref()
        .and_then(|s| s.ready_replicas)
        .unwrap_or(0);
    let (names, images) = container_cells(pod_template_containers(spec.map(|s| &s.template)));
    vec![
        json!(name_of(&sts.metadata)),
        json!(format!("{ready}/{desired}")),
        age(&sts.metadata, now),
        names,
        images,
    ]
}

pub(super) fn service(svc: &Service, now: SimTime, priority: Priority) -> Vec<Value> {
    let spec = svc.spec.as_ref();
    let type_ = spec.and_then(|s| s.type_.as_deref()).unwrap_or_default();
    // The v1 → internal conversion fills clusterIPs from clusterIP.
    let cluster_ip = spec
        .and_then(|s| {
            s.cluster_ips
                .as_ref()
                .and_then(|ips| ips.first())
                .map(String::as_str)
                .or(s.cluster_ip.as_deref())
        })
        .filter(|ip| !ip.is_empty())
        .unwrap_or("<none>");
    let ports = spec
        .and_then(|s| s.ports.as_deref())
        .unwrap_or_default()
        .iter()
        .map(|p| {
            let protocol = p.protocol.as_deref().unwrap_or_default();
            let mut port = String::with_capacity(16 + protocol.len());
            push_signed(&mut port, i64::from(p.port));
            if let Some(node_port) = p.node_port.filter(|np| *np > 0) {
                port.push(':');
                push_signed(&mut port, i64::from(node_port));
            }
            port.push('/');
            port.push_str(protocol);
            port
        })
        .collect::<Vec<_>>()
        .join(",");
    vec![
        json!(name_of(&svc.metadata)),
        json!(type_),
        json!(cluster_ip),
        json!(external_ip(svc, type_)),
        json!(if ports.is_empty() {
            "<none>".to_string()
        } else {
            ports
        }),
        age(&svc.metadata, now),
        match priority {
            Priority::All => json!(format_labels(spec.and_then(|s| s.selector.as_ref()))),
            Priority::Zero => Value::Null,
        },
    ]
}

/// `getServiceExternalIP`, wide (load-balancer addresses are not clipped).
fn external_ip(svc: &Service, type_: &str) -> String {
    let external_ips = svc
        .spec
        .as_ref()
        .and_then(|s| s.external_ips.as_deref())
        .unwrap_or_default();
    match type_ {
        "ClusterIP" | "NodePort" if external_ips.is_empty() => "<none>".to_string(),
        "ClusterIP" | "NodePort" => external_ips.join(","),
        "LoadBalancer" => {
            // A sorted set of ingress IPs (or hostnames), like sets.String.List().
            let ingress: BTreeSet<&str> = svc
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_deref())
                .unwrap_or_default()
                .iter()
                .filter_map(|i| {
                    none_if_empty(i.ip.as_deref()).or_else(|| none_if_empty(i.hostname.as_deref()))
                })
                .collect();
            let mut all: Vec<&str> = ingress.into_iter().collect();
            all.extend(external_ips.iter().map(String::as_str));
            if all.is_empty() {
                "<pending>".to_string()
            } else {
                all.join(",")
            }
        }
        "ExternalName" => svc
            .spec
            .as_ref()
            .and_then(|s| s.external_name.clone())
            .unwrap_or_default(),
        _ => "<unknown>".to_string(),
    }
}

pub(super) fn endpoints(ep: &Endpoints, now: SimTime) -> Vec<Value> {
    vec![
        json!(name_of(&ep.metadata)),
        json!(format_endpoints(ep)),
        age(&ep.metadata, now),
    ]
}

pub(super) fn endpoint_slice(slice: &EndpointSlice, now: SimTime) -> Vec<Value> {
    // `formatDiscoveryPorts`: a port's number, else its name, else `*`.
    let ports = slice
        .ports
        .iter()
        .flatten()
        .map(|p| match (p.port, &p.name) {
            (Some(n), _) => n.to_string(),
            (None, Some(name)) => name.clone(),
            (None, None) => "*".to_string(),
        });
    let addresses = slice
        .endpoints
        .iter()
        .flat_map(|e| e.addresses.iter().cloned());
    vec![
        json!(name_of(&slice.metadata)),
        json!(slice.address_type),
        json!(list_with_more(ports)),
        json!(list_with_more(addresses)),
        age(&slice.metadata, now),
    ]
}

/// `listWithMoreString`: the first three, a count of the rest, `<unset>` for none.
fn list_with_more(items: impl Iterator<Item = String>) -> String {
    const MAX: usize = 3;
    let mut list = Vec::new();
    let mut count = 0usize;
    for item in items {
        if list.len() < MAX {
            list.push(item);
        }
        count += 1;
    }
    match (count > MAX, list.is_empty()) {
        (true, _) => format!("{} + {} more...", list.join(","), count - MAX),
        (false, true) => "<unset>".to_string(),
        (false, false) => list.join(","),
    }
}

pub(super) fn lease(lease: &Lease, now: SimTime) -> Vec<Value> {
    let holder = lease
        .spec
        .as_ref()
        .and_then(|s| s.holder_identity.clone())
        .unwrap_or_default();
    vec![
        json!(name_of(&lease.metadata)),
        json!(holder),
        age(&lease.metadata, now),
    ]
}

/// `formatEndpoints`: ready addresses with each port, the first three shown.
fn format_endpoints(ep: &Endpoints) -> String {
    const MAX: usize = 3;
    let subsets = ep.subsets.as_deref().unwrap_or_default();
    if subsets.is_empty() {
        return "<none>".to_string();
    }
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    for subset in subsets {
        let addresses = subset.addresses.as_deref().unwrap_or_default();
        let ports = subset.ports.as_deref().unwrap_or_default();
        if ports.is_empty() {
            // Headless services may have no ports.
            count += addresses.len();
            for addr in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(addr.ip.clone());
            }
            continue;
        }
        for port in ports {
            count += addresses.len();
            for addr in addresses {
                if list.len() == MAX {
                    more = true;
                    break;
                }
                list.push(join_host_port(&addr.ip, port.port));
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count - MAX)
    } else {
        joined
    }
}

/// `net.JoinHostPort`: IPv6 hosts in brackets.
fn join_host_port(host: &str, port: i32) -> String {
    let mut out = String::with_capacity(host.len() + 8);
    if host.contains(':') {
        out.push('[');
        out.push_str(host);
        out.push(']');
    } else {
        out.push_str(host);
    }
    out.push(':');
    push_signed(&mut out, i64::from(port));
    out
}

pub(super) fn node(n: &Node, now: SimTime) -> Vec<Value> {
    let status = n.status.as_ref();
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    // Go keeps the last condition of each type in a map.
    let mut states: Vec<&str> = match conditions.iter().rev().find(|c| c.type_ == "Ready") {
        Some(c) if c.status == "True" => vec!["Ready"],
        Some(_) => vec!["NotReady"],
        None => vec!["Unknown"],
    };
    if n.spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false)
    {
        states.push("SchedulingDisabled");
    }
    let roles: BTreeSet<&str> = n
        .metadata
        .labels
        .iter()
        .flatten()
        .filter_map(|(k, v)| {
            if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                (!role.is_empty()).then_some(role)
            } else {
                (k == "kubernetes.io/role" && !v.is_empty()).then_some(v.as_str())
            }
        })
        .collect();
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.into_iter().collect::<Vec<_>>().join(",")
    };
    let info = status.and_then(|s| s.node_info.as_ref());
    let info_field = |f: fn(&k8s_openapi::api::core::v1::NodeSystemInfo) -> &str| {
        info.map(f)
            .filter(|v| !v.is_empty())
            .unwrap_or("<unknown>")
            .to_string()
    };
    let address = |type_: &str| {
        status
            .and_then(|s| s.addresses.as_deref())
            .unwrap_or_default()
            .iter()
            .find(|a| a.type_ == type_)
            .map_or_else(|| "<none>".to_string(), |a| a.address.clone())
    };
    vec![
        json!(name_of(&n.metadata)),
        json!(states.join(",")),
        json!(roles),
        age(&n.metadata, now),
        json!(info.map(|i| i.kubelet_version.as_str()).unwrap_or_default()),
        json!(address("InternalIP")),
        json!(address("ExternalIP")),
        json!(info_field(|i| &i.os_image)),
        json!(info_field(|i| &i.kernel_version)),
        json!(info_field(|i| &i.container_runtime_version)),
    ]
}

pub(super) fn event(e: &Event, now: SimTime, priority: Priority) -> Vec<Value> {
    let first_seen = || match set(e.first_timestamp.as_ref().map(|t| &t.0)) {
        Some(first) => since(Some(&first), now),
        None => since(e.event_time.as_ref().map(|t| &t.0), now),
    };
    let last_seen = if let Some(series) = &e.series {
        since(series.last_observed_time.as_ref().map(|t| &t.0), now)
    } else {
        match set(e.last_timestamp.as_ref().map(|t| &t.0)) {
            Some(last) => since(Some(&last), now),
            None => first_seen(),
        }
    };
    let involved = &e.involved_object;
    // Pushed by hand: every event row builds these, and `format!` costs more than the rest.
    let kind = involved.kind.as_deref().unwrap_or_default();
    let name = none_if_empty(involved.name.as_deref());
    let mut target = String::with_capacity(kind.len() + 1 + name.map_or(0, str::len));
    if kind.is_ascii() {
        target.extend(kind.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        target.push_str(&kind.to_lowercase());
    }
    if let Some(name) = name {
        target.push('/');
        target.push_str(name);
    }
    let mut cells = Vec::with_capacity(10);
    cells.extend([
        Value::String(last_seen),
        json!(e.type_.as_deref().unwrap_or_default()),
        json!(e.reason.as_deref().unwrap_or_default()),
        Value::String(target),
    ]);
    let message = json!(e.message.as_deref().unwrap_or_default().trim());
    if priority == Priority::Zero {
        cells.extend([
            Value::Null,
            Value::Null,
            message,
            Value::Null,
            Value::Null,
            Value::Null,
        ]);
        return cells;
    }
    let mut count = e.count.unwrap_or(0);
    if let Some(series) = &e.series {
        count = series.count.unwrap_or(0);
    } else if count == 0 {
        // Singleton events of the events.k8s.io API carry no count.
        count = 1;
    }
    let source = e.source.as_ref();
    let component = first_non_empty(
        source.and_then(|s| s.component.as_deref()),
        e.reporting_component.as_deref(),
    );
    let host = first_non_empty(
        source.and_then(|s| s.host.as_deref()),
        e.reporting_instance.as_deref(),
    );
    let mut source = String::with_capacity(component.len() + host.len() + 2);
    source.push_str(component);
    if !host.is_empty() {
        source.push_str(", ");
        source.push_str(host);
    }
    cells.extend([
        json!(involved.field_path.as_deref().unwrap_or_default()),
        Value::String(source),
        message,
        Value::String(first_seen()),
        json!(count),
        json!(name_of(&e.metadata)),
    ]);
    cells
}

fn first_non_empty<'a>(a: Option<&'a str>, b: Option<&'a str>) -> &'a str {
    none_if_empty(a)
        .or_else(|| none_if_empty(b))
        .unwrap_or_default()
}

pub(super) fn namespace(ns: &Namespace, now: SimTime) -> Vec<Value> {
    let phase = ns
        .status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or_default();
    vec![
        json!(name_of(&ns.metadata)),
        json!(phase),
        age(&ns.metadata, now),
    ]
}

pub(super) fn config_map(cm: &ConfigMap, now: SimTime) -> Vec<Value> {
    let data =
        cm.data.as_ref().map_or(0, |d| d.len()) + cm.binary_data.as_ref().map_or(0, |d| d.len());
    vec![
        json!(name_of(&cm.metadata)),
        json!(data),
        age(&cm.metadata, now),
    ]
}

pub(super) fn secret(s: &Secret, now: SimTime) -> Vec<Value> {
    // The API server merges stringData into data before anything reads it.
    let keys: BTreeSet<&String> = s
        .data
        .iter()
        .flat_map(|d| d.keys())
        .chain(s.string_data.iter().flat_map(|d| d.keys()))
        .collect();
    vec![
        json!(name_of(&s.metadata)),
        json!(s.type_.as_deref().unwrap_or_default()),
        json!(keys.len()),
        age(&s.metadata, now),
    ]
}

pub(super) fn service_account(sa: &ServiceAccount, now: SimTime) -> Vec<Value> {
    let secrets = sa.secrets.as_ref().map_or(0, Vec::len);
    vec![
        json!(name_of(&sa.metadata)),
        json!(secrets),
        age(&sa.metadata, now),
    ]
}

pub(super) fn resource_quota(q: &ResourceQuota, now: SimTime) -> Vec<Value> {
    let status = q.status.as_ref();
    let used = status.and_then(|s| s.used.as_ref());
    let mut requests = Vec::new();
    let mut limits = Vec::new();
    // BTreeMap order is Go's sorted resource names.
    for (resource, hard) in status.and_then(|s| s.hard.as_ref()).into_iter().flatten() {
        let used = used
            .and_then(|u| u.get(resource))
            .map_or_else(|| "0".to_string(), canonical);
        let entry = format!("{resource}: {used}/{}", canonical(hard));
        let is_limit = matches!(resource.split_once('.'), Some(("limits", _)));
        if is_limit {
            limits.push(entry);
        } else {
            requests.push(entry);
        }
    }
    vec![
        json!(name_of(&q.metadata)),
        json!(requests.join(", ")),
        json!(limits.join(", ")),
        age(&q.metadata, now),
    ]
}

pub(super) fn persistent_volume_claim(pvc: &PersistentVolumeClaim, now: SimTime) -> Vec<Value> {
    let spec = pvc.spec.as_ref();
    let status = pvc.status.as_ref();
    let phase = if pvc.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else {
        status.and_then(|s| s.phase.as_deref()).unwrap_or_default()
    };
    let volume = spec
        .and_then(|s| s.volume_name.as_deref())
        .unwrap_or_default();
    // Capacity and access modes are those of the bound volume, so only shown once bound.
    let (capacity, access_modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        let capacity = status
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .map_or_else(|| "0".to_string(), canonical);
        let modes = status
            .and_then(|s| s.access_modes.as_deref())
            .unwrap_or_default();
        (capacity, access_modes_string(modes))
    };
    let class = pvc
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
        .map(String::as_str)
        .or_else(|| spec.and_then(|s| s.storage_class_name.as_deref()))
        .unwrap_or_default();
    let attributes_class = spec
        .and_then(|s| s.volume_attributes_class_name.as_deref())
        .unwrap_or("<unset>");
    let volume_mode = spec
        .and_then(|s| s.volume_mode.as_deref())
        .unwrap_or("<unset>");
    vec![
        json!(name_of(&pvc.metadata)),
        json!(phase),
        json!(volume),
        json!(capacity),
        json!(access_modes),
        json!(class),
        json!(attributes_class),
        age(&pvc.metadata, now),
        json!(volume_mode),
    ]
}

/// `GetAccessModesAsString`: "RWO,ROX,RWX,RWOP" in that fixed order, duplicates dropped.
fn access_modes_string(modes: &[String]) -> String {
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| modes.iter().any(|m| m == mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

pub(super) fn storage_class(sc: &StorageClass, now: SimTime) -> Vec<Value> {
    let annotations = sc.metadata.annotations.as_ref();
    let is_default = [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|k| {
        annotations
            .and_then(|a| a.get(*k))
            .is_some_and(|v| v == "true")
    });
    let name = name_of(&sc.metadata);
    let name = if is_default {
        format!("{name} (default)")
    } else {
        name.to_string()
    };
    vec![
        json!(name),
        json!(sc.provisioner),
        json!(sc.reclaim_policy.as_deref().unwrap_or("Delete")),
        json!(sc.volume_binding_mode.as_deref().unwrap_or("Immediate")),
        // A JSON boolean, as Go puts the bool itself in the cell.
        json!(sc.allow_volume_expansion.unwrap_or(false)),
        age(&sc.metadata, now),
    ]
}

pub(super) fn network_policy(np: &NetworkPolicy, now: SimTime) -> Vec<Value> {
    // A missing podSelector (which selects every pod) and an empty one both print "<none>".
    let selector = format_label_selector(np.spec.as_ref().and_then(|s| s.pod_selector.as_ref()));
    vec![
        json!(name_of(&np.metadata)),
        json!(selector),
        age(&np.metadata, now),
    ]
}

pub(super) fn horizontal_pod_autoscaler(hpa: &HorizontalPodAutoscaler, now: SimTime) -> Vec<Value> {
    let spec = hpa.spec.as_ref();
    let status = hpa.status.as_ref();
    let reference = spec.map_or_else(
        || "/".to_string(),
        |s| format!("{}/{}", s.scale_target_ref.kind, s.scale_target_ref.name),
    );
    let metrics = format_hpa_metrics(
        spec.and_then(|s| s.metrics.as_deref()).unwrap_or_default(),
        status
            .and_then(|s| s.current_metrics.as_deref())
            .unwrap_or_default(),
    );
    let min_pods = spec
        .and_then(|s| s.min_replicas)
        .map_or_else(|| "<unset>".to_string(), |m| m.to_string());
    vec![
        json!(name_of(&hpa.metadata)),
        json!(reference),
        json!(metrics),
        json!(min_pods),
        json!(spec.map_or(0, |s| s.max_replicas)),
        json!(status.and_then(|s| s.current_replicas).unwrap_or(0)),
        age(&hpa.metadata, now),
    ]
}

/// `formatHPAMetrics`: "current/target" per metric, the first two shown.
fn format_hpa_metrics(specs: &[MetricSpec], statuses: &[MetricStatus]) -> String {
    const MAX: usize = 2;
    if specs.is_empty() {
        return "<none>".to_string();
    }
    let mut list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| format_metric(spec, statuses.get(i)))
        .collect();
    let count = list.len();
    if count > MAX {
        list.truncate(MAX);
        format!("{} + {} more...", list.join(", "), count - MAX)
    } else {
        list.join(", ")
    }
}

fn format_metric(spec: &MetricSpec, status: Option<&MetricStatus>) -> String {
    const UNKNOWN: &str = "<unknown>";
    let percent = |p: Option<i32>| p.map(|p| format!("{p}%"));
    // Value/AverageValue targets of External and Object metrics.
    let value_or_average =
        |target: &MetricTarget,
         current: Option<&k8s_openapi::api::autoscaling::v2::MetricValueStatus>|
         -> String {
            if let Some(avg) = &target.average_value {
                let current = current
                    .and_then(|c| c.average_value.as_ref())
                    .map_or_else(|| UNKNOWN.to_string(), canonical);
                format!("{current}/{} (avg)", canonical(avg))
            } else {
                let current = current
                    .map_or_else(|| UNKNOWN.to_string(), |c| canonical_opt(c.value.as_ref()));
                format!("{current}/{}", canonical_opt(target.value.as_ref()))
            }
        };
    match spec.type_.as_str() {
        "External" => match &spec.external {
            Some(ext) => value_or_average(
                &ext.target,
                status.and_then(|s| s.external.as_ref()).map(|s| &s.current),
            ),
            None => "<unknown type>".to_string(),
        },
        "Object" => match &spec.object {
            Some(obj) => value_or_average(
                &obj.target,
                status.and_then(|s| s.object.as_ref()).map(|s| &s.current),
            ),
            None => "<unknown type>".to_string(),
        },
        "Pods" => match &spec.pods {
            Some(pods) => {
                let current = status.and_then(|s| s.pods.as_ref()).map_or_else(
                    || UNKNOWN.to_string(),
                    |p| canonical_opt(p.current.average_value.as_ref()),
                );
                format!(
                    "{current}/{}",
                    canonical_opt(pods.target.average_value.as_ref())
                )
            }
            None => "<unknown type>".to_string(),
        },
        "Resource" => match &spec.resource {
            Some(res) => {
                let current = status.and_then(|s| s.resource.as_ref()).map(|s| &s.current);
                resource_metric(&res.name, &res.target, current, percent)
            }
            None => "<unknown type>".to_string(),
        },
        "ContainerResource" => match &spec.container_resource {
            Some(res) => {
                let current = status
                    .and_then(|s| s.container_resource.as_ref())
                    .map(|s| &s.current);
                resource_metric(&res.name, &res.target, current, percent)
            }
            None => "<unknown type>".to_string(),
        },
        _ => "<unknown type>".to_string(),
    }
}

/// Resource and ContainerResource metrics: "cpu: 40%/80%" or "memory: 100Mi/200Mi".
fn resource_metric(
    name: &str,
    target: &MetricTarget,
    current: Option<&k8s_openapi::api::autoscaling::v2::MetricValueStatus>,
    percent: impl Fn(Option<i32>) -> Option<String>,
) -> String {
    if let Some(avg) = &target.average_value {
        let current = current.map_or_else(
            || "<unknown>".to_string(),
            |c| canonical_opt(c.average_value.as_ref()),
        );
        format!("{name}: {current}/{}", canonical(avg))
    } else {
        let current = current
            .and_then(|c| percent(c.average_utilization))
            .unwrap_or_else(|| "<unknown>".to_string());
        let target = percent(target.average_utilization).unwrap_or_else(|| "<auto>".to_string());
        format!("{name}: {current}/{target}")
    }
}

fn has_job_condition(conditions: Option<&Vec<JobCondition>>, type_: &str) -> bool {
    conditions
        .into_iter()
        .flatten()
        .any(|c| c.type_ == type_ && c.status == "True")
}

/// `printJob`.
pub(super) fn job(job: &Job, now: SimTime) -> Vec<Value> {
    let spec = job.spec.as_ref();
    let status = job.status.as_ref();
    let succeeded = status.and_then(|s| s.succeeded).unwrap_or(0);
    let completions = match spec.and_then(|s| s.completions) {
        Some(c) => format!("{succeeded}/{c}"),
        None => match spec.and_then(|s| s.parallelism).unwrap_or(0) {
            p if p > 1 => format!("{succeeded}/1 of {p}"),
            _ => format!("{succeeded}/1"),
        },
    };
    let start = status.and_then(|s| set(s.start_time.as_ref().map(|t| &t.0)));
    let end = status.and_then(|s| set(s.completion_time.as_ref().map(|t| &t.0)));
    let duration = match (start, end) {
        (None, _) => String::new(),
        (Some(start), None) => since(Some(&start), now),
        (Some(start), Some(end)) => human_duration(std::time::Duration::from_millis(
            u64::try_from((end.as_second() - start.as_second()) * 1000).unwrap_or(0),
        )),
    };
    let conditions = status.and_then(|s| s.conditions.as_ref());
    let state = if has_job_condition(conditions, "Complete") {
        "Complete"
    } else if has_job_condition(conditions, "Failed") {
        "Failed"
    } else if job.metadata.deletion_timestamp.is_some() {
        "Terminating"
    } else if has_job_condition(conditions, "Suspended") {
        "Suspended"
    } else if has_job_condition(conditions, "FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (names, images) = container_cells(pod_template_containers(spec.map(|s| &s.template)));
    vec![
        json!(name_of(&job.metadata)),
        json!(state),
        json!(completions),
        json!(duration),
        age(&job.metadata, now),
        names,
        images,
        json!(format_label_selector(
            spec.and_then(|s| s.selector.as_ref())
        )),
    ]
}

/// `printCronJob`.
pub(super) fn cron_job(cj: &CronJob, now: SimTime) -> Vec<Value> {
    let spec = cj.spec.as_ref();
    let status = cj.status.as_ref();
    let last = status
        .and_then(|s| s.last_schedule_time.as_ref())
        .map_or_else(|| "<none>".to_string(), |t| since(Some(&t.0), now));
    let suspend = match spec.and_then(|s| s.suspend) {
        None => "<unset>",
        Some(true) => "True",
        Some(false) => "False",
    };
    let job_spec = spec.and_then(|s| s.job_template.spec.as_ref());
    let (names, images) = container_cells(pod_template_containers(job_spec.map(|s| &s.template)));
    vec![
        json!(name_of(&cj.metadata)),
        json!(spec.map(|s| s.schedule.as_str()).unwrap_or_default()),
        json!(
            spec.and_then(|s| s.time_zone.as_deref())
                .unwrap_or("<none>")
        ),
        json!(suspend),
        json!(status.and_then(|s| s.active.as_ref()).map_or(0, Vec::len)),
        json!(last),
        age(&cj.metadata, now),
        names,
        images,
        json!(format_label_selector(
            job_spec.and_then(|s| s.selector.as_ref())
        )),
    ]
}
