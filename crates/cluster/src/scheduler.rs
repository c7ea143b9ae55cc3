//! The scheduler: filters nodes as kube-scheduler's default plugins do (unschedulable, taints,
//! node affinity and selector, resources, volumes), scores by least allocation, binds, and
//! reports failures with the real FailedScheduling message.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{
    Node, NodeSelectorRequirement, PersistentVolumeClaim, Pod, PodCondition, Taint, Toleration,
};

use crate::cluster::{Cluster, Work};
use crate::events::{EventType, Reporter};
use crate::kubelet::is_terminal;
use crate::quantity;
use crate::store::ObjectKey;

/// How often an unschedulable pod is retried without a cluster change (the scheduler flushes
/// its unschedulable queue every five minutes).
const UNSCHEDULABLE_RETRY: Duration = Duration::from_secs(300);

/// Requests of a pod as the scheduler counts them: millicores, bytes, one pod.
pub(crate) fn pod_requests(pod: &Pod) -> (i64, i64) {
    let mut cpu = 0;
    let mut mem = 0;
    for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
        let Some(req) = c.resources.as_ref().and_then(|r| r.requests.as_ref()) else {
            continue;
        };
        cpu += req.get("cpu").and_then(quantity::cpu_millis).unwrap_or(0);
        mem += req
            .get("memory")
            .and_then(quantity::whole_units)
            .unwrap_or(0);
    }
    (cpu, mem)
}

fn tolerates(tolerations: &[Toleration], taint: &Taint) -> bool {
    tolerations.iter().any(|t| {
        let key_ok = match t.key.as_deref() {
            None | Some("") => t.operator.as_deref() == Some("Exists"),
            Some(k) => k == taint.key,
        };
        let value_ok = t.operator.as_deref() == Some("Exists")
            || t.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("");
        let effect_ok = t
            .effect
            .as_deref()
            .is_none_or(|e| e.is_empty() || e == taint.effect);
        key_ok && value_ok && effect_ok
    })
}

fn requirement_matches(r: &NodeSelectorRequirement, labels: &BTreeMap<String, String>) -> bool {
    let values = r.values.clone().unwrap_or_default();
    match r.operator.as_str() {
        "In" => labels.get(&r.key).is_some_and(|v| values.contains(v)),
        "NotIn" => labels.get(&r.key).is_none_or(|v| !values.contains(v)),
        "Exists" => labels.contains_key(&r.key),
        "DoesNotExist" => !labels.contains_key(&r.key),
        "Gt" | "Lt" => {
            let (Some(v), Some(bound)) = (
                labels.get(&r.key).and_then(|v| v.parse::<i64>().ok()),
                values.first().and_then(|v| v.parse::<i64>().ok()),
            ) else {
                return false;
            };
            if r.operator == "Gt" {
                v > bound
            } else {
                v < bound
            }
        }
        _ => false,
    }
}

fn affinity_matches(pod: &Pod, node: &Node) -> bool {
    let empty = BTreeMap::new();
    let labels = node.metadata.labels.as_ref().unwrap_or(&empty);
    let Some(spec) = pod.spec.as_ref() else {
        return true;
    };
    if !spec
        .node_selector
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v))
    {
        return false;
    }
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|na| {
            na.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    match required {
        None => true,
        Some(sel) => sel.node_selector_terms.iter().any(|term| {
            term.match_expressions
                .iter()
                .flatten()
                .all(|r| requirement_matches(r, labels))
                && term.match_fields.iter().flatten().all(|r| {
                    let fields: BTreeMap<String, String> = [(
                        "metadata.name".to_string(),
                        node.metadata.name.clone().unwrap_or_default(),
                    )]
                    .into();
                    requirement_matches(r, &fields)
                })
        }),
    }
}

impl Cluster {
    pub(crate) fn schedule_pod(&mut self, k: &ObjectKey) {
        let Some(pod) = self.store.get::<Pod>(&k.0, &k.1).cloned() else {
            return;
        };
        let Some(spec) = pod.spec.as_ref() else {
            return;
        };
        if spec.node_name.is_some()
            || pod.metadata.deletion_timestamp.is_some()
            || is_terminal(&pod)
        {
            return;
        }
        if spec
            .scheduler_name
            .as_deref()
            .is_some_and(|s| s != "default-scheduler")
        {
            return;
        }
        let nodes: Vec<_> = self.store.list::<Node>().cloned().collect();
        let total = nodes.len();
        // PreFilter: volumes.
        for v in spec.volumes.iter().flatten() {
            if let Some(c) = &v.persistent_volume_claim {
                let reason = match self.store.get::<PersistentVolumeClaim>(&k.0, &c.claim_name) {
                    None => Some(format!(
                        "persistentvolumeclaim \"{}\" not found",
                        c.claim_name
                    )),
                    Some(pvc)
                        if pvc.status.as_ref().and_then(|s| s.phase.as_deref())
                            != Some("Bound") =>
                    {
                        Some("pod has unbound immediate PersistentVolumeClaims".to_string())
                    }
                    Some(_) => None,
                };
                if let Some(reason) = reason {
                    let msg = format!(
                        "0/{total} nodes are available: {reason}. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
                    );
                    self.unschedulable(&pod, k, msg);
                    return;
                }
            }
        }
        let (cpu, mem) = pod_requests(&pod);
        let tolerations = spec.tolerations.as_deref().unwrap_or_default();
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        let mut resource_only = 0usize;
        let mut feasible: Vec<(i64, String)> = Vec::new();
        // Read once, on the first node that gets as far as the resource check.
        let mut usage: Option<BTreeMap<&str, (i64, i64, i64)>> = None;
        for node in &nodes {
            let name = node.metadata.name.clone().unwrap_or_default();
            let node_spec = node.spec.as_ref();
            if node_spec.and_then(|s| s.unschedulable).unwrap_or(false) {
                let taint = Taint {
                    key: "node.kubernetes.io/unschedulable".into(),
                    effect: "NoSchedule".into(),
                    ..Default::default()
                };
                if !tolerates(tolerations, &taint) {
                    *reasons
                        .entry("node(s) were unschedulable".into())
                        .or_default() += 1;
                    continue;
                }
            }
            let untolerated = node_spec
                .and_then(|s| s.taints.as_ref())
                .into_iter()
                .flatten()
                .find(|t| {
                    (t.effect == "NoSchedule" || t.effect == "NoExecute")
                        && !tolerates(tolerations, t)
                });
            if let Some(t) = untolerated {
                *reasons
                    .entry(format!(
                        "node(s) had untolerated taint {{{}: {}}}",
                        t.key,
                        t.value.as_deref().unwrap_or("")
                    ))
                    .or_default() += 1;
                continue;
            }
            if !affinity_matches(&pod, node) {
                *reasons
                    .entry("node(s) didn't match Pod's node affinity/selector".into())
                    .or_default() += 1;
                continue;
            }
            let alloc = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
            let allocatable = |resource: &str| alloc.and_then(|a| a.get(resource));
            let alloc_cpu = allocatable("cpu")
                .and_then(quantity::cpu_millis)
                .unwrap_or(0);
            let alloc_mem = allocatable("memory")
                .and_then(quantity::whole_units)
                .unwrap_or(0);
            let alloc_pods = allocatable("pods")
                .and_then(quantity::whole_units)
                .unwrap_or(110);
            let usage = usage.get_or_insert_with(|| self.node_usage());
            let (used_cpu, used_mem, used_pods) =
                usage.get(name.as_str()).copied().unwrap_or_default();
            let mut insufficient = Vec::new();
            if used_pods + 1 > alloc_pods {
                insufficient.push("Too many pods");
            }
            if used_cpu + cpu > alloc_cpu {
                insufficient.push("Insufficient cpu");
            }
            if used_mem + mem > alloc_mem {
                insufficient.push("Insufficient memory");
            }
            if !insufficient.is_empty() {
                for r in insufficient {
                    *reasons.entry(r.to_string()).or_default() += 1;
                }
                resource_only += 1;
                continue;
            }
            // Least allocated: lower combined utilisation scores better.
            let score = ((used_cpu + cpu) * 1000 / alloc_cpu.max(1))
                + ((used_mem + mem) * 1000 / alloc_mem.max(1));
            feasible.push((score, name));
        }
        if feasible.is_empty() {
            let mut parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
            parts.sort();
            let mut preemption = Vec::new();
            if resource_only > 0 {
                preemption.push(format!(
                    "{resource_only} No preemption victims found for incoming pod"
                ));
            }
            if total - resource_only > 0 {
                preemption.push(format!(
                    "{} Preemption is not helpful for scheduling",
                    total - resource_only
                ));
            }
            let msg = if total == 0 {
                "no nodes available to schedule pods".to_string()
            } else {
                format!(
                    "0/{total} nodes are available: {}. preemption: 0/{total} nodes are available: {}.",
                    parts.join(", "),
                    preemption.join(", ")
                )
            };
            self.unschedulable(&pod, k, msg);
            return;
        }
        let best = feasible.iter().map(|(s, _)| *s).min().unwrap_or(0);
        let ties: Vec<String> = feasible
            .into_iter()
            .filter(|(s, _)| *s == best)
            .map(|(_, n)| n)
            .collect();
        let node = ties[self.random_below(ties.len() as u64) as usize].clone();
        let mut bound = (*pod).clone();
        bound.spec.get_or_insert_default().node_name = Some(node.clone());
        let status = bound.status.get_or_insert_default();
        let conditions = status.conditions.get_or_insert_default();
        conditions.retain(|c| c.type_ != "PodScheduled");
        conditions.push(PodCondition {
            type_: "PodScheduled".into(),
            status: "True".into(),
            last_transition_time: Some(self.now.time()),
            ..Default::default()
        });
        let bound = self.commit(bound);
        self.record(
            bound.as_ref(),
            None,
            EventType::Normal,
            "Scheduled",
            format!("Successfully assigned {}/{} to {node}", k.0, k.1),
            Reporter::Scheduler,
        );
    }

    fn unschedulable(&mut self, pod: &Pod, k: &ObjectKey, msg: String) {
        let mut updated = pod.clone();
        let status = updated.status.get_or_insert_default();
        status.phase = Some("Pending".into());
        let conditions = status.conditions.get_or_insert_default();
        let previous = conditions
            .iter()
            .find(|c| c.type_ == "PodScheduled")
            .cloned();
        conditions.retain(|c| c.type_ != "PodScheduled");
        conditions.push(PodCondition {
            type_: "PodScheduled".into(),
            status: "False".into(),
            reason: Some("Unschedulable".into()),
            message: Some(msg.clone()),
            last_transition_time: previous
                .filter(|p| p.status == "False")
                .and_then(|p| p.last_transition_time)
                .or(Some(self.now.time())),
            ..Default::default()
        });
        if let Some(current) = self.store.get::<Pod>(&k.0, &k.1).cloned() {
            let changed = *current != updated;
            self.commit_if_changed(updated, &current);
            if changed || !self.runtime.retries.contains_key(k) {
                self.record(
                    pod,
                    None,
                    EventType::Warning,
                    "FailedScheduling",
                    msg,
                    Reporter::Scheduler,
                );
            }
        }
        self.runtime.retries.insert(k.clone(), 1);
        self.schedule(self.now + UNSCHEDULABLE_RETRY, Work::Schedule(k.clone()));
    }

    /// Requests of the pods bound to each node that still hold resources, in one pass over the
    /// pods.
    fn node_usage(&self) -> BTreeMap<&str, (i64, i64, i64)> {
        let mut totals: BTreeMap<&str, (i64, i64, i64)> = BTreeMap::new();
        for p in self.store.list::<Pod>() {
            if let Some(node) = p.spec.as_ref().and_then(|s| s.node_name.as_deref())
                && !is_terminal(p)
            {
                let (c, m) = pod_requests(p);
                let t = totals.entry(node).or_default();
                t.0 += c;
                t.1 += m;
                t.2 += 1;
            }
        }
        totals
    }
}
