//! Generating, injecting and warming an incident from a pre-built world: what a `reset` costs
//! once the worlds are built. Each iteration takes the next id of the tier's test split, so the
//! figure is a mean over incidents, not one lucky case. Each tier first prints how many writes
//! and how much simulated time its incidents take, which the time follows.

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
        // What the timed work is made of: the writes (resourceVersions handed out) and the
        // simulated time from a world to its warmed incident.
        let (mut writes, mut millis) = (0, 0);
        for n in 0..SAMPLE {
            let spec = Split::Test.id(tier, n).spec();
            let world = worlds.get(&spec.world).expect("world builds");
            let (warmed, _) = spec.instantiate(&worlds).expect("observable");
            writes += warmed.resource_version() - world.resource_version();
            millis += warmed.now().millis() - world.now().millis();
        }
        println!(
            "{tier}: {:.0} writes and {:.1} simulated seconds per incident",
            writes as f64 / f64::from(SAMPLE),
            millis as f64 / 1000.0 / f64::from(SAMPLE)
        );
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
