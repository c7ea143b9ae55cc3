//! batch/v1 Jobs through the real kubectl and in process: a completed Job, a running one, one
//! failed at its backoff limit and a suspended one, listed, printed and described; then deleted
//! with its pods.

use crate::common;

use std::time::Duration;

use apiserver::ClockMode;
use cluster::Cluster;
use common::Server;
use common::fidelity::{compare, compare_masked};

const JOBS: &str = r#"
apiVersion: batch/v1
kind: Job
metadata:
  name: report
  namespace: payments
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: report
        image: busybox:1.36
        command: ["sh", "-c", "echo report written; exit 0"]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: reindex
  namespace: payments
  labels:
    team: search
spec:
  completions: 3
  parallelism: 2
  template:
    metadata:
      labels:
        app: reindex
    spec:
      restartPolicy: OnFailure
      containers:
      - name: reindex
        image: busybox:1.36
        command: ["sh", "-c", "sleep 3600"]
      - name: sidecar
        image: nginx:1.25
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: payments
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: busybox:1.36
        command: ["sh", "-c", "echo migration failed; exit 1"]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: backfill
  namespace: payments
spec:
  suspend: true
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: backfill
        image: busybox:1.36
        command: ["sh", "-c", "echo backfill"]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: payments
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: nightly
            image: busybox:1.36
            command: ["sh", "-c", "echo nightly"]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: tick
  namespace: payments
spec:
  schedule: "*/2 * * * *"
  successfulJobsHistoryLimit: 2
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: tick
            image: busybox:1.36
            command: ["sh", "-c", "echo tick"]
"#;

fn cluster_with_jobs() -> Cluster {
    let mut cluster = Cluster::baseline(1);
    cluster.apply_yaml("jobs.yaml", JOBS).expect("jobs apply");
    cluster.advance(Duration::from_secs(300));
    cluster
}

const STRICT: &[&str] = &[
    "get jobs",
    "get jobs -n payments",
    "get jobs -n payments -o wide",
    "get jobs -A",
    "get job report -n payments -o yaml",
    "get job reindex -n payments -o yaml",
    "get job migrate -n payments -o json",
    "get jobs.batch -n payments --show-labels",
    "get job/report -n payments -o name",
    "get pods -n payments -l job-name=report",
    "get pods -n payments -l job-name=reindex -o wide",
    "get pods -n payments -l batch.kubernetes.io/job-name=migrate",
    "get pod -n payments -l job-name=report -o yaml",
    "describe job report -n payments --show-events=false",
    "describe job reindex -n payments --show-events=false",
    "describe jobs -n payments --show-events=false",
    "get cronjobs",
    "get cronjobs -n payments",
    "get cj -n payments -o wide",
    "get cronjob nightly -n payments -o yaml",
    "get cronjob tick -n payments -o yaml",
    "get jobs -n payments -o yaml",
    "describe cronjob nightly -n payments",
    "get all -n payments",
    "explain job",
    "explain job.spec.backoffLimit",
    "explain cronjob.spec.schedule",
    "api-resources --api-group=batch",
    "logs job/report -n payments",
    "logs job/migrate -n payments",
    "logs jobs/reindex -n payments -c reindex",
];

const MASKED: &[&str] = &[
    "describe job report -n payments",
    "describe job reindex -n payments",
    "describe job migrate -n payments",
    "describe job backfill -n payments",
    "describe cronjob tick -n payments",
    "describe jobs -n payments -l batch.kubernetes.io/job-name",
];

#[test]
fn jobs_print_what_the_real_kubectl_prints() {
    let cluster = cluster_with_jobs();
    let server = Server::start(cluster.clone(), 33, ClockMode::Frozen);
    let mut local = cluster;
    let mut differences: Vec<String> = STRICT
        .iter()
        .filter_map(|command| compare(&server, &mut local, command))
        .collect();
    differences.extend(
        MASKED
            .iter()
            .filter_map(|command| compare_masked(&server, &mut local, command, mask_ages)),
    );
    assert!(
        differences.is_empty(),
        "{} commands differ:\n\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn each_job_ends_in_its_state() {
    let cluster = cluster_with_jobs();
    let server = Server::start(cluster, 33, ClockMode::Frozen);
    let table = server.ok(&["get", "jobs", "-n", "payments"]);
    let rows = common::rows(&table);
    let ticks: Vec<&str> = rows
        .iter()
        .filter(|r| r[0].starts_with("tick-"))
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(ticks, ["Complete", "Complete"], "{table}");
    let status: Vec<(&str, &str, &str)> = rows
        .iter()
        .filter(|r| !r[0].starts_with("tick-"))
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("backfill", "Suspended", "0/1"),
            ("migrate", "Failed", "0/1"),
            ("reindex", "Running", "0/3"),
            ("report", "Complete", "1/1"),
        ],
        "{table}"
    );
}

#[test]
fn deleting_a_job_deletes_its_pods() {
    let cluster = cluster_with_jobs();
    let server = Server::start(cluster.clone(), 33, ClockMode::Frozen);
    let mut local = cluster;
    for command in [
        "delete job report -n payments",
        "get jobs -n payments",
        "get pods -n payments -l job-name=report",
    ] {
        if let Some(diff) = compare(&server, &mut local, command) {
            panic!("{diff}");
        }
    }
    local.advance(Duration::from_secs(60));
    let out = kubectl::exec::run(&mut local, "get pods -n payments -l job-name=report");
    assert_eq!(out.stderr, "No resources found in payments namespace.\n");
}

/// Replaces each age in Events tables with `?`, keeping `(xN over ?)`.
fn mask_ages(text: &str) -> String {
    let mut out = String::new();
    let mut events: Option<(usize, usize)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("Type") && line.contains("Reason") && line.contains("Age") {
            let (age, from) = (line.find("Age").unwrap(), line.find("From").unwrap());
            events = Some((age, from));
            out.push_str(&format!("{}|Age|From  Message\n", &line[..age]));
            continue;
        }
        match events {
            Some((age, from)) if line.starts_with("  ") && line.len() > from => {
                let cell = line[age..from].trim();
                let masked = match cell.split_once(" (x") {
                    Some((_, rest)) => {
                        format!("? (x{} over ?)", rest.split(' ').next().unwrap_or(""))
                    }
                    None if trimmed.starts_with("----") => "----".to_string(),
                    None => "?".to_string(),
                };
                out.push_str(&format!("{}|{masked}|{}\n", &line[..age], &line[from..]));
                continue;
            }
            Some(_) => events = None,
            None => {}
        }
        out.push_str(line);
        out.push('\n');
    }
    if !text.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    out
}
