//! What an engineer reads off the cluster: logs and resource usage.

use crate::common;

use std::time::Duration;

use cluster::Cluster;
use cluster::logs::{LogOptions, read};
use cluster::metrics::{node_usage, pod_usage};
use common::*;

#[test]
fn nginx_logs_show_the_entrypoint_and_every_probe_request() {
    let mut c = Cluster::baseline(31);
    c.advance(Duration::from_secs(60));
    let pod = pods(&c, "frontend", "web-app")[0]
        .metadata
        .name
        .clone()
        .unwrap();
    let logs = read(&c, "frontend", &pod, &LogOptions::default()).unwrap();
    assert!(
        logs.starts_with("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty"),
        "{logs}"
    );
    let probes = logs
        .lines()
        .filter(|l| l.contains("\"GET / HTTP/1.1\" 200 615 \"-\" \"kube-probe/1.33\""))
        .count();
    // Liveness every 10 s and readiness every 5 s over about 80 s of life.
    assert!((20..=30).contains(&probes), "{probes} probe lines\n{logs}");
    let tail = read(
        &c,
        "frontend",
        &pod,
        &LogOptions {
            tail_lines: Some(2),
            timestamps: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(tail.lines().count(), 2);
    assert!(tail.starts_with("2026-01-05T09:"), "{tail}");
}

#[test]
fn log_errors_match_the_api_server() {
    let c = Cluster::baseline(32);
    let pod = pods(&c, "frontend", "web-app")[0]
        .metadata
        .name
        .clone()
        .unwrap();
    let err = read(
        &c,
        "frontend",
        &pod,
        &LogOptions {
            container: Some("nginx".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.message,
        format!("container nginx is not valid for pod {pod}")
    );
    let err = read(
        &c,
        "frontend",
        &pod,
        &LogOptions {
            previous: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.message,
        format!("previous terminated container \"web-app\" in pod \"{pod}\" not found")
    );
    let err = read(&c, "frontend", "ghost", &LogOptions::default()).unwrap_err();
    assert_eq!(err.message, "pods \"ghost\" not found");
}

#[test]
fn usage_follows_the_application_models() {
    let mut c = Cluster::baseline(33);
    c.advance(Duration::from_secs(60));
    let db = pod_usage(&c, "payments", "payment-db-0").unwrap();
    let web = pod_usage(
        &c,
        "frontend",
        pods(&c, "frontend", "web-app")[0]
            .metadata
            .name
            .as_deref()
            .unwrap(),
    )
    .unwrap();
    assert!(
        db[0].memory_bytes > 30 << 20,
        "postgres uses tens of MiB: {db:?}"
    );
    assert!(
        web[0].memory_bytes < 10 << 20,
        "nginx uses a few MiB: {web:?}"
    );
    let nodes = node_usage(&c);
    assert_eq!(nodes.len(), 3);
    for n in &nodes {
        assert!(n.cpu_millis > 0 && n.cpu_millis < n.allocatable_cpu_millis);
        assert!(n.memory_bytes > 700 << 20 && n.memory_bytes < n.allocatable_memory_bytes);
    }
    // Usage is a function of seed and time: the same on a fork.
    assert_eq!(node_usage(&c.clone()), nodes);
}
