//! The API server's answers to fields a schema does not declare (`fieldValidation`), worded as
//! the real server words them: shared by the API server and the in-process `apply`, `create` and
//! `patch`, which must print the same.

use cluster::{FieldError, FieldErrorKind, Kind};
use serde_json::Value;

/// How a write treats undeclared fields: kubectl's `--validate` and the server's
/// `fieldValidation` parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValidation {
    Ignore,
    Warn,
    Strict,
}

impl FieldValidation {
    /// kubectl's `--validate` (already checked by the grammar); its default is `strict`.
    pub fn from_flag(value: Option<&str>) -> FieldValidation {
        match value {
            Some("warn") => FieldValidation::Warn,
            Some("false" | "ignore") => FieldValidation::Ignore,
            _ => FieldValidation::Strict,
        }
    }
}

/// `unknown field "spec.foo"`, one per undeclared field of `object`.
pub fn unknown_field_errors(kind: Kind, object: &Value) -> Vec<String> {
    crate::openapi::unknown_fields(kind, object)
        .into_iter()
        .map(|path| format!("unknown field \"{path}\""))
        .collect()
}

pub fn strict_decoding_error(errors: &[String]) -> String {
    format!("strict decoding error: {}", errors.join(", "))
}

/// What a strict create or update is refused with (400): the body could not be decoded.
pub fn undecodable_message(kind: Kind, errors: &[String]) -> String {
    let version = kind.api_version().rsplit('/').next().unwrap_or("v1");
    format!(
        "{} in version {version:?} cannot be handled as a {}: {}",
        kind.name(),
        kind.name(),
        strict_decoding_error(errors)
    )
}

/// The cause a strict patch is refused with (422), about the field `patch` whose value is shown
/// as `shown`: the patch as Go prints a map (strategic merge), or the patched object.
pub fn invalid_patch_cause(shown: &str, errors: &[String]) -> FieldError {
    FieldError {
        field: "patch".into(),
        kind: FieldErrorKind::Invalid,
        value: go_quote(shown),
        detail: strict_decoding_error(errors),
    }
}

/// Go's `%q` of a string.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value as Go's `fmt.Sprintf("%+v", v)` prints what `json.Unmarshal` into
/// `map[string]interface{}` made of it (integers kept as int64).
pub fn go_format(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => go_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(go_format).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", go_format(&map[k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Go's `%v` of a float64 (`%g` with the shortest representation).
fn go_float(f: f64) -> String {
    let exponent = if f == 0.0 {
        0
    } else {
        f.abs().log10().floor() as i32
    };
    if (-4..21).contains(&exponent) {
        format!("{f}")
    } else {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((mantissa, exp)) => {
                let (sign, digits) = match exp.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', exp),
                };
                format!("{mantissa}e{sign}{digits:0>2}")
            }
            None => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_prints_maps_sorted_and_bare() {
        let v = json!({"b": [1, "x", true], "a": {"c": null, "d": 1.5}});
        assert_eq!(go_format(&v), "map[a:map[c:<nil> d:1.5] b:[1 x true]]");
        assert_eq!(go_float(1e21), "1e+21");
    }

    #[test]
    fn unknown_fields_become_the_servers_messages() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "foo": 1, "spec": {}});
        let errors = unknown_field_errors(Kind::ConfigMap, &cm);
        assert_eq!(errors, ["unknown field \"foo\"", "unknown field \"spec\""]);
        assert_eq!(
            strict_decoding_error(&errors),
            "strict decoding error: unknown field \"foo\", unknown field \"spec\""
        );
    }
}
