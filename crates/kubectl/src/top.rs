//! `kubectl top pod|node`: usage from the metrics the cluster's application models report,
//! printed as kubectl prints it.

use cluster::Cluster;
use cluster::k8s_openapi::api::core::v1::Pod;
use cluster::metrics::{node_usage, pod_usage};
use cluster::selectors::LabelQuery;

use crate::grammar::{Invocation, TopWhat};
use crate::human::align;
use crate::output::Output;

const MIB: i64 = 1 << 20;

pub fn top(cluster: &Cluster, inv: &Invocation, what: TopWhat) -> Output {
    let labels = match LabelQuery::parse(inv.flags.selector.as_deref().unwrap_or("")) {
        Ok(l) => l,
        Err(e) => return Output::error(format!("Error from server (BadRequest): {e}\n"), 1),
    };
    let name = inv.targets.first().and_then(|t| t.name.clone());
    match what {
        TopWhat::Node => {
            let mut lines = vec![vec![
                "NAME".to_string(),
                "CPU(cores)".into(),
                "CPU(%)".into(),
                "MEMORY(bytes)".into(),
                "MEMORY(%)".into(),
                String::new(),
            ]];
            for n in node_usage(cluster) {
                if name.as_deref().is_some_and(|want| want != n.name) {
                    continue;
                }
                let pct = |used: i64, total: i64| {
                    if total > 0 {
                        (used as f64 / total as f64 * 100.0) as i64
                    } else {
                        0
                    }
                };
                lines.push(vec![
                    n.name.clone(),
                    format!("{}m", n.cpu_millis),
                    format!("{}%", pct(n.cpu_millis, n.allocatable_cpu_millis)),
                    format!("{}Mi", n.memory_bytes / MIB),
                    format!("{}%", pct(n.memory_bytes, n.allocatable_memory_bytes)),
                    String::new(),
                ]);
            }
            Output {
                stdout: align(&lines),
                ..Default::default()
            }
        }
        TopWhat::Pod => {
            let namespace = inv
                .flags
                .namespace
                .clone()
                .unwrap_or_else(|| crate::exec::DEFAULT_NAMESPACE.to_string());
            let pods: Vec<&std::sync::Arc<Pod>> = if inv.flags.all_namespaces {
                cluster.list::<Pod>().collect()
            } else {
                cluster.list_in::<Pod>(&namespace).collect()
            };
            let mut header = vec![
                "NAME".to_string(),
                "CPU(cores)".into(),
                "MEMORY(bytes)".into(),
                String::new(),
            ];
            if inv.flags.all_namespaces {
                header.insert(0, "NAMESPACE".into());
            }
            let mut lines = vec![header];
            for p in pods {
                let (ns, pod) = (
                    p.metadata.namespace.as_deref().unwrap_or(""),
                    p.metadata.name.as_deref().unwrap_or(""),
                );
                if name.as_deref().is_some_and(|want| want != pod)
                    || !labels.matches(p.metadata.labels.as_ref())
                {
                    continue;
                }
                let Some(usage) = pod_usage(cluster, ns, pod) else {
                    continue;
                };
                let cpu: i64 = usage.iter().map(|c| c.cpu_millis).sum();
                let mem: i64 = usage.iter().map(|c| c.memory_bytes / 1024 * 1024).sum();
                let mut line = vec![
                    pod.to_string(),
                    format!("{cpu}m"),
                    format!("{}Mi", mem / MIB),
                    String::new(),
                ];
                if inv.flags.all_namespaces {
                    line.insert(0, ns.to_string());
                }
                lines.push(line);
            }
            if lines.len() == 1 {
                return match &name {
                    Some(pod) => Output::error(
                        format!(
                            "error: Metrics not available for pod {namespace}/{pod}, age: <unknown>\n"
                        ),
                        1,
                    ),
                    None if inv.flags.all_namespaces => {
                        Output::error("No resources found\n".into(), 0)
                    }
                    None => {
                        Output::error(format!("No resources found in {namespace} namespace.\n"), 0)
                    }
                };
            }
            Output {
                stdout: align(&lines),
                ..Default::default()
            }
        }
    }
}
