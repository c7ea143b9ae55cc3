//! `kube-sre-gym replay` re-runs recorded episodes (a `trajectories.jsonl` that `eval` wrote)
//! from their incident ids and commands and checks that every output and reward comes back
//! byte for byte; `kube-sre-gym atif` exports recorded episodes in ATIF.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use gym::evaluate;
use gym::trajectory::{Trajectory, first_difference, read_lines, to_atif};
use gym::{EnvConfig, Environment};

#[derive(clap::Args)]
pub struct Args {
    /// A trajectories file (JSONL, one episode a line).
    file: PathBuf,
    /// Only the episode on this line (1-based); default: every line.
    #[arg(long)]
    line: Option<usize>,
}

#[derive(clap::Args)]
pub struct AtifArgs {
    /// A trajectories file (JSONL, one episode a line).
    file: PathBuf,
    /// Only the episode on this line (1-based), written as one JSON document.
    #[arg(long)]
    line: Option<usize>,
    /// Where to write (default: standard output). Every line: one ATIF document a line.
    #[arg(long, short)]
    out: Option<PathBuf>,
}

fn load(file: &PathBuf, line: Option<usize>) -> anyhow::Result<Vec<(usize, Trajectory)>> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let all = read_lines(&text).with_context(|| format!("reading {}", file.display()))?;
    match line {
        None if all.is_empty() => bail!("{} holds no trajectory", file.display()),
        None => Ok(all),
        Some(n) => {
            let picked: Vec<_> = all.into_iter().filter(|(l, _)| *l == n).collect();
            if picked.is_empty() {
                bail!("{} has no trajectory on line {n}", file.display());
            }
            Ok(picked)
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let episodes = load(&args.file, args.line)?;
    // The configuration eval records with.
    let env = Arc::new(Environment::new(EnvConfig {
        record_outcomes: false,
        ..EnvConfig::default()
    }));
    let mut out = std::io::stdout().lock();
    let mut failed = 0;
    for (line, recorded) in &episodes {
        let replayed = evaluate::replay(&env, recorded)
            .with_context(|| format!("line {line}: replaying {}", recorded.incident))?;
        let same = replayed.to_line() == recorded.to_line();
        let label = format!(
            "line {line}: {} {} trial {}: {} steps, {}",
            recorded.incident,
            recorded.policy,
            recorded.repeat,
            recorded.steps.len(),
            if recorded.outcome.resolved {
                "resolved"
            } else {
                "unresolved"
            }
        );
        if same {
            writeln!(out, "{label}: identical")?;
            continue;
        }
        failed += 1;
        let a = serde_json::to_value(recorded)?;
        let b = serde_json::to_value(&replayed)?;
        match first_difference(&a, &b) {
            Some((path, x, y)) => writeln!(
                out,
                "{label}: DIFFERS at {path}\n  recorded: {}\n  replayed: {}",
                clip(&x.to_string()),
                clip(&y.to_string())
            )?,
            None => writeln!(out, "{label}: DIFFERS in its serialised bytes")?,
        }
    }
    writeln!(
        out,
        "{} of {} episodes replayed identically",
        episodes.len() - failed,
        episodes.len()
    )?;
    if failed > 0 {
        bail!("{failed} episodes did not replay identically");
    }
    Ok(())
}

fn clip(s: &str) -> String {
    if s.chars().count() > 300 {
        format!("{}...", s.chars().take(300).collect::<String>())
    } else {
        s.to_string()
    }
}

pub fn atif(args: AtifArgs) -> anyhow::Result<()> {
    let episodes = load(&args.file, args.line)?;
    let mut text = String::new();
    if args.line.is_some() {
        for (_, t) in &episodes {
            text.push_str(&serde_json::to_string_pretty(&to_atif(t))?);
            text.push('\n');
        }
    } else {
        for (_, t) in &episodes {
            text.push_str(&to_atif(t).to_string());
            text.push('\n');
        }
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok(())
}
