//! `kube-sre-gym serve`: the OpenEnv server (`/ws`, HTTP, MCP, `/web`, `/metrics`) until
//! ctrl-c or SIGTERM, then a graceful shutdown.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use gym::EnvConfig;
use gym::curriculum::tier_for_min_difficulty;
use gym::episode::MAX_STEPS_LIMIT;
use live::ConnectionSource;
use live::environment::{LiveConfig, LiveEnvironment};
use live::episode::EpisodeConfig;
use live::faults::Timing;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0")]
    host: String,
    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8000)]
    port: u16,
    /// Sessions held at once (WebSocket connections and bound HTTP sessions); more are refused
    /// with CAPACITY_REACHED. At least TRL's generation batch size.
    #[arg(long, env = "MAX_CONCURRENT_ENVS", default_value_t = 1024)]
    max_sessions: usize,
    /// Require `Authorization: Bearer <key>` on every route but /health and the /web page.
    #[arg(long, env = "API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The training run's curriculum file: continued if it exists, updated after each episode.
    #[arg(long, env = "CURRICULUM_FILE", value_name = "FILE")]
    curriculum_file: Option<PathBuf>,
    /// Environment configuration (an EnvConfig: reward constants, step_seconds, max_steps,
    /// split, ...) as JSON; flags and environment variables override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// `standard`: incidents from the seeded generator. `adversarial`: an LLM designs each
    /// incident against the curriculum's weak spots (checked injectable and solvable; the
    /// generator's incident otherwise). The model comes from LLM_BACKEND, LLM_MODEL,
    /// LLM_BASE_URL and the provider's key variable.
    #[arg(long, env = "GYM_MODE", value_enum, default_value_t = Mode::Standard)]
    mode: Mode,
    /// Weight in [0, 1] of an LLM judge's step score, blended with the programmatic judge's
    /// (0: no LLM judge). On any model failure the programmatic score stands.
    #[arg(long, env = "LLM_JUDGE_WEIGHT", default_value_t = 0.0)]
    llm_judge_weight: f64,
    /// Step budget of every episode, instead of each incident's.
    #[arg(long, env = "MAX_STEPS")]
    max_steps: Option<usize>,
    /// Start the curriculum at the tier of this difficulty (0 to 1), and never demote below it.
    #[arg(long, env = "EVAL_MIN_DIFFICULTY")]
    eval_min_difficulty: Option<f64>,
    /// Close a session after this long without a request (`0s` never does).
    #[arg(long, default_value = "15m", value_parser = crate::world::parse_duration)]
    idle_timeout: Duration,
    /// Largest request body and WebSocket message accepted, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    max_request_bytes: usize,
    /// `simulated`: every session on its own in-process simulated cluster. `live`: every
    /// session in its own namespaces of a real cluster, deleted when the session ends; the
    /// cluster is the one `--kubeconfig`/`--context` name, else K8S_ENDPOINT and K8S_TOKEN
    /// (K8S_CA_CERT), else KUBECONFIG or ~/.kube/config, else the pod's service account.
    #[arg(long, env = "GYM_BACKEND", value_enum, default_value_t = BackendKind::Simulated)]
    backend: BackendKind,
    /// Live backend: the kubeconfig file to connect with.
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// Live backend: the kubeconfig context to use (its current one otherwise).
    #[arg(long, value_name = "NAME")]
    context: Option<String>,
    /// Live backend: how long a reset may take to bring a session's workloads up.
    #[arg(long, default_value = "5m", value_parser = crate::world::parse_duration)]
    reset_deadline: Duration,
    /// Live backend: how long a fix must hold, in real time, before it counts as resolved.
    #[arg(long, default_value = "30s", value_parser = crate::world::parse_duration)]
    durability: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum BackendKind {
    Simulated,
    Live,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Mode {
    Standard,
    Adversarial,
}

fn read_env_config(path: &Path) -> anyhow::Result<EnvConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not an environment configuration (JSON with keys such as reward, step_seconds, max_steps, split)",
            path.display()
        )
    })
}

/// The server's configuration from the arguments.
pub fn config(args: &Args) -> anyhow::Result<server::Config> {
    if args.max_sessions == 0 {
        bail!("--max-sessions must be at least 1");
    }
    let mut env = match &args.config {
        Some(path) => read_env_config(path)?,
        None => EnvConfig::default(),
    };
    if let Some(n) = args.max_steps {
        if !(1..=MAX_STEPS_LIMIT).contains(&n) {
            bail!("MAX_STEPS must be from 1 to {MAX_STEPS_LIMIT}, got {n}");
        }
        env.max_steps = Some(n);
    }
    let mut config = server::Config {
        host: args.host.clone(),
        port: args.port,
        max_sessions: args.max_sessions,
        api_key: args.api_key.clone().filter(|k| !k.is_empty()),
        idle_timeout: Some(args.idle_timeout).filter(|d| !d.is_zero()),
        max_request_bytes: args.max_request_bytes,
        curriculum_file: args.curriculum_file.clone(),
        env,
        ..server::Config::default()
    };
    if let Some(level) = args.eval_min_difficulty {
        if !(0.0..=1.0).contains(&level) {
            bail!("EVAL_MIN_DIFFICULTY must be from 0 to 1, got {level}");
        }
        config.curriculum.start_tier = tier_for_min_difficulty(level);
    }
    Ok(config)
}

/// The optional LLM layers the arguments ask for; the model settings come from the
/// environment.
fn hooks(args: &Args) -> anyhow::Result<llm::Hooks> {
    if !(0.0..=1.0).contains(&args.llm_judge_weight) {
        bail!(
            "LLM_JUDGE_WEIGHT must be from 0 to 1, got {}",
            args.llm_judge_weight
        );
    }
    let mode = match args.mode {
        Mode::Standard => "standard",
        Mode::Adversarial => "adversarial",
    };
    let weight = args.llm_judge_weight.to_string();
    llm::Hooks::from_vars(|key| match key {
        "GYM_MODE" => Some(mode.to_string()),
        "LLM_JUDGE_WEIGHT" => Some(weight.clone()),
        _ => std::env::var(key).ok(),
    })
    .context("configuring the LLM judge or designer")
}

/// Where the live backend connects: the flags, or else what the environment says.
fn connection_source(args: &Args) -> anyhow::Result<ConnectionSource> {
    if args.kubeconfig.is_some() || args.context.is_some() {
        return Ok(ConnectionSource::Kubeconfig {
            path: args.kubeconfig.clone(),
            context: args.context.clone(),
        });
    }
    Ok(ConnectionSource::from_process_env()?)
}

/// Connects to the cluster and checks, before serving, that it answers and that the `kubectl`
/// binary agents' commands run with is there.
async fn live_backend(args: &Args, env: &EnvConfig) -> anyhow::Result<server::Backend> {
    let source = connection_source(args)?;
    let connection = source
        .config()
        .await
        .context("configuring the connection to the live cluster")?;
    let url = connection.cluster_url.clone();
    let client = kube::Client::try_from(connection.clone())
        .context("building the live cluster's API client")?;
    let version = tokio::time::timeout(Duration::from_secs(30), client.apiserver_version())
        .await
        .map_err(|_| anyhow::anyhow!("the live cluster at {url} did not answer within 30 s"))?
        .with_context(|| format!("cannot reach the live cluster at {url}"))?;
    let kubectl = tokio::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .await;
    if !kubectl.is_ok_and(|o| o.status.success()) {
        bail!(
            "the live backend runs agents' commands with the `kubectl` binary, which is not on PATH"
        );
    }
    let settings = LiveConfig {
        episode: EpisodeConfig {
            reset_deadline: args.reset_deadline,
            timing: Timing {
                durability: args.durability,
                ..Timing::default()
            },
            ..EpisodeConfig::default()
        },
        ..LiveConfig::default()
    };
    let env = env.clone();
    let live = tokio::task::spawn_blocking(move || {
        LiveEnvironment::new(client, connection, settings, env)
    })
    .await
    .context("listing the faults the live backend supports")?;
    eprintln!(
        "kube-sre-gym: live backend on {url} (Kubernetes {}.{}); {} catalogue faults supported",
        version.major,
        version.minor,
        live.supported().len()
    );
    Ok(server::Backend::Live(std::sync::Arc::new(live)))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = config(&args)?;
    let hooks = hooks(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let backend = match args.backend {
            BackendKind::Simulated => server::Backend::Simulated,
            BackendKind::Live => live_backend(&args, &config.env).await?,
        };
        let state =
            server::AppState::with_backend(config.clone(), |env| hooks.attach(env), backend)?;
        eprintln!(
            "kube-sre-gym: OpenEnv server on http://{}:{} (ws /ws, /web, /metrics); up to {} sessions{}",
            config.host,
            config.port,
            config.max_sessions,
            if config.api_key.is_some() { "; API key required" } else { "" }
        );
        if hooks.judge_weight.is_some() || hooks.adversarial {
            eprintln!(
                "kube-sre-gym: LLM judge weight {}, adversarial designer {}",
                hooks.judge_weight.unwrap_or(0.0),
                if hooks.adversarial { "on" } else { "off" }
            );
        }
        server::serve_state(state, shutdown_signal())
            .await
            .context("serving")
    })
}

/// Ctrl-c or SIGTERM (what `docker stop` sends).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn parse(argv: &[&str]) -> Args {
        let mut all = vec!["serve"];
        all.extend_from_slice(argv);
        Cli::parse_from(all).args
    }

    #[test]
    fn flags_make_the_config() {
        let c = config(&parse(&[
            "--port",
            "9000",
            "--max-steps",
            "20",
            "--eval-min-difficulty",
            "0.5",
            "--idle-timeout",
            "0s",
        ]))
        .expect("valid");
        assert_eq!(c.port, 9000);
        assert_eq!(c.env.max_steps, Some(20));
        assert_eq!(
            c.curriculum.start_tier,
            gym::catalogue::Difficulty::Intermediate
        );
        assert_eq!(c.idle_timeout, None);
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(config(&parse(&["--max-steps", "0"])).is_err());
        assert!(config(&parse(&["--eval-min-difficulty", "2"])).is_err());
        assert!(config(&parse(&["--max-sessions", "0"])).is_err());
        // GYM_MODE takes the original's values only.
        let all = ["serve", "--mode", "simulated"];
        assert!(Cli::try_parse_from(all).is_err());
    }

    #[test]
    fn the_llm_layers_are_off_unless_asked_for() {
        let standard = hooks(&parse(&[])).expect("standard mode");
        assert!(standard.client.is_none() && !standard.adversarial);
        assert_eq!(standard.judge_weight, None);
        let e = hooks(&parse(&["--llm-judge-weight", "1.5"])).expect_err("out of range");
        assert!(e.to_string().contains("LLM_JUDGE_WEIGHT"), "{e}");
    }

    #[test]
    fn the_backend_is_simulated_unless_asked_for() {
        assert_eq!(parse(&[]).backend, BackendKind::Simulated);
        assert_eq!(parse(&["--backend", "live"]).backend, BackendKind::Live);
        assert!(Cli::try_parse_from(["serve", "--backend", "cloud"]).is_err());
        let args = parse(&[
            "--backend",
            "live",
            "--kubeconfig",
            "/k",
            "--context",
            "kind",
        ]);
        assert_eq!(
            connection_source(&args).expect("a source"),
            ConnectionSource::Kubeconfig {
                path: Some("/k".into()),
                context: Some("kind".into())
            }
        );
    }

    #[test]
    fn an_unreachable_live_cluster_fails_the_start_clearly() {
        // A port nothing listens on: bound, then released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kubeconfig");
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:{port}\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n"
        );
        std::fs::write(&path, kubeconfig).expect("write");
        let args = parse(&[
            "--backend",
            "live",
            "--kubeconfig",
            path.to_str().unwrap_or_default(),
        ]);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let e = runtime
            .block_on(live_backend(&args, &EnvConfig::default()))
            .err()
            .expect("nothing listens there");
        let message = format!("{e:#}");
        assert!(
            message.contains(&format!(
                "cannot reach the live cluster at http://127.0.0.1:{port}"
            )),
            "{message}"
        );
    }

    #[test]
    fn a_json_config_file_is_read_and_flags_override_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("env.json");
        std::fs::write(&path, r#"{"step_seconds": 30, "max_steps": 12}"#).expect("write");
        let c = config(&parse(&["--config", path.to_str().unwrap_or_default()])).expect("valid");
        assert_eq!(c.env.step_seconds, 30);
        assert_eq!(c.env.max_steps, Some(12));
        std::fs::write(&path, r#"{"nonsense": 1}"#).expect("write");
        assert!(config(&parse(&["--config", path.to_str().unwrap_or_default()])).is_err());
    }
}
