//! `eval`, `replay` and `atif` end to end through the binary: a few incidents, the scripted
//! and random policies, the report's three forms, determinism, replays and comparisons.

use std::path::Path;
use std::process::{Command, Output};

use gym::report::Report;

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kube-sre-gym"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = bin(args);
    assert!(
        out.status.success(),
        "{args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn eval(out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "eval",
        "--policy",
        "scripted,random",
        "--episodes",
        "5",
        "--threads",
        "2",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    ok(&args)
}

#[test]
fn eval_reports_scripted_above_random_deterministically_and_its_episodes_replay() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let table = eval(&a, &["--atif"]);
    assert!(table.starts_with("POLICY"), "{table}");

    // The JSON report reads back to the same value and the same bytes.
    let json = read(&a.join("report.json"));
    let report: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(report.to_json(), json);
    assert_eq!(report.config.incidents, 5);
    assert_eq!(report.episodes.len(), 10);
    let [scripted, random] = &report.policies[..] else {
        panic!("two policies: {:?}", report.config.policies)
    };
    assert_eq!(
        (scripted.policy.as_str(), random.policy.as_str()),
        ("scripted", "random")
    );
    assert!(
        scripted.overall.resolution_rate > random.overall.resolution_rate,
        "scripted {} vs random {}",
        scripted.overall.resolution_rate,
        random.overall.resolution_rate
    );
    assert!(scripted.overall.reward.mean > random.overall.reward.mean);
    assert_eq!(scripted.by_tier.len(), 5);
    assert!(!scripted.by_fault.is_empty());
    // Every policy ran the same incidents.
    let incidents = |p: &str| -> Vec<String> {
        report
            .rows_of(p)
            .iter()
            .map(|r| r.incident.clone())
            .collect()
    };
    assert_eq!(incidents("scripted"), incidents("random"));
    let c = &report.comparisons[0];
    assert_eq!(
        (c.first.as_str(), c.second.as_str(), c.incidents),
        ("scripted", "random", 5)
    );
    assert!(c.mcnemar.is_some());

    // The HTML page is self-contained: charts inline, nothing fetched.
    let html = read(&a.join("report.html"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.matches("<svg").count() >= 3, "charts");
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("<script") && !html.contains("<link"));
    let md = read(&a.join("report.md"));
    assert!(md.contains("| scripted | 5 |"), "{md}");
    assert!(md.contains("## By fault type"));

    // The same run gives the same bytes.
    eval(&b, &[]);
    for f in [
        "report.json",
        "report.md",
        "report.html",
        "trajectories.jsonl",
    ] {
        assert!(
            read(&a.join(f)) == read(&b.join(f)),
            "{f} differs between runs"
        );
    }

    // Every recorded episode replays byte for byte.
    let trajectories = a.join("trajectories.jsonl");
    let t = trajectories.to_str().unwrap();
    let replayed = ok(&["replay", t]);
    assert!(
        replayed.contains("10 of 10 episodes replayed identically"),
        "{replayed}"
    );
    let one = ok(&["replay", t, "--line", "2"]);
    assert!(
        one.contains("line 2:") && one.contains("identical"),
        "{one}"
    );

    // A tampered output is found, and where.
    let text = read(&trajectories);
    let first = text.lines().next().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(first).unwrap();
    let out = v["steps"][0]["output"].as_str().unwrap().to_string();
    v["steps"][0]["output"] = format!("{out}tampered").into();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{v}\n")).unwrap();
    let o = bin(&["replay", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(said.contains("DIFFERS at steps[0].output"), "{said}");

    // ATIF: one document per line from eval, and from the atif command.
    let atif = read(&a.join("trajectories.atif.jsonl"));
    assert_eq!(atif.lines().count(), 10);
    let doc: serde_json::Value = serde_json::from_str(&ok(&["atif", t, "--line", "1"])).unwrap();
    assert_eq!(doc["schema_version"], "ATIF-v1.7");
    assert_eq!(doc["agent"]["name"], "scripted");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(atif.lines().next().unwrap()).unwrap(),
        doc
    );

    // The recorded commands as a policy resolve what the scripted SRE resolved.
    let r = dir.path().join("r");
    let spec = format!("replay:{t}#scripted");
    ok(&[
        "eval",
        "--policy",
        &spec,
        "--episodes",
        "5",
        "--threads",
        "2",
        "--out",
        r.to_str().unwrap(),
        "--no-trajectories",
    ]);
    let replay: Report = serde_json::from_str(&read(&r.join("report.json"))).unwrap();
    assert_eq!(replay.policies[0].policy, "replay:scripted");
    assert_eq!(
        replay.policies[0].overall.resolved,
        scripted.overall.resolved
    );
    assert_eq!(replay.policies[0].overall.reward, scripted.overall.reward);
    // A replay file that lacks an incident is refused before anything runs.
    let o = bin(&[
        "eval",
        "--policy",
        &spec,
        "--episodes",
        "6",
        "--out",
        r.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("lacks 1 of the 6 episodes"));

    // Two reports compared: each file's policy, paired over the shared incidents.
    let c = dir.path().join("c");
    let ra = format!("{}#scripted", a.join("report.json").display());
    let rb = format!("{}#random", b.join("report.json").display());
    let said = ok(&["eval", "--compare", &ra, &rb, "--out", c.to_str().unwrap()]);
    assert!(
        said.contains("scripted vs random on 5 shared incidents"),
        "{said}"
    );
    let cmp: Report = serde_json::from_str(&read(&c.join("report.json"))).unwrap();
    assert_eq!(
        cmp.comparisons[0].first_better,
        report.comparisons[0].first_better
    );
}

#[test]
fn eval_refuses_bad_input_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    for (args, says) in [
        (vec!["eval", "--out", out], "no policy"),
        (
            vec!["eval", "--policy", "sudo", "--out", out],
            "unknown policy",
        ),
        (
            vec!["eval", "--policy", "openai:nourl", "--out", out],
            "expected openai:URL#MODEL",
        ),
        (
            vec![
                "eval",
                "--policy",
                "replay:/nonexistent.jsonl",
                "--out",
                out,
            ],
            "reading the replay file",
        ),
        (
            vec!["eval", "--policy", "scripted,scripted", "--out", out],
            "given twice",
        ),
        (
            vec![
                "eval",
                "--policy",
                "scripted",
                "--episodes",
                "0",
                "--out",
                out,
            ],
            "at least 1",
        ),
        (vec!["replay", "/nonexistent.jsonl"], "reading"),
    ] {
        let o = bin(&args);
        assert!(!o.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn the_committed_report_reads_back_byte_for_byte_and_its_page_fetches_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/eval");
    let json = read(&dir.join("report.json"));
    let report: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(report.to_json(), json);
    assert_eq!(report.config.incidents, 1000);
    let html = read(&dir.join("report.html"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(html.contains("<svg"));
}
