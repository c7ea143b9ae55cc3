//! `kube-sre-gym kubectl`: one kubectl command against a fresh simulated cluster, in process.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use cluster::Cluster;
use gym::FaultSpec;

#[derive(clap::Args)]
pub struct Args {
    /// Seed of the simulated cluster.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A fault to inject first, e.g. oom:payments/payment-api (repeatable).
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<FaultSpec>,
    /// Simulated time to run before the command, e.g. 5m.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    advance: Duration,
    /// The kubectl command, after `--` (a leading `kubectl` is optional).
    #[arg(last = true, required = true, value_name = "KUBECTL ARGS")]
    command: Vec<String>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    cluster::parse_duration(s).map_err(|e| e.to_string())
}

/// Runs the command and returns kubectl's exit code.
pub fn run(args: Args) -> anyhow::Result<i32> {
    let mut cluster = Cluster::baseline(args.seed);
    for fault in &args.faults {
        fault
            .inject(&mut cluster)
            .with_context(|| format!("injecting {}", fault.fault))?;
    }
    cluster.advance(args.advance);
    // Quote the words back into one command line, as the agent would have typed it.
    let line = shell_words::join(&args.command);
    let out = kubectl::exec::run(&mut cluster, &line);
    std::io::stdout().write_all(out.stdout.as_bytes())?;
    std::io::stderr().write_all(out.stderr.as_bytes())?;
    Ok(out.exit_code)
}
