//! Worlds to inject faults into: the baseline shop, and the shop with a microservice storefront
//! whose checkout calls catalog through its Service.

use std::time::Duration;

use cluster::Cluster;
use cluster::manifests::ManifestError;

/// The storefront namespace's manifests.
pub const STOREFRONT: &str = include_str!("../topology/storefront.yaml");

/// Adds the storefront to a cluster and runs it until every workload is ready.
pub fn add_storefront(cluster: &mut Cluster) -> Result<(), ManifestError> {
    cluster.apply_yaml("storefront.yaml", STOREFRONT)?;
    cluster.run_until(Duration::from_secs(600), Cluster::workloads_ready);
    Ok(())
}

/// The baseline shop with the storefront beside it, settled.
pub fn shop_with_storefront(seed: u64) -> Result<Cluster, ManifestError> {
    let mut cluster = Cluster::baseline(seed);
    add_storefront(&mut cluster)?;
    Ok(cluster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_storefront_comes_up_ready_and_checkout_reaches_catalog() {
        let c = shop_with_storefront(3).unwrap();
        assert!(c.workloads_ready());
        let pods = c.list_in::<cluster::k8s_openapi::api::core::v1::Pod>("storefront");
        assert_eq!(pods.filter(|p| cluster::selectors::is_ready(p)).count(), 5);
    }
}

// Interim: the worlds scenarios are built on, until generated topologies land.
/// A world to inject faults into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topology {
    Shop,
    Storefront,
    Generated { seed: u64, services: u8 },
}

impl Topology {
    pub fn build(&self, cluster_seed: u64) -> Result<Cluster, ManifestError> {
        match self {
            Topology::Shop => Ok(Cluster::baseline(cluster_seed)),
            _ => shop_with_storefront(cluster_seed),
        }
    }

    pub fn fault_targets(
        &self,
        mechanism: crate::Mechanism,
    ) -> Vec<crate::catalogue::CatalogueFault> {
        let fault = mechanism.default_fault();
        if *self == Topology::Shop && fault.namespace == "storefront" {
            return Vec::new();
        }
        vec![fault]
    }
}

impl std::fmt::Display for Topology {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Topology::Shop => f.write_str("shop"),
            Topology::Storefront => f.write_str("storefront"),
            Topology::Generated { seed, services } => write!(f, "gen-{seed}-{services}"),
        }
    }
}
