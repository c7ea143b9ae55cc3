//! `kubectl create -f -` and the imperative `create namespace|configmap|secret generic|
//! deployment`.

use base64::Engine;
use cluster::{Cluster, Kind};
use serde_json::{Map, Value, json};

use crate::apply::{self, Failure, LAST_APPLIED};
use crate::get::kind_prefix;
use crate::grammar::{CreateWhat, Invocation, Output as OutputFlag};
use crate::manifest::{self, Info};
use crate::output::{self, Output};

pub fn create(cluster: &mut Cluster, inv: &Invocation, what: CreateWhat) -> Output {
    match what {
        CreateWhat::FromFile => from_file(cluster, inv),
        _ => imperative(cluster, inv, what),
    }
}

/// Prints one created object as kubectl's printers do: a line, a name, or the object (YAML
/// documents separated by `---`).
pub(crate) fn print_created(inv: &Invocation, info: &Info, object: &Value, count: usize) -> String {
    match &inv.flags.output {
        Some(OutputFlag::Name) => format!("{}/{}\n", kind_prefix(info.kind), info.name_of(object)),
        Some(OutputFlag::Json) => output::json(object),
        Some(OutputFlag::Yaml) => {
            let sep = if count > 0 { "---\n" } else { "" };
            format!("{sep}{}", output::yaml(object))
        }
        _ => format!(
            "{}/{} created{}\n",
            kind_prefix(info.kind),
            info.name_of(object),
            apply::dry_run_suffix(inv)
        ),
    }
}

fn from_file(cluster: &mut Cluster, inv: &Invocation) -> Output {
    let (ns, enforce) = apply::namespace(inv);
    let read = manifest::read(
        inv.flags.stdin_manifest.as_deref().unwrap_or(""),
        &ns,
        enforce,
    );
    let mut failures: Vec<Failure> = read.errors.into_iter().map(Failure::Plain).collect();
    if read.infos.is_empty() && failures.is_empty() {
        return Output::error("error: no objects passed to create\n".into(), 1);
    }
    let dry = inv.flags.dry_run.as_deref();
    let mut out = Output::default();
    let mut printed = 0;
    for info in &read.infos {
        let mut info = info.clone();
        if inv.flags.save_config {
            let config = apply::configuration(&info.object);
            info.object = apply::annotated(&info.object);
            info.object["metadata"]["annotations"][LAST_APPLIED] = Value::String(config);
        }
        let result = if dry == Some("client") {
            Ok(info.object.clone())
        } else {
            apply::create(cluster, &info, apply::Write::new(inv, &mut out.stderr))
        };
        match result {
            Ok(object) => {
                out.stdout
                    .push_str(&print_created(inv, &info, &object, printed));
                printed += 1;
            }
            Err(e) => failures.push(Failure::Api(e, Some("creating".into()))),
        }
    }
    apply::report(&failures, &mut out);
    out
}

/// A value printed with its keys in the order of Go's struct fields, as kubectl's JSON printer
/// prints typed objects; maps of strings are printed sorted, as Go prints maps.
enum Ordered {
    Fields(Vec<(&'static str, Ordered)>),
    List(Vec<Ordered>),
    Plain(Value),
}

impl Ordered {
    /// The same value as JSON (key order lost), for storing and for YAML, which sorts keys.
    fn to_value(&self) -> Value {
        match self {
            Ordered::Fields(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_value()))
                    .collect::<Map<String, Value>>(),
            ),
            Ordered::List(items) => Value::Array(items.iter().map(Ordered::to_value).collect()),
            Ordered::Plain(v) => v.clone(),
        }
    }

    fn write(&self, indent: usize, out: &mut String) {
        let pad = |n: usize| " ".repeat(n * 4);
        match self {
            Ordered::Fields(fields) if fields.is_empty() => out.push_str("{}"),
            Ordered::Fields(fields) => {
                out.push_str("{\n");
                for (i, (k, v)) in fields.iter().enumerate() {
                    out.push_str(&format!("{}\"{k}\": ", pad(indent + 1)));
                    v.write(indent + 1, out);
                    out.push_str(if i + 1 < fields.len() { ",\n" } else { "\n" });
                }
                out.push_str(&format!("{}}}", pad(indent)));
            }
            Ordered::List(items) if items.is_empty() => out.push_str("[]"),
            Ordered::List(items) => {
                out.push_str("[\n");
                for (i, v) in items.iter().enumerate() {
                    out.push_str(&pad(indent + 1));
                    v.write(indent + 1, out);
                    out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
                }
                out.push_str(&format!("{}]", pad(indent)));
            }
            Ordered::Plain(v) => {
                let text = output::json(v);
                let text = text.trim_end();
                for (i, line) in text.lines().enumerate() {
                    if i > 0 {
                        out.push('\n');
                        out.push_str(&pad(indent));
                    }
                    out.push_str(line);
                }
            }
        }
    }
}

fn plain(v: Value) -> Ordered {
    Ordered::Plain(v)
}

/// `metadata` as kubectl builds it: name, the namespace when `-n` was given, a null timestamp.
fn metadata(name: &str, namespace: Option<&str>, labels: Option<Value>) -> Ordered {
    let mut fields = vec![("name", plain(json!(name)))];
    if let Some(ns) = namespace {
        fields.push(("namespace", plain(json!(ns))));
    }
    fields.push(("creationTimestamp", plain(Value::Null)));
    if let Some(labels) = labels {
        fields.push(("labels", plain(labels)));
    }
    Ordered::Fields(fields)
}

fn type_meta(kind: &str, api_version: &str) -> Vec<(&'static str, Ordered)> {
    vec![
        ("kind", plain(json!(kind))),
        ("apiVersion", plain(json!(api_version))),
    ]
}

/// `--from-literal` pairs, checked as kubectl checks them.
fn literals(inv: &Invocation, name: &str, secret: bool) -> Result<Map<String, Value>, String> {
    if let Some(file) = inv
        .flags
        .from_file
        .first()
        .or(inv.flags.from_env_file.first())
    {
        let path = file.split_once('=').map_or(file.as_str(), |(_, p)| p);
        return Err(format!("error reading {path}: no such file or directory"));
    }
    let what = if secret { "Secret" } else { "ConfigMap" };
    let valid_key = regex::Regex::new(r"^[-._a-zA-Z0-9]+$").map_err(|e| e.to_string())?;
    let mut data = Map::new();
    for literal in &inv.flags.from_literal {
        let Some((key, value)) = literal.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(format!(
                "invalid literal source {literal}, expected key=value"
            ));
        };
        if !valid_key.is_match(key) {
            return Err(format!(
                "{key:?} is not a valid key name for a {what}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
            ));
        }
        if data.contains_key(key) {
            return Err(if secret {
                format!("cannot add key {key}, another key by that name already exists")
            } else {
                format!(
                    "cannot add key {key:?}, another key by that name already exists in Data for ConfigMap {name:?}"
                )
            });
        }
        let value = if secret {
            base64::engine::general_purpose::STANDARD.encode(value)
        } else {
            value.to_string()
        };
        data.insert(key.to_string(), Value::String(value));
    }
    Ok(data)
}

/// A container name from an image, as `kubectl create deployment` derives it. Names with `.`
/// or `_` get a suffix, random in kubectl and derived from the name here.
fn container_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let name = last.split([':', '@']).next().unwrap_or(last);
    if name.contains(['.', '_']) {
        let clean = name.replace(['_', '.'], "-");
        let hash = cluster::names::fnv32a(image.as_bytes());
        let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
        let suffix: String = (0..5)
            .map(|i| alphabet[((hash >> (i * 5)) as usize) % alphabet.len()] as char)
            .collect();
        return format!("{clean}-{suffix}");
    }
    name.to_string()
}

fn build(inv: &Invocation, what: CreateWhat, name: &str) -> Result<(Kind, Ordered), String> {
    let ns = inv.flags.namespace.as_deref();
    Ok(match what {
        CreateWhat::Namespace => {
            let mut fields = type_meta("Namespace", "v1");
            fields.push(("metadata", metadata(name, None, None)));
            fields.push(("spec", Ordered::Fields(Vec::new())));
            fields.push(("status", Ordered::Fields(Vec::new())));
            (Kind::Namespace, Ordered::Fields(fields))
        }
        CreateWhat::ConfigMap => {
            let data = literals(inv, name, false)?;
            let mut fields = type_meta("ConfigMap", "v1");
            fields.push(("metadata", metadata(name, ns, None)));
            if !data.is_empty() {
                fields.push(("data", plain(Value::Object(data))));
            }
            (Kind::ConfigMap, Ordered::Fields(fields))
        }
        CreateWhat::SecretGeneric => {
            let data = literals(inv, name, true)?;
            let mut fields = type_meta("Secret", "v1");
            fields.push(("metadata", metadata(name, ns, None)));
            if !data.is_empty() {
                fields.push(("data", plain(Value::Object(data))));
            }
            if let Some(t) = &inv.flags.secret_type {
                fields.push(("type", plain(json!(t))));
            }
            (Kind::Secret, Ordered::Fields(fields))
        }
        _ => {
            let labels = json!({ "app": name });
            let port: Option<i64> = match inv.flags.port.as_deref() {
                None | Some("") | Some("-1") => None,
                Some(p) => Some(p.parse().map_err(|_| {
                    format!("invalid argument {p:?} for \"--port\" flag: strconv.ParseInt: parsing {p:?}: invalid syntax")
                })?),
            };
            let containers: Vec<Ordered> = inv
                .flags
                .image
                .iter()
                .enumerate()
                .map(|(i, image)| {
                    let mut c = vec![
                        ("name", plain(json!(container_name(image)))),
                        ("image", plain(json!(image))),
                    ];
                    if !inv.operands.is_empty() {
                        c.push(("command", plain(json!(inv.operands))));
                    }
                    if let (0, Some(p)) = (i, port) {
                        c.push(("ports", plain(json!([{ "containerPort": p }]))));
                    }
                    c.push(("resources", Ordered::Fields(Vec::new())));
                    Ordered::Fields(c)
                })
                .collect();
            let template = Ordered::Fields(vec![
                (
                    "metadata",
                    Ordered::Fields(vec![
                        ("creationTimestamp", plain(Value::Null)),
                        ("labels", plain(labels.clone())),
                    ]),
                ),
                (
                    "spec",
                    Ordered::Fields(vec![("containers", Ordered::List(containers))]),
                ),
            ]);
            let spec = Ordered::Fields(vec![
                ("replicas", plain(json!(inv.flags.replicas.unwrap_or(1)))),
                (
                    "selector",
                    Ordered::Fields(vec![("matchLabels", plain(labels.clone()))]),
                ),
                ("template", template),
                ("strategy", Ordered::Fields(Vec::new())),
            ]);
            let mut fields = type_meta("Deployment", "apps/v1");
            fields.push(("metadata", metadata(name, ns, Some(labels))));
            fields.push(("spec", spec));
            fields.push(("status", Ordered::Fields(Vec::new())));
            (Kind::Deployment, Ordered::Fields(fields))
        }
    })
}

/// `create namespace|configmap|secret generic|deployment NAME`.
fn imperative(cluster: &mut Cluster, inv: &Invocation, what: CreateWhat) -> Output {
    let Some(name) = inv.targets.first().and_then(|t| t.name.clone()) else {
        return Output::error("error: exactly one NAME is required, got 0\n".into(), 1);
    };
    let (kind, built) = match build(inv, what, &name) {
        Ok(b) => b,
        Err(e) => return Output::error(format!("error: {e}\n"), 1),
    };
    let object = built.to_value();
    let namespace = if kind.namespaced() {
        apply::namespace(inv).0
    } else {
        String::new()
    };
    let mut info = Info {
        kind,
        namespace,
        name: name.clone(),
        object,
    };
    if inv.flags.save_config {
        let config = apply::configuration(&info.object);
        info.object = apply::annotated(&info.object);
        info.object["metadata"]["annotations"][LAST_APPLIED] = Value::String(config);
    }
    let dry = inv.flags.dry_run.as_deref();
    let stored = if dry == Some("client") {
        info.object.clone()
    } else {
        let mut to_store = info.clone();
        // kubectl sends these as protobuf, where empty structs carry nothing the server keeps.
        if let Value::Object(map) = &mut to_store.object {
            map.retain(|k, v| !(matches!(k.as_str(), "spec" | "status") && v == &json!({})));
        }
        if kind.namespaced() {
            to_store.object["metadata"]["namespace"] = json!(info.namespace);
        }
        // kubectl built the object itself: it has no undeclared fields to warn about.
        let mut no_warnings = String::new();
        match apply::create(cluster, &to_store, apply::Write::new(inv, &mut no_warnings)) {
            Ok(o) => o,
            Err(e) => {
                let text = match what {
                    CreateWhat::Namespace => {
                        format!("Error from server ({}): {}\n", e.reason, e.message)
                    }
                    CreateWhat::ConfigMap => {
                        format!("error: failed to create configmap: {}\n", e.message)
                    }
                    CreateWhat::SecretGeneric => {
                        format!("error: failed to create secret {}\n", e.message)
                    }
                    _ => format!("error: failed to create deployment: {}\n", e.message),
                };
                return Output::error(text, 1);
            }
        }
    };
    let stdout = match &inv.flags.output {
        // A client dry run prints the object as built, fields in Go's order.
        Some(OutputFlag::Json) if dry == Some("client") && !inv.flags.save_config => {
            let mut text = String::new();
            built.write(0, &mut text);
            text.push('\n');
            text
        }
        _ => print_created(inv, &info, &stored, 0),
    };
    Output {
        stdout,
        ..Output::default()
    }
}
