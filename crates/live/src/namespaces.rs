//! Per-session namespaces on a shared cluster: the session id, the map from the logical names the
//! agent and the incidents use (`payments`) to the real ones (`ksg-<session>-payments`), the
//! ownership labels, and the text rewriting in both directions.
//!
//! The agent types logical names and reads logical names: commands are rewritten on the way in
//! and kubectl's output on the way out, so an incident reads exactly as it does on the simulator.

use std::collections::BTreeMap;

/// Label on everything the environment creates: the sweep finds leftovers by it.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY_VALUE: &str = "kube-sre-gym";
/// Label naming the session that owns an object.
pub const SESSION_LABEL: &str = "kube-sre-gym/session";
/// Label naming the logical namespace a real namespace stands for.
pub const LOGICAL_LABEL: &str = "kube-sre-gym/namespace";
/// Prefix of every session namespace.
pub const PREFIX: &str = "ksg";
/// The longest session id: `ksg-<id>-<logical>` must stay a DNS label (63 bytes).
pub const MAX_SESSION_ID_LEN: usize = 20;

/// The logical namespaces every session gets: the baseline's application namespaces and
/// `default`, which commands without `-n` use (empty, as on the simulator).
pub const LOGICAL_NAMESPACES: &[&str] = &["auth", "default", "frontend", "payments"];

/// Why a session id or namespace map is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NamespaceError {
    #[error(
        "invalid session id {0:?}: use 1 to {MAX_SESSION_ID_LEN} lower-case letters and digits"
    )]
    InvalidSessionId(String),
    #[error("invalid logical namespace {0:?}: it must be a DNS label of at most 30 bytes")]
    InvalidLogical(String),
}

/// A session's id: lower-case letters and digits only, so that no real name of one session can
/// be a prefix-extension of another's (`ksg-a-...` against `ksg-a1-...` differ at the dash).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(String);

impl SessionId {
    pub fn new(id: &str) -> Result<SessionId, NamespaceError> {
        let ok = !id.is_empty()
            && id.len() <= MAX_SESSION_ID_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if ok {
            Ok(SessionId(id.to_string()))
        } else {
            Err(NamespaceError::InvalidSessionId(id.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The session's namespaces: logical name to real name, both directions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceMap {
    session: SessionId,
    to_real: BTreeMap<String, String>,
}

impl NamespaceMap {
    /// The standard map: every name of [`LOGICAL_NAMESPACES`].
    pub fn new(session: SessionId) -> NamespaceMap {
        Self::with_logical(session, LOGICAL_NAMESPACES).expect("the built-in names are valid")
    }

    /// A map over other logical namespaces (generated topologies).
    pub fn with_logical(
        session: SessionId,
        logical: &[&str],
    ) -> Result<NamespaceMap, NamespaceError> {
        let mut to_real = BTreeMap::new();
        for name in logical {
            if !is_dns_label(name) || name.len() > 30 {
                return Err(NamespaceError::InvalidLogical(name.to_string()));
            }
            to_real.insert(name.to_string(), format!("{PREFIX}-{session}-{name}"));
        }
        Ok(NamespaceMap { session, to_real })
    }

    pub fn session(&self) -> &SessionId {
        &self.session
    }

    /// The real name of a logical namespace of this session.
    pub fn real(&self, logical: &str) -> Option<&str> {
        self.to_real.get(logical).map(String::as_str)
    }

    /// The logical name of a real namespace of this session.
    pub fn logical(&self, real: &str) -> Option<&str> {
        self.to_real
            .iter()
            .find(|(_, r)| r.as_str() == real)
            .map(|(l, _)| l.as_str())
    }

    /// Logical names, sorted.
    pub fn logical_names(&self) -> impl Iterator<Item = &str> {
        self.to_real.keys().map(String::as_str)
    }

    /// (logical, real) pairs, sorted by logical name.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.to_real.iter().map(|(l, r)| (l.as_str(), r.as_str()))
    }

    /// The labels every object of this session carries.
    pub fn labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (MANAGED_BY_LABEL.to_string(), MANAGED_BY_VALUE.to_string()),
            (SESSION_LABEL.to_string(), self.session.to_string()),
        ])
    }

    /// A label selector for everything this session owns.
    pub fn selector(&self) -> String {
        format!(
            "{MANAGED_BY_LABEL}={MANAGED_BY_VALUE},{SESSION_LABEL}={}",
            self.session
        )
    }

    /// Rewrites real names in text the agent will read (kubectl output) to logical ones.
    /// A real name is replaced only where it stands as a whole word of a DNS name, so no
    /// unrelated text changes. Table columns are not re-aligned here: the executor
    /// re-aligns tables that carry a NAMESPACE column.
    pub fn to_logical_text(&self, text: &str) -> String {
        let prefix = format!("{PREFIX}-{}-", self.session);
        if !text.contains(&prefix) {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find(&prefix) {
            let before_ok = rest[..at]
                .chars()
                .last()
                .or_else(|| out.chars().last())
                .is_none_or(|c| !is_name_char(c));
            let (head, tail) = rest.split_at(at);
            out.push_str(head);
            // The longest logical name that ends at a name boundary.
            let found = self
                .to_real
                .iter()
                .filter(|(_, real)| {
                    tail.starts_with(real.as_str())
                        && tail[real.len()..]
                            .chars()
                            .next()
                            .is_none_or(|c| !is_name_char(c))
                })
                .max_by_key(|(_, real)| real.len());
            match found {
                Some((logical, real)) if before_ok => {
                    out.push_str(logical);
                    rest = &tail[real.len()..];
                }
                _ => {
                    out.push_str(&prefix);
                    rest = &tail[prefix.len()..];
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Rewrites in-cluster DNS names in text the agent typed (`payment-db.payments.svc...`)
    /// to the session's namespaces, so a value copied from the simulator's manifests still
    /// points at this session's service.
    pub fn to_real_dns(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (logical, real) in &self.to_real {
            out = replace_dns(&out, logical, real);
        }
        out
    }
}

/// Replaces `.<from>.svc` with `.<to>.svc` where `<from>` is a whole label.
fn replace_dns(text: &str, from: &str, to: &str) -> String {
    let needle = format!(".{from}.svc");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        out.push_str(&rest[..at]);
        let after = &rest[at + needle.len()..];
        if after.chars().next().is_none_or(|c| !is_name_char(c)) {
            out.push('.');
            out.push_str(to);
            out.push_str(".svc");
        } else {
            out.push_str(&needle);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

/// An RFC 1123 label: what a namespace name must be.
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(id: &str) -> NamespaceMap {
        NamespaceMap::new(SessionId::new(id).unwrap())
    }

    #[test]
    fn session_ids_are_short_lowercase_alphanumerics() {
        for good in ["a", "s1", "abc123", "01234567890123456789"] {
            assert!(SessionId::new(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "A",
            "a-b",
            "a_b",
            "a.b",
            "012345678901234567890",
            "é",
            "a b",
        ] {
            assert!(SessionId::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn maps_logical_names_to_prefixed_ones_and_back() {
        let m = map("s7");
        assert_eq!(m.real("payments"), Some("ksg-s7-payments"));
        assert_eq!(m.real("default"), Some("ksg-s7-default"));
        assert_eq!(m.real("kube-system"), None);
        assert_eq!(m.logical("ksg-s7-auth"), Some("auth"));
        assert_eq!(m.logical("auth"), None);
        assert_eq!(
            m.logical_names().collect::<Vec<_>>(),
            ["auth", "default", "frontend", "payments"]
        );
        for (_, real) in m.pairs() {
            assert!(is_dns_label(real), "{real}");
        }
        assert_eq!(
            m.selector(),
            "app.kubernetes.io/managed-by=kube-sre-gym,kube-sre-gym/session=s7"
        );
    }

    #[test]
    fn the_longest_session_id_still_gives_dns_labels() {
        let m = map(&"z".repeat(MAX_SESSION_ID_LEN));
        for (_, real) in m.pairs() {
            assert!(is_dns_label(real), "{real}");
        }
        assert!(NamespaceMap::with_logical(SessionId::new("a").unwrap(), &["Payments"]).is_err());
    }

    #[test]
    fn output_shows_logical_names_only_where_a_real_name_stands_whole() {
        let m = map("s7");
        let table = "NAMESPACE         NAME\nksg-s7-payments   payment-api-1\nksg-s7-auth       auth-db-0\n";
        assert_eq!(
            m.to_logical_text(table),
            "NAMESPACE         NAME\npayments   payment-api-1\nauth       auth-db-0\n"
        );
        assert_eq!(
            m.to_logical_text("postgres://u@payment-db.ksg-s7-payments.svc.cluster.local:5432"),
            "postgres://u@payment-db.payments.svc.cluster.local:5432"
        );
        assert_eq!(
            m.to_logical_text("No resources found in ksg-s7-default namespace.\n"),
            "No resources found in default namespace.\n"
        );
        // Not whole words, or another session's names: unchanged.
        for same in [
            "xksg-s7-payments",
            "ksg-s7-paymentsx",
            "ksg-s7-other",
            "ksg-s70-payments",
            "ksg-s7-",
        ] {
            assert_eq!(m.to_logical_text(same), same);
        }
    }

    #[test]
    fn typed_dns_names_point_at_the_session() {
        let m = map("s7");
        assert_eq!(
            m.to_real_dns(
                "DATABASE_URL=postgres://u:p@payment-db.payments.svc.cluster.local:5432/payments"
            ),
            "DATABASE_URL=postgres://u:p@payment-db.ksg-s7-payments.svc.cluster.local:5432/payments"
        );
        assert_eq!(
            m.to_real_dns("http://auth-service.auth.svc"),
            "http://auth-service.ksg-s7-auth.svc"
        );
        assert_eq!(m.to_real_dns("x.payments.svcx"), "x.payments.svcx");
        assert_eq!(m.to_real_dns("payments"), "payments");
    }
}
