//! `kube-sre-gym live`: the real-cluster backend from the terminal. `sweep` removes what
//! sessions left behind; `play` runs one incident in its own namespaces, the commands typed at
//! a prompt going through the allow-list to the real `kubectl`.

use std::io::{BufRead, Write};
use std::time::Duration;

use anyhow::Context;
use live::episode::{EpisodeConfig, LiveEpisode};
use live::faults::Timing;
use live::sweep::Sweep;
use live::{ConnectionSource, SessionId};

#[derive(clap::Subcommand)]
pub enum Command {
    /// Delete every namespace carrying the environment's ownership label.
    Sweep(SweepArgs),
    /// Play one incident on the cluster: reset, fault, a prompt, the grade, teardown.
    Play(PlayArgs),
}

#[derive(clap::Args)]
pub struct SweepArgs {
    /// Only this session's namespaces.
    #[arg(long)]
    session: Option<String>,
    /// Only namespaces at least this old (`30m`, `2h`), sparing a running server's sessions.
    #[arg(long, value_parser = crate::world::parse_duration)]
    older_than: Option<Duration>,
    /// List what would be deleted; delete nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(clap::Args)]
pub struct PlayArgs {
    /// The fault, as MECHANISM:NAMESPACE/WORKLOAD (see `kube-sre-gym scenarios`).
    #[arg(long, default_value = "oom-limit:payments/payment-api")]
    fault: String,
    /// The session id: lower-case letters and digits.
    #[arg(long, default_value = "play")]
    session: String,
    /// How long a fix must hold before it counts.
    #[arg(long, default_value = "60s", value_parser = crate::world::parse_duration)]
    durability: Duration,
    /// How long the reset may take to become healthy.
    #[arg(long, default_value = "5m", value_parser = crate::world::parse_duration)]
    reset_deadline: Duration,
}

async fn connect() -> anyhow::Result<(kube::Client, kube::Config)> {
    let source = ConnectionSource::from_process_env()?;
    let config = source.config().await?;
    let client = kube::Client::try_from(config.clone()).context("building the API client")?;
    Ok((client, config))
}

pub fn run(command: Command) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match command {
            Command::Sweep(args) => sweep(args).await,
            Command::Play(args) => play(args).await,
        }
    })
}

async fn sweep(args: SweepArgs) -> anyhow::Result<()> {
    let (client, _) = connect().await?;
    let sweep = Sweep {
        session: args.session.as_deref().map(SessionId::new).transpose()?,
        older_than: args.older_than,
        dry_run: args.dry_run,
    };
    let names = sweep.run(&client).await?;
    let verb = if args.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    for name in &names {
        println!("{verb} namespace {name}");
    }
    if names.is_empty() {
        println!("nothing to sweep ({})", sweep.selector());
    }
    Ok(())
}

async fn play(args: PlayArgs) -> anyhow::Result<()> {
    let fault: gym::CatalogueFault = args.fault.parse()?;
    let id = SessionId::new(&args.session)?;
    let (client, config) = connect().await?;
    let dir = tempfile::tempdir().context("a directory for the session's kubeconfig")?;
    let settings = EpisodeConfig {
        reset_deadline: args.reset_deadline,
        timing: Timing {
            durability: args.durability,
            ..Timing::default()
        },
        ..EpisodeConfig::default()
    };
    eprintln!("resetting session {id} and injecting {fault} ...");
    let episode = LiveEpisode::start(client, &config, id, &fault, dir.path(), settings).await?;
    println!("ALERT: {}", episode.alert());
    println!("Type kubectl commands; `grade` to check the fix, `exit` to end.");
    let stdin = std::io::stdin();
    loop {
        print!("$ ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        if stdin.lock().read_line(&mut line)? == 0 {
            break;
        }
        match line.trim() {
            "" => continue,
            "exit" | "quit" => break,
            "grade" => {
                let grade = episode.grade().await?;
                if grade.resolved {
                    println!("RESOLVED");
                    break;
                }
                for p in grade.problems.iter().chain(&grade.collateral) {
                    println!("not yet: {p}");
                }
            }
            command => {
                let out = episode.step(command).await;
                print!("{}{}", out.stdout, out.stderr);
            }
        }
    }
    eprintln!("tearing the session down ...");
    episode.close(Duration::from_secs(300)).await?;
    Ok(())
}
