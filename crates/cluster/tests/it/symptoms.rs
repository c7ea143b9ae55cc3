//! Each fault path of the simulated cluster, asserting the states and events a real cluster
//! shows, and recovery once the fault is fixed.

use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

use cluster::k8s_openapi::api::apps::v1::Deployment;
use cluster::k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Pod, ResourceQuota, ResourceQuotaSpec,
};
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use cluster::{Cluster, DeleteOptions, Reason, meta};
use common::*;

const MIN: Duration = Duration::from_secs(60);

fn deployment_available(c: &Cluster, ns: &str, name: &str) -> bool {
    let d = c.get::<Deployment>(ns, name).unwrap();
    let want = d.spec.as_ref().unwrap().replicas.unwrap();
    let st = d.status.clone().unwrap_or_default();
    st.available_replicas == Some(want)
        && st.updated_replicas == Some(want)
        && st.replicas == Some(want)
}

#[test]
fn memory_limit_below_working_set_is_oom_killed_with_crashloop_backoff_then_recovers() {
    let mut c = Cluster::baseline(11);
    let old = pods(&c, "payments", "payment-api");
    assert_eq!(old.len(), 1);
    set_memory(&mut c, "payments", "payment-api", "12Mi", "12Mi");
    // Watch the new pod second by second and note each start and each exit.
    let mut starts = Vec::new();
    let mut finishes = Vec::new();
    for _ in 0..1100 {
        c.advance(Duration::from_secs(1));
        let ps = pods(&c, "payments", "payment-api");
        let Some(new) = ps.iter().find(|p| p.metadata.name != old[0].metadata.name) else {
            continue;
        };
        let st = status(new);
        if let Some(r) = st.state.as_ref().and_then(|s| s.running.as_ref()) {
            let t = r.started_at.clone().unwrap().0;
            if starts.last() != Some(&t) {
                starts.push(t);
            }
        }
        if let Some(t) = st.last_state.as_ref().and_then(|s| s.terminated.as_ref()) {
            assert_eq!(t.reason.as_deref(), Some("OOMKilled"));
            assert_eq!(t.exit_code, 137);
            let f = t.finished_at.clone().unwrap().0;
            if finishes.last() != Some(&f) {
                finishes.push(f);
            }
        }
    }
    // The old pod keeps serving: maxUnavailable is 0 for one replica.
    assert!(
        c.get::<Pod>("payments", old[0].metadata.name.as_deref().unwrap())
            .is_ok()
    );
    let gaps: Vec<i64> = starts
        .iter()
        .skip(1)
        .zip(finishes.iter())
        .map(|(s, f)| s.as_second() - f.as_second())
        .collect();
    assert!(gaps.len() >= 7, "restarts seen: {gaps:?}");
    assert_eq!(
        &gaps[..7],
        &[0, 10, 20, 40, 80, 160, 300],
        "back-off between exit and restart"
    );
    let new = pods(&c, "payments", "payment-api")
        .into_iter()
        .find(|p| p.metadata.name != old[0].metadata.name)
        .unwrap();
    let name = new.metadata.name.clone().unwrap();
    assert!(has_event(
        &c,
        "payments",
        &name,
        "BackOff",
        "Back-off restarting failed container payment-api in pod"
    ));
    assert!(status(&new).restart_count >= 7);

    // Fix: raise the limit well above the working set.
    set_memory(&mut c, "payments", "payment-api", "64Mi", "512Mi");
    assert!(c.run_until(5 * MIN, |c| deployment_available(
        c,
        "payments",
        "payment-api"
    ) && pods(c, "payments", "payment-api").len()
        == 1));
    let fixed = pods(&c, "payments", "payment-api");
    let fixed_name = fixed[0].metadata.name.clone();
    c.advance(10 * MIN);
    let after = pods(&c, "payments", "payment-api");
    assert_eq!(after.len(), 1);
    assert_eq!(
        after[0].metadata.name, fixed_name,
        "the pod stayed the same for 10 minutes"
    );
    assert_eq!(status(&after[0]).restart_count, 0);
    assert!(is_ready(&after[0]));
    assert!(deployment_available(&c, "payments", "payment-api"));
}

#[test]
fn nonexistent_image_tag_stalls_the_rollout_while_old_pods_serve_and_recovers() {
    let mut c = Cluster::baseline(12);
    let old: Vec<String> = pods(&c, "frontend", "web-app")
        .iter()
        .map(|p| p.metadata.name.clone().unwrap())
        .collect();
    edit_container(&mut c, "frontend", "web-app", |ct| {
        ct.image = Some("nginx:nonexistent-tag-99999".into())
    });
    c.advance(Duration::from_secs(8));
    let ps = pods(&c, "frontend", "web-app");
    assert_eq!(ps.len(), 3, "maxSurge 25% of 2 rounds up to one extra pod");
    let new = ps
        .iter()
        .find(|p| !old.contains(p.metadata.name.as_ref().unwrap()))
        .unwrap()
        .clone();
    let new_name = new.metadata.name.clone().unwrap();
    let reasons: Vec<_> = events_about(&c, "frontend", &new_name)
        .into_iter()
        .map(|e| e.1)
        .collect();
    assert!(
        reasons.iter().any(|m| m.starts_with(
            "Failed to pull image \"nginx:nonexistent-tag-99999\": rpc error: code = NotFound"
        )),
        "{reasons:?}"
    );
    c.advance(Duration::from_secs(30));
    let new = c.get::<Pod>("frontend", &new_name).unwrap();
    let reason = waiting_reason(&new).unwrap();
    assert!(
        reason == "ImagePullBackOff" || reason == "ErrImagePull",
        "{reason}"
    );
    assert_eq!(
        new.status.as_ref().unwrap().phase.as_deref(),
        Some("Pending")
    );
    // maxUnavailable 25% of 2 rounds down to 0: both old pods keep serving.
    let ep = c.get::<Endpoints>("frontend", "web-app").unwrap();
    let ready: usize = ep
        .subsets
        .iter()
        .flatten()
        .map(|s| s.addresses.as_ref().map_or(0, Vec::len))
        .sum();
    assert_eq!(ready, 2);
    c.advance(11 * MIN);
    let d = c.get::<Deployment>("frontend", "web-app").unwrap();
    let progressing = d
        .status
        .as_ref()
        .unwrap()
        .conditions
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.type_ == "Progressing")
        .unwrap()
        .clone();
    assert_eq!(progressing.status, "False");
    assert_eq!(
        progressing.reason.as_deref(),
        Some("ProgressDeadlineExceeded")
    );
    assert!(has_event(
        &c,
        "frontend",
        &new_name,
        "BackOff",
        "Back-off pulling image \"nginx:nonexistent-tag-99999\""
    ));

    edit_container(&mut c, "frontend", "web-app", |ct| {
        ct.image = Some("nginx:1.25".into())
    });
    assert!(
        c.run_until(5 * MIN, |c| deployment_available(c, "frontend", "web-app")
            && pods(c, "frontend", "web-app").len() == 2)
    );
    let names: Vec<String> = pods(&c, "frontend", "web-app")
        .iter()
        .map(|p| p.metadata.name.clone().unwrap())
        .collect();
    assert_eq!(
        names.iter().filter(|n| old.contains(n)).count(),
        2,
        "rolling back reuses the old ReplicaSet and its pods"
    );
    let d = c.get::<Deployment>("frontend", "web-app").unwrap();
    assert_eq!(
        d.metadata.annotations.as_ref().unwrap()["deployment.kubernetes.io/revision"],
        "3"
    );
}

#[test]
fn command_exit_1_crash_loops() {
    let mut c = Cluster::baseline(13);
    edit_container(&mut c, "payments", "payment-gateway", |ct| {
        ct.command = Some(vec!["sh".into(), "-c".into(), "exit 1".into()]);
    });
    c.advance(2 * MIN);
    let crashing: Vec<_> = pods(&c, "payments", "payment-gateway")
        .into_iter()
        .filter(|p| status(p).restart_count > 0)
        .collect();
    assert_eq!(
        crashing.len(),
        1,
        "one surge pod crash-loops; the old ones keep serving"
    );
    let st = status(&crashing[0]);
    let last = st.last_state.unwrap().terminated.unwrap();
    assert_eq!((last.exit_code, last.reason.as_deref()), (1, Some("Error")));
    assert_eq!(
        st.state.unwrap().waiting.unwrap().reason.as_deref(),
        Some("CrashLoopBackOff")
    );
    assert_eq!(
        crashing[0].status.as_ref().unwrap().phase.as_deref(),
        Some("Running")
    );
}

#[test]
fn unresolvable_database_host_logs_a_connection_error_and_exits_1() {
    let mut c = Cluster::baseline(14);
    c.advance(MIN);
    let healthy = pods(&c, "payments", "payment-worker")[0]
        .metadata
        .name
        .clone()
        .unwrap();
    let logs = cluster::logs::read(&c, "payments", &healthy, &Default::default()).unwrap();
    assert!(
        logs.contains("connected to payment-db.payments.svc.cluster.local:5432"),
        "{logs}"
    );
    assert!(logs.contains("processed batch"), "{logs}");
    edit_container(&mut c, "payments", "payment-worker", |ct| {
        let env = ct.env.as_mut().unwrap();
        env[0].value =
            Some("postgres://payments_user:payments_pass@wrong-host.invalid:5432/payments".into());
    });
    c.advance(2 * MIN);
    // Without a readiness probe the new worker counts as available once started, so the
    // rollout completes and only the broken worker is left.
    let ps = pods(&c, "payments", "payment-worker");
    assert_eq!(ps.len(), 1);
    let broken = &ps[0];
    let st = status(broken);
    assert!(st.restart_count >= 2, "{st:?}");
    let last = st.last_state.unwrap().terminated.unwrap();
    assert_eq!((last.exit_code, last.reason.as_deref()), (1, Some("Error")));
    let name = broken.metadata.name.clone().unwrap();
    let logs = cluster::logs::read(
        &c,
        "payments",
        &name,
        &cluster::logs::LogOptions {
            previous: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        logs.contains("nc: bad address 'wrong-host.invalid'"),
        "{logs}"
    );
    assert!(
        logs.ends_with(
            "ERROR: database wrong-host.invalid:5432 unreachable after 15 attempts, giving up\n"
        ),
        "{logs}"
    );
}

#[test]
fn zero_replicas_leave_no_endpoints() {
    let mut c = Cluster::baseline(15);
    c.modify::<Deployment>("payments", "payment-api", |d| {
        d.spec.as_mut().unwrap().replicas = Some(0)
    })
    .unwrap();
    c.advance(MIN);
    assert!(pods(&c, "payments", "payment-api").is_empty());
    let ep = c.get::<Endpoints>("payments", "payment-api").unwrap();
    assert!(ep.subsets.is_none(), "{:?}", ep.subsets);
}

#[test]
fn liveness_probe_on_a_missing_path_restarts_the_container() {
    let mut c = Cluster::baseline(16);
    edit_container(&mut c, "frontend", "web-app", |ct| {
        ct.liveness_probe
            .as_mut()
            .unwrap()
            .http_get
            .as_mut()
            .unwrap()
            .path = Some("/healthz".into());
    });
    c.advance(3 * MIN);
    let restarted: Vec<_> = pods(&c, "frontend", "web-app")
        .into_iter()
        .filter(|p| status(p).restart_count > 0)
        .collect();
    assert!(!restarted.is_empty());
    let name = restarted[0].metadata.name.clone().unwrap();
    assert!(has_event(
        &c,
        "frontend",
        &name,
        "Unhealthy",
        "Liveness probe failed: HTTP probe failed with statuscode: 404"
    ));
    assert!(has_event(
        &c,
        "frontend",
        &name,
        "Killing",
        "Container web-app failed liveness probe, will be restarted"
    ));
    let last = status(&restarted[0])
        .last_state
        .unwrap()
        .terminated
        .unwrap();
    assert_eq!(
        (last.exit_code, last.reason.as_deref()),
        (0, Some("Completed")),
        "nginx exits cleanly on SIGTERM"
    );
}

#[test]
fn readiness_probe_on_the_wrong_port_keeps_the_pod_out_of_endpoints() {
    let mut c = Cluster::baseline(17);
    let yaml = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: ledger, namespace: payments}
spec:
  replicas: 1
  selector: {matchLabels: {app: ledger}}
  template:
    metadata: {labels: {app: ledger}}
    spec:
      containers:
      - name: ledger
        image: python:3.11-slim
        command: ["python", "-m", "http.server", "8080"]
        ports: [{containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: 8081}, periodSeconds: 5}
---
apiVersion: v1
kind: Service
metadata: {name: ledger, namespace: payments}
spec:
  selector: {app: ledger}
  ports: [{port: 80, targetPort: 8080}]
"#;
    c.apply_yaml("ledger.yaml", yaml).unwrap();
    c.advance(2 * MIN);
    let p = &pods(&c, "payments", "ledger")[0];
    assert_eq!(p.status.as_ref().unwrap().phase.as_deref(), Some("Running"));
    assert!(!is_ready(p));
    let ep = c.get::<Endpoints>("payments", "ledger").unwrap();
    let subset = &ep.subsets.as_ref().unwrap()[0];
    assert!(subset.addresses.is_none());
    assert_eq!(subset.not_ready_addresses.as_ref().unwrap().len(), 1);
    let name = p.metadata.name.clone().unwrap();
    assert!(has_event(
        &c,
        "payments",
        &name,
        "Unhealthy",
        ":8081/\": dial tcp "
    ));
    // Fix the port: the pod turns ready without a restart.
    edit_container(&mut c, "payments", "ledger", |ct| {
        ct.readiness_probe
            .as_mut()
            .unwrap()
            .http_get
            .as_mut()
            .unwrap()
            .port = IntOrString::Int(8080);
    });
    assert!(
        c.run_until(2 * MIN, |c| deployment_available(c, "payments", "ledger")
            && pods(c, "payments", "ledger").len() == 1)
    );
    let ep = c.get::<Endpoints>("payments", "ledger").unwrap();
    assert_eq!(
        ep.subsets.as_ref().unwrap()[0]
            .addresses
            .as_ref()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn a_quota_of_one_pod_blocks_replacements_with_the_real_message() {
    let mut c = Cluster::baseline(18);
    let quota = ResourceQuota {
        metadata: meta("frontend", "one-pod"),
        spec: Some(ResourceQuotaSpec {
            hard: Some(BTreeMap::from([("pods".to_string(), quantity("1"))])),
            ..Default::default()
        }),
        status: None,
    };
    c.create(quota).unwrap();
    c.advance(Duration::from_secs(1));
    let victim = pods(&c, "frontend", "web-app")[0]
        .metadata
        .name
        .clone()
        .unwrap();
    c.delete::<Pod>("frontend", &victim, DeleteOptions::default())
        .unwrap();
    c.advance(MIN);
    assert_eq!(pods(&c, "frontend", "web-app").len(), 1);
    let rs = pods(&c, "frontend", "web-app")[0]
        .metadata
        .owner_references
        .as_ref()
        .unwrap()[0]
        .name
        .clone();
    let failed = events_about(&c, "frontend", &rs)
        .into_iter()
        .find(|e| e.0 == "FailedCreate")
        .expect("FailedCreate");
    assert!(
        failed.1.starts_with(&format!("Error creating: pods \"{rs}-\" is forbidden: exceeded quota: one-pod, requested: pods=1, used: pods=")),
        "{}",
        failed.1
    );
    assert!(failed.1.ends_with(", limited: pods=1"), "{}", failed.1);
    let q = c.get::<ResourceQuota>("frontend", "one-pod").unwrap();
    assert_eq!(
        q.status.as_ref().unwrap().used.as_ref().unwrap()["pods"].0,
        "2"
    );
    // Lifting the quota lets the ReplicaSet catch up.
    c.delete::<ResourceQuota>("frontend", "one-pod", DeleteOptions::default())
        .unwrap();
    assert!(c.run_until(20 * MIN, |c| deployment_available(c, "frontend", "web-app")));
}

#[test]
fn a_node_selector_no_node_matches_leaves_the_pod_pending() {
    let mut c = Cluster::baseline(19);
    c.modify::<Deployment>("auth", "auth-service", |d| {
        let spec = d.spec.as_mut().unwrap().template.spec.as_mut().unwrap();
        spec.node_selector = Some(BTreeMap::from([(
            "disktype".to_string(),
            "ssd".to_string(),
        )]));
    })
    .unwrap();
    c.advance(MIN);
    let pending: Vec<_> = pods(&c, "auth", "auth-service")
        .into_iter()
        .filter(|p| p.status.as_ref().unwrap().phase.as_deref() == Some("Pending"))
        .collect();
    assert_eq!(pending.len(), 1);
    let name = pending[0].metadata.name.clone().unwrap();
    let msg = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    assert!(
        has_event(&c, "auth", &name, "FailedScheduling", msg),
        "{:?}",
        events_about(&c, "auth", &name)
    );
    let cond = pending[0]
        .status
        .as_ref()
        .unwrap()
        .conditions
        .as_ref()
        .unwrap()
        .iter()
        .find(|c| c.type_ == "PodScheduled")
        .unwrap()
        .clone();
    assert_eq!(
        (
            cond.status.as_str(),
            cond.reason.as_deref(),
            cond.message.as_deref()
        ),
        ("False", Some("Unschedulable"), Some(msg))
    );
}

#[test]
fn a_missing_configmap_blocks_new_containers_until_it_returns() {
    let mut c = Cluster::baseline(20);
    let saved = c.get::<ConfigMap>("frontend", "web-app-config").unwrap();
    c.delete::<ConfigMap>("frontend", "web-app-config", DeleteOptions::default())
        .unwrap();
    c.advance(MIN);
    assert!(
        pods(&c, "frontend", "web-app").iter().all(is_ready_arc),
        "running containers keep their environment"
    );
    let victim = pods(&c, "frontend", "web-app")[0]
        .metadata
        .name
        .clone()
        .unwrap();
    c.delete::<Pod>("frontend", &victim, DeleteOptions::default())
        .unwrap();
    c.advance(MIN);
    let stuck: Vec<_> = pods(&c, "frontend", "web-app")
        .into_iter()
        .filter(|p| !is_ready(p))
        .collect();
    assert_eq!(stuck.len(), 1);
    assert_eq!(
        waiting_reason(&stuck[0]).as_deref(),
        Some("CreateContainerConfigError")
    );
    let name = stuck[0].metadata.name.clone().unwrap();
    assert!(has_event(
        &c,
        "frontend",
        &name,
        "Failed",
        "Error: configmap \"web-app-config\" not found"
    ));
    let mut restored = (*saved).clone();
    restored.metadata = meta("frontend", "web-app-config");
    restored.metadata.labels = saved.metadata.labels.clone();
    c.create(restored).unwrap();
    assert!(
        c.run_until(MIN, |c| deployment_available(c, "frontend", "web-app")
            && pods(c, "frontend", "web-app").iter().all(is_ready_arc))
    );
}

fn is_ready_arc(p: &std::sync::Arc<Pod>) -> bool {
    is_ready(p)
}

#[test]
fn invalid_writes_are_refused_with_the_api_server_message_and_change_nothing() {
    let mut c = Cluster::baseline(21);
    let before = c.get::<Deployment>("payments", "payment-api").unwrap();
    let err = c
        .modify::<Deployment>("payments", "payment-api", |d| {
            let ct = &mut d
                .spec
                .as_mut()
                .unwrap()
                .template
                .spec
                .as_mut()
                .unwrap()
                .containers[0];
            ct.resources
                .as_mut()
                .unwrap()
                .limits
                .as_mut()
                .unwrap()
                .insert("memory".into(), quantity("4Mi"));
        })
        .unwrap_err();
    assert_eq!(err.reason, Reason::Invalid);
    assert_eq!(
        err.message,
        "The Deployment \"payment-api\" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: \"64Mi\": must be less than or equal to memory limit of 4Mi"
    );
    let err = c
        .modify::<Deployment>("payments", "payment-api", |d| {
            d.spec.as_mut().unwrap().replicas = Some(-1)
        })
        .unwrap_err();
    assert_eq!(
        err.message,
        "The Deployment \"payment-api\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    let mut bad = (*before).clone();
    bad.metadata = meta("payments", "Payment_API");
    let err = c.create(bad).unwrap_err();
    assert!(err.message.starts_with("The Deployment \"Payment_API\" is invalid: metadata.name: Invalid value: \"Payment_API\": a lowercase RFC 1123 subdomain"), "{}", err.message);
    let after = c.get::<Deployment>("payments", "payment-api").unwrap();
    assert_eq!(
        before, after,
        "refused writes leave the object and its resourceVersion alone"
    );
    let err = c.get::<Pod>("payments", "nope").unwrap_err();
    assert_eq!(
        (err.reason, err.message.as_str()),
        (Reason::NotFound, "pods \"nope\" not found")
    );
    let err = c.get::<Deployment>("payments", "nope").unwrap_err();
    assert_eq!(err.message, "deployments.apps \"nope\" not found");
}

#[test]
fn a_no_op_update_keeps_the_resource_version() {
    let mut c = Cluster::baseline(22);
    let before = c.get::<Deployment>("payments", "payment-api").unwrap();
    let after = c
        .modify::<Deployment>("payments", "payment-api", |_| {})
        .unwrap();
    assert_eq!(
        before.metadata.resource_version,
        after.metadata.resource_version
    );
    assert_eq!(before.metadata.generation, after.metadata.generation);
}

/// The times and attempt numbers of a worker's "waiting for database" lines.
fn wait_attempts(logs: &str) -> Vec<(String, u32)> {
    logs.lines()
        .filter_map(|line| {
            let (stamp, rest) = line.split_once(' ')?;
            let n = rest
                .strip_prefix("waiting for database ")?
                .rsplit_once('(')?
                .1
                .strip_suffix("/15)")?;
            Some((stamp.to_string(), n.parse().ok()?))
        })
        .collect()
}

fn millis(stamp: &str) -> i64 {
    stamp
        .parse::<cluster::k8s_openapi::jiff::Timestamp>()
        .unwrap()
        .as_millisecond()
}

#[test]
fn a_worker_waiting_for_its_database_logs_every_attempt_and_connects_at_the_next_once_it_is_back() {
    use cluster::k8s_openapi::api::apps::v1::StatefulSet;
    let mut c = Cluster::baseline(16);
    c.advance(MIN);
    let scale_db = |c: &mut Cluster, replicas: i32| {
        c.modify::<StatefulSet>("payments", "payment-db", |s| {
            s.spec.as_mut().unwrap().replicas = Some(replicas)
        })
        .unwrap();
    };
    scale_db(&mut c, 0);
    c.advance(MIN);
    let worker = pods(&c, "payments", "payment-worker")[0].clone();
    let name = worker.metadata.name.clone().unwrap();
    c.delete::<Pod>("payments", &name, DeleteOptions::default())
        .unwrap();
    c.advance(Duration::from_millis(9_301));
    let worker = pods(&c, "payments", "payment-worker")
        .into_iter()
        .find(|p| p.metadata.deletion_timestamp.is_none())
        .unwrap();
    let name = worker.metadata.name.clone().unwrap();
    let opts = cluster::logs::LogOptions {
        timestamps: true,
        ..Default::default()
    };
    // Read at an instant between attempts: every attempt so far is there, 2 s apart, the
    // last one less than 2 s ago.
    let logs = cluster::logs::read(&c, "payments", &name, &opts).unwrap();
    let attempts = wait_attempts(&logs);
    assert!(attempts.len() >= 4, "{logs}");
    for (i, (stamp, n)) in attempts.iter().enumerate() {
        assert_eq!(*n, i as u32 + 1, "{logs}");
        assert_eq!(
            millis(stamp) - millis(&attempts[0].0),
            2000 * i as i64,
            "{logs}"
        );
    }
    let now = c.now().millis() as i64;
    let last = millis(&attempts.last().unwrap().0);
    assert!(last <= now && now - last < 2000, "{logs}");

    // The database comes back: the worker connects at its first attempt after that.
    scale_db(&mut c, 1);
    let mut ready_at = None;
    for _ in 0..600 {
        c.advance(Duration::from_millis(100));
        let ready = c
            .get::<Endpoints>("payments", "payment-db")
            .ok()
            .and_then(|e| e.subsets.clone())
            .is_some_and(|s| s.iter().any(|s| s.addresses.is_some()));
        if ready {
            ready_at = Some(c.now().millis() as i64);
            break;
        }
    }
    let ready_at = ready_at.expect("the database is ready within a minute");
    c.advance(Duration::from_secs(5));
    let logs = cluster::logs::read(&c, "payments", &name, &opts).unwrap();
    let connected = logs
        .lines()
        .find(|l| l.contains("payment-worker connected to"))
        .map(|l| millis(l.split_once(' ').unwrap().0))
        .unwrap_or_else(|| panic!("{logs}"));
    let attempts = wait_attempts(&logs);
    let last_failed = millis(&attempts.last().unwrap().0);
    assert_eq!(connected - last_failed, 2000, "{logs}");
    assert!(
        connected >= ready_at - 100 && connected < ready_at + 2000,
        "connected at {connected}, database ready at {ready_at}: {logs}"
    );
}
