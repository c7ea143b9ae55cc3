//! The OpenEnv server over the gym's episodes.
//!
//! It owns the wire: OpenEnv's `/ws` protocol (one session per connection, the reference
//! server's frames and error codes), the HTTP routes (`/reset`, `/step`, `/state`, `/health`,
//! `/metadata`, `/schema`, `/openapi.json`), MCP JSON-RPC (`/mcp` and `/ws` `mcp` frames), the
//! `/web` page and its JSON routes, Prometheus `/metrics`, capacity, idle reaping and the
//! optional API key. Episodes themselves are the gym's ([`gym::Session`], on the simulator) or
//! the live crate's ([`live::environment::LiveEpisodes`], on a real cluster), as the
//! [`Backend`] says; this crate knows nothing of either cluster itself.
//!
//! Sessions: a `/ws` connection is a session. HTTP `/reset`, `/step` and `/state` are
//! stateless as in OpenEnv (a fresh session per request) unless they carry the header
//! [`SESSION_HEADER`]: the first `/reset` naming an id creates that session, later calls with
//! the same id use it, `DELETE /session` ends it. MCP's `openenv/session/create` makes such an
//! id (and starts its episode, since MCP has no reset), and the web routes keep one per browser in the cookie [`WEB_SESSION_COOKIE`]. Every held
//! session counts against [`Config::max_sessions`].

mod auth;
pub mod bench;
mod config;
mod http;
mod json_text;
mod mcp;
mod metrics;
mod protocol;
mod schema;
mod state;
mod web;
mod ws;

use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post};
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

pub use config::Config;
pub use protocol::ErrorCode;
pub use state::{AppState, Backend};

/// The environment's name, as `openenv.yaml` has it.
pub const ENV_NAME: &str = "kube_sre_gym";

/// The HTTP header that binds `/reset`, `/step`, `/state` (and the web routes) to a session kept
/// between requests.
pub const SESSION_HEADER: &str = "x-session-id";

/// The cookie that names a browser's web session.
pub const WEB_SESSION_COOKIE: &str = "ksg_session";

/// The cookie a browser page may carry the API key in, instead of the `Authorization` header.
pub const API_KEY_COOKIE: &str = "ksg_api_key";

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Curriculum(#[from] gym::curriculum::CurriculumError),
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

/// Every route. Tests call it in process; [`serve`] serves it.
pub fn router(state: AppState) -> Router {
    let limit = state.inner.config.max_request_bytes;
    let protected = Router::new()
        .route("/ws", get(ws::upgrade))
        .route("/reset", post(http::reset))
        .route("/step", post(http::step))
        .route("/state", get(http::state))
        .route("/session", delete(http::close))
        .route("/metadata", get(http::metadata))
        .route("/schema", get(http::schema_route))
        .route("/openapi.json", get(http::openapi))
        .route("/mcp", post(mcp::http))
        .route("/metrics", get(http::metrics))
        .route("/web/reset", post(web::reset))
        .route("/web/step", post(web::step))
        .route("/web/state", get(web::state))
        .route("/web/metadata", get(http::metadata))
        .route("/web/incidents", get(web::incidents))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_key,
        ));
    // The static page holds nothing secret; its JSON routes above need the key.
    let public = Router::new()
        .route("/health", get(http::health))
        .route("/", get(web::root))
        .route("/web", get(web::index))
        .route("/web/", get(web::index))
        .route("/web/{*path}", get(web::asset));
    protected
        .merge(public)
        .fallback(http::not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(state)
}

/// How long a shutdown waits for `/ws` connections to close.
const CONNECTIONS_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Listens on `config.host:config.port` and serves until `shutdown` completes, then closes
/// every session and returns.
pub async fn serve<F>(config: Config, shutdown: F) -> Result<(), ServerError>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_state(AppState::new(config)?, shutdown).await
}

/// Serves `state` on the host and port of its configuration.
pub async fn serve_state<F>(state: AppState, shutdown: F) -> Result<(), ServerError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let config = state.config();
    let addr = format!("{}:{}", config.host, config.port);
    let listener = TcpListener::bind((config.host.as_str(), config.port))
        .await
        .map_err(|source| ServerError::Bind {
            addr: addr.clone(),
            source,
        })?;
    tracing::info!(addr = %listener.local_addr()?, "serving OpenEnv");
    serve_on(listener, state, shutdown).await
}

/// Serves on a bound listener (port 0 in tests and benchmarks).
pub async fn serve_on<F>(
    listener: TcpListener,
    state: AppState,
    shutdown: F,
) -> Result<(), ServerError>
where
    F: Future<Output = ()> + Send + 'static,
{
    let reaper = state.inner.config.idle_timeout.map(|timeout| {
        let state = state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(state::reap_interval(timeout));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                state.reap_idle().await;
            }
        })
    });
    let on_shutdown = state.clone();
    // Small frames in lockstep: Nagle's algorithm would hold each reply for an ACK.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let served = axum::serve(listener, router(state.clone()))
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: closing sessions");
            on_shutdown.shutdown();
        })
        .await;
    if let Some(r) = reaper {
        r.abort();
    }
    // Upgraded connections outlive axum's graceful shutdown: wait for their goodbyes, or the
    // process could exit before they are sent.
    // A live session's goodbye deletes its namespaces and waits for them to go.
    let grace = match &state.inner.backend {
        Backend::Simulated => CONNECTIONS_GRACE,
        Backend::Live(live) => CONNECTIONS_GRACE.max(live.config().teardown_deadline),
    };
    if !state.inner.connections.wait(grace).await {
        tracing::warn!("some WebSocket connections were still open at shutdown");
    }
    state.close_all().await;
    served.map_err(ServerError::Io)
}
