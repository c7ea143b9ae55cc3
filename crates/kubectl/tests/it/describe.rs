//! `kubectl describe` behaviour the fidelity corpus does not pin down on its own.

use std::time::Duration;

use cluster::Cluster;
use kubectl::exec::run;

fn cluster() -> Cluster {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(300));
    c
}

#[test]
fn a_missing_name_describes_every_object_it_begins() {
    let mut c = cluster();
    let out = run(&mut c, "describe pod payment-gateway -n payments");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert!(out.stderr.is_empty());
    let names: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Name:"))
        .map(str::trim)
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("payment-gateway-")));
    // Each description ends with an extra newline in this form.
    assert!(out.stdout.ends_with("\n\n"));
}

#[test]
fn a_prefix_matching_nothing_reports_the_original_not_found() {
    let mut c = cluster();
    let out = run(&mut c, "describe pod zzz -n payments");
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        out.stderr,
        "Error from server (NotFound): pods \"zzz\" not found\n"
    );
    assert!(out.stdout.is_empty());
    // `type/name` never falls back to prefixes.
    let out = run(&mut c, "describe pod/payment-gateway -n payments");
    assert_eq!(out.exit_code, 1);
    assert!(out.stdout.is_empty());
}

#[test]
fn show_events_false_drops_the_events_section() {
    let mut c = cluster();
    let with = run(&mut c, "describe pod payment-db-0 -n payments");
    let without = run(
        &mut c,
        "describe pod payment-db-0 -n payments --show-events=false",
    );
    assert!(
        with.stdout.contains("\nEvents:\n  Type "),
        "{}",
        with.stdout
    );
    assert!(with.stdout.contains("Scheduled"));
    assert!(!without.stdout.contains("Events:"));
    assert!(with.stdout.starts_with(&without.stdout));
}

#[test]
fn found_objects_print_and_missing_ones_fail() {
    let mut c = cluster();
    let out = run(&mut c, "describe pod payment-db-0 ghost -n payments");
    assert_eq!(out.exit_code, 1);
    assert!(out.stdout.starts_with("Name:             payment-db-0\n"));
    assert_eq!(
        out.stderr,
        "Error from server (NotFound): pods \"ghost\" not found\n"
    );
}

#[test]
fn several_objects_are_separated_by_two_blank_lines() {
    let mut c = cluster();
    let out = run(&mut c, "describe deploy,svc -n auth --show-events=false");
    assert_eq!(out.exit_code, 0);
    let blocks: Vec<&str> = out.stdout.split("\n\n\n").collect();
    assert_eq!(blocks.len(), 3, "{}", out.stdout);
    assert!(blocks[0].starts_with("Name:                   auth-service\n"));
}

#[test]
fn nothing_found_is_said_on_stderr() {
    let mut c = cluster();
    let out = run(&mut c, "describe pods -n payments -l app=nothing");
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.exit_code),
        ("", "No resources found in payments namespace.\n", 0)
    );
    let out = run(&mut c, "describe pods -A -l app=nothing");
    assert_eq!(out.stderr, "No resources found\n");
    let out = run(&mut c, "describe foos");
    assert_eq!(
        out.stderr,
        "error: the server doesn't have a resource type \"foos\"\n"
    );
}

#[test]
fn event_ages_follow_the_simulated_clock() {
    let mut c = cluster();
    let out = run(&mut c, "describe deploy payment-api -n payments");
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("ScalingReplicaSet"))
        .expect("a scaling event");
    assert!(line.contains("  5m21s  "), "{line}");
    c.advance(Duration::from_secs(600));
    let out = run(&mut c, "describe deploy payment-api -n payments");
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("ScalingReplicaSet"))
        .expect("a scaling event");
    assert!(line.contains("  15m  "), "{line}");
}

#[test]
fn a_faulty_pod_shows_its_last_termination_and_back_off() {
    let mut c = Cluster::baseline(1);
    let out = run(
        &mut c,
        "set resources deployment/payment-api -n payments --limits=memory=8Mi --requests=memory=8Mi",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    c.advance(Duration::from_secs(240));
    let out = run(&mut c, "describe pods -n payments -l app=payment-api");
    assert!(
        out.stdout.contains(
            "Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Reason:       CrashLoopBackOff"));
    assert!(out.stdout.contains("BackOff"));
    assert!(out.stdout.contains(" (x"), "repeated events are counted");
}
