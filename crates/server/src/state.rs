//! What every route shares: the environment, the session table, the metrics.

use std::collections::HashMap;
use std::ops::DerefMut;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use gym::curriculum::SharedCurriculum;
use gym::episode::State;
use gym::{Environment, EpisodeError, Observation, ResetOptions, Session};
use live::environment::{LiveEnvironment, LiveEpisodes};
use prometheus_client::metrics::gauge::Gauge;
use rand::RngExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use crate::ServerError;
use crate::config::Config;
use crate::metrics::Metrics;

/// The server's shared state; cheap to clone. Build it with [`AppState::new`] and hand it to
/// [`router`](crate::router).
#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

/// What a server's sessions run their episodes on.
#[derive(Clone, Default)]
pub enum Backend {
    /// The gym's in-process simulated cluster.
    #[default]
    Simulated,
    /// A real cluster (or anything serving the Kubernetes API): each session gets its own
    /// namespaces, torn down when the session ends.
    Live(Arc<LiveEnvironment>),
}

/// One session's episodes, on the server's backend.
pub(crate) enum Episodes {
    Simulated(Session),
    Live(LiveEpisodes),
}

impl Episodes {
    /// The episode's state, without ground truth; `env`'s curriculum for live sessions.
    pub fn state(&self, env: &Environment) -> State {
        match self {
            Episodes::Simulated(s) => s.state(),
            Episodes::Live(l) => l.state(env.curriculum()),
        }
    }
}

pub(crate) struct Inner {
    pub env: Arc<Environment>,
    pub backend: Backend,
    pub config: Config,
    pub metrics: Metrics,
    pub sessions: Sessions,
    shutdown: watch::Sender<bool>,
    /// Open `/ws` connections, which axum's graceful shutdown does not wait for.
    pub connections: Connections,
    /// Run resets and steps on the async worker instead of the blocking pool.
    inline: bool,
    clock: Instant,
}

/// A blocking call that panicked: the session it held is lost.
#[derive(Debug)]
pub(crate) struct Lost;

impl AppState {
    /// Opens the curriculum file (if any) and builds the environment.
    pub fn new(config: Config) -> Result<AppState, ServerError> {
        AppState::with_layers(config, |env| env)
    }

    /// Like [`AppState::new`], with `attach` adding optional layers (an LLM judge, an incident
    /// designer) to the environment before sessions share it.
    pub fn with_layers(
        config: Config,
        attach: impl FnOnce(Environment) -> Environment,
    ) -> Result<AppState, ServerError> {
        AppState::with_backend(config, attach, Backend::Simulated)
    }

    /// Like [`AppState::with_layers`], with sessions running their episodes on `backend`.
    pub fn with_backend(
        config: Config,
        attach: impl FnOnce(Environment) -> Environment,
        backend: Backend,
    ) -> Result<AppState, ServerError> {
        let curriculum = match &config.curriculum_file {
            Some(path) => SharedCurriculum::open(path.clone(), config.curriculum.clone())?,
            None => SharedCurriculum::in_memory(config.curriculum.clone()),
        };
        let env = attach(Environment::with_curriculum(config.env.clone(), curriculum));
        Ok(AppState::build(config, Arc::new(env), backend))
    }

    /// A server over an environment built elsewhere (`config.env` and the curriculum settings
    /// are then unused).
    pub fn with_environment(config: Config, env: Arc<Environment>) -> AppState {
        AppState::build(config, env, Backend::Simulated)
    }

    fn build(config: Config, env: Arc<Environment>, backend: Backend) -> AppState {
        let metrics = Metrics::new();
        let clock = Instant::now();
        let sessions = Sessions::new(config.max_sessions, metrics.sessions_active.clone(), clock);
        // Steps take microseconds and run inline. A curriculum with a file writes and syncs it
        // when an episode ends (and on some resets), and an LLM judge or designer waits on a
        // model: neither may stall an async worker.
        let inline = env.curriculum().path().is_none() && !env.has_hooks();
        AppState {
            inner: Arc::new(Inner {
                env,
                backend,
                config,
                metrics,
                sessions,
                shutdown: watch::channel(false).0,
                connections: Connections::default(),
                inline,
                clock,
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn environment(&self) -> &Arc<Environment> {
        &self.inner.env
    }

    pub fn backend(&self) -> &Backend {
        &self.inner.backend
    }

    /// Sessions held now.
    pub fn active_sessions(&self) -> usize {
        self.inner.sessions.active()
    }

    /// Closes HTTP-bound sessions idle for longer than the idle timeout; returns how many.
    /// `/ws` connections time out by themselves.
    pub async fn reap_idle(&self) -> usize {
        let Some(timeout) = self.inner.config.idle_timeout else {
            return 0;
        };
        let now = self.inner.now_ms();
        let idle = self
            .inner
            .sessions
            .take_idle(now, timeout.as_millis() as u64);
        let n = idle.len();
        for bound in idle {
            let guard = bound.hold().await;
            self.inner.close(guard).await;
        }
        if n > 0 {
            tracing::info!(sessions = n, "closed idle sessions");
        }
        n
    }

    /// Closes every bound session (at shutdown; unfinished episodes with steps are recorded as
    /// failures).
    pub async fn close_all(&self) {
        for bound in self.inner.sessions.take_all() {
            let guard = bound.hold().await;
            self.inner.close(guard).await;
        }
    }

    /// Tells every open `/ws` connection to close (with `SESSION_ERROR`, then close code 1001),
    /// so a graceful shutdown does not wait on them.
    pub fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
    }
}

impl Inner {
    pub fn now_ms(&self) -> u64 {
        self.clock.elapsed().as_millis() as u64
    }

    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub async fn exec<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, Lost> {
        if self.inline {
            Ok(f())
        } else {
            tokio::task::spawn_blocking(f).await.map_err(|_| Lost)
        }
    }

    /// A new session's episodes on the server's backend (nothing runs until its reset).
    pub fn new_episodes(&self) -> Episodes {
        match &self.backend {
            Backend::Simulated => Episodes::Simulated(self.env.session()),
            Backend::Live(live) => Episodes::Live(live.session(new_live_session_id())),
        }
    }

    /// Resets `session`, counting it. A live reset is awaited here (it waits on the cluster,
    /// not on the CPU); a simulated one runs where [`exec`](Self::exec) puts it.
    pub async fn reset<S>(
        &self,
        mut session: S,
        options: ResetOptions,
    ) -> Result<(S, Result<Observation, EpisodeError>), Lost>
    where
        S: DerefMut<Target = Episodes> + Send + 'static,
    {
        let started = Instant::now();
        let out = match &mut *session {
            Episodes::Live(live) => {
                let r = unwound(live.reset(options)).await?;
                (session, r)
            }
            Episodes::Simulated(_) => {
                self.exec(move || {
                    let r = match &mut *session {
                        Episodes::Simulated(s) => s.reset(options),
                        Episodes::Live(_) => Err(not_simulated()),
                    };
                    (session, r)
                })
                .await?
            }
        };
        if out.1.is_ok() {
            self.metrics.reset(started.elapsed());
        }
        Ok(out)
    }

    /// Runs one command in `session`, counting it.
    pub async fn step<S>(
        &self,
        mut session: S,
        command: String,
    ) -> Result<(S, Result<Observation, EpisodeError>), Lost>
    where
        S: DerefMut<Target = Episodes> + Send + 'static,
    {
        let started = Instant::now();
        let out = match &mut *session {
            Episodes::Live(live) => {
                let r = unwound(live.step(&command)).await?;
                (session, r)
            }
            Episodes::Simulated(_) => {
                self.exec(move || {
                    let r = match &mut *session {
                        Episodes::Simulated(s) => s.step(&command),
                        Episodes::Live(_) => Err(not_simulated()),
                    };
                    (session, r)
                })
                .await?
            }
        };
        if let Ok(obs) = &out.1 {
            self.metrics.step(started.elapsed(), Some(obs));
        }
        Ok(out)
    }

    /// Closes `session`: an unfinished simulated episode with steps counts as a failure; a live
    /// session's namespaces are deleted and waited for.
    pub async fn close<S>(&self, mut session: S)
    where
        S: DerefMut<Target = Episodes> + Send + 'static,
    {
        match &mut *session {
            Episodes::Live(live) => match unwound(live.close()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(
                    session = %live.namespaces().session(),
                    error = %e,
                    "tearing down a live session; `kube-sre-gym live sweep` removes what is left"
                ),
                Err(Lost) => {}
            },
            Episodes::Simulated(_) => {
                let _ = self
                    .exec(move || {
                        if let Episodes::Simulated(s) = &mut *session {
                            s.close();
                        }
                    })
                    .await;
            }
        }
    }
}

/// Awaits `f`, turning a panic into [`Lost`] as a blocking call's panic is.
async fn unwound<R>(f: impl Future<Output = R>) -> Result<R, Lost> {
    std::panic::AssertUnwindSafe(f)
        .catch_unwind()
        .await
        .map_err(|_| Lost)
}

fn not_simulated() -> EpisodeError {
    EpisodeError::Backend("internal: a live session reached the simulator's path".into())
}

/// A live session's id: 12 random hex digits (its namespaces are `ksg-<id>-<name>`).
fn new_live_session_id() -> live::SessionId {
    let mut id = new_session_id();
    id.truncate(12);
    live::SessionId::new(&id).expect("12 lower-case hex digits are a valid session id")
}

/// Counts open `/ws` connections so a shutdown can wait for them to say goodbye (and to record
/// their unfinished episodes).
#[derive(Default)]
pub(crate) struct Connections {
    open: std::sync::atomic::AtomicUsize,
    changed: tokio::sync::Notify,
}

/// One open connection; dropping it ends it.
pub(crate) struct Connection<'a>(&'a Connections);

impl Connections {
    pub fn enter(&self) -> Connection<'_> {
        self.open.fetch_add(1, Ordering::SeqCst);
        Connection(self)
    }

    /// Waits until every connection has ended, or `limit` has passed; true when all ended.
    pub async fn wait(&self, limit: Duration) -> bool {
        let all_ended = async {
            loop {
                let changed = self.changed.notified();
                if self.open.load(Ordering::SeqCst) == 0 {
                    return;
                }
                changed.await;
            }
        };
        tokio::time::timeout(limit, all_ended).await.is_ok()
    }
}

impl Drop for Connection<'_> {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }
}

/// A held capacity slot; the gauge follows it.
pub(crate) struct Slot {
    _permit: OwnedSemaphorePermit,
    gauge: Gauge,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

/// A session that outlives a request: bound by the session header, the web cookie or MCP's
/// `openenv/session/create`.
pub(crate) struct Bound {
    pub session: Arc<tokio::sync::Mutex<Episodes>>,
    last_used: AtomicU64,
    clock: Instant,
    _slot: Slot,
}

impl Bound {
    pub fn touch(&self, now_ms: u64) {
        self.last_used.store(now_ms, Ordering::Relaxed);
    }

    /// Waits for the session; it counts as used until the hold is dropped, so a long request
    /// is never reaped and idleness runs from the end of the last one.
    pub async fn hold(self: &Arc<Self>) -> Held {
        Held {
            guard: Arc::clone(&self.session).lock_owned().await,
            bound: Arc::clone(self),
        }
    }
}

/// A bound session held by one request.
pub(crate) struct Held {
    guard: tokio::sync::OwnedMutexGuard<Episodes>,
    bound: Arc<Bound>,
}

impl std::ops::Deref for Held {
    type Target = Episodes;
    fn deref(&self) -> &Episodes {
        &self.guard
    }
}

impl DerefMut for Held {
    fn deref_mut(&mut self) -> &mut Episodes {
        &mut self.guard
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let now = self.bound.clock.elapsed().as_millis() as u64;
        self.bound.touch(now);
    }
}

/// The capacity and the table of bound sessions.
pub(crate) struct Sessions {
    clock: Instant,
    permits: Arc<Semaphore>,
    max: usize,
    gauge: Gauge,
    bound: Mutex<HashMap<String, Arc<Bound>>>,
}

/// The server is full.
#[derive(Debug)]
pub(crate) struct AtCapacity {
    pub active: usize,
    pub max: usize,
}

impl Sessions {
    fn new(max: usize, gauge: Gauge, clock: Instant) -> Sessions {
        let max = max.min(Semaphore::MAX_PERMITS);
        Sessions {
            clock,
            permits: Arc::new(Semaphore::new(max)),
            max,
            gauge,
            bound: Mutex::new(HashMap::new()),
        }
    }

    pub fn active(&self) -> usize {
        self.max - self.permits.available_permits()
    }

    pub fn try_slot(&self) -> Result<Slot, AtCapacity> {
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => {
                self.gauge.inc();
                Ok(Slot {
                    _permit: permit,
                    gauge: self.gauge.clone(),
                })
            }
            Err(_) => Err(AtCapacity {
                active: self.active(),
                max: self.max,
            }),
        }
    }

    fn table(&self) -> MutexGuard<'_, HashMap<String, Arc<Bound>>> {
        // Every critical section below is a single map operation: a panic cannot leave the
        // table half-updated.
        self.bound.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn get(&self, id: &str, now_ms: u64) -> Option<Arc<Bound>> {
        let bound = self.table().get(id).cloned()?;
        bound.touch(now_ms);
        Some(bound)
    }

    /// The session bound to `id`, created (taking a slot) when there is none.
    pub fn get_or_create(
        &self,
        id: &str,
        make: impl FnOnce() -> Episodes,
        now_ms: u64,
    ) -> Result<(Arc<Bound>, bool), AtCapacity> {
        let mut table = self.table();
        if let Some(b) = table.get(id) {
            b.touch(now_ms);
            return Ok((Arc::clone(b), false));
        }
        let slot = self.try_slot()?;
        let bound = Arc::new(Bound {
            session: Arc::new(tokio::sync::Mutex::new(make())),
            last_used: AtomicU64::new(now_ms),
            clock: self.clock,
            _slot: slot,
        });
        table.insert(id.to_string(), Arc::clone(&bound));
        Ok((bound, true))
    }

    pub fn remove(&self, id: &str) -> Option<Arc<Bound>> {
        self.table().remove(id)
    }

    fn take_all(&self) -> Vec<Arc<Bound>> {
        self.table().drain().map(|(_, b)| b).collect()
    }

    /// Removes the sessions unused for `timeout_ms` that no request holds now.
    fn take_idle(&self, now_ms: u64, timeout_ms: u64) -> Vec<Arc<Bound>> {
        let mut table = self.table();
        let idle: Vec<String> = table
            .iter()
            .filter(|(_, b)| {
                now_ms.saturating_sub(b.last_used.load(Ordering::Relaxed)) >= timeout_ms
                    && b.session.try_lock().is_ok()
            })
            .map(|(k, _)| k.clone())
            .collect();
        idle.iter().filter_map(|k| table.remove(k)).collect()
    }
}

/// A new unguessable session id (128 random bits, hex).
pub(crate) fn new_session_id() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How often the reaper looks for idle sessions.
pub(crate) fn reap_interval(timeout: Duration) -> Duration {
    (timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(5))
}
