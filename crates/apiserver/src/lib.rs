//! The Kubernetes REST API over the simulated cluster.
//!
//! It serves what the real `kubectl` (1.27 to 1.33), kube-rs and the Python client ask of an API
//! server: `/version`, aggregated and legacy discovery, get/list/watch with label and field
//! selectors, server-side Table printing, PATCH (strategic merge, merge, JSON), PUT, POST,
//! DELETE, the `scale`, `status` and `log` subresources, `metrics.k8s.io`, `/openapi/v3` (with
//! `fieldValidation` Strict, Warn and Ignore on writes), the self-subject access and rules
//! reviews of `authorization.k8s.io` (one identity, with full access), and `Status` errors with
//! the real reasons and messages. Bodies are JSON, except the protobuf objects kubectl's
//! imperative `create` sends. Authentication is a bearer token.
//!
//! It owns the HTTP surface only: objects, controllers and time live in the cluster crate,
//! printing and patching in the kubectl crate. It must not depend on the gym or server layers.

mod apply;
mod discovery;
mod handlers;
mod kubeconfig;
mod openapi;
mod protobuf;

mod status;
mod tls;
mod validation;
mod watch;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::any;
use cluster::{Cluster, SimTime};

pub use kubeconfig::kubeconfig_yaml;
pub use tls::{CertError, ServingCert};

/// How the simulated clock relates to wall time while serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockMode {
    /// Simulated time follows wall time from the moment the server starts.
    Live,
    /// Simulated time stands still: the same requests give the same answers.
    Frozen,
    /// Simulated time runs this many times faster than wall time (for demos and tests).
    Accelerated(u32),
}

/// Settings of an API server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The minor version reported by `/version` (27 to 33; the kubectl dispatcher picks its
    /// binary by it).
    pub minor_version: u32,
    /// Bearer token every request (except `/version` and health checks) must carry; `None`
    /// accepts anonymous requests.
    pub token: Option<String>,
    pub clock: ClockMode,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            minor_version: 33,
            token: None,
            clock: ClockMode::Frozen,
        }
    }
}

/// The cluster and everything the handlers share.
pub struct Shared {
    cluster: Mutex<Cluster>,
    config: ServerConfig,
    started: Instant,
    sim_start: SimTime,
    /// Bumped after every change, so that watches look again.
    changes: tokio::sync::watch::Sender<u64>,
    /// Server-side apply: the last configuration each field manager applied, by object uid.
    applied: Mutex<std::collections::BTreeMap<(String, String), serde_json::Value>>,
}

impl Shared {
    pub fn new(cluster: Cluster, config: ServerConfig) -> Arc<Shared> {
        let sim_start = cluster.now();
        let (changes, _) = tokio::sync::watch::channel(cluster.resource_version());
        Arc::new(Shared {
            cluster: Mutex::new(cluster),
            config,
            started: Instant::now(),
            sim_start,
            changes,
            applied: Mutex::new(std::collections::BTreeMap::new()),
        })
    }

    /// The cluster, with its clock brought up to date in live mode.
    pub fn cluster(&self) -> MutexGuard<'_, Cluster> {
        let mut cluster = self
            .cluster
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let speed = match self.config.clock {
            ClockMode::Frozen => None,
            ClockMode::Live => Some(1),
            ClockMode::Accelerated(factor) => Some(factor.max(1)),
        };
        if let Some(speed) = speed {
            let target = self.sim_start + self.started.elapsed() * speed;
            let now = cluster.now();
            if target > now {
                cluster.advance(target.since(now));
            }
        }
        // Controllers react to the last write before anyone reads, even with the clock frozen.
        cluster.settle();
        cluster
    }

    /// Tells watchers that objects may have changed.
    pub fn notify(&self, resource_version: u64) {
        self.changes.send_replace(resource_version);
    }

    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The configurations applied so far, by (object uid, field manager).
    pub(crate) fn applied(
        &self,
    ) -> MutexGuard<'_, std::collections::BTreeMap<(String, String), serde_json::Value>> {
        self.applied
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The router serving the Kubernetes API over `shared`.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/version", any(handlers::version))
        .route("/healthz", any(handlers::healthy))
        .route("/livez", any(handlers::healthy))
        .route("/readyz", any(handlers::healthy))
        .route("/openapi/v3", any(openapi::index))
        .route("/openapi/v3/{*path}", any(openapi::group_version))
        .route("/api", any(handlers::resources))
        .route("/api/{*rest}", any(handlers::resources))
        .route("/apis", any(handlers::resources))
        .route("/apis/{*rest}", any(handlers::resources))
        .fallback(handlers::not_found)
        .with_state(shared)
}

/// Serves the API over HTTPS on `listener` until the future is dropped, with the clock ticker
/// alongside.
pub async fn serve(
    listener: std::net::TcpListener,
    cert: &ServingCert,
    shared: Arc<Shared>,
) -> std::io::Result<()> {
    let tls = axum_server::tls_rustls::RustlsConfig::from_pem(
        cert.cert_pem.clone().into_bytes(),
        cert.key_pem.clone().into_bytes(),
    )
    .await?;
    listener.set_nonblocking(true)?;
    let ticker = tokio::spawn(tick(shared.clone(), Duration::from_millis(250)));
    let result = axum_server::from_tcp_rustls(listener, tls)?
        .serve(router(shared).into_make_service())
        .await;
    ticker.abort();
    result
}

/// Keeps the simulated clock moving with wall time and wakes watchers (live mode only).
pub async fn tick(shared: Arc<Shared>, every: Duration) {
    if shared.config.clock == ClockMode::Frozen {
        return;
    }
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        let rv = shared.cluster().resource_version();
        shared.notify(rv);
    }
}
