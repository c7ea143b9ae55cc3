//! JSON from what models actually write: reasoning in `<think>` blocks, code fences, prose
//! before and after, several candidate objects.

use serde_json::Value;

/// Starting points tried when scanning prose for a JSON value.
const MAX_CANDIDATES: usize = 64;

/// `text` without reasoning: closed `<think>...</think>` blocks removed, and when a reply holds
/// only the closing tag (servers that strip the opening one), everything before it.
pub fn strip_think(text: &str) -> String {
    let mut out = text.to_string();
    loop {
        let lower = out.to_ascii_lowercase();
        let Some(open) = lower.find("<think>") else {
            break;
        };
        match lower[open..].find("</think>") {
            Some(rel) => out.replace_range(open..open + rel + "</think>".len(), ""),
            // Unterminated: the rest is reasoning cut off by the token limit.
            None => {
                out.truncate(open);
                break;
            }
        }
    }
    let lower = out.to_ascii_lowercase();
    if let Some(close) = lower.rfind("</think>") {
        out = out[close + "</think>".len()..].to_string();
    }
    out.trim().to_string()
}

/// The bodies of fenced code blocks, in order (```json, ```, ~~~).
pub fn fenced_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        let t = line.trim_start();
        let fence = ["```", "~~~"].into_iter().find(|f| t.starts_with(f));
        match (&mut current, fence) {
            (None, Some(f)) => current = Some((f.to_string(), String::new())),
            (Some((open, body)), Some(f)) if *open == f && t.trim() == f => {
                blocks.push(std::mem::take(body));
                current = None;
            }
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    // A fence left open by a token limit still holds what was written.
    if let Some((_, body)) = current
        && !body.trim().is_empty()
    {
        blocks.push(body);
    }
    blocks
}

/// The first JSON object (or, failing that, array) in a model's reply.
pub fn extract(text: &str) -> Result<Value, String> {
    let text = strip_think(text);
    if text.is_empty() {
        return Err("the reply is empty (or only reasoning)".into());
    }
    if let Ok(v) = serde_json::from_str::<Value>(&text)
        && (v.is_object() || v.is_array())
    {
        return Ok(v);
    }
    for block in fenced_blocks(&text) {
        if let Some(v) = scan(&block) {
            return Ok(v);
        }
    }
    scan(&text).ok_or_else(|| {
        let preview: String = text.chars().take(80).collect();
        format!("no JSON object found in the reply (it starts {preview:?})")
    })
}

/// The first balanced `{...}` that parses, else the first `[...]`.
fn scan(text: &str) -> Option<Value> {
    for open in ['{', '['] {
        for (start, _) in text.match_indices(open).take(MAX_CANDIDATES) {
            if let Some(end) = balanced_end(&text[start..])
                && let Ok(v) = serde_json::from_str::<Value>(&text[start..start + end])
            {
                return Some(v);
            }
        }
    }
    None
}

/// The length of the balanced bracket expression at the start of `s`, strings respected.
fn balanced_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' => depth += 1,
            '}' | ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + c.len_utf8());
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_found_in_what_models_write() {
        let want = json!({"score": 0.5, "reason": "ok"});
        for text in [
            r#"{"score": 0.5, "reason": "ok"}"#,
            "```json\n{\"score\": 0.5, \"reason\": \"ok\"}\n```",
            "Here is my verdict:\n```\n{\"score\": 0.5, \"reason\": \"ok\"}\n```\nThanks.",
            "<think>The agent looked at {pods}. Score {maybe 1}?</think>\n{\"score\": 0.5, \"reason\": \"ok\"}",
            "<THINK>hmm</THINK>Sure! {\"score\": 0.5, \"reason\": \"ok\"} hope that helps",
            "reasoning without an opening tag</think>{\"score\": 0.5, \"reason\": \"ok\"}",
            "The {braces} first, then {\"score\": 0.5, \"reason\": \"ok\"}",
            "```json\n{\"score\": 0.5, \"reason\": \"ok\"}",
        ] {
            assert_eq!(extract(text), Ok(want.clone()), "{text}");
        }
        assert_eq!(
            extract(r#"{"reason": "a } in a string \" and {", "score": 0.5}"#).unwrap()["score"],
            0.5
        );
    }

    #[test]
    fn no_json_is_an_error_not_a_panic() {
        for text in [
            "",
            "<think>only thinking, cut off",
            "no json here",
            "{unbalanced",
            "}}}{{{",
            "{\"a\": }",
            "\u{1F600}{",
        ] {
            assert!(extract(text).is_err(), "{text}");
        }
    }
}
