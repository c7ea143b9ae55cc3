//! What a trainer pays per call in process: a reset (a prepared incident forked, as for every
//! rollout of a GRPO group after the first; and a fresh incident, generated, injected and
//! warmed), a read-only step, and a step that changes the cluster.

use std::cell::Cell;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gym::catalogue::Difficulty;
use gym::{EnvConfig, Environment, ResetOptions, Split};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn options(n: u32) -> ResetOptions {
    ResetOptions {
        incident: Some(Split::Train.id(Difficulty::Warmup, n)),
        ..ResetOptions::default()
    }
}

fn benches(c: &mut Criterion) {
    let config = EnvConfig {
        record_outcomes: false,
        ..EnvConfig::default()
    };
    let env = Arc::new(Environment::new(config.clone()));
    let mut session = env.session();
    session.reset(options(0)).expect("reset");
    c.bench_function("reset (prepared incident)", |b| {
        b.iter(|| black_box(session.reset(options(0)).expect("reset")))
    });

    // No cache: every reset generates, injects and warms its incident on a pre-built world.
    let uncached = Arc::new(Environment::new(EnvConfig {
        incident_cache: 0,
        ..config.clone()
    }));
    let mut fresh = uncached.session();
    // The worlds are built once per run, as a server builds them: not part of a reset.
    for n in 0..64 {
        fresh.reset(options(n)).expect("world built");
    }
    let next = Cell::new(0u32);
    c.bench_function("reset (new warmup incident)", |b| {
        b.iter(|| {
            let n = next.get();
            next.set((n + 1) % 64);
            black_box(fresh.reset(options(n)).expect("reset"))
        })
    });

    let started = || {
        let mut s = env.session();
        s.reset(options(0)).expect("reset");
        s
    };
    c.bench_function("step (kubectl get pods -n payments)", |b| {
        b.iter_batched_ref(
            started,
            |s| black_box(s.step("kubectl get pods -n payments").expect("step")),
            BatchSize::SmallInput,
        )
    });
    c.bench_function("step (kubectl describe deployment -n frontend)", |b| {
        b.iter_batched_ref(
            started,
            |s| {
                black_box(
                    s.step("kubectl describe deployment web-app -n frontend")
                        .expect("step"),
                )
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("step (kubectl scale, graded)", |b| {
        b.iter_batched_ref(
            started,
            |s| {
                black_box(
                    s.step("kubectl scale deployment web-app -n frontend --replicas=3")
                        .expect("step"),
                )
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(episode, benches);
criterion_main!(episode);
