//! `kubectl describe` in process: which objects (names, name prefixes, selectors, every
//! namespace), kubectl's messages when there are none, and the describers' text, laid out by a
//! port of Go's tabwriter with the settings kubectl's describers use.
//!
//! Ages (the Events table, a node's pods) are computed from the cluster's simulated clock; the
//! real kubectl computes them from its own wall clock.

mod apps;
mod batch;
mod core;
mod pod;
mod policy;
mod slices;
pub mod tabwriter;

/// A pod template as `rollout history --revision=N` prints it: `describe`'s layout, written
/// without the tabwriter's alignment, as kubectl does there.
pub fn pod_template(template: &cluster::k8s_openapi::api::core::v1::PodTemplateSpec) -> String {
    let mut w = tabwriter::Writer::default();
    pod::template(&mut w, Some(template));
    w.into_unaligned()
}

use std::collections::BTreeMap;
use std::sync::Arc;

use cluster::k8s_openapi::api::core::v1::Event;
use cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use cluster::selectors::LabelQuery;
use cluster::{Cluster, Kind, KindVisitor, Schema, SimTime, Stored};

use crate::exec::DEFAULT_NAMESPACE;
use crate::get::resolve_kind;
use crate::grammar::Invocation;
use crate::output::Output;
use crate::table::human_duration;

use tabwriter::Writer;

/// What every describer needs besides the object.
pub(crate) struct Context<'a> {
    pub cluster: &'a Cluster,
    pub show_events: bool,
}

/// Runs `kubectl describe`.
pub fn describe(cluster: &Cluster, inv: &Invocation) -> Output {
    let namespace = inv
        .flags
        .namespace
        .clone()
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    let ctx = Context {
        cluster,
        show_events: inv.flags.show_events,
    };
    if !inv.flags.filename.is_empty() || inv.flags.kustomize.is_some() {
        return unsupported("describe -f");
    }
    let mut targets: Vec<(Kind, Option<String>)> = Vec::with_capacity(inv.targets.len());
    for t in &inv.targets {
        if t.resource == "all" {
            for kind in ALL {
                targets.push((*kind, t.name.clone()));
            }
            continue;
        }
        let Some(kind) = resolve_kind(&t.resource) else {
            return Output::error(
                format!(
                    "error: the server doesn't have a resource type \"{}\"\n",
                    t.resource
                ),
                1,
            );
        };
        if !describable(kind) {
            return unsupported(&format!("describe {}", kind.plural()));
        }
        targets.push((kind, t.name.clone()));
    }
    if inv.flags.all_namespaces && targets.iter().any(|(_, name)| name.is_some()) {
        return Output::error(
            "error: a resource cannot be retrieved by name across all namespaces\n".to_string(),
            1,
        );
    }
    let labels = match LabelQuery::parse(inv.flags.selector.as_deref().unwrap_or("")) {
        Ok(l) => l,
        Err(e) => return Output::error(format!("Error from server (BadRequest): {e}\n"), 1),
    };
    // Named objects are fetched one by one; a type alone lists the namespace.
    let mut found: Vec<(Kind, String, String)> = Vec::new();
    let mut errors = String::new();
    let mut not_found = false;
    for (kind, name) in &targets {
        let ns = if kind.namespaced() {
            namespace.as_str()
        } else {
            ""
        };
        match name {
            Some(name) => match kind.visit(Exists {
                cluster,
                namespace: ns,
                name,
            }) {
                Ok(()) => found.push((*kind, ns.to_string(), name.clone())),
                Err(e) => {
                    not_found |= e.reason == cluster::Reason::NotFound;
                    errors.push_str(&format!(
                        "Error from server ({}): {}\n",
                        e.reason, e.message
                    ));
                }
            },
            None => {
                let all = inv.flags.all_namespaces || !kind.namespaced();
                for (ns, name) in kind.visit(Names {
                    cluster,
                    namespace: (!all).then_some(ns),
                    labels: &labels,
                }) {
                    found.push((*kind, ns, name));
                }
            }
        }
    }
    // `describe TYPE PREFIX`: a missing name describes every object it begins.
    if not_found && inv.args.len() == 2 && targets.len() == 1 {
        let (kind, Some(prefix)) = &targets[0] else {
            return Output::error(errors, 1);
        };
        let ns = if kind.namespaced() {
            namespace.as_str()
        } else {
            ""
        };
        let mut out = Output::default();
        for (ns, name) in kind.visit(Names {
            cluster,
            namespace: Some(ns).filter(|_| kind.namespaced()),
            labels: &LabelQuery::default(),
        }) {
            if name.starts_with(prefix.as_str()) {
                out.stdout
                    .push_str(&describe_object(&ctx, *kind, &ns, &name));
                out.stdout.push('\n');
            }
        }
        if out.stdout.is_empty() {
            return Output::error(errors, 1);
        }
        return out;
    }
    let mut out = Output::default();
    for (i, (kind, ns, name)) in found.iter().enumerate() {
        if i > 0 {
            out.stdout.push_str("\n\n");
        }
        out.stdout.push_str(&describe_object(&ctx, *kind, ns, name));
    }
    if !errors.is_empty() {
        out.stderr = errors;
        out.exit_code = 1;
    } else if found.is_empty() {
        out.stderr = if inv.flags.all_namespaces {
            "No resources found\n".to_string()
        } else {
            format!("No resources found in {namespace} namespace.\n")
        };
    }
    out
}

/// The `all` category, in the API server's discovery order (as `get all`).
const ALL: &[Kind] = &[
    Kind::Pod,
    Kind::Service,
    Kind::Deployment,
    Kind::ReplicaSet,
    Kind::StatefulSet,
    Kind::HorizontalPodAutoscaler,
    Kind::CronJob,
    Kind::Job,
];

fn unsupported(what: &str) -> Output {
    Output::error(
        format!("error: {what} is not supported by the simulated cluster's kubectl yet\n"),
        1,
    )
}

/// Kinds without a describer here: refused rather than misprinted.
fn describable(kind: Kind) -> bool {
    !matches!(kind, Kind::Event | Kind::Lease)
}

/// The description of one object that exists.
fn describe_object(ctx: &Context, kind: Kind, ns: &str, name: &str) -> String {
    let c = ctx.cluster;
    match kind {
        Kind::Pod => get(c, ns, name).map(|p| pod::describe(ctx, &p)),
        Kind::Deployment => get(c, ns, name).map(|d| apps::deployment(ctx, &d)),
        Kind::ReplicaSet => get(c, ns, name).map(|r| apps::replica_set(ctx, &r)),
        Kind::StatefulSet => get(c, ns, name).map(|s| apps::stateful_set(ctx, &s)),
        Kind::Node => get(c, ns, name).map(|n| core::node(ctx, &n)),
        Kind::Service => get(c, ns, name).map(|s| core::service(ctx, &s)),
        Kind::Endpoints => get(c, ns, name).map(|e| core::endpoints(ctx, &e)),
        Kind::Namespace => get(c, ns, name).map(|n| core::namespace(ctx, &n)),
        Kind::ConfigMap => get(c, ns, name).map(|m| core::config_map(ctx, &m)),
        Kind::Secret => get(c, ns, name).map(|s| core::secret(&s)),
        Kind::ServiceAccount => get(c, ns, name).map(|s| core::service_account(ctx, &s)),
        Kind::PersistentVolumeClaim => get(c, ns, name).map(|p| core::pvc(ctx, &p)),
        Kind::StorageClass => get(c, ns, name).map(|s| core::storage_class(ctx, &s)),
        Kind::ResourceQuota => get(c, ns, name).map(|q| core::quota(&q)),
        Kind::HorizontalPodAutoscaler => get(c, ns, name).map(|h| policy::hpa(ctx, &h)),
        Kind::NetworkPolicy => get(c, ns, name).map(|n| policy::network_policy(&n)),
        Kind::EndpointSlice => get(c, ns, name).map(|e| slices::endpoint_slice(ctx, &e)),
        Kind::Job => get(c, ns, name).map(|j| batch::job(ctx, &j)),
        Kind::CronJob => get(c, ns, name).map(|j| batch::cron_job(ctx, &j)),
        Kind::Event | Kind::Lease => None,
    }
    .unwrap_or_default()
}

fn get<T: Stored>(cluster: &Cluster, ns: &str, name: &str) -> Option<Arc<T>> {
    cluster.get::<T>(ns, name).ok()
}

struct Exists<'a> {
    cluster: &'a Cluster,
    namespace: &'a str,
    name: &'a str,
}

impl KindVisitor for Exists<'_> {
    type Output = Result<(), cluster::ApiError>;
    fn visit<T: Stored + Schema>(self) -> Self::Output {
        self.cluster.get::<T>(self.namespace, self.name).map(|_| ())
    }
}

/// (namespace, name) of the objects of a kind in a namespace (or all), in the API server's
/// list order.
struct Names<'a> {
    cluster: &'a Cluster,
    namespace: Option<&'a str>,
    labels: &'a LabelQuery,
}

impl KindVisitor for Names<'_> {
    type Output = Vec<(String, String)>;
    fn visit<T: Stored + Schema>(self) -> Self::Output {
        let objects: Vec<&Arc<T>> = match self.namespace {
            Some(ns) => self.cluster.list_in::<T>(ns).collect(),
            None => self.cluster.list::<T>().collect(),
        };
        objects
            .into_iter()
            .filter(|o| self.labels.matches(o.metadata().labels.as_ref()))
            .map(|o| {
                let m = o.metadata();
                (
                    m.namespace.clone().unwrap_or_default(),
                    m.name.clone().unwrap_or_default(),
                )
            })
            .collect()
    }
}

// ---- Shared pieces of kubectl's describers ----

/// Go's `time.RFC1123Z` in UTC: `Mon, 05 Jan 2026 09:00:00 +0000`.
pub(crate) fn rfc1123z(t: &Time) -> String {
    t.0.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// `printLabelsMultilineWithIndent`.
pub(crate) fn labels_multiline(
    w: &mut Writer,
    initial_indent: &str,
    title: &str,
    inner_indent: &str,
    labels: Option<&BTreeMap<String, String>>,
) {
    w.push(initial_indent);
    w.push(title);
    w.push(":");
    w.push(inner_indent);
    let Some(labels) = labels.filter(|l| !l.is_empty()) else {
        w.push("<none>\n");
        return;
    };
    for (i, (k, v)) in labels.iter().enumerate() {
        if i != 0 {
            w.push(initial_indent);
            w.push(inner_indent);
        }
        w.push(k);
        w.push("=");
        w.push(v);
        w.push("\n");
    }
}

/// `printLabelsMultiline`: `Labels:\tapp=web` and further labels under it.
pub(crate) fn labels(w: &mut Writer, title: &str, labels: Option<&BTreeMap<String, String>>) {
    labels_multiline(w, "", title, "\t", labels);
}

const MAX_ANNOTATION_LEN: usize = 140;

/// `printAnnotationsMultiline`: long or multi-line values go on their own lines, shortened.
pub(crate) fn annotations(
    w: &mut Writer,
    title: &str,
    annotations: Option<&BTreeMap<String, String>>,
) {
    w.push(title);
    w.push(":\t");
    let keys: Vec<(&String, &String)> = annotations
        .into_iter()
        .flatten()
        .filter(|(k, _)| k.as_str() != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if keys.is_empty() {
        w.push("<none>\n");
        return;
    }
    for (i, (key, value)) in keys.into_iter().enumerate() {
        if i != 0 {
            w.push("\t");
        }
        let value = value.strip_suffix('\n').unwrap_or(value);
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.push(&format!("{key}:\n"));
            for s in value.split('\n') {
                w.push(&format!("\t  {}\n", shorten(s, MAX_ANNOTATION_LEN - 2)));
            }
        } else {
            w.push(&format!("{key}: {value}\n"));
        }
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() > max {
        // Go slices bytes; stay on a character boundary.
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &s[..end])
    } else {
        s.to_string()
    }
}

/// kubectl's `Controlled By:` value: `Kind/name` of the controller owner.
pub(crate) fn controller_of(meta: &ObjectMeta) -> Option<String> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|o| o.controller == Some(true))
        .map(|o| format!("{}/{}", o.kind, o.name))
}

/// `translateTimestampSince` on the simulated clock.
pub(crate) fn since(cluster: &Cluster, t: Option<&Time>) -> String {
    match t {
        None => "<unknown>".to_string(),
        Some(t) => human_duration(cluster.now().since(SimTime::from_time(t))),
    }
}

/// The events whose involved object has this uid, in the API server's list order.
pub(crate) fn events_about<'a>(
    cluster: &'a Cluster,
    namespace: &'a str,
    uid: &str,
) -> Vec<&'a Event> {
    cluster
        .list_in::<Event>(namespace)
        .map(|e| e.as_ref())
        .filter(|e| e.involved_object.uid.as_deref() == Some(uid))
        .collect()
}

/// `DescribeEvents`, when events are shown.
pub(crate) fn events(ctx: &Context, w: &mut Writer, mut list: Vec<&Event>) {
    if !ctx.show_events {
        return;
    }
    if list.is_empty() {
        w.push("Events:\t<none>\n");
        return;
    }
    w.flush();
    // kubectl sorts by last timestamp with Go's unstable sort.
    let last = |e: &Event| e.last_timestamp.as_ref().map(|t| t.0);
    crate::gosort::sort(&mut list, |a, b| last(a) < last(b));
    w.push("Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.write(1, "----\t------\t----\t----\t-------\n");
    for e in list {
        let first = if let Some(t) = &e.event_time {
            human_duration(
                ctx.cluster
                    .now()
                    .since(SimTime(t.0.as_millisecond().max(0) as u64)),
            )
        } else {
            since(ctx.cluster, e.first_timestamp.as_ref())
        };
        let count = e.count.unwrap_or(0);
        let interval = if count > 1 {
            format!(
                "{} (x{count} over {first})",
                since(ctx.cluster, e.last_timestamp.as_ref())
            )
        } else {
            first
        };
        let source = e
            .source
            .as_ref()
            .and_then(|s| s.component.clone())
            .filter(|s| !s.is_empty())
            .or_else(|| e.reporting_component.clone())
            .unwrap_or_default();
        w.write(
            1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{}\n",
                e.type_.as_deref().unwrap_or(""),
                e.reason.as_deref().unwrap_or(""),
                e.message.as_deref().unwrap_or("").trim()
            ),
        );
    }
}

/// `true`/`false` as Go's `%v` prints a bool.
pub(crate) fn go_bool(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// kubectl's `printBool`.
pub(crate) fn title_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}
