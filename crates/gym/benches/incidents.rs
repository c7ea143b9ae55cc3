//! Incident costs: injecting a fault into a pre-built baseline and running the simulator until
//! its symptom shows, grading (which forks and runs minutes ahead), and building worlds.

use std::hint::black_box;
use std::time::Duration;

use cluster::Cluster;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use gym::catalogue::Mechanism;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn benches(c: &mut Criterion) {
    let base = Cluster::baseline(7);
    for m in [
        Mechanism::OomLimit,
        Mechanism::MissingImageTag,
        Mechanism::ScaledToZero,
        Mechanism::ExhaustedQuota,
        Mechanism::DependencyScaledDown,
    ] {
        let fault = m.default_fault();
        c.bench_function(&format!("inject and observe {m}"), |b| {
            b.iter_batched(
                || base.clone(),
                |mut cluster| black_box(fault.inject(&mut cluster).expect("observable")),
                BatchSize::SmallInput,
            )
        });
    }
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
