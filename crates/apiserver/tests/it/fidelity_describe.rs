//! `kubectl describe` in process against the real kubectl over the ten cluster states.
//!
//! Two things kubectl computes from its own wall clock cannot match a frozen simulated clock:
//! the Age column of the Events table (`5m`, `2m (x3 over 5m)`) and the Age of a node's pods.
//! Commands that print them run through [`check_masked`], which compares everything else
//! byte for byte (the counts `(xN over ...)` included) and the ages only in shape. Everything
//! else runs through the strict harness.
//!
//! Left out: secrets and config maps with several keys, whose Data section kubectl prints in
//! Go's random map order.

use crate::common;

use apiserver::ClockMode;
use common::Server;
use common::fidelity::{check_over_states, check_over_states_masked, compare_masked};

/// Commands whose output does not depend on kubectl's clock.
const STRICT: &[&str] = &[
    "describe ns payments",
    "describe namespace auth",
    "describe ns",
    "describe ns payments kube-system",
    "describe sa -n auth",
    "describe serviceaccount default -n payments",
    "describe sa -A",
    "describe sc",
    "describe storageclass standard-rwo",
    "describe quota -A",
    "describe hpa -A",
    "describe netpol -n payments",
    "describe cm kube-root-ca.crt -n auth",
    "describe configmap/coredns -n kube-system",
    "describe svc -n payments",
    "describe service web-app -n frontend",
    "describe svc -A",
    "describe ep -n payments",
    "describe endpoints -A",
    "describe pod payment-db-0 -n payments --show-events=false",
    "describe pods -n payments --show-events=false",
    "describe po -A -l app=web-app --show-events=false",
    "describe deploy -n payments --show-events=false",
    "describe deployment/web-app -n frontend --show-events=false",
    "describe rs -n frontend --show-events=false",
    "describe sts -A --show-events=false",
    "describe deploy,svc -n auth --show-events=false",
    "describe pods -n auth --show-events=false",
    "describe pods -n frontend --show-events=false",
    "describe pods -n kube-system --show-events=false",
    "describe pod ghost -n payments",
    "describe pod payment-db-0 ghost -n payments --show-events=false",
    "describe deploy/ghost -n payments",
    "describe foos",
    "describe pods -n nonexistent",
    "describe pods -A -l app=nothing",
    "describe pod -l app=nothing -n payments",
    "describe",
    "describe pod payment -n payments --show-events=false",
    "describe deploy payment-w -n payments --show-events=false",
    "describe nodes --show-events=false -l kubernetes.io/hostname=nothing",
    "describe pods,svc payment-a -n payments",
    "describe pod payment-a -n payments -l app=x",
    "describe pod payment-a -A",
    "describe pod/payment-a -n payments",
    "describe pod a b -n payments",
    "describe deploy payment-api ghost -n payments --show-events=false",
    "describe all -n auth --show-events=false",
    "describe svc,ep -n frontend",
    "describe cm,sa -n default",
];

/// Commands with Events tables or pod ages, compared with the ages masked.
const MASKED: &[&str] = &[
    "describe pod payment-db-0 -n payments",
    "describe pods -n payments",
    "describe pods -n auth",
    "describe pods -n frontend",
    "describe pods -n kube-system",
    "describe deploy -A",
    "describe rs -n payments",
    "describe rs -A",
    "describe sts -n payments",
    "describe statefulset auth-db -n auth",
    "describe nodes",
    "describe pvc -A",
    "describe persistentvolumeclaim data-auth-db-0 -n auth",
    "describe pod payment-api -n payments",
    "describe deploy web -n frontend",
    "describe po -n payments -l app=payment-api",
    "describe nodes gke",
    "describe no gke-sre-gym-default-pool-6f8e2a1c-9xv2",
    "describe all -n payments",
];

#[test]
fn describe_prints_what_the_real_kubectl_prints() {
    let checked = check_over_states(STRICT);
    assert_eq!(checked, STRICT.len() * 10);
}

#[test]
fn describe_with_events_matches_but_for_wall_clock_ages() {
    let checked = check_over_states_masked(MASKED, mask_ages);
    assert_eq!(checked, MASKED.len() * 10);
}

/// Replaces each age in Events tables and node pod tables with `?`, keeping `(xN over ?)`.
fn mask_ages(text: &str) -> String {
    let mask = |age: &str| -> String {
        match age.split_once(" (x") {
            Some((_, rest)) => {
                let count = rest.split(' ').next().unwrap_or("");
                format!("? (x{count} over ?)")
            }
            None => "?".to_string(),
        }
    };
    let mut out = String::new();
    let mut events: Option<(usize, usize)> = None;
    let mut pods = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("Type") && line.contains("Reason") && line.contains("Age") {
            events = Some((line.find("Age").unwrap(), line.find("From").unwrap()));
            out.push_str(&format!(
                "{}|{}\n",
                &line[..events.unwrap().0],
                "Age|From  Message"
            ));
            continue;
        }
        if trimmed.starts_with("Namespace") && line.ends_with("Age") {
            pods = true;
        } else if pods && !line.starts_with("  ") {
            pods = false;
        }
        match events {
            Some((age, from)) if line.starts_with("  ") && line.len() > from => {
                if trimmed.starts_with("----") {
                    out.push_str(&format!("{}|----|{}\n", &line[..age], &line[from..]));
                } else {
                    out.push_str(&format!(
                        "{}|{}|{}\n",
                        &line[..age],
                        mask(line[age..from].trim()),
                        &line[from..]
                    ));
                }
                continue;
            }
            Some(_) => events = None,
            None => {}
        }
        if pods && !trimmed.starts_with("Namespace") && !trimmed.starts_with("---") {
            let cut = line.trim_end().rfind(' ').unwrap_or(0);
            out.push_str(&format!("{} ?\n", &line[..cut].trim_end()));
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if !text.ends_with('\n') && out.ends_with('\n') {
        out.pop();
    }
    out
}

/// Objects the ten states lack: an autoscaler and network policies, created before describing.
#[test]
fn describe_autoscalers_and_network_policies() {
    use cluster::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
    use cluster::k8s_openapi::api::networking::v1::NetworkPolicy;
    use serde_json::json;

    let mut cluster = cluster::Cluster::baseline(1);
    cluster.advance(std::time::Duration::from_secs(60));
    let hpa: HorizontalPodAutoscaler = serde_json::from_value(json!({
        "metadata": {"name": "payment-api", "namespace": "payments", "labels": {"app": "payment-api"}},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "payment-api"},
            "minReplicas": 1,
            "maxReplicas": 5,
            "metrics": [
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "200Mi"}}}
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300, "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}
        }
    }))
    .unwrap();
    cluster.create(hpa).unwrap();
    let deny: NetworkPolicy = serde_json::from_value(json!({
        "metadata": {"name": "deny-all", "namespace": "payments"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    }))
    .unwrap();
    cluster.create(deny).unwrap();
    let allow: NetworkPolicy = serde_json::from_value(json!({
        "metadata": {"name": "allow-gateway", "namespace": "payments", "labels": {"team": "pay"}},
        "spec": {
            "podSelector": {"matchLabels": {"app": "payment-api"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {"from": [{"podSelector": {"matchLabels": {"app": "payment-gateway"}}},
                          {"namespaceSelector": {"matchLabels": {"team": "ops"}}, "podSelector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["b", "a"]}]}}],
                 "ports": [{"protocol": "TCP", "port": 8080}, {"port": 9000, "endPort": 9010}]},
                {}
            ],
            "egress": [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}], "ports": [{"port": "dns", "protocol": "UDP"}]}]
        }
    }))
    .unwrap();
    cluster.create(allow).unwrap();
    // Environment variables of every source, resolved against the pod.
    let env_demo: cluster::k8s_openapi::api::apps::v1::Deployment = serde_json::from_value(json!({
        "metadata": {"name": "env-demo", "namespace": "payments", "labels": {"app": "env-demo"}},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "env-demo"}},
            "template": {
                "metadata": {"labels": {"app": "env-demo"}, "annotations": {"team": "pay"}},
                "spec": {"containers": [{
                    "name": "web",
                    "image": "nginx:1.25",
                    "resources": {"limits": {"cpu": "250m", "memory": "100Mi"}},
                    "env": [
                        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                        {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                        {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                        {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
                        {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
                        {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
                        {"name": "REQ", "valueFrom": {"resourceFieldRef": {"resource": "requests.memory"}}},
                        {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "payment-db-credentials", "key": "POSTGRES_PASSWORD"}}},
                        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "mode", "optional": true}}},
                        {"name": "MULTI", "value": "one\ntwo"}
                    ]
                }]}
            }
        }
    }))
    .unwrap();
    cluster.create(env_demo).unwrap();
    cluster.advance(std::time::Duration::from_secs(30));
    let mut local = cluster.clone();
    let out = kubectl::exec::run(&mut local, "describe hpa,netpol -n payments");
    assert!(out.stdout.contains("Min replicas:"), "{}", out.stdout);
    assert!(out.stdout.contains("PodSelector:"), "{}", out.stdout);
    common::fidelity::check_in_sequence(
        cluster,
        &[
            "describe hpa -n payments",
            "describe hpa -n payments --show-events=false",
            "describe horizontalpodautoscaler payment-api -n payments --show-events=false",
            "describe netpol -n payments",
            "describe networkpolicy deny-all -n payments",
            "describe netpol allow -n payments",
            "describe pods -n payments -l app=env-demo --show-events=false",
            "describe deploy env-demo -n payments --show-events=false",
        ],
    );
}

/// Objects with more than twelve events (a ReplicaSet scaled up and down, many events in the
/// same second), which kubectl orders with Go's unstable sort.
#[test]
fn describe_objects_with_many_events() {
    use cluster::k8s_openapi::api::apps::v1::ReplicaSet;

    let mut cluster = cluster::Cluster::baseline(1);
    cluster.advance(std::time::Duration::from_secs(60));
    for (replicas, wait) in [(8, 0), (1, 0), (9, 5), (2, 0), (7, 30), (2, 1)] {
        let out = kubectl::exec::run(
            &mut cluster,
            &format!("scale deploy payment-gateway -n payments --replicas={replicas}"),
        );
        assert_eq!(out.exit_code, 0, "{}", out.stderr);
        cluster.advance(std::time::Duration::from_secs(wait));
    }
    let most = cluster
        .list::<ReplicaSet>()
        .map(|r| {
            cluster::events_for(
                &cluster,
                r.metadata.namespace.as_deref().unwrap_or(""),
                r.metadata.uid.as_deref().unwrap_or(""),
            )
            .count()
        })
        .max()
        .unwrap_or(0);
    assert!(most > 12, "the longest event list has {most} events");
    let server = Server::start(cluster.clone(), 33, ClockMode::Frozen);
    let mut local = cluster;
    let differences: Vec<String> = [
        "describe rs -n payments -l app=payment-gateway",
        "describe deploy payment-gateway -n payments",
    ]
    .iter()
    .filter_map(|command| compare_masked(&server, &mut local, command, mask_ages))
    .collect();
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
