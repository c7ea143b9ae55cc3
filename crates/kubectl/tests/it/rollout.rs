//! `rollout status` waits in simulated time: the clock moves until the rollout is done, the
//! timeout passes or the bound is reached, and every change of the Deployment prints a line.

use std::time::Duration;

use cluster::Cluster;
use kubectl::exec::run;
use kubectl::rollout::DEFAULT_STATUS_BOUND;

fn settled() -> Cluster {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(300));
    c
}

#[test]
fn a_rollout_is_watched_until_it_completes() {
    let mut c = settled();
    let out = run(
        &mut c,
        "set image deployment/web-app web-app=nginx:1.26 -n frontend",
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let before = c.now();
    let out = run(&mut c, "rollout status deployment/web-app -n frontend");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(
            "Waiting for deployment \"web-app\" rollout to finish: 1 out of 2 new replicas have been updated..."
        )
    );
    assert_eq!(
        lines.last().copied(),
        Some("deployment \"web-app\" successfully rolled out")
    );
    assert!(lines.len() >= 3, "{}", out.stdout);
    let waited = c.now().since(before);
    assert!(
        waited > Duration::ZERO && waited < DEFAULT_STATUS_BOUND,
        "{waited:?}"
    );
    // Done: asking again answers at once, without moving the clock.
    let now = c.now();
    let out = run(&mut c, "rollout status deployment/web-app -n frontend");
    assert_eq!(
        out.stdout,
        "deployment \"web-app\" successfully rolled out\n"
    );
    assert_eq!(c.now(), now);
}

#[test]
fn a_stuck_rollout_times_out_after_exactly_the_timeout() {
    let mut c = settled();
    run(
        &mut c,
        "set image deployment/web-app web-app=nginx:nonexistent-tag-99999 -n frontend",
    );
    let before = c.now();
    let out = run(
        &mut c,
        "rollout status deployment/web-app -n frontend --timeout=45s",
    );
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.stderr, "error: timed out waiting for the condition\n");
    assert!(out.stdout.starts_with(
        "Waiting for deployment \"web-app\" rollout to finish: 1 out of 2 new replicas have been updated...\n"
    ));
    assert_eq!(c.now().since(before), Duration::from_secs(45));
}

#[test]
fn without_a_timeout_a_stuck_rollout_ends_at_its_progress_deadline() {
    let mut c = settled();
    run(
        &mut c,
        "set image deployment/web-app web-app=nginx:nonexistent-tag-99999 -n frontend",
    );
    let before = c.now();
    let out = run(&mut c, "rollout status deployment/web-app -n frontend");
    assert_eq!(out.exit_code, 1, "{}", out.stdout);
    // The Deployment's 600 s progress deadline fires within the ten-minute bound.
    assert_eq!(
        out.stderr,
        "error: deployment \"web-app\" exceeded its progress deadline\n"
    );
    assert!(c.now().since(before) <= DEFAULT_STATUS_BOUND);
}

#[test]
fn without_a_timeout_waiting_stops_at_the_bound() {
    let mut c = settled();
    // A paused rollout never progresses and has no deadline.
    run(&mut c, "rollout pause deployment/web-app -n frontend");
    run(
        &mut c,
        "set image deployment/web-app web-app=nginx:1.26 -n frontend",
    );
    let before = c.now();
    let out = run(&mut c, "rollout status deployment/web-app -n frontend");
    assert_eq!(out.exit_code, 1, "{}", out.stdout);
    assert_eq!(out.stderr, "error: timed out waiting for the condition\n");
    assert_eq!(c.now().since(before), DEFAULT_STATUS_BOUND);
}

#[test]
fn watch_false_prints_once_and_leaves_the_clock_alone() {
    let mut c = settled();
    run(
        &mut c,
        "set image deployment/web-app web-app=nginx:1.26 -n frontend",
    );
    let before = c.now();
    let out = run(
        &mut c,
        "rollout status deployment/web-app -n frontend --watch=false",
    );
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert_eq!(c.now(), before);
}

#[test]
fn undo_brings_the_previous_template_back() {
    let mut c = settled();
    run(
        &mut c,
        "set image deployment/web-app web-app=nginx:1.26 -n frontend",
    );
    run(&mut c, "rollout status deployment/web-app -n frontend");
    let out = run(&mut c, "rollout undo deployment/web-app -n frontend");
    assert_eq!(out.stdout, "deployment.apps/web-app rolled back\n");
    run(&mut c, "rollout status deployment/web-app -n frontend");
    let out = run(
        &mut c,
        "get deploy web-app -n frontend -o jsonpath={.spec.template.spec.containers[0].image}",
    );
    assert_eq!(out.stdout, "nginx:1.25");
    let out = run(&mut c, "rollout history deployment/web-app -n frontend");
    assert_eq!(
        out.stdout,
        "deployment.apps/web-app \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n"
    );
}
