//! The API server's resource table: what it serves and how discovery describes it. Both the
//! API server (its discovery documents) and the in-process kubectl (`api-resources`,
//! `api-versions`, resource lookups of `auth can-i`) read it, so they cannot disagree.

use cluster::Kind;

/// What a resource path serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Served {
    Stored(Kind),
    PodMetrics,
    NodeMetrics,
    /// `authorization.k8s.io` SelfSubjectAccessReview (`kubectl auth can-i`).
    AccessReview,
    /// `authorization.k8s.io` SelfSubjectRulesReview (`kubectl auth can-i --list`).
    RulesReview,
}

/// One served resource.
#[derive(Clone, Debug)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: String,
    pub kind: &'static str,
    pub namespaced: bool,
    pub served: Served,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub verbs: &'static [&'static str],
    /// (subresource, response group, response version, response kind, verbs)
    pub subresources: Vec<(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static [&'static str],
    )>,
}

const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const READ_VERBS: &[&str] = &["get", "list"];
const CREATE_ONLY: &[&str] = &["create"];
const SUB_VERBS: &[&str] = &["get", "patch", "update"];

fn group_version(kind: Kind) -> (&'static str, &'static str) {
    match kind.api_version().split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", kind.api_version()),
    }
}

/// Every resource the server knows, in discovery order.
pub fn resources() -> Vec<Resource> {
    let mut out: Vec<Resource> = Kind::ALL
        .iter()
        .map(|&kind| {
            let (group, version) = group_version(kind);
            let categories: &'static [&'static str] = match kind {
                Kind::Pod
                | Kind::Service
                | Kind::Deployment
                | Kind::ReplicaSet
                | Kind::StatefulSet
                | Kind::HorizontalPodAutoscaler
                | Kind::CronJob
                | Kind::Job => &["all"],
                _ => &[],
            };
            let mut subresources = Vec::new();
            match kind {
                Kind::Pod => {
                    subresources.push(("log", "", "v1", "Pod", &["get"][..]));
                    subresources.push(("status", "", "v1", "Pod", SUB_VERBS));
                }
                Kind::Deployment | Kind::ReplicaSet | Kind::StatefulSet => {
                    subresources.push(("scale", "autoscaling", "v1", "Scale", SUB_VERBS));
                    subresources.push(("status", group, version, kind.name(), SUB_VERBS));
                }
                Kind::Node
                | Kind::Namespace
                | Kind::Service
                | Kind::PersistentVolumeClaim
                | Kind::ResourceQuota
                | Kind::HorizontalPodAutoscaler
                | Kind::CronJob
                | Kind::Job => {
                    subresources.push(("status", group, version, kind.name(), SUB_VERBS));
                }
                _ => {}
            }
            Resource {
                group,
                version,
                plural: kind.plural(),
                singular: kind.name().to_lowercase(),
                kind: kind.name(),
                namespaced: kind.namespaced(),
                served: Served::Stored(kind),
                short_names: kind.short_names(),
                categories,
                verbs: ALL_VERBS,
                subresources,
            }
        })
        .collect();
    for (plural, kind, namespaced, served) in [
        ("nodes", "NodeMetrics", false, Served::NodeMetrics),
        ("pods", "PodMetrics", true, Served::PodMetrics),
    ] {
        out.push(Resource {
            group: "metrics.k8s.io",
            version: "v1beta1",
            plural,
            singular: String::new(),
            kind,
            namespaced,
            served,
            short_names: &[],
            categories: &[],
            verbs: READ_VERBS,
            subresources: Vec::new(),
        });
    }
    // Reviews are created and answered, never stored: kubectl only POSTs them.
    for (plural, kind, served) in [
        (
            "selfsubjectaccessreviews",
            "SelfSubjectAccessReview",
            Served::AccessReview,
        ),
        (
            "selfsubjectrulesreviews",
            "SelfSubjectRulesReview",
            Served::RulesReview,
        ),
    ] {
        out.push(Resource {
            group: "authorization.k8s.io",
            version: "v1",
            plural,
            singular: kind.to_lowercase(),
            kind,
            namespaced: false,
            served,
            short_names: &[],
            categories: &[],
            verbs: CREATE_ONLY,
            subresources: Vec::new(),
        });
    }
    out
}

pub fn find(group: &str, version: &str, plural: &str) -> Option<Resource> {
    resources()
        .into_iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

/// Group versions in discovery order (core first).
pub fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut gs: Vec<(&'static str, &'static str)> = Vec::new();
    for r in resources() {
        if !gs.contains(&(r.group, r.version)) {
            gs.push((r.group, r.version));
        }
    }
    gs
}
