//! One incident on a live cluster, start to end: the seam a server or a terminal drives. It
//! composes the session (namespaces, reset, teardown), the gym's fault and grading
//! ([`crate::faults`]) and the executor (the allow-list and the real `kubectl`).

use std::path::Path;
use std::time::Duration;

use gym::Grade;
use gym::catalogue::{CatalogueFault, Incident};
use kubectl::output::Output;

use crate::executor::Executor;
use crate::faults::Timing;
use crate::kubeconfig::{self, KubeconfigError};
use crate::namespaces::{NamespaceMap, SessionId};
use crate::session::{LiveError, LiveSession};

/// Why an episode could not start.
#[derive(Debug, thiserror::Error)]
pub enum EpisodeError {
    #[error(transparent)]
    Live(#[from] LiveError),
    #[error(transparent)]
    Kubeconfig(#[from] KubeconfigError),
    /// The reset held, but the fault could not be injected. Its message names the fault: for
    /// operators, never for the agent.
    #[error("injecting the fault: {0}")]
    Inject(LiveError),
}

/// Settings of a live episode.
#[derive(Clone, Copy, Debug)]
pub struct EpisodeConfig {
    /// The simulator seed of the twin the fault is computed on.
    pub seed: u64,
    /// How long a reset may take to become healthy.
    pub reset_deadline: Duration,
    pub timing: Timing,
}

impl Default for EpisodeConfig {
    fn default() -> EpisodeConfig {
        EpisodeConfig {
            seed: 1,
            reset_deadline: Duration::from_secs(300),
            timing: Timing::default(),
        }
    }
}

/// A running incident in its own namespaces.
pub struct LiveEpisode {
    session: LiveSession,
    executor: Executor,
    incident: Incident,
    config: EpisodeConfig,
}

impl LiveEpisode {
    /// Resets session `id`'s namespaces to the baseline, injects `fault`, and writes the
    /// session's kubeconfig for the `kubectl` binary into `dir` (owner-only).
    pub async fn start(
        client: kube::Client,
        connection: &kube::Config,
        id: SessionId,
        fault: &CatalogueFault,
        dir: &Path,
        config: EpisodeConfig,
    ) -> Result<LiveEpisode, EpisodeError> {
        let session = LiveSession::new(client, NamespaceMap::new(id));
        session.reset(config.reset_deadline).await?;
        let incident = session
            .inject(fault, config.seed, config.timing)
            .await
            .map_err(EpisodeError::Inject)?;
        let default = session
            .namespaces()
            .real("default")
            .unwrap_or_default()
            .to_string();
        let path = kubeconfig::write_session_kubeconfig(connection, &default, dir)?;
        Ok(LiveEpisode {
            session,
            executor: Executor::new(path),
            incident,
            config,
        })
    }

    /// The alert the agent is paged with (ground truth stays inside).
    pub fn alert(&self) -> &str {
        &self.incident.alert
    }

    /// The incident, ground truth included: for graders and operators, never for the agent.
    pub fn incident(&self) -> &Incident {
        &self.incident
    }

    /// The session's namespaces.
    pub fn session(&self) -> &LiveSession {
        &self.session
    }

    /// Runs one agent command: what its terminal shows.
    pub async fn step(&self, command: &str) -> Output {
        self.executor
            .execute(command, self.session.namespaces())
            .await
    }

    /// Grades the incident from the cluster's objects, with the durability wait when it holds.
    pub async fn grade(&self) -> Result<Grade, LiveError> {
        self.session.grade(&self.incident, self.config.timing).await
    }

    /// Deletes the session's namespaces and waits until they are gone.
    pub async fn close(self, deadline: Duration) -> Result<(), LiveError> {
        self.session.teardown_and_wait(deadline).await
    }
}
