//! The fidelity harness: the same command through the real kubectl (against the API server, the
//! clock frozen) and through the in-process kubectl, over the same cluster states.

use std::time::Duration;

use apiserver::ClockMode;
use cluster::Cluster;
use gym::FaultSpec;

use super::Server;

/// Runs `command` through the real kubectl and in process; describes the difference, if any.
pub fn compare(server: &Server, local: &mut Cluster, command: &str) -> Option<String> {
    compare_masked(server, local, command, |text| text.to_string())
}

/// As [`compare`], with `mask` applied to both standard outputs first: for what the real
/// kubectl computes from its own wall clock.
pub fn compare_masked(
    server: &Server,
    local: &mut Cluster,
    command: &str,
    mask: impl Fn(&str) -> String,
) -> Option<String> {
    let args = shell_words::split(command).unwrap();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (stdout, stderr, code) = server.kubectl(&args);
    let ours = kubectl::exec::run(local, command);
    let (real, mine) = (mask(&stdout), mask(&ours.stdout));
    let same = (mine.as_str(), ours.stderr.as_str(), ours.exit_code)
        == (real.as_str(), stderr.as_str(), code);
    (!same).then(|| {
        format!(
            "kubectl {command}\n--- real (exit {code})\n{real}{stderr}--- in-process (exit {})\n{mine}{}",
            ours.exit_code, ours.stderr
        )
    })
}

/// The faults the states are built from, each on the workload it breaks.
const FAULTS: &[&str] = &[
    "oom:payments/payment-api",
    "image:frontend/web-app",
    "crashloop:auth/auth-service",
    "liveness:auth/auth-service",
    "readiness:payments/payment-gateway",
    "scale-zero:payments/payment-api",
    "bad-database-url:payments/payment-worker",
];

/// The fixes the "fixed" states apply, through the in-process kubectl, after their fault showed.
const FIXES: &[(&str, &str)] = &[
    (
        "oom:payments/payment-api",
        "set resources deployment/payment-api -n payments --limits=memory=512Mi --requests=memory=256Mi",
    ),
    (
        "image:frontend/web-app",
        "set image deployment/web-app web-app=nginx:1.25 -n frontend",
    ),
];

fn faulted(spec: &str) -> Cluster {
    let mut cluster = Cluster::baseline(1);
    spec.parse::<FaultSpec>()
        .unwrap()
        .inject(&mut cluster)
        .unwrap();
    cluster.advance(Duration::from_secs(240));
    cluster
}

/// Healthy, each basic fault once its symptoms show, and faults after a fix took hold.
pub fn states() -> Vec<(String, Cluster)> {
    let mut healthy = Cluster::baseline(1);
    healthy.advance(Duration::from_secs(300));
    let mut states = vec![("healthy".to_string(), healthy)];
    for spec in FAULTS {
        states.push((spec.to_string(), faulted(spec)));
    }
    for (spec, fix) in FIXES {
        let mut cluster = faulted(spec);
        let out = kubectl::exec::run(&mut cluster, fix);
        assert_eq!(out.exit_code, 0, "{fix}: {}", out.stderr);
        cluster.advance(Duration::from_secs(180));
        states.push((format!("{spec} fixed"), cluster));
    }
    states
}

/// Runs every command of `corpus` over every state, the states in parallel (each with its own
/// server); panics listing each difference. Returns how many comparisons ran.
pub fn check_over_states(corpus: &[&str]) -> usize {
    check_over_states_masked(corpus, |text| text.to_string())
}

/// As [`check_over_states`], comparing with [`compare_masked`].
pub fn check_over_states_masked(corpus: &[&str], mask: fn(&str) -> String) -> usize {
    let states = states();
    let checked = states.len() * corpus.len();
    let differences: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = states
            .into_iter()
            .map(|(state, cluster)| {
                scope.spawn(move || {
                    let server = Server::start(cluster.clone(), 33, ClockMode::Frozen);
                    let mut local = cluster;
                    corpus
                        .iter()
                        .filter_map(|command| compare_masked(&server, &mut local, command, mask))
                        .map(|diff| format!("[{state}] {diff}"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a fidelity worker panicked"))
            .collect()
    });
    assert!(
        differences.is_empty(),
        "{} of {checked} commands differ:\n\n{}",
        differences.len(),
        differences.join("\n")
    );
    checked
}

/// Runs `corpus` in order over one cluster: for mutations, whose effects later commands read.
pub fn check_in_sequence(cluster: Cluster, corpus: &[&str]) {
    let server = Server::start(cluster.clone(), 33, ClockMode::Frozen);
    let mut local = cluster;
    let differences: Vec<String> = corpus
        .iter()
        .filter_map(|command| compare(&server, &mut local, command))
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {} commands differ:\n\n{}",
        differences.len(),
        corpus.len(),
        differences.join("\n")
    );
}

/// Like [`compare`], with `stdin` on the real kubectl's standard input and given to the
/// in-process kubectl as a here-document (`command <<'EOF'`).
pub fn compare_with_stdin(
    server: &Server,
    local: &mut Cluster,
    command: &str,
    stdin: &str,
) -> Option<String> {
    let args = shell_words::split(command).unwrap();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (stdout, stderr, code) = server.kubectl_with_stdin(&args, stdin);
    let mut body = stdin.to_string();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    let ours = kubectl::exec::run(local, &format!("{command} <<'EOF'\n{body}EOF"));
    let same = (ours.stdout.as_str(), ours.stderr.as_str(), ours.exit_code)
        == (stdout.as_str(), stderr.as_str(), code);
    (!same).then(|| {
        format!(
            "kubectl {command} <<'EOF'\n{body}EOF\n--- real (exit {code})\n{stdout}{stderr}--- in-process (exit {})\n{}{}",
            ours.exit_code, ours.stdout, ours.stderr
        )
    })
}
