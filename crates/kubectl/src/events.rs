//! `kubectl events` (the verb, not `get events`): kubectl lists `core/v1` Events, filters them by
//! `--types` and `--for`, sorts them by when they last happened with Go's unstable `sort.Sort`,
//! and prints its own table (`LAST SEEN  TYPE  REASON  OBJECT  MESSAGE`) or the typed EventList.
//!
//! The table's LAST SEEN column is computed by the client from its clock: here, the simulated one.

use std::borrow::Cow;

use cluster::k8s_openapi::api::core::v1::Event;
use cluster::{Cluster, SimTime};
use serde_json::Value;

use crate::get::resolve_kind;
use crate::grammar::{Invocation, Output as OutputFlag};
use crate::output::Output;
use crate::table::human_duration;

/// `kubectl events`.
pub fn events(cluster: &Cluster, inv: &Invocation) -> Output {
    let ns = inv
        .flags
        .namespace
        .clone()
        .unwrap_or_else(|| crate::exec::DEFAULT_NAMESPACE.to_string());
    let all = inv.flags.all_namespaces;
    // `--for TYPE/NAME`: the type is mapped on the server first.
    let for_object = match inv.flags.for_object.as_deref() {
        None => None,
        Some(f) => {
            let (resource, name) = f.split_once('/').unwrap_or((f, ""));
            match resolve_kind(resource) {
                Some(kind) => Some((kind, name.to_string())),
                None => {
                    return Output::error(
                        format!(
                            "the server doesn't have a resource type \"{}\"\n",
                            resource.to_lowercase()
                        ),
                        1,
                    );
                }
            }
        }
    };
    let format = match &inv.flags.output {
        None => None,
        Some(o @ (OutputFlag::Json | OutputFlag::Yaml | OutputFlag::Name)) => Some(o.clone()),
        Some(OutputFlag::JsonPath(t)) => Some(OutputFlag::JsonPath(t.clone())),
        Some(OutputFlag::Wide) => {
            return Output::error(
                "error: unable to match a printer suitable for the output format \"wide\", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml\n".into(),
                1,
            );
        }
        Some(_) => return crate::exec::unsupported("events with this -o format"),
    };
    let listed: Vec<&Event> = if all {
        cluster.list::<Event>().map(|e| e.as_ref()).collect()
    } else {
        cluster.list_in::<Event>(&ns).map(|e| e.as_ref()).collect()
    };
    let types: Vec<String> = inv.flags.types.clone();
    let events: Vec<&Event> = listed
        .into_iter()
        .filter(|e| {
            for_object.as_ref().is_none_or(|(kind, name)| {
                e.involved_object.kind.as_deref() == Some(kind.name())
                    && e.involved_object.api_version.as_deref() == Some(kind.api_version())
                    && e.involved_object.name.as_deref() == Some(name.as_str())
            })
        })
        .filter(|e| {
            types.is_empty()
                || types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(e.type_.as_deref().unwrap_or("")))
        })
        .collect();
    if events.is_empty() {
        let msg = if all {
            "No events found.\n".to_string()
        } else {
            format!("No events found in {ns} namespace.\n")
        };
        return Output {
            stdout: String::new(),
            stderr: msg,
            exit_code: 0,
        };
    }
    let events = by_time(events);
    let stdout = match format {
        None => table(&events, cluster.now(), all, inv.flags.no_headers),
        // The name printer prints nothing for kubectl's typed EventList.
        Some(OutputFlag::Name) => String::new(),
        Some(OutputFlag::Json) => {
            let mut text = String::new();
            write_ordered(&event_list(&events), 0, &mut text);
            text.push('\n');
            text
        }
        Some(OutputFlag::Yaml) => crate::output::yaml(&to_value(&event_list(&events))),
        Some(OutputFlag::JsonPath(template)) => {
            match crate::jsonpath::render(&template, &to_value(&event_list(&events))) {
                Ok(text) => text,
                Err(e) => {
                    return Output::error(
                        format!("error: error parsing jsonpath {template}, {e}\n"),
                        1,
                    );
                }
            }
        }
        Some(_) => String::new(),
    };
    Output {
        stdout,
        stderr: String::new(),
        exit_code: 0,
    }
}

/// The table `kubectl events -A` prints, cut to its `count` latest rows: the same order and
/// cells, with columns as wide as those rows need. Only those rows are rendered, so a summary of
/// a long-running cluster costs what it shows.
pub fn latest_table(cluster: &Cluster, count: usize) -> String {
    let events = by_time(cluster.list::<Event>().map(|e| e.as_ref()).collect());
    if events.is_empty() {
        return String::new();
    }
    let latest = &events[events.len().saturating_sub(count)..];
    table(latest, cluster.now(), true, false)
}

/// Events in the order kubectl sorts them (Go's unstable `sort.Sort` by last occurrence), each
/// keyed once: the sort compares every event many times.
fn by_time(events: Vec<&Event>) -> Vec<&Event> {
    let mut keyed: Vec<(i64, &Event)> = events.into_iter().map(|e| (event_time(e), e)).collect();
    crate::gosort::sort(&mut keyed, |a, b| a.0 < b.0);
    keyed.into_iter().map(|(_, e)| e).collect()
}

/// When the event last happened, in microseconds, as the client decodes it (a `metav1.Time`
/// carries whole seconds, a `MicroTime` microseconds).
fn event_time(e: &Event) -> i64 {
    if let Some(series) = &e.series
        && let Some(t) = &series.last_observed_time
    {
        return t.0.as_microsecond();
    }
    if let Some(t) = &e.last_timestamp {
        return t.0.as_second() * 1_000_000;
    }
    e.event_time
        .as_ref()
        .map(|t| t.0.as_microsecond())
        .unwrap_or(i64::MIN)
}

/// kubectl's `translateTimestampSince` against the simulated clock, whole seconds as decoded.
fn since(now: SimTime, seconds: Option<i64>) -> String {
    match seconds {
        None => "<unknown>".into(),
        Some(s) => {
            let elapsed = (now.millis() as i64 - s * 1000).max(0) as u64;
            human_duration(std::time::Duration::from_millis(elapsed))
        }
    }
}

fn since_micro(now: SimTime, micros: Option<i64>) -> String {
    match micros {
        None => "<unknown>".into(),
        Some(us) => {
            let elapsed = (now.millis() as i64 * 1000 - us).max(0) as u64;
            human_duration(std::time::Duration::from_micros(elapsed))
        }
    }
}

fn interval(e: &Event, now: SimTime) -> String {
    let first = match &e.event_time {
        Some(t) => since_micro(now, Some(t.0.as_microsecond())),
        None => since(now, e.first_timestamp.as_ref().map(|t| t.0.as_second())),
    };
    if let Some(series) = &e.series {
        return format!(
            "{} (x{} over {first})",
            since_micro(
                now,
                series
                    .last_observed_time
                    .as_ref()
                    .map(|t| t.0.as_microsecond())
            ),
            series.count.unwrap_or(0)
        );
    }
    let count = e.count.unwrap_or(0);
    if count > 1 {
        return format!(
            "{} (x{count} over {first})",
            since(now, e.last_timestamp.as_ref().map(|t| t.0.as_second()))
        );
    }
    first
}

/// kubectl's `printers.GetNewTabWriter`: minimum width 6, padding 3, the last cell as is.
fn text(s: &Option<String>) -> Cow<'_, str> {
    Cow::Borrowed(s.as_deref().unwrap_or_default())
}

fn table(events: &[&Event], now: SimTime, all: bool, no_headers: bool) -> String {
    let mut rows: Vec<Vec<Cow<'_, str>>> = Vec::with_capacity(events.len() + 1);
    if !no_headers {
        let mut h: Vec<Cow<'_, str>> = Vec::with_capacity(6);
        if all {
            h.push("NAMESPACE".into());
        }
        h.extend(
            ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
                .into_iter()
                .map(Cow::Borrowed),
        );
        rows.push(h);
    }
    for e in events {
        let mut r: Vec<Cow<'_, str>> = Vec::with_capacity(6);
        if all {
            r.push(text(&e.metadata.namespace));
        }
        r.push(interval(e, now).into());
        r.push(text(&e.type_));
        r.push(text(&e.reason));
        let kind = e.involved_object.kind.as_deref().unwrap_or_default();
        let name = e.involved_object.name.as_deref().unwrap_or_default();
        r.push([kind, "/", name].concat().into());
        r.push(e.message.as_deref().unwrap_or_default().trim().into());
        rows.push(r);
    }
    // The tab writer's settings are `kubectl get`'s.
    crate::human::align(&rows)
}

// ----- the typed EventList, as Go's encoder orders it --------------------------------------------

/// A JSON value whose object keys keep Go's struct field order.
enum Ordered {
    Object(Vec<(String, Ordered)>),
    Array(Vec<Ordered>),
    Plain(Value),
}

fn to_value(o: &Ordered) -> Value {
    match o {
        Ordered::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect(),
        ),
        Ordered::Array(items) => Value::Array(items.iter().map(to_value).collect()),
        Ordered::Plain(v) => v.clone(),
    }
}

/// Takes the keys of `order` from `map` in that order (`always` ones as null when missing),
/// then whatever is left, sorted.
fn ordered_object(
    mut map: serde_json::Map<String, Value>,
    order: &[&str],
    always: &[(&str, Value)],
    nested: &dyn Fn(&str, Value) -> Ordered,
) -> Ordered {
    let mut fields = Vec::new();
    for key in order {
        match map.remove(*key) {
            Some(v) => fields.push((key.to_string(), nested(key, v))),
            None => {
                if let Some((_, default)) = always.iter().find(|(k, _)| k == key) {
                    fields.push((key.to_string(), Ordered::Plain(default.clone())));
                }
            }
        }
    }
    for (k, v) in map {
        let n = nested(&k, v);
        fields.push((k, n));
    }
    Ordered::Object(fields)
}

fn plain(_: &str, v: Value) -> Ordered {
    Ordered::Plain(v)
}

fn object_meta(v: Value) -> Ordered {
    let Value::Object(map) = v else {
        return Ordered::Plain(v);
    };
    ordered_object(
        map,
        &[
            "name",
            "generateName",
            "namespace",
            "selfLink",
            "uid",
            "resourceVersion",
            "generation",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "labels",
            "annotations",
            "ownerReferences",
            "finalizers",
            "managedFields",
        ],
        &[("creationTimestamp", Value::Null)],
        &plain,
    )
}

fn event_object(e: &Event) -> Ordered {
    let mut v = serde_json::to_value(e).unwrap_or_default();
    if let Some(map) = v.as_object_mut() {
        map.insert("kind".into(), Value::String("Event".into()));
        map.insert("apiVersion".into(), Value::String("v1".into()));
    }
    let Value::Object(map) = v else {
        return Ordered::Plain(v);
    };
    ordered_object(
        map,
        &[
            "kind",
            "apiVersion",
            "metadata",
            "involvedObject",
            "reason",
            "message",
            "source",
            "firstTimestamp",
            "lastTimestamp",
            "count",
            "type",
            "eventTime",
            "series",
            "action",
            "related",
            "reportingComponent",
            "reportingInstance",
        ],
        &[
            ("metadata", serde_json::json!({"creationTimestamp": null})),
            ("involvedObject", serde_json::json!({})),
            ("source", serde_json::json!({})),
            ("firstTimestamp", Value::Null),
            ("lastTimestamp", Value::Null),
            ("eventTime", Value::Null),
            ("reportingComponent", Value::String(String::new())),
            ("reportingInstance", Value::String(String::new())),
        ],
        &|key, v| match key {
            "metadata" => object_meta(v),
            "involvedObject" | "related" => match v {
                Value::Object(m) => ordered_object(
                    m,
                    &[
                        "kind",
                        "namespace",
                        "name",
                        "uid",
                        "apiVersion",
                        "resourceVersion",
                        "fieldPath",
                    ],
                    &[],
                    &plain,
                ),
                other => Ordered::Plain(other),
            },
            "source" => match v {
                Value::Object(m) => ordered_object(m, &["component", "host"], &[], &plain),
                other => Ordered::Plain(other),
            },
            "series" => match v {
                Value::Object(m) => ordered_object(m, &["count", "lastObservedTime"], &[], &plain),
                other => Ordered::Plain(other),
            },
            _ => Ordered::Plain(v),
        },
    )
}

fn event_list(events: &[&Event]) -> Ordered {
    Ordered::Object(vec![
        (
            "kind".into(),
            Ordered::Plain(Value::String("EventList".into())),
        ),
        (
            "apiVersion".into(),
            Ordered::Plain(Value::String("v1".into())),
        ),
        ("metadata".into(), Ordered::Object(Vec::new())),
        (
            "items".into(),
            Ordered::Array(events.iter().map(|e| event_object(e)).collect()),
        ),
    ])
}

/// Go's `json.MarshalIndent(obj, "", "    ")`, keys in the order given.
fn write_ordered(o: &Ordered, indent: usize, out: &mut String) {
    let pad = |n: usize| "    ".repeat(n);
    match o {
        Ordered::Object(fields) if fields.is_empty() => out.push_str("{}"),
        Ordered::Object(fields) => {
            out.push_str("{\n");
            for (i, (k, v)) in fields.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&go_json_string(k));
                out.push_str(": ");
                write_ordered(v, indent + 1, out);
                if i + 1 < fields.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
        Ordered::Array(items) if items.is_empty() => out.push_str("[]"),
        Ordered::Array(items) => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                write_ordered(v, indent + 1, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Ordered::Plain(Value::Object(map)) => {
            // Maps (labels, annotations) are written with sorted keys, as Go does.
            let fields = map
                .iter()
                .map(|(k, v)| (k.clone(), Ordered::Plain(v.clone())))
                .collect();
            write_ordered(&Ordered::Object(fields), indent, out);
        }
        Ordered::Plain(Value::Array(items)) => {
            let items = items.iter().map(|v| Ordered::Plain(v.clone())).collect();
            write_ordered(&Ordered::Array(items), indent, out);
        }
        Ordered::Plain(Value::String(s)) => out.push_str(&go_json_string(s)),
        Ordered::Plain(v) => out.push_str(&v.to_string()),
    }
}

/// A JSON string as Go's encoder escapes it (HTML-sensitive characters included).
fn go_json_string(s: &str) -> String {
    let raw = serde_json::to_string(s).unwrap_or_default();
    raw.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}
