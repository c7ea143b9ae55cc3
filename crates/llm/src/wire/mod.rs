//! The providers' wire formats: request bodies built from a [`crate::ChatRequest`], replies
//! and error bodies read into provider-neutral types. Pure functions, no IO.

pub mod anthropic;
pub mod openai;

use serde_json::Value;

/// The human-readable message of an error body in any provider's format: OpenAI's
/// `{"error": {"message"}}`, Anthropic's `{"type": "error", "error": {"message"}}`, TGI's and
/// Ollama's `{"error": "..."}`, FastAPI's `{"detail": ...}`; else the body itself.
pub fn error_message(body: &str) -> String {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let found = parsed.as_ref().and_then(|v| {
        let e = v.get("error");
        e.and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| e.and_then(Value::as_str).map(str::to_string))
            .or_else(|| v.get("message").and_then(Value::as_str).map(str::to_string))
            .or_else(|| {
                v.get("detail").map(|d| match d {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            })
    });
    match found {
        Some(m) => m,
        None if body.trim().is_empty() => "(empty body)".into(),
        None => body.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_read_from_every_providers_shape() {
        assert_eq!(
            error_message(r#"{"error":{"message":"bad model","type":"invalid_request_error"}}"#),
            "bad model"
        );
        assert_eq!(
            error_message(
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
            ),
            "Overloaded"
        );
        assert_eq!(
            error_message(r#"{"error":"Input validation error","error_type":"validation"}"#),
            "Input validation error"
        );
        assert_eq!(error_message(r#"{"detail":"Not Found"}"#), "Not Found");
        assert_eq!(error_message("<html>502</html>"), "<html>502</html>");
        assert_eq!(error_message(""), "(empty body)");
    }
}
