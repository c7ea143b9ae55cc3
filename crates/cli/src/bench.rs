//! `kube-sre-gym bench`: what the environment costs in process (`env`), what the OpenEnv server
//! sustains over `/ws` (`serve`), and the same load against another OpenEnv server, such as the
//! Python reference's echo environment, side by side (`compare`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use gym::catalogue::Difficulty;
use gym::{EnvConfig, Environment, ResetOptions, Session, Split};
use server::bench::{self, Load, Report, Target};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Reset, step and fork timings of the environment in this process (no server).
    Env(EnvArgs),
    /// WebSocket sessions stepping read-only commands against the server: in process unless
    /// --url names one.
    Serve(ServeArgs),
    /// The same load against this server and another OpenEnv server (the Python reference's
    /// echo environment, see python/bench_reference.sh), printed side by side.
    Compare(CompareArgs),
}

#[derive(clap::Args)]
pub struct EnvArgs {
    /// How long each operation is timed.
    #[arg(long, default_value = "2s", value_parser = crate::world::parse_duration)]
    duration: Duration,
}

/// The load levels, shared by `serve` and `compare`.
#[derive(clap::Args)]
pub struct LoadArgs {
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
    /// Runs per level; with more than one, each level ends with the median and range of
    /// steps/s (a shared machine's speed can vary by a third between runs).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
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
    /// The action field each step's command goes in (`message` for OpenEnv's echo
    /// environment).
    #[arg(long, default_value = "command")]
    action_field: String,
    #[command(flatten)]
    load: LoadArgs,
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// The other OpenEnv server (`http://host:port`).
    #[arg(long)]
    python_url: String,
    /// The action field of the other server's steps (the echo environment's is `message`).
    #[arg(long, default_value = "message")]
    python_action_field: String,
    /// A running kube-sre-gym server; without it one is started in this process (and shares
    /// the load client's cores, which the other server does not).
    #[arg(long)]
    url: Option<String>,
    /// API key of the kube-sre-gym server at --url.
    #[arg(long, env = "API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    #[command(flatten)]
    load: LoadArgs,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Env(args) => run_env(&args),
        Command::Serve(args) => run_serve(args),
        Command::Compare(args) => run_compare(args),
    }
}

impl LoadArgs {
    fn loads(&self) -> anyhow::Result<Vec<Load>> {
        if self.sessions.is_empty() || self.sessions.contains(&0) {
            bail!("--sessions takes counts of at least 1");
        }
        if self.think.len() != 1 && self.think.len() != self.sessions.len() {
            bail!("--think takes one value or one per --sessions level");
        }
        if self.duration.is_zero() {
            bail!("--duration must be more than 0s");
        }
        if self.repeat == 0 {
            bail!("--repeat takes a count of at least 1");
        }
        Ok(self
            .sessions
            .iter()
            .enumerate()
            .map(|(i, &sessions)| Load {
                sessions,
                think: self.think[if self.think.len() == 1 { 0 } else { i }],
                duration: self.duration,
                max_steps: self.max_steps,
            })
            .collect())
    }
}

/// A kube-sre-gym server in this process on a free loopback port, stopped when dropped.
struct LocalServer {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<Result<(), server::ServerError>>,
}

impl LocalServer {
    async fn start(max_sessions: usize) -> anyhow::Result<LocalServer> {
        let config = server::Config {
            host: "127.0.0.1".into(),
            port: 0,
            max_sessions,
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
        Ok(LocalServer {
            url: format!("ws://{addr}/ws"),
            stop: Some(stop),
            served,
        })
    }

    async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.served).await??;
        Ok(())
    }
}

/// The `/ws` URL of the server at `url`, or of one started here with room for every level.
async fn our_server(
    url: Option<&str>,
    loads: &[Load],
) -> anyhow::Result<(String, Option<LocalServer>)> {
    match url {
        Some(u) => Ok((bench::ws_url(u), None)),
        None => {
            let most = loads.iter().map(|l| l.sessions).max().unwrap_or(1);
            let local = LocalServer::start(most + 1).await?;
            Ok((local.url.clone(), Some(local)))
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn run_serve(args: ServeArgs) -> anyhow::Result<()> {
    let loads = args.load.loads()?;
    runtime()?.block_on(async move {
        let (url, local) = our_server(args.url.as_deref(), &loads).await?;
        println!(
            "{url} ({}), {} s per level, commands: {}",
            if local.is_some() {
                "server in this process"
            } else {
                "remote server"
            },
            args.load.duration.as_secs_f64(),
            bench::COMMANDS.join(" | ")
        );
        println!(
            "{:>8} {:>8} {:>10} {:>9} {:>9} {:>9} {:>9} {:>7} {:>8} {:>9}",
            "SESSIONS", "THINK", "STEPS/S", "P50", "P90", "P99", "MAX", "ERRORS", "SETUP", "RSS"
        );
        let target = Target {
            url: &url,
            api_key: args.api_key.as_deref(),
            action_field: &args.action_field,
        };
        for load in loads {
            let mut rates = Vec::with_capacity(args.load.repeat);
            for _ in 0..args.load.repeat {
                let report = bench::run(target, load)
                    .await
                    .with_context(|| format!("{} sessions", load.sessions))?;
                print_report(&report);
                rates.push(report.steps_per_sec());
            }
            if let Some(spread) = Spread::of(&rates) {
                println!(
                    "{:>8} {:>8} {:>10.0} steps/s median of {} runs, {:.0} to {:.0}",
                    load.sessions,
                    ms(load.think),
                    spread.median,
                    rates.len(),
                    spread.min,
                    spread.max
                );
            }
        }
        if let Some(local) = local {
            local.stop().await?;
        }
        Ok(())
    })
}

fn run_compare(args: CompareArgs) -> anyhow::Result<()> {
    let loads = args.load.loads()?;
    let reference_url = bench::ws_url(&args.python_url);
    runtime()?.block_on(async move {
        let (ours_url, local) = our_server(args.url.as_deref(), &loads).await?;
        let ours = Target::kube_sre_gym(&ours_url, args.api_key.as_deref());
        let reference = Target {
            url: &reference_url,
            api_key: None,
            action_field: &args.python_action_field,
        };
        println!(
            "kube-sre-gym: {ours_url} ({}), commands: {}",
            if local.is_some() {
                "server in this process, sharing the load client's cores"
            } else {
                "its own process"
            },
            bench::COMMANDS.join(" | ")
        );
        println!(
            "reference:    {reference_url} (the same commands as `{}` actions)",
            args.python_action_field
        );
        println!(
            "{} s per level and server, one after the other",
            args.load.duration.as_secs_f64()
        );
        println!(
            "{:>8} {:>8} {:>13} {:>9} {:>9} {:>13} {:>9} {:>9} {:>8}",
            "SESSIONS", "THINK", "OURS STEPS/S", "P50", "P99", "REF STEPS/S", "P50", "P99", "RATIO"
        );
        let mut failed = Vec::new();
        for load in loads {
            let mut ratios = Vec::with_capacity(args.load.repeat);
            for _ in 0..args.load.repeat {
                let a = bench::run(ours, load)
                    .await
                    .with_context(|| format!("kube-sre-gym, {} sessions", load.sessions))?;
                let b = bench::run(reference, load)
                    .await
                    .with_context(|| format!("reference server, {} sessions", load.sessions))?;
                let ratio = a.steps_per_sec() / b.steps_per_sec().max(1e-9);
                ratios.push(ratio);
                println!(
                    "{:>8} {:>8} {:>13.0} {:>9} {:>9} {:>13.0} {:>9} {:>9} {:>7.1}x",
                    load.sessions,
                    ms(load.think),
                    a.steps_per_sec(),
                    ms(a.p50),
                    ms(a.p99),
                    b.steps_per_sec(),
                    ms(b.p50),
                    ms(b.p99),
                    ratio
                );
                for (name, r) in [("kube-sre-gym", &a), ("reference", &b)] {
                    if r.steps == 0 || r.errors > 0 {
                        failed.push(format!(
                            "{name} at {} sessions: {} steps, {} error replies",
                            load.sessions, r.steps, r.errors
                        ));
                    }
                }
            }
            if let Some(spread) = Spread::of(&ratios) {
                println!(
                    "{:>8} {:>8} ratio median of {} runs {:.1}x, {:.1}x to {:.1}x",
                    load.sessions,
                    ms(load.think),
                    ratios.len(),
                    spread.median,
                    spread.min,
                    spread.max
                );
            }
        }
        if let Some(local) = local {
            local.stop().await?;
        }
        if !failed.is_empty() {
            // Error replies are not steps: a ratio over them compares nothing.
            bail!(
                "some steps were refused (wrong action field?): {}",
                failed.join("; ")
            );
        }
        Ok(())
    })
}

/// The median and range of repeated runs' figures; `None` for a single run.
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Option<Spread> {
        if values.len() < 2 {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median = if sorted.len().is_multiple_of(2) {
            (sorted[mid - 1] + sorted[mid]) / 2.0
        } else {
            sorted[mid]
        };
        Some(Spread {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        })
    }
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

/// Per-call times of one operation.
struct Timing {
    name: &'static str,
    /// Nanoseconds, sorted.
    calls: Vec<u64>,
}

impl Timing {
    fn percentile(&self, p: f64) -> Duration {
        let i = ((self.calls.len().saturating_sub(1)) as f64 * p).round() as usize;
        Duration::from_nanos(self.calls.get(i).copied().unwrap_or(0))
    }

    fn mean(&self) -> Duration {
        let total: u64 = self.calls.iter().sum();
        Duration::from_nanos(total / self.calls.len().max(1) as u64)
    }
}

/// Times `op` for `duration` (after a tenth of it as warm-up); `prepare` runs before each call,
/// untimed.
fn time_op<S>(
    name: &'static str,
    duration: Duration,
    state: &mut S,
    mut prepare: impl FnMut(&mut S) -> anyhow::Result<()>,
    mut op: impl FnMut(&mut S) -> anyhow::Result<()>,
) -> anyhow::Result<Timing> {
    let mut calls = Vec::new();
    for (phase, length) in [(0, duration / 10), (1, duration)] {
        let end = Instant::now() + length;
        while Instant::now() < end {
            prepare(state)?;
            let t = Instant::now();
            op(state).with_context(|| name.to_string())?;
            let took = t.elapsed();
            if phase == 1 {
                calls.push(took.as_nanos().min(u128::from(u64::MAX)) as u64);
            }
        }
    }
    calls.sort_unstable();
    Ok(Timing { name, calls })
}

fn warmup(n: u32) -> ResetOptions {
    ResetOptions {
        incident: Some(Split::Train.id(Difficulty::Warmup, n)),
        max_steps: Some(gym::episode::MAX_STEPS_LIMIT),
        ..ResetOptions::default()
    }
}

/// A session with a fresh episode of the first warmup incident.
fn started(env: &Arc<Environment>) -> anyhow::Result<Session> {
    let mut s = env.session();
    s.reset(warmup(0))?;
    Ok(s)
}

fn run_env(args: &EnvArgs) -> anyhow::Result<()> {
    if args.duration.is_zero() {
        bail!("--duration must be more than 0s");
    }
    let d = args.duration;
    let config = EnvConfig {
        record_outcomes: false,
        ..EnvConfig::default()
    };
    let env = Arc::new(Environment::new(config.clone()));
    // Without a cache every reset generates, injects and warms its incident.
    let uncached = Arc::new(Environment::new(EnvConfig {
        incident_cache: 0,
        ..config
    }));
    println!(
        "one thread, {} s per operation (warmup tier, the shop: 14 pods)",
        d.as_secs_f64()
    );
    let mut timings = Vec::new();

    let mut baseline = cluster::Cluster::baseline(42);
    timings.push(time_op(
        "fork the baseline cluster",
        d,
        &mut baseline,
        |_| Ok(()),
        |c| {
            std::hint::black_box(c.clone());
            Ok(())
        },
    )?);

    let mut session = started(&env)?;
    timings.push(time_op(
        "reset, prepared incident (a GRPO group's later rollouts: a fork)",
        d,
        &mut session,
        |_| Ok(()),
        |s| {
            std::hint::black_box(s.reset(warmup(0))?);
            Ok(())
        },
    )?);

    // The worlds are built once per run, as a server builds them: not part of a reset.
    let mut fresh = (uncached.session(), 0u32);
    for n in 0..64 {
        fresh.0.reset(warmup(n))?;
    }
    timings.push(time_op(
        "reset, new incident (generate, inject, warm)",
        d,
        &mut fresh,
        |_| Ok(()),
        |(s, n)| {
            *n = (*n + 1) % 64;
            std::hint::black_box(s.reset(warmup(*n))?);
            Ok(())
        },
    )?);

    // Each episode runs the eight reads once, so no command is a repeat.
    let mut reads = (started(&env)?, 0usize);
    timings.push(time_op(
        "step, read-only (the server benchmark's eight reads)",
        d,
        &mut reads,
        |(s, k)| {
            if *k % bench::COMMANDS.len() == 0 {
                s.reset(warmup(0))?;
            }
            Ok(())
        },
        |(s, k)| {
            let command = bench::COMMANDS[*k % bench::COMMANDS.len()];
            *k += 1;
            std::hint::black_box(s.step(command)?);
            Ok(())
        },
    )?);

    let mut change = started(&env)?;
    timings.push(time_op(
        "step, a change (kubectl scale: graded on a fork run ahead)",
        d,
        &mut change,
        |s| {
            s.reset(warmup(0))?;
            Ok(())
        },
        |s| {
            std::hint::black_box(
                s.step("kubectl scale deployment web-app -n frontend --replicas=3")?,
            );
            Ok(())
        },
    )?);

    println!(
        "{:<66} {:>9} {:>10} {:>10} {:>10} {:>10}",
        "OPERATION", "CALLS", "MEAN", "P50", "P99", "PER SEC"
    );
    for t in &timings {
        let mean = t.mean();
        println!(
            "{:<66} {:>9} {:>10} {:>10} {:>10} {:>10.0}",
            t.name,
            t.calls.len(),
            us(mean),
            us(t.percentile(0.5)),
            us(t.percentile(0.99)),
            1.0 / mean.as_secs_f64().max(1e-12)
        );
    }
    Ok(())
}

fn us(d: Duration) -> String {
    format!("{:.1}us", d.as_secs_f64() * 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_give_the_median_and_range_of_two_or_more_runs() {
        assert!(Spread::of(&[]).is_none());
        assert!(Spread::of(&[5.0]).is_none());
        let odd = Spread::of(&[30.0, 10.0, 20.0]).expect("three runs");
        assert_eq!((odd.median, odd.min, odd.max), (20.0, 10.0, 30.0));
        let even = Spread::of(&[4.0, 1.0, 3.0, 2.0]).expect("four runs");
        assert_eq!((even.median, even.min, even.max), (2.5, 1.0, 4.0));
    }
}
