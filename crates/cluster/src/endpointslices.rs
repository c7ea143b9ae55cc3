//! The EndpointSlice controller: each selecting Service's pods as `discovery.k8s.io/v1`
//! EndpointSlices, one slice per set of resolved ports, as kube-controller-manager keeps them
//! (names generated from `<service>-`, owned by the Service, a placeholder slice when no pod
//! matches, terminating pods kept with their conditions).

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::{Node, ObjectReference, Pod, PodSpec, Service, ServiceSpec};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::cluster::{Cluster, DeleteOptions};
use crate::selectors::{is_ready, matches_map};
use crate::store::ObjectKey;

/// The label naming a slice's Service.
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
/// The label naming the controller that manages a slice.
pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
/// This controller's value of [`MANAGED_BY_LABEL`].
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";

const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// A slice's content: its ports and its endpoints.
type SliceContent = (Vec<EndpointPort>, Vec<Endpoint>);
/// Ports as (name, number, protocol), to group pods that resolve them alike.
type PortKey = Vec<(String, i32, String)>;

impl Cluster {
    pub(crate) fn reconcile_endpoint_slices(&mut self, k: &ObjectKey) {
        // A deleted Service's slices go with it through the garbage collector.
        let Some(svc) = self.store.get::<Service>(&k.0, &k.1).cloned() else {
            return;
        };
        let spec = svc.spec.as_ref();
        // Services without a selector get slices from elsewhere; ExternalName ones get none.
        if spec
            .and_then(|s| s.selector.as_ref())
            .is_none_or(|s| s.is_empty())
            || spec.and_then(|s| s.type_.as_deref()) == Some("ExternalName")
        {
            return;
        }
        let desired = self.desired_slices(&svc);
        let existing: Vec<Arc<EndpointSlice>> = self
            .store
            .list_in::<EndpointSlice>(&k.0)
            .filter(|s| {
                let labels = s.metadata.labels.as_ref();
                labels
                    .and_then(|l| l.get(SERVICE_NAME_LABEL))
                    .map(String::as_str)
                    == Some(k.1.as_str())
                    && labels
                        .and_then(|l| l.get(MANAGED_BY_LABEL))
                        .map(String::as_str)
                        == Some(CONTROLLER_NAME)
            })
            .cloned()
            .collect();
        // A slice keeps its port set when it can; the rest are reused before any is created,
        // as the real controller updates its placeholder instead of replacing it.
        let mut unmatched: Vec<SliceContent> = Vec::new();
        let mut free: Vec<Arc<EndpointSlice>> = existing.clone();
        let mut updates: Vec<(Arc<EndpointSlice>, Vec<EndpointPort>, Vec<Endpoint>)> = Vec::new();
        for (ports, endpoints) in desired {
            match free
                .iter()
                .position(|s| s.ports.as_deref().unwrap_or_default() == ports.as_slice())
            {
                Some(i) => updates.push((free.remove(i), ports, endpoints)),
                None => unmatched.push((ports, endpoints)),
            }
        }
        for (ports, endpoints) in unmatched {
            if free.is_empty() {
                let slice = self.new_slice(&svc, ports, endpoints);
                let _ = self.create(slice);
            } else {
                updates.push((free.remove(0), ports, endpoints));
            }
        }
        // Most reconciles find nothing to change: compare first, then write what differs in
        // place, once nothing here holds the slices.
        let mut writes = Vec::new();
        for (old, ports, endpoints) in updates {
            let ports = (!ports.is_empty()).then_some(ports);
            let labels = Some(slice_labels(&svc));
            if old.ports == ports && old.endpoints == endpoints && old.metadata.labels == labels {
                continue;
            }
            // The address type never changes here: the spec moved if the ports or endpoints did.
            let spec_moved = old.ports != ports || old.endpoints != endpoints;
            let name = old.metadata.name.clone().unwrap_or_default();
            writes.push((name, ports, endpoints, labels, spec_moved));
        }
        let surplus: Vec<String> = free
            .iter()
            .map(|s| s.metadata.name.clone().unwrap_or_default())
            .collect();
        drop(free);
        drop(existing);
        for (name, ports, endpoints, labels, spec_moved) in writes {
            self.commit_in_place(&k.0, &name, |slice: &mut EndpointSlice| {
                slice.ports = ports;
                slice.endpoints = endpoints;
                slice.metadata.labels = labels;
                if spec_moved {
                    slice.metadata.generation = Some(slice.metadata.generation.unwrap_or(1) + 1);
                }
            });
        }
        for name in surplus {
            let _ = self.delete::<EndpointSlice>(&k.0, &name, DeleteOptions::default());
        }
    }

    /// Endpoints grouped by their resolved ports; one empty group (the placeholder) when no pod
    /// is in.
    fn desired_slices(&self, svc: &Service) -> Vec<SliceContent> {
        let namespace = svc.metadata.namespace.as_deref().unwrap_or("");
        let default_spec = ServiceSpec::default();
        let spec = svc.spec.as_ref().unwrap_or(&default_spec);
        let no_selector = BTreeMap::new();
        let selector = spec.selector.as_ref().unwrap_or(&no_selector);
        let publish_not_ready = spec.publish_not_ready_addresses.unwrap_or(false);
        let mut groups: BTreeMap<PortKey, SliceContent> = BTreeMap::new();
        for pod in self
            .store
            .list_in::<Pod>(namespace)
            .filter(|p| matches_map(selector, p.metadata.labels.as_ref()))
            .filter(|p| in_endpoints(p))
        {
            let ports: Vec<EndpointPort> = spec
                .ports
                .iter()
                .flatten()
                .filter_map(|sp| {
                    let protocol = sp.protocol.clone().unwrap_or_else(|| "TCP".into());
                    let port = match sp.target_port.clone().unwrap_or(IntOrString::Int(sp.port)) {
                        IntOrString::Int(n) => n,
                        IntOrString::String(name) => {
                            pod.spec
                                .iter()
                                .flat_map(|s| s.containers.iter())
                                .flat_map(|c| c.ports.iter().flatten())
                                .find(|p| {
                                    p.name.as_deref() == Some(name.as_str())
                                        && p.protocol.as_deref().unwrap_or("TCP") == protocol
                                })?
                                .container_port
                        }
                    };
                    Some(EndpointPort {
                        name: Some(sp.name.clone().unwrap_or_default()),
                        port: Some(port),
                        protocol: Some(protocol),
                        app_protocol: sp.app_protocol.clone(),
                    })
                })
                .collect();
            let key: PortKey = ports
                .iter()
                .map(|p| {
                    (
                        p.name.clone().unwrap_or_default(),
                        p.port.unwrap_or_default(),
                        p.protocol.clone().unwrap_or_default(),
                    )
                })
                .collect();
            let endpoint = self.pod_endpoint(pod, svc, publish_not_ready);
            let group = groups.entry(key).or_insert_with(|| (ports, Vec::new()));
            group.1.push(endpoint);
        }
        let mut desired: Vec<_> = groups.into_values().collect();
        for (_, endpoints) in &mut desired {
            endpoints.sort_by(|a, b| a.addresses.cmp(&b.addresses));
        }
        if desired.is_empty() {
            desired.push((Vec::new(), Vec::new()));
        }
        desired
    }

    fn pod_endpoint(&self, pod: &Pod, svc: &Service, publish_not_ready: bool) -> Endpoint {
        let serving = is_ready(pod);
        let terminating = pod.metadata.deletion_timestamp.is_some();
        let default_spec = PodSpec::default();
        let pod_spec = pod.spec.as_ref().unwrap_or(&default_spec);
        let zone = pod_spec
            .node_name
            .as_deref()
            .and_then(|n| self.store.get::<Node>("", n))
            .and_then(|n| n.metadata.labels.as_ref()?.get(ZONE_LABEL).cloned())
            .filter(|z| !z.is_empty());
        let hostname = pod_spec.hostname.clone().filter(|h| {
            !h.is_empty()
                && pod_spec.subdomain.as_deref() == svc.metadata.name.as_deref()
                && pod.metadata.namespace == svc.metadata.namespace
        });
        Endpoint {
            addresses: vec![
                pod.status
                    .as_ref()
                    .and_then(|s| s.pod_ip.clone())
                    .unwrap_or_default(),
            ],
            conditions: Some(EndpointConditions {
                ready: Some(publish_not_ready || (serving && !terminating)),
                serving: Some(serving),
                terminating: Some(terminating),
            }),
            hostname,
            node_name: pod_spec.node_name.clone(),
            target_ref: Some(ObjectReference {
                kind: Some("Pod".into()),
                namespace: pod.metadata.namespace.clone(),
                name: pod.metadata.name.clone(),
                uid: pod.metadata.uid.clone(),
                ..Default::default()
            }),
            zone,
            ..Default::default()
        }
    }

    fn new_slice(
        &self,
        svc: &Service,
        ports: Vec<EndpointPort>,
        endpoints: Vec<Endpoint>,
    ) -> EndpointSlice {
        let name = svc.metadata.name.clone().unwrap_or_default();
        EndpointSlice {
            metadata: ObjectMeta {
                generate_name: Some(format!("{name}-")),
                namespace: svc.metadata.namespace.clone(),
                labels: Some(slice_labels(svc)),
                owner_references: Some(vec![OwnerReference {
                    api_version: "v1".into(),
                    kind: "Service".into(),
                    name,
                    uid: svc.metadata.uid.clone().unwrap_or_default(),
                    controller: Some(true),
                    block_owner_deletion: Some(true),
                }]),
                ..Default::default()
            },
            address_type: "IPv4".into(),
            endpoints,
            ports: (!ports.is_empty()).then_some(ports),
        }
    }
}

/// The Service's labels, less the headless marker, plus the controller's own.
fn slice_labels(svc: &Service) -> BTreeMap<String, String> {
    let mut labels = svc.metadata.labels.clone().unwrap_or_default();
    labels.remove("service.kubernetes.io/headless");
    let name = svc.metadata.name.clone().unwrap_or_default();
    labels.insert(SERVICE_NAME_LABEL.into(), name);
    labels.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
    if svc.spec.as_ref().and_then(|s| s.cluster_ip.as_deref()) == Some("None") {
        labels.insert("service.kubernetes.io/headless".into(), String::new());
    }
    labels
}

/// `ShouldPodBeInEndpoints` with terminating pods included: an IP, and not finished for good.
fn in_endpoints(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    if status
        .and_then(|s| s.pod_ip.as_deref())
        .is_none_or(str::is_empty)
    {
        return false;
    }
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("");
    match pod.spec.as_ref().and_then(|s| s.restart_policy.as_deref()) {
        Some("Never") => phase != "Failed" && phase != "Succeeded",
        Some("OnFailure") => phase != "Succeeded",
        _ => true,
    }
}
