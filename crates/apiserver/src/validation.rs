//! `fieldValidation=Strict|Warn|Ignore` on create, update and patch: fields the schema does not
//! declare fail the request, come back as `Warning` headers (the default), or pass unremarked,
//! with the real API server's texts.

use axum::http::HeaderValue;
use axum::response::Response;
use cluster::Kind;
use serde_json::{Value, json};

use crate::status;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValidation {
    Ignore,
    Warn,
    Strict,
}

impl FieldValidation {
    /// The `fieldValidation` query parameter; the server's default is `Warn`.
    pub fn from_query(value: Option<&str>) -> FieldValidation {
        match value {
            Some("Strict") => FieldValidation::Strict,
            Some("Ignore") => FieldValidation::Ignore,
            _ => FieldValidation::Warn,
        }
    }
}

/// `unknown field "spec.foo"`, one per undeclared field of `object`.
pub fn unknown_field_errors(kind: Kind, object: &Value) -> Vec<String> {
    kubectl::openapi::unknown_fields(kind, object)
        .into_iter()
        .map(|path| format!("unknown field \"{path}\""))
        .collect()
}

fn strict_decoding_error(errors: &[String]) -> String {
    format!("strict decoding error: {}", errors.join(", "))
}

/// The 400 a strict create or update gets: the body could not be decoded strictly.
pub fn undecodable(kind: Kind, errors: &[String]) -> Response {
    let version = kind.api_version().rsplit('/').next().unwrap_or("v1");
    status::bad_request(format!(
        "{} in version {version:?} cannot be handled as a {}: {}",
        kind.name(),
        kind.name(),
        strict_decoding_error(errors)
    ))
}

/// The 422 a strict patch gets: `NewInvalid` with no kind and no name, about the field `patch`
/// whose value is shown as `shown` (the patch as Go prints a map, or the patched object).
pub fn invalid_patch(shown: &str, errors: &[String]) -> Response {
    let body = format!(
        "Invalid value: {}: {}",
        go_quote(shown),
        strict_decoding_error(errors)
    );
    status::json_response(
        422,
        &json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!(" \"\" is invalid: patch: {body}"),
            "reason": "Invalid",
            "details": {"causes": [{"reason": "FieldValueInvalid", "message": body, "field": "patch"}]},
            "code": 422,
        }),
    )
}

/// Adds one `Warning: 299 - "..."` header per message, as `warning.AddWarning` does.
pub fn with_warnings(mut response: Response, warnings: &[String]) -> Response {
    for warning in warnings {
        let escaped = warning.replace('\\', "\\\\").replace('"', "\\\"");
        if let Ok(value) = HeaderValue::from_str(&format!("299 - \"{escaped}\"")) {
            response.headers_mut().append("warning", value);
        }
    }
    response
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
