//! `-o custom-columns=HEADER:PATH,...`: one column per JSONPath, values printed as Go's `%v`
//! prints them, `<none>` where a path selects nothing.

use serde_json::Value;

use crate::human;
use crate::output::Output;

/// kubectl's `RelaxedJSONPathExpression`: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all mean `{.a.b}`.
fn relaxed(path: &str) -> Result<String, String> {
    let inner = match path.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(inner) => inner,
        None => path,
    };
    let inner = inner.strip_prefix('.').unwrap_or(inner);
    if inner.is_empty() || inner.contains(['{', '}']) {
        return Err("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'".into());
    }
    Ok(format!("{{.{inner}}}"))
}

/// Go's `fmt.Sprintf("%v", v)` of a decoded JSON value.
pub fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(go_value).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{k}:{}", go_value(&map[k])))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Prints `doc` (one object, or a `List`) with the columns of `spec`.
pub fn print(spec: &str, doc: &Value, no_headers: bool) -> Output {
    let mut columns: Vec<(String, String)> = Vec::new();
    for part in spec.split(',') {
        let Some((header, path)) = part.split_once(':') else {
            return Output::error(
                format!(
                    "error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>\n"
                ),
                1,
            );
        };
        match relaxed(path) {
            Ok(p) => columns.push((header.to_string(), p)),
            Err(e) => return Output::error(format!("error: {e}\n"), 1),
        }
    }
    let items: Vec<&Value> = if doc.get("kind").and_then(Value::as_str) == Some("List") {
        doc.get("items")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    } else {
        vec![doc]
    };
    let mut lines: Vec<Vec<String>> = Vec::new();
    if !no_headers {
        lines.push(columns.iter().map(|(h, _)| h.clone()).collect());
    }
    for item in items {
        let mut line = Vec::new();
        for (_, path) in &columns {
            match crate::jsonpath::values(path, item) {
                Ok(values) if values.is_empty() => line.push("<none>".to_string()),
                Ok(values) => line.push(values.iter().map(go_value).collect::<Vec<_>>().join(",")),
                Err(e) => {
                    // The header is already out when kubectl parses the paths.
                    return Output {
                        stdout: human::align(&lines),
                        stderr: format!("error: {e}\n"),
                        exit_code: 1,
                    };
                }
            }
        }
        lines.push(line);
    }
    Output {
        stdout: human::align(&lines),
        ..Output::default()
    }
}

/// `-o custom-columns-file=FILE`: there are no files here, so kubectl's error for a missing one.
pub fn file_error(file: &str) -> Output {
    Output::error(
        format!("error: error reading template {file}, open {file}: no such file or directory\n"),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_formatting_and_missing_values() {
        let doc = json!({"kind": "List", "items": [
            {"metadata": {"name": "a", "labels": {"z": "1", "b": "2"}}, "spec": {"ports": [1, 2]}},
            {"metadata": {"name": "b"}},
        ]});
        let out = print(
            "NAME:.metadata.name,L:metadata.labels,P:{.spec.ports[*]}",
            &doc,
            false,
        );
        assert_eq!(
            out.stdout,
            "NAME   L              P\na      map[b:2 z:1]   1,2\nb      <none>         <none>\n"
        );
        assert_eq!(relaxed("{.a.b}").unwrap(), "{.a.b}");
        assert_eq!(relaxed("a.b").unwrap(), "{.a.b}");
    }
}
