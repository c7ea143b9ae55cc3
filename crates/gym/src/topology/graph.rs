//! Who calls whom, read from the objects: a workload depends on another when a variable it reads
//! (a literal, a ConfigMap key it references, or a ConfigMap it loads whole) names a Service
//! that selects the other's pods. The shop's nginx `UPSTREAM_AUTH`, a microservice's
//! `DEPENDS_ON` list and a `DATABASE_URL` all count.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use cluster::Cluster;
use cluster::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use cluster::k8s_openapi::api::core::v1::{ConfigMap, Container, PodTemplateSpec, Service};

use crate::catalogue::{Workload, WorkloadKind};

/// Namespaces whose workloads are the platform's, never an incident's target.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// The dependency graph of a world's workloads, with the ones users reach directly.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceGraph {
    entry_points: Vec<Workload>,
    workloads: BTreeSet<Workload>,
    calls: BTreeMap<Workload, BTreeSet<Workload>>,
    called_by: BTreeMap<Workload, BTreeSet<Workload>>,
}

/// Every application workload of a cluster with its pod template.
pub(crate) fn templates(c: &Cluster) -> Vec<(Workload, &PodTemplateSpec, i32)> {
    let mut out = Vec::new();
    for d in c.list::<Deployment>() {
        if let Some(spec) = d.spec.as_ref() {
            out.push((
                workload(WorkloadKind::Deployment, &d.metadata),
                &spec.template,
                spec.replicas.unwrap_or(1),
            ));
        }
    }
    for s in c.list::<StatefulSet>() {
        if let Some(spec) = s.spec.as_ref() {
            out.push((
                workload(WorkloadKind::StatefulSet, &s.metadata),
                &spec.template,
                spec.replicas.unwrap_or(1),
            ));
        }
    }
    out.retain(|(w, _, _)| !SYSTEM_NAMESPACES.contains(&w.namespace.as_str()));
    out.sort_by(|a, b| (&a.0.namespace, &a.0.name).cmp(&(&b.0.namespace, &b.0.name)));
    out
}

fn workload(
    kind: WorkloadKind,
    meta: &cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Workload {
    Workload {
        kind,
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
    }
}

/// The values a container reads that may name hosts: literal variables, ConfigMap keys it
/// references and whole ConfigMaps it loads, as (variable, value).
pub(crate) fn host_values(
    c: &Cluster,
    namespace: &str,
    container: &Container,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in container.env.iter().flatten() {
        if let Some(v) = &e.value {
            out.push((e.name.clone(), v.clone()));
        } else if let Some(r) = e
            .value_from
            .as_ref()
            .and_then(|f| f.config_map_key_ref.as_ref())
            && let Ok(m) = c.get::<ConfigMap>(namespace, &r.name)
            && let Some(v) = m.data.as_ref().and_then(|d| d.get(&r.key))
        {
            out.push((e.name.clone(), v.clone()));
        }
    }
    for r in container
        .env_from
        .iter()
        .flatten()
        .filter_map(|e| e.config_map_ref.as_ref())
    {
        if let Ok(m) = c.get::<ConfigMap>(namespace, &r.name) {
            out.extend(m.data.iter().flatten().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    out
}

/// The in-cluster Services a value names, as (namespace, service, port): `a.ns.svc...:80`,
/// `postgres://u:p@db.ns.svc.cluster.local:5432/x`, or a short `name:port` in `namespace`.
pub(crate) fn services_named(value: &str, namespace: &str) -> Vec<(String, String, Option<u16>)> {
    // A Service is named with a port or as `name.namespace.svc`: most values (a port number, a
    // log level) are neither.
    if !value.contains(':') && !value.contains(".svc") {
        return Vec::new();
    }
    value
        .split([',', ' ', '\n'])
        .filter_map(|token| {
            let token = token.trim();
            let rest = token.split_once("://").map_or(token, |(_, r)| r);
            let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
            let hostport = rest.split('/').next()?;
            let (host, port) = match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
                None => (hostport, None),
            };
            let mut labels = host.split('.');
            match (labels.next(), labels.next(), labels.next()) {
                (Some(svc), Some(ns), Some("svc")) => Some((ns.to_string(), svc.to_string(), port)),
                (Some(svc), None, _) if port.is_some() && !svc.is_empty() => {
                    Some((namespace.to_string(), svc.to_string(), port))
                }
                _ => None,
            }
        })
        .collect()
}

/// The workloads whose pods a Service selects.
pub(crate) fn backends(
    c: &Cluster,
    namespace: &str,
    service: &str,
    all: &[(Workload, &PodTemplateSpec, i32)],
) -> Vec<Workload> {
    let Ok(svc) = c.get::<Service>(namespace, service) else {
        return Vec::new();
    };
    let Some(selector) = svc.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
        return Vec::new();
    };
    if selector.is_empty() {
        return Vec::new();
    }
    all.iter()
        .filter(|(w, t, _)| {
            w.namespace == namespace
                && cluster::selectors::matches_map(
                    selector,
                    t.metadata.as_ref().and_then(|m| m.labels.as_ref()),
                )
        })
        .map(|(w, _, _)| w.clone())
        .collect()
}

impl ServiceGraph {
    /// Reads the graph from `cluster`'s objects; `entry_points` are the user-facing workloads.
    pub fn from_cluster(cluster: &Cluster, entry_points: Vec<Workload>) -> ServiceGraph {
        let all = templates(cluster);
        let mut graph = ServiceGraph {
            entry_points,
            workloads: all.iter().map(|(w, _, _)| w.clone()).collect(),
            ..Default::default()
        };
        // Many workloads name the same Services: each one's backends are matched once.
        let mut backends_of: BTreeMap<(String, String), Vec<Workload>> = BTreeMap::new();
        for (w, template, _) in &all {
            let containers = template.spec.iter().flat_map(|s| s.containers.iter());
            for container in containers {
                for (_, value) in host_values(cluster, &w.namespace, container) {
                    for (ns, svc, _) in services_named(&value, &w.namespace) {
                        let callees = backends_of
                            .entry((ns, svc))
                            .or_insert_with_key(|(ns, svc)| backends(cluster, ns, svc, &all));
                        for callee in callees.iter().filter(|c| *c != w) {
                            graph.add(w.clone(), callee.clone());
                        }
                    }
                }
            }
        }
        graph
    }

    fn add(&mut self, caller: Workload, callee: Workload) {
        self.called_by
            .entry(callee.clone())
            .or_default()
            .insert(caller.clone());
        self.calls.entry(caller).or_default().insert(callee);
    }

    /// The user-facing workloads, whose failures users see first.
    pub fn entry_points(&self) -> &[Workload] {
        &self.entry_points
    }

    pub fn is_user_facing(&self, w: &Workload) -> bool {
        self.entry_points.contains(w)
    }

    /// Every application workload (system namespaces left out).
    pub fn workloads(&self) -> impl Iterator<Item = &Workload> {
        self.workloads.iter()
    }

    /// The workloads `w` calls, directly.
    pub fn dependencies_of(&self, w: &Workload) -> Vec<Workload> {
        self.calls
            .get(w)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The workloads that call `w`, directly.
    pub fn callers_of(&self, w: &Workload) -> Vec<Workload> {
        self.called_by
            .get(w)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The shortest chain of callers from `w` up to a user-facing workload, `w` first and the
    /// entry point last (`[w]` when `w` is one); `None` when no user-facing workload depends on
    /// `w`. Ties go to the caller first in (kind, namespace, name) order, so the answer is stable.
    pub fn caller_chain(&self, w: &Workload) -> Option<Vec<Workload>> {
        let mut previous: BTreeMap<&Workload, &Workload> = BTreeMap::new();
        let mut seen: BTreeSet<&Workload> = BTreeSet::from([w]);
        let mut queue = VecDeque::from([w]);
        while let Some(at) = queue.pop_front() {
            if self.is_user_facing(at) {
                let mut chain = vec![at.clone()];
                let mut cur = at;
                while let Some(next) = previous.get(cur) {
                    chain.push((*next).clone());
                    cur = next;
                }
                chain.reverse();
                return Some(chain);
            }
            for caller in self.called_by.get(at).into_iter().flatten() {
                if seen.insert(caller) {
                    previous.insert(caller, at);
                    queue.push_back(caller);
                }
            }
        }
        None
    }

    /// The user-facing workloads that depend on `w`, directly or not (`w` itself if it is one).
    pub fn affected_entry_points(&self, w: &Workload) -> Vec<Workload> {
        let mut seen: BTreeSet<&Workload> = BTreeSet::from([w]);
        let mut queue = VecDeque::from([w]);
        while let Some(at) = queue.pop_front() {
            for caller in self.called_by.get(at).into_iter().flatten() {
                if seen.insert(caller) {
                    queue.push_back(caller);
                }
            }
        }
        self.entry_points
            .iter()
            .filter(|e| seen.contains(e))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_urls_lists_and_short_names() {
        assert_eq!(
            services_named(
                "postgres://u:$(P)@cart-db.commerce.svc.cluster.local:5432/cart",
                "x"
            ),
            vec![("commerce".into(), "cart-db".into(), Some(5432))]
        );
        assert_eq!(
            services_named("a.n1.svc.cluster.local:80,b.n2.svc:8080", "x"),
            vec![
                ("n1".into(), "a".into(), Some(80)),
                ("n2".into(), "b".into(), Some(8080))
            ]
        );
        assert_eq!(
            services_named("catalog:80", "shop"),
            vec![("shop".into(), "catalog".into(), Some(80))]
        );
        assert!(services_named("info", "x").is_empty());
        assert!(services_named("https://example.com/x", "x").is_empty());
    }
}
