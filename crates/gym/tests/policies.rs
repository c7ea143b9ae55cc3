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

fn world_for(mechanisms: &[Mechanism]) -> Cluster {
    if mechanisms
        .iter()
        .any(|m| m.info().default_target.starts_with("storefront/"))
    {
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
        incidents.iter().all(|i| i.grade(c).resolved)
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

fn scripted_resolves(mechanisms: &[Mechanism]) -> Transcript {
    let (c, incidents) = incident(mechanisms);
    let (t, after) = play(
        c,
        &incidents,
        &mut ScriptedSre::new(),
        &RunLimits::default(),
    );
    let names: Vec<_> = mechanisms.iter().map(|m| m.name()).collect();
    assert!(
        t.resolved_at.is_some(),
        "{names:?} not resolved; grades: {:#?}\n{}",
        incidents
            .iter()
            .map(|i| i.grade(&after))
            .collect::<Vec<_>>(),
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
