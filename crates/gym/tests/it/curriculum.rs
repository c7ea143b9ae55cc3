//! The curriculum: promotion, fast-track, demotion, mastery, weak-spot targeting, seeded picks
//! and persistence.

use gym::catalogue::{CATALOGUE, Difficulty, Mechanism};
use gym::curriculum::{
    CurriculumConfig, CurriculumError, Outcome, SEED_MEMO, tier_for_min_difficulty,
};
use gym::scenario::TIERS;
use gym::{Curriculum, IncidentId, Persona, SharedCurriculum, Split};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn plain() -> CurriculumConfig {
    CurriculumConfig {
        weak_spot_share: 0.0,
        ..CurriculumConfig::default()
    }
}

/// The first catalogued mechanism of a tier: outcomes need not build the incident.
fn mechanism_of(tier: Difficulty) -> Mechanism {
    CATALOGUE
        .iter()
        .find(|i| i.difficulty == tier)
        .map(|i| i.mechanism)
        .unwrap()
}

fn outcome(incident: IncidentId, mechanisms: &[Mechanism], resolved: bool) -> Outcome {
    Outcome {
        incident,
        mechanisms: mechanisms.to_vec(),
        resolved,
        steps: 7,
        reward: if resolved { 3.0 } else { -2.0 },
    }
}

/// One episode of a policy that resolves with probability `p`, on the curriculum's own pick.
fn episode(c: &mut Curriculum, rng: &mut ChaCha8Rng, p: f64) {
    let id = c.choose(Split::Train, None);
    let resolved = rng.random_bool(p);
    c.record(&outcome(id, &[mechanism_of(id.tier)], resolved));
}

/// Every tier the run was at, in order, without repeats.
fn tiers_visited(
    c: &mut Curriculum,
    rng: &mut ChaCha8Rng,
    episodes: usize,
    p: impl Fn(usize) -> f64,
) -> Vec<Difficulty> {
    let mut visited = vec![c.tier()];
    for n in 0..episodes {
        episode(c, rng, p(n));
        if visited.last() != Some(&c.tier()) {
            visited.push(c.tier());
        }
    }
    visited
}

#[test]
fn an_improving_policy_climbs_to_expert_tier_by_tier() {
    let mut c = Curriculum::new(plain());
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    // Success probability rising from 0.35 to 0.95 over 120 episodes.
    let visited = tiers_visited(&mut c, &mut rng, 200, |n| {
        (0.35 + n as f64 * 0.005).min(0.95)
    });
    assert_eq!(c.tier(), Difficulty::Expert, "visited {visited:?}");
    // Tier by tier: every promotion is to the next tier.
    let ups: Vec<_> = visited.windows(2).filter(|w| w[1] > w[0]).collect();
    assert!(ups.iter().all(|w| TIERS.iter().position(|t| *t == w[1])
        == TIERS.iter().position(|t| *t == w[0]).map(|i| i + 1)));
    let stats = c.stats();
    assert!(stats.promotions >= 4, "{stats:?}");
    assert_eq!(stats.episode_count, 200);
    assert_eq!(stats.tier, "expert");
    assert_eq!(stats.persona, "principal");
    assert_eq!(stats.unlocked.len(), CATALOGUE.len());
}

#[test]
fn a_degrading_policy_falls_back_down_but_not_below_the_start_tier() {
    let mut c = Curriculum::new(plain());
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    tiers_visited(&mut c, &mut rng, 100, |_| 0.97);
    assert_eq!(c.tier(), Difficulty::Expert);
    let visited = tiers_visited(&mut c, &mut rng, 200, |_| 0.05);
    assert_eq!(
        visited,
        TIERS.iter().rev().copied().collect::<Vec<_>>(),
        "one tier at a time, down to warmup"
    );
    assert_eq!(c.stats().demotions, 4);
    assert_eq!(c.persona(), Persona::Junior);

    // A run that starts at beginner never demotes below it.
    let config = CurriculumConfig {
        start_tier: Difficulty::Beginner,
        ..plain()
    };
    let mut c = Curriculum::new(config);
    assert_eq!(c.tier(), Difficulty::Beginner);
    tiers_visited(&mut c, &mut rng, 50, |_| 0.0);
    assert_eq!(c.tier(), Difficulty::Beginner);
    assert_eq!(c.stats().demotions, 0);
}

#[test]
fn demotion_waits_for_half_the_recent_window() {
    let mut c = Curriculum::new(plain());
    let warmup = mechanism_of(Difficulty::Warmup);
    for n in 0..3 {
        c.record(&outcome(
            Split::Train.id(Difficulty::Warmup, n),
            &[warmup],
            true,
        ));
    }
    assert_eq!(c.tier(), Difficulty::Beginner);
    let beginner = mechanism_of(Difficulty::Beginner);
    for n in 0..4 {
        c.record(&outcome(
            Split::Train.id(Difficulty::Beginner, n),
            &[beginner],
            false,
        ));
        assert_eq!(c.tier(), Difficulty::Beginner, "after {} failures", n + 1);
    }
    c.record(&outcome(
        Split::Train.id(Difficulty::Beginner, 9),
        &[beginner],
        false,
    ));
    assert_eq!(c.tier(), Difficulty::Warmup);
    // The counters restart with the move.
    assert_eq!(c.stats().tier_episodes, 0);
    assert_eq!(c.stats().recent_success_rate, 0.0);
}

#[test]
fn fast_track_after_three_successes_otherwise_min_episodes() {
    let warmup = mechanism_of(Difficulty::Warmup);
    let id = |n| Split::Train.id(Difficulty::Warmup, n);

    let mut c = Curriculum::new(plain());
    for n in 0..2 {
        c.record(&outcome(id(n), &[warmup], true));
    }
    assert_eq!(c.tier(), Difficulty::Warmup);
    c.record(&outcome(id(2), &[warmup], true));
    assert_eq!(c.tier(), Difficulty::Beginner, "fast-tracked at 3/3");
    assert_eq!(c.stats().tier_episodes, 0);
    assert_eq!(c.stats().promotions, 1);

    // 2/3 is not fast: promotion waits for warmup's five episodes at 0.6.
    let mut c = Curriculum::new(plain());
    for (n, resolved) in [true, false, true, true].into_iter().enumerate() {
        c.record(&outcome(id(n as u32), &[warmup], resolved));
        assert_eq!(c.tier(), Difficulty::Warmup, "after {} episodes", n + 1);
    }
    c.record(&outcome(id(4), &[warmup], true));
    assert_eq!(c.tier(), Difficulty::Beginner, "4/5 after min_episodes");
}

#[test]
fn outcomes_of_another_tier_teach_mechanisms_but_not_the_tier() {
    let mut c = Curriculum::new(plain());
    let m = mechanism_of(Difficulty::Beginner);
    for n in 0..10 {
        c.record(&outcome(
            Split::Train.id(Difficulty::Beginner, n),
            &[m],
            true,
        ));
    }
    let stats = c.stats();
    assert_eq!(c.tier(), Difficulty::Warmup);
    assert_eq!(stats.tier_episodes, 0);
    assert_eq!(stats.episode_count, 10);
    assert_eq!(stats.skill_profile[m.name()].tries, 10);
    assert_eq!(stats.graduated, vec![m.name().to_string()]);
}

#[test]
fn mastery_needs_min_tries_and_is_lost_when_the_rate_falls() {
    let mut c = Curriculum::new(plain());
    // Expert incidents keep the run at warmup: only mechanism skill moves.
    let id = |n| Split::Train.id(Difficulty::Expert, n);
    let oom = Mechanism::OomLimit;
    let crash = Mechanism::FailingCommand;
    c.record(&outcome(id(0), &[oom], true));
    c.record(&outcome(id(1), &[oom, oom], true));
    let stats = c.stats();
    assert_eq!(
        stats.skill_profile["oom-limit"].tries, 2,
        "one try per incident"
    );
    assert!(stats.graduated.is_empty(), "two tries are not mastery");
    assert!(stats.weak_spots.is_empty());
    c.record(&outcome(id(2), &[oom, crash], true));
    c.record(&outcome(id(3), &[crash], false));
    c.record(&outcome(id(4), &[crash], false));
    let stats = c.stats();
    assert_eq!(stats.graduated, vec!["oom-limit".to_string()]);
    assert_eq!(stats.weak_spots, vec!["failing-command".to_string()]);
    let crash_skill = &stats.skill_profile["failing-command"];
    assert_eq!((crash_skill.tries, crash_skill.successes_in_window), (3, 1));
    assert!((crash_skill.rate - 1.0 / 3.0).abs() < 1e-9);

    // Twelve failures: the window holds the last ten, and mastery is gone.
    for n in 0..12 {
        c.record(&outcome(id(10 + n), &[oom], false));
    }
    let stats = c.stats();
    let oom_skill = &stats.skill_profile["oom-limit"];
    assert_eq!(
        (
            oom_skill.tries,
            oom_skill.successes_in_window,
            oom_skill.rate
        ),
        (15, 0, 0.0)
    );
    assert!(stats.graduated.is_empty());
    assert_eq!(stats.weak_spots, vec!["oom-limit", "failing-command"]);
    // Three successes out of the last ten are not enough again...
    for n in 0..3 {
        c.record(&outcome(id(30 + n), &[oom], true));
    }
    assert!(c.stats().graduated.is_empty());
    // ...seven are.
    for n in 0..4 {
        c.record(&outcome(id(40 + n), &[oom], true));
    }
    assert_eq!(c.stats().graduated, vec!["oom-limit".to_string()]);
    // The last ten rewards: three failures (-2) and seven successes (+3).
    assert!((c.stats().avg_reward_last_10 - 1.5).abs() < 1e-9);
}

fn contains(id: IncidentId, m: Mechanism) -> bool {
    id.spec().faults.iter().any(|f| f.mechanism == m)
}

/// A warmup run that has tried every warmup mechanism, all mastered but `weak`.
fn warmup_with_weak_spot(weak: Mechanism, share: f64) -> Curriculum {
    let mut c = Curriculum::new(CurriculumConfig {
        weak_spot_share: share,
        ..CurriculumConfig::default()
    });
    // Beginner incidents leave the run at warmup.
    let id = |n| Split::Train.id(Difficulty::Beginner, n);
    for (n, info) in CATALOGUE
        .iter()
        .filter(|i| i.difficulty == Difficulty::Warmup)
        .enumerate()
    {
        for k in 0..3 {
            c.record(&outcome(
                id((n * 3 + k) as u32),
                &[info.mechanism],
                info.mechanism != weak,
            ));
        }
    }
    assert_eq!(c.tier(), Difficulty::Warmup);
    assert_eq!(c.stats().weak_spots, vec![weak.name().to_string()]);
    c
}

#[test]
fn weak_spot_picks_contain_the_weak_mechanism() {
    let weak = Mechanism::FailingCommand;
    let mut c = warmup_with_weak_spot(weak, 1.0);
    for seed in 0..30 {
        let id = c.choose(Split::Train, Some(seed));
        assert_eq!(id.tier, Difficulty::Warmup);
        assert!(contains(id, weak), "{id} lacks {weak}");
    }
    for _ in 0..30 {
        let id = c.choose(Split::Validation, None);
        assert_eq!(id.split(), Split::Validation);
        assert!(contains(id, weak), "{id} lacks {weak}");
    }

    // Without targeting, warmup picks are spread over its four mechanisms.
    let mut c = warmup_with_weak_spot(weak, 0.0);
    let hits = (0..60)
        .filter(|_| contains(c.choose(Split::Train, None), weak))
        .count();
    assert!((5..40).contains(&hits), "{hits} of 60 plain picks");

    // Half the picks aimed: more than plain, fewer than all.
    let mut c = warmup_with_weak_spot(weak, 0.5);
    let hits = (0..100)
        .filter(|_| contains(c.choose(Split::Train, None), weak))
        .count();
    assert!((45..95).contains(&hits), "{hits} of 100 half-aimed picks");
}

#[test]
fn untried_mechanisms_come_before_weak_ones() {
    let mut c = Curriculum::new(CurriculumConfig {
        weak_spot_share: 1.0,
        ..CurriculumConfig::default()
    });
    let id = |n| Split::Train.id(Difficulty::Beginner, n);
    c.record(&outcome(id(0), &[Mechanism::FailingCommand], false));
    for m in [Mechanism::OomLimit, Mechanism::MissingImageTag] {
        c.record(&outcome(id(1), &[m], true));
    }
    // Only scaled-to-zero is untried among warmup's mechanisms.
    for seed in 0..20 {
        let pick = c.choose(Split::Train, Some(seed));
        assert!(contains(pick, Mechanism::ScaledToZero), "{pick}");
    }
}

#[test]
fn a_seed_names_one_incident_for_the_run_even_after_a_promotion() {
    let mut c = Curriculum::new(CurriculumConfig::default());
    let first = c.choose(Split::Train, Some(42));
    assert_eq!(first.tier, Difficulty::Warmup);
    assert_eq!(first.split(), Split::Train);
    // A GRPO group: every reset with the seed gets the same incident...
    for _ in 0..7 {
        assert_eq!(c.choose(Split::Train, Some(42)), first);
    }
    let m = mechanism_of(Difficulty::Warmup);
    for n in 0..3 {
        c.record(&outcome(Split::Train.id(Difficulty::Warmup, n), &[m], true));
    }
    assert_eq!(c.tier(), Difficulty::Beginner);
    // ...also after the tier moved; a new seed picks from the new tier.
    assert_eq!(c.choose(Split::Train, Some(42)), first);
    assert_eq!(c.choose(Split::Train, Some(43)).tier, Difficulty::Beginner);
    assert_eq!(c.choose(Split::Test, Some(42)).split(), Split::Test);

    // The memo is bounded: once enough other seeds came, 42 is picked afresh.
    for seed in 1000..1000 + SEED_MEMO as u64 {
        c.choose(Split::Train, Some(seed));
    }
    assert_eq!(c.choose(Split::Train, Some(42)).tier, Difficulty::Beginner);
}

#[test]
fn seeded_and_unseeded_picks_vary() {
    let mut c = Curriculum::new(plain());
    let seeded: std::collections::BTreeSet<IncidentId> =
        (0..50).map(|s| c.choose(Split::Train, Some(s))).collect();
    let counted: std::collections::BTreeSet<IncidentId> =
        (0..50).map(|_| c.choose(Split::Train, None)).collect();
    assert!(seeded.len() >= 45 && counted.len() >= 45);
    assert!(
        seeded
            .iter()
            .chain(&counted)
            .all(|id| id.split() == Split::Train && id.tier == Difficulty::Warmup)
    );
}

#[test]
fn two_curricula_fed_the_same_outcomes_choose_the_same_incidents() {
    let run = || {
        let mut c = Curriculum::new(CurriculumConfig::default());
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut ids = Vec::new();
        for n in 0..30u64 {
            let id = if n % 3 == 0 {
                c.choose(Split::Train, Some(n / 3))
            } else {
                c.choose(Split::Train, None)
            };
            ids.push(id);
            let mechanisms: Vec<Mechanism> = id.spec().faults.iter().map(|f| f.mechanism).collect();
            let resolved = rng.random_bool(0.5);
            c.record(&outcome(id, &mechanisms, resolved));
        }
        (ids, c.stats())
    };
    let (a, stats_a) = run();
    let (b, stats_b) = run();
    assert_eq!(a, b);
    assert_eq!(stats_a, stats_b);
}

#[test]
fn a_persisted_run_continues_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    let config = CurriculumConfig::default();
    let shared = SharedCurriculum::open(&path, config.clone()).unwrap();
    assert_eq!(shared.path(), Some(path.as_path()));
    assert!(!path.exists(), "nothing written before a change");
    let grpo = shared.choose(Split::Train, Some(9));
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..12 {
        let id = shared.choose(Split::Train, None);
        let mechanisms: Vec<Mechanism> = id.spec().faults.iter().map(|f| f.mechanism).collect();
        shared
            .record(&outcome(id, &mechanisms, rng.random_bool(0.8)))
            .unwrap();
    }
    assert_ne!(shared.tier(), Difficulty::Warmup, "the run moved on");
    let stats = shared.stats();

    let reopened = SharedCurriculum::open(&path, config.clone()).unwrap();
    assert_eq!(reopened.stats(), stats);
    assert_eq!(reopened.tier(), shared.tier());
    assert_eq!(reopened.persona(), shared.persona());
    assert_eq!(reopened.choose(Split::Train, Some(9)), grpo);
    // The same next picks, seeded and not; the unseeded pick moved the persisted counter.
    assert_eq!(
        reopened.choose(Split::Train, None),
        shared.choose(Split::Train, None)
    );
    assert_eq!(
        reopened.choose(Split::Train, Some(77)),
        shared.choose(Split::Train, Some(77))
    );
    let again = SharedCurriculum::open(&path, config).unwrap();
    assert_eq!(
        again.choose(Split::Train, None),
        shared.choose(Split::Train, None)
    );
    // Only the file itself is left in the directory: no temporary files.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("run.json")]);

    // The caller's thresholds win over the file's.
    let strict = CurriculumConfig {
        mastery_threshold: 1.01,
        ..CurriculumConfig::default()
    };
    let strict = SharedCurriculum::open(&path, strict).unwrap();
    assert!(strict.stats().graduated.is_empty());
    assert_eq!(strict.stats().skill_profile, stats.skill_profile);
    // A raised start tier lifts a run that is below it.
    let raised = CurriculumConfig {
        start_tier: Difficulty::Expert,
        ..CurriculumConfig::default()
    };
    assert_eq!(
        SharedCurriculum::open(&path, raised).unwrap().tier(),
        Difficulty::Expert
    );
}

#[test]
fn clones_share_one_run() {
    let shared = SharedCurriculum::in_memory(plain());
    let other = shared.clone();
    assert_eq!(shared.path(), None);
    let m = mechanism_of(Difficulty::Warmup);
    for n in 0..3 {
        other
            .record(&outcome(Split::Train.id(Difficulty::Warmup, n), &[m], true))
            .unwrap();
    }
    assert_eq!(shared.tier(), Difficulty::Beginner);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let s = shared.clone();
            std::thread::spawn(move || s.choose(Split::Train, Some(5)))
        })
        .collect();
    let picks: Vec<IncidentId> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(picks.iter().all(|p| *p == picks[0]));
}

#[test]
fn a_corrupt_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    let check = |contents: &str, expect: &str| {
        std::fs::write(&path, contents).unwrap();
        let err = SharedCurriculum::open(&path, CurriculumConfig::default()).unwrap_err();
        assert!(matches!(err, CurriculumError::Corrupt { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains(expect), "{message}");
    };
    check("{\"format\": 1, \"sta", "EOF");
    // A valid run with one name changed.
    std::fs::remove_file(&path).unwrap();
    let shared = SharedCurriculum::open(&path, CurriculumConfig::default()).unwrap();
    let id = Split::Train.id(Difficulty::Warmup, 1);
    shared
        .record(&outcome(id, &[Mechanism::OomLimit], true))
        .unwrap();
    let good = std::fs::read_to_string(&path).unwrap();
    assert!(SharedCurriculum::open(&path, CurriculumConfig::default()).is_ok());
    check(
        &good.replace("\"oom-limit\"", "\"oom-limitless\""),
        "oom-limitless",
    );
    check(&good.replace("\"warmup\"", "\"impossible\""), "impossible");
    check(
        &good.replace("\"format\": 1", "\"format\": 99"),
        "format 99",
    );

    // A directory where the file should be is an I/O error, also naming the path.
    let dir_path = dir.path().join("a-directory");
    std::fs::create_dir(&dir_path).unwrap();
    let err = SharedCurriculum::open(&dir_path, CurriculumConfig::default()).unwrap_err();
    assert!(matches!(err, CurriculumError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("a-directory"));
}

#[test]
fn a_failed_write_is_reported_by_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing-dir").join("run.json");
    let shared = SharedCurriculum::open(&path, CurriculumConfig::default()).unwrap();
    let id = Split::Train.id(Difficulty::Warmup, 1);
    let err = shared
        .record(&outcome(id, &[Mechanism::OomLimit], true))
        .unwrap_err();
    assert!(matches!(err, CurriculumError::Io { .. }), "{err:?}");
    // The run itself went on.
    assert_eq!(shared.stats().episode_count, 1);
}

#[test]
fn config_and_outcomes_serialise_by_name() {
    let config = CurriculumConfig::default();
    let json = serde_json::to_value(&config).unwrap();
    assert_eq!(json["start_tier"], "warmup");
    assert_eq!(json["tiers"][3]["tier"], "advanced");
    let back: CurriculumConfig = serde_json::from_value(json).unwrap();
    assert_eq!(back, config);

    let o = outcome(
        "beginner-000042".parse().unwrap(),
        &[Mechanism::OomLimit, Mechanism::WrongDatabaseHost],
        true,
    );
    let json = serde_json::to_value(&o).unwrap();
    assert_eq!(json["incident"], "beginner-000042");
    assert_eq!(json["mechanisms"][1], "wrong-database-host");
    assert_eq!(serde_json::from_value::<Outcome>(json).unwrap(), o);
    let bad = serde_json::json!({"incident": "beginner-42", "mechanisms": ["nope"], "resolved": true, "steps": 1, "reward": 0.0});
    assert!(serde_json::from_value::<Outcome>(bad).is_err());
}

#[test]
fn start_tier_from_the_originals_min_difficulty() {
    let tiers: Vec<Difficulty> = [0.0, 0.25, 0.3, 0.5, 0.7, 0.9, 2.0]
        .into_iter()
        .map(tier_for_min_difficulty)
        .collect();
    use Difficulty::*;
    assert_eq!(
        tiers,
        [
            Warmup,
            Warmup,
            Beginner,
            Intermediate,
            Advanced,
            Expert,
            Expert
        ]
    );
}

#[test]
fn stats_of_a_fresh_run() {
    let c = Curriculum::new(CurriculumConfig::default());
    let stats = c.stats();
    assert_eq!(stats.tier, "warmup");
    assert_eq!(stats.difficulty, 0.15);
    assert_eq!(stats.persona, "junior");
    assert_eq!(
        stats.unlocked,
        [
            "oom-limit",
            "failing-command",
            "missing-image-tag",
            "scaled-to-zero"
        ]
    );
    assert!(stats.skill_profile.is_empty() && stats.graduated.is_empty());
    assert_eq!(
        (stats.promotions, stats.demotions, stats.episode_count),
        (0, 0, 0)
    );
    assert_eq!(c.config(), &CurriculumConfig::default());
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(json["recent_success_rate"], 0.0);
}
