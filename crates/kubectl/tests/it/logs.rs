//! `kubectl logs` for owners: one pod is picked, and a workload without pods is waited for in
//! simulated time until `--pod-running-timeout`.

use std::time::Duration;

use cluster::Cluster;
use kubectl::exec::run;

fn settled() -> Cluster {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(120));
    c
}

#[test]
fn an_owner_with_several_pods_names_the_one_it_reads() {
    let mut c = settled();
    let out = run(&mut c, "logs deploy/web-app -n frontend --tail=1");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("Found 2 pods, using pod/web-app-"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout.lines().count(), 1);
}

#[test]
fn an_owner_without_pods_is_waited_for_until_the_timeout() {
    let mut c = settled();
    run(
        &mut c,
        "scale deployment/payment-api --replicas=0 -n payments",
    );
    c.advance(Duration::from_secs(60));
    let before = c.now();
    let out = run(
        &mut c,
        "logs deploy/payment-api -n payments --pod-running-timeout=5s",
    );
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.exit_code),
        ("", "error: timed out waiting for the condition\n", 1)
    );
    assert_eq!(c.now().since(before), Duration::from_secs(5));
}

#[test]
fn a_selector_reads_every_pod_with_prefixes() {
    let mut c = settled();
    let out = run(&mut c, "logs -l app=web-app -n frontend --tail=1 --prefix");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("[pod/web-app-") && l.contains("/web-app] "))
    );
}
