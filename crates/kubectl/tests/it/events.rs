//! `kubectl events`: LAST SEEN from the simulated clock, repeated events as `(xN over T)`,
//! oldest first.

use std::time::Duration;

use cluster::Cluster;
use kubectl::exec::run;

#[test]
fn ages_come_from_the_simulated_clock_and_repeats_are_counted() {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(300));
    run(
        &mut c,
        "set image deployment/web-app web-app=nginx:nonexistent-tag-99999 -n frontend",
    );
    c.advance(Duration::from_secs(600));
    let out = run(&mut c, "events -n frontend");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("LAST SEEN ") && lines[0].contains(" TYPE "),
        "{}",
        lines[0]
    );
    // The first rollout happened at the start, fifteen simulated minutes ago.
    let first_scale = lines
        .iter()
        .find(|l| l.contains("from 0 to 2"))
        .expect("the first scale-up");
    assert!(first_scale.starts_with("15m "), "{first_scale}");
    // The image pull failed again and again since the change, almost ten minutes ago.
    let backoff = lines
        .iter()
        .find(|l| l.contains("Back-off pulling image"))
        .expect("a back-off event");
    assert!(
        backoff.contains(" (x") && backoff.contains(" over 9m"),
        "{backoff}"
    );
    // Sorted by when they last happened: the repeated back-off comes after the first scale-up.
    let pos = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap();
    assert!(pos("from 0 to 2") < pos("Back-off pulling image"));
}

#[test]
fn filters_and_empty_results() {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(60));
    let out = run(
        &mut c,
        "events -n frontend --types=Warning --for deploy/web-app",
    );
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.exit_code),
        ("", "No events found in frontend namespace.\n", 0)
    );
    let out = run(
        &mut c,
        "events -n frontend --for deploy/web-app --no-headers",
    );
    assert!(out.stdout.lines().all(|l| l.contains("Deployment/web-app")));
    assert!(!out.stdout.contains("LAST SEEN"));
    let out = run(&mut c, "events -A");
    assert!(out.stdout.starts_with("NAMESPACE "), "{}", out.stdout);
}

#[test]
fn the_latest_table_holds_the_last_rows_of_events_all_namespaces() {
    let mut c = Cluster::baseline(3);
    run(
        &mut c,
        "set image deployment/web-app web-app=nginx:nonexistent-tag-99999 -n frontend",
    );
    c.advance(Duration::from_secs(300));
    let full = run(&mut c, "events -A").stdout;
    let cells = |line: &str| line.split_whitespace().collect::<Vec<_>>().join(" ");
    let full: Vec<String> = full.lines().map(cells).collect();
    assert!(full.len() > 6, "{full:?}");
    let latest = kubectl::events::latest_table(&c, 5);
    let latest: Vec<String> = latest.lines().map(cells).collect();
    assert_eq!(latest.len(), 6, "a header and five rows: {latest:?}");
    assert_eq!(latest[0], full[0]);
    assert_eq!(latest[1..], full[full.len() - 5..]);
    // Asking for more rows than there are gives them all.
    let all = kubectl::events::latest_table(&c, usize::MAX);
    assert_eq!(all.lines().count(), full.len());
}
