//! `kube-sre-gym bench serve` against its in-process server: repeated levels end with their
//! median and range, and bad counts are refused.

use std::process::{Command, Output};

fn bench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kube-sre-gym"))
        .arg("bench")
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn repeated_levels_end_with_their_median_and_range() {
    let out = bench(&[
        "serve",
        "--sessions",
        "2",
        "--duration",
        "300ms",
        "--repeat",
        "3",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.split_whitespace().next() == Some("2"))
        .collect();
    assert_eq!(rows.len(), 4, "three runs and their summary:\n{stdout}");
    let rates: Vec<f64> = rows[..3]
        .iter()
        .map(|r| {
            r.split_whitespace()
                .nth(2)
                .expect("steps/s")
                .parse()
                .expect("a number")
        })
        .collect();
    assert!(rates.iter().all(|r| *r > 0.0), "{stdout}");
    let summary = rows[3];
    assert!(summary.contains("steps/s median of 3 runs"), "{summary}");
    let median: f64 = summary
        .split_whitespace()
        .nth(2)
        .expect("median")
        .parse()
        .expect("a number");
    let mut sorted = rates.clone();
    sorted.sort_by(f64::total_cmp);
    // Rows and summary are rounded to whole steps/s.
    assert!((median - sorted[1]).abs() <= 1.0, "{median} vs {sorted:?}");
}

#[test]
fn a_repeat_of_zero_is_refused() {
    let out = bench(&[
        "serve",
        "--sessions",
        "1",
        "--duration",
        "100ms",
        "--repeat",
        "0",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--repeat takes a count of at least 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
