//! Incident costs: injecting a fault into a pre-built baseline and running the simulator until
//! its symptom shows, grading (which forks and runs minutes ahead), and building worlds. The
//! same injections run in a bigger world too, so that costs growing with the cluster's size show.

use std::hint::black_box;
use std::time::Duration;

use cluster::Cluster;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gym::catalogue::Mechanism;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Extra microservices beside the baseline shop in the bigger world.
const EXTRA_SERVICES: usize = 20;

/// `count` 2-replica microservice Deployments with probes and a Service each, every one
/// calling the previous one, in namespace `fleet`.
fn fleet_manifest(count: usize) -> String {
    let mut yaml = String::from("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: fleet\n");
    for i in 0..count {
        let depends_on = if i == 0 {
            String::new()
        } else {
            format!(
                "            - name: DEPENDS_ON\n              value: svc-{:02}.fleet.svc.cluster.local:80\n",
                i - 1
            )
        };
        yaml += &format!(
            r#"---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-{i:02}
  namespace: fleet
  labels:
    app: svc-{i:02}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: svc-{i:02}
  template:
    metadata:
      labels:
        app: svc-{i:02}
    spec:
      containers:
        - name: app
          image: ghcr.io/kube-sre-gym/microservice:1.1
          env:
            - name: PORT
              value: "8080"
{depends_on}          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          resources:
            requests:
              cpu: 20m
              memory: 32Mi
            limits:
              cpu: 200m
              memory: 128Mi
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
            initialDelaySeconds: 5
            periodSeconds: 10
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
            initialDelaySeconds: 2
            periodSeconds: 5
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{i:02}
  namespace: fleet
spec:
  selector:
    app: svc-{i:02}
  ports:
    - name: http
      port: 80
      protocol: TCP
      targetPort: 8080
"#
        );
    }
    yaml
}

/// The baseline with [`EXTRA_SERVICES`] more microservices, settled.
fn bigger_world(seed: u64) -> Cluster {
    let mut c = Cluster::baseline(seed);
    c.apply_yaml("fleet.yaml", &fleet_manifest(EXTRA_SERVICES))
        .expect("the fleet manifest applies");
    assert!(
        c.run_until(Duration::from_secs(600), Cluster::workloads_ready),
        "the bigger world settles"
    );
    c
}

const MECHANISMS: [Mechanism; 5] = [
    Mechanism::OomLimit,
    Mechanism::MissingImageTag,
    Mechanism::ScaledToZero,
    Mechanism::ExhaustedQuota,
    Mechanism::DependencyScaledDown,
];

fn inject_all(c: &mut Criterion, world: &Cluster, suffix: &str) {
    for m in MECHANISMS {
        let fault = m.default_fault();
        c.bench_function(&format!("inject and observe {m}{suffix}"), |b| {
            b.iter_batched(
                || world.clone(),
                |mut cluster| black_box(fault.inject(&mut cluster).expect("observable")),
                BatchSize::SmallInput,
            )
        });
    }
}

fn benches(c: &mut Criterion) {
    let base = Cluster::baseline(7);
    inject_all(c, &base, "");
    let bigger = bigger_world(7);
    inject_all(
        c,
        &bigger,
        &format!(" (baseline + {EXTRA_SERVICES} services)"),
    );
    let mut broken = base.clone();
    let incident = Mechanism::OomLimit
        .default_fault()
        .inject(&mut broken)
        .expect("observable");
    broken.advance(Duration::from_secs(60));
    c.bench_function("grade an unresolved incident (fork + 7 min)", |b| {
        b.iter(|| black_box(incident.grade(&broken)))
    });
    for name in ["storefront", "gen-3-5", "gen-3-30"] {
        let topology: gym::topology::Topology = name.parse().expect("a valid name");
        c.bench_function(&format!("build topology {name}"), |b| {
            b.iter(|| black_box(topology.build(7).expect("comes up ready")))
        });
    }
    let large = "gen-3-30"
        .parse::<gym::topology::Topology>()
        .expect("a valid name")
        .build(7)
        .expect("comes up ready");
    c.bench_function("fault targets of every mechanism in gen-3-30", |b| {
        b.iter(|| {
            for info in gym::CATALOGUE {
                black_box(gym::topology::fault_targets_in(&large, info.mechanism));
            }
        })
    });
}

criterion_group!(incidents, benches);
criterion_main!(incidents);
