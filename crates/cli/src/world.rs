//! The cluster a subcommand starts from: the baseline shop, optionally broken by faults (basic
//! `oom:payments/payment-api` or catalogue `oom-limit:payments/payment-api` specs) or replaced by
//! a generated incident (`--incident expert-903117`).

use std::time::Duration;

use anyhow::Context;
use cluster::Cluster;
use gym::{CatalogueFault, FaultSpec, IncidentId, Worlds};

#[derive(clap::Args)]
pub struct WorldArgs {
    /// Seed of the simulated cluster (ignored with --incident, whose id fixes the world).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A fault to inject first (repeatable): a catalogue mechanism such as
    /// oom-limit:payments/payment-api (see `scenarios list`), or a basic one such as
    /// oom:payments/payment-api.
    #[arg(long = "fault", value_name = "SPEC", value_parser = parse_fault)]
    faults: Vec<AnyFault>,
    /// A generated incident to start from, e.g. intermediate-904211 (see `scenarios list`).
    #[arg(long, value_name = "ID", conflicts_with = "faults")]
    incident: Option<IncidentId>,
    /// Simulated time to run before starting, e.g. 5m.
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    advance: Duration,
}

#[derive(Clone, Debug)]
pub enum AnyFault {
    Catalogue(CatalogueFault),
    Basic(FaultSpec),
}

fn parse_fault(s: &str) -> Result<AnyFault, String> {
    match s.parse::<CatalogueFault>() {
        Ok(f) => Ok(AnyFault::Catalogue(f)),
        Err(catalogue) => s
            .parse::<FaultSpec>()
            .map(AnyFault::Basic)
            .map_err(|basic| format!("{catalogue}\n(or a basic fault: {basic})")),
    }
}

/// A clap value parser for simulated durations: `90s`, `5m`, `1h`.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    cluster::parse_duration(s).map_err(|e| e.to_string())
}

impl WorldArgs {
    pub fn build(&self) -> anyhow::Result<Cluster> {
        let mut cluster = match self.incident {
            Some(id) => {
                let (cluster, _) = id
                    .spec()
                    .instantiate(&Worlds::new())
                    .with_context(|| format!("building incident {id}"))?;
                cluster
            }
            None => Cluster::baseline(self.seed),
        };
        for fault in &self.faults {
            match fault {
                AnyFault::Catalogue(f) => {
                    f.inject(&mut cluster)
                        .with_context(|| format!("injecting {f}"))?;
                }
                AnyFault::Basic(f) => f
                    .inject(&mut cluster)
                    .with_context(|| format!("injecting {}", f.fault))?,
            }
        }
        cluster.advance(self.advance);
        Ok(cluster)
    }
}
