//! `kube-sre-gym simulate`: the embedded cluster from the command line.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use cluster::Cluster;
use cluster::k8s_openapi::api::core::v1::{Event, Pod};

#[derive(clap::Args)]
pub struct Args {
    /// Seed of the simulation: the same seed and inputs give the same cluster, byte for byte.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Extra manifests to apply over the baseline (multi-document YAML), e.g. a broken Deployment.
    #[arg(long = "apply", value_name = "FILE")]
    apply: Vec<PathBuf>,
    /// Simulated time to run after applying, e.g. 90s, 5m, 1h.
    #[arg(long, default_value = "5m", value_parser = crate::world::parse_duration)]
    advance: Duration,
    /// Print every object and the simulator state as JSON instead of the summary.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut cluster = Cluster::baseline(args.seed);
    for path in &args.apply {
        let yaml =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        cluster.apply_yaml(&path.display().to_string(), &yaml)?;
    }
    cluster.advance(args.advance);
    let elapsed = started.elapsed();
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json_print(&mut out, &cluster)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<14} {:<44} {:<7} {:<26} {:>8}",
        "NAMESPACE", "POD", "READY", "STATE", "RESTARTS"
    )?;
    for pod in cluster.list::<Pod>() {
        let st = pod.status.clone().unwrap_or_default();
        let cs = st.container_statuses.clone().unwrap_or_default();
        let ready = cs.iter().filter(|c| c.ready).count();
        let state = cs
            .iter()
            .find_map(|c| {
                let s = c.state.clone()?;
                s.waiting
                    .and_then(|w| w.reason)
                    .or(s.terminated.and_then(|t| t.reason))
            })
            .unwrap_or_else(|| st.phase.clone().unwrap_or_default());
        writeln!(
            out,
            "{:<14} {:<44} {:<7} {:<26} {:>8}",
            pod.metadata.namespace.as_deref().unwrap_or(""),
            pod.metadata.name.as_deref().unwrap_or(""),
            format!("{ready}/{}", cs.len()),
            state,
            cs.iter().map(|c| c.restart_count).sum::<i32>()
        )?;
    }
    let warnings: Vec<_> = cluster
        .list::<Event>()
        .filter(|e| e.type_.as_deref() == Some("Warning"))
        .collect();
    if !warnings.is_empty() {
        writeln!(out, "\nWarning events:")?;
        for e in warnings {
            writeln!(
                out,
                "  {}/{} {} (x{}): {}",
                e.metadata.namespace.as_deref().unwrap_or(""),
                e.involved_object.name.as_deref().unwrap_or(""),
                e.reason.as_deref().unwrap_or(""),
                e.count.unwrap_or(1),
                e.message.as_deref().unwrap_or("")
            )?;
        }
    }
    writeln!(
        out,
        "\nsimulated until {} ({} objects) in {:.2?} of wall time",
        cluster.now(),
        cluster.store().object_count(),
        elapsed
    )?;
    Ok(())
}

fn serde_json_print(out: &mut impl Write, cluster: &Cluster) -> anyhow::Result<()> {
    writeln!(out, "{}", cluster.snapshot())?;
    Ok(())
}
