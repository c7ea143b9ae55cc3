//! The simulator's speed targets: build the baseline, fork it, advance a minute with a
//! crash-looping pod.

use std::hint::black_box;
use std::time::Duration;

use cluster::Cluster;
use cluster::k8s_openapi::api::apps::v1::Deployment;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

// The same allocator as the kube-sre-gym binaries: the simulator allocates many small strings.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn crash_looping() -> Cluster {
    let mut c = Cluster::baseline(1);
    c.modify::<Deployment>("payments", "payment-gateway", |d| {
        let spec = d
            .spec
            .as_mut()
            .and_then(|s| s.template.spec.as_mut())
            .expect("template");
        spec.containers[0].command = Some(vec!["sh".into(), "-c".into(), "exit 1".into()]);
    })
    .expect("valid edit");
    // Past the first restarts, into steady back-off.
    c.advance(Duration::from_secs(120));
    c
}

fn benches(c: &mut Criterion) {
    c.bench_function("baseline build", |b| {
        b.iter(|| black_box(Cluster::baseline(black_box(7))))
    });

    let base = Cluster::baseline(7);
    c.bench_function("fork", |b| b.iter(|| black_box(base.clone())));

    let looping = crash_looping();
    c.bench_function("advance 60s with a crash-looping pod", |b| {
        b.iter_batched(
            || looping.clone(),
            |mut cluster| {
                cluster.advance(Duration::from_secs(60));
                cluster
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(name = cluster_benches; config = Criterion::default().measurement_time(Duration::from_secs(4)); targets = benches);
criterion_main!(cluster_benches);
