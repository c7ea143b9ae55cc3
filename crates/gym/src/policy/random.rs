//! A seeded random policy: plausible kubectl commands, reads and writes, on objects that exist.

use super::view::{self, Workload, objects};
use super::{Observation, Policy};

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
        let image = IMAGES[self.below(IMAGES.len())];
        let replicas = self.below(4);
        let container = w
            .containers()
            .first()
            .and_then(|c| c["name"].as_str())
            .unwrap_or("app")
            .to_string();
        let commands = [
            "kubectl get pods -A".to_string(),
            "kubectl get events -A".to_string(),
            format!("kubectl get {} -n {} -o wide", w.kind, w.namespace),
            format!("kubectl describe pod {pname} -n {pns}"),
            format!("kubectl describe {} {} -n {}", w.kind, w.name, w.namespace),
            format!("kubectl logs {pname} -n {pns} --tail=20"),
            format!("kubectl logs {pname} -n {pns} --previous"),
            format!("kubectl get svc {sname} -n {sns} -o yaml"),
            format!("kubectl get endpoints -n {sns}"),
            format!("kubectl get configmap {cname} -n {cns} -o yaml"),
            "kubectl get nodes".to_string(),
            format!("kubectl rollout history {}", w.target()),
            format!("kubectl scale {} --replicas={replicas}", w.target()),
            format!("kubectl rollout restart {}", w.target()),
            format!("kubectl rollout undo {}", w.target()),
            format!("kubectl set image {} {container}={image}", w.target()),
            format!(
                "kubectl set resources {} -c {container} --limits=memory={}Mi",
                w.target(),
                64 << self.below(4)
            ),
            format!("kubectl delete pod {pname} -n {pns}"),
            format!("kubectl delete {} {} -n {}", w.kind, w.name, w.namespace),
            format!("kubectl delete svc {sname} -n {sns}"),
            format!(
                r#"kubectl patch {} -p '{{"spec":{{"replicas":{replicas}}}}}'"#,
                w.target()
            ),
            format!(
                r#"kubectl patch svc {sname} -n {sns} --type json -p '[{{"op":"replace","path":"/spec/ports/0/targetPort","value":{}}}]'"#,
                [80, 8080, 5432][self.below(3)]
            ),
            LIST.to_string(),
        ];
        commands[self.below(commands.len())].clone()
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
