//! Worlds to inject faults into: the baseline shop, the shop with a microservice storefront
//! whose checkout calls catalog through its Service, and the shop beside a generated
//! microservice graph (5 to 30 services over 2 to 5 namespaces, some with a PostgreSQL database
//! and a worker), deterministic from a seed.
//!
//! A topology names a world ([`Topology::build`] brings it up, all ready), its user-facing
//! workloads and dependency graph ([`Topology::graph`]), and where each fault mechanism applies
//! ([`Topology::fault_targets`], or [`fault_targets_in`] on a built cluster).

mod generated;
mod graph;
mod targets;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use cluster::Cluster;
use cluster::manifests::ManifestError;

pub use generated::{Blueprint, Credentials, MAX_SERVICES, MIN_SERVICES, ServiceBlueprint};
pub use graph::{SYSTEM_NAMESPACES, ServiceGraph};
pub use targets::fault_targets_in;

use crate::catalogue::{CatalogueFault, Mechanism, Workload, WorkloadKind};

/// The storefront namespace's manifests.
pub const STOREFRONT: &str = include_str!("../topology/storefront.yaml");

/// How long a world may take to come up, in simulated time.
pub const BUILD_LIMIT: Duration = Duration::from_secs(900);

/// A world's shape; `Display` and `FromStr` give its stable short name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Topology {
    /// The baseline shop: payments, frontend and auth (`shop`).
    Shop,
    /// The shop and the storefront add-on (`storefront`).
    Storefront,
    /// The shop and a generated microservice graph (`gen-<seed>-<services>`).
    Generated { seed: u64, services: u8 },
}

#[derive(Debug, thiserror::Error)]
pub enum TopologyError {
    #[error(
        "invalid topology {0:?}: expected shop, storefront or gen-<seed>-<services> with {MIN_SERVICES} to {MAX_SERVICES} services"
    )]
    Syntax(String),
    #[error("topology {topology}: {services} services, expected {MIN_SERVICES} to {MAX_SERVICES}")]
    Size { topology: String, services: u8 },
    #[error("topology {topology}: {source}")]
    Manifest {
        topology: String,
        source: ManifestError,
    },
    #[error("topology {topology}: {kind} {name}: {message}")]
    Apply {
        topology: String,
        kind: String,
        name: String,
        message: String,
    },
    #[error("topology {topology}: workloads not ready after {secs} simulated seconds: {not_ready}")]
    NotReady {
        topology: String,
        secs: u64,
        not_ready: String,
    },
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Topology::Shop => f.write_str("shop"),
            Topology::Storefront => f.write_str("storefront"),
            Topology::Generated { seed, services } => write!(f, "gen-{seed}-{services}"),
        }
    }
}

impl FromStr for Topology {
    type Err = TopologyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || TopologyError::Syntax(s.to_string());
        match s {
            "shop" => Ok(Topology::Shop),
            "storefront" => Ok(Topology::Storefront),
            _ => {
                let rest = s.strip_prefix("gen-").ok_or_else(syntax)?;
                let (seed, services) = rest.split_once('-').ok_or_else(syntax)?;
                let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
                if !digits(seed) || !digits(services) {
                    return Err(syntax());
                }
                let t = Topology::Generated {
                    seed: seed.parse().map_err(|_| syntax())?,
                    services: services.parse().map_err(|_| syntax())?,
                };
                t.check()?;
                Ok(t)
            }
        }
    }
}

fn deployment(namespace: &str, name: &str) -> Workload {
    Workload {
        kind: WorkloadKind::Deployment,
        namespace: namespace.into(),
        name: name.into(),
    }
}

impl Topology {
    /// A generated topology, refused outside [`MIN_SERVICES`]..=[`MAX_SERVICES`].
    pub fn generated(seed: u64, services: u8) -> Result<Topology, TopologyError> {
        let t = Topology::Generated { seed, services };
        t.check()?;
        Ok(t)
    }

    /// Refuses a generated size outside the supported range.
    pub fn check(&self) -> Result<(), TopologyError> {
        match *self {
            Topology::Generated { services, .. }
                if !(MIN_SERVICES..=MAX_SERVICES).contains(&services) =>
            {
                Err(TopologyError::Size {
                    topology: self.to_string(),
                    services,
                })
            }
            _ => Ok(()),
        }
    }

    /// The generated graph, for `Generated` topologies.
    pub fn blueprint(&self) -> Result<Option<Blueprint>, TopologyError> {
        self.check()?;
        Ok(match *self {
            Topology::Generated { seed, services } => Some(Blueprint::generate(seed, services)),
            _ => None,
        })
    }

    /// Brings the world up on a cluster seeded with `cluster_seed` (pod names, uids; the graph
    /// comes from the topology's own seed) and runs it until every workload is ready; refuses, naming the laggards, if that takes longer than
    /// [`BUILD_LIMIT`].
    pub fn build(&self, cluster_seed: u64) -> Result<Cluster, TopologyError> {
        self.check()?;
        let mut c = Cluster::baseline(cluster_seed);
        self.apply_extra(&mut c)?;
        if !c.run_until(BUILD_LIMIT, Cluster::workloads_ready) {
            return Err(TopologyError::NotReady {
                topology: self.to_string(),
                secs: BUILD_LIMIT.as_secs(),
                not_ready: not_ready(&c).join(", "),
            });
        }
        Ok(c)
    }

    /// Applies what this topology adds to the baseline shop, without running the simulator.
    fn apply_extra(&self, c: &mut Cluster) -> Result<(), TopologyError> {
        match *self {
            Topology::Shop => Ok(()),
            Topology::Storefront => c
                .apply_yaml("storefront.yaml", STOREFRONT)
                .map(|_| ())
                .map_err(|source| TopologyError::Manifest {
                    topology: self.to_string(),
                    source,
                }),
            Topology::Generated { seed, services } => {
                for object in Blueprint::generate(seed, services).objects() {
                    let kind = object["kind"].as_str().unwrap_or_default().to_string();
                    let name = format!(
                        "{}/{}",
                        object["metadata"]["namespace"].as_str().unwrap_or_default(),
                        object["metadata"]["name"].as_str().unwrap_or_default()
                    );
                    c.apply_value(object).map_err(|e| TopologyError::Apply {
                        topology: self.to_string(),
                        kind,
                        name,
                        message: e.message,
                    })?;
                }
                Ok(())
            }
        }
    }

    /// The world's objects, applied to a cluster that has not run: enough to read its shape
    /// (graph, fault targets) without bringing it up.
    pub fn objects(&self) -> Result<Cluster, TopologyError> {
        self.check()?;
        let mut c = Cluster::new(0);
        for (file, yaml) in cluster::manifests::BASELINE {
            c.apply_yaml(file, yaml)
                .map_err(|source| TopologyError::Manifest {
                    topology: self.to_string(),
                    source,
                })?;
        }
        self.apply_extra(&mut c)?;
        Ok(c)
    }

    /// The user-facing workloads: the shop's web app and payment gateway, the storefront's
    /// checkout, a generated graph's edge services.
    pub fn entry_points(&self) -> Vec<Workload> {
        let mut out = vec![
            deployment("frontend", "web-app"),
            deployment("payments", "payment-gateway"),
        ];
        match *self {
            Topology::Shop => {}
            Topology::Storefront => out.push(deployment("storefront", "checkout")),
            Topology::Generated { seed, services } => {
                if self.check().is_ok() {
                    out.extend(
                        Blueprint::generate(seed, services)
                            .services
                            .iter()
                            .filter(|s| s.user_facing)
                            .map(|s| deployment(&s.namespace, &s.name)),
                    );
                }
            }
        }
        out
    }

    /// Who calls whom, read from the world's objects.
    pub fn graph(&self) -> Result<ServiceGraph, TopologyError> {
        Ok(ServiceGraph::from_cluster(
            &self.objects()?,
            self.entry_points(),
        ))
    }

    /// Every place in this world where `mechanism` applies and its symptom shows. Reads the
    /// objects afresh; with a built cluster at hand, [`fault_targets_in`] is cheaper.
    pub fn fault_targets(
        &self,
        mechanism: Mechanism,
    ) -> Result<Vec<CatalogueFault>, TopologyError> {
        Ok(fault_targets_in(&self.objects()?, mechanism))
    }
}

/// Deployments and StatefulSets not yet at their desired ready replicas.
fn not_ready(c: &Cluster) -> Vec<String> {
    use cluster::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
    let mut out = Vec::new();
    for d in c.list::<Deployment>() {
        let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        let st = d.status.clone().unwrap_or_default();
        if st.available_replicas.unwrap_or(0) != want || st.updated_replicas.unwrap_or(0) != want {
            out.push(format!(
                "Deployment {}/{}",
                d.metadata.namespace.as_deref().unwrap_or(""),
                d.metadata.name.as_deref().unwrap_or("")
            ));
        }
    }
    for s in c.list::<StatefulSet>() {
        let want = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
        if s.status
            .as_ref()
            .and_then(|st| st.ready_replicas)
            .unwrap_or(0)
            != want
        {
            out.push(format!(
                "StatefulSet {}/{}",
                s.metadata.namespace.as_deref().unwrap_or(""),
                s.metadata.name.as_deref().unwrap_or("")
            ));
        }
    }
    if out.is_empty() {
        out.push("pods still starting".into());
    }
    out
}

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

    #[test]
    fn names_round_trip_and_garbage_is_refused() {
        for t in [
            Topology::Shop,
            Topology::Storefront,
            Topology::Generated {
                seed: 42,
                services: 17,
            },
        ] {
            assert_eq!(t.to_string().parse::<Topology>().unwrap(), t);
        }
        assert_eq!(
            Topology::Generated {
                seed: 7,
                services: 30
            }
            .to_string(),
            "gen-7-30"
        );
        for bad in [
            "", "gen", "gen-1", "gen-1-", "gen--5", "gen-1-4", "gen-1-31", "gen-x-5", "gen-1-+5",
            "Shop",
        ] {
            assert!(bad.parse::<Topology>().is_err(), "{bad}");
        }
        assert!(
            Topology::Generated {
                seed: 1,
                services: 200
            }
            .build(1)
            .is_err()
        );
    }

    #[test]
    fn the_shop_graph_reaches_its_entry_points() {
        let g = Topology::Storefront.graph().unwrap();
        let catalog = deployment("storefront", "catalog");
        let chain = g.caller_chain(&catalog).unwrap();
        assert_eq!(chain, vec![catalog, deployment("storefront", "checkout")]);
        let auth = deployment("auth", "auth-service");
        assert_eq!(
            g.caller_chain(&auth).unwrap().last(),
            Some(&deployment("frontend", "web-app"))
        );
        let db = Workload {
            kind: WorkloadKind::StatefulSet,
            namespace: "payments".into(),
            name: "payment-db".into(),
        };
        assert!(
            g.callers_of(&db)
                .contains(&deployment("payments", "payment-worker"))
        );
    }
}
