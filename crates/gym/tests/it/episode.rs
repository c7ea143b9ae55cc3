//! Episodes as a trainer sees them: reset, step, state; the reward's components; the
//! original's defects (ground truth in state and hints, a last-step resolution overwritten by
//! the timeout, steps accepted after done, the curriculum lost on reconnect, GRPO groups over
//! different incidents) each shown fixed.

use std::sync::Arc;

use gym::catalogue::{Difficulty, Mechanism};
use gym::curriculum::{CurriculumConfig, Outcome, SharedCurriculum};
use gym::evaluate;
use gym::policy::ScriptedSre;
use gym::{EnvConfig, Environment, EpisodeError, IncidentId, Observation, ResetOptions, Session};

fn env() -> Arc<Environment> {
    Arc::new(Environment::new(EnvConfig::default()))
}

fn incident(id: &str) -> ResetOptions {
    ResetOptions {
        incident: Some(id.parse().expect("valid id")),
        ..ResetOptions::default()
    }
}

/// Plays the scripted SRE through a session until done or the policy stops; returns every
/// observation and the commands.
fn play_scripted(session: &mut Session, first: &Observation) -> (Vec<Observation>, Vec<String>) {
    let mut observations = Vec::new();
    let result = evaluate::play_from(session, first, &mut ScriptedSre::new(), |o| {
        observations.push(o.clone())
    })
    .expect("steps accepted");
    (observations, result.commands)
}

#[test]
fn the_reset_observation_is_a_page_with_the_cluster_summary() {
    let env = env();
    let mut s = env.session();
    let obs = s.reset(incident("warmup-000017")).expect("reset");
    assert!(
        obs.command_output.starts_with("PAGERDUTY ALERT"),
        "{}",
        obs.command_output
    );
    for alert in &obs.active_alerts {
        assert!(obs.command_output.contains(alert.as_str()));
    }
    assert!(!obs.active_alerts.is_empty());
    assert!(obs.cluster_status_summary.contains("=== POD STATUS ==="));
    assert!(obs.cluster_status_summary.contains("=== RECENT EVENTS ==="));
    assert!(obs.cluster_status_summary.contains("kube-system"));
    assert_eq!((obs.steps_taken, obs.done, obs.reward), (0, false, 0.0));
    // Warmup is judged by the junior persona, who gives the reset hint.
    assert_eq!(obs.metadata.persona, "junior");
    assert!(!obs.hint.is_empty());
    let state = s.state();
    assert_eq!(state.tier, "warmup");
    assert_eq!(state.step_count, 0);
    assert_eq!(state.max_steps, obs.max_steps);
}

#[test]
fn same_seed_and_commands_give_the_same_bytes() {
    let run = || {
        let env = env();
        let mut s = env.session();
        let mut out = serde_json::to_string(
            &s.reset(ResetOptions {
                seed: Some(42),
                difficulty: Some(Difficulty::Beginner),
                ..ResetOptions::default()
            })
            .expect("reset"),
        )
        .expect("serialises");
        for c in [
            "kubectl get pods -A",
            "kubectl get events -A",
            "kubectl describe pods -n payments",
            "kubectl rollout restart deployment -n payments --all",
            "kubectl get pods -A",
        ] {
            out.push_str(&serde_json::to_string(&s.step(c).expect("step")).expect("serialises"));
        }
        out.push_str(&serde_json::to_string(&s.state()).expect("serialises"));
        out
    };
    assert_eq!(run(), run());
}

#[test]
fn refused_calls_change_nothing() {
    let env = env();
    let mut s = env.session();
    assert!(matches!(
        s.step("kubectl get pods"),
        Err(EpisodeError::NoEpisode)
    ));
    s.reset(incident("warmup-000003")).expect("reset");
    let before = serde_json::to_string(&s.state()).expect("state");
    assert!(matches!(s.step("   "), Err(EpisodeError::EmptyCommand)));
    let huge = format!("kubectl get pods {}", "x".repeat(70_000));
    assert!(matches!(
        s.step(&huge),
        Err(EpisodeError::CommandTooLong { .. })
    ));
    let bad_reset = s.reset(ResetOptions {
        max_steps: Some(0),
        ..ResetOptions::default()
    });
    assert!(matches!(bad_reset, Err(EpisodeError::BadOption { .. })));
    assert_eq!(serde_json::to_string(&s.state()).expect("state"), before);
}

#[test]
fn shell_metacharacters_and_unknown_verbs_are_answered_not_run() {
    let env = env();
    let mut s = env.session();
    s.reset(incident("warmup-000003")).expect("reset");
    for (command, needle) in [
        ("rm -rf /", "only kubectl"),
        ("kubectl get pods; rm -rf /", ""),
        ("kubectl frobnicate pods", "unknown command"),
        ("kubectl get pods $(whoami)", ""),
        ("fix: restart everything", "fix: kubectl"),
    ] {
        let o = s.step(command).expect("a step, answered");
        assert_ne!(o.metadata.exit_code, 0, "{command}: {}", o.command_output);
        assert!(
            o.command_output.contains(needle),
            "{command}: {}",
            o.command_output
        );
        assert!(o.reward < 0.0, "{command}: {}", o.reward);
    }
}

#[test]
fn steps_after_done_are_refused() {
    let env = env();
    let mut s = env.session();
    let first = s
        .reset(ResetOptions {
            max_steps: Some(2),
            ..incident("warmup-000005")
        })
        .expect("reset");
    assert_eq!(first.max_steps, 2);
    s.step("kubectl get pods -A").expect("step 1");
    let last = s.step("kubectl get nodes").expect("step 2");
    assert!(last.done && last.metadata.truncated && !last.metadata.terminated);
    let state = s.state();
    let e = s.step("kubectl get pods -A").expect_err("refused");
    assert!(matches!(e, EpisodeError::Done { .. }), "{e}");
    assert!(e.to_string().contains("reset"), "{e}");
    assert_eq!(s.state(), state);
}

#[test]
fn a_timeout_totals_exactly_the_timeout_reward_and_keeps_the_alert() {
    let env = env();
    let mut s = env.session();
    let first = s.reset(incident("beginner-000011")).expect("reset");
    let mut total = 0.0;
    let mut last = None;
    for n in 0..first.max_steps {
        let o = s
            .step(&format!("kubectl describe pod ghost-{n} -n payments"))
            .expect("step");
        total += o.reward;
        last = Some(o);
    }
    let last = last.expect("steps ran");
    assert!(last.done && last.metadata.truncated);
    assert!((total - -2.0).abs() < 1e-9, "{total}");
    assert!((last.metadata.episode_reward - -2.0).abs() < 1e-9);
    assert!(!last.active_alerts.is_empty());
    assert!(!s.state().is_resolved);
}

#[test]
fn the_scripted_sre_resolves_and_scores_in_the_band_grpo_needs() {
    let env = env();
    let mut s = env.session();
    let first = s.reset(incident("warmup-000021")).expect("reset");
    let (observations, _) = play_scripted(&mut s, &first);
    let last = observations.last().expect("steps");
    assert!(
        last.metadata.resolved && last.metadata.terminated,
        "{:#?}",
        last.metadata
    );
    assert!(last.active_alerts.is_empty());
    let total: f64 = observations.iter().map(|o| o.reward).sum();
    assert!((3.0..=8.0).contains(&total), "total {total}");
    assert!(last.metadata.breakdown.resolution > 0.0);
    assert!(s.state().is_resolved);
    assert_eq!(env.curriculum().stats().episode_count, 1);
}

#[test]
fn a_resolution_on_the_last_step_is_a_resolution() {
    let env = env();
    let id = "warmup-000021";
    let mut s = env.session();
    let first = s.reset(incident(id)).expect("reset");
    let (observations, commands) = play_scripted(&mut s, &first);
    assert!(observations.last().expect("steps").metadata.resolved);
    // The same commands with a budget that ends on the resolving step.
    let mut s = env.session();
    s.reset(ResetOptions {
        max_steps: Some(commands.len()),
        ..incident(id)
    })
    .expect("reset");
    let mut last = None;
    for c in &commands {
        last = Some(s.step(c).expect("step"));
    }
    let last = last.expect("steps");
    assert!(last.done && last.metadata.resolved && !last.metadata.truncated);
    assert_eq!(last.metadata.breakdown.timeout, 0.0);
    assert!(last.metadata.breakdown.resolution > 0.0);
    assert!(last.metadata.episode_reward > 0.0);
}

#[test]
fn repeats_cost_and_the_third_is_blocked_without_running() {
    let mut config = EnvConfig::default();
    config.reward.repeat_block_at = Some(3);
    let env = Arc::new(Environment::new(config));
    let mut s = env.session();
    s.reset(incident("warmup-000003")).expect("reset");
    let first = s.step("kubectl get pods -A").expect("1");
    assert_eq!(first.metadata.breakdown.repeat, 0.0);
    let second = s.step("kubectl  get pods -A").expect("2");
    assert_eq!(second.metadata.breakdown.repeat, -0.15);
    let third = s.step("kubectl get pods -A").expect("3");
    assert!(third.metadata.blocked);
    assert!(third.command_output.starts_with("BLOCKED"));
    assert_eq!(third.reward, -0.5);
    // A blocked change is not made.
    let scale = "kubectl scale deployment web-app -n frontend --replicas=5";
    s.step(scale).expect("scale");
    s.step("kubectl scale deployment web-app -n frontend --replicas=1")
        .expect("scale back");
    s.step("kubectl scale deployment web-app -n frontend --replicas=5")
        .expect("again");
    let blocked = s.step(scale).expect("blocked");
    assert!(blocked.metadata.blocked);
    let replicas = s
        .cluster()
        .expect("cluster")
        .get::<cluster::k8s_openapi::api::apps::v1::Deployment>("frontend", "web-app")
        .expect("exists")
        .spec
        .as_ref()
        .and_then(|s| s.replicas);
    assert_eq!(replicas, Some(5));
}

#[test]
fn repeats_run_by_default_and_each_costs_the_penalty() {
    let env = env();
    let mut s = env.session();
    s.reset(incident("warmup-000003")).expect("reset");
    let repeats: Vec<f64> = (0..4)
        .map(|_| s.step("kubectl get pods -n payments").expect("step"))
        .map(|o| {
            assert!(!o.metadata.blocked && o.command_output.contains("NAME"));
            o.metadata.breakdown.repeat
        })
        .collect();
    assert_eq!(repeats, vec![0.0, -0.15, -0.15, -0.15]);
}

#[test]
fn collateral_damage_is_charged_once_and_named() {
    let env = env();
    let mut s = env.session();
    let first = s.reset(incident("warmup-000003")).expect("reset");
    // Something the warmup incident does not involve: auth and payments cannot both be it.
    let spec: IncidentId = first.metadata.incident_id.parse().expect("id");
    let target_ns = spec.spec().faults[0].namespace.clone();
    let (ns, deploy) = if target_ns == "frontend" {
        ("auth", "auth-service")
    } else {
        ("frontend", "web-app")
    };
    let o = s
        .step(&format!("kubectl delete deployment {deploy} -n {ns}"))
        .expect("delete");
    assert_eq!(o.metadata.breakdown.collateral, -1.0);
    assert!(
        o.metadata.collateral.iter().any(|c| c.contains(deploy)),
        "{:?}",
        o.metadata.collateral
    );
    let o = s.step("kubectl get pods -A").expect("read");
    assert_eq!(o.metadata.breakdown.collateral, 0.0);
}

#[test]
fn a_diagnosis_naming_the_root_cause_pays_once() {
    let env = env();
    let mut s = env.session();
    let first = s
        .reset(ResetOptions {
            fault_types: vec![Mechanism::OomLimit],
            difficulty: Some(Difficulty::Warmup),
            seed: Some(3),
            ..ResetOptions::default()
        })
        .expect("reset");
    let id: IncidentId = first.metadata.incident_id.parse().expect("id");
    let fault = id.spec().faults[0].clone();
    assert_eq!(fault.mechanism, Mechanism::OomLimit);
    let wrong = s.step("diagnose: the network is down").expect("wrong");
    assert_eq!(wrong.metadata.breakdown.diagnosis, 0.0);
    let right = s
        .step(&format!(
            "diagnose: {} memory limit is too low",
            fault.workload
        ))
        .expect("right");
    assert_eq!(right.metadata.breakdown.diagnosis, 0.5);
    let again = s
        .step(&format!(
            "diagnose: {} OOMKilled, limit too low",
            fault.workload
        ))
        .expect("again");
    assert_eq!(again.metadata.breakdown.diagnosis, 0.0);
}

#[test]
fn fault_types_pick_incidents_made_only_of_them() {
    let env = env();
    let mut s = env.session();
    for (types, tier) in [
        (vec![Mechanism::ScaledToZero], None),
        (
            vec![Mechanism::ExhaustedQuota, Mechanism::BadRollout],
            Some(Difficulty::Intermediate),
        ),
    ] {
        let o = s
            .reset(ResetOptions {
                fault_types: types.clone(),
                difficulty: tier,
                seed: Some(9),
                ..ResetOptions::default()
            })
            .expect("reset");
        let id: IncidentId = o.metadata.incident_id.parse().expect("id");
        assert!(
            id.spec()
                .faults
                .iter()
                .all(|f| types.contains(&f.mechanism)),
            "{id}"
        );
    }
}

#[test]
fn ground_truth_reaches_no_observation_hint_or_state() {
    for id in ["warmup-000021", "beginner-000004", "intermediate-000008"] {
        let env = env();
        let mut s = env.session();
        let first = s.reset(incident(id)).expect("reset");
        let spec = id.parse::<IncidentId>().expect("id").spec();
        let fields = ["root_cause", "correct_fix", "ground_truth", "mechanism"];
        let forbidden: Vec<String> = spec
            .faults
            .iter()
            .flat_map(|f| [f.mechanism.name().to_string(), f.to_string()])
            .chain(fields.map(String::from))
            .collect();
        // While the episode runs, the state names nothing of its faults (the curriculum lists
        // the tier's mechanisms, all of them, and the finished episodes' skill by type).
        let mut state = serde_json::to_value(s.state()).expect("state");
        let stats = state
            .as_object_mut()
            .and_then(|o| o.remove("curriculum_stats"))
            .expect("curriculum stats");
        assert_eq!(stats["skill_profile"], serde_json::json!({}));
        let state = state.to_string();
        for word in &forbidden {
            assert!(
                !state.contains(word.as_str()),
                "{id}: state names {word}: {state}"
            );
        }
        let (observations, _) = play_scripted(&mut s, &first);
        for o in std::iter::once(&first).chain(&observations) {
            let metadata = serde_json::to_string(&o.metadata).expect("metadata");
            for word in &forbidden {
                assert!(
                    !o.hint.contains(word.as_str()) && !metadata.contains(word.as_str()),
                    "{id}: {word}"
                );
            }
            // Hints are fixed sentences: none names a workload.
            assert!(
                !o.hint.contains(&spec.faults[0].workload),
                "{id}: {}",
                o.hint
            );
        }
        // Once it is over, the curriculum's skill profile counts the finished episode by
        // fault type (what trainers log); no root cause or fix field ever appears.
        let state = serde_json::to_string(&s.state()).expect("state");
        for word in fields {
            assert!(!state.contains(word), "{id}: state names {word}: {state}");
        }
    }
}

#[test]
fn one_seed_is_one_incident_for_the_whole_group_even_when_the_tier_moves() {
    let env = env();
    let mut s = env.session();
    let a = s
        .reset(ResetOptions {
            seed: Some(1234),
            ..ResetOptions::default()
        })
        .expect("reset")
        .metadata
        .incident_id;
    let tier = env.curriculum().tier();
    for n in 0..40 {
        env.curriculum()
            .record(&Outcome {
                incident: gym::Split::Train.id(tier, n),
                mechanisms: vec![Mechanism::OomLimit],
                resolved: true,
                steps: 4,
                reward: 5.0,
            })
            .expect("recorded");
    }
    assert_ne!(env.curriculum().tier(), tier, "the curriculum moved");
    for _ in 0..3 {
        let b = env
            .session()
            .reset(ResetOptions {
                seed: Some(1234),
                ..ResetOptions::default()
            })
            .expect("reset")
            .metadata
            .incident_id;
        assert_eq!(a, b);
    }
}

#[test]
fn the_curriculum_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("curriculum.json");
    let run = || {
        let curriculum =
            SharedCurriculum::open(path.clone(), CurriculumConfig::default()).expect("opens");
        Arc::new(Environment::with_curriculum(
            EnvConfig::default(),
            curriculum,
        ))
    };
    let env = run();
    let mut s = env.session();
    let first = s.reset(incident("warmup-000021")).expect("reset");
    play_scripted(&mut s, &first);
    let stats = env.curriculum().stats();
    assert_eq!(stats.episode_count, 1);
    drop(s);
    drop(env);
    let again = run();
    assert_eq!(again.curriculum().stats(), stats);
}

#[test]
fn an_abandoned_episode_counts_as_a_failure() {
    let env = env();
    let mut s = env.session();
    s.reset(incident("warmup-000003")).expect("reset");
    s.step("kubectl get pods -A").expect("step");
    s.reset(incident("warmup-000004")).expect("reset again");
    let stats = env.curriculum().stats();
    assert_eq!(stats.episode_count, 1);
    assert_eq!(stats.recent_success_rate, 0.0);
    // A reset without steps records nothing.
    s.reset(incident("warmup-000005"))
        .expect("reset a third time");
    assert_eq!(env.curriculum().stats().episode_count, 1);
}

#[test]
fn giving_up_totals_the_timeout_reward_whatever_was_collected() {
    let env = env();
    let mut s = env.session();
    s.reset(incident("warmup-000003")).expect("reset");
    let mut total = 0.0;
    for c in ["kubectl get pods -A", "kubectl get events -A"] {
        total += s.step(c).expect("step").reward;
    }
    assert!(total > 0.0, "{total}");
    let end = s.give_up().expect("gives up");
    assert!(end.done && !end.metadata.resolved && end.metadata.terminated);
    assert!((total + end.reward - -2.0).abs() < 1e-9);
    assert!((end.metadata.episode_reward - -2.0).abs() < 1e-9);
    assert!(matches!(s.give_up(), Err(EpisodeError::Done { .. })));
    assert!(matches!(
        s.step("kubectl get pods"),
        Err(EpisodeError::Done { .. })
    ));
    assert_eq!(env.curriculum().stats().episode_count, 1);
}
