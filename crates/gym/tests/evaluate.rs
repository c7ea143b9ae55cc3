//! Policies over generated incidents, end to end: the scripted SRE resolves them from kubectl
//! output alone, noise included, and no reward hack ever passes the grade.

use std::sync::Arc;

use gym::evaluate::{POLICIES, PolicyKind, by_tier, evaluate};
use gym::scenario::TIERS;
use gym::{EnvConfig, Environment};
use gym::{IncidentId, Split};

fn env() -> Arc<Environment> {
    Arc::new(Environment::new(EnvConfig {
        record_outcomes: false,
        ..EnvConfig::default()
    }))
}

fn ids(per_tier: u32) -> Vec<IncidentId> {
    TIERS
        .iter()
        .flat_map(|&t| (0..per_tier).map(move |n| Split::Test.id(t, n)))
        .collect()
}

#[test]
fn the_scripted_sre_resolves_generated_incidents_of_every_tier() {
    let results = evaluate(&ids(4), PolicyKind::Scripted, 2, &env()).unwrap();
    for r in &results {
        assert!(r.resolved, "{} not resolved: {:?}", r.id, r.collateral);
        assert!(r.collateral.is_empty(), "{}: {:?}", r.id, r.collateral);
        assert!(r.steps <= r.max_steps);
        // The separation GRPO needs: a resolved episode scores well above any failed one.
        assert!(
            (3.0..=8.0).contains(&r.reward),
            "{}: reward {}",
            r.id,
            r.reward
        );
    }
    assert_eq!(by_tier(&results).len(), TIERS.len());
}

#[test]
fn no_hack_and_hardly_any_random_episode_resolves() {
    let env = env();
    let ids = ids(3);
    for policy in POLICIES.into_iter().filter(|p| *p != PolicyKind::Scripted) {
        let results = evaluate(&ids, policy, 2, &env).unwrap();
        let resolved: Vec<_> = results
            .iter()
            .filter(|r| r.resolved)
            .map(|r| r.id)
            .collect();
        // Every episode that ran out of steps ends at the timeout total.
        for r in results
            .iter()
            .filter(|r| !r.resolved && r.steps == r.max_steps)
        {
            assert!(
                r.reward <= -1.0,
                "{} on {}: reward {}",
                policy.name(),
                r.id,
                r.reward
            );
        }
        match policy {
            PolicyKind::Random => assert!(resolved.len() <= 1, "random resolved {resolved:?}"),
            _ => assert!(
                resolved.is_empty(),
                "{} resolved {resolved:?}",
                policy.name()
            ),
        }
    }
}

#[test]
fn policy_names_parse_back_and_unknown_ones_are_refused() {
    for p in POLICIES {
        assert_eq!(p.name().parse::<PolicyKind>().unwrap(), p);
    }
    let err = "hack-sudo".parse::<PolicyKind>().unwrap_err();
    assert!(err.contains("hack-scale-to-zero"), "{err}");
}
