//! The endpoints controller: each Service's Endpoints from the pods its selector matches, ready
//! addresses apart from not-ready ones, target ports resolved by number or name.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    EndpointAddress, EndpointPort, EndpointSubset, Endpoints, ObjectReference, Pod, Service,
    ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::cluster::{Cluster, meta};
use crate::selectors::matches_map;
use crate::store::ObjectKey;

impl Cluster {
    pub(crate) fn reconcile_endpoints(&mut self, k: &ObjectKey) {
        let Some(svc) = self.store.get::<Service>(&k.0, &k.1).cloned() else {
            if self.store.get::<Endpoints>(&k.0, &k.1).is_some() && k.1 != "kubernetes" {
                self.remove::<Endpoints>(&k.0, &k.1);
            }
            return;
        };
        let default_spec = ServiceSpec::default();
        let spec = svc.spec.as_ref().unwrap_or(&default_spec);
        let Some(selector) = spec.selector.as_ref().filter(|s| !s.is_empty()) else {
            return;
        };
        let pods = self
            .store
            .list_in::<Pod>(&k.0)
            .filter(|p| matches_map(selector, p.metadata.labels.as_ref()))
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter(|p| p.status.as_ref().and_then(|s| s.pod_ip.as_ref()).is_some());
        // Group addresses by their resolved port set, as the real controller packs subsets.
        type Ports = Vec<(String, i32, String)>;
        type ReadyAndNot = (Vec<EndpointAddress>, Vec<EndpointAddress>);
        let mut subsets: BTreeMap<Ports, ReadyAndNot> = BTreeMap::new();
        for pod in pods {
            let mut ports = Vec::new();
            for sp in spec.ports.iter().flatten() {
                let target = sp.target_port.clone().unwrap_or(IntOrString::Int(sp.port));
                let resolved = match &target {
                    IntOrString::Int(n) => Some(*n),
                    IntOrString::String(name) => pod
                        .spec
                        .iter()
                        .flat_map(|s| s.containers.iter())
                        .flat_map(|c| c.ports.iter().flatten())
                        .find(|p| p.name.as_deref() == Some(name))
                        .map(|p| p.container_port),
                };
                if let Some(port) = resolved {
                    ports.push((
                        sp.name.clone().unwrap_or_default(),
                        port,
                        sp.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    ));
                }
            }
            if ports.is_empty() {
                continue;
            }
            ports.sort();
            let Some(status) = pod.status.as_ref() else {
                continue;
            };
            let ready = status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            let address = EndpointAddress {
                ip: status.pod_ip.clone().unwrap_or_default(),
                node_name: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
                hostname: spec
                    .cluster_ip
                    .as_deref()
                    .filter(|ip| *ip == "None")
                    .and_then(|_| pod.spec.as_ref().and_then(|s| s.hostname.clone())),
                target_ref: Some(ObjectReference {
                    kind: Some("Pod".into()),
                    name: pod.metadata.name.clone(),
                    namespace: pod.metadata.namespace.clone(),
                    uid: pod.metadata.uid.clone(),
                    ..Default::default()
                }),
            };
            let entry = subsets.entry(ports).or_default();
            if ready {
                entry.0.push(address);
            } else {
                entry.1.push(address);
            }
        }
        let subsets: Vec<EndpointSubset> = subsets
            .into_iter()
            .map(|(ports, (mut ready, mut not_ready))| {
                ready.sort_by(|a, b| a.ip.cmp(&b.ip));
                not_ready.sort_by(|a, b| a.ip.cmp(&b.ip));
                EndpointSubset {
                    addresses: (!ready.is_empty()).then_some(ready),
                    not_ready_addresses: (!not_ready.is_empty()).then_some(not_ready),
                    ports: Some(
                        ports
                            .into_iter()
                            .map(|(name, port, protocol)| EndpointPort {
                                name: (!name.is_empty()).then_some(name),
                                port,
                                protocol: Some(protocol),
                                app_protocol: None,
                            })
                            .collect(),
                    ),
                }
            })
            .collect();
        let mut endpoints = Endpoints {
            metadata: meta(&k.0, &k.1),
            subsets: (!subsets.is_empty()).then_some(subsets),
        };
        let mut labels = svc.metadata.labels.clone().unwrap_or_default();
        if spec.cluster_ip.as_deref() == Some("None") {
            labels.insert("service.kubernetes.io/headless".into(), String::new());
        }
        endpoints.metadata.labels = (!labels.is_empty()).then_some(labels);
        match self.store.get::<Endpoints>(&k.0, &k.1).cloned() {
            Some(old) => {
                // Most reconciles find nothing to change: compare before cloning.
                if old.subsets == endpoints.subsets
                    && old.metadata.labels == endpoints.metadata.labels
                {
                    return;
                }
                let mut updated = (*old).clone();
                updated.subsets = endpoints.subsets;
                updated.metadata.labels = endpoints.metadata.labels;
                self.commit_if_changed(updated, &old);
            }
            None => {
                let _ = self.create(endpoints);
            }
        }
    }
}
