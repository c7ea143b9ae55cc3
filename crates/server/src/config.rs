//! What a server is started with.

use std::path::PathBuf;
use std::time::Duration;

use gym::EnvConfig;
use gym::curriculum::CurriculumConfig;

/// The server's settings. [`Config::default`] is what `kube-sre-gym serve` starts with.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on.
    pub host: String,
    /// Port to listen on; 8000 as OpenEnv's images use.
    pub port: u16,
    /// Sessions held at once: `/ws` connections plus HTTP sessions bound by
    /// [`SESSION_HEADER`](crate::SESSION_HEADER), the MCP `openenv/session/create` ones and web
    /// sessions. A connection past it is refused with `CAPACITY_REACHED`.
    pub max_sessions: usize,
    /// When set, every route but `/health` and the static `/web` page needs
    /// `Authorization: Bearer <key>` (or the cookie [`API_KEY_COOKIE`](crate::API_KEY_COOKIE)).
    pub api_key: Option<String>,
    /// A session with no request for this long is closed; `None` keeps sessions forever.
    /// WebSocket pings do not count as requests.
    pub idle_timeout: Option<Duration>,
    /// The largest HTTP request body and the largest WebSocket message accepted, in bytes.
    pub max_request_bytes: usize,
    /// The training run's curriculum file, continued and updated; in memory when `None`.
    pub curriculum_file: Option<PathBuf>,
    pub curriculum: CurriculumConfig,
    pub env: EnvConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "0.0.0.0".into(),
            port: 8000,
            max_sessions: 1024,
            api_key: None,
            idle_timeout: Some(Duration::from_secs(15 * 60)),
            max_request_bytes: 1024 * 1024,
            curriculum_file: None,
            curriculum: CurriculumConfig::default(),
            env: EnvConfig::default(),
        }
    }
}
