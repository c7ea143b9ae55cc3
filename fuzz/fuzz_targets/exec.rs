//! The in-process kubectl over arbitrary command lines on the baseline cluster: every input gets
//! an answer, never a panic, and a refused command leaves the cluster as it was.
#![no_main]

use std::sync::LazyLock;

use cluster::Cluster;
use libfuzzer_sys::fuzz_target;

// Warmed up once: every workload running, so a run pays for its own command only.
static BASELINE: LazyLock<Cluster> = LazyLock::new(|| {
    let mut cluster = Cluster::baseline(1);
    cluster.advance(std::time::Duration::from_secs(300));
    cluster
});

fuzz_target!(|line: &str| {
    let mut cluster = BASELINE.clone();
    let refused = kubectl::grammar::parse(line).is_err();
    let out = kubectl::exec::run(&mut cluster, line);
    if refused {
        // Every write bumps the resourceVersion; the full snapshot comparison lives in the
        // property tests, too slow here.
        assert_ne!(out.exit_code, 0, "a refused command must fail: {line:?}");
        assert_eq!(
            cluster.resource_version(),
            BASELINE.resource_version(),
            "a refused command changed the cluster: {line:?}"
        );
        assert_eq!(
            cluster.now(),
            BASELINE.now(),
            "a refused command moved the clock: {line:?}"
        );
    }
});
