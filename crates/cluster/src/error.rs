//! Errors as the API server reports them: a `Status` reason, an HTTP code, and the exact message
//! kubectl prints after `Error from server (Reason): `.

use std::fmt;

use crate::store::Kind;

/// The `reason` of a Kubernetes `Status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Reason {
    NotFound,
    AlreadyExists,
    Invalid,
    Forbidden,
    Conflict,
    BadRequest,
    MethodNotAllowed,
}

impl Reason {
    pub fn code(self) -> u16 {
        match self {
            Reason::NotFound => 404,
            Reason::AlreadyExists | Reason::Conflict => 409,
            Reason::Invalid => 422,
            Reason::Forbidden => 403,
            Reason::BadRequest => 400,
            Reason::MethodNotAllowed => 405,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A refused API request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub reason: Reason,
    pub message: String,
    /// Field-level causes for `Invalid`.
    pub causes: Vec<FieldError>,
}

impl ApiError {
    pub fn code(&self) -> u16 {
        self.reason.code()
    }

    pub fn not_found(kind: Kind, name: &str) -> Self {
        Self::new(
            Reason::NotFound,
            format!("{} \"{name}\" not found", kind.qualified_plural()),
        )
    }

    pub fn already_exists(kind: Kind, name: &str) -> Self {
        Self::new(
            Reason::AlreadyExists,
            format!("{} \"{name}\" already exists", kind.qualified_plural()),
        )
    }

    pub fn forbidden(kind: Kind, name: &str, why: &str) -> Self {
        Self::new(
            Reason::Forbidden,
            format!("{} \"{name}\" is forbidden: {why}", kind.qualified_plural()),
        )
    }

    pub fn conflict(kind: Kind, name: &str) -> Self {
        Self::new(
            Reason::Conflict,
            format!(
                "Operation cannot be fulfilled on {} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                kind.qualified_plural()
            ),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(Reason::BadRequest, message.into())
    }

    /// `The Deployment "x" is invalid: <cause>` or `... is invalid: [<cause>, <cause>]`.
    pub fn invalid(kind: Kind, name: &str, causes: Vec<FieldError>) -> Self {
        let detail = match causes.as_slice() {
            [one] => one.to_string(),
            many => format!(
                "[{}]",
                many.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        ApiError {
            reason: Reason::Invalid,
            message: format!("The {} \"{name}\" is invalid: {detail}", kind.name()),
            causes,
        }
    }

    fn new(reason: Reason, message: String) -> Self {
        ApiError {
            reason,
            message,
            causes: Vec::new(),
        }
    }
}

/// One field-level validation failure, formatted as the API server's `field.Error`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub kind: FieldErrorKind,
    /// The offending value, already rendered (`"64Mi"`, `-1`); empty when not shown.
    pub value: String,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum FieldErrorKind {
    Invalid,
    Required,
    Forbidden,
    Unsupported,
    Duplicate,
}

impl FieldError {
    pub fn invalid(
        field: impl Into<String>,
        value: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Invalid,
            value: value.into(),
            detail: detail.into(),
        }
    }

    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Required,
            value: String::new(),
            detail: detail.into(),
        }
    }

    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Forbidden,
            value: String::new(),
            detail: detail.into(),
        }
    }

    pub fn unsupported(
        field: impl Into<String>,
        value: impl Into<String>,
        supported: &[&str],
    ) -> Self {
        let list = supported
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ");
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Unsupported,
            value: value.into(),
            detail: format!("supported values: {list}"),
        }
    }

    pub fn duplicate(field: impl Into<String>, value: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            kind: FieldErrorKind::Duplicate,
            value: value.into(),
            detail: String::new(),
        }
    }
}

/// Renders a string value as the API server quotes it.
pub fn quoted(s: &str) -> String {
    format!("{s:?}")
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.kind {
            FieldErrorKind::Invalid => "Invalid value",
            FieldErrorKind::Required => "Required value",
            FieldErrorKind::Forbidden => "Forbidden",
            FieldErrorKind::Unsupported => "Unsupported value",
            FieldErrorKind::Duplicate => "Duplicate value",
        };
        write!(f, "{}: {label}", self.field)?;
        if !self.value.is_empty() {
            write!(f, ": {}", self.value)?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}
