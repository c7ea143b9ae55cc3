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

struct ListNames<'a> {
    cluster: &'a Cluster,
    ns: &'a str,
    selector: &'a LabelQuery,
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
        return Ok(describe_pod_template(&template));
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
        return Ok(describe_pod_template(&template));
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

// ----- pod template description -----------------------------------------------------------------

/// `describe.DescribePodTemplate`, as `rollout history --revision=N` prints it.
pub fn describe_pod_template(template: &PodTemplateSpec) -> String {
    let mut w = String::new();
    w.push_str("Pod Template:\n");
    let meta = template.metadata.clone().unwrap_or_default();
    labels_multiline(&mut w, "  Labels", meta.labels.as_ref());
    if let Some(annotations) = meta.annotations.as_ref().filter(|a| !a.is_empty()) {
        annotations_multiline(&mut w, "  Annotations", annotations);
    }
    let spec = template.spec.clone().unwrap_or_default();
    if let Some(sa) = spec.service_account_name.as_ref().filter(|s| !s.is_empty()) {
        w.push_str(&format!("  Service Account:\t{sa}\n"));
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|c| !c.is_empty()) {
        describe_containers(&mut w, "Init Containers", init);
    }
    describe_containers(&mut w, "Containers", &spec.containers);
    describe_volumes(&mut w, spec.volumes.as_deref().unwrap_or(&[]));
    if let Some(pc) = spec.priority_class_name.as_ref().filter(|s| !s.is_empty()) {
        w.push_str(&format!("  Priority Class Name:\t{pc}\n"));
    }
    labels_multiline(&mut w, "  Node-Selectors", spec.node_selector.as_ref());
    w.push_str("  Tolerations:\t");
    let mut tolerations = spec.tolerations.clone().unwrap_or_default();
    if tolerations.is_empty() {
        w.push_str("<none>\n");
    } else {
        tolerations.sort_by(|a, b| a.key.cmp(&b.key));
        for (i, t) in tolerations.iter().enumerate() {
            if i != 0 {
                w.push('\t');
            }
            let key = t.key.clone().unwrap_or_default();
            w.push_str(&key);
            if let Some(v) = t.value.as_ref().filter(|v| !v.is_empty()) {
                w.push_str(&format!("={v}"));
            }
            let effect = t.effect.clone().unwrap_or_default();
            if !effect.is_empty() {
                w.push_str(&format!(":{effect}"));
            }
            if t.operator.as_deref() == Some("Exists")
                && t.value.as_deref().unwrap_or("").is_empty()
            {
                if !key.is_empty() || !effect.is_empty() {
                    w.push_str(" op=Exists");
                } else {
                    w.push_str("op=Exists");
                }
            }
            if let Some(s) = t.toleration_seconds {
                w.push_str(&format!(" for {s}s"));
            }
            w.push('\n');
        }
    }
    w
}

fn labels_multiline(w: &mut String, title: &str, labels: Option<&BTreeMap<String, String>>) {
    w.push_str(&format!("{title}:\t"));
    match labels.filter(|l| !l.is_empty()) {
        None => w.push_str("<none>\n"),
        Some(labels) => {
            for (i, (k, v)) in labels.iter().enumerate() {
                if i != 0 {
                    w.push('\t');
                }
                w.push_str(&format!("{k}={v}\n"));
            }
        }
    }
}

fn annotations_multiline(w: &mut String, title: &str, annotations: &BTreeMap<String, String>) {
    const MAX_ANNOTATION_LEN: usize = 140;
    w.push_str(&format!("{title}:\t"));
    let keys: Vec<&String> = annotations
        .keys()
        .filter(|k| *k != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if keys.is_empty() {
        w.push_str("<none>\n");
        return;
    }
    for (i, key) in keys.into_iter().enumerate() {
        if i != 0 {
            w.push('\t');
        }
        let value = annotations[key].trim_end_matches('\n');
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.push_str(&format!("{key}:\n"));
            for s in value.split('\n') {
                let short = if s.len() > MAX_ANNOTATION_LEN - 2 {
                    format!(
                        "{}...",
                        &s[..floor_char_boundary(s, MAX_ANNOTATION_LEN - 2)]
                    )
                } else {
                    s.to_string()
                };
                w.push_str(&format!("\t  {short}\n"));
            }
        } else {
            w.push_str(&format!("{key}: {value}\n"));
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn int_or_string(v: &cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString) -> String {
    use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

fn describe_probe(p: &cluster::k8s_openapi::api::core::v1::Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(0),
        p.period_seconds.unwrap_or(0),
        p.success_threshold.unwrap_or(0),
        p.failure_threshold.unwrap_or(0)
    );
    if let Some(exec) = &p.exec {
        return format!(
            "exec [{}] {attrs}",
            exec.command.clone().unwrap_or_default().join(" ")
        );
    }
    if let Some(h) = &p.http_get {
        let scheme = h.scheme.clone().unwrap_or_default().to_lowercase();
        let port = int_or_string(&h.port);
        let host = h.host.clone().unwrap_or_default();
        let host = if port.is_empty() {
            host
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let path = h.path.clone().unwrap_or_default();
        let url = if scheme.is_empty() {
            format!("//{host}{path}")
        } else {
            format!("{scheme}://{host}{path}")
        };
        return format!("http-get {url} {attrs}");
    }
    if let Some(t) = &p.tcp_socket {
        return format!(
            "tcp-socket {}:{} {attrs}",
            t.host.clone().unwrap_or_default(),
            int_or_string(&t.port)
        );
    }
    if let Some(g) = &p.grpc {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.clone().unwrap_or_default()
        );
    }
    format!("unknown {attrs}")
}

fn describe_containers(
    w: &mut String,
    label: &str,
    containers: &[cluster::k8s_openapi::api::core::v1::Container],
) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.push_str(&format!("  {label}:{none}\n"));
    for c in containers {
        w.push_str(&format!("   {}:\n", c.name));
        w.push_str(&format!(
            "    Image:\t{}\n",
            c.image.clone().unwrap_or_default()
        ));
        let ports = c.ports.clone().unwrap_or_default();
        let fmt_ports = |host: bool| -> String {
            ports
                .iter()
                .map(|p| {
                    let n = if host {
                        p.host_port.unwrap_or(0)
                    } else {
                        p.container_port
                    };
                    format!("{n}/{}", p.protocol.clone().unwrap_or_default())
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (single, plural, text) in [
            ("Port", "Ports", fmt_ports(false)),
            ("Host Port", "Host Ports", fmt_ports(true)),
        ] {
            if text.contains(',') {
                w.push_str(&format!("    {plural}:\t{text}\n"));
            } else if text.is_empty() {
                w.push_str(&format!("    {single}:\t<none>\n"));
            } else {
                w.push_str(&format!("    {single}:\t{text}\n"));
            }
        }
        if let Some(profile) = c
            .security_context
            .as_ref()
            .and_then(|s| s.seccomp_profile.as_ref())
        {
            w.push_str(&format!("    SeccompProfile:\t{}\n", profile.type_));
            if profile.type_ == "Localhost" {
                w.push_str(&format!(
                    "      LocalhostProfile:\t{}\n",
                    profile.localhost_profile.clone().unwrap_or_default()
                ));
            }
        }
        for (title, items) in [("Command", &c.command), ("Args", &c.args)] {
            if let Some(items) = items.as_ref().filter(|i| !i.is_empty()) {
                w.push_str(&format!("    {title}:\n"));
                for item in items {
                    for s in item.split('\n') {
                        w.push_str(&format!("      {s}\n"));
                    }
                }
            }
        }
        if let Some(r) = &c.resources {
            for (title, list) in [("Limits", &r.limits), ("Requests", &r.requests)] {
                if let Some(list) = list.as_ref().filter(|l| !l.is_empty()) {
                    w.push_str(&format!("    {title}:\n"));
                    for (name, q) in list {
                        w.push_str(&format!("      {name}:\t{}\n", q.0));
                    }
                }
            }
        }
        for (title, probe) in [
            ("Liveness", &c.liveness_probe),
            ("Readiness", &c.readiness_probe),
            ("Startup", &c.startup_probe),
        ] {
            if let Some(p) = probe {
                w.push_str(&format!("    {title}:\t{}\n", describe_probe(p)));
            }
        }
        if let Some(from) = c.env_from.as_ref().filter(|e| !e.is_empty()) {
            w.push_str("    Environment Variables from:\n");
            for e in from {
                let (kind, name, optional) = if let Some(r) = &e.config_map_ref {
                    ("ConfigMap", r.name.clone(), r.optional.unwrap_or(false))
                } else if let Some(r) = &e.secret_ref {
                    ("Secret", r.name.clone(), r.optional.unwrap_or(false))
                } else {
                    ("", String::new(), false)
                };
                match e.prefix.as_ref().filter(|p| !p.is_empty()) {
                    None => w.push_str(&format!("      {name}\t{kind}\tOptional: {optional}\n")),
                    Some(p) => w.push_str(&format!(
                        "      {name}\t{kind} with prefix '{p}'\tOptional: {optional}\n"
                    )),
                }
            }
        }
        let env = c.env.clone().unwrap_or_default();
        if env.is_empty() {
            w.push_str("    Environment:\t<none>\n");
        } else {
            w.push_str("    Environment:\n");
        }
        for e in &env {
            match &e.value_from {
                None => {
                    for (i, s) in e.value.clone().unwrap_or_default().split('\n').enumerate() {
                        if i == 0 {
                            w.push_str(&format!("      {}:\t{s}\n", e.name));
                        } else {
                            w.push_str(&format!("      \t{s}\n"));
                        }
                    }
                }
                Some(from) => {
                    if let Some(f) = &from.field_ref {
                        w.push_str(&format!(
                            "      {}:\t ({}:{})\n",
                            e.name,
                            f.api_version.clone().unwrap_or_default(),
                            f.field_path
                        ));
                    } else if let Some(r) = &from.resource_field_ref {
                        w.push_str(&format!("      {}:\t ({})\n", e.name, r.resource));
                    } else if let Some(s) = &from.secret_key_ref {
                        w.push_str(&format!(
                            "      {}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                            e.name,
                            s.key,
                            s.name,
                            s.optional.unwrap_or(false)
                        ));
                    } else if let Some(s) = &from.config_map_key_ref {
                        w.push_str(&format!(
                            "      {}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                            e.name,
                            s.key,
                            s.name,
                            s.optional.unwrap_or(false)
                        ));
                    }
                }
            }
        }
        let mut mounts = c.volume_mounts.clone().unwrap_or_default();
        if mounts.is_empty() {
            w.push_str("    Mounts:\t<none>\n");
        } else {
            w.push_str("    Mounts:\n");
        }
        mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
        for m in &mounts {
            let mut flags = vec![
                if m.read_only.unwrap_or(false) {
                    "ro"
                } else {
                    "rw"
                }
                .to_string(),
            ];
            if let Some(sub) = m.sub_path.as_ref().filter(|s| !s.is_empty()) {
                flags.push(format!("path={sub:?}"));
            }
            w.push_str(&format!(
                "      {} from {} ({})\n",
                m.mount_path,
                m.name,
                flags.join(",")
            ));
        }
    }
}

fn describe_volumes(w: &mut String, volumes: &[cluster::k8s_openapi::api::core::v1::Volume]) {
    if volumes.is_empty() {
        w.push_str("  Volumes:\t<none>\n");
        return;
    }
    w.push_str("  Volumes:\n");
    for v in volumes {
        w.push_str(&format!("   {}:\n", v.name));
        if let Some(h) = &v.host_path {
            w.push_str(&format!(
                "    Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{}\n",
                h.path,
                h.type_.clone().unwrap_or_else(|| "<none>".into())
            ));
        } else if let Some(e) = &v.empty_dir {
            let size = e
                .size_limit
                .as_ref()
                .filter(|q| cluster::quantity::parse_milli(&q.0).is_ok_and(|m| m > 0))
                .map(|q| q.0.clone())
                .unwrap_or_else(|| "<unset>".into());
            w.push_str(&format!(
                "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{size}\n",
                e.medium.clone().unwrap_or_default()
            ));
        } else if let Some(s) = &v.secret {
            w.push_str(&format!(
                "    Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                s.secret_name.clone().unwrap_or_default(),
                s.optional.unwrap_or(false)
            ));
        } else if let Some(c) = &v.config_map {
            w.push_str(&format!(
                "    Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                c.name,
                c.optional.unwrap_or(false)
            ));
        } else if let Some(c) = &v.persistent_volume_claim {
            w.push_str(&format!(
                "    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
                c.claim_name,
                c.read_only.unwrap_or(false)
            ));
        } else {
            w.push_str("  <unknown>\n");
        }
    }
}
