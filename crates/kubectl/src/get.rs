//! `kubectl get` in process: the same Tables the API server builds, rendered as kubectl renders
//! them, and kubectl's messages for empty results and missing objects.

use std::collections::BTreeMap;
use std::sync::Arc;

use cluster::selectors::{FieldQuery, LabelQuery};
use cluster::{Cluster, Kind, KindVisitor, Schema, Stored};
use serde_json::Value;

use crate::human::{self, Row};
use crate::output::Output;
use crate::table;

/// What `kubectl get` was asked for, after parsing.
#[derive(Clone, Debug, Default)]
pub struct GetRequest {
    /// (resource as typed, name) pairs, as the grammar reads `type name...`, `type/name` and
    /// `a,b`: `pods`, `all`, `deploy` with `web`.
    pub targets: Vec<(String, Option<String>)>,
    pub namespace: String,
    pub all_namespaces: bool,
    pub output: Format,
    pub selector: Option<String>,
    pub field_selector: Option<String>,
    pub show_labels: bool,
    pub label_columns: Vec<String>,
    pub no_headers: bool,
    pub show_kind: bool,
    /// `--sort-by`: a JSONPath whose value orders the rows of each kind.
    pub sort_by: Option<String>,
    /// `--ignore-not-found`: named objects that do not exist are skipped silently.
    pub ignore_not_found: bool,
}

/// `-o` formats `get` supports in process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Table,
    Wide,
    Name,
    Json,
    Yaml,
    JsonPath(String),
    /// `-o custom-columns=SPEC`.
    CustomColumns(String),
}

/// Resolves a resource word (`po`, `pods`, `pod`, `deployments.apps`) to a kind.
pub fn resolve_kind(word: &str) -> Option<Kind> {
    let lower = word.to_ascii_lowercase();
    let (name, group) = match lower.split_once('.') {
        Some((n, g)) => (n.to_string(), Some(g.to_string())),
        None => (lower.clone(), None),
    };
    Kind::ALL.iter().copied().find(|k| {
        let matches_name = k.plural() == name
            || k.name().to_ascii_lowercase() == name
            || k.short_names().contains(&name.as_str());
        matches_name && group.as_deref().is_none_or(|g| g == k.group())
    })
}

/// The kinds `kubectl get all` lists, in discovery order.
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

/// `deployment.apps`, `pod`: how kubectl prefixes names of a kind.
pub fn kind_prefix(kind: Kind) -> String {
    let k = kind.name().to_ascii_lowercase();
    if kind.group().is_empty() {
        k
    } else {
        format!("{k}.{}", kind.group())
    }
}

/// What one resource word asks for: a kind and, for `type/name`, a name.
struct Target {
    kind: Kind,
    names: Vec<String>,
}

fn unknown_type(word: &str) -> Output {
    Output::error(
        format!("error: the server doesn't have a resource type \"{word}\"\n"),
        1,
    )
}

fn targets(requested: &[(String, Option<String>)]) -> Result<Vec<Target>, Output> {
    if requested.is_empty() {
        return Err(Output::error(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n".to_string(),
            1,
        ));
    }
    let mut out: Vec<Target> = Vec::new();
    for (word, name) in requested {
        let kinds: Vec<Kind> = if word == "all" {
            ALL.to_vec()
        } else {
            vec![resolve_kind(word).ok_or_else(|| unknown_type(word))?]
        };
        for kind in kinds {
            match out.iter_mut().find(|t| t.kind == kind) {
                Some(t) => t.names.extend(name.clone()),
                None => out.push(Target {
                    kind,
                    names: name.iter().cloned().collect(),
                }),
            }
        }
    }
    Ok(out)
}

/// Runs `kubectl get`.
pub fn get(cluster: &Cluster, req: &GetRequest) -> Output {
    let targets = match targets(&req.targets) {
        Ok(t) => t,
        Err(out) => return out,
    };
    let labels = match LabelQuery::parse(req.selector.as_deref().unwrap_or("")) {
        Ok(l) => l,
        Err(e) => return Output::error(format!("Error from server (BadRequest): {e}\n"), 1),
    };
    let fields = match FieldQuery::parse(req.field_selector.as_deref().unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return Output::error(format!("Error from server (BadRequest): {e}\n"), 1),
    };
    let several = targets.len() > 1 || req.show_kind;
    let mut out = Output::default();
    let mut printed_groups = 0;
    let mut objects_json: Vec<Value> = Vec::new();
    let mut any = false;
    for target in &targets {
        let group = target.kind.visit(Collect {
            cluster,
            req,
            names: &target.names,
            labels: &labels,
            fields: &fields,
        });
        out.stderr.push_str(&group.errors);
        if !group.errors.is_empty() {
            out.exit_code = 1;
        }
        if group.found == 0 {
            continue;
        }
        any = true;
        match req.output {
            Format::Table | Format::Wide => {
                if printed_groups > 0 {
                    out.stdout.push('\n');
                }
                printed_groups += 1;
                let opts = human::Options {
                    wide: req.output == Format::Wide,
                    namespace_column: req.all_namespaces && target.kind.namespaced(),
                    show_labels: req.show_labels,
                    label_columns: req.label_columns.clone(),
                    no_headers: req.no_headers,
                    kind_prefix: several.then(|| kind_prefix(target.kind)),
                };
                out.stdout.push_str(&human::render(
                    table::columns(target.kind),
                    &group.rows,
                    &opts,
                ));
            }
            Format::Name => {
                for name in &group.names {
                    out.stdout
                        .push_str(&format!("{}/{name}\n", kind_prefix(target.kind)));
                }
            }
            Format::Json | Format::Yaml | Format::JsonPath(_) | Format::CustomColumns(_) => {
                objects_json.extend(group.objects)
            }
        }
    }
    if matches!(
        req.output,
        Format::Json | Format::Yaml | Format::JsonPath(_) | Format::CustomColumns(_)
    ) && (any || out.exit_code == 0)
    {
        let single = targets.len() == 1 && targets[0].names.len() == 1 && objects_json.len() == 1;
        let doc = if single {
            objects_json.pop().unwrap_or(Value::Null)
        } else {
            serde_json::json!({"apiVersion": "v1", "items": objects_json, "kind": "List", "metadata": {"resourceVersion": ""}})
        };
        match &req.output {
            Format::Json => out.stdout.push_str(&crate::output::json(&doc)),
            Format::CustomColumns(spec) => {
                let printed = crate::custom_columns::print(spec, &doc, req.no_headers);
                out.stdout.push_str(&printed.stdout);
                out.stderr.push_str(&printed.stderr);
                out.exit_code = out.exit_code.max(printed.exit_code);
            }
            Format::JsonPath(template) => match crate::jsonpath::render(template, &doc) {
                Ok(text) => out.stdout.push_str(&text),
                Err(e) => {
                    out.stderr
                        .push_str(&format!("error: error parsing jsonpath {template}, {e}\n"));
                    out.exit_code = 1;
                }
            },
            _ => out.stdout.push_str(&crate::output::yaml(&doc)),
        }
    }
    let asked_by_name = targets.iter().any(|t| !t.names.is_empty());
    if !any && !asked_by_name && matches!(req.output, Format::Table | Format::Wide) {
        let namespaced = targets.iter().any(|t| t.kind.namespaced());
        out.stderr.push_str(&if req.all_namespaces || !namespaced {
            "No resources found\n".to_string()
        } else {
            format!("No resources found in {} namespace.\n", req.namespace)
        });
    }
    out
}

/// The objects of one kind found, as the output prints them (rows, names or JSON objects), and
/// errors.
struct Group {
    found: usize,
    rows: Vec<Row>,
    names: Vec<String>,
    objects: Vec<Value>,
    errors: String,
}

struct Collect<'a> {
    cluster: &'a Cluster,
    req: &'a GetRequest,
    names: &'a [String],
    labels: &'a LabelQuery,
    fields: &'a FieldQuery,
}

impl KindVisitor for Collect<'_> {
    type Output = Group;

    fn visit<T: Stored + Schema>(self) -> Group {
        let kind = T::OBJECT_KIND;
        let ns = if kind.namespaced() {
            self.req.namespace.as_str()
        } else {
            ""
        };
        let mut errors = String::new();
        let selected: Vec<Arc<T>> = if self.names.is_empty() {
            let all: Vec<&Arc<T>> = if self.req.all_namespaces || !kind.namespaced() {
                self.cluster.list::<T>().collect()
            } else {
                self.cluster.list_in::<T>(ns).collect()
            };
            all.into_iter()
                .filter(|o| self.labels.matches(o.metadata().labels.as_ref()))
                .filter(|o| {
                    self.fields.is_empty()
                        || self
                            .fields
                            .matches(&serde_json::to_value(o.as_ref()).unwrap_or_default())
                })
                .cloned()
                .collect()
        } else {
            let mut found = Vec::new();
            for name in self.names {
                match self.cluster.get::<T>(ns, name) {
                    Ok(o) => found.push(o),
                    Err(e)
                        if self.req.ignore_not_found && e.reason == cluster::Reason::NotFound => {}
                    Err(e) => errors.push_str(&format!(
                        "Error from server ({}): {}\n",
                        e.reason, e.message
                    )),
                }
            }
            found
        };
        let mut selected = selected;
        if let Some(path) = &self.req.sort_by {
            let key = |o: &Arc<T>| {
                let json = serde_json::to_value(o.as_ref()).unwrap_or_default();
                crate::jsonpath::values(path, &json)
                    .ok()
                    .and_then(|v| v.into_iter().next())
                    .unwrap_or(Value::Null)
            };
            let mut keyed: Vec<(Value, Arc<T>)> =
                selected.into_iter().map(|o| (key(&o), o)).collect();
            // kubectl sorts with Go's unstable `sort.Sort`: only the same algorithm orders ties
            // the same way.
            crate::gosort::sort(&mut keyed, |a, b| {
                compare_values(&a.0, &b.0) == std::cmp::Ordering::Less
            });
            selected = keyed.into_iter().map(|(_, o)| o).collect();
        }
        let now = self.cluster.now();
        // Each output builds only what it prints.
        let rows = |priority| {
            selected
                .iter()
                .map(|o| Row {
                    cells: table::cells_for(kind, o.as_ref() as &dyn std::any::Any, now, priority),
                    namespace: o.metadata().namespace.clone().unwrap_or_default(),
                    // Only `--show-labels` and `-L` print them.
                    labels: if self.req.show_labels || !self.req.label_columns.is_empty() {
                        o.metadata().labels.clone().unwrap_or_default()
                    } else {
                        BTreeMap::new()
                    },
                })
                .collect()
        };
        let (rows, names, objects) = match self.req.output {
            Format::Table => (rows(table::Priority::Zero), Vec::new(), Vec::new()),
            Format::Wide => (rows(table::Priority::All), Vec::new(), Vec::new()),
            Format::Name => (
                Vec::new(),
                selected
                    .iter()
                    .map(|o| o.metadata().name.clone().unwrap_or_default())
                    .collect(),
                Vec::new(),
            ),
            Format::Json | Format::Yaml | Format::JsonPath(_) | Format::CustomColumns(_) => (
                Vec::new(),
                Vec::new(),
                selected
                    .iter()
                    .map(|o| serde_json::to_value(o.as_ref()).unwrap_or_default())
                    .collect(),
            ),
        };
        Group {
            found: selected.len(),
            rows,
            names,
            objects,
            errors,
        }
    }
}

/// kubectl's sort order for `--sort-by` values: numbers by value, everything else as text
/// (RFC 3339 timestamps sort chronologically that way); missing values first.
fn compare_values(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => std::cmp::Ordering::Equal,
        (Value::Null, _) => std::cmp::Ordering::Less,
        (_, Value::Null) => std::cmp::Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (x, y) => x.to_string().cmp(&y.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_aliases_plurals_singulars_and_groups() {
        for (word, kind) in [
            ("po", Kind::Pod),
            ("pods", Kind::Pod),
            ("Pod", Kind::Pod),
            ("deploy", Kind::Deployment),
            ("deployments.apps", Kind::Deployment),
            ("svc", Kind::Service),
            ("hpa", Kind::HorizontalPodAutoscaler),
            ("netpol", Kind::NetworkPolicy),
            ("ns", Kind::Namespace),
        ] {
            assert_eq!(resolve_kind(word), Some(kind), "{word}");
        }
        assert_eq!(resolve_kind("deployments.batch"), None);
        assert_eq!(resolve_kind("foos"), None);
        assert_eq!(kind_prefix(Kind::Deployment), "deployment.apps");
        assert_eq!(kind_prefix(Kind::Pod), "pod");
    }
}
