//! Manifests: multi-document YAML applied to a cluster, and the baseline world that ships in the
//! repository's `manifests/baseline/` (the same files apply to a real cluster).

use std::sync::OnceLock;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};

use crate::cluster::{Cluster, TypedObject};
use crate::error::ApiError;
use crate::selectors;

/// The baseline world, file by file, in apply order.
pub const BASELINE: &[(&str, &str)] = &[
    (
        "00-namespaces.yaml",
        include_str!("../../../manifests/baseline/00-namespaces.yaml"),
    ),
    (
        "01-nodes.yaml",
        include_str!("../../../manifests/baseline/01-nodes.yaml"),
    ),
    (
        "02-storage.yaml",
        include_str!("../../../manifests/baseline/02-storage.yaml"),
    ),
    (
        "10-kube-system.yaml",
        include_str!("../../../manifests/baseline/10-kube-system.yaml"),
    ),
    (
        "20-payments.yaml",
        include_str!("../../../manifests/baseline/20-payments.yaml"),
    ),
    (
        "21-frontend.yaml",
        include_str!("../../../manifests/baseline/21-frontend.yaml"),
    ),
    (
        "22-auth.yaml",
        include_str!("../../../manifests/baseline/22-auth.yaml"),
    ),
];

/// Why a manifest could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{file}: invalid YAML: {message}")]
    Yaml { file: String, message: String },
    #[error("{file}: {kind} {name:?}: {source}")]
    Apply {
        file: String,
        kind: String,
        name: String,
        source: Box<ApiError>,
    },
}

/// Parses multi-document YAML into JSON objects, skipping empty documents.
pub fn parse_documents(file: &str, yaml: &str) -> Result<Vec<serde_json::Value>, ManifestError> {
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(yaml).map_err(|e| ManifestError::Yaml {
            file: file.to_string(),
            message: e.to_string(),
        })?;
    Ok(docs.into_iter().filter(|d| d.is_object()).collect())
}

/// The baseline manifests, parsed and decoded once per process.
fn baseline_documents() -> &'static [(&'static str, Vec<TypedObject>)] {
    static DOCS: OnceLock<Vec<(&'static str, Vec<TypedObject>)>> = OnceLock::new();
    DOCS.get_or_init(|| {
        BASELINE
            .iter()
            .map(|(file, yaml)| {
                let docs = parse_documents(file, yaml)
                    .unwrap_or_else(|e| panic!("the shipped baseline manifests must parse: {e}"));
                let typed = docs
                    .into_iter()
                    .map(|d| TypedObject::from_value(d).unwrap_or_else(|e| panic!("{file}: {e}")))
                    .collect();
                (*file, typed)
            })
            .collect()
    })
}

impl Cluster {
    /// Applies every object of a multi-document YAML manifest (create or replace).
    pub fn apply_yaml(&mut self, file: &str, yaml: &str) -> Result<usize, ManifestError> {
        let docs = parse_documents(file, yaml)?;
        let count = docs.len();
        for doc in docs {
            let kind = doc
                .get("kind")
                .and_then(|k| k.as_str())
                .unwrap_or("")
                .to_string();
            let name = doc
                .pointer("/metadata/name")
                .and_then(|n| n.as_str())
                .unwrap_or("")
                .to_string();
            self.apply_value(doc)
                .map_err(|source| ManifestError::Apply {
                    file: file.to_string(),
                    kind,
                    name,
                    source: Box::new(source),
                })?;
        }
        Ok(count)
    }

    /// The healthy baseline world (the payments/frontend/auth shop on three nodes), settled:
    /// every workload rolled out and ready. Panics only if the shipped manifests are broken,
    /// which the test suite rules out.
    pub fn baseline(seed: u64) -> Cluster {
        let mut cluster = Cluster::new(seed);
        for (file, docs) in baseline_documents() {
            for doc in docs {
                if let Err(e) = cluster.apply_typed(doc) {
                    panic!("the shipped baseline manifest {file} must apply: {e}");
                }
            }
        }
        cluster.run_until(Duration::from_secs(600), Cluster::workloads_ready);
        cluster
    }

    /// Whether every Deployment and StatefulSet has all its replicas updated, ready and
    /// available, and no pod is still coming up.
    pub fn workloads_ready(&self) -> bool {
        let deployments_ready = self.list::<Deployment>().all(|d| {
            let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            let no_status = Default::default();
            let st = d.status.as_ref().unwrap_or(&no_status);
            st.observed_generation == d.metadata.generation
                && st.updated_replicas.unwrap_or(0) == want
                && st.available_replicas.unwrap_or(0) == want
                && st.replicas.unwrap_or(0) == want
        });
        let statefulsets_ready = self.list::<StatefulSet>().all(|s| {
            let want = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
            s.status
                .as_ref()
                .and_then(|st| st.ready_replicas)
                .unwrap_or(0)
                == want
        });
        let pods_settled = self.list::<k8s_openapi::api::core::v1::Pod>().all(|p| {
            p.metadata.deletion_timestamp.is_none()
                && (selectors::is_ready(p) || crate::kubelet::is_terminal(p))
        });
        deployments_ready && statefulsets_ready && pods_settled
    }
}
