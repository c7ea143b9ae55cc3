//! `kubectl rollout status|history|undo|pause|resume`, as kubectl's `polymorphichelpers` do them
//! for Deployments and StatefulSets (DaemonSets are not modelled).
//!
//! `rollout status` watches until the rollout is done: here it waits in simulated time, moving
//! the cluster's clock and re-reading the object after every change, up to `--timeout` or, when
//! none is given, [`DEFAULT_STATUS_BOUND`]. `rollout undo` is client-side in kubectl: it copies the
//! pod template of the chosen ReplicaSet back into the Deployment with a JSON patch, and the
//! controllers do the rest; the same write goes through the same path here.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use cluster::k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use cluster::k8s_openapi::api::core::v1::PodTemplateSpec;
use cluster::selectors::{LabelQuery, controlled_by};
use cluster::{ApiError, Cluster, Kind, KindVisitor, Schema, Stored};
use serde_json::{Value, json};

use crate::get::{kind_prefix, resolve_kind};
use crate::grammar::{Invocation, Output as OutputFlag};
use crate::output::Output;

/// How long `rollout status` waits, in simulated time, when no `--timeout` is given (the real
/// kubectl waits forever; an agent's command must end).
pub const DEFAULT_STATUS_BOUND: Duration = Duration::from_secs(10 * 60);

const REVISION: &str = "deployment.kubernetes.io/revision";
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const HASH_LABEL: &str = "pod-template-hash";

/// Annotations `rollout undo` keeps from the Deployment rather than copying from the ReplicaSet.
const ANNOTATIONS_TO_SKIP: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// An error of one object, printed after the others' results as kubectl's `CheckErr` does.
enum Failure {
    Api(ApiError),
    /// A client-side error; its text may already start with `error: `.
    Client(String),
}

impl Failure {
    fn line(&self, alone: bool) -> String {
        match self {
            Failure::Api(e) => format!("Error from server ({}): {}\n", e.reason, e.message),
            Failure::Client(m) if alone && !m.starts_with("error: ") => format!("error: {m}\n"),
            Failure::Client(m) => format!("{m}\n"),
        }
    }
}

/// Prints the collected failures: one as `CheckErr` prints an error, several as its aggregate.
fn finish(mut out: Output, failures: Vec<Failure>) -> Output {
    let alone = failures.len() == 1;
    for f in &failures {
        out.stderr.push_str(&f.line(alone));
    }
    if !failures.is_empty() {
        out.exit_code = 1;
    }
    out
}

/// The error kubectl meets building its printer after the change (an unusable `-o`).
fn deferred(inv: &Invocation) -> Failure {
    let message = inv
        .deferred_error
        .as_ref()
        .map(|e| e.message.trim_end_matches('\n').to_string())
        .unwrap_or_default();
    Failure::Client(message)
}

fn namespace(inv: &Invocation) -> String {
    inv.flags
        .namespace
        .clone()
        .unwrap_or_else(|| crate::exec::DEFAULT_NAMESPACE.to_string())
}

/// The objects the resource builder visits: (kind, name), in argument order.
struct Infos {
    objects: Vec<(Kind, String)>,
    failures: Vec<Failure>,
}

/// Maps every type first (an unknown one fails the whole command), then finds the objects.
fn resolve(cluster: &Cluster, inv: &Invocation, ns: &str) -> Result<Infos, Output> {
    let mut kinds = Vec::new();
    for t in &inv.targets {
        match resolve_kind(&t.resource) {
            Some(k) => kinds.push(k),
            None => {
                return Err(Output::error(
                    format!(
                        "error: the server doesn't have a resource type \"{}\"\n",
                        t.resource
                    ),
                    1,
                ));
            }
        }
    }
    let selector = match LabelQuery::parse(inv.flags.selector.as_deref().unwrap_or("")) {
        Ok(s) => s,
        Err(e) => return Err(Output::error(format!("error: {e}\n"), 1)),
    };
    let mut infos = Infos {
        objects: Vec::new(),
        failures: Vec::new(),
    };
    for (t, kind) in inv.targets.iter().zip(kinds) {
        match &t.name {
            Some(name) => match kind.visit(Lookup { cluster, ns, name }) {
                Ok(()) => infos.objects.push((kind, name.clone())),
                Err(e) => infos.failures.push(Failure::Api(e)),
            },
            None => {
                for name in kind.visit(ListNames {
                    cluster,
                    ns,
                    selector: &selector,
                }) {
                    infos.objects.push((kind, name));
                }
            }
        }
    }
    Ok(infos)
}

struct Lookup<'a> {
    cluster: &'a Cluster,
    ns: &'a str,
    name: &'a str,
}

impl KindVisitor for Lookup<'_> {
    type Output = Result<(), ApiError>;
    fn visit<T: Stored + Schema>(self) -> Self::Output {
        let ns = if T::OBJECT_KIND.namespaced() {
            self.ns
        } else {
            ""
        };
        self.cluster.get::<T>(ns, self.name).map(|_| ())
    }
}

/// The names of a kind's objects in a namespace (every object of a cluster-scoped kind) that
/// match a label selector.
pub(crate) struct ListNames<'a> {
    pub(crate) cluster: &'a Cluster,
    pub(crate) ns: &'a str,
    pub(crate) selector: &'a LabelQuery,
}

impl KindVisitor for ListNames<'_> {
    type Output = Vec<String>;
    fn visit<T: Stored + Schema>(self) -> Self::Output {
        let items: Vec<&Arc<T>> = if T::OBJECT_KIND.namespaced() {
            self.cluster.list_in::<T>(self.ns).collect()
        } else {
            self.cluster.list::<T>().collect()
        };
        items
            .into_iter()
            .filter(|o| self.selector.matches(o.metadata().labels.as_ref()))
            .map(|o| o.metadata().name.clone().unwrap_or_default())
            .collect()
    }
}

/// `schema.GroupKind.String()`: `Service`, `ReplicaSet.apps`.
fn group_kind(kind: Kind) -> String {
    if kind.group().is_empty() {
        kind.name().to_string()
    } else {
        format!("{}.{}", kind.name(), kind.group())
    }
}

/// `%v` of a `schema.GroupKind`: `{ Service}`, `{apps ReplicaSet}`.
fn group_kind_struct(kind: Kind) -> String {
    format!("{{{} {}}}", kind.group(), kind.name())
}

/// Whether kubectl's `apps.GroupKindElement` has a visitor method for this kind (those it has
/// but that do nothing give "not implemented" rather than "no visitor method").
fn has_visitor(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Deployment | Kind::StatefulSet | Kind::Pod | Kind::ReplicaSet
    )
}

/// The error kubectl gets where it lists ControllerRevisions: the API server does not serve them.
fn statefulset_history_error(name: &str) -> Failure {
    Failure::Client(format!(
        "unable to find history controlled by StatefulSet {name}: the server could not find the requested resource"
    ))
}

fn revision_of(annotations: Option<&BTreeMap<String, String>>) -> Option<i64> {
    match annotations.and_then(|a| a.get(REVISION)) {
        None => Some(0),
        Some(v) => v.parse().ok(),
    }
}

// ----- rollout status ---------------------------------------------------------------------------

/// What one look at the object says: the line to print and whether the rollout is done.
type Verdict = Result<(String, bool), String>;

fn deployment_verdict(d: &Deployment, revision: i64) -> Verdict {
    let name = d.metadata.name.clone().unwrap_or_default();
    if revision > 0 {
        let current = revision_of(d.metadata.annotations.as_ref()).ok_or_else(|| {
            format!("cannot get the revision of deployment \"{name}\": invalid revision")
        })?;
        if revision != current {
            return Err(format!(
                "desired revision ({revision}) is different from the running revision ({current})"
            ));
        }
    }
    let status = d.status.clone().unwrap_or_default();
    let generation = d.metadata.generation.unwrap_or(0);
    if generation > status.observed_generation.unwrap_or(0) {
        return Ok((
            "Waiting for deployment spec update to be observed...\n".into(),
            false,
        ));
    }
    let timed_out = status.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    if timed_out {
        return Err(format!(
            "deployment \"{name}\" exceeded its progress deadline"
        ));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if let Some(want) = d.spec.as_ref().and_then(|s| s.replicas)
        && updated < want
    {
        return Ok((
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {updated} out of {want} new replicas have been updated...\n"
            ),
            false,
        ));
    }
    if replicas > updated {
        return Ok((
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...\n",
                replicas - updated
            ),
            false,
        ));
    }
    if available < updated {
        return Ok((
            format!(
                "Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available...\n"
            ),
            false,
        ));
    }
    Ok((
        format!("deployment \"{name}\" successfully rolled out\n"),
        true,
    ))
}

fn statefulset_verdict(s: &StatefulSet) -> Verdict {
    let spec = s.spec.clone().unwrap_or_default();
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    if strategy.type_.as_deref() != Some("RollingUpdate") {
        return Err("rollout status is only available for RollingUpdate strategy type".into());
    }
    let status = s.status.clone().unwrap_or_default();
    let observed = status.observed_generation.unwrap_or(0);
    if observed == 0 || s.metadata.generation.unwrap_or(0) > observed {
        return Ok((
            "Waiting for statefulset spec update to be observed...\n".into(),
            false,
        ));
    }
    let ready = status.ready_replicas.unwrap_or(0);
    if let Some(want) = spec.replicas
        && ready < want
    {
        return Ok((
            format!("Waiting for {} pods to be ready...\n", want - ready),
            false,
        ));
    }
    let updated = status.updated_replicas.unwrap_or(0);
    if let Some(ru) = &strategy.rolling_update {
        if let (Some(want), Some(partition)) = (spec.replicas, ru.partition)
            && updated < want - partition
        {
            return Ok((
                format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n",
                    want - partition
                ),
                false,
            ));
        }
        return Ok((
            format!("partitioned roll out complete: {updated} new pods have been updated...\n"),
            true,
        ));
    }
    let update_rev = status.update_revision.clone().unwrap_or_default();
    let current_rev = status.current_revision.clone().unwrap_or_default();
    if update_rev != current_rev {
        return Ok((
            format!(
                "waiting for statefulset rolling update to complete {updated} pods at revision {update_rev}...\n"
            ),
            false,
        ));
    }
    Ok((
        format!(
            "statefulset rolling update complete {} pods at revision {current_rev}...\n",
            status.current_replicas.unwrap_or(0)
        ),
        true,
    ))
}

/// The object's resource version and verdict now, or `None` once it is gone.
fn look(
    cluster: &Cluster,
    kind: Kind,
    ns: &str,
    name: &str,
    revision: i64,
) -> Option<(String, Verdict)> {
    match kind {
        Kind::Deployment => cluster.get::<Deployment>(ns, name).ok().map(|d| {
            (
                d.metadata.resource_version.clone().unwrap_or_default(),
                deployment_verdict(&d, revision),
            )
        }),
        _ => cluster.get::<StatefulSet>(ns, name).ok().map(|s| {
            (
                s.metadata.resource_version.clone().unwrap_or_default(),
                statefulset_verdict(&s),
            )
        }),
    }
}

/// `rollout status`: prints the status as each change arrives, until done or out of time.
pub fn status(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let ns = namespace(inv);
    let infos = match resolve(cluster, inv, &ns) {
        Ok(i) => i,
        Err(out) => return out,
    };
    let mut out = Output::default();
    let mut failures = infos.failures;
    let revision = inv.flags.revision.unwrap_or(0);
    let bound = inv
        .flags
        .timeout
        .as_deref()
        .and_then(|t| cluster::parse_duration(t).ok())
        .filter(|d| !d.is_zero())
        .unwrap_or(DEFAULT_STATUS_BOUND);
    let found = !infos.objects.is_empty();
    for (kind, name) in infos.objects {
        if !matches!(kind, Kind::Deployment | Kind::StatefulSet) {
            failures.push(Failure::Client(format!(
                "no status viewer has been implemented for {}",
                group_kind(kind)
            )));
            continue;
        }
        match wait_for_rollout(cluster, kind, &ns, &name, revision, inv.flags.watch, bound) {
            Ok(text) => out.stdout.push_str(&text),
            Err((text, failure)) => {
                out.stdout.push_str(&text);
                failures.push(failure);
            }
        }
    }
    if !found && failures.is_empty() {
        out.stderr
            .push_str(&format!("No resources found in {ns} namespace.\n"));
    }
    finish(out, failures)
}

/// Watches one object in simulated time: the lines printed, or those and why it stopped.
fn wait_for_rollout(
    cluster: &mut Cluster,
    kind: Kind,
    ns: &str,
    name: &str,
    revision: i64,
    watch: bool,
    bound: Duration,
) -> Result<String, (String, Failure)> {
    let mut printed = String::new();
    let Some((first_rv, verdict)) = look(cluster, kind, ns, name, revision) else {
        return Err((printed, Failure::Client("object has been deleted".into())));
    };
    match verdict {
        Err(e) => return Err((printed, Failure::Client(e))),
        Ok((line, done)) => {
            printed.push_str(&line);
            if done || !watch {
                return Ok(printed);
            }
        }
    }
    // Every change of the object is a watch event; kubectl prints the status for each.
    let mut last_rv = first_rv;
    let mut outcome: Option<Result<(), Failure>> = None;
    cluster.run_until(bound, |c| {
        match look(c, kind, ns, name, revision) {
            None => outcome = Some(Err(Failure::Client("object has been deleted".into()))),
            Some((rv, _)) if rv == last_rv => return false,
            Some((rv, Err(e))) => {
                last_rv = rv;
                outcome = Some(Err(Failure::Client(e)));
            }
            Some((rv, Ok((line, done)))) => {
                last_rv = rv;
                printed.push_str(&line);
                if done {
                    outcome = Some(Ok(()));
                }
            }
        }
        outcome.is_some()
    });
    match outcome {
        Some(Ok(())) => Ok(printed),
        Some(Err(f)) => Err((printed, f)),
        None => Err((
            printed,
            Failure::Client("timed out waiting for the condition".into()),
        )),
    }
}

// ----- rollout history --------------------------------------------------------------------------

/// The ReplicaSets a Deployment owns, the old ones first, then the one matching its template.
fn deployment_replicasets(cluster: &Cluster, d: &Deployment) -> Vec<Arc<ReplicaSet>> {
    let ns = d.metadata.namespace.clone().unwrap_or_default();
    let uid = d.metadata.uid.clone().unwrap_or_default();
    let mut owned: Vec<Arc<ReplicaSet>> = cluster
        .list_in::<ReplicaSet>(&ns)
        .filter(|rs| controlled_by(&rs.metadata, &uid))
        .cloned()
        .collect();
    owned.sort_by_key(|rs| {
        (
            rs.metadata.creation_timestamp.as_ref().map(|t| t.0),
            rs.metadata.name.clone(),
        )
    });
    let template = d.spec.as_ref().map(|s| &s.template);
    let new_index = owned.iter().position(|rs| {
        match (rs.spec.as_ref().and_then(|s| s.template.as_ref()), template) {
            (Some(a), Some(b)) => equal_ignore_hash(a, b),
            _ => false,
        }
    });
    if let Some(i) = new_index {
        let new = owned.remove(i);
        owned.push(new);
    }
    owned
}

/// `apiequality.Semantic.DeepEqual` of two templates without the pod-template-hash label.
fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    let norm = |t: &PodTemplateSpec| {
        let mut v = serde_json::to_value(t).unwrap_or_default();
        if let Some(labels) = v
            .pointer_mut("/metadata/labels")
            .and_then(Value::as_object_mut)
        {
            labels.remove(HASH_LABEL);
        }
        prune_empty(&mut v);
        v
    };
    norm(a) == norm(b)
}

/// Drops nulls and empty maps and lists: Go's semantic equality treats them as unset.
fn prune_empty(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.values_mut().for_each(prune_empty);
            map.retain(|_, v| match v {
                Value::Null => false,
                Value::Object(m) => !m.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => true,
            });
        }
        Value::Array(items) => items.iter_mut().for_each(prune_empty),
        _ => {}
    }
}

/// revision -> ReplicaSet, later entries winning as in kubectl's map.
fn history_of(cluster: &Cluster, d: &Deployment) -> BTreeMap<i64, Arc<ReplicaSet>> {
    let mut map = BTreeMap::new();
    for rs in deployment_replicasets(cluster, d) {
        if let Some(rev) = revision_of(rs.metadata.annotations.as_ref()) {
            map.insert(rev, rs);
        }
    }
    map
}

/// Go's `tabwriter` as `rollout history` sets it up: padding 2, the last cell left as is.
fn tabbed(rows: &[(String, String)]) -> String {
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0) + 2;
    rows.iter()
        .map(|(a, b)| format!("{a:<width$}{b}\n"))
        .collect()
}

fn change_cause(rs: &ReplicaSet) -> Option<String> {
    rs.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(CHANGE_CAUSE))
        .filter(|c| !c.is_empty())
        .cloned()
}

fn deployment_history(
    cluster: &Cluster,
    ns: &str,
    name: &str,
    revision: i64,
) -> Result<String, Failure> {
    let d = cluster.get::<Deployment>(ns, name).map_err(|e| {
        Failure::Client(format!(
            "failed to retrieve deployment {name}: {}",
            e.message
        ))
    })?;
    let history = history_of(cluster, &d);
    if history.is_empty() {
        return Ok("No rollout history found.".into());
    }
    if revision > 0 {
        let rs = history
            .get(&revision)
            .ok_or_else(|| Failure::Client("unable to find the specified revision".into()))?;
        let mut template = rs
            .spec
            .as_ref()
            .and_then(|s| s.template.clone())
            .unwrap_or_default();
        if let Some(cause) = change_cause(rs) {
            template
                .metadata
                .get_or_insert_default()
                .annotations
                .get_or_insert_default()
                .insert(CHANGE_CAUSE.into(), cause);
        }
        return Ok(crate::describe::pod_template(&template));
    }
    let mut rows = vec![("REVISION".to_string(), "CHANGE-CAUSE".to_string())];
    for (rev, rs) in &history {
        rows.push((
            rev.to_string(),
            change_cause(rs).unwrap_or_else(|| "<none>".into()),
        ));
    }
    Ok(tabbed(&rows))
}

/// `rollout history`.
pub fn history(cluster: &Cluster, inv: &Invocation) -> Output {
    let ns = namespace(inv);
    let infos = match resolve(cluster, inv, &ns) {
        Ok(i) => i,
        Err(out) => return out,
    };
    let mut out = Output::default();
    let mut failures = infos.failures;
    let revision = inv.flags.revision.unwrap_or(0);
    let as_names = match &inv.flags.output {
        None => false,
        Some(OutputFlag::Name) => true,
        Some(_) => {
            return crate::exec::unsupported("rollout history with -o other than name");
        }
    };
    for (kind, name) in infos.objects {
        let text = match kind {
            Kind::Deployment if as_names => {
                let Ok(d) = cluster.get::<Deployment>(&ns, &name) else {
                    continue;
                };
                let history = history_of(cluster, &d);
                if revision > 0 {
                    match history.get(&revision) {
                        Some(rs) => Ok(format!(
                            "replicaset.apps/{}\n",
                            rs.metadata.name.clone().unwrap_or_default()
                        )),
                        None => Err(Failure::Client(
                            "unable to find the specified revision".into(),
                        )),
                    }
                } else {
                    Ok(history
                        .values()
                        .map(|rs| {
                            format!(
                                "replicaset.apps/{}\n",
                                rs.metadata.name.clone().unwrap_or_default()
                            )
                        })
                        .collect())
                }
            }
            Kind::Deployment => deployment_history(cluster, &ns, &name, revision).map(|h| {
                let with = if revision > 0 {
                    format!("with revision #{revision}")
                } else {
                    String::new()
                };
                format!("{}/{name} {with}\n{h}\n", kind_prefix(kind))
            }),
            Kind::StatefulSet => Err(statefulset_history_error(&name)),
            k if has_visitor(k) => Err(Failure::Client(format!(
                "no history viewer has been implemented for \"{}\"",
                group_kind(k)
            ))),
            k => Err(Failure::Client(format!(
                "error retrieving history for \"{}\", no visitor method exists for {}",
                group_kind(k),
                group_kind_struct(k)
            ))),
        };
        match text {
            Ok(t) => out.stdout.push_str(&t),
            Err(f) => failures.push(f),
        }
    }
    finish(out, failures)
}

// ----- rollout undo -----------------------------------------------------------------------------

fn dry_run_suffix(inv: &Invocation) -> &'static str {
    match inv.flags.dry_run.as_deref() {
        Some("server") => " (server dry run)",
        Some("client") => " (dry run)",
        _ => "",
    }
}

/// The pod template as Go's encoder writes it into the patch: zero-valued structs are not
/// omitted, so a container without resources carries `"resources": {}`.
fn go_template_json(template: &PodTemplateSpec) -> Value {
    let mut v = serde_json::to_value(template).unwrap_or_default();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.entry("creationTimestamp").or_insert(Value::Null);
    } else if let Some(obj) = v.as_object_mut() {
        obj.insert("metadata".into(), json!({"creationTimestamp": null}));
    }
    for list in ["containers", "initContainers"] {
        if let Some(cs) = v
            .pointer_mut(&format!("/spec/{list}"))
            .and_then(Value::as_array_mut)
        {
            for c in cs {
                if let Some(obj) = c.as_object_mut() {
                    obj.entry("resources").or_insert_with(|| json!({}));
                }
            }
        }
    }
    v
}

/// Drops empty lists, as the API server's decoding of a patched object does.
fn drop_empty_lists(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
            map.values_mut().for_each(drop_empty_lists);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty_lists),
        _ => {}
    }
}

/// Rolls one Deployment back; returns kubectl's word for what happened.
fn undo_deployment(
    cluster: &mut Cluster,
    ns: &str,
    name: &str,
    to_revision: i64,
    dry_run: Option<&str>,
) -> Result<String, Failure> {
    let not_found = |rev: i64| {
        Failure::Client(format!(
            "unable to find specified revision {rev} in history"
        ))
    };
    if to_revision < 0 {
        return Err(not_found(to_revision));
    }
    let d = cluster.get::<Deployment>(ns, name).map_err(|e| {
        Failure::Client(format!(
            "failed to retrieve Deployment {name}: {}",
            e.message
        ))
    })?;
    let all = deployment_replicasets(cluster, &d);
    let target = if to_revision > 0 {
        all.iter()
            .find(|rs| revision_of(rs.metadata.annotations.as_ref()) == Some(to_revision))
            .cloned()
            .ok_or_else(|| not_found(to_revision))?
    } else {
        // The second-highest revision.
        let mut latest: Option<(i64, Arc<ReplicaSet>)> = None;
        let mut previous: Option<(i64, Arc<ReplicaSet>)> = None;
        for rs in &all {
            let Some(v) = revision_of(rs.metadata.annotations.as_ref()) else {
                continue;
            };
            if latest.as_ref().is_none_or(|(l, _)| *l < v) {
                previous = latest.take();
                latest = Some((v, rs.clone()));
            } else if previous.as_ref().is_none_or(|(p, _)| *p < v) {
                previous = Some((v, rs.clone()));
            }
        }
        previous.map(|(_, rs)| rs).ok_or_else(|| {
            Failure::Client(format!(
                "no rollout history found for deployment \"{name}\""
            ))
        })?
    };
    let mut template = target
        .spec
        .as_ref()
        .and_then(|s| s.template.clone())
        .unwrap_or_default();
    if dry_run == Some("client") {
        return Ok(crate::describe::pod_template(&template));
    }
    let spec = d.spec.clone().unwrap_or_default();
    if spec.paused.unwrap_or(false) {
        return Err(Failure::Client(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again".into(),
        ));
    }
    if equal_ignore_hash(&template, &spec.template) {
        return Ok(format!(
            "skipped rollback (current template already matches revision {to_revision})"
        ));
    }
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(HASH_LABEL);
    }
    let mut annotations = serde_json::Map::new();
    let current = d.metadata.annotations.clone().unwrap_or_default();
    for key in ANNOTATIONS_TO_SKIP {
        if let Some(v) = current.get(*key) {
            annotations.insert((*key).to_string(), json!(v));
        }
    }
    for (k, v) in target.metadata.annotations.iter().flatten() {
        if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
            annotations.insert(k.clone(), json!(v));
        }
    }
    // The JSON patch kubectl sends: replace /spec/template and /metadata/annotations.
    let mut patched = serde_json::to_value(d.as_ref()).unwrap_or_default();
    patched["spec"]["template"] = go_template_json(&template);
    patched["metadata"]["annotations"] = Value::Object(annotations);
    drop_empty_lists(&mut patched);
    let mut obj: Deployment = serde_json::from_value(patched)
        .map_err(|e| Failure::Client(format!("failed restoring revision {to_revision}: {e}")))?;
    obj.metadata.resource_version = None;
    cluster
        .update_with(obj, dry_run == Some("server"))
        .map_err(|e| {
            Failure::Client(format!(
                "failed restoring revision {to_revision}: {}",
                e.message
            ))
        })?;
    Ok("rolled back".into())
}

/// `rollout undo [--to-revision=N]`.
pub fn undo(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let ns = namespace(inv);
    let infos = match resolve(cluster, inv, &ns) {
        Ok(i) => i,
        Err(out) => return out,
    };
    let mut out = Output::default();
    let mut failures = infos.failures;
    let to_revision = inv.flags.to_revision.unwrap_or(0);
    for (kind, name) in infos.objects {
        let result = match kind {
            Kind::Deployment => undo_deployment(
                cluster,
                &ns,
                &name,
                to_revision,
                inv.flags.dry_run.as_deref(),
            ),
            Kind::StatefulSet if to_revision < 0 => Err(Failure::Client(format!(
                "unable to find specified revision {to_revision} in history"
            ))),
            Kind::StatefulSet => Err(statefulset_history_error(&name)),
            k if has_visitor(k) => Err(Failure::Client(format!(
                "no rollbacker has been implemented for \"{}\"",
                group_kind(k)
            ))),
            k => Err(Failure::Client(format!(
                "error retrieving rollbacker for \"{}\", no visitor method exists for {}",
                group_kind(k),
                group_kind_struct(k)
            ))),
        };
        match result {
            // The printer for an unusable -o is built only after the rollback.
            Ok(_) if inv.deferred_error.is_some() => failures.push(deferred(inv)),
            Ok(word) => out.stdout.push_str(&match inv.flags.output {
                Some(OutputFlag::Name) => format!("{}/{name}\n", kind_prefix(kind)),
                _ => format!(
                    "{}/{name} {word}{}\n",
                    kind_prefix(kind),
                    dry_run_suffix(inv)
                ),
            }),
            Err(f) => failures.push(f),
        }
    }
    finish(out, failures)
}

// ----- rollout pause / resume -------------------------------------------------------------------

/// `rollout pause` (`pause == true`) and `rollout resume`.
pub fn pause_or_resume(cluster: &mut Cluster, inv: &Invocation, pause: bool) -> Output {
    let ns = namespace(inv);
    let infos = match resolve(cluster, inv, &ns) {
        Ok(i) => i,
        Err(out) => return out,
    };
    let mut out = Output::default();
    let mut failures = infos.failures;
    if infos.objects.is_empty() && failures.is_empty() {
        out.stderr
            .push_str(&format!("No resources found in {ns} namespace.\n"));
        return out;
    }
    let (verb, gerund) = if pause {
        ("paused", "pausing")
    } else {
        ("resumed", "resuming")
    };
    // Patches are computed for every object first; the errors come after the successes.
    let mut problems = Vec::new();
    for (kind, name) in infos.objects {
        if kind != Kind::Deployment {
            problems.push(Failure::Client(format!(
                "error: {} \"{name}\" {gerund} is not supported",
                kind.qualified_plural()
            )));
            continue;
        }
        let Ok(d) = cluster.get::<Deployment>(&ns, &name) else {
            continue;
        };
        let paused = d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
        if paused == pause {
            let state = if pause {
                "is already paused"
            } else {
                "is not paused"
            };
            problems.push(Failure::Client(format!(
                "error: deployments.apps \"{name}\" {state}"
            )));
            continue;
        }
        let result = cluster.modify::<Deployment>(&ns, &name, |d| {
            d.spec.get_or_insert_default().paused = pause.then_some(true);
        });
        match result {
            Ok(_) if inv.deferred_error.is_some() => problems.push(deferred(inv)),
            Ok(_) => out.stdout.push_str(&match inv.flags.output {
                Some(OutputFlag::Name) => format!("{}/{name}\n", kind_prefix(kind)),
                _ => format!("{}/{name} {verb}\n", kind_prefix(kind)),
            }),
            Err(e) => problems.push(Failure::Client(format!("failed to patch: {}", e.message))),
        }
    }
    failures.extend(problems);
    // kubectl aggregates these errors: each is printed as it is.
    for f in &failures {
        out.stderr.push_str(&f.line(false));
    }
    if !failures.is_empty() {
        out.exit_code = 1;
    }
    out
}
