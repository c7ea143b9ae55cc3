//! What kubectl's describers read from EndpointSlices and Leases: a Service's `Endpoints:` line
//! (`formatEndpointSlices`), `describe endpointslice` (`describeEndpointSliceV1`) and a node's
//! `Lease:` section (`describeNodeLease`).

use cluster::Cluster;
use cluster::endpointslices::SERVICE_NAME_LABEL;
use cluster::k8s_openapi::api::coordination::v1::Lease;
use cluster::k8s_openapi::api::discovery::v1::EndpointSlice;
use cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, Time};
use cluster::leases::NODE_LEASE_NAMESPACE;

use super::tabwriter::Writer;
use super::{Context, annotations, events, events_about, labels, rfc1123z};

/// The slices `describe service` lists: those labelled with the Service's name, in list order.
pub(crate) fn service_slices(
    cluster: &Cluster,
    namespace: &str,
    service: &str,
) -> Vec<EndpointSlice> {
    cluster
        .list_in::<EndpointSlice>(namespace)
        .filter(|s| {
            s.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(SERVICE_NAME_LABEL))
                .is_some_and(|v| v == service)
        })
        .map(|s| (**s).clone())
        .collect()
}

/// `formatEndpointSlices` for one service port name: ready endpoints as `ip:port`, the first
/// three shown. Its quirks are kept: the "more" flag is raised by any endpoint met once three
/// are listed, while only ready ones are counted.
pub(crate) fn format_endpoint_slices(slices: &[EndpointSlice], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    let ready = |e: &cluster::k8s_openapi::api::discovery::v1::Endpoint| {
        e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true)
    };
    for slice in slices {
        let ports = slice.ports.as_deref().unwrap_or_default();
        if ports.is_empty() {
            // Headless services may have no ports.
            for e in &slice.endpoints {
                if list.len() == MAX {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    list.push(e.addresses.first().cloned().unwrap_or_default());
                }
                count += 1;
            }
            continue;
        }
        for port in ports {
            if port.name.as_deref().unwrap_or("") != port_name {
                continue;
            }
            for e in &slice.endpoints {
                if list.len() == MAX {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    let addr = e.addresses.first().cloned().unwrap_or_default();
                    list.push(join_host_port(&addr, port.port.unwrap_or_default()));
                }
                count += 1;
            }
        }
    }
    let joined = list.join(",");
    if more {
        format!("{joined} + {} more...", count.saturating_sub(MAX))
    } else {
        joined
    }
}

/// `net.JoinHostPort`: IPv6 hosts in brackets.
fn join_host_port(host: &str, port: i32) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `describeEndpointSliceV1`.
pub(crate) fn endpoint_slice(ctx: &Context, eps: &EndpointSlice) -> String {
    let mut w = Writer::with_capacity(1024);
    let m = &eps.metadata;
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!(
        "Namespace:\t{}\n",
        m.namespace.as_deref().unwrap_or("")
    ));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    w.push(&format!("AddressType:\t{}\n", eps.address_type));
    match eps.ports.as_deref().filter(|p| !p.is_empty()) {
        None => w.push("Ports: <unset>\n"),
        Some(ports) => {
            w.push("Ports:\n");
            w.write(1, "Name\tPort\tProtocol\n");
            w.write(1, "----\t----\t--------\n");
            for p in ports {
                let name = p
                    .name
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("<unset>");
                let port = p
                    .port
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "<unset>".into());
                let protocol = p.protocol.as_deref().unwrap_or("");
                w.write(1, &format!("{name}\t{port}\t{protocol}\n"));
            }
        }
    }
    if eps.endpoints.is_empty() {
        w.push("Endpoints: <none>\n");
    } else {
        w.push("Endpoints:\n");
        let unset = |v: Option<String>| v.unwrap_or_else(|| "<unset>".to_string());
        for e in &eps.endpoints {
            let addresses = e.addresses.join(", ");
            let addresses = if addresses.is_empty() {
                "<none>".to_string()
            } else {
                addresses
            };
            w.write(1, &format!("- Addresses:\t{addresses}\n"));
            w.write(2, "Conditions:\n");
            let ready = e
                .conditions
                .as_ref()
                .and_then(|c| c.ready)
                .map(|r| r.to_string());
            w.write(3, &format!("Ready:\t{}\n", unset(ready)));
            w.write(2, &format!("Hostname:\t{}\n", unset(e.hostname.clone())));
            if let Some(r) = &e.target_ref {
                w.write(
                    2,
                    &format!(
                        "TargetRef:\t{}/{}\n",
                        r.kind.as_deref().unwrap_or(""),
                        r.name.as_deref().unwrap_or("")
                    ),
                );
            }
            w.write(2, &format!("NodeName:\t{}\n", unset(e.node_name.clone())));
            w.write(2, &format!("Zone:\t{}\n", unset(e.zone.clone())));
        }
    }
    if ctx.show_events {
        let list = events_about(
            ctx.cluster,
            m.namespace.as_deref().unwrap_or(""),
            m.uid.as_deref().unwrap_or(""),
        );
        events(ctx, &mut w, list);
    }
    w.finish()
}

/// The `Lease:` section of `describe node`: the node's Lease in `kube-node-lease`, or why not.
pub(crate) fn node_lease(cluster: &Cluster, w: &mut Writer, node: &str) {
    let Ok(lease) = cluster.get::<Lease>(NODE_LEASE_NAMESPACE, node) else {
        w.push(&format!(
            "Lease:\tFailed to get lease: leases.coordination.k8s.io \"{node}\" not found\n"
        ));
        return;
    };
    let spec = lease.spec.clone().unwrap_or_default();
    let micro = |t: Option<MicroTime>| {
        t.map(|t| rfc1123z(&Time(t.0)))
            .unwrap_or_else(|| "<unset>".to_string())
    };
    w.push("Lease:\n");
    w.write(
        1,
        &format!(
            "HolderIdentity:\t{}\n",
            spec.holder_identity.as_deref().unwrap_or("<unset>")
        ),
    );
    w.write(1, &format!("AcquireTime:\t{}\n", micro(spec.acquire_time)));
    w.write(1, &format!("RenewTime:\t{}\n", micro(spec.renew_time)));
}
