//! Removing what sessions left behind: every namespace carrying the environment's ownership
//! label (a real cluster deletes the objects inside with it). A server that crashed, or a test
//! run that was killed, leaves its namespaces; the sweep finds them by label, never by name.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, ListParams};

use crate::namespaces::{MANAGED_BY_LABEL, MANAGED_BY_VALUE, SESSION_LABEL, SessionId};
use crate::session::LiveError;

/// What to sweep.
#[derive(Clone, Debug, Default)]
pub struct Sweep {
    /// Only this session's namespaces (all sessions' when `None`).
    pub session: Option<SessionId>,
    /// Only namespaces at least this old (a running server's fresh sessions are spared).
    pub older_than: Option<Duration>,
    /// List what would go, delete nothing.
    pub dry_run: bool,
}

impl Sweep {
    /// The label selector of the namespaces in scope.
    pub fn selector(&self) -> String {
        let mut selector = format!("{MANAGED_BY_LABEL}={MANAGED_BY_VALUE}");
        if let Some(session) = &self.session {
            selector.push_str(&format!(",{SESSION_LABEL}={session}"));
        }
        selector
    }

    /// Deletes (or, dry, lists) the namespaces in scope; returns their names, sorted. Namespaces
    /// already terminating are listed and left to finish.
    pub async fn run(&self, client: &kube::Client) -> Result<Vec<String>, LiveError> {
        let api: Api<Namespace> = Api::all(client.clone());
        let list = api
            .list(&ListParams::default().labels(&self.selector()))
            .await
            .map_err(|e| LiveError::Api {
                what: "listing the environment's namespaces".into(),
                source: Box::new(e),
            })?;
        let now = k8s_openapi::jiff::Timestamp::now();
        let mut names = Vec::new();
        for ns in list.items {
            let name = ns.metadata.name.clone().unwrap_or_default();
            if let (Some(min), Some(created)) =
                (self.older_than, ns.metadata.creation_timestamp.as_ref())
            {
                let age = now.duration_since(created.0);
                if age < k8s_openapi::jiff::SignedDuration::try_from(min).unwrap_or_default() {
                    continue;
                }
            }
            if !self.dry_run && ns.metadata.deletion_timestamp.is_none() {
                match api.delete(&name, &DeleteParams::background()).await {
                    Ok(_) => {}
                    Err(kube::Error::Api(status)) if status.is_not_found() => {}
                    Err(e) => {
                        return Err(LiveError::Api {
                            what: format!("deleting namespace {name}"),
                            source: Box::new(e),
                        });
                    }
                }
                tracing::info!(namespace = %name, "swept");
            }
            names.push(name);
        }
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selector_narrows_to_a_session() {
        assert_eq!(
            Sweep::default().selector(),
            "app.kubernetes.io/managed-by=kube-sre-gym"
        );
        let one = Sweep {
            session: Some(SessionId::new("a1").unwrap()),
            ..Sweep::default()
        };
        assert_eq!(
            one.selector(),
            "app.kubernetes.io/managed-by=kube-sre-gym,kube-sre-gym/session=a1"
        );
    }
}
