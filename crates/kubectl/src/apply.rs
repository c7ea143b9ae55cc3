//! `kubectl apply -f -` (client-side apply) and `kubectl create -f -`: the objects of a manifest
//! on standard input, created, or patched with the three-way strategic merge patch kubectl
//! computes from the `last-applied-configuration` annotation, with kubectl's messages.

use cluster::{ApiError, Cluster, Kind, KindVisitor, Reason, Schema, Stored};
use serde_json::{Map, Value};

use crate::field_validation::{self, FieldValidation};
use crate::get::kind_prefix;
use crate::grammar::{Invocation, Output as OutputFlag};
use crate::manifest::{self, Info, SOURCE};
use crate::output::{self, Output};
use crate::patch::{self, PatchType};

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// An error kubectl collects while it goes on with the other objects.
pub(crate) enum Failure {
    /// From the API server; `doing` is kubectl's `error when <doing> "STDIN"` prefix.
    Api(ApiError, Option<String>),
    /// A client-side error, printed as `error: ...` alone.
    Plain(String),
}

impl Failure {
    /// What kubectl prints for this error when it is the only one (`CheckErr`).
    fn alone(&self) -> String {
        match self {
            Failure::Api(e, _) if e.reason == Reason::Invalid && !e.causes.is_empty() => {
                let head = match e.message.split_once(" is invalid") {
                    // No kind and no name in the Status details.
                    Some((" \"\"", _)) => "The request",
                    Some((head, _)) => head,
                    None => e.message.as_str(),
                };
                let causes: Vec<String> = e.causes.iter().map(ToString::to_string).collect();
                if let [one] = causes.as_slice() {
                    format!("{head} is invalid: {one}\n")
                } else {
                    let mut text = format!("{head} is invalid: \n");
                    for c in causes {
                        text.push_str(&format!("* {c}\n"));
                    }
                    text
                }
            }
            Failure::Api(..) => format!("{}\n", self.in_list()),
            Failure::Plain(m) => format!("error: {m}\n"),
        }
    }

    /// What kubectl prints for this error among several (`MultipleErrors`).
    fn in_list(&self) -> String {
        match self {
            Failure::Api(e, doing) => {
                let message = match doing {
                    Some(doing) => format!("error when {doing} \"{SOURCE}\": {}", e.message),
                    None => e.message.clone(),
                };
                format!("Error from server ({}): {message}", e.reason)
            }
            Failure::Plain(m) => m.clone(),
        }
    }
}

/// kubectl's report of the errors it collected, and its exit code.
pub(crate) fn report(failures: &[Failure], out: &mut Output) {
    match failures {
        [] => {}
        [one] => {
            out.stderr.push_str(&one.alone());
            out.exit_code = 1;
        }
        many => {
            for f in many {
                out.stderr.push_str(&f.in_list());
                out.stderr.push('\n');
            }
            out.exit_code = 1;
        }
    }
}

/// Kind-generic reads and writes on the cluster, as the API server's handlers make them.
enum Op<'a> {
    Get,
    Create(&'a Value),
    StrategicPatch(&'a [u8]),
}

struct Store<'a> {
    cluster: &'a mut Cluster,
    namespace: &'a str,
    name: &'a str,
    op: Op<'a>,
    dry_run: bool,
    validation: FieldValidation,
    /// The API server's `Warning` headers, which kubectl prints as they arrive.
    warnings: &'a mut String,
}

impl Store<'_> {
    /// Undeclared fields in what a write would store: under `Strict` the error the API server
    /// answers with, under `Warn` its warnings.
    fn check_fields(
        &mut self,
        kind: Kind,
        object: &Value,
        refuse: impl FnOnce(&[String]) -> ApiError,
    ) -> Result<(), ApiError> {
        let unknown = field_validation::unknown_field_errors(kind, object);
        match self.validation {
            _ if unknown.is_empty() => Ok(()),
            FieldValidation::Strict => Err(refuse(&unknown)),
            FieldValidation::Warn => {
                for warning in unknown {
                    self.warnings.push_str(&format!("Warning: {warning}\n"));
                }
                Ok(())
            }
            FieldValidation::Ignore => Ok(()),
        }
    }
}

impl KindVisitor for Store<'_> {
    type Output = Result<Value, ApiError>;

    fn visit<T: Stored + Schema>(mut self) -> Self::Output {
        let kind = T::OBJECT_KIND;
        let ns = if kind.namespaced() {
            self.namespace
        } else {
            ""
        };
        let to_json = |o: &T| serde_json::to_value(o).unwrap_or(Value::Null);
        match self.op {
            Op::Get => Ok(to_json(self.cluster.get::<T>(ns, self.name)?.as_ref())),
            Op::Create(object) => {
                self.check_fields(kind, object, |unknown| {
                    ApiError::bad_request(field_validation::undecodable_message(kind, unknown))
                })?;
                // The bytes kubectl sends, decoded as the API server decodes a POST body.
                let body = manifest::go_json(object);
                let mut obj: T = serde_json::from_str(&body)
                    .map_err(|e| ApiError::bad_request(format!("error decoding body: {e}")))?;
                if kind.namespaced() {
                    obj.metadata_mut().namespace = Some(ns.to_string());
                }
                let stored = self.cluster.create_with(obj, self.dry_run)?;
                Ok(to_json(stored.as_ref()))
            }
            Op::StrategicPatch(body) => {
                let current = self.cluster.get::<T>(ns, self.name)?;
                let mut patched = patch::apply(
                    kind.name(),
                    &to_json(current.as_ref()),
                    PatchType::Strategic,
                    body,
                )
                .map_err(|e| ApiError {
                    reason: if e.code() == 422 {
                        Reason::Invalid
                    } else {
                        Reason::BadRequest
                    },
                    message: e.to_string(),
                    causes: Vec::new(),
                })?;
                self.check_fields(kind, &patched, |unknown| {
                    // The strategic merge patcher shows the patch as Go prints a map.
                    let sent = serde_json::from_slice(body).unwrap_or_default();
                    let cause = field_validation::invalid_patch_cause(
                        &field_validation::go_format(&sent),
                        unknown,
                    );
                    ApiError {
                        reason: Reason::Invalid,
                        message: format!(" \"\" is invalid: {cause}"),
                        causes: vec![cause],
                    }
                })?;
                patch::drop_empty_lists(&mut patched);
                let mut obj: T = serde_json::from_value(patched)
                    .map_err(|e| ApiError::bad_request(e.to_string()))?;
                obj.metadata_mut().name = Some(self.name.to_string());
                if kind.namespaced() {
                    obj.metadata_mut().namespace = Some(ns.to_string());
                }
                obj.metadata_mut().resource_version = None;
                let stored = self.cluster.update_with(obj, self.dry_run)?;
                Ok(to_json(stored.as_ref()))
            }
        }
    }
}

/// How a write is made: kubectl's `--dry-run=server` and `--validate`, and where the server's
/// warnings go.
pub(crate) struct Write<'a> {
    pub dry_run: bool,
    pub validation: FieldValidation,
    pub warnings: &'a mut String,
}

impl<'a> Write<'a> {
    pub fn new(inv: &Invocation, warnings: &'a mut String) -> Self {
        Write {
            dry_run: inv.flags.dry_run.as_deref() == Some("server"),
            validation: FieldValidation::from_flag(inv.flags.validate.as_deref()),
            warnings,
        }
    }
}

fn store(
    cluster: &mut Cluster,
    info: &Info,
    op: Op<'_>,
    write: Write<'_>,
) -> Result<Value, ApiError> {
    // The API server lets the controllers react before it answers each request.
    cluster.settle();
    info.kind.visit(Store {
        cluster,
        namespace: &info.namespace,
        name: &info.name,
        op,
        dry_run: write.dry_run,
        validation: write.validation,
        warnings: write.warnings,
    })
}

pub(crate) fn get(cluster: &mut Cluster, info: &Info) -> Result<Value, ApiError> {
    let mut ignored = String::new();
    let read = Write {
        dry_run: false,
        validation: FieldValidation::Ignore,
        warnings: &mut ignored,
    };
    store(cluster, info, Op::Get, read)
}

pub(crate) fn create(
    cluster: &mut Cluster,
    info: &Info,
    write: Write<'_>,
) -> Result<Value, ApiError> {
    store(cluster, info, Op::Create(&info.object), write)
}

/// `GetModifiedConfiguration`: the object as JSON without the annotation, with `annotations`
/// present (empty) even when the manifest had none.
pub(crate) fn configuration(object: &Value) -> String {
    let mut object = object.clone();
    let annotations = object["metadata"]
        .get_mut("annotations")
        .and_then(Value::as_object_mut)
        .map(|a| {
            a.remove(LAST_APPLIED);
            a.clone()
        })
        .unwrap_or_default();
    if !object["metadata"].is_object() {
        object["metadata"] = Value::Object(Map::new());
    }
    object["metadata"]["annotations"] = Value::Object(annotations);
    let mut text = manifest::go_json(&object);
    text.push('\n');
    text
}

/// The object carrying its own configuration in the annotation.
pub(crate) fn annotated(object: &Value) -> Value {
    let config = configuration(object);
    let mut object = object.clone();
    if !object["metadata"].is_object() {
        object["metadata"] = Value::Object(Map::new());
    }
    if !object["metadata"]["annotations"].is_object() {
        object["metadata"]["annotations"] = Value::Object(Map::new());
    }
    object["metadata"]["annotations"][LAST_APPLIED] = Value::String(config);
    object
}

fn prune_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(prune_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(prune_nulls),
        _ => {}
    }
}

/// `info.ObjectName()`: the plural without its group.
fn plural_name(kind: Kind, name: &str) -> String {
    format!("{}/{name}", kind.plural())
}

/// `error when retrieving current configuration of:` for an object without a name.
fn unnamed(info: &Info) -> String {
    let kind = info.kind;
    let gv = kind.api_version();
    let group_version = if kind.group().is_empty() {
        format!("/{gv}")
    } else {
        gv.to_string()
    };
    format!(
        "error when retrieving current configuration of:\nResource: \"{group_version}, Resource={}\", GroupVersionKind: \"{group_version}, Kind={}\"\nName: \"\", Namespace: \"{}\"\nfrom server for: \"{SOURCE}\": resource name may not be empty",
        kind.plural(),
        kind.name(),
        info.namespace
    )
}

pub(crate) fn dry_run_suffix(inv: &Invocation) -> &'static str {
    match inv.flags.dry_run.as_deref() {
        Some("server") => " (server dry run)",
        Some("client") => " (dry run)",
        _ => "",
    }
}

pub(crate) fn namespace(inv: &Invocation) -> (String, bool) {
    match &inv.flags.namespace {
        Some(ns) => (ns.clone(), true),
        None => (crate::exec::DEFAULT_NAMESPACE.to_string(), false),
    }
}

/// Prints objects for `-o yaml|json` as kubectl's apply does: one object alone, several as a
/// `List`.
pub(crate) fn print_objects(format: &OutputFlag, mut objects: Vec<Value>) -> String {
    let doc = if objects.len() == 1 {
        objects.pop().unwrap_or_default()
    } else {
        serde_json::json!({"apiVersion": "v1", "items": objects, "kind": "List", "metadata": {}})
    };
    match format {
        OutputFlag::Json => output::json(&doc),
        _ => output::yaml(&doc),
    }
}

/// `kubectl apply -f -`.
pub fn apply(cluster: &mut Cluster, inv: &Invocation) -> Output {
    if inv.flags.server_side {
        return Output::error(
            "error: apply --server-side is not supported by the simulated cluster's kubectl yet\n"
                .into(),
            1,
        );
    }
    if inv.flags.prune {
        return Output::error(
            "error: apply --prune is not supported by the simulated cluster's kubectl yet\n".into(),
            1,
        );
    }
    let (ns, enforce) = namespace(inv);
    let read = manifest::read(
        inv.flags.stdin_manifest.as_deref().unwrap_or(""),
        &ns,
        enforce,
    );
    let mut failures: Vec<Failure> = read.errors.into_iter().map(Failure::Plain).collect();
    let mut out = Output::default();
    if read.infos.is_empty() && failures.is_empty() {
        return Output::error("error: no objects passed to apply\n".into(), 1);
    }
    let dry = inv.flags.dry_run.as_deref();
    let client_dry = dry == Some("client");
    let suffix = dry_run_suffix(inv);
    let print_objects_at_end =
        matches!(inv.flags.output, Some(OutputFlag::Yaml | OutputFlag::Json));
    let mut printed: Vec<Value> = Vec::new();
    let mut printer_failed = false;
    for info in &read.infos {
        if info.name.is_empty() {
            let generate = info.object["metadata"]["generateName"]
                .as_str()
                .unwrap_or("");
            failures.push(Failure::Plain(if generate.is_empty() {
                unnamed(info)
            } else {
                format!("from {generate}: cannot use generate name with apply")
            }));
            continue;
        }
        let modified = annotated(&info.object);
        let line = |op: &str| match &inv.flags.output {
            Some(OutputFlag::Name) => format!("{}/{}\n", kind_prefix(info.kind), info.name),
            _ => format!("{}/{} {op}{suffix}\n", kind_prefix(info.kind), info.name),
        };
        let result = match get(cluster, info) {
            Err(e) if e.reason == Reason::NotFound => {
                let mut object = modified.clone();
                // The annotation holds the configuration before nulls are pruned.
                object["metadata"]["annotations"][LAST_APPLIED] =
                    Value::String(configuration(&info.object));
                prune_nulls(&mut object);
                let created = if client_dry {
                    Ok(object)
                } else {
                    let to_create = Info {
                        object,
                        ..info.clone()
                    };
                    create(cluster, &to_create, Write::new(inv, &mut out.stderr))
                };
                created
                    .map(|o| (o, "created"))
                    .map_err(|e| Failure::Api(e, Some("creating".into())))
            }
            Err(e) => Err(Failure::Api(
                e,
                Some("retrieving current configuration of".into()),
            )),
            Ok(live) if client_dry => Ok((live, "configured")),
            Ok(live) => {
                let original = live["metadata"]["annotations"][LAST_APPLIED]
                    .as_str()
                    .and_then(|s| serde_json::from_str::<Value>(s).ok())
                    .unwrap_or(Value::Null);
                if live["metadata"]["annotations"][LAST_APPLIED].is_null() {
                    out.stderr.push_str(&format!(
                        "Warning: resource {} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n",
                        plural_name(info.kind, &info.name)
                    ));
                }
                let patch = crate::three_way::create(info.kind.name(), &original, &modified, &live);
                if patch.is_empty() {
                    Ok((live, "unchanged"))
                } else {
                    let body = manifest::go_json(&Value::Object(patch));
                    store(
                        cluster,
                        info,
                        Op::StrategicPatch(body.as_bytes()),
                        Write::new(inv, &mut out.stderr),
                    )
                    .map(|o| (o, "configured"))
                    .map_err(|e| Failure::Api(e, Some("applying patch".into())))
                }
            }
        };
        match result {
            Ok((object, op)) => {
                if inv.deferred_error.is_some() {
                    // The printer fails after the change is made; kubectl reports it once.
                    printer_failed = true;
                } else if print_objects_at_end {
                    printed.push(object);
                } else {
                    out.stdout.push_str(&line(op));
                }
            }
            Err(f) => failures.push(f),
        }
    }
    if printer_failed && let Some(err) = &inv.deferred_error {
        failures.push(Failure::Plain(
            err.message
                .trim_end()
                .trim_start_matches("error: ")
                .to_string(),
        ));
    }
    if failures.is_empty()
        && let Some(format) = &inv.flags.output
        && print_objects_at_end
    {
        out.stdout.push_str(&print_objects(format, printed));
    }
    report(&failures, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::run;

    const CM: &str =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: \"1\"\n";

    #[test]
    fn every_way_of_feeding_standard_input_applies() {
        let mut c = Cluster::baseline(1);
        let out = run(&mut c, &format!("kubectl apply -f - <<EOF\n{CM}EOF"));
        assert_eq!(out.stdout, "configmap/demo created\n", "{}", out.stderr);
        let out = run(
            &mut c,
            &format!("cat <<'EOF' | kubectl apply -f -\n{CM}EOF"),
        );
        assert_eq!(out.stdout, "configmap/demo unchanged\n", "{}", out.stderr);
        let json = r#"echo '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"demo"},"data":{"a":"2"}}' | kubectl apply -f -"#;
        let out = run(&mut c, json);
        assert_eq!(out.stdout, "configmap/demo configured\n", "{}", out.stderr);
        let out = run(&mut c, "kubectl get cm demo -o jsonpath={.data.a}");
        assert_eq!(out.stdout, "2");
    }

    #[test]
    fn the_annotation_holds_the_configuration_as_kubectl_writes_it() {
        let mut c = Cluster::baseline(1);
        run(
            &mut c,
            &format!("kubectl apply -f - -n payments <<EOF\n{CM}EOF"),
        );
        let cm = c
            .get::<cluster::k8s_openapi::api::core::v1::ConfigMap>("payments", "demo")
            .unwrap();
        let annotation = cm.metadata.annotations.as_ref().unwrap()[LAST_APPLIED].clone();
        assert_eq!(
            annotation,
            "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"1\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"name\":\"demo\",\"namespace\":\"payments\"}}\n"
        );
    }

    #[test]
    fn dry_runs_and_failures_change_nothing() {
        let mut c = Cluster::baseline(1);
        let before = c.resource_version();
        for line in [
            format!("kubectl apply -f - --dry-run=client <<EOF\n{CM}EOF"),
            format!("kubectl apply -f - --dry-run=server <<EOF\n{CM}EOF"),
            format!("kubectl create -f - --dry-run=server <<EOF\n{CM}EOF"),
            "kubectl apply -f - <<EOF\nkind: Foo\napiVersion: v9\nEOF".to_string(),
            "kubectl apply -f - <<EOF\n: [\nEOF".to_string(),
            "kubectl apply -f - <<EOF\nEOF".to_string(),
            "kubectl create deployment x --image=nginx --dry-run=client".to_string(),
        ] {
            let out = run(&mut c, &line);
            assert!(out.stdout.is_empty() || out.exit_code == 0, "{line}");
        }
        assert_eq!(c.resource_version(), before);
    }

    #[test]
    fn odd_manifests_are_refused_or_applied_without_panicking() {
        let mut c = Cluster::baseline(1);
        for body in [
            "apiVersion: v1\nkind: ConfigMap\nmetadata: 5\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations: [1]\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '[not json'\n",
            "apiVersion: v1\nkind: List\nitems: [1, \"x\", null]\n",
            "apiVersion: v1\nkind: ConfigMapList\nitems: 7\n",
            "- a\n- b\n",
            "42\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: [1, 2]\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      containers: [{}, {name: 1}]\n",
        ] {
            for verb in ["apply", "create"] {
                let out = run(&mut c, &format!("kubectl {verb} -f - <<'EOF'\n{body}EOF"));
                assert!(
                    out.exit_code == 0 || !out.stderr.is_empty(),
                    "{verb} {body}"
                );
            }
        }
        // Applying twice over an object with a broken annotation still converges.
        let again = "kubectl apply -f - <<'EOF'\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\nEOF";
        run(&mut c, again);
        assert_eq!(run(&mut c, again).stdout, "configmap/b unchanged\n");
    }

    #[test]
    fn imperative_creates_store_the_objects() {
        let mut c = Cluster::baseline(1);
        let out = run(&mut c, "kubectl create namespace staging");
        assert_eq!(out.stdout, "namespace/staging created\n", "{}", out.stderr);
        let out = run(
            &mut c,
            "kubectl create configmap settings -n staging --from-literal=mode=fast",
        );
        assert_eq!(out.stdout, "configmap/settings created\n", "{}", out.stderr);
        let out = run(
            &mut c,
            "kubectl create secret generic token -n staging --from-literal=t=abc",
        );
        assert_eq!(out.stdout, "secret/token created\n", "{}", out.stderr);
        let out = run(
            &mut c,
            "kubectl create deployment web -n staging --image=nginx:1.25 --replicas=2",
        );
        assert_eq!(
            out.stdout, "deployment.apps/web created\n",
            "{}",
            out.stderr
        );
        let out = run(&mut c, "kubectl create configmap settings -n staging");
        assert_eq!(
            out.stderr,
            "error: failed to create configmap: configmaps \"settings\" already exists\n"
        );
        let out = run(
            &mut c,
            "kubectl get secret token -n staging -o jsonpath={.data.t}",
        );
        assert_eq!(out.stdout, "YWJj");
        c.advance(std::time::Duration::from_secs(60));
        let out = run(
            &mut c,
            "kubectl get deploy web -n staging -o jsonpath={.status.readyReplicas}",
        );
        assert_eq!(out.stdout, "2");
    }
}
