//! `kube-sre-gym bench serve`: load the OpenEnv server over `/ws` with 1, 64 and 1000
//! sessions (by default) and print steps per second, step latency and resident memory.

use std::time::Duration;

use anyhow::{Context, bail};
use server::bench::{self, Load, Report};

#[derive(clap::Subcommand)]
pub enum Command {
    /// WebSocket sessions stepping read-only commands against the server: in process unless
    /// --url names one.
    Serve(ServeArgs),
}

#[derive(clap::Args)]
pub struct ServeArgs {
    /// A running server (`http://host:8000` or `ws://host:8000/ws`); without it one is started
    /// in this process, and the memory figure then covers server and clients together.
    #[arg(long)]
    url: Option<String>,
    /// API key of the server at --url.
    #[arg(long, env = "API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Session counts, one load level each.
    #[arg(long, value_delimiter = ',', default_value = "1,64,1000")]
    sessions: Vec<usize>,
    /// Pause after each reply, per level (one value applies to all).
    #[arg(long, value_delimiter = ',', default_value = "0s", value_parser = crate::world::parse_duration)]
    think: Vec<Duration>,
    /// How long each level steps.
    #[arg(long, default_value = "5s", value_parser = crate::world::parse_duration)]
    duration: Duration,
    /// Step budget per episode instead of each incident's (15 to 25); sessions reset when an
    /// episode ends.
    #[arg(long)]
    max_steps: Option<usize>,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    let Command::Serve(args) = command;
    if args.think.len() != 1 && args.think.len() != args.sessions.len() {
        bail!("--think takes one value or one per --sessions level");
    }
    let loads: Vec<Load> = args
        .sessions
        .iter()
        .enumerate()
        .map(|(i, &sessions)| Load {
            sessions,
            think: args.think[if args.think.len() == 1 { 0 } else { i }],
            duration: args.duration,
            max_steps: args.max_steps,
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (url, local) = match &args.url {
            Some(u) => (bench::ws_url(u), None),
            None => {
                let most = loads.iter().map(|l| l.sessions).max().unwrap_or(1);
                let config = server::Config {
                    host: "127.0.0.1".into(),
                    port: 0,
                    max_sessions: most + 1,
                    idle_timeout: None,
                    ..server::Config::default()
                };
                let state = server::AppState::new(config)?;
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
                let addr = listener.local_addr()?;
                let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
                let served = tokio::spawn(server::serve_on(listener, state, async move {
                    let _ = stopped.await;
                }));
                (format!("ws://{addr}/ws"), Some((stop, served)))
            }
        };
        println!(
            "{url} ({}), {} s per level, commands: {}",
            if local.is_some() {
                "server in this process"
            } else {
                "remote server"
            },
            args.duration.as_secs_f64(),
            bench::COMMANDS.join(" | ")
        );
        println!(
            "{:>8} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>7} {:>8} {:>9}",
            "SESSIONS", "THINK", "STEPS/S", "P50", "P90", "P99", "MAX", "ERRORS", "SETUP", "RSS"
        );
        for load in loads {
            let report = bench::run(&url, args.api_key.as_deref(), load)
                .await
                .with_context(|| format!("{} sessions", load.sessions))?;
            print_report(&report);
        }
        if let Some((stop, served)) = local {
            let _ = stop.send(());
            served.await??;
        }
        Ok(())
    })
}

fn ms(d: Duration) -> String {
    format!("{:.2}ms", d.as_secs_f64() * 1e3)
}

fn print_report(r: &Report) {
    let rss = r
        .rss_bytes
        .map_or_else(|| "-".to_string(), |b| format!("{:.0}MB", b as f64 / 1e6));
    println!(
        "{:>8} {:>8} {:>10.0} {:>9} {:>9} {:>9} {:>9} {:>7} {:>8} {:>9}",
        r.load.sessions,
        ms(r.load.think),
        r.steps_per_sec(),
        ms(r.p50),
        ms(r.p90),
        ms(r.p99),
        ms(r.max),
        r.errors,
        format!("{:.1}s", r.setup.as_secs_f64()),
        rss
    );
}
