//! What a kubectl invocation prints and returns, and kubectl's JSON and YAML encodings.

use serde_json::Value;

/// stdout, stderr and the exit code of one invocation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
}

impl Output {
    pub fn error(stderr: String, exit_code: i32) -> Output {
        Output {
            stdout: String::new(),
            stderr,
            exit_code,
        }
    }
}

/// `-o json`: keys sorted, four-space indentation, as kubectl prints unstructured objects.
pub fn json(value: &Value) -> String {
    let mut buf = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, formatter);
    if serde::Serialize::serialize(value, &mut ser).is_err() {
        return String::new();
    }
    let mut out = String::from_utf8(buf).unwrap_or_default();
    out.push('\n');
    out
}

/// `-o yaml`, in the style of sigs.k8s.io/yaml: sorted keys, two-space indentation, list items
/// at the parent's indentation.
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    write_yaml(value, 0, &mut out);
    out
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        _ => String::new(),
    }
}

/// Quotes a string the way go-yaml does when it would otherwise read back as another type.
fn quote(s: &str) -> String {
    if s.contains('\n') {
        return format!("{s:?}");
    }
    let plain_ok = !needs_quotes(s);
    if plain_ok {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Whether a plain scalar would read back as something else (a bool, a number, null) or break
/// the YAML syntax.
fn needs_quotes(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "null", "~", "True", "False", "Yes", "No", "On",
        "Off", "Null", "TRUE", "FALSE", "NULL", "YES", "NO", "ON", "OFF", "y", "n", "Y", "N",
    ];
    if s.is_empty() || RESERVED.contains(&s) || s.parse::<f64>().is_ok() {
        return true;
    }
    if s.starts_with([
        ' ', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
    ]) {
        return true;
    }
    // `-`, `?` and `:` start a plain scalar only when a non-space follows.
    if s.starts_with(['-', '?', ':']) && s.chars().nth(1).is_none_or(|c| c == ' ') {
        return true;
    }
    s.ends_with(' ') || s.ends_with(':') || s.contains(": ") || s.contains(" #")
}

fn write_yaml(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
        Value::Object(map) if !map.is_empty() => {
            for (k, val) in map {
                match val {
                    Value::Object(m) if !m.is_empty() => {
                        out.push_str(&format!("{pad}{}:\n", quote(k)));
                        write_yaml(val, indent + 2, out);
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}{}:\n", quote(k)));
                        write_yaml(val, indent, out);
                    }
                    Value::String(s) if s.contains('\n') => {
                        out.push_str(&format!("{pad}{}: |\n", quote(k)));
                        for line in s.trim_end_matches('\n').lines() {
                            out.push_str(&format!("{pad}  {line}\n"));
                        }
                    }
                    _ => out.push_str(&format!("{pad}{}: {}\n", quote(k), scalar(val))),
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        let mut nested = String::new();
                        write_yaml(item, indent + 2, &mut nested);
                        // The first key goes on the dash line.
                        let body = nested
                            .strip_prefix(&" ".repeat(indent + 2))
                            .unwrap_or(&nested);
                        out.push_str(&format!("{pad}- {body}"));
                    }
                    Value::Array(a) if !a.is_empty() => {
                        out.push_str(&format!("{pad}-\n"));
                        write_yaml(item, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}- {}\n", scalar(item))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_like_kubectl() {
        let v = json!({"kind": "Pod", "metadata": {"labels": {"app": "web"}, "name": "x"}, "spec": {"containers": [{"args": ["-c", "exit 1"], "name": "c"}], "tolerations": []}, "n": 3, "s": "true"});
        assert_eq!(
            yaml(&v),
            "kind: Pod\nmetadata:\n  labels:\n    app: web\n  name: x\n'n': 3\ns: 'true'\nspec:\n  containers:\n  - args:\n    - -c\n    - exit 1\n    name: c\n  tolerations: []\n"
        );
    }

    #[test]
    fn json_like_kubectl() {
        assert_eq!(
            json(&json!({"b": 1, "a": [1]})),
            "{\n    \"a\": [\n        1\n    ],\n    \"b\": 1\n}\n"
        );
    }
}
