//! The verbs that change objects: `scale`, `patch`, `label`, `annotate`, `delete` and
//! `rollout restart`, through the cluster's API write path with the messages kubectl prints.

use cluster::k8s_openapi::api::core::v1::Namespace;
use cluster::selectors::LabelQuery;
use cluster::{ApiError, Cluster, DeleteOptions, Kind, KindVisitor, Schema, Stored};
use serde_json::{Value, json};

use crate::get::{kind_prefix, resolve_kind};
use crate::grammar::Invocation;
use crate::output::Output;
use crate::patch::{self, PatchType};

/// Why a change could not be made.
enum Failure {
    Api(ApiError),
    Client(String),
    /// A patch the server refuses as unprocessable: kubectl prints only that the object is invalid.
    Unprocessable(Kind, String),
}

fn failure_output(f: Failure) -> String {
    match f {
        // kubectl words an Invalid answer itself, from the kind, the name and the causes, as
        // the cluster's message already reads.
        Failure::Api(e) if e.reason == cluster::Reason::Invalid => format!("{}\n", e.message),
        Failure::Api(e) => format!("Error from server ({}): {}\n", e.reason, e.message),
        Failure::Client(m) => format!("error: {m}\n"),
        Failure::Unprocessable(kind, name) => {
            format!("The {} \"{name}\" is invalid\n", kind.name())
        }
    }
}

/// Why an edit could not be made: a plain client error, or one the API server would answer
/// with 422.
enum EditError {
    Client(String),
    Unprocessable,
}

impl From<String> for EditError {
    fn from(message: String) -> Self {
        EditError::Client(message)
    }
}

impl From<&str> for EditError {
    fn from(message: &str) -> Self {
        EditError::Client(message.to_string())
    }
}

type Edit<'a> = &'a mut dyn FnMut(&mut Value) -> Result<(), EditError>;

/// Reads an object as JSON, edits it, and writes it back if the edit changed it.
struct Modify<'a> {
    cluster: &'a mut Cluster,
    namespace: &'a str,
    name: &'a str,
    edit: Edit<'a>,
    dry_run: bool,
}

impl KindVisitor for Modify<'_> {
    type Output = Result<bool, Failure>;

    fn visit<T: Stored + Schema>(self) -> Self::Output {
        let ns = if T::OBJECT_KIND.namespaced() {
            self.namespace
        } else {
            ""
        };
        let current = self.cluster.get::<T>(ns, self.name).map_err(Failure::Api)?;
        let before =
            serde_json::to_value(current.as_ref()).map_err(|e| Failure::Client(e.to_string()))?;
        let mut after = before.clone();
        (self.edit)(&mut after).map_err(|e| match e {
            EditError::Unprocessable => {
                Failure::Unprocessable(T::OBJECT_KIND, self.name.to_string())
            }
            EditError::Client(m) => Failure::Client(m),
        })?;
        if after == before {
            return Ok(false);
        }
        let mut obj: T =
            serde_json::from_value(after).map_err(|e| Failure::Client(e.to_string()))?;
        obj.metadata_mut().resource_version = None;
        let stored = self
            .cluster
            .update_with(obj, self.dry_run)
            .map_err(Failure::Api)?;
        Ok(stored.metadata().resource_version != current.metadata().resource_version)
    }
}

fn namespace(inv: &Invocation) -> String {
    inv.flags
        .namespace
        .clone()
        .unwrap_or_else(|| crate::exec::DEFAULT_NAMESPACE.to_string())
}

fn dry_run_suffix(inv: &Invocation) -> &'static str {
    match inv.flags.dry_run.as_deref() {
        Some("server") => " (server dry run)",
        Some("client") => " (dry run)",
        _ => "",
    }
}

/// What kubectl prints for an object the command left as it was.
#[derive(Clone, Copy)]
enum Unchanged<'a> {
    /// The same as for a change.
    Same,
    /// Its own word (`patched (no change)`, `not labeled`).
    Word(&'a str),
    /// Nothing (`set` skips the request when its patch is empty).
    Silent,
}

/// The objects a command's targets name: each `kind name`, or every object of the kind that the
/// label selector (`-l`, or `--all`'s empty one) matches in the namespace or, with `-A`, in all.
/// Kinds resolve before anything is listed, as kubectl builds all its infos first.
fn objects_of(
    cluster: &Cluster,
    inv: &Invocation,
    out: &mut Output,
) -> Result<Vec<(Kind, String, String)>, Output> {
    let ns = namespace(inv);
    let selector = LabelQuery::parse(inv.flags.selector.as_deref().unwrap_or(""))
        .map_err(|e| Output::error(format!("error: {e}\n"), 1))?;
    let mut objects = Vec::new();
    for target in &inv.targets {
        let Some(kind) = resolve_or_report(&target.resource, out) else {
            continue;
        };
        match &target.name {
            Some(name) => objects.push((kind, ns.clone(), name.clone())),
            None => {
                let namespaces: Vec<String> = if inv.flags.all_namespaces {
                    cluster
                        .list::<Namespace>()
                        .filter_map(|n| n.metadata.name.clone())
                        .collect()
                } else {
                    vec![ns.clone()]
                };
                for n in namespaces {
                    for name in kind.visit(crate::rollout::ListNames {
                        cluster,
                        ns: &n,
                        selector: &selector,
                    }) {
                        objects.push((kind, n.clone(), name));
                    }
                }
            }
        }
    }
    Ok(objects)
}

/// Applies `edit` to every target and prints `kind/name <verb>` per object.
fn modify_targets(
    cluster: &mut Cluster,
    inv: &Invocation,
    verb: &str,
    unchanged: Unchanged<'_>,
    if_none: Option<&str>,
    mut edit: impl FnMut(Kind, &mut Value) -> Result<(), EditError>,
) -> Output {
    let mut out = Output::default();
    let objects = match objects_of(cluster, inv, &mut out) {
        Ok(objects) => objects,
        Err(e) => return e,
    };
    if let Some(message) = if_none
        && objects.is_empty()
        && out.exit_code == 0
    {
        return Output::error(format!("{message}\n"), 1);
    }
    let dry_client = inv.flags.dry_run.as_deref() == Some("client");
    for (kind, ns, name) in &objects {
        let kind = *kind;
        let mut f = |v: &mut Value| edit(kind, v);
        let result = if dry_client {
            // Client dry run: kubectl only reads the object.
            cluster_get_json(cluster, kind, ns, name).map(|_| true)
        } else {
            kind.visit(Modify {
                cluster,
                namespace: ns,
                name,
                edit: &mut f,
                dry_run: inv.flags.dry_run.as_deref() == Some("server"),
            })
        };
        match result {
            Ok(true) => out.stdout.push_str(&format!(
                "{}/{name} {verb}{}\n",
                kind_prefix(kind),
                dry_run_suffix(inv)
            )),
            Ok(false) => {
                let word = match unchanged {
                    Unchanged::Same => verb,
                    Unchanged::Word(w) => w,
                    Unchanged::Silent => continue,
                };
                out.stdout.push_str(&format!(
                    "{}/{name} {word}{}\n",
                    kind_prefix(kind),
                    dry_run_suffix(inv)
                ));
            }
            Err(f) => {
                out.stderr.push_str(&failure_output(f));
                out.exit_code = 1;
            }
        }
    }
    out
}

/// The kind of a resource word, or kubectl's unknown-type error added to `out`.
fn resolve_or_report(word: &str, out: &mut Output) -> Option<Kind> {
    let kind = resolve_kind(word);
    if kind.is_none() {
        out.stderr.push_str(&format!(
            "error: the server doesn't have a resource type \"{word}\"\n"
        ));
        out.exit_code = 1;
    }
    kind
}

fn cluster_get_json(cluster: &Cluster, kind: Kind, ns: &str, name: &str) -> Result<Value, Failure> {
    struct GetJson<'a> {
        cluster: &'a Cluster,
        ns: &'a str,
        name: &'a str,
    }
    impl KindVisitor for GetJson<'_> {
        type Output = Result<Value, Failure>;
        fn visit<T: Stored + Schema>(self) -> Self::Output {
            let ns = if T::OBJECT_KIND.namespaced() {
                self.ns
            } else {
                ""
            };
            let obj = self.cluster.get::<T>(ns, self.name).map_err(Failure::Api)?;
            serde_json::to_value(obj.as_ref()).map_err(|e| Failure::Client(e.to_string()))
        }
    }
    kind.visit(GetJson { cluster, ns, name })
}

pub fn scale(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let replicas = inv.flags.replicas.unwrap_or(0);
    // A selector that matches nothing leaves kubectl scale with nothing to do, which it reports.
    let if_none = Some("error: no objects passed to scale");
    let mut out = modify_targets(cluster, inv, "scaled", Unchanged::Same, if_none, |_, v| {
        v["spec"]["replicas"] = json!(replicas);
        Ok(())
    });
    // kubectl scale resolves its objects before scaling and words a miss its own way.
    out.stderr = out
        .stderr
        .lines()
        .map(|l| match l.strip_prefix("Error from server (NotFound): ") {
            Some(msg) => format!("error: no objects passed to scale {msg}\n"),
            None => format!("{l}\n"),
        })
        .collect();
    out
}

pub fn patch(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let body = inv.flags.patch.clone().unwrap_or_default();
    let patch_type = match inv.flags.patch_type.as_deref() {
        Some("json") => PatchType::Json,
        Some("merge") => PatchType::Merge,
        _ => PatchType::Strategic,
    };
    let mut warnings = String::new();
    let mut out = modify_targets(
        cluster,
        inv,
        "patched",
        Unchanged::Word("patched (no change)"),
        None,
        |kind, v| {
            *v = patch::apply(kind.name(), v, patch_type, body.as_bytes()).map_err(|e| {
                if e.code() == 422 {
                    EditError::Unprocessable
                } else {
                    EditError::Client(e.to_string())
                }
            })?;
            // The API server warns about fields the schema does not declare (its default
            // `fieldValidation=Warn`, which `kubectl patch` does not override).
            for warning in crate::field_validation::unknown_field_errors(kind, v) {
                warnings.push_str(&format!("Warning: {warning}\n"));
            }
            Ok(())
        },
    );
    out.stderr.insert_str(0, &warnings);
    out
}

/// `label` and `annotate`: `key=value` sets, `key-` removes; existing keys need `--overwrite`.
fn set_metadata_map(
    cluster: &mut Cluster,
    inv: &Invocation,
    field: &str,
    verb: &str,
    unchanged: &str,
) -> Output {
    let overwrite = inv.flags.overwrite;
    let changes = inv.operands.clone();
    modify_targets(
        cluster,
        inv,
        verb,
        Unchanged::Word(unchanged),
        None,
        |_, v| {
            let map = v["metadata"]
                .as_object_mut()
                .ok_or("object has no metadata")?
                .entry(field)
                .or_insert_with(|| json!({}));
            for change in &changes {
                if let Some(key) = change.strip_suffix('-') {
                    if let Some(m) = map.as_object_mut() {
                        m.remove(key);
                    }
                } else if let Some((key, value)) = change.split_once('=') {
                    if !overwrite && map.get(key).is_some_and(|old| old != value) {
                        return Err(format!(
                            "'{key}' already has a value ({}), and --overwrite is false",
                            map[key].as_str().unwrap_or("")
                        )
                        .into());
                    }
                    map[key] = json!(value);
                }
            }
            if map.as_object().is_some_and(|m| m.is_empty()) {
                v["metadata"].as_object_mut().map(|m| m.remove(field));
            }
            Ok(())
        },
    )
}

pub fn label(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let only_removals = inv.operands.iter().all(|c| c.ends_with('-'));
    let verb = if only_removals {
        "unlabeled"
    } else {
        "labeled"
    };
    set_metadata_map(cluster, inv, "labels", verb, "not labeled")
}

pub fn annotate(cluster: &mut Cluster, inv: &Invocation) -> Output {
    set_metadata_map(cluster, inv, "annotations", "annotated", "annotated")
}

pub fn rollout_restart(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let now = serde_json::to_value(cluster.now().time()).unwrap_or_default();
    modify_targets(cluster, inv, "restarted", Unchanged::Same, None, |_, v| {
        v["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] =
            now.clone();
        Ok(())
    })
}

pub fn delete(cluster: &mut Cluster, inv: &Invocation) -> Output {
    struct Delete<'a> {
        cluster: &'a mut Cluster,
        ns: &'a str,
        name: &'a str,
        opts: DeleteOptions,
    }
    impl KindVisitor for Delete<'_> {
        type Output = Result<(), ApiError>;
        fn visit<T: Stored + Schema>(self) -> Self::Output {
            self.cluster
                .delete::<T>(self.ns, self.name, self.opts)
                .map(|_| ())
        }
    }
    let mut out = Output::default();
    let opts = DeleteOptions {
        grace_period_seconds: inv.flags.grace_period.filter(|g| *g >= 0),
        dry_run: inv.flags.dry_run.as_deref() == Some("server"),
        ..Default::default()
    };
    let by_selector = inv.flags.selector.is_some() || inv.flags.all;
    let named = inv.targets.iter().any(|t| t.name.is_some());
    if named && by_selector {
        return Output::error(
            "error: name cannot be provided when a selector is specified\n".into(),
            1,
        );
    }
    if !named && !by_selector {
        return Output::error(
            "error: resource(s) were provided, but no name was specified\n".into(),
            1,
        );
    }
    let doomed = match objects_of(cluster, inv, &mut out) {
        Ok(objects) => objects,
        Err(e) => return e,
    };
    if !named && doomed.is_empty() && out.exit_code == 0 {
        out.stdout.push_str("No resources found\n");
        return out;
    }
    for (kind, ns, name) in &doomed {
        match kind.visit(Delete {
            cluster,
            ns,
            name,
            opts,
        }) {
            Ok(()) => out.stdout.push_str(&format!(
                "{} \"{name}\" deleted{}\n",
                crate::get::kind_prefix(*kind),
                dry_run_suffix(inv)
            )),
            Err(e) => {
                out.stderr.push_str(&format!(
                    "Error from server ({}): {}\n",
                    e.reason, e.message
                ));
                out.exit_code = 1;
            }
        }
    }
    out
}

/// The containers of a pod or of a workload's pod template.
fn containers_of(v: &mut Value) -> Result<&mut Vec<Value>, EditError> {
    let spec = if v.pointer("/spec/template/spec").is_some() {
        v.pointer_mut("/spec/template/spec")
    } else {
        v.pointer_mut("/spec")
    };
    spec.and_then(|s| s.get_mut("containers"))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| "the object has no containers".into())
}

/// Whether a `-c` pattern (`*`, a name, or names with `*`) selects a container.
fn selects(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, suffix)) => {
            name.len() >= prefix.len() + suffix.len()
                && name.starts_with(prefix)
                && name.ends_with(suffix)
        }
    }
}

pub fn set_image(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let pairs: Vec<(String, String)> = inv
        .operands
        .iter()
        .filter_map(|p| p.split_once('='))
        .map(|(c, i)| (c.to_string(), i.to_string()))
        .collect();
    modify_targets(
        cluster,
        inv,
        "image updated",
        Unchanged::Silent,
        None,
        |_, v| {
            let containers = containers_of(v)?;
            for (name, image) in &pairs {
                let mut found = false;
                for c in containers.iter_mut() {
                    if name == "*" || c["name"].as_str() == Some(name) {
                        c["image"] = json!(image);
                        found = true;
                    }
                }
                if !found {
                    return Err(format!("unable to find container named \"{name}\"").into());
                }
            }
            Ok(())
        },
    )
}

/// `cpu=200m,memory=512Mi` as a JSON map.
fn resource_list(spec: &str) -> Result<serde_json::Map<String, Value>, EditError> {
    let mut out = serde_json::Map::new();
    for part in spec.split(',').filter(|p| !p.is_empty()) {
        let (k, q) = part
            .split_once('=')
            .ok_or_else(|| EditError::from(format!("invalid resource specification {part:?}")))?;
        if cluster::quantity::parse_milli(q).is_err() {
            return Err(cluster::quantity::ParseQuantityError.to_string().into());
        }
        out.insert(k.to_string(), json!(q));
    }
    Ok(out)
}

pub fn set_resources(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let pattern = inv.flags.containers.clone().unwrap_or_else(|| "*".into());
    let limits = inv.flags.limits.clone().unwrap_or_default();
    let requests = inv.flags.requests.clone().unwrap_or_default();
    modify_targets(
        cluster,
        inv,
        "resource requirements updated",
        Unchanged::Silent,
        None,
        |_, v| {
            let limits = resource_list(&limits)?;
            let requests = resource_list(&requests)?;
            for c in containers_of(v)?
                .iter_mut()
                .filter(|c| selects(&pattern, c["name"].as_str().unwrap_or("")))
            {
                for (field, values) in [("limits", &limits), ("requests", &requests)] {
                    if values.is_empty() {
                        continue;
                    }
                    let section = c["resources"][field]
                        .as_object()
                        .cloned()
                        .unwrap_or_default();
                    let mut merged = section;
                    merged.extend(values.clone());
                    c["resources"][field] = Value::Object(merged);
                }
            }
            Ok(())
        },
    )
}

pub fn set_env(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let pattern = inv.flags.containers.clone().unwrap_or_else(|| "*".into());
    let changes: Vec<String> = inv
        .operands
        .iter()
        .chain(inv.flags.env.iter())
        .cloned()
        .collect();
    modify_targets(
        cluster,
        inv,
        "env updated",
        Unchanged::Silent,
        None,
        |_, v| {
            for c in containers_of(v)?
                .iter_mut()
                .filter(|c| selects(&pattern, c["name"].as_str().unwrap_or("")))
            {
                let mut env: Vec<Value> = c["env"].as_array().cloned().unwrap_or_default();
                for change in &changes {
                    if let Some((key, value)) = change.split_once('=') {
                        match env.iter_mut().find(|e| e["name"] == key) {
                            Some(e) => *e = json!({"name": key, "value": value}),
                            None => env.push(json!({"name": key, "value": value})),
                        }
                    } else if let Some(key) = change.strip_suffix('-') {
                        env.retain(|e| e["name"] != key);
                    }
                }
                match env.is_empty() {
                    true => {
                        c.as_object_mut().map(|m| m.remove("env"));
                    }
                    false => c["env"] = Value::Array(env),
                }
            }
            Ok(())
        },
    )
}
