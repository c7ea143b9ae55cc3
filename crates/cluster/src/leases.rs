//! Node heartbeats as Leases: each node's kubelet holds the Lease of its name in
//! `kube-node-lease` and renews it every 10 seconds of simulated time, one write per renewal.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

use crate::cluster::{Cluster, Work, meta};

/// The namespace of node Leases.
pub const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";
/// The kubelet's `nodeLeaseDurationSeconds`.
const LEASE_DURATION_SECONDS: i32 = 40;
/// How often the kubelet renews: a quarter of the lease duration.
pub(crate) const RENEW_INTERVAL: Duration = Duration::from_secs(10);

impl Cluster {
    /// A registered node's kubelet takes its Lease and starts renewing it, once.
    pub(crate) fn ensure_node_lease(&mut self, node: &str) {
        let renewing = self
            .timers
            .iter()
            .any(|(_, w)| matches!(w, Work::NodeLease(n) if n == node));
        if !renewing {
            self.renew_node_lease(node);
        }
    }

    /// Creates or renews `node`'s Lease and schedules the next renewal; a node gone stops
    /// renewing (its Lease goes with it through the garbage collector).
    pub(crate) fn renew_node_lease(&mut self, node: &str) {
        let Some(owner) = self.store.get::<Node>("", node).cloned() else {
            return;
        };
        let now = self.now;
        match self.store.get::<Lease>(NODE_LEASE_NAMESPACE, node) {
            Some(old) => {
                let renew_time = Some(now.micro_time());
                // A renewal at the same instant writes nothing; any other always changes the
                // Lease, so there is nothing to compare. Every node renews every ten seconds:
                // the Lease is changed in place rather than copied.
                if old.spec.as_ref().and_then(|s| s.renew_time.as_ref()) != renew_time.as_ref() {
                    self.commit_in_place::<Lease>(NODE_LEASE_NAMESPACE, node, |lease| {
                        lease.spec.get_or_insert_default().renew_time = renew_time;
                    });
                }
            }
            None => {
                let mut lease = Lease {
                    metadata: meta(NODE_LEASE_NAMESPACE, node),
                    spec: Some(LeaseSpec {
                        holder_identity: Some(node.to_string()),
                        lease_duration_seconds: Some(LEASE_DURATION_SECONDS),
                        renew_time: Some(now.micro_time()),
                        ..Default::default()
                    }),
                };
                lease.metadata.owner_references = Some(vec![OwnerReference {
                    api_version: "v1".into(),
                    kind: "Node".into(),
                    name: node.to_string(),
                    uid: owner.metadata.uid.clone().unwrap_or_default(),
                    ..Default::default()
                }]);
                if self.create(lease).is_err() {
                    return;
                }
            }
        }
        self.schedule(now + RENEW_INTERVAL, Work::NodeLease(node.to_string()));
    }
}
