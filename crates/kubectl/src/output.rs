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
    let text = String::from_utf8(buf).unwrap_or_default();
    // Go's encoder escapes HTML-sensitive characters and the JavaScript line separators.
    let mut out = String::with_capacity(text.len() + 1);
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

/// go-yaml's choice of style for a string: plain when it reads back as the same string,
/// double-quoted when it would read back as another type, single-quoted when only the syntax is
/// in the way.
fn quote(s: &str) -> String {
    if s.contains('\n') || resolves_to_another_type(s) || s.chars().any(|c| c.is_control()) {
        return double_quoted(s);
    }
    if plain_breaks_syntax(s) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    s.to_string()
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// YAML 1.1 booleans, null, numbers and timestamps, as go-yaml v2 resolves plain scalars.
fn resolves_to_another_type(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes",
        "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "Y", "n", "N",
        ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", ".nan", ".NaN", ".NAN",
    ];
    if RESERVED.contains(&s) {
        return true;
    }
    let digits = s.trim_start_matches(['+', '-']).replace('_', "");
    let numeric = !digits.is_empty()
        && digits.chars().all(|c| {
            c.is_ascii_hexdigit()
                || matches!(c, '.' | 'e' | 'E' | '+' | '-' | 'x' | 'o' | 'b' | ':')
        })
        && digits
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && (digits.parse::<f64>().is_ok()
            || digits.starts_with("0x")
            || digits.starts_with("0b")
            || digits
                .split(':')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())));
    numeric || is_timestamp(s)
}

/// `2006-1-2`, optionally followed by a time after `T`, `t` or a space.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut parts = s[5..].splitn(2, '-');
    let month = parts.next().unwrap_or("");
    let rest = parts.next().unwrap_or("");
    let day_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let ok_num = |p: &str| (1..=2).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit());
    ok_num(month)
        && (1..=2).contains(&day_len)
        && matches!(
            rest.as_bytes().get(day_len),
            None | Some(b'T' | b't' | b' ')
        )
}

/// Whether a plain scalar would not parse back as this string.
fn plain_breaks_syntax(s: &str) -> bool {
    if s.starts_with([
        ' ', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`',
    ]) {
        return true;
    }
    // `-`, `?` and `:` start a plain scalar only when a non-space follows.
    if s.starts_with(['-', '?', ':']) && s.chars().nth(1).is_none_or(|c| c == ' ') {
        return true;
    }
    s.ends_with(' ') || s.ends_with(':') || s.contains(": ") || s.contains(" #") || s.contains('\t')
}

/// A multi-line string as go-yaml writes it: a literal block, `|` when it ends with a newline
/// and `|-` when it does not. Lines with trailing spaces force the double-quoted style instead.
fn literal_block(s: &str, indent: usize) -> Option<String> {
    if !s.contains('\n')
        || s.lines().any(|l| l.ends_with(' ') || l.ends_with('\t'))
        || s.starts_with(' ')
    {
        return None;
    }
    let header = if s.ends_with('\n') { "|" } else { "|-" };
    let pad = " ".repeat(indent);
    let mut out = format!("{header}\n");
    for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{pad}{line}\n"));
        }
    }
    Some(out)
}

/// go-yaml's `best_width`: past this column a plain or single-quoted scalar breaks at a space.
const BEST_WIDTH: usize = 80;

/// Breaks a plain or single-quoted scalar, written from `column`, as go-yaml's emitter does: at
/// the first lone space past [`BEST_WIDTH`], continuing at `continuation`. Double-quoted scalars
/// are left whole.
fn fold(rendered: &str, column: usize, continuation: usize) -> String {
    if rendered.starts_with('"') || column + rendered.chars().count() <= BEST_WIDTH {
        return rendered.to_string();
    }
    let quoted = rendered.starts_with('\'');
    let chars: Vec<char> = rendered.chars().collect();
    let mut out = String::with_capacity(rendered.len() + 16);
    let mut column = column;
    let mut after_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if c != ' ' {
            out.push(c);
            column += 1;
            after_space = false;
            continue;
        }
        let lone = chars.get(i + 1).is_some_and(|&n| n != ' ');
        // A single-quoted scalar never breaks next to its quotes.
        let inside = !quoted || (i > 1 && i + 2 < chars.len());
        if !after_space && column > BEST_WIDTH && lone && inside {
            out.push('\n');
            out.push_str(&" ".repeat(continuation));
            column = continuation;
        } else {
            out.push(' ');
            column += 1;
        }
        after_space = true;
    }
    out
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
                    Value::String(s) => match literal_block(s, indent + 2) {
                        Some(block) => out.push_str(&format!("{pad}{}: {block}", quote(k))),
                        None => {
                            let prefix = format!("{pad}{}: ", quote(k));
                            let value = fold(&quote(s), prefix.chars().count(), indent + 2);
                            out.push_str(&format!("{prefix}{value}\n"));
                        }
                    },
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
                    Value::String(s) => match literal_block(s, indent + 2) {
                        Some(block) => out.push_str(&format!("{pad}- {block}")),
                        None => {
                            let value = fold(&quote(s), indent + 2, indent + 2);
                            out.push_str(&format!("{pad}- {value}\n"));
                        }
                    },
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
    fn long_scalars_break_at_a_space_past_column_80() {
        let words = |r: std::ops::RangeInclusive<u32>| {
            r.map(|n| format!("w{n:02}")).collect::<Vec<_>>().join(" ")
        };
        let value = words(1..=40);
        // After a mapping key the space past column 80 follows w19; the next line starts at
        // column 2 and breaks after w39.
        assert_eq!(
            yaml(&json!({ "note": value })),
            format!(
                "note: {}\n  {}\n  {}\n",
                words(1..=19),
                words(20..=39),
                words(40..=40)
            )
        );
        // A sequence item starts at column 2: the first break follows w20.
        assert_eq!(
            yaml(&json!({ "items": [value] })),
            format!("items:\n- {}\n  {}\n", words(1..=20), words(21..=40))
        );
        // Single-quoted scalars break too, never next to a quote.
        let quoted = format!("{}: {}", words(1..=2), words(3..=40));
        assert!(yaml(&json!({ "note": quoted })).starts_with("note: 'w01 w02: w03"));
        assert_eq!(yaml(&json!({ "note": quoted })).lines().count(), 3);
        // Short values and long values without spaces stay on one line.
        let long_word = "x".repeat(120);
        assert_eq!(
            yaml(&json!({ "k": long_word })),
            format!("k: {long_word}\n")
        );
    }

    #[test]
    fn yaml_like_kubectl() {
        let v = json!({"kind": "Pod", "metadata": {"labels": {"app": "web"}, "name": "x"}, "spec": {"containers": [{"args": ["-c", "exit 1"], "name": "c"}], "tolerations": []}, "n": 3, "s": "true"});
        assert_eq!(
            yaml(&v),
            "kind: Pod\nmetadata:\n  labels:\n    app: web\n  name: x\n\"n\": 3\ns: \"true\"\nspec:\n  containers:\n  - args:\n    - -c\n    - exit 1\n    name: c\n  tolerations: []\n"
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
