//! The EndpointSlice controller and the kubelet's node Leases.

use std::sync::Arc;
use std::time::Duration;

use cluster::endpointslices::{CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL};
use cluster::k8s_openapi::api::apps::v1::Deployment;
use cluster::k8s_openapi::api::coordination::v1::Lease;
use cluster::k8s_openapi::api::core::v1::{Node, Pod, Service};
use cluster::k8s_openapi::api::discovery::v1::EndpointSlice;
use cluster::leases::NODE_LEASE_NAMESPACE;
use cluster::{Cluster, DeleteOptions, SimTime};

fn slices(c: &Cluster, ns: &str, svc: &str) -> Vec<Arc<EndpointSlice>> {
    c.list_in::<EndpointSlice>(ns)
        .filter(|s| {
            s.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(SERVICE_NAME_LABEL))
                .is_some_and(|v| v == svc)
        })
        .cloned()
        .collect()
}

fn addresses(slice: &EndpointSlice) -> Vec<String> {
    slice
        .endpoints
        .iter()
        .flat_map(|e| e.addresses.clone())
        .collect()
}

fn scale(c: &mut Cluster, ns: &str, name: &str, replicas: i32) {
    c.modify::<Deployment>(ns, name, |d| {
        d.spec.get_or_insert_default().replicas = Some(replicas);
    })
    .expect("scale");
}

#[test]
fn every_selecting_service_gets_one_owned_slice_of_its_pods() {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(120));
    let services: Vec<Arc<Service>> = c.list::<Service>().cloned().collect();
    for svc in services {
        let ns = svc.metadata.namespace.clone().unwrap_or_default();
        let name = svc.metadata.name.clone().unwrap_or_default();
        let found = slices(&c, &ns, &name);
        assert_eq!(found.len(), 1, "{ns}/{name}");
        let slice = &found[0];
        assert_eq!(slice.address_type, "IPv4");
        if name == "kubernetes" {
            continue;
        }
        let slice_name = slice.metadata.name.clone().unwrap_or_default();
        let suffix = slice_name.strip_prefix(&format!("{name}-")).unwrap();
        assert_eq!(suffix.len(), 5, "{slice_name}");
        let labels = slice.metadata.labels.clone().unwrap_or_default();
        assert_eq!(
            labels.get(MANAGED_BY_LABEL).map(String::as_str),
            Some(CONTROLLER_NAME)
        );
        let owner = &slice.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), Some(&owner.uid)),
            ("Service", svc.metadata.uid.as_ref())
        );
        assert_eq!(owner.controller, Some(true));
        // The same pods as the Endpoints, each with its node and pod.
        let pods: Vec<Arc<Pod>> = c
            .list_in::<Pod>(&ns)
            .filter(|p| {
                let selector = svc.spec.as_ref().and_then(|s| s.selector.as_ref()).unwrap();
                let labels = p.metadata.labels.clone().unwrap_or_default();
                selector.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
            .cloned()
            .collect();
        assert_eq!(slice.endpoints.len(), pods.len(), "{ns}/{name}");
        for e in &slice.endpoints {
            let target = e.target_ref.as_ref().unwrap();
            let pod = pods
                .iter()
                .find(|p| p.metadata.name == target.name)
                .expect("the target pod");
            assert_eq!(e.node_name, pod.spec.as_ref().unwrap().node_name);
            let conditions = e.conditions.clone().unwrap();
            assert_eq!(conditions.terminating, Some(false));
            assert_eq!(conditions.ready, conditions.serving);
        }
    }
}

#[test]
fn slices_follow_pods_and_go_with_their_service() {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(120));
    let before = slices(&c, "payments", "payment-api");
    let name = before[0].metadata.name.clone();
    assert!(!before[0].endpoints.is_empty());

    // No pods: the slice stays, as a placeholder without ports or endpoints.
    scale(&mut c, "payments", "payment-api", 0);
    c.advance(Duration::from_secs(60));
    let empty = slices(&c, "payments", "payment-api");
    assert_eq!(empty.len(), 1);
    assert_eq!(empty[0].metadata.name, name);
    assert!(empty[0].endpoints.is_empty());
    assert_eq!(empty[0].ports, None);
    assert!(empty[0].metadata.generation > before[0].metadata.generation);

    // Pods back: the same slice carries them again.
    scale(&mut c, "payments", "payment-api", 3);
    c.advance(Duration::from_secs(120));
    let back = slices(&c, "payments", "payment-api");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].metadata.name, name);
    assert_eq!(addresses(&back[0]).len(), 3);
    assert!(back[0].ports.is_some());

    c.delete::<Service>("payments", "payment-api", DeleteOptions::default())
        .unwrap();
    c.settle();
    assert!(slices(&c, "payments", "payment-api").is_empty());
}

#[test]
fn a_terminating_pod_stays_in_its_slice_not_ready() {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(120));
    let slice = slices(&c, "frontend", "web-app").remove(0);
    let target = slice.endpoints[0].target_ref.clone().unwrap();
    let pod = target.name.clone().unwrap();
    c.delete::<Pod>("frontend", &pod, DeleteOptions::default())
        .unwrap();
    c.settle();
    let slice = slices(&c, "frontend", "web-app").remove(0);
    let endpoint = slice
        .endpoints
        .iter()
        .find(|e| e.target_ref.as_ref().and_then(|t| t.name.clone()) == Some(pod.clone()))
        .expect("the terminating pod is still listed");
    let conditions = endpoint.conditions.clone().unwrap();
    assert_eq!(conditions.terminating, Some(true));
    assert_eq!(conditions.ready, Some(false));
    c.advance(Duration::from_secs(60));
    let slice = slices(&c, "frontend", "web-app").remove(0);
    assert!(
        slice
            .endpoints
            .iter()
            .all(|e| e.target_ref.as_ref().and_then(|t| t.name.clone()) != Some(pod.clone()))
    );
}

#[test]
fn each_node_renews_its_lease_every_ten_seconds() {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(125));
    let nodes: Vec<String> = c
        .list::<Node>()
        .map(|n| n.metadata.name.clone().unwrap_or_default())
        .collect();
    assert!(!nodes.is_empty());
    let renewed = |c: &Cluster, node: &str| {
        let lease = c.get::<Lease>(NODE_LEASE_NAMESPACE, node).unwrap();
        let spec = lease.spec.clone().unwrap();
        assert_eq!(spec.holder_identity.as_deref(), Some(node));
        assert_eq!(spec.lease_duration_seconds, Some(40));
        SimTime(spec.renew_time.unwrap().0.as_millisecond() as u64)
    };
    for node in &nodes {
        let created = c.get::<Node>("", node).unwrap();
        let created = SimTime::from_time(created.metadata.creation_timestamp.as_ref().unwrap());
        let last = renewed(&c, node);
        assert!(c.now().since(last) < Duration::from_secs(10));
        assert_eq!(last.since(created).as_millis() % 10_000, 0);
    }
    // A minute later every Lease was renewed six times further on, at the same phase.
    let mut later = c.clone();
    later.advance(Duration::from_secs(60));
    for node in &nodes {
        assert_eq!(
            renewed(&later, node),
            renewed(&c, node) + Duration::from_secs(60)
        );
    }

    // A node gone takes its Lease with it.
    let node = nodes[0].clone();
    c.delete::<Node>("", &node, DeleteOptions::default())
        .unwrap();
    c.advance(Duration::from_secs(30));
    assert!(c.get::<Lease>(NODE_LEASE_NAMESPACE, &node).is_err());
}
