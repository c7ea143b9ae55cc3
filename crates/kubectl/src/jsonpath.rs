//! kubectl's JSONPath templates (`-o jsonpath=...`): field paths, `[*]`, indexes and slices,
//! filters, recursive descent, `range ... end`, and quoted literals. Missing keys print nothing,
//! as kubectl's default `--allow-missing-template-keys=true` has it.

use serde_json::Value;

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String),
    Recursive(String),
    Wildcard,
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    Filter {
        path: Vec<Step>,
        op: Option<(String, Value)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Text(String),
    Path(Vec<Step>),
    Range(Vec<Step>, Vec<Node>),
}

/// Why a template could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(String);

/// Renders `template` over `root`.
pub fn render(template: &str, root: &Value) -> Result<String, TemplateError> {
    let nodes = parse(template)?;
    let mut out = String::new();
    write_nodes(&nodes, root, &mut out);
    Ok(out)
}

/// The values a single path (`.status.phase`, or `{.status.phase}`) selects, as `--sort-by`
/// reads them.
pub fn values(path: &str, root: &Value) -> Result<Vec<Value>, TemplateError> {
    let inner = path
        .trim()
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(path.trim());
    Ok(eval(&parse_path(inner)?, root))
}

fn parse(template: &str) -> Result<Vec<Node>, TemplateError> {
    let mut stack: Vec<(Vec<Step>, Vec<Node>)> = vec![(Vec::new(), Vec::new())];
    let mut rest = template;
    while !rest.is_empty() {
        let Some(open) = rest.find('{') else {
            push(&mut stack, Node::Text(rest.to_string()));
            break;
        };
        if open > 0 {
            push(&mut stack, Node::Text(rest[..open].to_string()));
        }
        let close = matching_brace(&rest[open..])
            .ok_or_else(|| TemplateError(format!("unclosed action in template {template:?}")))?;
        let action = rest[open + 1..open + close].trim();
        rest = &rest[open + close + 1..];
        if let Some(path) = action.strip_prefix("range ") {
            stack.push((parse_path(path.trim())?, Vec::new()));
        } else if action == "end" {
            if stack.len() < 2 {
                return Err(TemplateError("not in range, nothing to end".into()));
            }
            let (path, body) = stack.pop().unwrap_or_default();
            push(&mut stack, Node::Range(path, body));
        } else if let Some(lit) = quoted(action) {
            push(&mut stack, Node::Text(lit));
        } else {
            push(&mut stack, Node::Path(parse_path(action)?));
        }
    }
    if stack.len() != 1 {
        return Err(TemplateError("unclosed range".into()));
    }
    Ok(stack.pop().map(|(_, nodes)| nodes).unwrap_or_default())
}

fn push(stack: &mut [(Vec<Step>, Vec<Node>)], node: Node) {
    if let Some((_, nodes)) = stack.last_mut() {
        nodes.push(node);
    }
}

/// The offset of the `}` closing the `{` at the start of `s`, skipping quoted strings.
fn matching_brace(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (Some(_), '\\') if !escaped => escaped = true,
            (Some(q), c) if c == q && !escaped => quote = None,
            (Some(_), _) => escaped = false,
            (None, '"' | '\'') => quote = Some(c),
            (None, '}') => return Some(i),
            _ => {}
        }
    }
    None
}

/// `"\n"` and `'text'` literals, with Go's escapes.
fn quoted(action: &str) -> Option<String> {
    let inner = action
        .strip_prefix('"')
        .and_then(|a| a.strip_suffix('"'))
        .or_else(|| action.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')))?;
    Some(
        inner
            .replace("\\n", "\n")
            .replace("\\t", "\t")
            .replace("\\\"", "\"")
            .replace("\\\\", "\\"),
    )
}

fn parse_path(path: &str) -> Result<Vec<Step>, TemplateError> {
    let err = || TemplateError(format!("unrecognized identifier in {path:?}"));
    let mut steps = Vec::new();
    let mut rest = path
        .strip_prefix('$')
        .or_else(|| path.strip_prefix('@'))
        .unwrap_or(path);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("..") {
            let len = r.find(['.', '[']).unwrap_or(r.len());
            steps.push(Step::Recursive(r[..len].to_string()));
            rest = &r[len..];
        } else if let Some(r) = rest.strip_prefix('.') {
            let len = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..len];
            if name == "*" {
                steps.push(Step::Wildcard);
            } else if !name.is_empty() {
                steps.push(Step::Field(name.to_string()));
            }
            rest = &r[len..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let close = matching_bracket(r).ok_or_else(err)?;
            let inner = r[..close].trim();
            rest = &r[close + 1..];
            steps.push(parse_bracket(inner).ok_or_else(err)?);
        } else {
            let len = rest.find(['.', '[']).unwrap_or(rest.len());
            steps.push(Step::Field(rest[..len].to_string()));
            rest = &rest[len..];
        }
    }
    Ok(steps)
}

fn matching_bracket(s: &str) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') if depth == 0 => return Some(i),
            (None, ']') => depth -= 1,
            _ => {}
        }
    }
    None
}

fn parse_bracket(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::Wildcard);
    }
    if let Some(filter) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        for op in ["==", "!=", "<=", ">=", "<", ">"] {
            if let Some((lhs, rhs)) = filter.split_once(op) {
                let rhs = rhs.trim();
                let value = quoted(rhs)
                    .map(Value::String)
                    .or_else(|| serde_json::from_str(rhs).ok())?;
                return Some(Step::Filter {
                    path: parse_path(lhs.trim()).ok()?,
                    op: Some((op.to_string(), value)),
                });
            }
        }
        return Some(Step::Filter {
            path: parse_path(filter.trim()).ok()?,
            op: None,
        });
    }
    if let Some(name) = quoted(inner) {
        return Some(Step::Field(name));
    }
    if let Some((a, b)) = inner.split_once(':') {
        let num = |s: &str| {
            if s.trim().is_empty() {
                Some(None)
            } else {
                s.trim().parse().ok().map(Some)
            }
        };
        let b = b.split(':').next().unwrap_or("");
        return Some(Step::Slice(num(a)?, num(b)?));
    }
    inner.parse().ok().map(Step::Index)
}

fn eval(steps: &[Step], current: &Value) -> Vec<Value> {
    let mut values = vec![current.clone()];
    for step in steps {
        let mut next = Vec::new();
        for v in &values {
            match step {
                Step::Field(name) => next.extend(v.get(name).cloned()),
                Step::Recursive(name) => collect_recursive(v, name, &mut next),
                Step::Wildcard => match v {
                    Value::Array(items) => next.extend(items.iter().cloned()),
                    Value::Object(map) => next.extend(map.values().cloned()),
                    _ => {}
                },
                Step::Index(i) => {
                    if let Value::Array(items) = v {
                        let idx = if *i < 0 { items.len() as i64 + i } else { *i };
                        if idx >= 0 {
                            next.extend(items.get(idx as usize).cloned());
                        }
                    }
                }
                Step::Slice(a, b) => {
                    if let Value::Array(items) = v {
                        let len = items.len() as i64;
                        let clamp = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                        let start = a.map(clamp).unwrap_or(0);
                        let end = b.map(clamp).unwrap_or(len);
                        if start < end {
                            next.extend(items[start as usize..end as usize].iter().cloned());
                        }
                    }
                }
                Step::Filter { path, op } => {
                    if let Value::Array(items) = v {
                        for item in items {
                            let found = eval(path, item);
                            let keep = match op {
                                None => !found.is_empty(),
                                Some((op, want)) => {
                                    found.first().is_some_and(|got| compare(got, op, want))
                                }
                            };
                            if keep {
                                next.push(item.clone());
                            }
                        }
                    }
                }
            }
        }
        values = next;
    }
    values
}

fn collect_recursive(v: &Value, name: &str, out: &mut Vec<Value>) {
    match v {
        Value::Object(map) => {
            if let Some(found) = map.get(name) {
                out.push(found.clone());
            }
            map.values()
                .for_each(|child| collect_recursive(child, name, out));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|child| collect_recursive(child, name, out)),
        _ => {}
    }
}

fn compare(got: &Value, op: &str, want: &Value) -> bool {
    match (got.as_f64(), want.as_f64()) {
        (Some(a), Some(b)) => match op {
            "==" => a == b,
            "!=" => a != b,
            "<" => a < b,
            ">" => a > b,
            "<=" => a <= b,
            _ => a >= b,
        },
        _ => match op {
            "==" => got == want,
            "!=" => got != want,
            _ => false,
        },
    }
}

/// How kubectl prints one value: strings raw, other scalars as JSON, maps and lists as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn write_nodes(nodes: &[Node], current: &Value, out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            // Inside `range` paths are relative to the item; outside, the item is the root.
            Node::Path(steps) => {
                let found = eval(steps, current);
                out.push_str(&found.iter().map(text).collect::<Vec<_>>().join(" "));
            }
            Node::Range(steps, body) => {
                for item in eval(steps, current) {
                    write_nodes(body, &item, out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list() -> Value {
        json!({"kind": "List", "items": [
            {"metadata": {"name": "a", "labels": {"app": "web"}}, "status": {"phase": "Running", "restarts": 0}},
            {"metadata": {"name": "b", "labels": {"app": "db"}}, "status": {"phase": "Pending", "restarts": 3}},
        ]})
    }

    #[test]
    fn paths_wildcards_filters_and_ranges() {
        let l = list();
        assert_eq!(render("{.items[*].metadata.name}", &l).unwrap(), "a b");
        assert_eq!(render("{.items[0].status.phase}", &l).unwrap(), "Running");
        assert_eq!(render("{.items[-1].metadata.name}", &l).unwrap(), "b");
        assert_eq!(
            render("{.items[?(@.status.phase==\"Pending\")].metadata.name}", &l).unwrap(),
            "b"
        );
        assert_eq!(
            render("{.items[?(@.status.restarts>1)].metadata.name}", &l).unwrap(),
            "b"
        );
        assert_eq!(
            render(
                "{range .items[*]}{.metadata.name}{\"\\t\"}{.status.phase}{\"\\n\"}{end}",
                &l
            )
            .unwrap(),
            "a\tRunning\nb\tPending\n"
        );
        assert_eq!(render("{..app}", &l).unwrap(), "web db");
        assert_eq!(
            render("names: {.items[*].metadata.name}!", &l).unwrap(),
            "names: a b!"
        );
        assert_eq!(
            render("{.items[0].metadata.labels}", &l).unwrap(),
            "{\"app\":\"web\"}"
        );
        assert_eq!(render("{.missing.field}", &l).unwrap(), "");
        assert!(render("{.items[*]", &l).is_err());
        assert!(render("{end}", &l).is_err());
    }
}
