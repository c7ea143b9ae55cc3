//! `kube-sre-gym eval`: policies over the same incidents of a split, in parallel, each episode
//! recorded (`trajectories.jsonl`), and a report written as JSON, Markdown and a self-contained
//! HTML page; `--compare A B` pairs two reports (or two policies) incident by incident.

mod policies;
pub mod render;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use gym::catalogue::Difficulty;
use gym::evaluate::{self, Job};
use gym::report::{EpisodeRow, Report, RunConfig};
use gym::scenario::{TIERS, tier_name};
use gym::trajectory::{OrderedWriter, to_atif};
use gym::{EnvConfig, Environment, IncidentId, Split};
use indicatif::{ProgressBar, ProgressStyle};

use policies::PolicySpec;

#[derive(clap::Args)]
pub struct Args {
    /// A policy to evaluate (repeatable, or a comma list): scripted, random, hack-...,
    /// replay:FILE[#POLICY] (commands recorded in a trajectories file), openai:URL#MODEL,
    /// anthropic:MODEL, hf:MODEL (keys from LLM_API_KEY, ANTHROPIC_API_KEY, HF_TOKEN; prices
    /// from LLM_PRICES).
    #[arg(long = "policy", value_delimiter = ',')]
    policies: Vec<String>,
    /// Compare two reports (report.json files, their first policy or FILE#POLICY) or two
    /// policies, paired over their shared incidents.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    compare: Option<Vec<String>>,
    /// The split the incidents come from.
    #[arg(long, default_value = "test")]
    split: Split,
    /// Distinct incidents, spread evenly over the tiers (every policy gets the same ones).
    #[arg(long, default_value_t = 100)]
    episodes: u32,
    /// Trials per incident and policy, for pass@k and pass^k.
    #[arg(long, default_value_t = 1)]
    repeats: u32,
    /// 0: the split's first incidents of each tier; another seed draws others. It also seeds
    /// the policies' trials.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Only this tier (default: every tier).
    #[arg(long)]
    tier: Option<Difficulty>,
    /// Where the report and trajectories go.
    #[arg(long, default_value = "eval-report")]
    out: PathBuf,
    /// Worker threads (default: the machine's cores; more helps LLM policies, which wait on
    /// the network).
    #[arg(long)]
    threads: Option<usize>,
    /// Sampling temperature of LLM policies (default 0 with one trial, else 0.7, so that
    /// trials differ).
    #[arg(long)]
    temperature: Option<f32>,
    /// Where the trajectories go (default: OUT/trajectories.jsonl). Every output is kept in
    /// full, so they are large: about 0.3 to 4 MB an episode.
    #[arg(long, value_name = "FILE")]
    trajectories: Option<PathBuf>,
    /// Do not write trajectories.
    #[arg(long, conflicts_with = "trajectories")]
    no_trajectories: bool,
    /// Also write every trajectory in ATIF (trajectories.atif.jsonl).
    #[arg(long)]
    atif: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(pair) = &args.compare {
        let files: Vec<Option<(PathBuf, Option<String>)>> =
            pair.iter().map(|a| report_file(a)).collect();
        if let [Some(a), Some(b)] = files.as_slice() {
            if !args.policies.is_empty() {
                bail!("--compare with report files takes no --policy");
            }
            return compare_files(a, b, &args.out);
        }
    }
    let mut specs: Vec<String> = args.policies.clone();
    if let Some(pair) = &args.compare {
        specs.splice(0..0, pair.iter().cloned());
    }
    specs.retain(|s| !s.trim().is_empty());
    if specs.is_empty() {
        bail!(
            "no policy: give --policy (built-in: {}) or --compare A B",
            policies::builtin_names()
        );
    }
    if args.episodes == 0 || args.repeats == 0 {
        bail!("--episodes and --repeats must be at least 1");
    }
    let temperature = args
        .temperature
        .unwrap_or(if args.repeats > 1 { 0.7 } else { 0.0 });
    if !(0.0..=2.0).contains(&temperature) {
        bail!("--temperature must be in [0, 2], got {temperature}");
    }
    let policies: Vec<PolicySpec> = specs
        .iter()
        .map(|s| PolicySpec::parse(s, temperature))
        .collect::<anyhow::Result<_>>()?;
    let names: Vec<String> = policies.iter().map(PolicySpec::name).collect();
    if let Some(dup) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        bail!("policy {} is given twice", dup.1);
    }
    let tiers: Vec<Difficulty> = args.tier.map_or_else(|| TIERS.to_vec(), |t| vec![t]);
    let ids = incidents(args.split, &tiers, args.episodes, args.seed);
    let jobs: Vec<Job> = ids
        .iter()
        .flat_map(|&id| (0..args.repeats).map(move |r| Job::new(id, r, args.seed)))
        .collect();
    for (p, name) in policies.iter().zip(&names) {
        let missing = p.missing(&jobs);
        if let Some(first) = missing.first() {
            bail!(
                "{name}: the replay file lacks {} of the {} episodes, e.g. {first}; run eval with the split, --episodes, --repeats, --tier and --seed it was recorded with",
                missing.len(),
                jobs.len()
            );
        }
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let env_config = EnvConfig {
        record_outcomes: false,
        split: args.split,
        ..EnvConfig::default()
    };
    let step_seconds = env_config.step_seconds;
    let env = Arc::new(Environment::new(env_config));
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;

    let trajectories_path = args
        .trajectories
        .clone()
        .unwrap_or_else(|| args.out.join("trajectories.jsonl"));
    let create = |path: &Path| -> anyhow::Result<BufWriter<File>> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        Ok(BufWriter::new(
            File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ))
    };
    let trajectories = (!args.no_trajectories)
        .then(|| create(&trajectories_path))
        .transpose()?
        .map(OrderedWriter::new);
    let atif = args
        .atif
        .then(|| create(&trajectories_path.with_extension("atif.jsonl")))
        .transpose()?
        .map(OrderedWriter::new);

    let total = (jobs.len() * policies.len()) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:36} {pos}/{len} episodes ({per_sec}, eta {eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    eprintln!(
        "{} incidents x {} trials x {} policies from the {} split on {threads} threads",
        ids.len(),
        args.repeats,
        policies.len(),
        args.split
    );
    let started = Instant::now();
    let rows: std::sync::Mutex<Vec<(usize, EpisodeRow)>> = std::sync::Mutex::new(Vec::new());
    for (p, (policy, name)) in policies.iter().zip(&names).enumerate() {
        let resolved = AtomicU64::new(0);
        let finished = AtomicU64::new(0);
        let t0 = Instant::now();
        let base = p * jobs.len();
        let done = |k: usize, mut t: gym::trajectory::Trajectory| {
            let index = base + k;
            // The spec's name, not the policy object's (`random-<seed>`): rows pair by it.
            t.policy = name.clone();
            if let Some(w) = &trajectories {
                w.put(index, t.to_line());
            }
            if let Some(w) = &atif {
                w.put(index, to_atif(&t).to_string());
            }
            let row = EpisodeRow::of(&t);
            let r = resolved.fetch_add(u64::from(row.resolved), Ordering::Relaxed)
                + u64::from(row.resolved);
            let n = finished.fetch_add(1, Ordering::Relaxed) + 1;
            rows.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((index, row));
            bar.set_message(format!("{name}: {r}/{n} resolved"));
            bar.inc(1);
            // Without a terminal the bar is hidden: a line every tenth instead.
            if bar.is_hidden() && (n * 10 / jobs.len() as u64) > ((n - 1) * 10 / jobs.len() as u64)
            {
                eprintln!(
                    "{name}: {n}/{} episodes, {r} resolved, {:.0} s",
                    jobs.len(),
                    t0.elapsed().as_secs_f64()
                );
            }
        };
        evaluate::run_jobs(&jobs, threads, &env, &|job| policy.build(job), &done)
            .with_context(|| format!("evaluating {name}"))?;
        let line = format!(
            "{name}: {}/{} episodes resolved in {:.1} s",
            resolved.load(Ordering::Relaxed),
            jobs.len(),
            t0.elapsed().as_secs_f64()
        );
        if bar.is_hidden() {
            eprintln!("{line}");
        } else {
            bar.println(line);
        }
    }
    bar.finish_and_clear();
    if let Some(w) = trajectories {
        w.finish().context("writing trajectories.jsonl")?;
    }
    if let Some(w) = atif {
        w.finish().context("writing trajectories.atif.jsonl")?;
    }
    let mut rows = rows.into_inner().unwrap_or_else(|e| e.into_inner());
    rows.sort_by_key(|(i, _)| *i);
    let rows: Vec<EpisodeRow> = rows.into_iter().map(|(_, r)| r).collect();

    let mut notes = Vec::new();
    for (p, name) in policies.iter().zip(&names) {
        if args.repeats > 1 && p.deterministic() {
            notes.push(format!(
                "{name} is deterministic: its {} trials of an incident are the same episode, so pass@k = pass^k = its resolution rate.",
                args.repeats
            ));
        }
        if matches!(p, PolicySpec::Builtin(gym::evaluate::PolicyKind::Random)) {
            notes.push(format!(
                "{name}: each trial draws its commands from its own seed{}.",
                if args.seed == 0 {
                    " (trial 0 from the incident's seed)"
                } else {
                    ""
                }
            ));
        }
        if p.is_model() {
            notes.push(format!(
                "{name} sampled at temperature {temperature}; spend counts the tokens each reply reported, priced by LLM_PRICES."
            ));
        }
    }
    let config = RunConfig {
        split: args.split.to_string(),
        incidents: ids.len(),
        repeats: args.repeats,
        seed: args.seed,
        tiers: tiers.iter().map(|t| tier_name(*t).to_string()).collect(),
        policies: names.clone(),
        step_seconds,
        notes,
    };
    let deterministic: BTreeSet<String> = policies
        .iter()
        .zip(&names)
        .filter(|(p, _)| p.deterministic())
        .map(|(_, n)| n.clone())
        .collect();
    let report = Report::build(config, rows, |p| deterministic.contains(p));
    write_report(&report, &args.out)?;
    eprintln!(
        "{} episodes in {:.1} s; report in {}",
        total,
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    print!("{}", render::summary_table(&report));
    Ok(())
}

/// `n` incidents of `split`, spread round-robin over `tiers`. Seed 0 takes each tier's first
/// incidents; another seed walks the split from a seeded offset with a stride coprime to its
/// size, so the incidents are distinct.
pub fn incidents(split: Split, tiers: &[Difficulty], n: u32, seed: u64) -> Vec<IncidentId> {
    let size = u64::from(split.seeds().end - split.seeds().start);
    (0..n)
        .map(|k| {
            let tier = tiers[k as usize % tiers.len()];
            let index = u64::from(k) / tiers.len() as u64;
            if seed == 0 {
                return split.id(tier, index as u32);
            }
            let offset = evaluate::splitmix(seed ^ tier as u64) % size;
            // 7919 is prime and does not divide a split's size (a multiple of 10^5).
            split.id(tier, ((offset + index * 7919) % size) as u32)
        })
        .collect()
}

pub fn write_report(report: &Report, out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (name, text) in [
        ("report.json", report.to_json()),
        ("report.md", render::markdown(report)),
        ("report.html", render::html(report)),
    ] {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// `FILE[#POLICY]` when FILE exists and is a file.
fn report_file(arg: &str) -> Option<(PathBuf, Option<String>)> {
    let (path, policy) = match arg.rsplit_once('#') {
        Some((p, w)) if Path::new(p).is_file() => (p, Some(w.to_string())),
        _ => (arg, None),
    };
    Path::new(path)
        .is_file()
        .then(|| (PathBuf::from(path), policy))
}

fn load(path: &Path) -> anyhow::Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let report: Report = serde_json::from_str(&text)
        .with_context(|| format!("{} is not an eval report.json", path.display()))?;
    if report.format != gym::report::FORMAT {
        bail!(
            "{}: report format {:?}, this build reads {:?}",
            path.display(),
            report.format,
            gym::report::FORMAT
        );
    }
    Ok(report)
}

fn compare_files(
    a: &(PathBuf, Option<String>),
    b: &(PathBuf, Option<String>),
    out: &Path,
) -> anyhow::Result<()> {
    let mut parts = Vec::new();
    for (path, wanted) in [a, b] {
        let report = load(path)?;
        let policy = match wanted {
            Some(p) => p.clone(),
            None => report
                .config
                .policies
                .first()
                .cloned()
                .with_context(|| format!("{} has no policy", path.display()))?,
        };
        let identical = report
            .policies
            .iter()
            .find(|p| p.policy == policy)
            .map(|p| p.repeats_identical)
            .with_context(|| {
                format!(
                    "{} has no policy {policy:?}; it has {}",
                    path.display(),
                    report.config.policies.join(", ")
                )
            })?;
        let rows: Vec<EpisodeRow> = report.rows_of(&policy).into_iter().cloned().collect();
        parts.push((path.clone(), policy, identical, rows, report.config));
    }
    // Two reports of one policy name (base and trained checkpoints served under one name)
    // are told apart by their files' folder names.
    if parts[0].1 == parts[1].1 {
        for part in parts.iter_mut() {
            let dir = part
                .0
                .parent()
                .and_then(|d| d.file_name())
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_else(|| part.0.display().to_string());
            part.1 = format!("{dir}:{}", part.1);
            for r in part.3.iter_mut() {
                r.policy = part.1.clone();
            }
        }
        if parts[0].1 == parts[1].1 {
            parts[1].1.push_str("(2)");
            let name = parts[1].1.clone();
            parts[1].3.iter_mut().for_each(|r| r.policy = name.clone());
        }
    }
    let second: BTreeSet<&str> = parts[1].3.iter().map(|r| r.incident.as_str()).collect();
    let shared: BTreeSet<String> = parts[0]
        .3
        .iter()
        .map(|r| r.incident.as_str())
        .filter(|i| second.contains(i))
        .map(str::to_string)
        .collect();
    if shared.is_empty() {
        bail!(
            "the two reports share no incident: run both with the same --split, --episodes, --tier and --seed"
        );
    }
    let mut config = parts[0].4.clone();
    config.policies = vec![parts[0].1.clone(), parts[1].1.clone()];
    config.repeats = parts[0].4.repeats.min(parts[1].4.repeats);
    config.incidents = shared.len();
    config.notes = vec![format!(
        "Compared from {} and {}, over the {} incidents both ran.",
        parts[0].0.display(),
        parts[1].0.display(),
        shared.len()
    )];
    let identical: BTreeSet<String> = parts.iter().filter(|p| p.2).map(|p| p.1.clone()).collect();
    let rows: Vec<EpisodeRow> = parts
        .into_iter()
        .flat_map(|p| p.3)
        .filter(|r| shared.contains(&r.incident))
        .collect();
    let report = Report::build(config, rows, |p| identical.contains(p));
    write_report(&report, out)?;
    eprintln!("comparison report in {}", out.display());
    print!("{}", render::summary_table(&report));
    if let Some(c) = report.comparisons.first() {
        println!("\n{}", render::comparison_sentence(c));
    }
    std::io::stdout().flush()?;
    Ok(())
}
