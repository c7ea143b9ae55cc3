//! EndpointSlices and node Leases, in process against the real kubectl over the ten cluster
//! states: `describe service` reads its `Endpoints:` lines from the slices, `describe node` its
//! `Lease:` section from `kube-node-lease`.
//!
//! Slice names are generated from the cluster's seeded randomness when the baseline is built,
//! before any fault, so they are the same in every state. `describe node` prints the age of
//! each pod from kubectl's wall clock; those commands mask that column only.

use crate::common;

use common::fidelity::{check_in_sequence, check_over_states, check_over_states_masked};

const STRICT: &[&str] = &[
    // Every Service, one by one and all together.
    "describe svc kubernetes",
    "describe svc auth-db -n auth",
    "describe svc auth-service -n auth",
    "describe svc frontend-cache -n frontend",
    "describe svc web-app -n frontend",
    "describe svc kube-dns -n kube-system",
    "describe svc metrics-server -n kube-system",
    "describe svc payment-api -n payments",
    "describe svc payment-db -n payments",
    "describe svc payment-gateway -n payments",
    "describe svc -A",
    // The slices themselves.
    "get endpointslices -A",
    "get endpointslices -A -o wide",
    "get endpointslice -n payments",
    "get endpointslices.discovery.k8s.io -n kube-system",
    "get endpointslices -n payments -l kubernetes.io/service-name=payment-api -o yaml",
    "get endpointslice kube-dns-77mr8 -n kube-system -o yaml",
    "get endpointslice payment-gateway-b4gwt -n payments -o json",
    "get endpointslices -A --show-labels",
    "get endpointslices -n auth -o name",
    "get endpointslice ghost -n payments",
    "describe endpointslices -A",
    "describe endpointslice payment-gateway-b4gwt -n payments",
    "describe endpointslice kubernetes",
    "describe endpointslices -n auth -l kubernetes.io/service-name=auth-db",
    // Node Leases.
    "get leases -n kube-node-lease",
    "get leases -A -o wide",
    "get lease gke-sre-gym-default-pool-6f8e2a1c-9xv2 -n kube-node-lease -o yaml",
    // `get all` does not list slices.
    "get all -n payments",
];

/// `describe node`: compared with the pods' ages masked.
const NODES: &[&str] = &[
    "describe nodes --show-events=false",
    "describe node gke-sre-gym-default-pool-6f8e2a1c-9xv2 --show-events=false",
];

#[test]
fn slices_and_leases_print_what_the_real_kubectl_prints() {
    let checked = check_over_states(STRICT);
    assert_eq!(checked, STRICT.len() * 10);
}

#[test]
fn describe_node_prints_the_lease_as_kubectl_does() {
    let mut baseline = cluster::Cluster::baseline(1);
    let out = kubectl::exec::run(&mut baseline, NODES[1]);
    assert!(
        out.stdout.contains("Lease:\n  HolderIdentity:"),
        "{}",
        out.stdout
    );
    let checked = check_over_states_masked(NODES, mask_pod_ages);
    assert_eq!(checked, NODES.len() * 10);
}

#[test]
fn slices_follow_scaling_and_go_with_their_service() {
    let mut cluster = cluster::Cluster::baseline(1);
    cluster.advance(std::time::Duration::from_secs(300));
    check_in_sequence(
        cluster,
        &[
            "scale deployment payment-api -n payments --replicas=0",
            "get endpointslices -n payments",
            "describe svc payment-api -n payments",
            "describe endpointslice payment-api-cbp4z -n payments",
            "get endpointslice payment-api-cbp4z -n payments -o json",
            "scale deployment payment-api -n payments --replicas=2",
            "get endpointslices -n payments",
            "delete svc payment-api -n payments",
            "get endpointslices -n payments",
            "describe svc -n payments",
        ],
    );
}

/// Replaces the last column (Age) of the rows of each "Non-terminated Pods" table with `?`.
fn mask_pod_ages(text: &str) -> String {
    let mut out = String::new();
    let mut in_pods = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("Namespace") && line.ends_with("Age") {
            in_pods = true;
        } else if in_pods && !line.starts_with("  ") {
            in_pods = false;
        }
        if in_pods && !trimmed.starts_with("Namespace") && !trimmed.starts_with("---") {
            let cut = line.trim_end().rfind(' ').unwrap_or(0);
            out.push_str(line[..cut].trim_end());
            out.push_str(" ?\n");
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}
