//! Generating, injecting and warming an incident from a pre-built world: what a `reset` costs
//! once the worlds are built. Each iteration takes the next id of the tier's test split, so the
//! figure is a mean over incidents, not one lucky case.

use std::cell::Cell;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use gym::Split;
use gym::Worlds;
use gym::scenario::TIERS;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Incidents per tier cycled through; their worlds are built before timing starts.
const SAMPLE: u32 = 64;

fn benches(c: &mut Criterion) {
    let worlds = Worlds::new();
    for tier in TIERS {
        for n in 0..SAMPLE {
            let spec = Split::Test.id(tier, n).spec();
            worlds.get(&spec.world).expect("world builds");
        }
        let next = Cell::new(0u32);
        c.bench_function(&format!("generate, inject and warm ({tier})"), |b| {
            b.iter(|| {
                let n = next.get();
                next.set((n + 1) % SAMPLE);
                let spec = Split::Test.id(tier, n).spec();
                black_box(spec.instantiate(&worlds).expect("observable"))
            })
        });
    }
}

criterion_group!(scenarios, benches);
criterion_main!(scenarios);
