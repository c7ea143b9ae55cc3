//! `kube-sre-gym play`: one incident in the terminal, for a person. Each line is a step (a
//! kubectl command, `diagnose: ...` or `fix: kubectl ...`); after each the output, the hint and
//! the reward by component are printed. `:history`, `:state` and `:quit` are local commands.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use gym::catalogue::Difficulty;
use gym::curriculum::{CurriculumConfig, SharedCurriculum};
use gym::episode::mechanism_named;
use gym::{Breakdown, EnvConfig, Environment, IncidentId, Observation, ResetOptions, Split};

#[derive(clap::Args)]
pub struct Args {
    /// Seed that picks the incident (the same seed, the same incident).
    #[arg(long)]
    seed: Option<u64>,
    /// A specific incident, e.g. intermediate-904211 (see `scenarios list`).
    #[arg(long)]
    incident: Option<IncidentId>,
    /// A tier instead of the curriculum's: warmup, beginner, intermediate, advanced, expert.
    #[arg(long)]
    difficulty: Option<Difficulty>,
    /// The split incidents come from.
    #[arg(long, default_value = "train")]
    split: Split,
    /// Only incidents made of these fault types (repeatable), e.g. oom-limit.
    #[arg(long = "fault-type")]
    fault_types: Vec<String>,
    /// Step budget instead of the incident's.
    #[arg(long)]
    max_steps: Option<usize>,
    /// Simulated seconds each step advances the cluster.
    #[arg(long, default_value_t = 10)]
    step_seconds: u64,
    /// Curriculum file to continue (and update).
    #[arg(long)]
    curriculum_file: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let config = EnvConfig {
        step_seconds: args.step_seconds,
        split: args.split,
        ..EnvConfig::default()
    };
    let curriculum = match &args.curriculum_file {
        Some(path) => SharedCurriculum::open(path.clone(), CurriculumConfig::default())?,
        None => SharedCurriculum::in_memory(CurriculumConfig::default()),
    };
    let env = Arc::new(Environment::with_curriculum(config, curriculum));
    let mut fault_types = Vec::new();
    for name in &args.fault_types {
        fault_types.push(
            mechanism_named(name)
                .with_context(|| format!("unknown fault type {name:?} (see `scenarios list`)"))?,
        );
    }
    let options = ResetOptions {
        seed: args.seed,
        incident: args.incident,
        difficulty: args.difficulty,
        split: Some(args.split),
        fault_types,
        max_steps: args.max_steps,
        episode_id: None,
    };
    let mut session = env.session();
    let first = session.reset(options)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "{}", first.command_output)?;
    writeln!(out, "{}", first.cluster_status_summary)?;
    if !first.hint.is_empty() {
        writeln!(out, "hint: {}", first.hint)?;
    }
    writeln!(
        out,
        "Type kubectl commands, `diagnose: ...` or `fix: kubectl ...`; :history, :state, :quit.\n"
    )?;
    let mut history: Vec<(String, Observation)> = Vec::new();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        write!(out, "[{}/{}] $ ", history.len() + 1, first.max_steps)?;
        out.flush()?;
        let Some(line) = lines.next().transpose()? else {
            writeln!(out)?;
            break;
        };
        let line = line.trim();
        match line {
            "" => continue,
            ":quit" | ":q" | "exit" => break,
            ":history" => {
                for (n, (command, obs)) in history.iter().enumerate() {
                    writeln!(out, "{:>3}  {:+6.2}  {command}", n + 1, obs.reward)?;
                }
                continue;
            }
            ":state" => {
                writeln!(out, "{}", serde_json::to_string_pretty(&session.state())?)?;
                continue;
            }
            _ => {}
        }
        let obs = match session.step(line) {
            Ok(obs) => obs,
            Err(e) => {
                writeln!(out, "error: {e}")?;
                continue;
            }
        };
        write!(out, "{}", obs.command_output)?;
        if !obs.cluster_status_summary.is_empty() {
            writeln!(out, "--- cluster ---\n{}", obs.cluster_status_summary)?;
        }
        if !obs.hint.is_empty() {
            writeln!(out, "hint: {}", obs.hint)?;
        }
        writeln!(
            out,
            "reward {:+.2} ({}); episode {:+.2}",
            obs.reward,
            breakdown(&obs.metadata.breakdown),
            obs.metadata.episode_reward
        )?;
        let done = obs.done;
        history.push((line.to_string(), obs));
        if done {
            let last = &history[history.len() - 1].1;
            if last.metadata.resolved {
                writeln!(
                    out,
                    "\nResolved in {} steps. Episode reward {:+.2}.",
                    last.steps_taken, last.metadata.episode_reward
                )?;
            } else {
                writeln!(
                    out,
                    "\nOut of steps: the incident is unresolved. Episode reward {:+.2}.",
                    last.metadata.episode_reward
                )?;
            }
            break;
        }
    }
    session.close();
    Ok(())
}

/// The non-zero components: `judge +0.15, phase +0.20`.
fn breakdown(b: &Breakdown) -> String {
    let parts: Vec<String> = [
        ("judge", b.judge),
        ("repeat", b.repeat),
        ("phase", b.phase),
        ("collateral", b.collateral),
        ("diagnosis", b.diagnosis),
        ("resolution", b.resolution),
        ("timeout", b.timeout),
    ]
    .iter()
    .filter(|(_, v)| *v != 0.0)
    .map(|(k, v)| format!("{k} {v:+.2}"))
    .collect();
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join(", ")
    }
}
