//! `kube-sre-gym scenarios`: browse the fault catalogue and the generated incidents.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use gym::catalogue::{CATALOGUE, Difficulty};
use gym::evaluate::{self, POLICIES, PolicyKind};
use gym::scenario::{TIERS, tier_name};
use gym::{EnvConfig, Environment, IncidentId, Split, Worlds};

#[derive(clap::Subcommand)]
pub enum Command {
    /// List the catalogue's mechanisms, or with --tier the generated incidents of a split.
    List(ListArgs),
    /// Show a mechanism (`oom-limit`) or build a generated incident (`expert-903117`) and show
    /// its alerts.
    Show(ShowArgs),
    /// Run policies over generated incidents, as episodes, and print the resolution rate (and
    /// with --rewards the episode rewards) per tier.
    Evaluate(EvaluateArgs),
}

#[derive(clap::Args)]
pub struct EvaluateArgs {
    /// Policies to run, comma-separated, or `all`: scripted, random, hack-scale-to-zero,
    /// hack-delete, hack-restart-spam, hack-unrelated-image, hack-nothing.
    #[arg(long, default_value = "all")]
    policy: String,
    /// The split whose first incidents are run.
    #[arg(long, default_value = "test")]
    split: Split,
    /// Incidents per tier.
    #[arg(long, default_value_t = 100)]
    episodes: u32,
    /// Only this tier (default: every tier).
    #[arg(long)]
    tier: Option<Difficulty>,
    /// Worker threads (default: the machine's cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Also list the ids of the incidents each policy resolved (`resolved`) or did not
    /// (`unresolved`).
    #[arg(long, value_name = "WHICH", value_parser = ["resolved", "unresolved"])]
    list: Option<String>,
    /// Also print the episode rewards (mean, spread) of resolved and unresolved episodes.
    #[arg(long)]
    rewards: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// List generated incidents of this tier: warmup, beginner, intermediate, advanced, expert.
    #[arg(long)]
    tier: Option<Difficulty>,
    /// The split to list from: train, validation or test.
    #[arg(long, default_value = "test")]
    split: Split,
    /// How many incidents to list.
    #[arg(long, default_value_t = 20)]
    count: u32,
    /// Skip this many incidents of the split first.
    #[arg(long, default_value_t = 0)]
    skip: u32,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// A mechanism name or an incident id.
    name: String,
    /// Also print the ground truth (root causes). Never shown to agents.
    #[arg(long)]
    ground_truth: bool,
}

pub fn run(command: Command) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        Command::List(args) => match args.tier {
            None => list_catalogue(&mut out),
            Some(tier) => {
                for n in args.skip..args.skip.saturating_add(args.count) {
                    writeln!(out, "{}", args.split.id(tier, n).spec())?;
                }
                Ok(())
            }
        },
        Command::Show(args) => show(&mut out, &args),
        Command::Evaluate(args) => evaluate(&mut out, &args),
    }
}

fn evaluate(out: &mut impl Write, args: &EvaluateArgs) -> anyhow::Result<()> {
    let policies: Vec<PolicyKind> = if args.policy == "all" {
        POLICIES.to_vec()
    } else {
        args.policy
            .split(',')
            .map(|p| p.trim().parse().map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<_>>()?
    };
    let tiers: Vec<Difficulty> = args.tier.map_or_else(|| TIERS.to_vec(), |t| vec![t]);
    let ids: Vec<IncidentId> = tiers
        .iter()
        .flat_map(|&t| (0..args.episodes).map(move |n| args.split.id(t, n)))
        .collect();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let env = Arc::new(Environment::new(EnvConfig {
        record_outcomes: false,
        ..EnvConfig::default()
    }));
    writeln!(
        out,
        "{} incidents per tier from the {} split, {threads} threads\n",
        args.episodes, args.split
    )?;
    write!(out, "{:<22}", "POLICY")?;
    for t in &tiers {
        write!(out, " {:>18}", tier_name(*t))?;
    }
    writeln!(out, " {:>10}", "SECONDS")?;
    for policy in policies {
        let started = Instant::now();
        let results = evaluate::evaluate(&ids, policy, threads, &env)?;
        let figures = evaluate::by_tier(&results);
        write!(out, "{:<22}", policy.name())?;
        for t in &tiers {
            let f = figures.get(t).cloned().unwrap_or_default();
            write!(
                out,
                " {:>18}",
                format!("{:.1}% ({:.1} st)", 100.0 * f.rate(), f.mean_steps())
            )?;
        }
        writeln!(out, " {:>10.1}", started.elapsed().as_secs_f64())?;
        if args.rewards {
            for (label, pick) in [("  reward resolved", true), ("  reward failed", false)] {
                write!(out, "{label:<22}")?;
                for t in &tiers {
                    let f = figures.get(t).cloned().unwrap_or_default();
                    let values = if pick {
                        &f.rewards_resolved
                    } else {
                        &f.rewards_failed
                    };
                    let cell = if values.is_empty() {
                        "-".to_string()
                    } else {
                        let (mean, sd, min, max) = evaluate::spread(values);
                        format!("{mean:+.2}±{sd:.2} [{min:+.1},{max:+.1}]")
                    };
                    write!(out, " {cell:>24}")?;
                }
                writeln!(out)?;
            }
        }
        if let Some(which) = &args.list {
            let want = which == "resolved";
            let ids: Vec<String> = results
                .iter()
                .filter(|r| r.resolved == want)
                .map(|r| {
                    if args.rewards {
                        format!("{}({:+.2})", r.id, r.reward)
                    } else {
                        r.id.to_string()
                    }
                })
                .collect();
            writeln!(out, "  {which}: {}", ids.join(" "))?;
        }
        out.flush()?;
    }
    writeln!(
        out,
        "\nresolved % (mean commands when resolved); resolution is the final grade: every fault fixed, stable 7 simulated minutes on, no collateral damage."
    )?;
    if args.rewards {
        writeln!(
            out,
            "reward: episode totals, mean±standard deviation [min,max], of resolved and of unresolved episodes."
        )?;
    }
    Ok(())
}

fn list_catalogue(out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(
        out,
        "{:<32} {:<14} {:<13} {:<26} SUMMARY",
        "MECHANISM", "CLASS", "TIER", "DEFAULT TARGET"
    )?;
    for i in CATALOGUE {
        writeln!(
            out,
            "{:<32} {:<14} {:<13} {:<26} {}",
            i.name,
            format!("{:?}", i.class),
            tier_name(i.difficulty),
            i.default_target,
            i.summary
        )?;
    }
    writeln!(
        out,
        "\n{} mechanisms. Generated incidents: `scenarios list --tier TIER [--split train|validation|test]`; tiers: {}.",
        CATALOGUE.len(),
        TIERS.map(tier_name).join(", ")
    )?;
    Ok(())
}

fn show(out: &mut impl Write, args: &ShowArgs) -> anyhow::Result<()> {
    if let Some(info) = CATALOGUE.iter().find(|i| i.name == args.name) {
        writeln!(out, "mechanism:      {}", info.name)?;
        writeln!(out, "class:          {:?}", info.class)?;
        writeln!(out, "tier:           {}", tier_name(info.difficulty))?;
        writeln!(out, "default target: {}", info.default_target)?;
        writeln!(out, "summary:        {}", info.summary)?;
        writeln!(
            out,
            "inject:         kube-sre-gym kubectl --fault {}:{} -- get pods -A",
            info.name, info.default_target
        )?;
        return Ok(());
    }
    let id: IncidentId = args.name.parse().with_context(|| {
        format!(
            "{:?} is neither a mechanism (see `scenarios list`) nor an incident id",
            args.name
        )
    })?;
    let spec = id.spec();
    let (cluster, scenario) = spec
        .instantiate(&Worlds::new())
        .with_context(|| format!("building incident {id}"))?;
    writeln!(out, "incident:   {id}")?;
    writeln!(out, "split:      {}", id.split())?;
    writeln!(out, "world:      {}", spec.world)?;
    writeln!(out, "alerts:     {}", spec.precision.name())?;
    writeln!(out, "max steps:  {}", spec.max_steps)?;
    writeln!(out, "started at: {} simulated", cluster.now())?;
    writeln!(out, "\nactive alerts:")?;
    for alert in &scenario.alerts {
        writeln!(out, "  - {alert}")?;
    }
    if args.ground_truth {
        writeln!(out, "\nground truth (never shown to agents):")?;
        for (fault, truth) in spec.faults.iter().zip(scenario.ground_truth()) {
            let causes: Vec<String> = truth
                .root_causes
                .iter()
                .map(|e| {
                    if e.namespace.is_empty() {
                        format!("{} {}", e.kind, e.name)
                    } else {
                        format!("{} {}/{}", e.kind, e.namespace, e.name)
                    }
                })
                .collect();
            writeln!(
                out,
                "  - {fault} ({:?}): root cause {}",
                truth.class,
                causes.join(", ")
            )?;
        }
    }
    Ok(())
}
