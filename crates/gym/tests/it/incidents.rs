//! Incidents as a whole: injection refuses faults whose symptom never shows, is deterministic,
//! and carries ground truth and an alert that names the workload the pager would.

use cluster::Cluster;
use gym::catalogue::{CatalogueError, Entity, Mechanism};
use gym::{CATALOGUE, CatalogueFault};

/// The original's silent `bad_config`: a DATABASE_URL nothing reads breaks nothing, so the
/// incident is refused instead of starting an episode with no fault.
#[test]
fn a_fault_whose_symptom_never_shows_is_refused_by_name() {
    let mut c = Cluster::baseline(31);
    c.apply_yaml(
        "legacy.yaml",
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy-api, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: legacy-api}}
  template:
    metadata: {labels: {app: legacy-api}}
    spec:
      containers:
        - name: legacy-api
          image: nginx:1.25
          env: [{name: DATABASE_URL, value: "postgres://u:p@payment-db.payments.svc.cluster.local:5432/db"}]
"#,
    )
    .unwrap();
    c.run_until(
        std::time::Duration::from_secs(300),
        Cluster::workloads_ready,
    );
    let err = "wrong-database-host:default/legacy-api"
        .parse::<CatalogueFault>()
        .unwrap()
        .inject(&mut c)
        .unwrap_err();
    assert!(matches!(err, CatalogueError::Unobservable { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("wrong-database-host:default/legacy-api") && text.contains("never showed"),
        "{text}"
    );
}

#[test]
fn injection_is_deterministic() {
    for info in CATALOGUE
        .iter()
        .filter(|i| !i.default_target.starts_with("storefront/"))
    {
        let run = || {
            let mut c = Cluster::baseline(32);
            info.mechanism.default_fault().inject(&mut c).unwrap();
            c.snapshot()
        };
        assert!(run() == run(), "{} is not deterministic", info.name);
    }
}

#[test]
fn ground_truth_names_the_cause_and_the_alert_names_the_victim() {
    let mut c = Cluster::baseline(33);
    let incident = Mechanism::DependencyScaledDown
        .default_fault()
        .inject(&mut c)
        .unwrap();
    assert_eq!(incident.alert, "payment-worker cannot reach its database");
    assert_eq!(
        incident.ground_truth.root_causes,
        vec![Entity {
            kind: "StatefulSet".into(),
            namespace: "payments".into(),
            name: "payment-db".into()
        }]
    );
    assert!(!incident.alert.contains("payment-db"));

    let mut c = Cluster::baseline(33);
    let incident = Mechanism::ExhaustedQuota
        .default_fault()
        .inject(&mut c)
        .unwrap();
    assert_eq!(incident.ground_truth.root_causes[0].kind, "ResourceQuota");
    assert_eq!(
        incident.alert,
        "payment-gateway running below its desired replicas"
    );
}

#[test]
fn every_mechanism_has_a_class_difficulty_and_summary() {
    assert!(CATALOGUE.len() >= 26);
    for info in CATALOGUE {
        assert!(!info.summary.is_empty());
        assert!(info.default_target.contains('/'));
    }
    let tiers: std::collections::BTreeSet<_> = CATALOGUE.iter().map(|i| i.difficulty).collect();
    assert_eq!(tiers.len(), 5, "every tier has mechanisms");
}
