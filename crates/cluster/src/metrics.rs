//! Resource usage as metrics-server reports it (`kubectl top`): per running container and per
//! node, derived from the application models and the simulated clock.

use k8s_openapi::api::core::v1::{Node, Pod};

use crate::cluster::Cluster;
use crate::names::fnv32a;
use crate::quantity;

/// One container's usage: CPU in millicores and memory in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerUsage {
    pub name: String,
    pub cpu_millis: i64,
    pub memory_bytes: i64,
}

/// Usage of one node, with its allocatable capacity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeUsage {
    pub name: String,
    pub cpu_millis: i64,
    pub memory_bytes: i64,
    pub allocatable_cpu_millis: i64,
    pub allocatable_memory_bytes: i64,
}

/// System daemons and the kubelet use this much on every node.
const NODE_OVERHEAD_CPU: i64 = 85;
const NODE_OVERHEAD_MEMORY: i64 = 742 << 20;

/// Deterministic jitter in [-spread, spread] for a container at a scrape window.
fn jitter(seed: &str, window: u64, spread: i64) -> i64 {
    if spread == 0 {
        return 0;
    }
    let h = fnv32a(format!("{seed}/{window}").as_bytes()) as i64;
    h % (2 * spread + 1) - spread
}

/// Usage of a pod's running containers, or `None` when metrics-server has none for it yet.
pub fn pod_usage(cluster: &Cluster, namespace: &str, name: &str) -> Option<Vec<ContainerUsage>> {
    let rt = cluster.runtime.pod(namespace, name)?;
    let now = cluster.now();
    // metrics-server scrapes every 15 s; usage needs one full window.
    let window = now.millis() / 15_000;
    let mut out = Vec::new();
    for c in &rt.containers {
        let Some(inst) = &c.running else { continue };
        let elapsed = now.since(inst.started);
        if elapsed.as_secs() < 15 {
            continue;
        }
        let base_cpu = i64::from(inst.program.cpu_millis);
        let cpu = (base_cpu + jitter(&inst.id, window, (base_cpu / 3).max(1))).max(1);
        let mem = inst.program.memory_at(elapsed) as i64;
        let mem = mem + jitter(&inst.id, window, mem / 50);
        out.push(ContainerUsage {
            name: c.name.clone(),
            cpu_millis: cpu,
            memory_bytes: mem.max(0),
        });
    }
    (!out.is_empty()).then_some(out)
}

/// Usage of every node, ordered by name.
pub fn node_usage(cluster: &Cluster) -> Vec<NodeUsage> {
    cluster
        .list::<Node>()
        .map(|node| {
            let name = node.metadata.name.clone().unwrap_or_default();
            let (mut cpu, mut mem) = (NODE_OVERHEAD_CPU, NODE_OVERHEAD_MEMORY);
            for pod in cluster.list::<Pod>() {
                if pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) != Some(name.as_str()) {
                    continue;
                }
                let (ns, pname) = (
                    pod.metadata.namespace.as_deref().unwrap_or(""),
                    pod.metadata.name.as_deref().unwrap_or(""),
                );
                for c in pod_usage(cluster, ns, pname).unwrap_or_default() {
                    cpu += c.cpu_millis;
                    mem += c.memory_bytes;
                }
            }
            let alloc = node
                .status
                .as_ref()
                .and_then(|s| s.allocatable.clone())
                .unwrap_or_default();
            NodeUsage {
                cpu_millis: cpu + jitter(&name, cluster.now().millis() / 15_000, 12),
                memory_bytes: mem,
                allocatable_cpu_millis: alloc
                    .get("cpu")
                    .and_then(quantity::cpu_millis)
                    .unwrap_or(0),
                allocatable_memory_bytes: alloc
                    .get("memory")
                    .and_then(quantity::whole_units)
                    .unwrap_or(0),
                name,
            }
        })
        .collect()
}
