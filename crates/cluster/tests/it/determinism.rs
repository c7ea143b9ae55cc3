//! Same seed and calls, same bytes; a fork evolves independently; the clock API.

use crate::common;

use std::time::Duration;

use cluster::Cluster;
use cluster::k8s_openapi::api::apps::v1::Deployment;
use cluster::k8s_openapi::api::core::v1::{EnvVar, PersistentVolumeClaim, Pod};
use common::*;

const HOUR: Duration = Duration::from_secs(3600);

fn faulted(seed: u64) -> Cluster {
    let mut c = Cluster::baseline(seed);
    set_memory(&mut c, "payments", "payment-api", "12Mi", "12Mi");
    edit_container(&mut c, "frontend", "web-app", |ct| {
        ct.image = Some("nginx:nonexistent-tag-99999".into())
    });
    edit_container(&mut c, "payments", "payment-worker", |ct| {
        ct.env.as_mut().unwrap()[0].value = Some("postgres://u:p@wrong-host.invalid/db".into());
    });
    c
}

fn bytes(c: &Cluster) -> Vec<u8> {
    serde_json::to_vec(&c.snapshot()).unwrap()
}

#[test]
fn the_same_seed_gives_the_same_bytes_after_an_hour_with_faults() {
    let mut a = faulted(99);
    let mut b = faulted(99);
    a.advance(HOUR);
    b.advance(HOUR);
    assert_eq!(bytes(&a), bytes(&b));
    let mut other = faulted(100);
    other.advance(HOUR);
    assert_ne!(
        bytes(&a),
        bytes(&other),
        "another seed gives other names and uids"
    );
}

#[test]
fn advancing_in_steps_or_at_once_gives_the_same_cluster() {
    let mut once = faulted(5);
    let mut steps = faulted(5);
    once.advance(Duration::from_secs(600));
    for _ in 0..600 {
        steps.advance(Duration::from_secs(1));
    }
    assert_eq!(bytes(&once), bytes(&steps));
}

#[test]
fn a_fork_evolves_independently() {
    let base = Cluster::baseline(3);
    let snapshot = bytes(&base);
    let mut fork = base.clone();
    fork.modify::<Deployment>("payments", "payment-api", |d| {
        d.spec.as_mut().unwrap().replicas = Some(3)
    })
    .unwrap();
    fork.advance(Duration::from_secs(120));
    assert_eq!(pods(&fork, "payments", "payment-api").len(), 3);
    assert_eq!(pods(&base, "payments", "payment-api").len(), 1);
    assert_eq!(bytes(&base), snapshot, "the original is untouched");
    // Two forks given the same calls stay identical.
    let mut x = base.clone();
    let mut y = base.clone();
    x.advance(Duration::from_secs(300));
    y.advance(Duration::from_secs(300));
    assert_eq!(bytes(&x), bytes(&y));
}

/// Runs `start` then `secs` of simulated time on a baseline, twice: alone, and while a fork
/// taken after `start` shares every object. Checks that the fork keeps what it saw and that
/// sharing changes nothing; returns the writer and the fork.
fn written_while_forked(seed: u64, start: impl Fn(&mut Cluster), secs: u64) -> (Cluster, Cluster) {
    let mut alone = Cluster::baseline(seed);
    start(&mut alone);
    alone.advance(Duration::from_secs(secs));

    let mut shared = Cluster::baseline(seed);
    start(&mut shared);
    let fork = shared.clone();
    let seen = bytes(&fork);
    shared.advance(Duration::from_secs(secs));
    assert_eq!(bytes(&fork), seen, "the fork is untouched by the writer");
    assert_eq!(bytes(&shared), bytes(&alone), "sharing changes nothing");
    (shared, fork)
}

#[test]
fn status_writes_while_a_fork_shares_the_pods_reach_only_the_writer() {
    // The kubelet replaces statuses in place where nothing else holds the pod: a fork taken
    // while pods start must keep what it saw, and holding one must not change the outcome.
    let (shared, fork) = written_while_forked(
        8,
        |c| {
            c.modify::<Deployment>("payments", "payment-api", |d| {
                d.spec.as_mut().unwrap().replicas = Some(3)
            })
            .unwrap();
            c.advance(Duration::from_secs(1));
        },
        90,
    );
    let started = |c: &Cluster| {
        pods(c, "payments", "payment-api")
            .iter()
            .all(|p| is_ready(p))
    };
    assert!(started(&shared), "the writer's pods started");
    assert!(!started(&fork), "the fork's did not");
}

#[test]
fn a_rollout_while_a_fork_shares_the_workload_reaches_only_the_writer() {
    // A rollout writes the Deployment's status, both ReplicaSets' scale and status, and the
    // Service's endpoint slices in place where nothing else holds them: a fork taken as it
    // starts keeps the old template, and holding one does not change the outcome.
    let (shared, fork) = written_while_forked(
        9,
        |c| {
            c.modify::<Deployment>("payments", "payment-api", |d| {
                let spec = d.spec.as_mut().unwrap();
                spec.replicas = Some(3);
                let pod = spec.template.spec.as_mut().unwrap();
                pod.containers[0].env.get_or_insert_default().push(EnvVar {
                    name: "ROLLOUT".into(),
                    value: Some("2".into()),
                    ..Default::default()
                });
            })
            .unwrap();
            c.advance(Duration::from_secs(1));
        },
        120,
    );
    let rolled = |c: &Cluster| {
        pods(c, "payments", "payment-api").iter().all(|p| {
            is_ready(p)
                && p.spec.as_ref().unwrap().containers[0]
                    .env
                    .iter()
                    .flatten()
                    .any(|e| e.name == "ROLLOUT")
        })
    };
    assert!(rolled(&shared), "the writer rolled out");
    assert!(!rolled(&fork), "the fork did not");
}

#[test]
fn run_until_stops_when_the_condition_holds_or_the_limit_passes() {
    let mut c = Cluster::baseline(4);
    let start = c.now();
    c.modify::<Deployment>("auth", "auth-service", |d| {
        d.spec.as_mut().unwrap().replicas = Some(4)
    })
    .unwrap();
    let held = c.run_until(Duration::from_secs(120), |c| {
        pods(c, "auth", "auth-service")
            .iter()
            .filter(|p| is_ready(p))
            .count()
            == 4
    });
    assert!(held);
    let took = c.now().since(start);
    assert!(
        took > Duration::ZERO && took < Duration::from_secs(30),
        "{took:?}"
    );
    let before = c.now();
    assert!(!c.run_until(
        Duration::from_secs(45),
        |c| pods(c, "auth", "auth-service").len() == 9
    ));
    assert_eq!(c.now().since(before), Duration::from_secs(45));
}

#[test]
fn the_baseline_is_a_healthy_realistic_cluster() {
    let c = Cluster::baseline(1);
    assert!(c.workloads_ready());
    let all: Vec<_> = c.list::<Pod>().collect();
    assert_eq!(all.len(), 14);
    for p in &all {
        let meta = &p.metadata;
        assert!(meta.uid.as_ref().is_some_and(|u| u.len() == 36));
        assert!(meta.resource_version.is_some() && meta.creation_timestamp.is_some());
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(spec.restart_policy.as_deref(), Some("Always"));
        assert_eq!(
            spec.dns_policy
                .as_deref()
                .map(|d| d == "ClusterFirst" || d == "Default"),
            Some(true)
        );
        assert_eq!(spec.scheduler_name.as_deref(), Some("default-scheduler"));
        assert!(
            spec.volumes
                .as_ref()
                .unwrap()
                .iter()
                .any(|v| v.name.starts_with("kube-api-access-"))
        );
        assert_eq!(spec.tolerations.as_ref().unwrap().len(), 2);
        let st = p.status.as_ref().unwrap();
        assert_eq!(st.qos_class.as_deref(), Some("Burstable"));
        let types: Vec<&str> = st
            .conditions
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.type_.as_str())
            .collect();
        assert_eq!(
            types,
            [
                "PodReadyToStartContainers",
                "Initialized",
                "Ready",
                "ContainersReady",
                "PodScheduled"
            ]
        );
        let cs = &st.container_statuses.as_ref().unwrap()[0];
        assert!(
            cs.container_id
                .as_ref()
                .unwrap()
                .starts_with("containerd://")
        );
        assert!(cs.image_id.contains("@sha256:"));
        let c = &spec.containers[0];
        assert_eq!(
            c.termination_message_path.as_deref(),
            Some("/dev/termination-log")
        );
        assert_eq!(c.image_pull_policy.as_deref(), Some("IfNotPresent"));
    }
    let deployed: Vec<_> = all
        .iter()
        .filter(|p| {
            p.metadata
                .labels
                .as_ref()
                .unwrap()
                .contains_key("pod-template-hash")
        })
        .collect();
    assert_eq!(deployed.len(), 12);
    for p in deployed {
        let owner = &p.metadata.owner_references.as_ref().unwrap()[0];
        let hash = &p.metadata.labels.as_ref().unwrap()["pod-template-hash"];
        assert_eq!(owner.kind, "ReplicaSet");
        assert!(owner.name.ends_with(hash.as_str()));
        assert!(
            p.metadata
                .name
                .as_ref()
                .unwrap()
                .starts_with(&format!("{}-", owner.name))
        );
    }
    let pvc = c
        .get::<PersistentVolumeClaim>("payments", "data-payment-db-0")
        .unwrap();
    assert_eq!(pvc.status.as_ref().unwrap().phase.as_deref(), Some("Bound"));
    assert!(c.get::<Pod>("payments", "payment-db-0").is_ok());
}
