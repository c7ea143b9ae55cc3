//! Generated incidents: every id builds into an observable incident, the same id gives the same
//! bytes, alerts never carry ground truth, and the generator reaches well over 10,000 distinct
//! incidents.

use std::collections::BTreeSet;

use gym::scenario::TIERS;
use gym::{Split, Worlds};

#[test]
fn sampled_ids_of_every_tier_build_into_unresolved_incidents() {
    let worlds = Worlds::new();
    for tier in TIERS {
        for n in 0..6 {
            let spec = Split::Test.id(tier, n).spec();
            let (cluster, scenario) = spec
                .instantiate(&worlds)
                .unwrap_or_else(|e| panic!("{spec}: {e}"));
            assert_eq!(scenario.incidents.len(), spec.faults.len(), "{spec}");
            assert!(!scenario.alerts.is_empty(), "{spec}");
            let grade = scenario.grade(&cluster);
            assert!(!grade.resolved, "{spec} starts resolved");
            // Injection damages only what the faults name (a fault may scale its own target).
            for damage in &grade.collateral {
                assert!(
                    scenario
                        .incidents
                        .iter()
                        .flat_map(|i| &i.workloads)
                        .any(|w| damage.starts_with(&w.to_string())),
                    "{spec}: {damage}"
                );
            }
        }
    }
}

#[test]
fn the_same_id_builds_the_same_bytes() {
    for id in ["warmup-000003", "intermediate-812345", "expert-903117"] {
        let spec = id.parse::<gym::IncidentId>().unwrap().spec();
        let build = || {
            let (cluster, scenario) = spec.instantiate(&Worlds::new()).unwrap();
            (cluster.snapshot(), scenario.alerts)
        };
        assert!(build() == build(), "{id} is not deterministic");
    }
}

#[test]
fn alerts_below_exact_precision_never_name_the_mechanism() {
    let worlds = Worlds::new();
    for tier in TIERS {
        for n in 0..6 {
            let spec = Split::Validation.id(tier, n).spec();
            if spec.precision == gym::scenario::Precision::Exact {
                continue;
            }
            let (_, scenario) = spec.instantiate(&worlds).unwrap();
            for alert in &scenario.alerts {
                for truth in scenario.ground_truth() {
                    let words = ["OOM", "CrashLoop", "image", "probe", "quota", "taint"];
                    assert!(
                        !words.iter().any(|w| alert.contains(w)),
                        "{spec}: {alert:?} says how {:?} broke",
                        truth.mechanism
                    );
                }
            }
        }
    }
}

#[test]
fn a_symptomatic_alert_names_the_entry_point_even_where_the_fault_cuts_its_callers_off() {
    // The fault leaves the Service of `recommendations` selecting nothing, so in the faulted
    // cluster nothing calls it any more: the alert still names the entry point that calls it in
    // the healthy topology, never the broken workload.
    let spec = "intermediate-900016"
        .parse::<gym::IncidentId>()
        .unwrap()
        .spec();
    assert_eq!(spec.precision, gym::scenario::Precision::Symptomatic);
    let fault = spec
        .faults
        .iter()
        .find(|f| f.mechanism == gym::Mechanism::SelectorMatchesNothing)
        .expect("the incident cuts a Service's selector");
    let worlds = Worlds::new();
    let (_, scenario) = spec.instantiate(&worlds).unwrap();
    assert!(
        scenario.alerts.iter().all(|a| !a.contains(&fault.workload)),
        "{:?} names {}",
        scenario.alerts,
        fault.workload
    );
    assert!(
        scenario.alerts.iter().any(|a| a.starts_with("web-bff ")),
        "{:?}",
        scenario.alerts
    );
    // Injected into a fork by hand, the alerts are the same.
    let mut cluster = worlds.get(&spec.world).unwrap();
    assert_eq!(
        spec.inject_into(&mut cluster).unwrap().alerts,
        scenario.alerts
    );
}

#[test]
fn more_than_ten_thousand_distinct_incidents_are_reachable() {
    let mut distinct = BTreeSet::new();
    for tier in TIERS {
        for split in Split::ALL {
            for n in 0..1500 {
                let spec = split.id(tier, n).spec();
                let faults: Vec<String> = spec.faults.iter().map(ToString::to_string).collect();
                distinct.insert(format!("{} {faults:?} {:?}", spec.world, spec.precision));
            }
        }
    }
    assert!(
        distinct.len() >= 10_000,
        "only {} distinct incidents",
        distinct.len()
    );
}

/// Faults of one incident never reach the same workload: their footprints (the target's
/// namespace, its callers' and its dependencies') are kept apart when the faults are picked.
#[test]
fn multi_fault_incidents_build_without_touching_the_same_workload() {
    let worlds = Worlds::new();
    for tier in [
        gym::catalogue::Difficulty::Advanced,
        gym::catalogue::Difficulty::Expert,
    ] {
        for split in [Split::Train, Split::Test] {
            for n in 0..12 {
                let spec = split.id(tier, n).spec();
                if let Err(e) = spec.instantiate(&worlds) {
                    panic!("{spec}: {e}");
                }
            }
        }
    }
}
