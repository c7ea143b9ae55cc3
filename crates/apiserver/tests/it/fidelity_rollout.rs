//! `kubectl rollout status|history|undo|pause|resume`, `kubectl events` and `kubectl logs` for
//! owners and selectors: the in-process kubectl against the real one, over every cluster state
//! and in sequence.
//!
//! Left out on purpose:
//! - `rollout status` that would wait: the real kubectl watches a frozen cluster forever, the
//!   in-process one waits in simulated time. Waiting forms run with `--watch=false`, or on
//!   workloads no state breaks, or in [`timeouts_match_the_real_kubectl`] with `--timeout=1s` on
//!   rollouts that cannot move within a second.
//! - the `kubectl events` table's LAST SEEN column: the real kubectl computes it from its own wall
//!   clock; [`event_tables_match_but_for_last_seen`] compares everything else of those tables.
//! - several log streams at once (`-l` over several pods, `--all-containers` over several
//!   containers): the real kubectl prints them in Go's random map order.

use crate::common;

use std::time::Duration;

use apiserver::ClockMode;
use cluster::Cluster;
use common::Server;
use common::fidelity::{check_in_sequence, check_over_states, states};

const ROLLOUT_CORPUS: &[&str] = &[
    // Workloads no state breaks: their rollouts are complete, so watching returns at once.
    "rollout status deploy/frontend-cache -n frontend",
    "rollout status deployment coredns -n kube-system",
    "rollout status sts/payment-db -n payments",
    "rollout status statefulset/auth-db -n auth --watch=false",
    "rollout status deploy/frontend-cache -n frontend --revision=1",
    "rollout status deploy/frontend-cache -n frontend --revision=7",
    // Whatever the state, printed once.
    "rollout status deploy -n payments --watch=false",
    "rollout status deploy/web-app -n frontend --watch=false",
    "rollout status deploy/auth-service -n auth -w=false",
    "rollout status deployments/payment-api -n payments --watch=false",
    "rollout status deploy -n auth -l app=auth-service --watch=false",
    "rollout status deploy/ghost -n payments",
    "rollout status svc/web-app -n frontend",
    "rollout status pod/payment-db-0 -n payments",
    "rollout status foo/x",
    "rollout status deploy -n empty-namespace",
    "rollout history deploy/web-app -n frontend",
    "rollout history deploy -n payments",
    "rollout history deployment/web-app -n frontend --revision=1",
    "rollout history deploy/payment-api -n payments --revision=2",
    "rollout history deploy/web-app -n frontend --revision=9",
    "rollout history deploy/web-app -n frontend -o name",
    "rollout history deploy/auth-service -n auth --revision=1 -o name",
    "rollout history sts/payment-db -n payments",
    "rollout history svc/web-app -n frontend",
    "rollout history rs -n frontend",
    "rollout history deploy/ghost -n frontend",
    "rollout undo svc/web-app -n frontend",
    "rollout undo sts/payment-db -n payments",
    "rollout undo deploy/ghost -n frontend",
    "rollout undo deploy/web-app -n frontend --to-revision=9",
    "rollout undo deploy/frontend-cache -n frontend",
    "rollout pause svc/web-app -n frontend",
    "rollout pause sts/payment-db -n payments",
    "rollout resume deploy/frontend-cache -n frontend",
    "rollout pause deploy/frontend-cache -n frontend",
    "rollout pause deploy/frontend-cache -n frontend",
    "rollout undo deploy/frontend-cache -n frontend --to-revision=1",
    "rollout status deploy/frontend-cache -n frontend --watch=false",
    "rollout resume deploy/frontend-cache -n frontend -o name",
    "rollout pause deploy -n frontend -l app=frontend-cache",
    "rollout resume deploy -n frontend -l app=frontend-cache",
    "rollout pause deploy -n frontend -l app=nothing",
    "rollout status deploy/frontend-cache deploy/ghost -n frontend",
    "rollout history deploy/frontend-cache deploy/ghost -n frontend",
    "rollout undo deploy/frontend-cache -n frontend --dry-run=client",
    "rollout undo svc/web-app deploy/frontend-cache deploy/web-app -n frontend --dry-run=server",
    "rollout status svc/web-app deploy/frontend-cache -n frontend",
    "rollout pause deploy/frontend-cache deploy/web-app -n frontend",
    "rollout resume deploy/frontend-cache deploy/web-app -n frontend",
    "rollout pause deploy/frontend-cache -n frontend -o wide",
    "rollout resume deploy/frontend-cache -n frontend",
];

#[test]
fn rollout_prints_what_the_real_kubectl_prints() {
    let checked = check_over_states(ROLLOUT_CORPUS);
    assert!(
        checked >= ROLLOUT_CORPUS.len() * 10,
        "{checked} comparisons"
    );
}

const EVENTS_AND_LOGS_CORPUS: &[&str] = &[
    "events -n payments -o json",
    "events -A -o yaml",
    "events -n frontend --for deploy/web-app -o json",
    "events -n auth --types=Warning -o yaml",
    "events -n auth --types=normal,Warning -o jsonpath={.items[*].reason}",
    "events -n payments -o name",
    "events -n nonexistent",
    "events -A --types=Normal --for pod/ghost",
    "events -A --types=Foo",
    "events --for web-app",
    "events --for foo/x -n frontend",
    "events -n frontend -o wide",
    "logs deploy/frontend-cache -n frontend --tail=3",
    "logs deployment/web-app -n frontend --tail=2",
    "logs deploy/auth-service -n auth --tail=3",
    "logs deploy/payment-gateway -n payments --tail=1 --timestamps",
    "logs sts/payment-db -n payments --tail=2",
    "logs statefulsets/auth-db -n auth -c postgres --tail=1",
    "logs svc/web-app -n frontend --tail=1",
    "logs service/payment-db -n payments --tail=1",
    "logs rs/x -n frontend",
    "logs ns/frontend",
    "logs cm/x -n frontend",
    "logs job/x -n frontend",
    "logs deploy/ghost -n frontend",
    "logs foo/x",
    "logs -l app=frontend-cache -n frontend --tail=2",
    "logs -l app=frontend-cache -n frontend --tail=2 --prefix",
    "logs -l app=payment-db -n payments --tail=1 --all-containers --prefix",
    "logs -l app=nothing -n frontend",
    "logs -f -l app=web-app -n frontend --max-log-requests=1",
    "logs deploy/web-app -n frontend -c nope",
    "logs auth-db-0 -n auth --all-containers --tail=1",
    "logs deploy/frontend-cache -n frontend --all-pods --tail=1",
    "logs deploy/frontend-cache -n frontend --tail=1 --prefix",
    "logs po/payment-db-0 -n payments --tail=1 --prefix -c postgres",
    "events -n frontend --for Deployment/web-app -o json",
    "events -n frontend --for deployments.apps/web-app -o yaml",
];

#[test]
fn events_and_logs_print_what_the_real_kubectl_prints() {
    let checked = check_over_states(EVENTS_AND_LOGS_CORPUS);
    assert!(
        checked >= EVENTS_AND_LOGS_CORPUS.len() * 10,
        "{checked} comparisons"
    );
}

/// The real kubectl times out on a frozen cluster; the in-process one waits a simulated second
/// in which these rollouts (stuck, or complete) do not move. Each waits in its own state copy,
/// last, since the in-process clock moved on.
const TIMEOUT_CORPUS: &[&str] = &[
    "rollout status deploy/frontend-cache -n frontend --timeout=1s",
    "rollout status deploy/web-app -n frontend --timeout=1s",
];

#[test]
fn timeouts_match_the_real_kubectl() {
    for command in TIMEOUT_CORPUS {
        check_over_states(&[command]);
    }
}

/// `kubectl events` tables with the LAST SEEN column cut off (the real kubectl computes it from
/// its wall clock): the order, the other columns and their alignment must match.
const EVENT_TABLES: &[&str] = &[
    "events -n payments",
    "events -A",
    "events -n frontend --types=Warning",
    "events -A --no-headers",
    "events -n frontend --for deploy/web-app",
    "events -n auth --for=pod/auth-db-0",
];

/// Drops the columns up to and including LAST SEEN (cells never hold two spaces in a row; the
/// columns are at least three apart).
fn without_last_seen(table: &str, all_namespaces: bool) -> String {
    let skip = if all_namespaces { 2 } else { 1 };
    table
        .lines()
        .map(|line| {
            let mut rest = line;
            for _ in 0..skip {
                rest = match rest.find("   ") {
                    Some(i) => rest[i..].trim_start_matches(' '),
                    None => "",
                };
            }
            format!("{rest}\n")
        })
        .collect()
}

#[test]
fn event_tables_match_but_for_last_seen() {
    let mut differences = Vec::new();
    for (state, cluster) in states() {
        let server = Server::start(cluster.clone(), 33, ClockMode::Frozen);
        let mut local = cluster;
        for command in EVENT_TABLES {
            let args = shell_words::split(command).unwrap();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (stdout, stderr, code) = server.kubectl(&args);
            let ours = kubectl::exec::run(&mut local, command);
            let all = command.contains("-A");
            let real = (without_last_seen(&stdout, all), stderr, code);
            let mine = (
                without_last_seen(&ours.stdout, all),
                ours.stderr.clone(),
                ours.exit_code,
            );
            if real != mine {
                differences.push(format!(
                    "[{state}] kubectl {command}\n--- real\n{}{}--- in-process\n{}{}",
                    real.0, real.1, mine.0, mine.1
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differ:\n\n{}",
        differences.len(),
        differences.join("\n")
    );
}

/// Pause, change, resume, undo and read the history back, in order.
const SEQUENCE: &[&str] = &[
    "rollout history deploy/payment-gateway -n payments",
    "rollout pause deployment/payment-gateway -n payments",
    "rollout pause deployment/payment-gateway -n payments",
    "set image deployment/payment-gateway payment-gateway=nginx:1.26 -n payments",
    "rollout status deploy/payment-gateway -n payments --watch=false",
    "rollout history deploy/payment-gateway -n payments",
    "rollout undo deploy/payment-gateway -n payments",
    "rollout resume deployment/payment-gateway -n payments",
    "rollout resume deployment/payment-gateway -n payments",
    "rollout status deploy/payment-gateway -n payments --watch=false",
    "rollout history deploy/payment-gateway -n payments",
    "rollout history deploy/payment-gateway -n payments --revision=2",
    "get rs -n payments",
    "annotate deployment/payment-gateway kubernetes.io/change-cause=pin-1.27 -n payments",
    "set image deployment/payment-gateway payment-gateway=nginx:1.27 -n payments",
    "rollout history deploy/payment-gateway -n payments",
    "rollout undo deploy/payment-gateway -n payments --dry-run=server",
    "rollout undo deploy/payment-gateway -n payments --to-revision=1",
    "rollout history deploy/payment-gateway -n payments",
    "rollout history deploy/payment-gateway -n payments --revision=3",
    "rollout undo deploy/payment-gateway -n payments --to-revision=4",
    "rollout undo deploy/payment-gateway -n payments --to-revision=3",
    "rollout undo deploy/payment-gateway -n payments --dry-run=client",
    "rollout undo deploy/payment-gateway -n payments --dry-run=client -o name",
    "rollout pause deployment/payment-gateway -n payments -o wide",
    "rollout resume deployment/payment-gateway -n payments -o name",
    "rollout undo deploy/payment-gateway -n payments -o wide",
    "rollout history deploy/payment-gateway -n payments -o wide",
    "rollout status deploy/payment-gateway -n payments --watch=false",
    "get deploy payment-gateway -n payments -o yaml",
    "get rs -n payments",
    "get pods -n payments",
    "events -n payments --for deploy/payment-gateway -o json",
];

#[test]
fn rollout_sequence_prints_what_the_real_kubectl_prints() {
    let mut cluster = Cluster::baseline(3);
    cluster.advance(Duration::from_secs(120));
    check_in_sequence(cluster, SEQUENCE);
}
