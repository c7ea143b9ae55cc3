//! Policies acting through kubectl only: the scripted SRE resolves every mechanism's default
//! incident, alone and combined, and leaves noise alone; reward hacks never resolve; the random
//! policy rarely does; every policy is deterministic.

use std::sync::OnceLock;

use cluster::Cluster;
use gym::catalogue::{Incident, Mechanism};
use gym::policy::{Hack, HackPolicy, Policy, RandomPolicy, RunLimits, ScriptedSre, Transcript};

fn baseline() -> Cluster {
    static BASE: OnceLock<Cluster> = OnceLock::new();
    BASE.get_or_init(|| Cluster::baseline(11)).clone()
}

fn storefront() -> Cluster {
    static BASE: OnceLock<Cluster> = OnceLock::new();
    BASE.get_or_init(|| gym::topology::shop_with_storefront(11).expect("the storefront applies"))
        .clone()
}

fn needs_storefront(mechanisms: &[Mechanism]) -> bool {
    mechanisms
        .iter()
        .any(|m| m.info().default_target.starts_with("storefront/"))
}

fn world_for(mechanisms: &[Mechanism]) -> Cluster {
    if needs_storefront(mechanisms) {
        storefront()
    } else {
        baseline()
    }
}

/// Injects the mechanisms' default faults one after another into one cluster.
fn incident(mechanisms: &[Mechanism]) -> (Cluster, Vec<Incident>) {
    let mut c = world_for(mechanisms);
    let incidents = mechanisms
        .iter()
        .map(|m| {
            m.default_fault()
                .inject(&mut c)
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    (c, incidents)
}

/// Every incident resolved, graded together against the world before the first fault.
fn resolved_together(incidents: &[Incident], c: &Cluster) -> bool {
    gym::grading::resolved_together(incidents, c)
}

fn play(
    mut c: Cluster,
    incidents: &[Incident],
    policy: &mut dyn Policy,
    limits: &RunLimits,
) -> (Transcript, Cluster) {
    let alert = incidents
        .iter()
        .map(|i| i.alert.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let t = gym::policy::run(&mut c, &alert, policy, limits, |c| {
        resolved_together(incidents, c)
    });
    if let Ok(dir) = std::env::var("POLICY_TRANSCRIPTS") {
        let name = incidents
            .iter()
            .map(|i| i.fault.mechanism.name())
            .collect::<Vec<_>>()
            .join("+");
        let _ = std::fs::write(format!("{dir}/{}-{name}.txt", policy.name()), t.render());
    }
    (t, c)
}

/// The tightest step budget an episode is given.
const TIGHT: RunLimits = RunLimits {
    max_steps: 16,
    step_time: std::time::Duration::from_secs(10),
};

fn scripted_resolves(mechanisms: &[Mechanism]) -> Transcript {
    let (c, incidents) = incident(mechanisms);
    let (t, after) = play(c, &incidents, &mut ScriptedSre::new(), &TIGHT);
    let names: Vec<_> = mechanisms.iter().map(|m| m.name()).collect();
    assert!(
        t.resolved_at.is_some(),
        "{names:?} not resolved; grade: {:#?}\n{}",
        gym::grading::grade_together(&incidents, &after),
        t.render()
    );
    println!(
        "RESULT {} resolved in {} steps",
        names.join("+"),
        t.resolved_at.unwrap_or(0)
    );
    t
}

macro_rules! scripted {
    ($($test:ident: $m:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                scripted_resolves(&[Mechanism::$m]);
            }
        )*
    };
}

scripted! {
    scripted_oom_limit: OomLimit,
    scripted_failing_command: FailingCommand,
    scripted_missing_image_tag: MissingImageTag,
    scripted_registry_refuses_pull: RegistryRefusesPull,
    scripted_wrong_database_host: WrongDatabaseHost,
    scripted_required_env_removed: RequiredEnvRemoved,
    scripted_missing_configmap: MissingConfigMap,
    scripted_wrong_configmap_value: WrongConfigMapValue,
    scripted_missing_secret_key: MissingSecretKey,
    scripted_rotated_db_credentials: RotatedDbCredentials,
    scripted_liveness_wrong_path: LivenessWrongPath,
    scripted_liveness_wrong_port: LivenessWrongPort,
    scripted_readiness_wrong_port: ReadinessWrongPort,
    scripted_aggressive_liveness: AggressiveLiveness,
    scripted_scaled_to_zero: ScaledToZero,
    scripted_unsatisfiable_node_selector: UnsatisfiableNodeSelector,
    scripted_oversized_requests: OversizedRequests,
    scripted_cordoned_and_drained: CordonedAndDrained,
    scripted_untolerated_taint: UntoleratedTaint,
    scripted_exhausted_quota: ExhaustedQuota,
    scripted_selector_matches_nothing: SelectorMatchesNothing,
    scripted_wrong_target_port: WrongTargetPort,
    scripted_network_policy_cuts_dependency: NetworkPolicyCutsDependency,
    scripted_missing_storage_class: MissingStorageClass,
    scripted_bad_rollout: BadRollout,
    scripted_dependency_scaled_down: DependencyScaledDown,
}

#[test]
fn every_mechanism_has_a_scripted_test() {
    let source = include_str!("policies.rs");
    for info in gym::CATALOGUE {
        let test = format!("scripted_{}:", info.name.replace('-', "_"));
        assert!(source.contains(&test), "no {test} test");
    }
}

/// Faults in different namespaces at once; scheduling faults that hold every node go last so
/// that the faults before them can still show.
#[test]
fn scripted_resolves_combined_faults() {
    use Mechanism::*;
    let combos: &[&[Mechanism]] = &[
        &[OomLimit, FailingCommand, MissingImageTag],
        &[
            DependencyScaledDown,
            LivenessWrongPath,
            UnsatisfiableNodeSelector,
        ],
        &[WrongTargetPort, RegistryRefusesPull, MissingConfigMap],
        &[RotatedDbCredentials, BadRollout, FailingCommand],
        &[
            NetworkPolicyCutsDependency,
            WrongConfigMapValue,
            MissingImageTag,
        ],
        &[ExhaustedQuota, FailingCommand, UntoleratedTaint],
        &[SelectorMatchesNothing, MissingConfigMap, CordonedAndDrained],
        &[MissingStorageClass, LivenessWrongPath],
        &[AggressiveLiveness, OversizedRequests],
        &[ScaledToZero, BadRollout],
    ];
    for combo in combos {
        scripted_resolves(combo);
    }
}

/// With the scale-down events gone (expired), the replica count comes from elsewhere: the
/// Service still selecting the workload says zero is not intended.
#[test]
fn scripted_restores_a_scaled_down_workload_without_its_events() {
    use cluster::k8s_openapi::api::core::v1::Event;
    for m in [Mechanism::ScaledToZero, Mechanism::DependencyScaledDown] {
        let (mut c, incidents) = incident(&[m]);
        let events: Vec<String> = c
            .list_in::<Event>("payments")
            .filter_map(|e| e.metadata.name.clone())
            .collect();
        for e in events {
            c.delete::<Event>("payments", &e, cluster::DeleteOptions::default())
                .unwrap();
        }
        let (t, _) = play(c, &incidents, &mut ScriptedSre::new(), &TIGHT);
        assert!(t.resolved_at.is_some(), "{m}:\n{}", t.render());
    }
}

const NOISE: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache-warmer, namespace: default, labels: {app: cache-warmer}}
spec:
  replicas: 1
  selector: {matchLabels: {app: cache-warmer}}
  template:
    metadata: {labels: {app: cache-warmer}}
    spec:
      containers:
        - name: cache-warmer
          image: busybox:1.36
          command: ["sh", "-c", "while true; do echo 'WARN cache hit ratio below 80%'; sleep 5; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: db-migrate-7kq2p, namespace: default, labels: {job-name: db-migrate}}
spec:
  restartPolicy: Never
  containers:
    - name: migrate
      image: busybox:1.36
      command: ["sh", "-c", "echo migrated; exit 0"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ml-inference
  namespace: default
  labels: {app: ml-inference}
  annotations: {kube-sre-gym.io/expected: "Pending until the GPU pool scales up"}
spec:
  replicas: 1
  selector: {matchLabels: {app: ml-inference}}
  template:
    metadata: {labels: {app: ml-inference}}
    spec:
      nodeSelector: {cloud.google.com/gke-accelerator: nvidia-tesla-t4}
      containers:
        - name: ml-inference
          image: nginx:1.25
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: legacy-api, namespace: default, labels: {app: legacy-api}}
spec:
  replicas: 1
  selector: {matchLabels: {app: legacy-api}}
  template:
    metadata: {labels: {app: legacy-api}}
    spec:
      containers:
        - name: legacy-api
          image: nginx:1.25
"#;

const NOISE_NAMES: [&str; 4] = ["cache-warmer", "db-migrate", "ml-inference", "legacy-api"];

/// The baseline with the incident generator's kinds of noise beside it: a workload logging
/// warnings, a Completed job pod, a Deployment Pending by design, and a Ready pod with one old
/// restart.
fn noisy_world(mut c: Cluster) -> Cluster {
    use cluster::k8s_openapi::api::core::v1::Pod;
    c.apply_yaml("noise.yaml", NOISE)
        .expect("the noise applies");
    c.run_until(std::time::Duration::from_secs(120), |c| {
        c.list_in::<Pod>("default")
            .any(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Succeeded"))
    });
    c.advance(std::time::Duration::from_secs(30));
    // One old restart on legacy-api's pod, as after a node hiccup long ago.
    let pod = c
        .list_in::<Pod>("default")
        .find(|p| {
            p.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with("legacy-api-"))
        })
        .map(|p| (**p).clone())
        .expect("legacy-api has a pod");
    let mut pod = pod;
    if let Some(cs) = pod
        .status
        .as_mut()
        .and_then(|s| s.container_statuses.as_mut())
        .and_then(|c| c.first_mut())
    {
        cs.restart_count = 1;
    }
    let _ = c.update_status(pod);
    c.settle();
    c
}

#[test]
fn scripted_leaves_noise_alone() {
    use cluster::k8s_openapi::api::apps::v1::Deployment;
    use cluster::k8s_openapi::api::core::v1::Pod;
    let snapshot = |c: &Cluster| -> Vec<String> {
        let mut out: Vec<String> = c
            .list_in::<Deployment>("default")
            .map(|d| {
                format!(
                    "{} gen={:?} replicas={:?}",
                    d.metadata.name.as_deref().unwrap_or(""),
                    d.metadata.generation,
                    d.spec.as_ref().and_then(|s| s.replicas)
                )
            })
            .collect();
        out.extend(
            c.list_in::<Pod>("default")
                .filter_map(|p| p.metadata.name.clone()),
        );
        out.sort();
        out
    };
    let shop = noisy_world(baseline());
    let shown = kubectl::exec::run(&mut shop.clone(), "kubectl get pods -n default").stdout;
    assert!(shown.contains("Completed"), "{shown}");
    assert!(shown.contains("Pending"), "{shown}");
    let legacy = shown
        .lines()
        .find(|l| l.starts_with("legacy-api-"))
        .unwrap_or_default();
    assert_eq!(legacy.split_whitespace().nth(3), Some("1"), "{shown}");
    let with_storefront = noisy_world(storefront());
    let mut cases: Vec<Vec<Mechanism>> = all_mechanisms().into_iter().map(|m| vec![m]).collect();
    cases.push(vec![Mechanism::OomLimit, Mechanism::MissingImageTag]);
    cases.push(vec![Mechanism::ScaledToZero, Mechanism::LivenessWrongPath]);
    for mechanisms in cases {
        let base = if needs_storefront(&mechanisms) {
            &with_storefront
        } else {
            &shop
        };
        let before = snapshot(base);
        let mut c = base.clone();
        let incidents: Vec<Incident> = mechanisms
            .iter()
            .map(|m| m.default_fault().inject(&mut c).unwrap())
            .collect();
        let (t, after) = play(c, &incidents, &mut ScriptedSre::new(), &TIGHT);
        assert!(t.resolved_at.is_some(), "{mechanisms:?}\n{}", t.render());
        for turn in &t.turns {
            for noise in NOISE_NAMES {
                assert!(
                    !turn.command.contains(noise),
                    "{mechanisms:?}: touched noise {noise}: {}",
                    turn.command
                );
            }
        }
        assert_eq!(snapshot(&after), before, "{mechanisms:?}\n{}", t.render());
    }
}

fn all_mechanisms() -> Vec<Mechanism> {
    gym::CATALOGUE.iter().map(|i| i.mechanism).collect()
}

#[test]
fn hacks_never_resolve() {
    for m in all_mechanisms() {
        let (c, incidents) = incident(&[m]);
        for hack in Hack::ALL {
            let mut policy = HackPolicy::new(hack);
            let (t, _) = play(c.clone(), &incidents, &mut policy, &RunLimits::default());
            assert!(
                t.resolved_at.is_none(),
                "{m}: hack {} resolved:\n{}",
                hack.name(),
                t.render()
            );
            if hack != Hack::Nothing {
                assert!(
                    t.turns.iter().any(|t| !t.command.contains(" get ")),
                    "{m}: hack {} found nothing to act on:\n{}",
                    hack.name(),
                    t.render()
                );
            }
        }
    }
}

#[test]
fn random_policy_rarely_resolves() {
    let mechanisms = all_mechanisms();
    let mut resolved = Vec::new();
    for seed in 0..50u64 {
        let m = mechanisms[seed as usize % mechanisms.len()];
        let (c, incidents) = incident(&[m]);
        let (t, _) = play(
            c,
            &incidents,
            &mut RandomPolicy::new(seed),
            &RunLimits::default(),
        );
        if t.resolved_at.is_some() {
            resolved.push(format!("seed {seed} {m}"));
        }
    }
    println!(
        "random policy resolved {} of 50: {resolved:?}",
        resolved.len()
    );
    assert!(resolved.len() <= 5, "{resolved:?}");
}

#[test]
fn policies_are_deterministic() {
    let run = |policy: &mut dyn Policy, m: &[Mechanism]| {
        let (c, incidents) = incident(m);
        play(c, &incidents, policy, &RunLimits::default())
            .0
            .render()
    };
    let combo = [Mechanism::OomLimit, Mechanism::FailingCommand];
    assert_eq!(
        run(&mut ScriptedSre::new(), &combo),
        run(&mut ScriptedSre::new(), &combo)
    );
    for seed in [1, 2, 3] {
        let a = run(&mut RandomPolicy::new(seed), &combo);
        assert_eq!(a, run(&mut RandomPolicy::new(seed), &combo));
        assert!(a.lines().filter(|l| l.starts_with("$ ")).count() > 1);
    }
    assert_ne!(
        run(&mut RandomPolicy::new(1), &combo),
        run(&mut RandomPolicy::new(2), &combo)
    );
    for hack in Hack::ALL {
        assert_eq!(
            run(&mut HackPolicy::new(hack), &combo),
            run(&mut HackPolicy::new(hack), &combo)
        );
    }
}

/// The storefront world with a generator-shaped namespace beside it, under names the shop does
/// not use.
fn inventory() -> Cluster {
    let mut c = storefront();
    c.apply_yaml("inventory.yaml", include_str!("data/inventory.yaml"))
        .expect("the inventory applies");
    c.run_until(
        std::time::Duration::from_secs(600),
        Cluster::workloads_ready,
    );
    assert!(c.workloads_ready());
    c
}

/// Every mechanism on every workload of the storefront and inventory worlds where it injects:
/// how far the scripted policy carries beyond the default targets.
#[test]
fn scripted_on_every_target() {
    use cluster::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
    let base = inventory();
    let mut targets: Vec<String> = base
        .list::<Deployment>()
        .map(|d| d.metadata.clone())
        .chain(base.list::<StatefulSet>().map(|s| s.metadata.clone()))
        .filter(|m| m.namespace.as_deref() != Some("kube-system"))
        .map(|m| {
            format!(
                "{}/{}",
                m.namespace.unwrap_or_default(),
                m.name.unwrap_or_default()
            )
        })
        .collect();
    targets.sort();
    let (mut injected, mut resolved, mut steps) = (0, 0, 0);
    let mut unresolved = Vec::new();
    for info in gym::CATALOGUE {
        for target in &targets {
            let spec = format!("{}:{target}", info.name);
            let fault: gym::CatalogueFault = spec.parse().unwrap();
            let mut c = base.clone();
            let Ok(incident) = fault.inject(&mut c) else {
                continue;
            };
            injected += 1;
            let (t, _) = play(c, &[incident], &mut ScriptedSre::new(), &TIGHT);
            match t.resolved_at {
                Some(n) => {
                    resolved += 1;
                    steps += n;
                }
                None => {
                    println!("UNRESOLVED {spec}");
                    unresolved.push(spec);
                }
            }
        }
    }
    println!(
        "scripted resolved {resolved} of {injected} injectable faults, {:.1} steps on average",
        steps as f64 / resolved.max(1) as f64
    );
    assert!(injected > 200, "only {injected} faults injected");
    assert_eq!(unresolved, Vec::<String>::new());
}

/// Three faults at once away from the default targets, one of them in the generator-shaped
/// namespace.
#[test]
fn scripted_resolves_combined_faults_on_other_targets() {
    let combos: &[&[&str]] = &[
        &[
            "dependency-scaled-down:inventory/stock-sync",
            "wrong-target-port:storefront/catalog",
            "oom-limit:payments/payment-gateway",
        ],
        &[
            "selector-matches-nothing:inventory/pricing",
            "aggressive-liveness:auth/auth-db",
            "missing-image-tag:storefront/orders",
        ],
        &[
            "rotated-db-credentials:inventory/ledger",
            "failing-command:frontend/frontend-cache",
            "scaled-to-zero:storefront/catalog",
        ],
        &[
            "network-policy-cuts-dependency:inventory/stock-sync",
            "wrong-configmap-value:storefront/checkout",
            "cordoned-and-drained:auth/auth-service",
        ],
    ];
    for combo in combos {
        let mut c = inventory();
        let incidents: Vec<Incident> = combo
            .iter()
            .map(|spec| {
                spec.parse::<gym::CatalogueFault>()
                    .unwrap()
                    .inject(&mut c)
                    .unwrap_or_else(|e| panic!("{e}"))
            })
            .collect();
        let (t, after) = play(c, &incidents, &mut ScriptedSre::new(), &TIGHT);
        assert!(
            t.resolved_at.is_some(),
            "{combo:?} not resolved; grade: {:#?}\n{}",
            gym::grading::grade_together(&incidents, &after),
            t.render()
        );
        println!(
            "RESULT {} resolved in {} steps",
            combo.join("+"),
            t.resolved_at.unwrap_or(0)
        );
    }
}

/// Other cluster seeds (pod names, IPs, timings) change nothing for the scripted policy.
#[test]
fn scripted_resolves_default_incidents_across_seeds() {
    for seed in [1, 2, 3] {
        let shop = Cluster::baseline(seed);
        let with_storefront =
            gym::topology::shop_with_storefront(seed).expect("the storefront applies");
        for m in all_mechanisms() {
            let mut c = if needs_storefront(&[m]) {
                with_storefront.clone()
            } else {
                shop.clone()
            };
            let incident = m.default_fault().inject(&mut c).unwrap();
            let (t, _) = play(c, &[incident], &mut ScriptedSre::new(), &TIGHT);
            assert!(t.resolved_at.is_some(), "seed {seed} {m}:\n{}", t.render());
        }
    }
}
