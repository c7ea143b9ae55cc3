//! Red herrings: things an on-call engineer sees that look wrong and are not. Each is built from
//! objects, like the faults, and is part of the world before any fault is injected, so touching
//! it counts as collateral damage.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use cluster::Cluster;
use cluster::manifests::ManifestError;

/// One kind of noise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Noise {
    /// A healthy pod whose restart count is 1, from a start-up race long settled.
    OldRestart,
    /// A finished report Job, Complete, and the Completed pod it leaves.
    CompletedJob,
    /// A healthy workload that logs warnings continuously.
    WarningLogs,
    /// A Deployment whose pod is Pending by design, and annotated as such.
    ExpectedPending,
}

/// Every kind of noise, in a fixed order.
pub const ALL: [Noise; 4] = [
    Noise::OldRestart,
    Noise::CompletedJob,
    Noise::WarningLogs,
    Noise::ExpectedPending,
];

const OLD_RESTART: &str = include_str!("../topology/noise/old-restart.yaml");
const OLD_RESTART_ALIAS: &str = include_str!("../topology/noise/old-restart-alias.yaml");
const COMPLETED_JOB: &str = include_str!("../topology/noise/completed-job.yaml");
const WARNING_LOGS: &str = include_str!("../topology/noise/warning-logs.yaml");
const EXPECTED_PENDING: &str = include_str!("../topology/noise/expected-pending.yaml");

/// Longer than the exporter's 15 attempts 2 s apart, so it gives up once before the alias exists.
const ALIAS_DELAY: Duration = Duration::from_secs(36);

impl Noise {
    pub fn name(self) -> &'static str {
        match self {
            Noise::OldRestart => "old-restart",
            Noise::CompletedJob => "completed-job",
            Noise::WarningLogs => "warning-logs",
            Noise::ExpectedPending => "expected-pending",
        }
    }

    /// What it looks like, for people browsing scenarios.
    pub fn summary(self) -> &'static str {
        match self {
            Noise::OldRestart => "payments/ledger-export restarted once at start-up, healthy since",
            Noise::CompletedJob => {
                "a Complete settlement-report Job and its Completed pod in payments"
            }
            Noise::WarningLogs => "frontend/cdn-purger logs WARN lines, healthy",
            Noise::ExpectedPending => "ml/embeddings-batch Pending for a GPU pool, by design",
        }
    }
}

impl fmt::Display for Noise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Noise {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ALL.into_iter().find(|n| n.name() == s).ok_or_else(|| {
            format!(
                "unknown noise {s:?}; expected one of: {}",
                ALL.map(Noise::name).join(", ")
            )
        })
    }
}

/// Adds `noise` to a settled world and runs it until the noise is in its steady state: the
/// exporter restarted once and ready, the report Completed, the batch pod Unschedulable.
pub fn add(cluster: &mut Cluster, noise: &[Noise]) -> Result<(), ManifestError> {
    for n in noise {
        let (file, yaml) = match n {
            Noise::OldRestart => ("old-restart.yaml", OLD_RESTART),
            Noise::CompletedJob => ("completed-job.yaml", COMPLETED_JOB),
            Noise::WarningLogs => ("warning-logs.yaml", WARNING_LOGS),
            Noise::ExpectedPending => ("expected-pending.yaml", EXPECTED_PENDING),
        };
        cluster.apply_yaml(file, yaml)?;
    }
    if noise.contains(&Noise::OldRestart) {
        cluster.advance(ALIAS_DELAY);
        cluster.apply_yaml("old-restart-alias.yaml", OLD_RESTART_ALIAS)?;
    }
    let expected = noise.contains(&Noise::ExpectedPending);
    cluster.run_until(Duration::from_secs(600), |c| settled(c, expected));
    Ok(())
}

/// Every workload ready except the one that waits for its GPU pool, every Job finished.
fn settled(c: &Cluster, expected_pending: bool) -> bool {
    use cluster::k8s_openapi::api::apps::v1::Deployment;
    use cluster::k8s_openapi::api::batch::v1::Job;
    use cluster::k8s_openapi::api::core::v1::Pod;
    let pending_by_design = |ns: Option<&str>| expected_pending && ns == Some("ml");
    let deployments = c.list::<Deployment>().all(|d| {
        if pending_by_design(d.metadata.namespace.as_deref()) {
            return true;
        }
        let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        let st = d.status.clone().unwrap_or_default();
        st.available_replicas.unwrap_or(0) == want && st.replicas.unwrap_or(0) == want
    });
    let pods = c.list::<Pod>().all(|p| {
        pending_by_design(p.metadata.namespace.as_deref())
            || (p.metadata.deletion_timestamp.is_none()
                && (cluster::selectors::is_ready(p)
                    || p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Succeeded")))
    });
    let jobs = c.list::<Job>().all(|j| {
        j.status
            .iter()
            .flat_map(|s| s.conditions.iter().flatten())
            .any(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
    });
    deployments && pods && jobs
}

#[cfg(test)]
mod tests {
    use super::*;
    use cluster::k8s_openapi::api::batch::v1::Job;
    use cluster::k8s_openapi::api::core::v1::Pod;

    fn restarts(p: &Pod) -> i32 {
        p.status
            .iter()
            .flat_map(|s| s.container_statuses.iter().flatten())
            .map(|c| c.restart_count)
            .sum()
    }

    #[test]
    fn every_noise_reaches_its_steady_state() {
        let mut c = Cluster::baseline(5);
        add(&mut c, &ALL).unwrap();
        let pods: Vec<_> = c.list::<Pod>().cloned().collect();
        let find = |prefix: &str| {
            pods.iter()
                .find(|p| p.metadata.name.as_deref().unwrap().starts_with(prefix))
                .unwrap_or_else(|| panic!("no pod {prefix}"))
        };
        let exporter = find("ledger-export-");
        assert_eq!(restarts(exporter), 1);
        assert!(cluster::selectors::is_ready(exporter));
        let report = find("settlement-report-29170560-");
        assert_eq!(
            report.status.as_ref().unwrap().phase.as_deref(),
            Some("Succeeded")
        );
        let owner = &report.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.name.as_str()),
            ("Job", "settlement-report-29170560")
        );
        let job = c
            .get::<Job>("payments", "settlement-report-29170560")
            .expect("the report Job");
        let status = job.status.clone().unwrap_or_default();
        assert_eq!(status.succeeded, Some(1));
        let complete = status
            .conditions
            .iter()
            .flatten()
            .any(|c| c.type_ == "Complete" && c.status == "True");
        assert!(complete, "the report Job is Complete: {status:?}");
        let batch = find("embeddings-batch-");
        assert_eq!(
            batch.status.as_ref().unwrap().phase.as_deref(),
            Some("Pending")
        );
        assert!(cluster::selectors::is_ready(find("cdn-purger-")));
        // The restart stays history: a few minutes on, nothing else has restarted.
        c.advance(Duration::from_secs(600));
        let total: i32 = c.list::<Pod>().map(|p| restarts(p)).sum();
        assert_eq!(total, 1, "only the exporter has ever restarted, once");
    }
}
