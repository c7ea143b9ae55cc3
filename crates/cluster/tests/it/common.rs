//! Helpers shared by the simulator's integration tests.

use std::sync::Arc;

use cluster::Cluster;
use cluster::k8s_openapi::api::apps::v1::Deployment;
use cluster::k8s_openapi::api::core::v1::{Container, ContainerStatus, Event, Pod};

/// Pods of the workload labelled `app=<app>` in `ns`, oldest first.
pub fn pods(c: &Cluster, ns: &str, app: &str) -> Vec<Arc<Pod>> {
    let mut pods: Vec<Arc<Pod>> = c
        .list_in::<Pod>(ns)
        .filter(|p| {
            p.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("app"))
                .map(String::as_str)
                == Some(app)
        })
        .cloned()
        .collect();
    pods.sort_by_key(|p| {
        (
            p.metadata.creation_timestamp.as_ref().map(|t| t.0),
            p.metadata.name.clone(),
        )
    });
    pods
}

pub fn status(p: &Pod) -> ContainerStatus {
    p.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|c| c.first().cloned())
        .unwrap_or_default()
}

pub fn waiting_reason(p: &Pod) -> Option<String> {
    status(p).state?.waiting?.reason
}

pub fn is_ready(p: &Pod) -> bool {
    cluster::selectors::is_ready(p)
}

/// Changes the first container of a Deployment's pod template.
pub fn edit_container(c: &mut Cluster, ns: &str, name: &str, f: impl FnOnce(&mut Container)) {
    c.modify::<Deployment>(ns, name, |d| {
        let spec = d.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        f(&mut spec.containers[0]);
    })
    .expect("the edit is valid");
}

/// Events about an object, as (reason, message, count).
pub fn events_about(c: &Cluster, ns: &str, name: &str) -> Vec<(String, String, i32)> {
    c.list_in::<Event>(ns)
        .filter(|e| e.involved_object.name.as_deref() == Some(name))
        .map(|e| {
            (
                e.reason.clone().unwrap_or_default(),
                e.message.clone().unwrap_or_default(),
                e.count.unwrap_or(1),
            )
        })
        .collect()
}

pub fn has_event(c: &Cluster, ns: &str, name: &str, reason: &str, message_part: &str) -> bool {
    events_about(c, ns, name)
        .iter()
        .any(|(r, m, _)| r == reason && m.contains(message_part))
}

pub fn quantity(s: &str) -> cluster::k8s_openapi::apimachinery::pkg::api::resource::Quantity {
    cluster::k8s_openapi::apimachinery::pkg::api::resource::Quantity(s.to_string())
}

/// Sets the memory request and limit of a Deployment's first container.
pub fn set_memory(c: &mut Cluster, ns: &str, name: &str, request: &str, limit: &str) {
    edit_container(c, ns, name, |ct| {
        let r = ct.resources.get_or_insert_default();
        r.limits
            .get_or_insert_default()
            .insert("memory".into(), quantity(limit));
        r.requests
            .get_or_insert_default()
            .insert("memory".into(), quantity(request));
    });
}
