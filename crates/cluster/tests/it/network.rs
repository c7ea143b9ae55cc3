//! Connections between pods: NetworkPolicies admit or drop them, and a Service whose target
//! port nobody listens on refuses them, so callers fail the way they would on a real cluster.

use crate::common;

use std::time::Duration;

use cluster::k8s_openapi::api::core::v1::{Pod, Service};
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use cluster::{Cluster, DeleteOptions};
use common::*;

const MIN: Duration = Duration::from_secs(60);

fn policy(from_app: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "payment-db-ingress", "namespace": "payments"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "payment-db"}},
            "policyTypes": ["Ingress"],
            "ingress": [{
                "from": [{"podSelector": {"matchLabels": {"app": from_app}}}],
                "ports": [{"protocol": "TCP", "port": 5432}],
            }],
        },
    })
}

/// Restarts the worker's pod so that it connects again, and returns the new pod's name.
fn restart_worker(c: &mut Cluster) -> String {
    let old = pods(c, "payments", "payment-worker")[0]
        .metadata
        .name
        .clone()
        .unwrap();
    c.delete::<Pod>("payments", &old, DeleteOptions::default())
        .unwrap();
    c.advance(Duration::from_secs(5));
    pods(c, "payments", "payment-worker")
        .iter()
        .find(|p| p.metadata.name.as_deref() != Some(&old))
        .and_then(|p| p.metadata.name.clone())
        .unwrap()
}

fn previous_logs(c: &Cluster, pod: &str) -> String {
    cluster::logs::read(
        c,
        "payments",
        pod,
        &cluster::logs::LogOptions {
            previous: true,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn a_network_policy_that_leaves_the_caller_out_times_its_connections_out() {
    let mut c = Cluster::baseline(21);
    c.apply_value(policy("payment-api")).unwrap();
    let worker = restart_worker(&mut c);
    c.advance(2 * MIN);
    let p = c.get::<Pod>("payments", &worker).unwrap();
    let st = status(&p);
    assert!(st.restart_count >= 1, "{st:?}");
    let logs = previous_logs(&c, &worker);
    assert!(logs.contains("nc: timeout"), "{logs}");
    assert!(logs.contains("unreachable after 15 attempts"), "{logs}");

    // Without the policy the next restart connects and stays up.
    c.delete::<cluster::k8s_openapi::api::networking::v1::NetworkPolicy>(
        "payments",
        "payment-db-ingress",
        DeleteOptions::default(),
    )
    .unwrap();
    c.advance(6 * MIN);
    let p = c.get::<Pod>("payments", &worker).unwrap();
    let restarts = status(&p).restart_count;
    assert!(status(&p).state.unwrap().running.is_some());
    c.advance(5 * MIN);
    let p = c.get::<Pod>("payments", &worker).unwrap();
    assert_eq!(status(&p).restart_count, restarts, "it stays connected");
}

#[test]
fn a_network_policy_that_admits_the_caller_lets_it_connect() {
    let mut c = Cluster::baseline(22);
    c.apply_value(policy("payment-worker")).unwrap();
    let worker = restart_worker(&mut c);
    c.advance(2 * MIN);
    let p = c.get::<Pod>("payments", &worker).unwrap();
    assert_eq!(status(&p).restart_count, 0);
    let logs = cluster::logs::read(&c, "payments", &worker, &Default::default()).unwrap();
    assert!(logs.contains("connected to payment-db"), "{logs}");
}

const MICROSERVICES: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: catalog, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: catalog}}
  template:
    metadata: {labels: {app: catalog}}
    spec:
      containers:
        - name: catalog
          image: ghcr.io/kube-sre-gym/microservice:1.1
          env: [{name: PORT, value: "8080"}]
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 5}
---
apiVersion: v1
kind: Service
metadata: {name: catalog, namespace: default}
spec:
  selector: {app: catalog}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec:
      containers:
        - name: checkout
          image: ghcr.io/kube-sre-gym/microservice:1.1
          env:
            - {name: PORT, value: "8080"}
            - {name: DEPENDS_ON, value: "catalog:80"}
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 5}
"#;

#[test]
fn a_service_target_port_nobody_listens_on_fails_its_callers_readiness() {
    let mut c = Cluster::baseline(23);
    c.apply_yaml("microservices.yaml", MICROSERVICES).unwrap();
    c.run_until(10 * MIN, Cluster::workloads_ready);
    assert!(c.workloads_ready());
    let set_target = |c: &mut Cluster, port: i32| {
        c.modify::<Service>("default", "catalog", |s| {
            s.spec.as_mut().unwrap().ports.as_mut().unwrap()[0].target_port =
                Some(IntOrString::Int(port));
        })
        .unwrap();
    };
    set_target(&mut c, 8081);
    c.advance(MIN);
    let checkout = &pods(&c, "default", "checkout")[0];
    assert!(!is_ready(checkout), "checkout's upstream refuses it");
    let name = checkout.metadata.name.clone().unwrap();
    assert!(has_event(
        &c,
        "default",
        &name,
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503"
    ));
    // catalog itself stays ready: its own probe goes to the pod, not through the Service.
    assert!(is_ready(&pods(&c, "default", "catalog")[0]));
    set_target(&mut c, 8080);
    c.advance(MIN);
    assert!(is_ready(&pods(&c, "default", "checkout")[0]));
}

const ORDERS: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: orders-db, namespace: payments}
stringData: {password: payments_pass}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders, namespace: payments}
spec:
  replicas: 1
  selector: {matchLabels: {app: orders}}
  template:
    metadata: {labels: {app: orders}}
    spec:
      containers:
        - name: orders
          image: ghcr.io/kube-sre-gym/microservice:1.1
          env:
            - {name: PORT, value: "8080"}
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: orders-db, key: password}}
            - {name: DATABASE_URL, value: "postgres://payments_user:$(DB_PASSWORD)@payment-db:5432/payments"}
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 5}
"#;

#[test]
fn a_client_with_a_stale_database_password_is_refused_and_logs_it() {
    let mut c = Cluster::baseline(24);
    c.apply_yaml("orders.yaml", ORDERS).unwrap();
    c.run_until(10 * MIN, Cluster::workloads_ready);
    assert!(is_ready(&pods(&c, "payments", "orders")[0]));
    // Rotate the server's password and restart it; the client keeps the old one.
    c.modify::<cluster::k8s_openapi::api::core::v1::Secret>(
        "payments",
        "payment-db-credentials",
        |s| {
            s.data.as_mut().unwrap().insert(
                "POSTGRES_PASSWORD".into(),
                cluster::k8s_openapi::ByteString(b"rotated".to_vec()),
            );
        },
    )
    .unwrap();
    c.delete::<Pod>("payments", "payment-db-0", DeleteOptions::default())
        .unwrap();
    c.advance(2 * MIN);
    let orders = &pods(&c, "payments", "orders")[0];
    assert!(!is_ready(orders));
    let name = orders.metadata.name.clone().unwrap();
    let logs = cluster::logs::read(&c, "payments", &name, &Default::default()).unwrap();
    assert!(
        logs.contains(r#"FATAL:  password authentication failed for user \"payments_user\""#),
        "{logs}"
    );
    // The client restarted with the new password in its Secret logs in again.
    c.modify::<cluster::k8s_openapi::api::core::v1::Secret>("payments", "orders-db", |s| {
        s.data.as_mut().unwrap().insert(
            "password".into(),
            cluster::k8s_openapi::ByteString(b"rotated".to_vec()),
        );
    })
    .unwrap();
    c.delete::<Pod>("payments", &name, DeleteOptions::default())
        .unwrap();
    c.advance(MIN);
    assert!(
        pods(&c, "payments", "orders")
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .all(|p| is_ready(p))
    );
}
