//! `kubectl logs` for pods, for the owners kubectl resolves to a pod (Deployment, ReplicaSet,
//! StatefulSet, Service: `polymorphichelpers.LogsForObject` picks one with `podutils.ByLogging`),
//! and for label selectors (every matching pod), with `--all-containers`, `--prefix`,
//! `--all-pods` and `-f`'s `--max-log-requests` check.
//!
//! One deliberate difference: with several log streams (`-l`, `--all-containers`, `--all-pods`)
//! kubectl prints them in Go's random map order; here they come in pod order, then container
//! order (init containers, then containers).

use std::sync::Arc;
use std::time::Duration;

use cluster::k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use cluster::k8s_openapi::api::core::v1::{Pod, Service};
use cluster::selectors::LabelQuery;
use cluster::{Cluster, Kind};

use crate::get::resolve_kind;
use crate::grammar::Invocation;
use crate::output::Output;

/// One log stream: a pod and one of its containers.
struct Request {
    pod: String,
    container: String,
}

fn flag_value<'a>(inv: &'a Invocation, name: &str) -> Option<&'a str> {
    inv.flags
        .given
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn flag_bool(inv: &Invocation, name: &str) -> bool {
    flag_value(inv, name).is_some_and(|v| v == "true")
}

/// `kubectl logs`.
pub fn logs(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let ns = inv
        .flags
        .namespace
        .clone()
        .unwrap_or_else(|| crate::exec::DEFAULT_NAMESPACE.to_string());
    let all_pods = flag_bool(inv, "all-pods");
    let prefix = inv.flags.prefix || all_pods;
    let timeout = flag_value(inv, "pod-running-timeout")
        .and_then(|t| cluster::parse_duration(t).ok())
        .unwrap_or(Duration::from_secs(20));
    let mut out = Output::default();
    let target = inv.targets.first();
    let named = target.and_then(|t| t.name.clone().map(|n| (t.resource.clone(), n)));

    // The builder's lookup comes first: the pods of a selector, or the named object.
    let pods: Vec<Arc<Pod>> = match named {
        None => {
            let selector = match LabelQuery::parse(inv.flags.selector.as_deref().unwrap_or("")) {
                Ok(s) => s,
                Err(e) => return Output::error(format!("error: {e}\n"), 1),
            };
            let pods: Vec<Arc<Pod>> = cluster
                .list_in::<Pod>(&ns)
                .filter(|p| selector.matches(p.metadata.labels.as_ref()))
                .cloned()
                .collect();
            if pods.is_empty() {
                out.stderr
                    .push_str(&format!("No resources found in {ns} namespace.\n"));
            }
            if let Some(err) = &inv.deferred_error {
                out.stderr.push_str(&err.message);
                out.exit_code = err.exit_code;
                return out;
            }
            pods
        }
        Some((resource, name)) => {
            let Some(kind) = resolve_kind(&resource) else {
                return Output::error(
                    format!("error: the server doesn't have a resource type \"{resource}\"\n"),
                    1,
                );
            };
            if let Err(e) = lookup(cluster, kind, &ns, &name) {
                return Output::error(
                    format!(
                        "error: error from server (NotFound): {} in namespace \"{ns}\"\n",
                        e.message
                    ),
                    1,
                );
            }
            if let Some(err) = &inv.deferred_error {
                return Output::error(err.message.clone(), err.exit_code);
            }
            if kind == Kind::Pod {
                match cluster.get::<Pod>(&ns, &name) {
                    Ok(p) => vec![p],
                    Err(_) => Vec::new(),
                }
            } else {
                let selector = match selector_of(cluster, kind, &ns, &name) {
                    Ok(s) => s,
                    Err(msg) => {
                        return Output::error(
                            format!("error: cannot get the logs from {msg}\n"),
                            1,
                        );
                    }
                };
                let mut pods = pods_matching(cluster, &ns, &selector);
                if pods.is_empty() {
                    // kubectl watches for a first pod until --pod-running-timeout.
                    let found = cluster
                        .run_until(timeout, |c| !pods_matching(c, &ns, &selector).is_empty());
                    if !found {
                        return Output::error(
                            "error: timed out waiting for the condition\n".into(),
                            1,
                        );
                    }
                    pods = pods_matching(cluster, &ns, &selector);
                }
                crate::gosort::sort(&mut pods, |a, b| by_logging(a, b));
                if pods.len() > 1 && !all_pods {
                    out.stderr.push_str(&format!(
                        "Found {} pods, using pod/{}\n",
                        pods.len(),
                        pods[0].metadata.name.clone().unwrap_or_default()
                    ));
                    pods.truncate(1);
                }
                pods
            }
        }
    };

    // One request per pod (its chosen container) or per container with --all-containers.
    let explicit = inv
        .operands
        .first()
        .cloned()
        .or_else(|| inv.flags.container.clone());
    let mut requests = Vec::new();
    let quiet = all_pods;
    for pod in &pods {
        match containers_for(pod, explicit.as_deref(), inv.flags.all_containers, quiet) {
            Ok((names, notes)) => {
                out.stderr.push_str(&notes);
                let pod_name = pod.metadata.name.clone().unwrap_or_default();
                requests.extend(names.into_iter().map(|c| Request {
                    pod: pod_name.clone(),
                    container: c,
                }));
            }
            Err((notes, msg)) => {
                out.stderr.push_str(&notes);
                out.stderr.push_str(&msg);
                out.exit_code = 1;
                return out;
            }
        }
    }

    if inv.flags.follow && requests.len() > 1 {
        let max: usize = flag_value(inv, "max-log-requests")
            .and_then(|v| v.parse().ok())
            .unwrap_or(5);
        if requests.len() > max {
            out.stderr.push_str(&format!(
                "error: you are attempting to follow {} log streams, but maximum allowed concurrency is {max}, use --max-log-requests to increase the limit\n",
                requests.len()
            ));
            out.exit_code = 1;
            return out;
        }
    }

    let ignore_errors = flag_bool(inv, "ignore-errors");
    for req in &requests {
        let opts = cluster::logs::LogOptions {
            container: Some(req.container.clone()),
            previous: inv.flags.previous,
            tail_lines: inv.flags.tail.filter(|t| *t >= 0).map(|t| t as usize),
            timestamps: inv.flags.timestamps,
            since: inv
                .flags
                .since
                .as_deref()
                .and_then(|s| cluster::parse_duration(s).ok()),
        };
        match cluster::logs::read(cluster, &ns, &req.pod, &opts) {
            Ok(text) => {
                if prefix {
                    for line in text.split_inclusive('\n') {
                        out.stdout
                            .push_str(&format!("[pod/{}/{}] {line}", req.pod, req.container));
                    }
                } else {
                    out.stdout.push_str(&text);
                }
            }
            Err(e) if ignore_errors => {
                out.stdout.push_str(&format!("error: {}\n", e.message));
            }
            Err(e) => {
                out.stderr.push_str(&format!(
                    "Error from server ({}): {}\n",
                    e.reason, e.message
                ));
                out.exit_code = 1;
                return out;
            }
        }
    }
    out
}

fn lookup(cluster: &Cluster, kind: Kind, ns: &str, name: &str) -> Result<(), cluster::ApiError> {
    struct Get<'a> {
        cluster: &'a Cluster,
        ns: &'a str,
        name: &'a str,
    }
    impl cluster::KindVisitor for Get<'_> {
        type Output = Result<(), cluster::ApiError>;
        fn visit<T: cluster::Stored + cluster::Schema>(self) -> Self::Output {
            let ns = if T::OBJECT_KIND.namespaced() {
                self.ns
            } else {
                ""
            };
            self.cluster.get::<T>(ns, self.name).map(|_| ())
        }
    }
    kind.visit(Get { cluster, ns, name })
}

/// `SelectorsForObject`: the pod selector of a workload or Service, or why there is none (the
/// text after `cannot get the logs from `).
fn selector_of(cluster: &Cluster, kind: Kind, ns: &str, name: &str) -> Result<LabelQuery, String> {
    let from_label_selector =
        |s: Option<&cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector>| {
            let mut parts: Vec<String> = Vec::new();
            if let Some(s) = s {
                for (k, v) in s.match_labels.iter().flatten() {
                    parts.push(format!("{k}={v}"));
                }
                for e in s.match_expressions.iter().flatten() {
                    let values = e.values.clone().unwrap_or_default().join(",");
                    parts.push(match e.operator.as_str() {
                        "In" => format!("{} in ({values})", e.key),
                        "NotIn" => format!("{} notin ({values})", e.key),
                        "Exists" => e.key.clone(),
                        _ => format!("!{}", e.key),
                    });
                }
            }
            LabelQuery::parse(&parts.join(",")).map_err(|e| format!("invalid label selector: {e}"))
        };
    let go_type = format!(
        "*{}.{}",
        kind.api_version().rsplit('/').next().unwrap_or("v1"),
        kind.name()
    );
    match kind {
        Kind::Deployment => {
            let d = cluster.get::<Deployment>(ns, name).map_err(|e| e.message)?;
            from_label_selector(d.spec.as_ref().map(|s| &s.selector))
        }
        Kind::ReplicaSet => {
            let r = cluster.get::<ReplicaSet>(ns, name).map_err(|e| e.message)?;
            from_label_selector(r.spec.as_ref().map(|s| &s.selector))
        }
        Kind::StatefulSet => {
            let s = cluster
                .get::<StatefulSet>(ns, name)
                .map_err(|e| e.message)?;
            from_label_selector(s.spec.as_ref().map(|s| &s.selector))
        }
        Kind::Job => {
            let j = cluster
                .get::<cluster::k8s_openapi::api::batch::v1::Job>(ns, name)
                .map_err(|e| e.message)?;
            from_label_selector(j.spec.as_ref().and_then(|s| s.selector.as_ref()))
        }
        Kind::Service => {
            let s = cluster.get::<Service>(ns, name).map_err(|e| e.message)?;
            let selector = s
                .spec
                .as_ref()
                .and_then(|s| s.selector.clone())
                .unwrap_or_default();
            if selector.is_empty() {
                return Err(format!(
                    "{go_type}: invalid service '{name}': Service is defined without a selector"
                ));
            }
            let text: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            LabelQuery::parse(&text.join(",")).map_err(|e| format!("{go_type}: {e}"))
        }
        _ => Err(format!("{go_type}: selector for {go_type} not implemented")),
    }
}

fn pods_matching(cluster: &Cluster, ns: &str, selector: &LabelQuery) -> Vec<Arc<Pod>> {
    cluster
        .list_in::<Pod>(ns)
        .filter(|p| selector.matches(p.metadata.labels.as_ref()))
        .cloned()
        .collect()
}

/// Seconds since the epoch, as a `metav1.Time` the client decoded carries.
fn seconds(
    t: Option<&cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>,
) -> Option<i64> {
    t.map(|t| t.0.as_second())
}

fn ready_since(p: &Pod) -> Option<i64> {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.type_ == "Ready" && c.status == "True")
                .map(|c| seconds(c.last_transition_time.as_ref()))
        })
        .flatten()
}

fn max_restarts(p: &Pod) -> i32 {
    p.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|cs| cs.iter().map(|c| c.restart_count).max().unwrap_or(0))
        .unwrap_or(0)
}

/// `afterOrZero(t1, t2)`: t1 after t2, a zero time counting as after any other.
fn after_or_zero(t1: Option<i64>, t2: Option<i64>) -> bool {
    match (t1, t2) {
        (None, _) | (_, None) => t1.is_none(),
        (Some(a), Some(b)) => a > b,
    }
}

/// `podutils.ByLogging`: the pod whose logs are most worth reading first.
fn by_logging(a: &Pod, b: &Pod) -> bool {
    let node = |p: &Pod| {
        p.spec
            .as_ref()
            .and_then(|s| s.node_name.clone())
            .unwrap_or_default()
    };
    let (na, nb) = (node(a), node(b));
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return !na.is_empty();
    }
    let phase_rank = |p: &Pod| match p.status.as_ref().and_then(|s| s.phase.as_deref()) {
        Some("Unknown") => 1,
        Some("Pending") => 2,
        _ => 0,
    };
    if phase_rank(a) != phase_rank(b) {
        return phase_rank(a) < phase_rank(b);
    }
    let (ra, rb) = (
        cluster::selectors::is_ready(a),
        cluster::selectors::is_ready(b),
    );
    if ra != rb {
        return ra;
    }
    if ra && rb && ready_since(a) != ready_since(b) {
        return after_or_zero(ready_since(b), ready_since(a));
    }
    if max_restarts(a) != max_restarts(b) {
        return max_restarts(a) > max_restarts(b);
    }
    let (ca, cb) = (
        seconds(a.metadata.creation_timestamp.as_ref()),
        seconds(b.metadata.creation_timestamp.as_ref()),
    );
    if ca != cb {
        return after_or_zero(cb, ca);
    }
    false
}

/// `podcmd.AllContainerNames`.
fn all_container_names(pod: &Pod) -> String {
    let spec = pod.spec.clone().unwrap_or_default();
    let mut names: Vec<String> = Vec::new();
    for c in spec.init_containers.iter().flatten() {
        names.push(format!("{} (init)", c.name));
    }
    for c in &spec.containers {
        names.push(c.name.clone());
    }
    for c in spec.ephemeral_containers.iter().flatten() {
        names.push(format!("{} (ephem)", c.name));
    }
    names.join(", ")
}

/// The containers to read for one pod and the notes kubectl prints about its choice, or the
/// notes and the error.
fn containers_for(
    pod: &Pod,
    explicit: Option<&str>,
    all_containers: bool,
    quiet: bool,
) -> Result<(Vec<String>, String), (String, String)> {
    let spec = pod.spec.clone().unwrap_or_default();
    let name = pod.metadata.name.clone().unwrap_or_default();
    let init: Vec<String> = spec
        .init_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone())
        .collect();
    let main: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
    let ephemeral: Vec<String> = spec
        .ephemeral_containers
        .iter()
        .flatten()
        .map(|c| c.name.clone())
        .collect();
    if all_containers {
        let all = init.into_iter().chain(main).chain(ephemeral).collect();
        return Ok((all, String::new()));
    }
    let mut notes = String::new();
    let mut chosen = explicit.map(str::to_string);
    if chosen.is_none()
        && let Some(annotated) = pod
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("kubectl.kubernetes.io/default-container"))
            .filter(|a| !a.is_empty())
    {
        let exists =
            main.contains(annotated) || init.contains(annotated) || ephemeral.contains(annotated);
        if exists {
            chosen = Some(annotated.clone());
        } else {
            notes.push_str(&format!(
                "Default container name \"{annotated}\" not found in pod {name}\n"
            ));
        }
    }
    let chosen = match chosen {
        Some(c) => c,
        None => {
            let first = main.first().cloned().unwrap_or_default();
            if (main.len() > 1 || !init.is_empty() || !ephemeral.is_empty()) && !quiet {
                notes.push_str(&format!(
                    "Defaulted container \"{first}\" out of: {}\n",
                    all_container_names(pod)
                ));
            }
            first
        }
    };
    if !main.contains(&chosen) && !init.contains(&chosen) && !ephemeral.contains(&chosen) {
        return Err((
            notes,
            format!("error: container {chosen} is not valid for pod {name}\n"),
        ));
    }
    Ok((vec![chosen], notes))
}
