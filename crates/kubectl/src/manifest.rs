//! Manifests on standard input (`-f -`), read as kubectl's resource builder reads them: YAML
//! documents separated by `---` lines (JSON is YAML too), `List` kinds flattened, each object
//! mapped to a served kind, with kubectl's errors for what cannot be read or mapped.

use cluster::Kind;
use serde_json::{Map, Value};

/// Where kubectl says the objects came from.
pub const SOURCE: &str = "STDIN";

/// One object of the manifest, mapped to a kind the server serves.
#[derive(Clone, Debug)]
pub struct Info {
    pub kind: Kind,
    pub namespace: String,
    pub name: String,
    /// The object as given, with the namespace kubectl puts on it.
    pub object: Value,
}

/// The objects of a manifest and the errors met reading it, in order.
#[derive(Debug, Default)]
pub struct Read {
    pub infos: Vec<Info>,
    /// kubectl's messages, without the `error: ` prefix.
    pub errors: Vec<String>,
}

/// Splits a YAML stream at `---` lines, as kubectl's YAML reader does.
fn documents(stream: &str) -> Vec<String> {
    let mut docs = Vec::new();
    let mut current = String::new();
    for line in stream.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if rest.is_empty() || rest.starts_with('#') {
                docs.push(std::mem::take(&mut current));
                continue;
            }
        }
        current.push_str(line);
    }
    docs.push(current);
    docs
}

/// Whether a document holds nothing but blank lines and comments.
fn is_blank(doc: &str) -> bool {
    doc.lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
}

/// YAML floats that are whole numbers become integers, as Go's YAML to JSON conversion gives.
fn normalise_numbers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 1e15
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise_numbers),
        Value::Object(map) => map.values_mut().for_each(normalise_numbers),
        _ => {}
    }
}

/// Go's `json.Marshal` of decoded JSON: compact, keys sorted, HTML characters escaped.
pub fn go_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// The served kind for `apiVersion` and `kind`.
pub fn kind_for(api_version: &str, kind: &str) -> Option<Kind> {
    Kind::ALL
        .iter()
        .copied()
        .find(|k| k.name() == kind && k.api_version() == api_version)
}

/// Reads the manifest. `namespace` is `-n` (enforced when given) or the default namespace.
pub fn read(stream: &str, namespace: &str, enforce: bool) -> Read {
    let mut read = Read::default();
    for doc in documents(stream) {
        if is_blank(&doc) {
            continue;
        }
        let mut value: Value = match serde_saphyr::from_str(&doc) {
            Ok(v) => v,
            Err(e) => {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or_default().to_string();
                read.errors.push(format!(
                    "error parsing {SOURCE}: error converting YAML to JSON: yaml: {first}"
                ));
                // kubectl's stream reader stops at the first document it cannot read.
                return read;
            }
        };
        if value.is_null() {
            continue;
        }
        normalise_numbers(&mut value);
        let is_list = value
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && value.get("items").is_some_and(Value::is_array);
        let objects = if is_list {
            match value.get_mut("items").map(Value::take) {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            }
        } else {
            vec![value]
        };
        for object in objects {
            match info(object, namespace, enforce) {
                Ok(i) => read.infos.push(i),
                Err(e) => read.errors.push(e),
            }
        }
    }
    read
}

impl Info {
    /// The name of `object` as stored (a generated one for `generateName`), else this one's.
    pub fn name_of(&self, object: &Value) -> String {
        object["metadata"]["name"]
            .as_str()
            .map_or_else(|| self.name.clone(), str::to_string)
    }
}

fn info(mut object: Value, namespace: &str, enforce: bool) -> Result<Info, String> {
    let Value::Object(map) = &object else {
        return Err(format!(
            "unable to decode \"{SOURCE}\": json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            go_type(&object)
        ));
    };
    let kind_name = map.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind_name.is_empty() {
        return Err(format!(
            "unable to decode \"{SOURCE}\": Object 'Kind' is missing in '{}'",
            go_json(&object)
        ));
    }
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let meta = map.get("metadata").and_then(Value::as_object);
    let text = |m: Option<&Map<String, Value>>, key: &str| {
        m.and_then(|m| m.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    // Go decodes metadata into typed fields: `name: y` (a YAML 1.1 boolean) does not fit.
    for field in ["name", "generateName", "namespace"] {
        if let Some(v) = meta.and_then(|m| m.get(field))
            && !v.is_string()
            && !v.is_null()
        {
            return Err(format!(
                "unable to decode \"{SOURCE}\": json: cannot unmarshal {} into Go struct field ObjectMeta.metadata.{field} of type string",
                go_type(v)
            ));
        }
    }
    let name = text(meta, "name");
    let given_namespace = text(meta, "namespace");
    let Some(kind) = kind_for(api_version, kind_name) else {
        return Err(format!(
            "resource mapping not found for name: \"{name}\" namespace: \"{given_namespace}\" from \"{SOURCE}\": no matches for kind \"{kind_name}\" in version \"{api_version}\"\nensure CRDs are installed first"
        ));
    };
    let mut ns = String::new();
    if kind.namespaced() {
        if given_namespace.is_empty() {
            ns = namespace.to_string();
            if !object["metadata"].is_object() {
                object["metadata"] = Value::Object(Map::new());
            }
            object["metadata"]["namespace"] = Value::String(ns.clone());
        } else {
            if enforce && given_namespace != namespace {
                return Err(format!(
                    "the namespace from the provided object \"{given_namespace}\" does not match the namespace \"{namespace}\". You must pass '--namespace={given_namespace}' to perform this operation."
                ));
            }
            ns = given_namespace;
        }
    }
    Ok(Info {
        kind,
        namespace: ns,
        name,
        object,
    })
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Array(_) => "array",
        _ => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_lists_and_namespaces() {
        let stream = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n# only a comment\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: staging\n";
        let read = read(stream, "payments", false);
        assert!(read.errors.is_empty(), "{:?}", read.errors);
        let names: Vec<(&str, &str)> = read
            .infos
            .iter()
            .map(|i| (i.namespace.as_str(), i.name.as_str()))
            .collect();
        assert_eq!(names, [("payments", "a"), ("", "staging")]);
        assert_eq!(read.infos[0].object["metadata"]["namespace"], "payments");
    }

    #[test]
    fn unknown_kinds_and_missing_kinds_are_reported() {
        let read = read("apiVersion: v1\nmetadata:\n  name: x\n", "default", false);
        assert_eq!(
            read.errors,
            [
                "unable to decode \"STDIN\": Object 'Kind' is missing in '{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}'"
            ]
        );
        let read = super::read("apiVersion: apps/v1\nkind: Foo\n", "default", false);
        assert!(read.errors[0].contains("no matches for kind \"Foo\" in version \"apps/v1\""));
    }
}
