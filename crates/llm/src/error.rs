//! The LLM layer's errors. Messages never hold an API key: every text that came from a server
//! is scrubbed of the key and shortened before it is put in an error.

use std::time::Duration;

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("LLM configuration: {0}")]
    Config(String),
    #[error("the LLM server did not answer within {}", secs(.0))]
    Timeout(Duration),
    #[error("cannot reach the LLM server: {0}")]
    Connect(String),
    #[error("the LLM server answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("rate limited by the LLM server; it asks to wait {}", secs(.retry_after))]
    RateLimited { retry_after: Duration },
    #[error("the LLM reply is malformed: {0}")]
    Malformed(String),
    #[error("the LLM reply does not fit the schema: {0}")]
    Schema(String),
    #[error("the LLM client is paused after {failures} failures in a row; next try in {}", secs(.retry_in))]
    CircuitOpen { failures: u32, retry_in: Duration },
    #[error("the LLM client's worker stopped")]
    Closed,
}

fn secs(d: &Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// The longest server text kept in an error.
pub const MAX_ERROR_TEXT: usize = 300;

/// `text` without any occurrence of `secret`, cut to [`MAX_ERROR_TEXT`] characters.
pub(crate) fn scrub(text: &str, secret: Option<&str>) -> String {
    let mut out = match secret.filter(|s| s.len() >= 4) {
        Some(s) => text.replace(s, "[redacted]"),
        None => text.to_string(),
    };
    if out.chars().count() > MAX_ERROR_TEXT {
        out = out.chars().take(MAX_ERROR_TEXT).collect::<String>() + "…";
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubbing_removes_the_secret_and_bounds_the_text() {
        assert_eq!(
            scrub("bad key sk-secret-1 given", Some("sk-secret-1")),
            "bad key [redacted] given"
        );
        let long = "x".repeat(1000);
        assert_eq!(scrub(&long, None).chars().count(), MAX_ERROR_TEXT + 1);
    }
}
