//! The in-process kubectl's speed on the baseline cluster.

use std::hint::black_box;

use cluster::Cluster;
use criterion::{Criterion, criterion_group, criterion_main};

// The same allocator as the kube-sre-gym binaries.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn benches(c: &mut Criterion) {
    let mut cluster = Cluster::baseline(1);
    for command in [
        "get pods -A",
        "get pods -n payments -o wide",
        "get deploy,svc -n payments",
        "describe pod payment-db-0 -n payments",
        "describe pods -n payments",
    ] {
        c.bench_function(command, |b| {
            b.iter(|| black_box(kubectl::exec::run(&mut cluster, black_box(command))))
        });
    }
    // A write and the controllers' reaction to it: the Deployment rolls out a new ReplicaSet.
    // Alternating between two limits makes every call a real change.
    let commands = [
        "set resources deployment/payment-api -n payments --limits=memory=300Mi",
        "set resources deployment/payment-api -n payments --limits=memory=310Mi",
    ];
    let mut turn = 0;
    c.bench_function("set resources", |b| {
        b.iter(|| {
            turn ^= 1;
            black_box(kubectl::exec::run(&mut cluster, black_box(commands[turn])))
        })
    });
}

criterion_group!(kubectl_benches, benches);
criterion_main!(kubectl_benches);
