//! A scripted SRE: reads the cluster through `kubectl get -o json`, events and logs, finds what is
//! broken and repairs it with kubectl, with no object name known in advance. Each round it looks
//! at everything, asks for the logs or objects its diagnosis needs, then applies every fix it
//! found at once and looks again.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use base64::Engine as _;
use serde_json::{Value, json};

use super::view::{
    self, Workload, container_statuses, name, namespace, objects, phase, pod_ready, restarts,
    selects, string_map, terminating,
};
use super::{Observation, Policy, sq};

const OVERVIEW: &str = "kubectl get deployments,statefulsets,pods,services -A -o json";
const EVENTS: &str = "kubectl get events -A -o json";
const NODES: &str = "kubectl get nodes -o json";
const STORAGE_CLASSES: &str = "kubectl get storageclasses -o json";
/// Workloads annotated with this are in their expected state, however they look.
pub const EXPECTED_ANNOTATION: &str = "kube-sre-gym.io/expected";
/// Steps a fixed workload is left alone to roll out before it is diagnosed again.
const GRACE: usize = 6;
/// Healthy looks in a row before the policy stops.
const QUIET_POLLS: usize = 2;

/// The scripted baseline. Deterministic: it depends only on what kubectl printed.
#[derive(Clone, Debug, Default)]
pub struct ScriptedSre {
    queue: VecDeque<String>,
    awaiting: Option<String>,
    outputs: BTreeMap<String, String>,
    done: BTreeSet<String>,
    fixed_at: BTreeMap<String, usize>,
    quiet: usize,
}

impl ScriptedSre {
    pub fn new() -> ScriptedSre {
        ScriptedSre::default()
    }
}

impl Policy for ScriptedSre {
    fn name(&self) -> String {
        "scripted-sre".into()
    }

    fn next_command(&mut self, obs: &Observation<'_>) -> Option<String> {
        if let (Some(last), Some(want)) = (obs.last, self.awaiting.take())
            && last.command == want
        {
            self.outputs.insert(want, last.stdout.clone());
        }
        if self.queue.is_empty() {
            self.plan(obs.step)?;
        }
        let next = self.queue.pop_front()?;
        self.awaiting = Some(next.clone());
        Some(next)
    }
}

impl ScriptedSre {
    /// Fills the queue; `None` when there is nothing left to do.
    fn plan(&mut self, step: usize) -> Option<()> {
        let base: Vec<String> = [OVERVIEW, EVENTS]
            .iter()
            .filter(|c| !self.outputs.contains_key(**c))
            .map(|c| c.to_string())
            .collect();
        if !base.is_empty() {
            self.queue.extend(base);
            return Some(());
        }
        let (needs, fixes, broken) = {
            let mut d = Diagnosis::new(&self.outputs, step, &self.fixed_at);
            d.run();
            (d.needs, d.fixes, d.broken)
        };
        let needs: Vec<String> = needs
            .iter()
            .filter(|c| !self.outputs.contains_key(*c))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !needs.is_empty() {
            // Ask in a stable order, and only once per round.
            self.queue.extend(needs);
            return Some(());
        }
        let mut fixed = false;
        for fix in fixes {
            if !self.done.insert(fix.key.clone()) {
                continue;
            }
            self.queue.extend(fix.commands);
            // The grace runs from when the fix's last command has run.
            for w in &fix.workloads {
                self.fixed_at.insert(w.clone(), step + self.queue.len());
            }
            fixed = true;
        }
        if fixed || broken > 0 {
            self.quiet = 0;
        } else {
            self.quiet += 1;
            if self.quiet >= QUIET_POLLS {
                return None;
            }
        }
        // Look again: a fresh round.
        self.outputs.clear();
        if self.queue.is_empty() {
            self.queue
                .extend([OVERVIEW.to_string(), EVENTS.to_string()]);
        }
        Some(())
    }
}

struct Fix {
    key: String,
    workloads: Vec<String>,
    commands: Vec<String>,
}

/// What a workload's pods show, most telling first.
#[derive(Debug)]
enum Symptom {
    Oom { container: String },
    ImagePull,
    ConfigError,
    Unschedulable { message: String },
    Liveness { pod: String },
    Crash { pod: String },
    NotReady { pod: String, message: String },
    Quota { quota: String, message: String },
    ScaledToZero { replicas: i64 },
}

struct Diagnosis<'a> {
    outputs: &'a BTreeMap<String, String>,
    step: usize,
    fixed_at: &'a BTreeMap<String, usize>,
    workloads: Vec<Workload>,
    pods: Vec<Value>,
    services: Vec<Value>,
    events: Vec<Value>,
    needs: Vec<String>,
    fixes: Vec<Fix>,
    broken: usize,
}

impl<'a> Diagnosis<'a> {
    fn new(
        outputs: &'a BTreeMap<String, String>,
        step: usize,
        fixed_at: &'a BTreeMap<String, usize>,
    ) -> Diagnosis<'a> {
        let all = objects(outputs.get(OVERVIEW).map_or("", String::as_str));
        let mut workloads: Vec<Workload> = all.iter().filter_map(Workload::from).collect();
        workloads.sort_by_key(Workload::key);
        let pods = all
            .iter()
            .filter(|o| view::kind(o) == "Pod")
            .filter(|p| !terminating(p) && !matches!(phase(p), "Succeeded" | "Failed"))
            .cloned()
            .collect();
        let services = all
            .iter()
            .filter(|o| view::kind(o) == "Service")
            .cloned()
            .collect();
        let mut events = objects(outputs.get(EVENTS).map_or("", String::as_str));
        events.sort_by(|a, b| {
            let t = |e: &Value| e["lastTimestamp"].as_str().unwrap_or("").to_string();
            t(a).cmp(&t(b))
        });
        Diagnosis {
            outputs,
            step,
            fixed_at,
            workloads,
            pods,
            services,
            events,
            needs: Vec::new(),
            fixes: Vec::new(),
            broken: 0,
        }
    }

    fn output(&self, command: &str) -> Option<&'a str> {
        self.outputs.get(command).map(String::as_str)
    }

    /// The output of a command, asking for it when missing.
    fn need(&mut self, command: String) -> Option<&'a str> {
        let out = self.output(&command);
        if out.is_none() {
            self.needs.push(command);
        }
        out
    }

    fn fix(&mut self, key: String, workloads: &[&Workload], commands: Vec<String>) {
        if commands.is_empty() || self.fixes.iter().any(|f| f.key == key) {
            return;
        }
        self.fixes.push(Fix {
            key,
            workloads: workloads.iter().map(|w| w.key()).collect(),
            commands,
        });
    }

    fn run(&mut self) {
        let workloads = self.workloads.clone();
        for w in &workloads {
            if w.annotation(EXPECTED_ANNOTATION).is_some() {
                continue;
            }
            let Some(symptom) = self.symptom(w) else {
                continue;
            };
            self.broken += 1;
            let in_grace = self
                .fixed_at
                .get(&w.key())
                .is_some_and(|at| self.step < at + GRACE);
            if !in_grace {
                self.treat(w, symptom);
            }
        }
        self.check_services();
    }

    fn events_for(&self, ns: &str, object: &str) -> Vec<&Value> {
        self.events
            .iter()
            .filter(|e| {
                e["involvedObject"]["namespace"].as_str().unwrap_or("") == ns
                    && e["involvedObject"]["name"].as_str() == Some(object)
            })
            .collect()
    }

    fn symptom(&self, w: &Workload) -> Option<Symptom> {
        if w.replicas() == 0 {
            // Zero may be intended; it is not when the workload was seen scaling down or a
            // Service still sends traffic to it.
            let served = self.services.iter().any(|s| {
                namespace(s) == w.namespace
                    && selects(&string_map(&s["spec"]["selector"]), &w.template_labels())
            });
            return self
                .scaled_down_from(w)
                .or(served.then(|| fallback_replicas(w)))
                .map(|replicas| Symptom::ScaledToZero { replicas });
        }
        let mut pods: Vec<&Value> = self.pods.iter().filter(|p| w.owns(p)).collect();
        pods.sort_by_key(|p| name(p).to_string());
        let waiting = |p: &Value, reasons: &[&str]| {
            container_statuses(p).iter().any(|c| {
                c["state"]["waiting"]["reason"]
                    .as_str()
                    .is_some_and(|r| reasons.contains(&r))
            })
        };
        for p in &pods {
            for c in container_statuses(p) {
                let oom = |s: &Value| s["terminated"]["reason"] == "OOMKilled";
                if (oom(&c["lastState"]) || oom(&c["state"])) && !pod_ready(p) {
                    return Some(Symptom::Oom {
                        container: c["name"].as_str().unwrap_or("").to_string(),
                    });
                }
            }
        }
        if pods
            .iter()
            .any(|p| waiting(p, &["ErrImagePull", "ImagePullBackOff", "InvalidImageName"]))
        {
            return Some(Symptom::ImagePull);
        }
        if pods
            .iter()
            .any(|p| waiting(p, &["CreateContainerConfigError", "CreateContainerError"]))
        {
            return Some(Symptom::ConfigError);
        }
        for p in &pods {
            let unscheduled = p["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == "PodScheduled" && c["status"] == "False");
            if let Some(c) = unscheduled {
                let from_events = self
                    .events_for(w.namespace.as_str(), name(p))
                    .into_iter()
                    .rev()
                    .find(|e| e["reason"] == "FailedScheduling")
                    .and_then(|e| e["message"].as_str());
                let message = from_events
                    .or(c["message"].as_str())
                    .unwrap_or("")
                    .to_string();
                return Some(Symptom::Unschedulable { message });
            }
        }
        let probe_failed = |p: &Value, probe: &str| {
            self.events_for(&w.namespace, name(p))
                .into_iter()
                .rev()
                .find(|e| {
                    e["reason"] == "Unhealthy"
                        && e["message"]
                            .as_str()
                            .is_some_and(|m| m.starts_with(&format!("{probe} probe failed")))
                })
                .and_then(|e| e["message"].as_str())
                .map(str::to_string)
        };
        // Old restarts on a pod that is ready and passes its probes are history, not a fault.
        let restarting: Vec<&&Value> = pods
            .iter()
            .filter(|p| {
                waiting(p, &["CrashLoopBackOff"])
                    || restarts(p) >= 2 && (!pod_ready(p) || probe_failed(p, "Liveness").is_some())
            })
            .collect();
        if let Some(p) = restarting
            .iter()
            .find(|p| probe_failed(p, "Liveness").is_some())
        {
            return Some(Symptom::Liveness {
                pod: name(p).to_string(),
            });
        }
        if let Some(p) = restarting.first() {
            return Some(Symptom::Crash {
                pod: name(p).to_string(),
            });
        }
        for p in &pods {
            if phase(p) == "Running"
                && !pod_ready(p)
                && let Some(message) = probe_failed(p, "Readiness")
            {
                return Some(Symptom::NotReady {
                    pod: name(p).to_string(),
                    message,
                });
            }
        }
        if (pods.len() as i64) < w.replicas() {
            // Pods the controller could not create.
            let quota = self
                .events
                .iter()
                .rev()
                .filter(|e| {
                    e["reason"] == "FailedCreate"
                        && e["involvedObject"]["namespace"] == w.namespace.as_str()
                        && e["involvedObject"]["name"]
                            .as_str()
                            .is_some_and(|n| n == w.name || n.starts_with(&format!("{}-", w.name)))
                })
                .find_map(|e| {
                    let m = e["message"].as_str()?;
                    let rest = m.split("exceeded quota: ").nth(1)?;
                    let quota = rest.split(',').next()?.trim().to_string();
                    Some((quota, m.to_string()))
                });
            if let Some((quota, message)) = quota {
                return Some(Symptom::Quota { quota, message });
            }
        }
        None
    }

    /// The replica count a workload had before it was scaled to zero, from its events; `None`
    /// when nothing shows it was ever scaled down (then zero may be intended).
    fn scaled_down_from(&self, w: &Workload) -> Option<i64> {
        let mut best: Option<i64> = None;
        for e in self.events_for(&w.namespace, &w.name) {
            let m = e["message"].as_str().unwrap_or("");
            if e["reason"] == "ScalingReplicaSet"
                && m.starts_with("Scaled down")
                && m.ends_with(" to 0")
                && let Some(n) = m
                    .rsplit(" from ")
                    .next()
                    .and_then(|r| r.split_whitespace().next())
                    .and_then(|n| n.parse::<i64>().ok())
            {
                best = Some(best.map_or(n, |b| b.max(n)));
            }
            // StatefulSets delete pods from the highest ordinal down.
            let prefix = format!("delete Pod {}-", w.name);
            if e["reason"] == "SuccessfulDelete"
                && let Some(ord) = m
                    .strip_prefix(&prefix)
                    .and_then(|r| r.split_whitespace().next())
                    .and_then(|n| n.parse::<i64>().ok())
            {
                best = Some(best.map_or(ord + 1, |b| b.max(ord + 1)));
            }
        }
        best
    }

    /// Rolls a Deployment back to its previous revision, once: a second undo would return to
    /// the revision the first one left.
    fn undo(&mut self, w: &Workload) -> bool {
        if w.kind == "deployment" && w.revision() > 1 {
            self.fix(
                format!("undo/{}", w.key()),
                &[w],
                vec![format!("kubectl rollout undo {}", w.target())],
            );
            return true;
        }
        false
    }

    /// A change to the pod template; a StatefulSet does not replace a pod that never became
    /// ready under the bad template, so its stuck pods are deleted after the change.
    fn template_fix(&mut self, w: &Workload, key: String, mut commands: Vec<String>) {
        if w.kind == "statefulset" {
            let mut stuck: Vec<String> = self
                .pods
                .iter()
                .filter(|p| w.owns(p) && !pod_ready(p))
                .map(|p| name(p).to_string())
                .collect();
            stuck.sort();
            commands.extend(
                stuck
                    .into_iter()
                    .map(|p| format!("kubectl delete pod {p} -n {}", w.namespace)),
            );
        }
        self.fix(key, &[w], commands);
    }

    /// Image pull failures without a revision to return to: the image another workload runs
    /// from the same repository, or by the same name from another registry.
    fn image(&mut self, w: &Workload) {
        if self.undo(w) {
            return;
        }
        let repo = |image: &str| -> String {
            let last = image.rsplit('/').next().unwrap_or(image);
            last.split([':', '@']).next().unwrap_or(last).to_string()
        };
        for (i, c) in w.containers().iter().enumerate() {
            let Some(image) = c["image"].as_str() else {
                continue;
            };
            let failing = self.pods.iter().any(|p| {
                w.owns(p)
                    && container_statuses(p).iter().any(|cs| {
                        cs["name"] == c["name"]
                            && cs["state"]["waiting"]["reason"]
                                .as_str()
                                .is_some_and(|r| r.contains("Image"))
                    })
            });
            if !failing {
                continue;
            }
            let other = self
                .workloads
                .iter()
                .filter(|o| o.key() != w.key())
                .flat_map(|o| o.containers())
                .filter_map(|oc| oc["image"].as_str())
                .filter(|o| *o != image && repo(o) == repo(image))
                .min()
                .map(str::to_string);
            let Some(other) = other else {
                continue;
            };
            let body = json!([{"op": "replace", "path": format!("/spec/template/spec/containers/{i}/image"), "value": other}]);
            self.template_fix(
                w,
                format!("image/{}/{i}", w.key()),
                vec![format!(
                    "kubectl patch {} --type json -p {}",
                    w.target(),
                    sq(&body.to_string())
                )],
            );
        }
    }

    /// A missing Secret key without a revision to return to: point the reference at the key of
    /// the same kind the Secret does hold (`DB_PASSWORD` at `POSTGRES_PASSWORD`).
    fn secret_key(&mut self, w: &Workload) {
        if self.undo(w) {
            return;
        }
        let Some((ns, secret, key)) = self
            .events
            .iter()
            .rev()
            .filter(|e| e["involvedObject"]["namespace"] == w.namespace.as_str())
            .filter_map(|e| e["message"].as_str())
            .find_map(|m| {
                let rest = m.split("couldn't find key ").nth(1)?;
                let (key, rest) = rest.split_once(" in Secret ")?;
                let (ns, secret) = rest.trim().split_once('/')?;
                Some((ns.to_string(), secret.to_string(), key.to_string()))
            })
        else {
            return;
        };
        let Some(out) = self.need(format!("kubectl get secret {secret} -n {ns} -o json")) else {
            return;
        };
        let keys: Vec<String> = objects(out)
            .first()
            .map(|s| string_map(&s["data"]).into_keys().collect())
            .unwrap_or_default();
        let suffix = key.rsplit('_').next().unwrap_or(&key).to_string();
        let Some(held) = keys.iter().find(|k| k.ends_with(&suffix)) else {
            return;
        };
        for (ci, c) in w.containers().iter().enumerate() {
            for (ei, e) in c["env"].as_array().into_iter().flatten().enumerate() {
                let r = &e["valueFrom"]["secretKeyRef"];
                if r["name"] == secret.as_str() && r["key"] == key.as_str() {
                    let body = json!([{"op": "replace", "path": format!("/spec/template/spec/containers/{ci}/env/{ei}/valueFrom/secretKeyRef/key"), "value": held}]);
                    self.template_fix(
                        w,
                        format!("secretkey/{}/{ci}/{ei}", w.key()),
                        vec![format!(
                            "kubectl patch {} --type json -p {}",
                            w.target(),
                            sq(&body.to_string())
                        )],
                    );
                }
            }
        }
    }

    /// Requests no node can hold, without a revision to return to: bring them within a node.
    fn requests(&mut self, w: &Workload, message: &str) {
        if self.undo(w) {
            return;
        }
        let resource = if message.contains("Insufficient memory") {
            "memory"
        } else {
            "cpu"
        };
        let Some(nodes) = self.need(NODES.into()) else {
            return;
        };
        let smallest = objects(nodes)
            .iter()
            .filter_map(|n| {
                n["status"]["allocatable"][resource]
                    .as_str()
                    .map(str::to_string)
            })
            .filter_map(|q| match resource {
                "cpu" => cpu_millis(&q),
                _ => quantity_bytes(&q).map(|b| b >> 20),
            })
            .min();
        let Some(smallest) = smallest else {
            return;
        };
        let unit = if resource == "cpu" { "m" } else { "Mi" };
        // A tenth of the smallest node leaves room beside the node's other pods.
        let request = (smallest / 10).max(1);
        let limit = (smallest / 2).max(request);
        for c in w.containers() {
            let Some(container) = c["name"].as_str() else {
                continue;
            };
            self.template_fix(
                w,
                format!("requests/{}/{container}", w.key()),
                vec![format!(
                    "kubectl set resources {} -c {container} --requests={resource}={request}{unit} --limits={resource}={limit}{unit}",
                    w.target()
                )],
            );
        }
    }

    fn treat(&mut self, w: &Workload, symptom: Symptom) {
        match symptom {
            Symptom::ScaledToZero { replicas } => self.fix(
                format!("scale/{}", w.key()),
                &[w],
                vec![format!(
                    "kubectl scale {} --replicas={replicas}",
                    w.target()
                )],
            ),
            Symptom::Oom { container } => self.raise_memory(w, &container),
            Symptom::ImagePull => self.image(w),
            Symptom::ConfigError => self.secret_key(w),
            Symptom::Unschedulable { message } => self.unschedulable(w, &message),
            Symptom::Liveness { pod } => self.liveness(w, &pod),
            Symptom::Crash { pod } => {
                let cmd = format!("kubectl logs {pod} -n {} --previous --tail=20", w.namespace);
                if let Some(logs) = self.need(cmd) {
                    self.crash(w, logs);
                }
            }
            Symptom::NotReady { pod, message } => {
                if message.contains("statuscode: 5") {
                    let cmd = format!("kubectl logs {pod} -n {} --tail=20", w.namespace);
                    if let Some(logs) = self.need(cmd) {
                        self.upstream(w, logs);
                    }
                } else {
                    self.undo(w);
                }
            }
            Symptom::Quota { quota, message } => self.quota(w, &quota, &message),
        }
    }

    fn raise_memory(&mut self, w: &Workload, container: &str) {
        let Some(c) = w
            .containers()
            .into_iter()
            .find(|c| c["name"] == container)
            .cloned()
        else {
            return;
        };
        let limit = c["resources"]["limits"]["memory"]
            .as_str()
            .and_then(quantity_bytes);
        let request = c["resources"]["requests"]["memory"]
            .as_str()
            .and_then(quantity_bytes);
        let Some(limit) = limit.or(request) else {
            return;
        };
        let mib = |b: u64| b.div_ceil(1 << 20).max(1);
        let new_limit = mib(limit) * 4;
        let new_request = (mib(request.unwrap_or(limit)) * 2).min(new_limit);
        self.fix(
            format!("memory/{}", w.key()),
            &[w],
            vec![format!(
                "kubectl set resources {} -c {container} --limits=memory={new_limit}Mi --requests=memory={new_request}Mi",
                w.target()
            )],
        );
    }

    fn unschedulable(&mut self, w: &Workload, message: &str) {
        if message.contains("PersistentVolumeClaim") {
            self.storage_class(w);
        } else if message.contains("were unschedulable") {
            let Some(nodes) = self.need(NODES.into()) else {
                return;
            };
            // One patch for every cordoned node: after maintenance they all go back.
            let cordoned: Vec<String> = objects(nodes)
                .iter()
                .filter(|n| n["spec"]["unschedulable"] == true)
                .map(|n| name(n).to_string())
                .collect();
            if !cordoned.is_empty() {
                self.fix(
                    format!("uncordon/{}", cordoned.join(",")),
                    &[w],
                    vec![format!(
                        r#"kubectl patch nodes {} -p '{{"spec":{{"unschedulable":false}}}}'"#,
                        cordoned.join(" ")
                    )],
                );
            }
        } else if let Some(taint) = message
            .split("untolerated taint {")
            .nth(1)
            .and_then(|r| r.split('}').next())
        {
            let key = taint.split(':').next().unwrap_or("").trim().to_string();
            let Some(nodes) = self.need(NODES.into()) else {
                return;
            };
            // Nodes holding the taint at the same position share one patch.
            let mut by_index: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            for n in objects(nodes) {
                let index = n["spec"]["taints"]
                    .as_array()
                    .and_then(|t| t.iter().position(|t| t["key"] == key.as_str()));
                if let Some(i) = index {
                    by_index.entry(i).or_default().push(name(&n).to_string());
                }
            }
            for (i, nodes) in by_index {
                self.fix(
                    format!("untaint/{key}/{}", nodes.join(",")),
                    &[w],
                    vec![format!(
                        r#"kubectl patch nodes {} --type json -p '[{{"op":"remove","path":"/spec/taints/{i}"}}]'"#,
                        nodes.join(" ")
                    )],
                );
            }
        } else if message.contains("node affinity/selector") {
            if !self.undo(w) && !w.obj["spec"]["template"]["spec"]["nodeSelector"].is_null() {
                self.template_fix(
                    w,
                    format!("nodeselector/{}", w.key()),
                    vec![format!(
                        r#"kubectl patch {} --type json -p '[{{"op":"remove","path":"/spec/template/spec/nodeSelector"}}]'"#,
                        w.target()
                    )],
                );
            }
        } else if message.contains("Insufficient") {
            self.requests(w, message);
        }
    }

    /// A claim waits on a StorageClass that does not exist: recreate it like the ones that do.
    fn storage_class(&mut self, w: &Workload) {
        let missing: BTreeSet<String> = self
            .events
            .iter()
            .filter(|e| {
                e["reason"] == "ProvisioningFailed"
                    && e["involvedObject"]["namespace"] == w.namespace.as_str()
            })
            .filter_map(|e| {
                let m = e["message"].as_str()?;
                let rest = m.split("storageclass.storage.k8s.io \"").nth(1)?;
                Some(rest.split('"').next()?.to_string())
            })
            .collect();
        if missing.is_empty() {
            return;
        }
        let Some(classes) = self.need(STORAGE_CLASSES.into()) else {
            return;
        };
        let existing = objects(classes);
        let provisioner_from_events = self.events.iter().rev().find_map(|e| {
            let m = e["message"].as_str()?;
            let rest = m.split("external provisioner '").nth(1)?;
            Some(rest.split('\'').next()?.to_string())
        });
        for class in missing {
            if existing.iter().any(|c| name(c) == class) {
                continue;
            }
            let like = existing.first();
            let provisioner = like
                .and_then(|c| c["provisioner"].as_str().map(str::to_string))
                .or_else(|| provisioner_from_events.clone())
                .unwrap_or_else(|| "kubernetes.io/no-provisioner".into());
            let mode = like
                .and_then(|c| c["volumeBindingMode"].as_str())
                .unwrap_or("WaitForFirstConsumer");
            self.fix(
                format!("storageclass/{class}"),
                &[w],
                vec![format!(
                    "kubectl apply -f - <<EOF\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: {class}\nprovisioner: {provisioner}\nvolumeBindingMode: {mode}\nEOF"
                )],
            );
        }
    }

    fn liveness(&mut self, w: &Workload, pod: &str) {
        if w.kind == "deployment" && w.revision() > 1 {
            self.undo(w);
            return;
        }
        // A probe that gives the application no time to start: relax it, then replace the pod
        // (a StatefulSet does not replace a pod that never became ready).
        for c in w.containers() {
            let p = &c["livenessProbe"];
            let aggressive = p["periodSeconds"].as_i64().unwrap_or(10) <= 2
                || p["failureThreshold"].as_i64().unwrap_or(3) <= 1
                || p["initialDelaySeconds"].as_i64().unwrap_or(0) < 5
                    && p["timeoutSeconds"].as_i64().unwrap_or(1) <= 1
                    && p["failureThreshold"].as_i64().unwrap_or(3) <= 1;
            if p.is_null() || !aggressive {
                continue;
            }
            let container = c["name"].as_str().unwrap_or("");
            let body = json!({"spec": {"template": {"spec": {"containers": [{
                "name": container,
                "livenessProbe": {"initialDelaySeconds": 30, "periodSeconds": 10, "failureThreshold": 3},
            }]}}}});
            let mut commands = vec![format!(
                "kubectl patch {} -p {}",
                w.target(),
                sq(&body.to_string())
            )];
            if w.kind == "statefulset" {
                commands.push(format!("kubectl delete pod {pod} -n {}", w.namespace));
            }
            self.fix(format!("liveness/{}", w.key()), &[w], commands);
            return;
        }
    }

    /// The workload a host name points at: `db.ns.svc.cluster.local` or `db`.
    fn resolve_host(&self, host: &str, caller_ns: &str) -> (String, String) {
        let mut labels = host.split('.');
        let svc = labels.next().unwrap_or("").to_string();
        let ns = labels
            .next()
            .filter(|ns| {
                self.services.iter().any(|s| namespace(s) == *ns)
                    || self.workloads.iter().any(|w| w.namespace == *ns)
            })
            .unwrap_or(caller_ns)
            .to_string();
        (ns, svc)
    }

    fn service_exists(&self, ns: &str, svc: &str) -> bool {
        self.services
            .iter()
            .any(|s| namespace(s) == ns && name(s) == svc)
    }

    fn workload(&self, ns: &str, name: &str) -> Option<Workload> {
        self.workloads
            .iter()
            .find(|w| w.namespace == ns && w.name == name)
            .cloned()
    }

    fn restart(w: &Workload) -> String {
        format!("kubectl rollout restart {}", w.target())
    }

    fn crash(&mut self, w: &Workload, logs: &str) {
        if logs.contains("password authentication failed") {
            self.credentials(w);
            return;
        }
        let host = quoted_after(logs, "bad address '")
            .or_else(|| {
                logs.split("waiting for database ")
                    .nth(1)
                    .and_then(|r| r.split([':', ' ', '\n']).next())
            })
            .map(str::to_string);
        if let Some(host) = host {
            let (ns, svc) = self.resolve_host(&host, &w.namespace);
            if let Some(dep) = self.workload(&ns, &svc).filter(|d| d.replicas() == 0) {
                let replicas = self
                    .scaled_down_from(&dep)
                    .unwrap_or_else(|| fallback_replicas(&dep));
                self.fix(
                    format!("scale/{}", dep.key()),
                    &[&dep, w],
                    vec![
                        format!("kubectl scale {} --replicas={replicas}", dep.target()),
                        Self::restart(w),
                    ],
                );
                return;
            }
            if logs.contains("timeout")
                && let Some(dep) = self.workload(&ns, &svc)
            {
                self.network_policy(w, &dep);
                return;
            }
            if !self.service_exists(&ns, &svc) && self.config_hosts(w) {
                return;
            }
            if self.service_exists(&ns, &svc) && self.workload(&ns, &svc).is_some() {
                // The dependency is there; if it is itself broken it is treated on its own.
                return;
            }
        }
        if !self.undo(w) {
            self.exiting_command(w);
        }
    }

    /// A command override that only exits: drop it so the image's entrypoint runs.
    fn exiting_command(&mut self, w: &Workload) {
        for (i, c) in w.containers().iter().enumerate() {
            let exits = c["command"]
                .as_array()
                .into_iter()
                .chain(c["args"].as_array())
                .flatten()
                .filter_map(Value::as_str)
                .any(|a| {
                    let a = a.trim();
                    a.starts_with("exit ") && !a.contains([';', '\n'])
                });
            if !exits {
                continue;
            }
            let mut ops = vec![
                json!({"op": "remove", "path": format!("/spec/template/spec/containers/{i}/command")}),
            ];
            if !c["args"].is_null() {
                ops.push(json!({"op": "remove", "path": format!("/spec/template/spec/containers/{i}/args")}));
            }
            self.template_fix(
                w,
                format!("command/{}/{i}", w.key()),
                vec![format!(
                    "kubectl patch {} --type json -p {}",
                    w.target(),
                    sq(&Value::Array(ops).to_string())
                )],
            );
        }
    }

    /// Deletes NetworkPolicies that select the dependency's pods and admit nothing from the
    /// caller, then restarts the caller out of its back-off.
    fn network_policy(&mut self, caller: &Workload, dep: &Workload) {
        let Some(out) = self.need(format!(
            "kubectl get networkpolicies -n {} -o json",
            dep.namespace
        )) else {
            return;
        };
        let dep_labels = dep.template_labels();
        let caller_labels = caller.template_labels();
        for p in objects(out) {
            let selector = string_map(&p["spec"]["podSelector"]["matchLabels"]);
            let applies = selector.iter().all(|(k, v)| dep_labels.get(k) == Some(v));
            let ingress = p["spec"]["policyTypes"]
                .as_array()
                .is_none_or(|t| t.iter().any(|t| t == "Ingress"));
            let admits = p["spec"]["ingress"].as_array().into_iter().flatten().any(
                |rule| match rule["from"].as_array() {
                    None => true,
                    Some(from) => from.iter().any(|peer| {
                        peer["namespaceSelector"].is_null()
                            && peer["ipBlock"].is_null()
                            && string_map(&peer["podSelector"]["matchLabels"])
                                .iter()
                                .all(|(k, v)| caller_labels.get(k) == Some(v))
                            && caller.namespace == dep.namespace
                    }),
                },
            );
            if applies && ingress && !admits {
                self.fix(
                    format!("netpol/{}/{}", namespace(&p), name(&p)),
                    &[caller, dep],
                    vec![
                        format!(
                            "kubectl delete networkpolicy {} -n {}",
                            name(&p),
                            namespace(&p)
                        ),
                        Self::restart(caller),
                    ],
                );
            }
        }
    }

    /// Ready probes answer 5xx: the application's upstream fails.
    fn upstream(&mut self, w: &Workload, logs: &str) {
        if logs.contains("password authentication failed") {
            self.credentials(w);
            return;
        }
        if self.config_hosts(w) {
            return;
        }
        // A host that resolves nowhere and no near miss to correct: return to the revision that
        // worked, if the workload changed.
        let unresolved = logs
            .split("lookup ")
            .skip(1)
            .filter_map(|r| r.split_whitespace().next())
            .chain(
                logs.split("bad address '")
                    .skip(1)
                    .filter_map(|r| r.split('\'').next()),
            )
            .any(|host| {
                let (ns, svc) = self.resolve_host(host, &w.namespace);
                !self.service_exists(&ns, &svc)
            });
        if unresolved {
            self.undo(w);
        }
    }

    /// Hosts in the workload's configuration that name no Service: a ConfigMap value pointing at
    /// a near miss of an existing Service is corrected and the workload restarted to read it.
    /// Returns whether a fix was found (or is waiting on the ConfigMaps).
    fn config_hosts(&mut self, w: &Workload) -> bool {
        let maps: BTreeSet<String> = w
            .containers()
            .iter()
            .flat_map(|c| {
                let from = c["envFrom"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["configMapRef"]["name"].as_str());
                let refs = c["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["valueFrom"]["configMapKeyRef"]["name"].as_str());
                from.chain(refs).map(str::to_string).collect::<Vec<_>>()
            })
            .collect();
        if maps.is_empty() {
            return false;
        }
        let Some(out) = self.need(format!("kubectl get configmaps -n {} -o json", w.namespace))
        else {
            return true;
        };
        let mut found = false;
        for cm in objects(out) {
            if !maps.contains(name(&cm)) {
                continue;
            }
            for (key, value) in string_map(&cm["data"]) {
                let Some(fixed) = self.correct_hosts(&value, &w.namespace) else {
                    continue;
                };
                let body = json!({"data": {key.clone(): fixed}});
                self.fix(
                    format!("configmap/{}/{}/{key}", w.namespace, name(&cm)),
                    &[w],
                    vec![
                        format!(
                            "kubectl patch configmap {} -n {} --type merge -p {}",
                            name(&cm),
                            w.namespace,
                            sq(&body.to_string())
                        ),
                        Self::restart(w),
                    ],
                );
                found = true;
            }
        }
        found
    }

    /// The value with hosts that name no Service replaced by the Service they nearly name.
    fn correct_hosts(&self, value: &str, ns: &str) -> Option<String> {
        let mut out = value.to_string();
        let mut changed = false;
        for token in value.split([',', ' ', ';']) {
            let rest = token.split_once("://").map_or(token, |(_, r)| r);
            let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
            let host = rest.split([':', '/']).next().unwrap_or("");
            if host.is_empty() || !(host.contains('.') || rest.contains(':')) {
                continue;
            }
            let (host_ns, svc) = self.resolve_host(host, ns);
            if self.service_exists(&host_ns, &svc) {
                continue;
            }
            let near = self
                .services
                .iter()
                .filter(|s| namespace(s) == host_ns)
                .map(name)
                .filter(|s| svc.starts_with(&format!("{s}-")) || svc.starts_with(s) && s.len() > 2)
                .max_by_key(|s| s.len());
            if let Some(near) = near {
                let fixed_host = host.replacen(&svc, near, 1);
                out = out.replacen(host, &fixed_host, 1);
                changed = true;
            }
        }
        changed.then_some(out)
    }

    /// The caller logs in with a password the database no longer has: give the caller the
    /// database's current password and restart it.
    fn credentials(&mut self, w: &Workload) {
        let containers = w.containers();
        let Some(c) = containers.first() else {
            return;
        };
        let env = c["env"].as_array().cloned().unwrap_or_default();
        let Some(url) = env
            .iter()
            .find(|e| e["name"] == "DATABASE_URL")
            .and_then(|e| e["value"].as_str())
        else {
            return;
        };
        let host = url
            .rsplit_once('@')
            .map_or(url, |(_, r)| r)
            .split([':', '/'])
            .next()
            .unwrap_or("");
        let (db_ns, db) = self.resolve_host(host, &w.namespace);
        let Some(db) = self.workload(&db_ns, &db) else {
            return;
        };
        let secret = db.containers().iter().find_map(|c| {
            c["envFrom"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|e| e["secretRef"]["name"].as_str().map(str::to_string))
                .or_else(|| {
                    c["env"].as_array().into_iter().flatten().find_map(|e| {
                        (e["name"] == "POSTGRES_PASSWORD")
                            .then(|| e["valueFrom"]["secretKeyRef"]["name"].as_str())
                            .flatten()
                            .map(str::to_string)
                    })
                })
        });
        let Some(secret) = secret else {
            return;
        };
        let Some(out) = self.need(format!("kubectl get secret {secret} -n {db_ns} -o json")) else {
            return;
        };
        let Some(password) = objects(out).first().and_then(|s| {
            let b64 = s["data"]["POSTGRES_PASSWORD"].as_str()?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            String::from_utf8(bytes).ok()
        }) else {
            return;
        };
        let var = env.iter().find(|e| {
            e["name"] == "DB_PASSWORD"
                || e["name"] == "DATABASE_PASSWORD"
                || e["name"] == "PGPASSWORD"
        });
        let Some(var) = var else {
            return;
        };
        let commands = if let Some(r) = var["valueFrom"]["secretKeyRef"].as_object() {
            let (Some(s), Some(k)) = (r["name"].as_str(), r["key"].as_str()) else {
                return;
            };
            let body = json!({"stringData": {k: password}});
            vec![
                format!(
                    "kubectl patch secret {s} -n {} -p {}",
                    w.namespace,
                    sq(&body.to_string())
                ),
                Self::restart(w),
            ]
        } else {
            let var_name = var["name"].as_str().unwrap_or("DB_PASSWORD");
            vec![format!(
                "kubectl set env {} {}",
                w.target(),
                sq(&format!("{var_name}={password}"))
            )]
        };
        self.fix(format!("credentials/{}", w.key()), &[w, &db], commands);
    }

    fn quota(&mut self, w: &Workload, quota: &str, message: &str) {
        // "requested: pods=1, used: pods=5, limited: pods=4"
        let section = |label: &str| -> BTreeMap<String, String> {
            message
                .split(&format!("{label}: "))
                .nth(1)
                .map(|r| {
                    r.split(", ")
                        .next()
                        .unwrap_or("")
                        .split(',')
                        .filter_map(|kv| {
                            let (k, v) = kv.split_once('=')?;
                            Some((k.trim().to_string(), v.trim().to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        let used = section("used");
        let limited = section("limited");
        let mut hard = serde_json::Map::new();
        for (k, v) in &limited {
            let (Ok(l), Some(u)) = (
                v.parse::<u64>(),
                used.get(k).and_then(|u| u.parse::<u64>().ok()),
            ) else {
                hard.clear();
                break;
            };
            hard.insert(k.clone(), json!((l.max(u) * 2).to_string()));
        }
        let command = if hard.is_empty() {
            format!("kubectl delete resourcequota {quota} -n {}", w.namespace)
        } else {
            let body = json!({"spec": {"hard": hard}});
            format!(
                "kubectl patch resourcequota {quota} -n {} -p {}",
                w.namespace,
                sq(&body.to_string())
            )
        };
        self.fix(
            format!("quota/{}/{quota}", w.namespace),
            &[w],
            vec![command],
        );
    }

    /// Services whose selector matches no workload, or whose targetPort no container serves.
    fn check_services(&mut self) {
        let services = self.services.clone();
        let workloads = self.workloads.clone();
        for s in &services {
            let selector = string_map(&s["spec"]["selector"]);
            if selector.is_empty() {
                continue;
            }
            let ns = namespace(s);
            let svc = name(s);
            let in_ns: Vec<&Workload> = workloads.iter().filter(|w| w.namespace == ns).collect();
            let matching: Vec<&&Workload> = in_ns
                .iter()
                .filter(|w| selects(&selector, &w.template_labels()))
                .collect();
            if matching.is_empty() {
                let bare_pods = self.pods.iter().any(|p| {
                    namespace(p) == ns && selects(&selector, &string_map(&p["metadata"]["labels"]))
                });
                if bare_pods {
                    continue;
                }
                let near = in_ns.iter().find(|w| w.name == svc).or_else(|| {
                    in_ns.iter().find(|w| {
                        let labels = w.template_labels();
                        selector
                            .iter()
                            .all(|(k, v)| labels.get(k).is_some_and(|l| v.starts_with(l.as_str())))
                    })
                });
                let Some(w) = near else {
                    continue;
                };
                if w.annotation(EXPECTED_ANNOTATION).is_some() {
                    continue;
                }
                let labels = w.template_labels();
                let mut fixed: BTreeMap<String, String> = selector
                    .keys()
                    .filter_map(|k| Some((k.clone(), labels.get(k)?.clone())))
                    .collect();
                if fixed.len() != selector.len() {
                    fixed = w.selector();
                }
                let body = json!([{"op": "replace", "path": "/spec/selector", "value": fixed}]);
                self.broken += 1;
                self.fix(
                    format!("selector/{ns}/{svc}"),
                    &[w],
                    vec![format!(
                        "kubectl patch service {svc} -n {ns} --type json -p {}",
                        sq(&body.to_string())
                    )],
                );
                continue;
            }
            let w = matching[0];
            if w.annotation(EXPECTED_ANNOTATION).is_some() {
                continue;
            }
            let ports: Vec<(i64, String)> = w
                .containers()
                .iter()
                .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
                .filter_map(|p| {
                    Some((
                        p["containerPort"].as_i64()?,
                        p["name"].as_str().unwrap_or("").to_string(),
                    ))
                })
                .collect();
            if ports.is_empty() {
                continue;
            }
            for (i, sp) in s["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                let target = &sp["targetPort"];
                let served = match (target.as_i64(), target.as_str()) {
                    (Some(t), _) => ports.iter().any(|(p, _)| *p == t),
                    (_, Some(n)) => ports.iter().any(|(_, pn)| pn == n),
                    _ => true,
                };
                if served {
                    continue;
                }
                let port_name = sp["name"].as_str().unwrap_or("");
                let to = ports
                    .iter()
                    .find(|(_, n)| !n.is_empty() && n == port_name)
                    .unwrap_or(&ports[0])
                    .0;
                let body = json!([{"op": "replace", "path": format!("/spec/ports/{i}/targetPort"), "value": to}]);
                self.broken += 1;
                self.fix(
                    format!("targetport/{ns}/{svc}/{i}"),
                    &[w],
                    vec![format!(
                        "kubectl patch service {svc} -n {ns} --type json -p {}",
                        sq(&body.to_string())
                    )],
                );
            }
        }
    }
}

/// Replicas to restore when nothing printed says how many there were: two for a Deployment (a
/// served Deployment rarely runs one), one for a StatefulSet (a single database).
fn fallback_replicas(w: &Workload) -> i64 {
    if w.kind == "deployment" { 2 } else { 1 }
}

/// The text between `prefix` and the next single quote.
fn quoted_after<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    text.split(prefix).nth(1)?.split('\'').next()
}

/// Millicores in a CPU quantity (`2`, `1500m`).
fn cpu_millis(q: &str) -> Option<u64> {
    match q.strip_suffix('m') {
        Some(m) => m.parse().ok(),
        None => q.parse::<f64>().ok().map(|c| (c * 1000.0) as u64),
    }
}

/// Bytes in a Kubernetes memory quantity (`128Mi`, `1G`, `134217728`).
fn quantity_bytes(q: &str) -> Option<u64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (num, unit) = q.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit {
        "" => 1.0,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => return None,
    };
    Some((n * mult) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse() {
        assert_eq!(quantity_bytes("64Mi"), Some(64 << 20));
        assert_eq!(quantity_bytes("1G"), Some(1_000_000_000));
        assert_eq!(quantity_bytes("1024"), Some(1024));
        assert_eq!(quantity_bytes("lots"), None);
    }
}
