//! A seeded random policy: plausible kubectl commands, reads and writes, on objects that exist.

use super::view::{self, Workload, objects};
use super::{Observation, Policy};

/// The verbs drawn from, every one the in-process kubectl runs: get, describe, logs, events,
/// top, explain, rollout, scale, set, patch, delete, label, annotate, create, auth,
/// api-resources, api-versions, version, cluster-info.
const VERBS: usize = 19;
const LIST: &str = "kubectl get deployments,statefulsets,pods,services,configmaps -A -o json";
const IMAGES: [&str; 5] = [
    "nginx:1.25",
    "nginx:1.27",
    "busybox:1.36",
    "postgres:15",
    "redis:7",
];

/// Random commands from a seed; the same seed gives the same commands for the same outputs.
#[derive(Clone, Debug)]
pub struct RandomPolicy {
    pub seed: u64,
    state: u64,
    objects: Vec<serde_json::Value>,
}

impl RandomPolicy {
    pub fn new(seed: u64) -> RandomPolicy {
        RandomPolicy {
            seed,
            state: seed ^ 0x9e37_79b9_7f4a_7c15,
            objects: Vec::new(),
        }
    }

    /// splitmix64: small, seeded and the same on every platform.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn of_kind(&self, kind: &str) -> Vec<&serde_json::Value> {
        self.objects
            .iter()
            .filter(|o| view::kind(o) == kind)
            .collect()
    }

    fn command(&mut self) -> String {
        let pods: Vec<(String, String)> = self
            .of_kind("Pod")
            .iter()
            .map(|p| (view::namespace(p).to_string(), view::name(p).to_string()))
            .collect();
        let workloads: Vec<Workload> = self.objects.iter().filter_map(Workload::from).collect();
        let services: Vec<(String, String)> = self
            .of_kind("Service")
            .iter()
            .map(|s| (view::namespace(s).to_string(), view::name(s).to_string()))
            .collect();
        let configmaps: Vec<(String, String)> = self
            .of_kind("ConfigMap")
            .iter()
            .map(|s| (view::namespace(s).to_string(), view::name(s).to_string()))
            .collect();
        let pod = pods.get(self.below(pods.len())).cloned();
        let w = workloads.get(self.below(workloads.len())).cloned();
        let svc = services.get(self.below(services.len())).cloned();
        let cm = configmaps.get(self.below(configmaps.len())).cloned();
        let (Some((pns, pname)), Some(w), Some((sns, sname)), Some((cns, cname))) =
            (pod, w, svc, cm)
        else {
            return LIST.into();
        };
        let node = self
            .of_kind("Pod")
            .iter()
            .find(|p| view::namespace(p) == pns && view::name(p) == pname)
            .and_then(|p| p["spec"]["nodeName"].as_str())
            .unwrap_or("")
            .to_string();
        let image = IMAGES[self.below(IMAGES.len())];
        let replicas = self.below(4);
        let memory = 64 << self.below(4);
        let port = [80, 8080, 5432][self.below(3)];
        let container = w
            .containers()
            .first()
            .and_then(|c| c["name"].as_str())
            .unwrap_or("app")
            .to_string();
        let target = w.target();
        // A verb first, then one of its forms: the policy samples kubectl's surface evenly
        // rather than favouring the few writes that happen to repair something.
        let forms: Vec<String> = match self.below(VERBS) {
            0 => vec![
                "kubectl get pods -A".into(),
                "kubectl get nodes".into(),
                "kubectl get pvc -A".into(),
                "kubectl get networkpolicies -A".into(),
                "kubectl get resourcequota -A".into(),
                format!("kubectl get {} -n {} -o wide", w.kind, w.namespace),
                format!("kubectl get svc {sname} -n {sns} -o yaml"),
                format!("kubectl get endpoints -n {sns}"),
                format!("kubectl get configmap {cname} -n {cns} -o yaml"),
                format!("kubectl get secrets -n {cns}"),
                format!("kubectl get all -n {pns}"),
                format!("kubectl get pod {pname} -n {pns} -o yaml"),
                LIST.into(),
            ],
            1 => vec![
                format!("kubectl describe pod {pname} -n {pns}"),
                format!("kubectl describe {} {} -n {}", w.kind, w.name, w.namespace),
                format!("kubectl describe svc {sname} -n {sns}"),
                format!("kubectl describe node {node}"),
            ],
            2 => vec![
                format!("kubectl logs {pname} -n {pns} --tail=20"),
                format!("kubectl logs {pname} -n {pns} --previous"),
            ],
            3 => vec![
                "kubectl get events -A".into(),
                format!("kubectl events -n {pns}"),
            ],
            4 => vec!["kubectl top pods -A".into(), "kubectl top nodes".into()],
            5 => vec![
                format!("kubectl explain {}.spec", w.kind),
                "kubectl explain pod.spec.containers.resources".into(),
            ],
            6 => vec![
                format!("kubectl rollout history {target}"),
                format!("kubectl rollout restart {target}"),
                format!("kubectl rollout undo {target}"),
                format!("kubectl rollout pause {target}"),
                format!("kubectl rollout resume {target}"),
            ],
            7 => vec![format!("kubectl scale {target} --replicas={replicas}")],
            8 => vec![
                format!("kubectl set image {target} {container}={image}"),
                format!("kubectl set resources {target} -c {container} --limits=memory={memory}Mi"),
                format!("kubectl set env {target} LOG_LEVEL=debug"),
            ],
            9 => vec![
                format!(r#"kubectl patch {target} -p '{{"spec":{{"replicas":{replicas}}}}}'"#),
                format!(
                    r#"kubectl patch svc {sname} -n {sns} --type json -p '[{{"op":"replace","path":"/spec/ports/0/targetPort","value":{port}}}]'"#
                ),
            ],
            10 => vec![
                format!("kubectl delete pod {pname} -n {pns}"),
                format!("kubectl delete {} {} -n {}", w.kind, w.name, w.namespace),
                format!("kubectl delete svc {sname} -n {sns}"),
            ],
            11 => vec![format!(
                "kubectl label pod {pname} -n {pns} triage=true --overwrite"
            )],
            12 => vec![format!(
                "kubectl annotate {target} triage=random --overwrite"
            )],
            13 => vec![format!(
                "kubectl create configmap triage-{replicas} -n {cns} --from-literal=note=random"
            )],
            14 => vec![
                format!("kubectl auth can-i delete pods -n {pns}"),
                format!("kubectl auth can-i patch {} -n {}", w.kind, w.namespace),
            ],
            15 => vec!["kubectl api-resources".into()],
            16 => vec!["kubectl api-versions".into()],
            17 => vec!["kubectl version".into()],
            _ => vec!["kubectl cluster-info".into()],
        };
        forms[self.below(forms.len())].clone()
    }
}

impl Policy for RandomPolicy {
    fn name(&self) -> String {
        format!("random-{}", self.seed)
    }

    fn next_command(&mut self, obs: &Observation<'_>) -> Option<String> {
        if let Some(last) = obs.last
            && last.command == LIST
        {
            self.objects = objects(&last.stdout);
        }
        if self.objects.is_empty() {
            return Some(LIST.into());
        }
        Some(self.command())
    }
}
