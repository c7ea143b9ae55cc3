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

#[test]
fn recorded_episodes_replay_byte_for_byte_and_round_trip_through_jsonl() {
    use gym::evaluate::{Job, record, replay};
    use gym::trajectory::{read_lines, to_atif};
    let env = env();
    let mut lines = String::new();
    for (i, id) in ids(1).into_iter().take(3).enumerate() {
        for policy in [PolicyKind::Scripted, PolicyKind::Random] {
            let job = Job::new(id, i as u32 % 2, 7);
            let t = record(&env, &job, policy.build_seeded(job.policy_seed).as_mut()).unwrap();
            assert_eq!((t.repeat, t.policy_seed), (job.repeat, job.policy_seed));
            assert_eq!(t.outcome.steps, t.commands().count());
            // Replaying the commands gives every output and reward again, byte for byte.
            let again = replay(&env, &t).unwrap();
            assert_eq!(again.to_line(), t.to_line(), "{} {}", t.incident, t.policy);
            lines.push_str(&t.to_line());
            lines.push('\n');
        }
    }
    let read = read_lines(&lines).unwrap();
    assert_eq!(read.len(), 6);
    assert_eq!(read[1].0, 2);
    let scripted = &read[0].1;
    assert!(scripted.outcome.resolved, "{:?}", scripted.outcome);
    assert!(scripted.outcome.sim_seconds_to_mitigate.is_some());

    // The ATIF export: the page as the user step, each command a kubectl tool call whose
    // output is the observation, step ids from 1.
    let atif = to_atif(scripted);
    assert_eq!(atif["schema_version"], "ATIF-v1.7");
    let steps = atif["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1 + scripted.steps.len());
    assert_eq!(steps[0]["source"], "user");
    for (i, s) in steps.iter().enumerate() {
        assert_eq!(s["step_id"], i + 1);
    }
    let call = &steps[1]["tool_calls"][0];
    assert_eq!(call["function_name"], "kubectl");
    assert_eq!(
        call["arguments"]["command"],
        scripted.steps[0].command.clone().unwrap()
    );
    assert_eq!(
        steps[1]["observation"]["results"][0]["source_call_id"],
        call["tool_call_id"]
    );
    assert_eq!(atif["final_metrics"]["extra"]["resolved"], true);

    // A changed output is caught, and where.
    let mut tampered = scripted.clone();
    tampered.steps[0].output.push('x');
    let again = replay(&env, &tampered).unwrap();
    let (path, _, _) = gym::trajectory::first_difference(
        &serde_json::to_value(&tampered).unwrap(),
        &serde_json::to_value(&again).unwrap(),
    )
    .unwrap();
    assert_eq!(path, "steps[0].output");
}

#[test]
fn repeats_of_the_random_policy_draw_different_seeds_and_trial_zero_keeps_the_incident_seed() {
    use gym::evaluate::Job;
    let id = Split::Test.id(gym::catalogue::Difficulty::Warmup, 3);
    assert_eq!(Job::new(id, 0, 0).policy_seed, u64::from(id.seed));
    let seeds: std::collections::BTreeSet<u64> =
        (0..5).map(|r| Job::new(id, r, 0).policy_seed).collect();
    assert_eq!(seeds.len(), 5);
    assert_ne!(
        Job::new(id, 0, 1).policy_seed,
        Job::new(id, 0, 0).policy_seed
    );
    assert_eq!(Job::new(id, 2, 9), Job::new(id, 2, 9));
}
