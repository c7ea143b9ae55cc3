//! Resolution grading from object state: the incident's workloads back to their intended state,
//! available and ready, their Services with endpoints, and all of it still true when a fork of
//! the cluster has run several simulated minutes ahead. Collateral damage is named. Nothing here
//! looks at which commands were typed.

use std::collections::{BTreeMap, BTreeSet};

use std::time::Duration;

use cluster::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use cluster::k8s_openapi::api::core::v1::{ConfigMap, Endpoints, PodTemplateSpec, Service};
use cluster::{Cluster, Kind, Store};

use crate::catalogue::{Incident, Mechanism, Workload, WorkloadKind, workload_pods};

/// How far ahead a fork runs to check that a fix holds (longer than the 300 s back-off cap, so a
/// crash loop shows again).
pub const STABILITY_HORIZON: Duration = Duration::from_secs(420);

/// The annotation `kubectl rollout restart` sets; a restart alone changes nothing that matters.
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";

/// What the cluster looked like before the fault: the state to return to. Holding the store
/// costs one reference count per kind; templates are compared only when grading.
#[derive(Clone, Debug)]
pub(crate) struct Baseline {
    store: Store,
}

fn ns_name(
    meta: &cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> (String, String) {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

/// A pod template as compared for "changed without cause": restarts do not count.
fn comparable(template: &PodTemplateSpec) -> PodTemplateSpec {
    let mut t = template.clone();
    if let Some(a) = t.metadata.as_mut().and_then(|m| m.annotations.as_mut()) {
        a.remove(RESTARTED_AT);
    }
    t
}

/// Every workload with its desired replicas and pod template.
fn workloads_of(store: &Store) -> BTreeMap<Workload, (i32, &PodTemplateSpec)> {
    let mut out = BTreeMap::new();
    for d in store.list::<Deployment>() {
        let (namespace, name) = ns_name(&d.metadata);
        if let Some(spec) = d.spec.as_ref() {
            out.insert(
                Workload {
                    kind: WorkloadKind::Deployment,
                    namespace,
                    name,
                },
                (spec.replicas.unwrap_or(1), &spec.template),
            );
        }
    }
    for s in store.list::<StatefulSet>() {
        let (namespace, name) = ns_name(&s.metadata);
        if let Some(spec) = s.spec.as_ref() {
            out.insert(
                Workload {
                    kind: WorkloadKind::StatefulSet,
                    namespace,
                    name,
                },
                (spec.replicas.unwrap_or(1), &spec.template),
            );
        }
    }
    out
}

impl Baseline {
    pub(crate) fn capture(c: &Cluster) -> Baseline {
        // The kinds grading reads. Holding the others too would make every write after the
        // fault copy that namespace's map once more.
        Baseline {
            store: c.store().only(&[
                Kind::Deployment,
                Kind::StatefulSet,
                Kind::Service,
                Kind::ConfigMap,
            ]),
        }
    }
}

/// The verdict on an incident.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grade {
    /// Everything holds now and after the stability horizon, with no collateral damage.
    pub resolved: bool,
    /// Why it is not resolved (empty when it is).
    pub problems: Vec<String>,
    /// Damage done outside the fix, named.
    pub collateral: Vec<String>,
}

impl Incident {
    /// Takes the world before the fault from `before` instead of the cluster the fault was
    /// computed on: for a fault computed on a simulated twin and applied to a live cluster,
    /// whose own objects (as the live API server defaulted them) are what to return to.
    pub fn observe_baseline(&mut self, before: &Cluster) {
        self.baseline = Baseline::capture(before);
    }

    /// Grades the cluster's current state; `cluster` itself is not advanced (a fork is).
    pub fn grade(&self, cluster: &Cluster) -> Grade {
        grade_together(std::slice::from_ref(self), cluster)
    }

    /// Whether [`Incident::grade`] would say resolved, without running a fork while anything is
    /// still wrong now.
    pub fn is_resolved(&self, cluster: &Cluster) -> bool {
        resolved_together(std::slice::from_ref(self), cluster)
    }
}

/// Grades incidents injected one after another into one world, as one incident: all of them
/// resolved, and no damage against the world before the first (`incidents[0]`'s baseline), so
/// fixing one fault is not damage in the eyes of another. An empty slice is vacuously resolved.
pub fn grade_together(incidents: &[Incident], cluster: &Cluster) -> Grade {
    match incidents.first() {
        Some(first) => grade(incidents, &first.baseline, cluster, false),
        None => Grade {
            resolved: true,
            ..Grade::default()
        },
    }
}

/// Whether [`grade_together`] would say resolved, forking only when everything holds now.
pub fn resolved_together(incidents: &[Incident], cluster: &Cluster) -> bool {
    incidents
        .first()
        .is_none_or(|first| grade(incidents, &first.baseline, cluster, true).resolved)
}

/// The damage done outside the fix so far, named, against the world before the first incident:
/// cheap (no fork), for a reward that charges each damaged object once, when it happens.
pub fn collateral_together(incidents: &[Incident], cluster: &Cluster) -> Vec<String> {
    match incidents.first() {
        Some(first) => Scope::of(incidents, &first.baseline).collateral(cluster),
        None => Vec::new(),
    }
}

/// Grades several incidents injected one after another into one world: all of them resolved,
/// and no damage against `before`, the world as it was before the first fault. With
/// `verdict_only`, a cluster already wrong now is refused without running the fork.
fn grade(
    incidents: &[Incident],
    before: &Baseline,
    cluster: &Cluster,
    verdict_only: bool,
) -> Grade {
    let scope = Scope::of(incidents, before);
    let now = instant(incidents, &scope, cluster);
    if verdict_only && !now.resolved {
        return now;
    }
    let mut fork = cluster.clone();
    fork.advance(STABILITY_HORIZON);
    let later = format!(
        "after {} simulated minutes",
        STABILITY_HORIZON.as_secs() / 60
    );
    durable(&scope, now, cluster, &fork, &later)
}

/// Everything that can be judged from one look: health, intended state, collateral damage.
fn instant(incidents: &[Incident], scope: &Scope<'_>, cluster: &Cluster) -> Grade {
    let mut problems = scope.health(cluster);
    for incident in incidents {
        problems.extend(incident.intended(cluster));
    }
    let collateral = scope.collateral(cluster);
    Grade {
        resolved: problems.is_empty() && collateral.is_empty(),
        problems,
        collateral,
    }
}

/// `now`'s verdict, with what a second look `later` (labelled `when`) adds: health lost since,
/// pods restarted since.
fn durable(scope: &Scope<'_>, now: Grade, cluster: &Cluster, later: &Cluster, when: &str) -> Grade {
    let Grade {
        mut problems,
        collateral,
        ..
    } = now;
    let restarts_now = scope.restarts(cluster);
    problems.extend(
        scope
            .health(later)
            .into_iter()
            .map(|p| format!("{when}: {p}")),
    );
    for (pod, n) in scope.restarts(later) {
        if restarts_now.get(&pod).is_some_and(|b| n > *b) {
            problems.push(format!("{when}: pod {pod} restarted"));
        }
    }
    let mut seen = BTreeSet::new();
    problems.retain(|p| seen.insert(p.clone()));
    Grade {
        resolved: problems.is_empty() && collateral.is_empty(),
        problems,
        collateral,
    }
}

/// For a world this crate does not simulate (a live cluster, read into pictures with
/// [`Cluster::observed`]): the verdict on one look, `resolved` meaning "holds now" (the
/// durability check is still to come, with [`grade_observed`]).
pub fn grade_instant(incidents: &[Incident], now: &Cluster) -> Grade {
    match incidents.first() {
        Some(first) => instant(incidents, &Scope::of(incidents, &first.baseline), now),
        None => Grade {
            resolved: true,
            ..Grade::default()
        },
    }
}

/// For a world this crate does not simulate: the same verdict as [`grade_together`], with
/// `later`, a second look taken after real time has passed (labelled `when`, such as "after
/// 60 s"), standing for the simulated fork.
pub fn grade_observed(incidents: &[Incident], now: &Cluster, later: &Cluster, when: &str) -> Grade {
    match incidents.first() {
        Some(first) => {
            let scope = Scope::of(incidents, &first.baseline);
            let verdict = instant(incidents, &scope, now);
            durable(&scope, verdict, now, later, when)
        }
        None => Grade {
            resolved: true,
            ..Grade::default()
        },
    }
}

/// What must be healthy, and what counts as touched with cause.
struct Scope<'a> {
    workloads: Vec<Workload>,
    services: Vec<(String, String)>,
    before: &'a Baseline,
}

impl<'a> Scope<'a> {
    fn of(incidents: &[Incident], before: &'a Baseline) -> Scope<'a> {
        let mut workloads: Vec<Workload> = Vec::new();
        let mut services: Vec<(String, String)> = Vec::new();
        for i in incidents {
            for w in &i.workloads {
                if !workloads.contains(w) {
                    workloads.push(w.clone());
                }
            }
            for s in &i.services {
                if !services.contains(s) {
                    services.push(s.clone());
                }
            }
        }
        Scope {
            workloads,
            services,
            before,
        }
    }

    fn restarts(&self, c: &Cluster) -> BTreeMap<String, i32> {
        self.workloads
            .iter()
            .flat_map(|w| workload_pods(c, w))
            .map(|p| {
                let n = p
                    .status
                    .iter()
                    .flat_map(|s| s.container_statuses.iter().flatten())
                    .map(|cs| cs.restart_count)
                    .sum();
                (
                    format!(
                        "{}/{}",
                        p.metadata.namespace.as_deref().unwrap_or(""),
                        p.metadata.name.as_deref().unwrap_or("")
                    ),
                    n,
                )
            })
            .collect()
    }

    /// Workloads available and ready at their baseline size, Services with endpoints.
    fn health(&self, c: &Cluster) -> Vec<String> {
        let mut problems = Vec::new();
        for w in &self.workloads {
            let baseline = workloads_of(&self.before.store)
                .get(w)
                .map(|(r, _)| *r)
                .unwrap_or(1);
            let (desired, rolled_out) = match w.kind {
                WorkloadKind::Deployment => match c.get::<Deployment>(&w.namespace, &w.name) {
                    Err(_) => {
                        problems.push(format!("{w} does not exist"));
                        continue;
                    }
                    Ok(d) => {
                        let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
                        let st = d.status.clone().unwrap_or_default();
                        let done = st.observed_generation == d.metadata.generation
                            && st.updated_replicas.unwrap_or(0) == want
                            && st.ready_replicas.unwrap_or(0) == want
                            && st.available_replicas.unwrap_or(0) == want
                            && st.replicas.unwrap_or(0) == want;
                        (want, done)
                    }
                },
                WorkloadKind::StatefulSet => match c.get::<StatefulSet>(&w.namespace, &w.name) {
                    Err(_) => {
                        problems.push(format!("{w} does not exist"));
                        continue;
                    }
                    Ok(s) => {
                        let want = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
                        let st = s.status.clone().unwrap_or_default();
                        let done = st.ready_replicas.unwrap_or(0) == want
                            && st.replicas == want
                            && (st.update_revision.is_none()
                                || st.update_revision == st.current_revision);
                        (want, done)
                    }
                },
            };
            if desired < baseline {
                problems.push(format!(
                    "{w} has {desired} replicas, below its baseline of {baseline}"
                ));
            }
            if !rolled_out {
                problems.push(format!("{w} is not rolled out, available and ready"));
            }
            for p in workload_pods(c, w) {
                if p.metadata.deletion_timestamp.is_none() && !cluster::selectors::is_ready(p) {
                    problems.push(format!(
                        "pod {}/{} is not ready",
                        w.namespace,
                        p.metadata.name.as_deref().unwrap_or("")
                    ));
                }
            }
        }
        for (ns, name) in &self.services {
            let ready = c.get::<Endpoints>(ns, name).is_ok_and(|e| {
                e.subsets
                    .iter()
                    .flatten()
                    .any(|s| s.addresses.as_ref().is_some_and(|a| !a.is_empty()))
            });
            if !ready {
                problems.push(format!("Service {ns}/{name} has no ready endpoints"));
            }
        }
        problems
    }

    /// Damage outside the fix: workloads deleted, scaled below baseline or changed without
    /// cause; Services and ConfigMaps removed.
    fn collateral(&self, c: &Cluster) -> Vec<String> {
        let mut damage = Vec::new();
        let now = workloads_of(c.store());
        for (w, (replicas, template)) in workloads_of(&self.before.store) {
            match now.get(&w) {
                None => damage.push(format!("{w} was deleted")),
                Some((r, t)) => {
                    if *r < replicas {
                        damage.push(format!(
                            "{w} was scaled to {r}, below its baseline of {replicas}"
                        ));
                    }
                    if !self.workloads.contains(&w) && comparable(t) != comparable(template) {
                        damage.push(format!("{w} was changed without cause"));
                    }
                }
            }
        }
        for (ns, name) in self
            .before
            .store
            .list::<Service>()
            .map(|s| ns_name(&s.metadata))
        {
            if c.get::<Service>(&ns, &name).is_err() {
                damage.push(format!("Service {ns}/{name} was deleted"));
            }
        }
        for (ns, name) in self
            .before
            .store
            .list::<ConfigMap>()
            .map(|m| ns_name(&m.metadata))
        {
            if c.get::<ConfigMap>(&ns, &name).is_err() {
                damage.push(format!("ConfigMap {ns}/{name} was deleted"));
            }
        }
        damage
    }
}

impl Incident {
    /// The fields the fault broke are back to what the workload intends, not just quiet: the
    /// image it ships, the probes it had, the variables it needs.
    pub(crate) fn intended(&self, c: &Cluster) -> Vec<String> {
        let mut problems = Vec::new();
        let w = &self.target;
        let baseline = workloads_of(&self.baseline.store);
        let current = workloads_of(c.store());
        let (Some((_, before)), Some((_, now))) = (baseline.get(w), current.get(w)) else {
            return problems;
        };
        let containers = |t: &PodTemplateSpec| t.spec.clone().unwrap_or_default().containers;
        for (b, n) in containers(before).iter().zip(containers(now).iter()) {
            let m = self.fault.mechanism;
            if matches!(
                m,
                Mechanism::MissingImageTag | Mechanism::RegistryRefusesPull | Mechanism::BadRollout
            ) && b.image != n.image
            {
                problems.push(format!(
                    "{w} container {} runs {}, not its intended image {}",
                    n.name,
                    n.image.as_deref().unwrap_or(""),
                    b.image.as_deref().unwrap_or("")
                ));
            }
            if b.liveness_probe.is_some() && n.liveness_probe.is_none() {
                problems.push(format!("{w} container {} lost its liveness probe", n.name));
            }
            if b.readiness_probe.is_some() && n.readiness_probe.is_none() {
                problems.push(format!("{w} container {} lost its readiness probe", n.name));
            }
            if m == Mechanism::BadRollout && b.liveness_probe != n.liveness_probe {
                problems.push(format!(
                    "{w} container {} still has the bad release's liveness probe",
                    n.name
                ));
            }
            // Dropping the limit hides an OOM or a scheduling fault but leaves the workload
            // unbounded; the intended state keeps the limits it had.
            let limits = |c: &cluster::k8s_openapi::api::core::v1::Container| -> BTreeSet<String> {
                c.resources
                    .iter()
                    .flat_map(|r| r.limits.iter().flatten())
                    .map(|(k, _)| k.clone())
                    .collect()
            };
            for missing in limits(b).difference(&limits(n)) {
                problems.push(format!("{w} container {} lost its {missing} limit", n.name));
            }
            let names = |c: &cluster::k8s_openapi::api::core::v1::Container| -> BTreeSet<String> {
                c.env.iter().flatten().map(|e| e.name.clone()).collect()
            };
            for missing in names(b).difference(&names(n)) {
                problems.push(format!(
                    "{w} container {} lost its environment variable {missing}",
                    n.name
                ));
            }
        }
        problems
    }
}
