//! `kubectl explain` in process: kubectl 1.33's OpenAPI v3 renderer (its `plaintext` Go
//! template) over the documents of `crate::openapi`, the same bytes the API server serves.
//!
//! The template's walk is reproduced step by step (field path lookup through `properties`,
//! `items`, `additionalProperties` and `allOf`, `$ref` cycle history, the type guess, enum
//! lists) together with its helpers: go-wordwrap's wrapping and the `indent` function.

use cluster::Kind;
use serde_json::{Map, Value};

use crate::get::resolve_kind;
use crate::grammar::Invocation;
use crate::openapi;
use crate::output::Output;

/// A resource kubectl's REST mapper knows: the stored kinds and the metrics resources.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Resource {
    group: String,
    version: String,
    plural: &'static str,
}

impl Resource {
    fn of(kind: Kind) -> Resource {
        let (group, version) = match kind.api_version().split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", kind.api_version()),
        };
        Resource {
            group: group.to_string(),
            version: version.to_string(),
            plural: kind.plural(),
        }
    }

    /// `deployments.apps`: `GroupResource.String()`.
    fn group_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// `GroupVersionResource.String()`: `apps/v1, Resource=deployments`, `/v1, Resource=pods`.
fn gvr_string(group: &str, version: &str, plural: &str) -> String {
    format!("{group}/{version}, Resource={plural}")
}

/// The resources a word names, highest priority first (the REST mapper's `ResourcesFor`).
fn resources_for(word: &str) -> Vec<Resource> {
    let lower = word.to_ascii_lowercase();
    let metrics = |plural| Resource {
        group: "metrics.k8s.io".to_string(),
        version: "v1beta1".to_string(),
        plural,
    };
    match lower.as_str() {
        "podmetrics" => return vec![metrics("pods")],
        "nodemetrics" => return vec![metrics("nodes")],
        _ => {}
    }
    let Some(kind) = resolve_kind(&lower) else {
        return Vec::new();
    };
    let mut out = vec![Resource::of(kind)];
    if lower == "pods" || lower == "nodes" {
        out.push(metrics(kind.plural()));
    }
    out
}

/// Field names of a dotted path, or `None` where kubectl's JSONPath parser would see anything
/// but plain field names (brackets, wildcards, empty segments).
fn plain_fields(path: &str) -> Option<Vec<String>> {
    let fields: Vec<String> = path.split('.').map(str::to_string).collect();
    let plain = fields.iter().all(|f| {
        !f.is_empty()
            && f.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    plain.then_some(fields)
}

/// A path with subscripts (`pods.spec.containers[0]`): kubectl's JSONPath parser reads it, then
/// explain refuses any node but a field. `None` for shapes not modelled here.
fn subscripted(input: &str, with_api_version: bool) -> Option<Output> {
    let mut rest = input;
    let mut resource = None;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else {
                return Some(error("error: unterminated array"));
            };
            if after[..end].contains('[') {
                return None;
            }
            rest = &after[end + 1..];
            continue;
        }
        let rest_of_word = rest.strip_prefix('.').unwrap_or(rest);
        if rest_of_word.len() == rest.len() && resource.is_some() {
            return None;
        }
        let end = rest_of_word.find(['.', '[']).unwrap_or(rest_of_word.len());
        let word = &rest_of_word[..end];
        if word.is_empty()
            || !word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return None;
        }
        resource.get_or_insert(word);
        rest = &rest_of_word[end..];
    }
    let resource = resource?;
    if input.starts_with('.') {
        return None;
    }
    if resources_for(resource).is_empty() {
        return Some(no_resource(resource));
    }
    Some(error(if with_api_version {
        "error: invalid jsonpath syntax, all nodes must be field nodes"
    } else {
        "error: invalid jsonpath syntax, first node must be field node"
    }))
}

fn error(message: impl Into<String>) -> Output {
    Output::error(format!("{}\n", message.into()), 1)
}

fn no_resource(word: &str) -> Output {
    error(format!(
        "the server doesn't have a resource type \"{word}\""
    ))
}

/// `kubectl explain RESOURCE[.FIELD...] [--recursive] [--api-version=G/V] [--output=FORMAT]`.
pub fn explain(inv: &Invocation) -> Output {
    let Some(target) = inv.targets.first() else {
        return error(
            "error: You must specify the type of resource to explain. Use \"kubectl api-resources\" for a complete list of supported resources.\n",
        );
    };
    let input = target
        .resource
        .strip_suffix('.')
        .unwrap_or(&target.resource);
    let Some(words) = plain_fields(input) else {
        return subscripted(input, inv.flags.api_version.is_some()).unwrap_or_else(|| {
            crate::exec::unsupported(&format!("explain of {:?}", target.resource))
        });
    };
    let (resource, fields) = match inv.flags.api_version.as_deref() {
        None => {
            let candidates = resources_for(&words[0]);
            let Some(first) = candidates.first().cloned() else {
                return no_resource(&words[0]);
            };
            // The first resource whose `plural.group` prefixes the argument takes the rest as
            // the field path; failing that, the first resource and every word after the first.
            let prefixed = candidates.iter().find_map(|r| {
                let suffix = target.resource.strip_prefix(&r.group_resource())?;
                let suffix = suffix.strip_suffix('.').unwrap_or(suffix);
                let fields = if suffix.is_empty() {
                    Vec::new()
                } else {
                    plain_fields(suffix.strip_prefix('.')?)?
                };
                Some((r.clone(), fields))
            });
            prefixed.unwrap_or((first, words[1..].to_vec()))
        }
        Some(api_version) => {
            let Some(first) = resources_for(&words[0]).into_iter().next() else {
                return no_resource(&words[0]);
            };
            let (group, version) = match api_version.split_once('/') {
                None => ("", api_version),
                Some((g, v)) if !v.contains('/') => (g, v),
                Some(_) => {
                    return error(format!(
                        "error: unexpected GroupVersion string: {api_version}"
                    ));
                }
            };
            (
                Resource {
                    group: group.to_string(),
                    version: version.to_string(),
                    plural: first.plural,
                },
                words[1..].to_vec(),
            )
        }
    };
    let format = inv.flags.explain_format.as_deref().unwrap_or("plaintext");
    if format == "plaintext-openapiv2" {
        // The v2 renderer needs `/openapi/v2`, which the API server does not serve.
        return error(
            "Error from server (NotFound): the server could not find the requested resource",
        );
    }
    let docs = openapi::documents();
    let Some(doc) = docs.for_group_version(&resource.group, &resource.version) else {
        return error(format!(
            "error: couldn't find resource for \"{}\"",
            gvr_string(&resource.group, &resource.version, resource.plural)
        ));
    };
    // kubectl looks the template up only once it holds the document.
    if format != "plaintext" {
        return error(format!("error: unrecognized format: {format}"));
    }
    let (stdout, err) = render(
        &doc.document,
        (&resource.group, &resource.version, resource.plural),
        &fields,
        inv.flags.recursive,
    );
    match err {
        None => Output {
            stdout,
            stderr: String::new(),
            exit_code: 0,
        },
        Some(message) => Output {
            stdout,
            stderr: format!("{message}\n"),
            exit_code: 1,
        },
    }
}

/// Renders the template over `document`; on a template error, what was written before it and
/// the message.
pub fn render(
    document: &Value,
    gvr: (&str, &str, &str),
    field_path: &[String],
    recursive: bool,
) -> (String, Option<String>) {
    let (group, version, plural) = gvr;
    let prefix = if group.is_empty() {
        "/api".to_string()
    } else {
        format!("/apis/{group}")
    };
    let search = [
        format!("{prefix}/{version}/{plural}"),
        format!("{prefix}/{version}/{plural}/{{name}}"),
        format!("{prefix}/{version}/namespaces/{{namespace}}/{plural}"),
        format!("{prefix}/{version}/namespaces/{{namespace}}/{plural}/{{name}}"),
    ];
    // As the template: every existing path is looked at, and the last look wins.
    let mut gvk: Option<&Value> = None;
    for path in &search {
        let Some(element) = document["paths"].get(path).filter(|v| truthy(v)) else {
            continue;
        };
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = element.get(method).filter(|v| truthy(v)) else {
                continue;
            };
            gvk = op.get("x-kubernetes-group-version-kind");
            if gvk.is_some_and(truthy) {
                break;
            }
        }
    }
    let Some(gvk) = gvk.filter(|v| truthy(v)) else {
        return (
            String::new(),
            Some(format!(
                "error: GVR ({}) not found in OpenAPI schema",
                gvr_string(group, version, plural)
            )),
        );
    };
    let field = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or("");
    let mut out = String::new();
    if !field("group").is_empty() {
        out.push_str(&format!("GROUP:      {}\n", field("group")));
    }
    out.push_str(&format!("KIND:       {}\n", field("kind")));
    out.push_str(&format!("VERSION:    {}\n", field("version")));
    out.push('\n');
    let walker = Walker {
        document,
        recursive,
    };
    let mut found = None;
    if let Some(Value::Object(schemas)) = document["components"].get("schemas") {
        let mut names: Vec<&String> = schemas.keys().collect();
        names.sort();
        for name in names {
            let schema = &schemas[name];
            let listed = schema
                .get("x-kubernetes-group-version-kind")
                .and_then(Value::as_array)
                .is_some_and(|gvks| gvks.contains(gvk));
            if listed {
                found = Some(walker.output(schema, &History::new(), field_path));
                break;
            }
        }
    }
    match found {
        Some(text) if !text.is_empty() => {
            out.push_str(&text);
            out.push('\n');
            (out, None)
        }
        Some(_) => {
            let last = field_path.last().cloned().unwrap_or_default();
            (out, Some(format!("error: field \"{last}\" does not exist")))
        }
        None => (
            out,
            Some(format!(
                "error: GVK map[group:{} kind:{} version:{}] not found in OpenAPI schema",
                field("group"),
                field("kind"),
                field("version")
            )),
        ),
    }
}

/// The `$ref`s followed so far on one walk (the template's `history`).
type History = Vec<String>;

struct Walker<'a> {
    document: &'a Value,
    recursive: bool,
}

/// Go template truth: empty maps, lists and strings, zero and null are false.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

fn get<'v>(schema: &'v Value, key: &str) -> Option<&'v Value> {
    schema.get(key).filter(|v| truthy(v))
}

fn ref_string(schema: &Value) -> &str {
    schema.get("$ref").and_then(Value::as_str).unwrap_or("")
}

/// `additionalProperties` when it is a schema rather than a boolean.
fn additional_properties(schema: &Value) -> Option<&Value> {
    get(schema, "additionalProperties").filter(|v| !v.is_boolean())
}

fn sorted_properties(schema: &Value) -> Vec<(&String, &Value)> {
    let mut props: Vec<(&String, &Value)> = get(schema, "properties")
        .and_then(Value::as_object)
        .map(|m: &Map<String, Value>| m.iter().collect())
        .unwrap_or_default();
    props.sort_by(|a, b| a.0.cmp(b.0));
    props
}

impl<'a> Walker<'a> {
    /// `resolveRef`: a local `#/...` reference to the schema it names.
    fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let fragment = reference.strip_prefix('#')?;
        let mut cur = self.document;
        for part in fragment.split('/').filter(|p| !p.is_empty()) {
            cur = cur.get(part).filter(|v| v.is_object())?;
        }
        Some(cur)
    }

    fn resolved<'s>(&self, schema: &'s Value) -> &'s Value
    where
        'a: 's,
    {
        self.resolve(ref_string(schema))
            .filter(|v| truthy(v))
            .unwrap_or(schema)
    }

    /// The `output` template: follows the field path, then prints the description and fields.
    fn output(&self, schema: &Value, history: &History, path: &[String]) -> String {
        let reference = ref_string(schema);
        let mut next = history.clone();
        next.push(reference.to_string());
        let resolved = self.resolved(schema);
        let mut out = String::new();
        if path.is_empty() {
            out.push_str("DESCRIPTION:\n");
            let mut description = self.description(resolved);
            if description.is_empty() {
                description = "<empty>".to_string();
            }
            out.push_str(&indent(4, &wrap(76, &description)));
            out.push('\n');
            let fields = self.field_list(resolved, 1, &History::new());
            if !fields.is_empty() {
                out.push_str("FIELDS:\n");
                out.push_str(&fields);
            }
        } else if !reference.is_empty() && history.iter().any(|h| h == reference) {
            // A cycle: nothing.
        } else if let Some(sub) = get(resolved, "properties").and_then(|p| get(p, &path[0])) {
            if path.len() == 1 {
                out.push_str(&format!("FIELD: {} <{}>\n", path[0], self.type_guess(sub)));
                out.push_str(&extract_enum(sub, true, -1, 0));
                out.push('\n');
                out.push('\n');
            }
            out.push_str(&self.output(sub, &History::new(), &path[1..]));
        } else if let Some(items) = get(resolved, "items") {
            out.push_str(&self.output(items, &next, path));
        } else if let Some(additional) = additional_properties(resolved) {
            out.push_str(&self.output(additional, &next, path));
        } else if let Some(Value::Array(all_of)) = get(resolved, "allOf") {
            for sub in all_of {
                let text = self.output(sub, &next, path);
                if !text.is_empty() {
                    out.push_str(&text);
                    break;
                }
            }
        }
        out
    }

    /// The `fieldList` template.
    fn field_list(&self, schema: &Value, level: usize, history: &History) -> String {
        let reference = ref_string(schema);
        if !reference.is_empty() && history.iter().any(|h| h == reference) {
            return String::new();
        }
        let mut next = history.clone();
        next.push(reference.to_string());
        let resolved = self.resolved(schema);
        let mut out = String::new();
        for (name, sub) in sorted_properties(resolved) {
            out.push_str(&self.field_detail(name, resolved, self.recursive, level));
            if self.recursive {
                out.push_str(&self.field_list(sub, level + 1, &next));
            }
        }
        if let Some(Value::Array(all_of)) = get(resolved, "allOf") {
            for sub in all_of {
                out.push_str(&self.field_list(sub, level, &next));
            }
        }
        if let Some(items) = get(resolved, "items") {
            out.push_str(&self.field_list(items, level, &next));
        }
        if let Some(additional) = additional_properties(resolved) {
            out.push_str(&self.field_list(additional, level, &next));
        }
        out
    }

    /// The `fieldDetail` template: one field, in one line when `short`.
    fn field_detail(&self, name: &str, parent: &Value, short: bool, level: usize) -> String {
        let indent_amount = level * 2;
        let field = &parent["properties"][name];
        let mut out = indent(indent_amount, name);
        out.push('\t');
        out.push('<');
        out.push_str(&self.type_guess(field));
        out.push('>');
        let required = parent
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|v| v == name));
        if required {
            out.push_str(" -required-");
        }
        out.push_str(&extract_enum(field, false, 4, indent_amount));
        out.push('\n');
        if !short {
            let description = get(field, "description")
                .and_then(Value::as_str)
                .unwrap_or("<no description>");
            out.push_str(&indent(
                indent_amount + 2,
                &wrap(78usize.saturating_sub(indent_amount), description),
            ));
            out.push('\n');
            out.push('\n');
        }
        out
    }

    /// The `description` template: a schema's description, then those of what it wraps.
    fn description(&self, schema: &Value) -> String {
        let target = self.resolved(schema);
        if !truthy(target) {
            return String::new();
        }
        let mut out = String::new();
        if let Some(d) = get(target, "description").and_then(Value::as_str) {
            out.push_str(d);
            out.push('\n');
        }
        if let Some(Value::Array(all_of)) = get(target, "allOf") {
            for sub in all_of {
                out.push_str(&self.description(sub));
            }
        }
        if let Some(items) = get(target, "items") {
            out.push_str(&self.description(items));
        }
        if let Some(additional) = additional_properties(target) {
            out.push_str(&self.description(additional));
        }
        out
    }

    /// The `typeGuess` template: `string`, `[]Container`, `map[string]string`, `Object`.
    fn type_guess(&self, schema: &Value) -> String {
        if let Some(items) = get(schema, "items") {
            return format!("[]{}", self.type_guess(items));
        }
        if let Some(additional) = additional_properties(schema) {
            return format!("map[string]{}", self.type_guess(additional));
        }
        if let Some(Value::Array(all_of)) = get(schema, "allOf")
            && get(schema, "properties").is_none()
            && all_of.len() == 1
        {
            return self.type_guess(&all_of[0]);
        }
        let type_of = |s: &Value| {
            get(s, "type")
                .map(|t| match t {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default()
        };
        let reference = ref_string(schema);
        if !reference.is_empty() {
            let target = self.resolve(reference).filter(|v| truthy(v));
            let target_type = target.map(type_of).unwrap_or_default();
            if target.is_none() || target_type.is_empty() || target_type == "object" {
                let name = reference.rsplit('/').next().unwrap_or("");
                let last = name.rsplit('.').next().unwrap_or("");
                return if last.is_empty() {
                    "Object".into()
                } else {
                    last.into()
                };
            }
            return target_type;
        }
        match type_of(schema).as_str() {
            "object" | "" => "Object".into(),
            other => other.into(),
        }
    }
}

/// The `extractEnum` template.
fn extract_enum(schema: &Value, long_view: bool, limit: i64, indent_amount: usize) -> String {
    let Some(Value::Array(values)) = get(schema, "enum") else {
        return String::new();
    };
    let mut out = String::new();
    if long_view {
        out.push_str("ENUM:");
    } else {
        out.push('\n');
        out.push_str(&" ".repeat(indent_amount));
        out.push_str("enum: ");
    }
    for (index, value) in values.iter().enumerate() {
        if limit > -1 && index as i64 >= limit {
            out.push_str(", ....");
            break;
        }
        if index > 0 && !long_view {
            out.push_str(", ");
        } else if long_view {
            out.push_str("\n    ");
        }
        match value {
            Value::String(s) if s.is_empty() => out.push_str("\"\""),
            Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
    }
    out
}

/// The template's `indent`: pads the first line and every line after a newline.
pub fn indent(amount: usize, text: &str) -> String {
    let pad = " ".repeat(amount);
    format!("{pad}{}", text.replace('\n', &format!("\n{pad}")))
}

/// go-wordwrap's `WrapString` (v1.0.1): breaks at white space only, counts runes, keeps
/// existing newlines, and lets a word longer than the limit overflow.
pub fn wrap(limit: usize, text: &str) -> String {
    const NBSP: char = '\u{a0}';
    let mut buf = String::with_capacity(text.len());
    let mut current = 0usize;
    let mut word = String::new();
    let mut space = String::new();
    let (mut word_len, mut space_len) = (0usize, 0usize);
    for c in text.chars() {
        if c == '\n' {
            if word.is_empty() {
                if current + space_len <= limit {
                    buf.push_str(&space);
                }
            } else {
                buf.push_str(&space);
                buf.push_str(&word);
                word.clear();
                word_len = 0;
            }
            space.clear();
            space_len = 0;
            buf.push(c);
            current = 0;
        } else if c.is_whitespace() && c != NBSP {
            if space.is_empty() || !word.is_empty() {
                current += space_len + word_len;
                buf.push_str(&space);
                buf.push_str(&word);
                space.clear();
                space_len = 0;
                word.clear();
                word_len = 0;
            }
            space.push(c);
            space_len += 1;
        } else {
            word.push(c);
            word_len += 1;
            if current + space_len + word_len > limit && word_len < limit {
                buf.push('\n');
                current = 0;
                space.clear();
                space_len = 0;
            }
        }
    }
    if word.is_empty() {
        if current + space_len <= limit {
            buf.push_str(&space);
        }
    } else {
        buf.push_str(&space);
        buf.push_str(&word);
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_lets_long_words_overflow() {
        assert_eq!(wrap(10, "aaa bbb ccc ddd"), "aaa bbb\nccc ddd");
        assert_eq!(wrap(5, "abcdefghij k"), "abcdefghij\nk");
        assert_eq!(wrap(10, "one\n\ntwo"), "one\n\ntwo");
    }

    #[test]
    fn subscripts_get_the_jsonpath_refusals() {
        let refusal = |input, api| subscripted(input, api).map(|o| o.stderr);
        assert_eq!(
            refusal("pods.spec.containers[0]", false).as_deref(),
            Some("error: invalid jsonpath syntax, first node must be field node\n")
        );
        assert_eq!(
            refusal("pods.spec.containers[0]", true).as_deref(),
            Some("error: invalid jsonpath syntax, all nodes must be field nodes\n")
        );
        assert_eq!(
            refusal("pods.spec[", false).as_deref(),
            Some("error: unterminated array\n")
        );
        assert_eq!(
            refusal("nothing[0]", false).as_deref(),
            Some("the server doesn't have a resource type \"nothing\"\n")
        );
        assert!(refusal("pods[0]x", false).is_none());
    }

    #[test]
    fn indent_pads_every_line() {
        assert_eq!(indent(2, "a\nb\n"), "  a\n  b\n  ");
    }

    #[test]
    fn a_missing_field_names_the_last_word_of_the_path() {
        let doc = &openapi::documents()
            .for_group_version("", "v1")
            .unwrap()
            .document;
        let (out, err) = render(
            doc,
            ("", "v1", "pods"),
            &["foo".into(), "bar".into()],
            false,
        );
        assert_eq!(out, "KIND:       Pod\nVERSION:    v1\n\n");
        assert_eq!(err.as_deref(), Some("error: field \"bar\" does not exist"));
    }

    #[test]
    fn a_field_shows_its_type_and_the_description_of_what_it_wraps() {
        let doc = &openapi::documents()
            .for_group_version("apps", "v1")
            .unwrap()
            .document;
        let path: Vec<String> = ["spec", "template", "spec", "containers"]
            .map(String::from)
            .to_vec();
        let (out, err) = render(doc, ("apps", "v1", "deployments"), &path, false);
        assert!(err.is_none());
        assert!(out.contains("FIELD: containers <[]Container>\n\n\nDESCRIPTION:\n"));
        assert!(out.contains("  image\t<string>\n"), "{out}");
        assert!(out.contains("  name\t<string> -required-\n"), "{out}");
    }
}
