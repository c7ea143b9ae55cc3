//! The kubelet: image pulls, container starts and exits, OOM kills, restart back-off, liveness
//! and readiness probes, configuration errors, graceful termination, and the pod status it
//! reports. Its runtime state (what containerd would know) lives in [`Runtime`], outside the API
//! objects, and is forked with the cluster.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::{
    ConfigMap, Container, ContainerState, ContainerStateRunning, ContainerStateTerminated,
    ContainerStateWaiting, ContainerStatus, HostIP, Node, PersistentVolumeClaim, Pod, PodCondition,
    PodIP, PodStatus, Probe, Secret, VolumeMountStatus,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::apps::{self, App, Program, Reach};
use crate::cluster::{Cluster, Work};
use crate::events::{EventType, Reporter};
use crate::quantity;
use crate::registry::{self, ImageInfo};
use crate::store::{NamespacedMap, ObjectKey, key};
use crate::time::SimTime;

/// Back-off of container restarts and image pulls: 10 s doubling to 300 s.
const BACKOFF_INITIAL: Duration = Duration::from_secs(10);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// A container that ran this long since its last restart starts over at the initial back-off.
const BACKOFF_RESET: Duration = Duration::from_secs(600);
/// From scheduling to a ready pod sandbox.
const SANDBOX_DELAY: Duration = Duration::from_millis(900);
/// A process that handles SIGTERM exits this soon after it.
const GRACEFUL_EXIT: Duration = Duration::from_millis(120);

/// What the container runtime knows, per pod and per node. Forking shares it: the per-pod and
/// per-event maps are copied namespace by namespace, and a pod's state only when it changes.
#[derive(Clone, Debug, Default)]
pub struct Runtime {
    pub(crate) pods: NamespacedMap<PodRuntime>,
    /// Images present on each node.
    pub(crate) node_images: Arc<BTreeMap<String, BTreeSet<String>>>,
    /// Next host octet to hand out per node.
    pub(crate) next_ip: BTreeMap<String, u32>,
    /// Event aggregation index: by the Event's namespace, the recorder's key to the Event's name.
    pub(crate) events: NamespacedMap<String>,
    /// When the next event expiry pass is scheduled.
    pub(crate) event_expiry: Option<SimTime>,
    /// Pod template hashes by owner uid, with the generation and collision count they are of.
    pub(crate) template_hashes: Arc<BTreeMap<String, (i64, i32, String)>>,
    /// Consecutive failed reconciles per object, for the work queue's back-off.
    pub(crate) retries: BTreeMap<ObjectKey, u32>,
}

impl Runtime {
    /// Pods whose programs depend on other services' endpoints.
    /// Pods whose readiness can change when a Service's endpoints change (`service` named) or
    /// when `namespace`'s NetworkPolicies do (`service` None: callers of any Service there, and
    /// the namespace's own callers, which egress rules govern).
    pub(crate) fn dependents_on<'a>(
        &'a self,
        namespace: &'a str,
        service: Option<&'a str>,
    ) -> impl Iterator<Item = ObjectKey> + 'a {
        self.pods
            .iter()
            .filter(move |((pod_ns, _), p)| {
                p.containers.iter().any(|c| {
                    c.calls(namespace, service)
                        || (service.is_none() && *pod_ns == namespace && c.depends())
                })
            })
            .map(|((ns, name), _)| key(ns, name))
    }

    pub fn pod(&self, namespace: &str, name: &str) -> Option<&PodRuntime> {
        self.pods.get(namespace, name)
    }
}

/// What [`Cluster::sync_pod`] leaves in a pod's runtime slot while it works on the runtime.
static SYNCING: std::sync::LazyLock<Arc<PodRuntime>> = std::sync::LazyLock::new(Arc::default);

#[derive(Clone, Debug, Default, Serialize)]
pub struct PodRuntime {
    pub uid: String,
    pub node: String,
    pub ip: String,
    pub host_ip: String,
    pub sandbox_ready: SimTime,
    pub containers: Vec<ContainerRuntime>,
    pub volumes_ok: bool,
    pub started: SimTime,
    /// What the stored status was last built from: while nothing of it changed, the status
    /// would come out the same, so it is not built again.
    #[serde(skip)]
    pub(crate) reported: Option<Reported>,
}

/// The inputs of a pod's status: the stored pod it was built on (its spec and its previous
/// status), whether the sandbox was up, and what each container's runtime state shows.
#[derive(Clone, Debug)]
pub(crate) struct Reported {
    pod: Arc<Pod>,
    sandbox: bool,
    volumes_ok: bool,
    containers: Vec<ReportedContainer>,
}

#[derive(Clone, Debug, PartialEq)]
struct ReportedContainer {
    restart_count: i32,
    running: Option<ReportedInstance>,
    previous: Option<ReportedInstance>,
    waiting: Option<(String, String)>,
}

/// What a container status shows of an instance.
#[derive(Clone, Debug, PartialEq)]
struct ReportedInstance {
    id: String,
    image_id: String,
    started: SimTime,
    finished: Option<(SimTime, i32, String)>,
    is_ready: bool,
}

impl ReportedInstance {
    fn of(i: &Instance) -> Self {
        ReportedInstance {
            id: i.id.clone(),
            image_id: i.image_id.clone(),
            started: i.started,
            finished: i.finished.clone(),
            is_ready: i.is_ready,
        }
    }

    fn shows(&self, i: &Instance) -> bool {
        self.id == i.id
            && self.image_id == i.image_id
            && self.started == i.started
            && self.finished == i.finished
            && self.is_ready == i.is_ready
    }
}

impl Reported {
    fn of(pod: Arc<Pod>, rt: &PodRuntime, sandbox: bool) -> Self {
        Reported {
            pod,
            sandbox,
            volumes_ok: rt.volumes_ok,
            containers: rt
                .containers
                .iter()
                .map(|c| ReportedContainer {
                    restart_count: c.restart_count,
                    running: c.running.as_ref().map(ReportedInstance::of),
                    previous: c.previous.as_ref().map(ReportedInstance::of),
                    waiting: c.waiting.clone(),
                })
                .collect(),
        }
    }

    /// Whether a status built now would be built from the same inputs.
    fn same(&self, pod: &Arc<Pod>, rt: &PodRuntime, sandbox: bool) -> bool {
        let instance = |r: &Option<ReportedInstance>, i: &Option<Instance>| match (r, i) {
            (None, None) => true,
            (Some(r), Some(i)) => r.shows(i),
            _ => false,
        };
        Arc::ptr_eq(&self.pod, pod)
            && self.sandbox == sandbox
            && self.volumes_ok == rt.volumes_ok
            && self.containers.len() == rt.containers.len()
            && self.containers.iter().zip(&rt.containers).all(|(r, c)| {
                r.restart_count == c.restart_count
                    && instance(&r.running, &c.running)
                    && instance(&r.previous, &c.previous)
                    && r.waiting == c.waiting
            })
    }
}

#[derive(Clone, Debug, Serialize)]
pub enum Pull {
    Needed,
    Pulling {
        done: SimTime,
        since: SimTime,
        prior_backoff_ms: Option<u64>,
    },
    /// Failed; `retry` is when the back-off ends.
    Failed {
        error: String,
        retry: SimTime,
        backoff_ms: u64,
        announced: bool,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct ContainerRuntime {
    pub name: String,
    pub image: String,
    pub pull: Pull,
    pub restart_count: i32,
    pub running: Option<Instance>,
    /// The last instance that exited (served by `logs --previous`).
    pub previous: Option<Instance>,
    pub waiting: Option<(String, String)>,
    /// When the current back-off lets it start again.
    pub not_before: Option<SimTime>,
    pub backoff: Option<(u64, SimTime)>,
    pub config_error: Option<String>,
}

impl ContainerRuntime {
    fn depends(&self) -> bool {
        self.running.as_ref().is_some_and(|i| {
            !i.program.upstreams.is_empty()
                || i.program.database.is_some()
                || i.program.wait_for.is_some()
        })
    }

    /// Whether the running program calls a Service in `namespace` (`service`, or any).
    fn calls(&self, namespace: &str, service: Option<&str>) -> bool {
        self.running.as_ref().is_some_and(|i| {
            i.calls
                .iter()
                .any(|(ns, name)| ns == namespace && service.is_none_or(|s| s == name))
        })
    }
}

/// One run of a container.
#[derive(Clone, Debug, Serialize)]
pub struct Instance {
    pub id: String,
    pub image_id: String,
    pub started: SimTime,
    /// Shared between forks: decided at start and never changed, and copying a pod's runtime
    /// on its first write after a fork would otherwise copy its environment.
    pub program: Arc<Program>,
    /// When it will exit on its own, with code and reason.
    pub exit_at: Option<(SimTime, i32, String)>,
    /// When a kill (probe failure, deletion, spec change) will have stopped it.
    pub kill_at: Option<(SimTime, i32, String)>,
    pub finished: Option<(SimTime, i32, String)>,
    pub live: ProbeState,
    pub ready: ProbeState,
    pub is_ready: bool,
    pub upstreams_ok: bool,
    /// The database error last logged, so that each new one is logged once.
    pub database_error: Option<String>,
    /// Next attempt to reach `program.wait_for`, and how many were made.
    pub wait_next: Option<SimTime>,
    pub wait_attempts: u32,
    /// How the last attempt failed, and at which [`Cluster::reach_epoch`](crate::Cluster): while
    /// no write that can change reachability follows, the attempts before the last one fail the
    /// same way and wake nobody. Their lines are logged when the kubelet next looks, and read
    /// before that from here ([`Instance::pending_wait_lines`]).
    #[serde(skip)]
    pub(crate) wait_failure: Option<(u64, String)>,
    pub connected_at: Option<SimTime>,
    /// Lines logged by events the model can't derive from time alone.
    pub log: Vec<(SimTime, String)>,
    /// The Services its program calls, as (namespace, name), resolved once at start: every
    /// Endpoints change asks which pods call the Service.
    #[serde(skip)]
    pub calls: Vec<(String, String)>,
    /// What the instance last found of its upstreams, valid while no write that can change
    /// reachability has happened since: a failing probe ticks every few seconds, and each tick
    /// would otherwise walk Services, Endpoints and NetworkPolicies again.
    #[serde(skip)]
    pub(crate) reach_view: Option<ReachView>,
}

/// Reachability as an instance saw it at one [`Cluster::reach_epoch`](crate::Cluster).
#[derive(Clone, Debug)]
pub(crate) struct ReachView {
    epoch: u64,
    database_error: Option<String>,
    upstreams_ok: bool,
}

impl Instance {
    /// When the wait for `program.wait_for` next needs the kubelet: the next attempt, or after
    /// a failure nothing has changed since, the last one (which gives up or connects).
    fn wait_wake(&self) -> Option<SimTime> {
        let next = self.wait_next?;
        if self.wait_failure.is_none() {
            return Some(next);
        }
        let left = apps::WAIT_ATTEMPTS.saturating_sub(self.wait_attempts + 1);
        Some(next + apps::WAIT_INTERVAL * left)
    }

    /// The attempts due before `end` that repeat the last failure, as (number, time); none once
    /// an attempt looks at the cluster again. The last attempt is a wake of its own: never a
    /// repeat.
    fn repeated_waits(&self, end: SimTime) -> impl Iterator<Item = (u32, SimTime)> {
        let first = self.wait_next.filter(|_| self.wait_failure.is_some());
        (self.wait_attempts + 1..apps::WAIT_ATTEMPTS)
            .zip(std::iter::successors(first, |t| {
                Some(*t + apps::WAIT_INTERVAL)
            }))
            .take_while(move |(_, t)| *t < end)
    }

    /// The lines of [`Instance::repeated_waits`], not yet logged, as (time, line).
    pub(crate) fn pending_wait_lines(&self, end: SimTime) -> Vec<(SimTime, String)> {
        let (Some((_, why)), Some(up)) = (&self.wait_failure, &self.program.wait_for) else {
            return Vec::new();
        };
        self.repeated_waits(end)
            .flat_map(|(attempt, t)| {
                wait_failure_lines(up, why, attempt)
                    .into_iter()
                    .map(move |line| (t, line))
            })
            .collect()
    }

    /// Logs the repeated failures due before `end`, moves the wait past them, and lets the next
    /// attempt look at the cluster again.
    fn log_waits_before(&mut self, end: SimTime) {
        let attempts = self.repeated_waits(end).count() as u32;
        let lines = self.pending_wait_lines(end);
        self.log.extend(lines);
        self.wait_attempts += attempts;
        self.wait_next = self.wait_next.map(|t| t + apps::WAIT_INTERVAL * attempts);
        self.wait_failure = None;
    }
}

/// What a failed attempt to reach the database logs: the probe's error, the count, and on the
/// last attempt the giving up.
fn wait_failure_lines(up: &apps::Upstream, why: &str, attempt: u32) -> Vec<String> {
    let mut lines = vec![
        why.to_string(),
        format!(
            "waiting for database {}:{} ({attempt}/{})",
            up.host,
            up.port,
            apps::WAIT_ATTEMPTS
        ),
    ];
    if attempt >= apps::WAIT_ATTEMPTS {
        lines.push(format!(
            "ERROR: database {}:{} unreachable after {} attempts, giving up",
            up.host,
            up.port,
            apps::WAIT_ATTEMPTS
        ));
    }
    lines
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ProbeState {
    pub next: Option<SimTime>,
    pub successes: i32,
    pub failures: i32,
}

enum Step {
    Exit(SimTime, i32, String),
    Kill(SimTime, i32, String),
    Live(SimTime),
    Ready(SimTime),
    Wait(SimTime),
}

impl Cluster {
    /// Reconciles one pod on its node.
    pub(crate) fn sync_pod(&mut self, k: &ObjectKey) {
        let Some(pod) = self.store.get::<Pod>(&k.0, &k.1).cloned() else {
            self.runtime.pods.remove(&k.0, &k.1);
            return;
        };
        let Some(spec) = pod.spec.as_ref() else {
            return;
        };
        let Some(node_name) = spec.node_name.clone() else {
            return;
        };
        let uid = pod.metadata.uid.clone().unwrap_or_default();
        // Taken out while the sync runs (it needs the cluster mutably), an empty runtime in
        // its place: no container of it runs or listens, as if it were absent.
        let mut rt = match self.runtime.pods.take(&k.0, &k.1, &SYNCING) {
            Some(rt) if rt.uid == uid => rt,
            _ => self.new_pod_runtime(&pod, &node_name, uid),
        };
        let now = self.now;
        let mut wake: Option<SimTime> = None;
        let mut soonest = |t: SimTime| wake = Some(wake.map_or(t, |w: SimTime| w.min(t)));

        if now < rt.sandbox_ready {
            soonest(rt.sandbox_ready);
        } else if let Some(deadline) = pod
            .metadata
            .deletion_timestamp
            .as_ref()
            .map(SimTime::from_time)
        {
            let mut all_stopped = true;
            for (i, c) in spec.containers.iter().enumerate() {
                let Some(cr) = rt.containers.get_mut(i) else {
                    continue;
                };
                if let Some(inst) = cr.running.as_mut() {
                    if inst.kill_at.is_none() {
                        let (at, code) = if inst.program.handles_sigterm {
                            (now + GRACEFUL_EXIT, 0)
                        } else {
                            (deadline.max(now), 137)
                        };
                        inst.kill_at = Some((
                            at,
                            code,
                            if code == 0 { "Completed" } else { "Error" }.into(),
                        ));
                        let fp = field_path(c);
                        self.record(
                            pod.as_ref(),
                            Some(fp),
                            EventType::Normal,
                            "Killing",
                            format!("Stopping container {}", c.name),
                            Reporter::Kubelet(node_name.clone()),
                        );
                    }
                    let (at, code, reason) =
                        inst.kill_at.clone().unwrap_or((now, 137, "Error".into()));
                    if at <= now {
                        Self::terminate(cr, at, code, &reason);
                    } else {
                        all_stopped = false;
                        soonest(at);
                    }
                }
                cr.waiting = None;
            }
            if all_stopped {
                self.runtime.pods.remove(&k.0, &k.1);
                self.remove::<Pod>(&k.0, &k.1);
                return;
            }
        } else if !is_terminal(&pod) {
            rt.volumes_ok = self.check_volumes(&pod, &node_name);
            if rt.volumes_ok {
                for i in 0..spec.containers.len() {
                    if let Some(t) = self.sync_container(&pod, &mut rt, i) {
                        soonest(t);
                    }
                }
            }
        }

        let sandbox = now >= rt.sandbox_ready;
        if !rt
            .reported
            .as_ref()
            .is_some_and(|r| r.same(&pod, &rt, sandbox))
        {
            let status = self.pod_status(&pod, &rt);
            // Compare before writing: most syncs report what is already there. The stored pod
            // is the one this sync started from: the kubelet writes nothing else of it.
            let stored = if pod.status.as_ref() == Some(&status) {
                Some(pod)
            } else if let Some(old) = self.store.get::<Pod>(&k.0, &k.1)
                && old.status.as_ref() != Some(&status)
            {
                // A status unlike the stored one is a change: no need to compare whole pods.
                // This sync's and the last report's hold on the pod go first, so that the
                // status is replaced in place where no fork shares the pod.
                let unchanged = Arc::ptr_eq(old, &pod);
                drop(pod);
                rt.reported = None;
                let committed = self.commit_pod_status(&k.0, &k.1, status);
                committed.filter(|_| unchanged)
            } else {
                None
            };
            rt.reported = stored.map(|p| Reported::of(p, &rt, sandbox));
        }
        self.runtime.pods.insert(&k.0, &k.1, rt);
        if let Some(t) = wake {
            self.schedule(t, Work::Kubelet(k.clone()));
        }
    }

    fn new_pod_runtime(&mut self, pod: &Pod, node_name: &str, uid: String) -> PodRuntime {
        let node = self.store.get::<Node>("", node_name).cloned();
        let host_ip = node
            .as_ref()
            .and_then(|n| {
                n.status
                    .as_ref()?
                    .addresses
                    .as_ref()?
                    .iter()
                    .find(|a| a.type_ == "InternalIP")
                    .map(|a| a.address.clone())
            })
            .unwrap_or_else(|| "10.128.0.2".into());
        let cidr_base = node
            .as_ref()
            .and_then(|n| n.spec.as_ref()?.pod_cidr.clone())
            .and_then(|c| c.rsplit_once('.').map(|(base, _)| base.to_string()))
            .unwrap_or_else(|| "10.244.0".into());
        let host_network = pod
            .spec
            .as_ref()
            .and_then(|s| s.host_network)
            .unwrap_or(false);
        let ip = if host_network {
            host_ip.clone()
        } else {
            let next = self
                .runtime
                .next_ip
                .entry(node_name.to_string())
                .or_insert(2);
            let octet = *next;
            *next = if *next >= 254 { 2 } else { *next + 1 };
            format!("{cidr_base}.{octet}")
        };
        let containers = pod
            .spec
            .as_ref()
            .map(|s| s.containers.iter().map(ContainerRuntime::new).collect())
            .unwrap_or_default();
        PodRuntime {
            uid,
            node: node_name.to_string(),
            ip,
            host_ip,
            sandbox_ready: self.now + SANDBOX_DELAY,
            containers,
            volumes_ok: false,
            started: self.now,
            reported: None,
        }
    }

    /// Checks that every volume can be mounted, recording FailedMount otherwise.
    fn check_volumes(&mut self, pod: &Pod, node: &str) -> bool {
        let ns = pod.metadata.namespace.clone().unwrap_or_default();
        let mut problem = None;
        for v in pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()) {
            if let Some(cm) = &v.config_map
                && !cm.optional.unwrap_or(false)
                && self.store.get::<ConfigMap>(&ns, &cm.name).is_none()
            {
                problem = Some(format!(
                    "MountVolume.SetUp failed for volume \"{}\" : configmap \"{}\" not found",
                    v.name, cm.name
                ));
            }
            if let Some(s) = &v.secret
                && !s.optional.unwrap_or(false)
                && let Some(name) = &s.secret_name
                && self.store.get::<Secret>(&ns, name).is_none()
            {
                problem = Some(format!(
                    "MountVolume.SetUp failed for volume \"{}\" : secret \"{name}\" not found",
                    v.name
                ));
            }
            if let Some(c) = &v.persistent_volume_claim
                && self
                    .store
                    .get::<PersistentVolumeClaim>(&ns, &c.claim_name)
                    .is_none()
            {
                problem = Some(format!(
                    "Unable to attach or mount volumes: unmounted volumes=[{}], unattached volumes=[], failed to process volumes=[]: error processing PVC {ns}/{}: PVC {ns}/{} has non-bound phase (\"\") or empty pvc.Spec.VolumeName (\"\")",
                    v.name, c.claim_name, c.claim_name
                ));
            }
        }
        match problem {
            Some(msg) => {
                self.record(
                    pod,
                    None,
                    EventType::Warning,
                    "FailedMount",
                    msg,
                    Reporter::Kubelet(node.to_string()),
                );
                false
            }
            None => true,
        }
    }

    /// Advances container `i` to now; returns when it next needs attention.
    fn sync_container(&mut self, pod: &Pod, rt: &mut PodRuntime, i: usize) -> Option<SimTime> {
        let spec = pod.spec.as_ref()?;
        let c = spec.containers.get(i)?;
        let reporter = Reporter::Kubelet(rt.node.clone());
        // Built only for an event: most syncs record none.
        let fp = || field_path(c);
        let now = self.now;
        if rt.containers.len() <= i {
            rt.containers.push(ContainerRuntime::new(c));
        }
        let image = c.image.clone().unwrap_or_default();
        // A changed image (the only mutable container field) restarts the container.
        if rt.containers[i].image != image {
            let cr = &mut rt.containers[i];
            cr.image = image.clone();
            cr.pull = Pull::Needed;
            if let Some(inst) = cr.running.as_mut()
                && inst.kill_at.is_none()
            {
                inst.kill_at = Some(stop_after_sigterm(
                    &inst.program,
                    now,
                    spec.termination_grace_period_seconds,
                ));
                self.record(
                    pod,
                    Some(fp()),
                    EventType::Normal,
                    "Killing",
                    format!("Container {} definition changed, will be restarted", c.name),
                    reporter.clone(),
                );
            }
        }

        if rt.containers[i].running.is_some() {
            // `None`: it exited at or before now.
            if let Some(wake) = self.play_instance(pod, rt, i, c) {
                return wake;
            }
        }

        // Not running. After an exit, the restart policy and the back-off decide.
        let policy = spec
            .restart_policy
            .clone()
            .unwrap_or_else(|| "Always".into());
        let cr = &mut rt.containers[i];
        let mut restarting = false;
        if let Some((finished, code, _)) = cr.previous.as_ref().and_then(|p| p.finished.clone()) {
            if !(policy == "Always" || (policy == "OnFailure" && code != 0)) {
                cr.waiting = None;
                return None;
            }
            restarting = true;
            if let Some((ms, last)) = cr.backoff {
                let expired = finished.since(last) > BACKOFF_RESET;
                let until = finished + Duration::from_millis(ms);
                if !expired && now < until {
                    if cr.not_before != Some(until) {
                        cr.not_before = Some(until);
                        let pod_ref = pod_ref(pod);
                        cr.waiting = Some((
                            "CrashLoopBackOff".into(),
                            format!(
                                "back-off {} restarting failed container={} pod={pod_ref}",
                                go_duration(ms),
                                c.name
                            ),
                        ));
                        self.record(
                            pod,
                            Some(fp()),
                            EventType::Warning,
                            "BackOff",
                            format!(
                                "Back-off restarting failed container {} in pod {pod_ref}",
                                c.name
                            ),
                            reporter.clone(),
                        );
                    }
                    return Some(until);
                }
            }
        }

        let env = match resolve_env(self, pod, c) {
            Ok(env) => {
                rt.containers[i].config_error = None;
                env
            }
            Err(msg) => {
                let cr = &mut rt.containers[i];
                let first = cr.config_error.as_deref() != Some(msg.as_str());
                cr.config_error = Some(msg.clone());
                cr.waiting = Some(("CreateContainerConfigError".into(), msg.clone()));
                if first {
                    self.record(
                        pod,
                        Some(fp()),
                        EventType::Warning,
                        "Failed",
                        format!("Error: {msg}"),
                        reporter.clone(),
                    );
                }
                return None;
            }
        };

        let info = match self.pull_image(pod, rt, i, c, &reporter) {
            Ok(info) => info,
            Err(wake) => return wake,
        };

        // Start a new instance.
        let cr = &mut rt.containers[i];
        cr.pull = Pull::Needed;
        cr.not_before = None;
        if restarting {
            cr.restart_count += 1;
        }
        if let Some(finished) = cr
            .previous
            .as_ref()
            .and_then(|p| p.finished.as_ref().map(|f| f.0))
        {
            let next = match cr.backoff {
                Some((ms, last)) if finished.since(last) <= BACKOFF_RESET => {
                    (ms * 2).min(BACKOFF_MAX.as_millis() as u64)
                }
                _ => BACKOFF_INITIAL.as_millis() as u64,
            };
            cr.backoff = Some((next, now));
        }
        let program = Arc::new(Program::for_container(c, env));
        let id = crate::names::hex_digest(&format!(
            "{}/{}/{}/{}",
            pod.metadata.uid.as_deref().unwrap_or(""),
            c.name,
            cr.restart_count,
            now.millis()
        ));
        let mut exit_at = program
            .exit
            .map(|e| (now + e.after, e.code, exit_reason(e.code)));
        if let Some(limit) = memory_limit(c)
            && let Some(after) = program.oom_after(limit)
            && exit_at.as_ref().is_none_or(|(t, _, _)| now + after < *t)
        {
            exit_at = Some((now + after, 137, "OOMKilled".into()));
        }
        let log = program.fatal.iter().map(|f| (now, f.clone())).collect();
        let calls = program_calls(&program, pod.metadata.namespace.as_deref().unwrap_or(""));
        let first_tick = |p: &Option<Probe>| {
            p.as_ref()
                .map(|p| now + secs(p.initial_delay_seconds.unwrap_or(0)))
        };
        let instance = Instance {
            id,
            image_id: registry::image_id(&info),
            started: now,
            is_ready: c.readiness_probe.is_none(),
            upstreams_ok: true,
            database_error: None,
            reach_view: None,
            wait_next: program
                .wait_for
                .as_ref()
                .map(|_| now + Duration::from_millis(50)),
            program,
            exit_at,
            kill_at: None,
            finished: None,
            live: ProbeState {
                next: first_tick(&c.liveness_probe),
                ..Default::default()
            },
            ready: ProbeState {
                next: first_tick(&c.readiness_probe),
                ..Default::default()
            },
            wait_attempts: 0,
            wait_failure: None,
            connected_at: None,
            log,
            calls,
        };
        cr.running = Some(instance);
        cr.waiting = None;
        self.record(
            pod,
            Some(fp()),
            EventType::Normal,
            "Created",
            format!("Created container: {}", c.name),
            reporter.clone(),
        );
        self.record(
            pod,
            Some(fp()),
            EventType::Normal,
            "Started",
            format!("Started container {}", c.name),
            reporter,
        );
        match self.play_instance(pod, rt, i, c) {
            Some(wake) => wake,
            None => self.sync_container(pod, rt, i),
        }
    }

    /// Gets the container's image onto the node. `Ok` when it is there; `Err(wake)` while pulling
    /// or backing off.
    fn pull_image(
        &mut self,
        pod: &Pod,
        rt: &mut PodRuntime,
        i: usize,
        c: &Container,
        reporter: &Reporter,
    ) -> Result<ImageInfo, Option<SimTime>> {
        let now = self.now;
        let image = c.image.clone().unwrap_or_default();
        let policy = c
            .image_pull_policy
            .clone()
            .unwrap_or_else(|| "IfNotPresent".into());
        let present = self
            .runtime
            .node_images
            .get(&rt.node)
            .is_some_and(|imgs| imgs.contains(&image));
        let cr = &mut rt.containers[i];
        match cr.pull.clone() {
            Pull::Needed => {
                if present && policy != "Always" {
                    self.record(
                        pod,
                        Some(field_path(c)),
                        EventType::Normal,
                        "Pulled",
                        format!("Container image \"{image}\" already present on machine"),
                        reporter.clone(),
                    );
                    return registry::resolve(&image).map_err(|_| None);
                }
                if policy == "Never" {
                    let msg = format!(
                        "Container image \"{image}\" is not present with pull policy of Never"
                    );
                    cr.waiting = Some(("ErrImageNeverPull".into(), msg.clone()));
                    self.record(
                        pod,
                        Some(field_path(c)),
                        EventType::Warning,
                        "ErrImageNeverPull",
                        msg,
                        reporter.clone(),
                    );
                    return Err(None);
                }
                let took = registry::resolve(&image)
                    .map(|i| registry::pull_duration(&i))
                    .unwrap_or(Duration::from_millis(700));
                cr.pull = Pull::Pulling {
                    done: now + took,
                    since: now,
                    prior_backoff_ms: None,
                };
                if cr.waiting.is_none() {
                    cr.waiting = Some(("ContainerCreating".into(), String::new()));
                }
                self.record(
                    pod,
                    Some(field_path(c)),
                    EventType::Normal,
                    "Pulling",
                    format!("Pulling image \"{image}\""),
                    reporter.clone(),
                );
                Err(Some(now + took))
            }
            Pull::Pulling {
                done,
                since,
                prior_backoff_ms,
            } => {
                if now < done {
                    return Err(Some(done));
                }
                match registry::resolve(&image) {
                    Ok(info) => {
                        Arc::make_mut(&mut self.runtime.node_images)
                            .entry(rt.node.clone())
                            .or_default()
                            .insert(image.clone());
                        let took = format!("{:.3}s", done.since(since).as_secs_f64());
                        self.record(
                            pod,
                            Some(field_path(c)),
                            EventType::Normal,
                            "Pulled",
                            format!("Successfully pulled image \"{image}\" in {took} ({took} including waiting). Image size: {} bytes.", info.size_bytes),
                            reporter.clone(),
                        );
                        Ok(info)
                    }
                    Err(err) => {
                        let backoff_ms = prior_backoff_ms
                            .map(|b| (b * 2).min(BACKOFF_MAX.as_millis() as u64))
                            .unwrap_or(BACKOFF_INITIAL.as_millis() as u64);
                        cr.pull = Pull::Failed {
                            error: err.0.clone(),
                            retry: now + Duration::from_millis(backoff_ms),
                            backoff_ms,
                            announced: false,
                        };
                        cr.waiting = Some(("ErrImagePull".into(), err.0.clone()));
                        self.record(
                            pod,
                            Some(field_path(c)),
                            EventType::Warning,
                            "Failed",
                            format!("Failed to pull image \"{image}\": {}", err.0),
                            reporter.clone(),
                        );
                        self.record(
                            pod,
                            Some(field_path(c)),
                            EventType::Warning,
                            "Failed",
                            "Error: ErrImagePull",
                            reporter.clone(),
                        );
                        // The kubelet's next sync finds the pull in back-off.
                        Err(Some(now + Duration::from_secs(1)))
                    }
                }
            }
            Pull::Failed {
                error,
                retry,
                backoff_ms,
                announced,
            } => {
                if now < retry {
                    if !announced {
                        cr.pull = Pull::Failed {
                            error: error.clone(),
                            retry,
                            backoff_ms,
                            announced: true,
                        };
                        cr.waiting = Some((
                            "ImagePullBackOff".into(),
                            format!("Back-off pulling image \"{image}\": ErrImagePull: {error}"),
                        ));
                        self.record(
                            pod,
                            Some(field_path(c)),
                            EventType::Normal,
                            "BackOff",
                            format!("Back-off pulling image \"{image}\""),
                            reporter.clone(),
                        );
                        self.record(
                            pod,
                            Some(field_path(c)),
                            EventType::Warning,
                            "Failed",
                            "Error: ImagePullBackOff",
                            reporter.clone(),
                        );
                    }
                    return Err(Some(retry));
                }
                let took = registry::resolve(&image)
                    .map(|i| registry::pull_duration(&i))
                    .unwrap_or(Duration::from_millis(700));
                cr.pull = Pull::Pulling {
                    done: now + took,
                    since: now,
                    prior_backoff_ms: Some(backoff_ms),
                };
                self.record(
                    pod,
                    Some(field_path(c)),
                    EventType::Normal,
                    "Pulling",
                    format!("Pulling image \"{image}\""),
                    reporter.clone(),
                );
                Err(Some(now + took))
            }
        }
    }

    /// Plays a running instance forward to now: probe ticks, dependency checks, exits, kills.
    /// Returns `Some(wake)` while it is still running, `None` once it has exited.
    fn play_instance(
        &mut self,
        pod: &Pod,
        rt: &mut PodRuntime,
        i: usize,
        c: &Container,
    ) -> Option<Option<SimTime>> {
        let now = self.now;
        let reporter = Reporter::Kubelet(rt.node.clone());
        let fp = || field_path(c);
        let grace = pod
            .spec
            .as_ref()
            .and_then(|s| s.termination_grace_period_seconds);
        let ip = rt.ip.clone();
        let epoch = self.reach_epoch;
        let seen = rt.containers[i]
            .running
            .as_ref()
            .and_then(|r| r.reach_view.as_ref())
            .filter(|v| v.epoch == epoch)
            .cloned();
        let (database_error, current_upstreams) = match seen {
            Some(view) => (view.database_error, view.upstreams_ok),
            None => {
                let program = rt.containers[i].running.as_ref().map(|r| &*r.program);
                let error = self.database_error(pod, program);
                let upstreams_ok = error.is_none() && self.upstreams_reachable(pod, program);
                if let Some(inst) = rt.containers[i].running.as_mut() {
                    inst.reach_view = Some(ReachView {
                        epoch,
                        database_error: error.clone(),
                        upstreams_ok,
                    });
                }
                (error, upstreams_ok)
            }
        };
        // A write since the last failed attempt may have changed its outcome: the attempts
        // before now failed as it did, the next one looks again.
        if let Some(inst) = rt.containers[i].running.as_mut()
            && inst
                .wait_failure
                .as_ref()
                .is_some_and(|(at, _)| *at != epoch)
        {
            inst.log_waits_before(now);
        }
        let mut refreshed = false;
        loop {
            let inst = rt.containers[i].running.as_ref()?;
            let due = next_step_time(inst, c).filter(|t| *t <= now);
            if due.is_none() || (!refreshed && due == Some(now)) {
                // Ticks before now were seen with the old view of the cluster; from now on the
                // current one applies.
                if !refreshed {
                    refreshed = true;
                    if let Some(inst) = rt.containers[i].running.as_mut() {
                        // Each new database error is logged once, as the service would.
                        if database_error != inst.database_error
                            && let Some(error) = database_error.as_ref()
                        {
                            let ts = crate::logs::ts(now, "%Y-%m-%dT%H:%M:%S%.3fZ");
                            inst.log.push((
                                now,
                                format!(
                                    "{{\"level\":\"error\",\"ts\":\"{ts}\",\"msg\":\"database unavailable\",\"error\":{}}}",
                                    serde_json::Value::String(error.clone())
                                ),
                            ));
                        }
                        inst.database_error = database_error.clone();
                        inst.upstreams_ok = current_upstreams;
                        // Ticks skipped so far succeeded under the old view; resume at now.
                        if let (Some(t), Some(p)) = (inst.live.next, &c.liveness_probe) {
                            inst.live.next = Some(first_tick_from(
                                t,
                                secs(p.period_seconds.unwrap_or(10)),
                                now,
                            ));
                        }
                        if let (Some(t), Some(p)) = (inst.ready.next, &c.readiness_probe) {
                            inst.ready.next = Some(first_tick_from(
                                t,
                                secs(p.period_seconds.unwrap_or(10)),
                                now,
                            ));
                        }
                    }
                    continue;
                }
                let inst = rt.containers[i].running.as_ref()?;
                return Some(next_step_time(inst, c));
            }
            match next_step(inst, c)? {
                Step::Exit(t, code, reason) | Step::Kill(t, code, reason) => {
                    Self::terminate(&mut rt.containers[i], t, code, &reason);
                    return None;
                }
                Step::Live(t) => {
                    let probe = c.liveness_probe.as_ref()?;
                    let inst = rt.containers[i].running.as_mut()?;
                    let result = probe_result(probe, inst, c, t, &ip);
                    let period = secs(probe.period_seconds.unwrap_or(10));
                    match result {
                        Ok(()) => {
                            inst.live.failures = 0;
                            inst.live.next = Some(skip_ticks(t, period, now));
                        }
                        Err(msg) => {
                            inst.live.failures += 1;
                            inst.live.next = Some(t + period);
                            let killed = inst.live.failures >= probe.failure_threshold.unwrap_or(3);
                            if killed {
                                inst.kill_at = Some(stop_after_sigterm(&inst.program, t, grace));
                                inst.live.next = None;
                                inst.ready.next = None;
                            }
                            self.record(
                                pod,
                                Some(fp()),
                                EventType::Warning,
                                "Unhealthy",
                                format!("Liveness probe failed: {msg}"),
                                reporter.clone(),
                            );
                            if killed {
                                self.record(
                                    pod,
                                    Some(fp()),
                                    EventType::Normal,
                                    "Killing",
                                    format!(
                                        "Container {} failed liveness probe, will be restarted",
                                        c.name
                                    ),
                                    reporter.clone(),
                                );
                            }
                        }
                    }
                }
                Step::Ready(t) => {
                    let probe = c.readiness_probe.as_ref()?;
                    let inst = rt.containers[i].running.as_mut()?;
                    let result = probe_result(probe, inst, c, t, &ip);
                    let period = secs(probe.period_seconds.unwrap_or(10));
                    match result {
                        Ok(()) => {
                            inst.ready.failures = 0;
                            inst.ready.successes += 1;
                            if inst.ready.successes >= probe.success_threshold.unwrap_or(1) {
                                inst.is_ready = true;
                            }
                            inst.ready.next = Some(if inst.is_ready {
                                skip_ticks(t, period, now)
                            } else {
                                t + period
                            });
                        }
                        Err(msg) => {
                            inst.ready.successes = 0;
                            inst.ready.failures += 1;
                            if inst.ready.failures >= probe.failure_threshold.unwrap_or(3) {
                                inst.is_ready = false;
                            }
                            inst.ready.next = Some(t + period);
                            self.record(
                                pod,
                                Some(fp()),
                                EventType::Warning,
                                "Unhealthy",
                                format!("Readiness probe failed: {msg}"),
                                reporter.clone(),
                            );
                        }
                    }
                }
                Step::Wait(t) => {
                    let inst = rt.containers[i].running.as_mut()?;
                    let up = inst.program.wait_for.clone()?;
                    // The attempts skipped since the last failure failed as it did.
                    inst.log_waits_before(t);
                    inst.wait_attempts += 1;
                    match self.reach(pod, &up) {
                        Reach::Connected => {
                            inst.connected_at = Some(t);
                            inst.wait_next = None;
                        }
                        failure => {
                            let why = match failure {
                                Reach::Unresolvable => format!("nc: bad address '{}'", up.host),
                                Reach::TimedOut { .. } => "nc: timeout".to_string(),
                                _ => format!(
                                    "nc: {}:{} (tcp) failed: Connection refused",
                                    up.host, up.port
                                ),
                            };
                            let lines = wait_failure_lines(&up, &why, inst.wait_attempts);
                            inst.log.extend(lines.into_iter().map(|l| (t, l)));
                            if inst.wait_attempts >= apps::WAIT_ATTEMPTS {
                                inst.exit_at =
                                    Some((t + Duration::from_millis(5), 1, "Error".into()));
                                inst.wait_next = None;
                            } else {
                                inst.wait_next = Some(t + apps::WAIT_INTERVAL);
                                inst.wait_failure = Some((self.reach_epoch, why));
                            }
                        }
                    }
                }
            }
        }
    }

    fn terminate(cr: &mut ContainerRuntime, at: SimTime, code: i32, reason: &str) {
        if let Some(mut inst) = cr.running.take() {
            inst.finished = Some((at, code, reason.to_string()));
            inst.is_ready = false;
            cr.previous = Some(inst);
        }
    }

    /// Connects from `pod` to `upstream`, knowing which ports the backends' processes listen on.
    fn reach(&self, pod: &Pod, upstream: &apps::Upstream) -> Reach {
        apps::reach_with(&self.store, pod, upstream, |to, port| {
            let (ns, name) = (
                to.metadata.namespace.as_deref().unwrap_or(""),
                to.metadata.name.as_deref().unwrap_or(""),
            );
            self.runtime.pods.get(ns, name).is_some_and(|rt| {
                rt.containers.iter().any(|c| {
                    c.running.as_ref().is_some_and(|i| {
                        u16::try_from(port).is_ok_and(|p| i.program.ports.contains(&p))
                    })
                })
            })
        })
    }

    /// Why `program`'s database login fails from `pod`, if it has one and it does: the database
    /// unreachable, or the credentials not the ones the server runs with.
    fn database_error(&self, pod: &Pod, program: Option<&Program>) -> Option<String> {
        let db = program?.database.as_ref()?;
        let up = &db.upstream;
        match self.reach(pod, up) {
            Reach::Connected => {}
            Reach::Unresolvable => {
                return Some(format!(
                    "dial tcp: lookup {} on 10.96.0.10:53: no such host",
                    up.host
                ));
            }
            Reach::Refused { .. } | Reach::TimedOut { .. } => {
                return Some(format!(
                    "dial tcp {}:{}: connect: connection refused",
                    up.host, up.port
                ));
            }
        }
        // The server that answers: the first ready backend of the database's Service.
        let from_ns = pod.metadata.namespace.as_deref().unwrap_or("");
        let parts: Vec<&str> = up.host.split('.').collect();
        let (svc, ns) = match parts.as_slice() {
            [svc] => (*svc, from_ns),
            [svc, ns, ..] => (*svc, *ns),
            _ => return None,
        };
        let endpoints = self
            .store
            .get::<k8s_openapi::api::core::v1::Endpoints>(ns, svc)?;
        let backend = endpoints
            .subsets
            .iter()
            .flatten()
            .flat_map(|s| s.addresses.iter().flatten())
            .find_map(|a| a.target_ref.as_ref()?.name.clone())?;
        let server = self.runtime.pods.get(ns, &backend)?;
        let env = &server
            .containers
            .iter()
            .find_map(|c| c.running.as_ref())?
            .program
            .env;
        db.login_error(env)
    }

    /// Whether every upstream of `program` accepts connections from `pod` (the database apart).
    fn upstreams_reachable(&self, pod: &Pod, program: Option<&Program>) -> bool {
        program.is_none_or(|p| {
            p.upstreams
                .iter()
                .all(|u| self.reach(pod, u) == Reach::Connected)
        })
    }

    /// The status the kubelet reports for `pod`.
    fn pod_status(&self, pod: &Pod, rt: &PodRuntime) -> PodStatus {
        let default_status = PodStatus::default();
        let old = pod.status.as_ref().unwrap_or(&default_status);
        let Some(spec) = pod.spec.as_ref() else {
            return old.clone();
        };
        let now = self.now;
        let sandbox = now >= rt.sandbox_ready;
        let mut statuses: Vec<ContainerStatus> = spec
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| container_status(c, rt.containers.get(i), sandbox, rt.volumes_ok))
            .collect();
        statuses.sort_by(|a, b| a.name.cmp(&b.name));

        let policy = spec.restart_policy.as_deref().unwrap_or("Always");
        let (mut running, mut waiting, mut stopped, mut succeeded) = (0, 0, 0, 0);
        let no_state = ContainerState::default();
        for s in &statuses {
            let st = s.state.as_ref().unwrap_or(&no_state);
            if st.running.is_some() {
                running += 1;
            } else if let Some(t) = &st.terminated {
                stopped += 1;
                if t.exit_code == 0 {
                    succeeded += 1;
                }
            } else if st.waiting.is_some() {
                if s.last_state
                    .as_ref()
                    .and_then(|l| l.terminated.as_ref())
                    .is_some()
                {
                    stopped += 1;
                } else {
                    waiting += 1;
                }
            }
        }
        let phase = if pod.metadata.deletion_timestamp.is_some() {
            old.phase.clone().unwrap_or_else(|| "Pending".into())
        } else if waiting > 0 || statuses.is_empty() {
            "Pending".into()
        } else if running > 0 {
            "Running".into()
        } else if stopped > 0 {
            match policy {
                "Always" => "Running".into(),
                "OnFailure" if succeeded == stopped => "Succeeded".into(),
                "OnFailure" => "Running".into(),
                _ if succeeded == stopped => "Succeeded".into(),
                _ => "Failed".into(),
            }
        } else {
            "Pending".into()
        };

        let all_ready = !statuses.is_empty() && statuses.iter().all(|s| s.ready);
        let unready: Vec<String> = statuses
            .iter()
            .filter(|s| !s.ready)
            .map(|s| s.name.clone())
            .collect();
        let terminal = phase == "Succeeded" || phase == "Failed";
        let cond = |type_: &str, ok: bool, reason: Option<String>, message: Option<String>| {
            let status = if ok { "True" } else { "False" }.to_string();
            let previous = old.conditions.iter().flatten().find(|c| c.type_ == type_);
            let since = match previous {
                Some(p) if p.status == status => p.last_transition_time.clone(),
                _ => Some(now.time()),
            };
            PodCondition {
                type_: type_.into(),
                status,
                reason,
                message,
                last_transition_time: since,
                last_probe_time: None,
                observed_generation: None,
            }
        };
        let ready_reason = (!all_ready).then(|| {
            if terminal {
                "PodCompleted".to_string()
            } else {
                "ContainersNotReady".to_string()
            }
        });
        let ready_message = (!all_ready && !terminal)
            .then(|| format!("containers with unready status: [{}]", unready.join(" ")));
        let scheduled = old
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == "PodScheduled")
            .cloned();
        let mut conditions = vec![
            cond(
                "PodReadyToStartContainers",
                sandbox && !terminal,
                None,
                None,
            ),
            cond("Initialized", true, None, None),
            cond(
                "Ready",
                all_ready && !terminal,
                ready_reason.clone(),
                ready_message.clone(),
            ),
            cond(
                "ContainersReady",
                all_ready && !terminal,
                ready_reason,
                ready_message,
            ),
        ];
        conditions.extend(scheduled);
        PodStatus {
            phase: Some(phase),
            conditions: Some(conditions),
            host_ip: Some(rt.host_ip.clone()),
            host_ips: Some(vec![HostIP {
                ip: rt.host_ip.clone(),
            }]),
            pod_ip: sandbox.then(|| rt.ip.clone()),
            pod_ips: sandbox.then(|| vec![PodIP { ip: rt.ip.clone() }]),
            start_time: Some(old.start_time.clone().unwrap_or_else(|| rt.started.time())),
            container_statuses: Some(statuses),
            qos_class: old.qos_class.clone(),
            ..Default::default()
        }
    }
}

impl ContainerRuntime {
    fn new(c: &Container) -> Self {
        ContainerRuntime {
            name: c.name.clone(),
            image: c.image.clone().unwrap_or_default(),
            pull: Pull::Needed,
            restart_count: 0,
            running: None,
            previous: None,
            waiting: Some(("ContainerCreating".into(), String::new())),
            not_before: None,
            backoff: None,
            config_error: None,
        }
    }
}

/// The next thing that changes something for a running instance. Probe ticks whose outcome is
/// a success that changes nothing are not steps: they are skipped, which keeps healthy pods free.
fn next_step(inst: &Instance, c: &Container) -> Option<Step> {
    // (time, rank): earliest first; at the same instant an exit wins over a probe.
    let mut best: Option<(SimTime, u8)> = None;
    let mut consider = |t: SimTime, rank: u8| {
        if best.is_none_or(|b| (t, rank) < b) {
            best = Some((t, rank));
        }
    };
    if let Some((t, _, _)) = &inst.kill_at {
        consider(*t, 0);
    }
    if let Some((t, _, _)) = &inst.exit_at {
        consider(*t, 1);
    }
    if let Some(t) = inst.wait_wake() {
        consider(t, 2);
    }
    if inst.kill_at.is_none() {
        if let (Some(t), Some(p)) = (inst.live.next, &c.liveness_probe)
            && (inst.live.failures > 0 || probe_fails(p, inst, c, t))
        {
            consider(t, 3);
        }
        if let (Some(t), Some(p)) = (inst.ready.next, &c.readiness_probe)
            && (!inst.is_ready || inst.ready.failures > 0 || probe_fails(p, inst, c, t))
        {
            consider(t, 4);
        }
    }
    let (t, rank) = best?;
    Some(match rank {
        0 => {
            let (t, code, reason) = inst.kill_at.clone()?;
            Step::Kill(t, code, reason)
        }
        1 => {
            let (t, code, reason) = inst.exit_at.clone()?;
            Step::Exit(t, code, reason)
        }
        2 => Step::Wait(t),
        3 => Step::Live(t),
        _ => Step::Ready(t),
    })
}

/// The Services a program calls, its hosts resolved from `pod_namespace` as cluster DNS
/// resolves them, as (namespace, name).
fn program_calls(program: &Program, pod_namespace: &str) -> Vec<(String, String)> {
    let database = program.database.as_ref().map(|d| &d.upstream);
    // What it waits for counts: a wait that keeps failing sleeps until the Service changes.
    program
        .upstreams
        .iter()
        .chain(database)
        .chain(program.wait_for.as_ref())
        .filter_map(
            |u| match crate::apps::service_for_host(&u.host, pod_namespace) {
                crate::apps::Resolved::Service { name, namespace } => {
                    Some((namespace.to_string(), name.to_string()))
                }
                _ => None,
            },
        )
        .collect()
}

/// The time of the next step, without building it.
fn next_step_time(inst: &Instance, c: &Container) -> Option<SimTime> {
    let mut best: Option<SimTime> = None;
    let mut consider = |t: SimTime| {
        if best.is_none_or(|b| t < b) {
            best = Some(t);
        }
    };
    if let Some((t, _, _)) = &inst.kill_at {
        consider(*t);
    }
    if let Some((t, _, _)) = &inst.exit_at {
        consider(*t);
    }
    if let Some(t) = inst.wait_wake() {
        consider(t);
    }
    if inst.kill_at.is_none() {
        if let (Some(t), Some(p)) = (inst.live.next, &c.liveness_probe)
            && (inst.live.failures > 0 || probe_fails(p, inst, c, t))
        {
            consider(t);
        }
        if let (Some(t), Some(p)) = (inst.ready.next, &c.readiness_probe)
            && (!inst.is_ready || inst.ready.failures > 0 || probe_fails(p, inst, c, t))
        {
            consider(t);
        }
    }
    best
}

/// The first tick of a `period` series starting at `t` that is later than `now`.
fn skip_ticks(t: SimTime, period: Duration, now: SimTime) -> SimTime {
    let p = period.as_millis().max(1) as u64;
    if t > now {
        return t;
    }
    let k = (now.millis() - t.millis()) / p + 1;
    SimTime(t.millis() + k * p)
}

/// The first tick of the series at or after `now`.
pub(crate) fn first_tick_from(t: SimTime, period: Duration, now: SimTime) -> SimTime {
    let p = period.as_millis().max(1) as u64;
    if t >= now {
        return t;
    }
    let k = (now.millis() - t.millis()).div_ceil(p);
    SimTime(t.millis() + k * p)
}

/// What a probe against an instance at `t` finds, before any message is written: most ticks
/// only need to know whether it passed.
enum ProbeCheck {
    Passed,
    HttpRefused(u16),
    HttpStatus(u16),
    HttpEof(u16),
    TcpRefused(u16),
    Failed(String),
}

fn probe_check(probe: &Probe, inst: &Instance, c: &Container, t: SimTime) -> ProbeCheck {
    let p = &inst.program;
    let listening = t >= inst.started + p.startup && p.fatal.is_none();
    if let Some(h) = &probe.http_get {
        let port = resolve_port(&h.port, c).unwrap_or(0);
        let path = h.path.as_deref().unwrap_or("/");
        if !listening || !p.ports.contains(&port) {
            return ProbeCheck::HttpRefused(port);
        }
        return match p.http_status(port, path, inst.upstreams_ok) {
            Some(code) if (200..400).contains(&code) => ProbeCheck::Passed,
            Some(code) => ProbeCheck::HttpStatus(code),
            None => ProbeCheck::HttpEof(port),
        };
    }
    if let Some(tcp) = &probe.tcp_socket {
        let port = resolve_port(&tcp.port, c).unwrap_or(0);
        if listening && p.ports.contains(&port) {
            return ProbeCheck::Passed;
        }
        return ProbeCheck::TcpRefused(port);
    }
    if let Some(exec) = &probe.exec {
        let command = exec.command.as_deref().unwrap_or_default();
        let result = match p.app {
            App::Postgres if !listening => Err("/var/run/postgresql:5432 - no response".into()),
            App::Redis if !listening => {
                Err("Could not connect to Redis at 127.0.0.1:6379: Connection refused".into())
            }
            _ => p.exec_succeeds(command),
        };
        return result.map_or_else(ProbeCheck::Failed, |()| ProbeCheck::Passed);
    }
    if probe.grpc.is_some() && !listening {
        return ProbeCheck::Failed("timeout: failed to connect service".into());
    }
    ProbeCheck::Passed
}

/// The outcome of a probe against an instance at `t`, with the kubelet's failure message.
fn probe_result(
    probe: &Probe,
    inst: &Instance,
    c: &Container,
    t: SimTime,
    ip: &str,
) -> Result<(), String> {
    let host = |set: Option<&String>| set.cloned().unwrap_or_else(|| ip.to_string());
    let http = probe.http_get.as_ref();
    let http_host = || host(http.and_then(|h| h.host.as_ref()));
    let url = |host: &str, port: u16| {
        let scheme = http
            .and_then(|h| h.scheme.as_deref())
            .unwrap_or("HTTP")
            .to_lowercase();
        let path = http.and_then(|h| h.path.as_deref()).unwrap_or("/");
        format!("{scheme}://{}{path}", join_host_port(host, port))
    };
    match probe_check(probe, inst, c, t) {
        ProbeCheck::Passed => Ok(()),
        ProbeCheck::HttpRefused(port) => {
            let host = http_host();
            Err(format!(
                "Get \"{}\": dial tcp {}: connect: connection refused",
                url(&host, port),
                join_host_port(&host, port)
            ))
        }
        ProbeCheck::HttpStatus(code) => Err(format!("HTTP probe failed with statuscode: {code}")),
        ProbeCheck::HttpEof(port) => Err(format!("Get \"{}\": EOF", url(&http_host(), port))),
        ProbeCheck::TcpRefused(port) => {
            let host = host(probe.tcp_socket.as_ref().and_then(|s| s.host.as_ref()));
            Err(format!(
                "dial tcp {}: connect: connection refused",
                join_host_port(&host, port)
            ))
        }
        ProbeCheck::Failed(message) => Err(message),
    }
}

/// Whether a probe at `t` fails, without writing its message.
fn probe_fails(probe: &Probe, inst: &Instance, c: &Container, t: SimTime) -> bool {
    !matches!(probe_check(probe, inst, c, t), ProbeCheck::Passed)
}

fn join_host_port(host: &str, port: u16) -> String {
    format!("{host}:{port}")
}

/// A probe's port, by number or by the container port's name.
pub(crate) fn resolve_port(port: &IntOrString, c: &Container) -> Option<u16> {
    match port {
        IntOrString::Int(n) => u16::try_from(*n).ok(),
        IntOrString::String(s) => s.parse().ok().or_else(|| {
            c.ports
                .iter()
                .flatten()
                .find(|p| p.name.as_deref() == Some(s))
                .and_then(|p| u16::try_from(p.container_port).ok())
        }),
    }
}

fn stop_after_sigterm(program: &Program, t: SimTime, grace: Option<i64>) -> (SimTime, i32, String) {
    if program.handles_sigterm {
        (t + GRACEFUL_EXIT, 0, "Completed".into())
    } else {
        (
            t + Duration::from_secs(grace.unwrap_or(30).max(0) as u64),
            137,
            "Error".into(),
        )
    }
}

fn exit_reason(code: i32) -> String {
    if code == 0 { "Completed" } else { "Error" }.to_string()
}

fn secs(s: i32) -> Duration {
    Duration::from_secs(s.max(0) as u64)
}

/// `10s`, `1m20s`, `5m0s`: Go's duration formatting, as in back-off messages.
pub(crate) fn go_duration(ms: u64) -> String {
    let s = ms / 1000;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec}s"),
        (0, m, sec) => format!("{m}m{sec}s"),
        (h, m, sec) => format!("{h}h{m}m{sec}s"),
    }
}

fn field_path(c: &Container) -> String {
    format!("spec.containers{{{}}}", c.name)
}

fn pod_ref(pod: &Pod) -> String {
    format!(
        "{}_{}({})",
        pod.metadata.name.as_deref().unwrap_or(""),
        pod.metadata.namespace.as_deref().unwrap_or(""),
        pod.metadata.uid.as_deref().unwrap_or("")
    )
}

fn memory_limit(c: &Container) -> Option<u64> {
    let q = c.resources.as_ref()?.limits.as_ref()?.get("memory")?;
    quantity::whole_units(q).and_then(|b| u64::try_from(b).ok())
}

pub(crate) fn is_terminal(pod: &Pod) -> bool {
    matches!(
        pod.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// The container's environment as the runtime would build it, or the kubelet's
/// CreateContainerConfigError message.
fn resolve_env(
    cluster: &Cluster,
    pod: &Pod,
    c: &Container,
) -> Result<BTreeMap<String, String>, String> {
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let store = &cluster.store;
    let mut env = BTreeMap::new();
    for source in c.env_from.iter().flatten() {
        let prefix = source.prefix.clone().unwrap_or_default();
        if let Some(r) = &source.config_map_ref {
            match store.get::<ConfigMap>(&ns, &r.name) {
                Some(cm) => {
                    for (k, v) in cm.data.iter().flatten() {
                        env.insert(format!("{prefix}{k}"), v.clone());
                    }
                }
                None if r.optional.unwrap_or(false) => {}
                None => return Err(format!("configmap \"{}\" not found", r.name)),
            }
        }
        if let Some(r) = &source.secret_ref {
            match store.get::<Secret>(&ns, &r.name) {
                Some(s) => {
                    for (k, v) in s.data.iter().flatten() {
                        env.insert(
                            format!("{prefix}{k}"),
                            String::from_utf8_lossy(&v.0).into_owned(),
                        );
                    }
                }
                None if r.optional.unwrap_or(false) => {}
                None => return Err(format!("secret \"{}\" not found", r.name)),
            }
        }
    }
    for e in c.env.iter().flatten() {
        let value = if let Some(from) = &e.value_from {
            if let Some(r) = &from.config_map_key_ref {
                match store.get::<ConfigMap>(&ns, &r.name) {
                    None if r.optional.unwrap_or(false) => continue,
                    None => return Err(format!("configmap \"{}\" not found", r.name)),
                    Some(cm) => match cm.data.as_ref().and_then(|d| d.get(&r.key)) {
                        Some(v) => v.clone(),
                        None if r.optional.unwrap_or(false) => continue,
                        None => {
                            return Err(format!(
                                "couldn't find key {} in ConfigMap {ns}/{}",
                                r.key, r.name
                            ));
                        }
                    },
                }
            } else if let Some(r) = &from.secret_key_ref {
                match store.get::<Secret>(&ns, &r.name) {
                    None if r.optional.unwrap_or(false) => continue,
                    None => return Err(format!("secret \"{}\" not found", r.name)),
                    Some(s) => match s.data.as_ref().and_then(|d| d.get(&r.key)) {
                        Some(v) => String::from_utf8_lossy(&v.0).into_owned(),
                        None if r.optional.unwrap_or(false) => continue,
                        None => {
                            return Err(format!(
                                "couldn't find key {} in Secret {ns}/{}",
                                r.key, r.name
                            ));
                        }
                    },
                }
            } else if let Some(f) = &from.field_ref {
                match f.field_path.as_str() {
                    "metadata.name" => pod.metadata.name.clone().unwrap_or_default(),
                    "metadata.namespace" => ns.clone(),
                    "spec.nodeName" => pod
                        .spec
                        .as_ref()
                        .and_then(|s| s.node_name.clone())
                        .unwrap_or_default(),
                    "status.podIP" => cluster
                        .runtime
                        .pod(&ns, pod.metadata.name.as_deref().unwrap_or(""))
                        .map(|r| r.ip.clone())
                        .unwrap_or_default(),
                    _ => String::new(),
                }
            } else {
                String::new()
            }
        } else {
            expand(e.value.as_deref().unwrap_or(""), &env)
        };
        env.insert(e.name.clone(), value);
    }
    Ok(env)
}

/// Expands `$(VAR)` references as the kubelet does.
fn expand(value: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.find("$(") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find(')') {
            Some(end) => {
                let name = &after[..end];
                match env.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[start..start + 3 + end]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn terminated(inst: &Instance) -> Option<ContainerStateTerminated> {
    let (finished, code, reason) = inst.finished.clone()?;
    Some(ContainerStateTerminated {
        container_id: Some(format!("containerd://{}", inst.id)),
        exit_code: code,
        reason: Some(reason),
        started_at: Some(inst.started.time()),
        finished_at: Some(finished.time()),
        ..Default::default()
    })
}

fn container_status(
    c: &Container,
    cr: Option<&ContainerRuntime>,
    sandbox: bool,
    volumes_ok: bool,
) -> ContainerStatus {
    let mut status = ContainerStatus {
        name: c.name.clone(),
        image: c.image.clone().unwrap_or_default(),
        image_id: String::new(),
        ready: false,
        restart_count: 0,
        started: Some(false),
        state: Some(ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some("ContainerCreating".into()),
                message: None,
            }),
            ..Default::default()
        }),
        last_state: Some(ContainerState::default()),
        volume_mounts: c.volume_mounts.as_ref().map(|mounts| {
            mounts
                .iter()
                .map(|m| VolumeMountStatus {
                    name: m.name.clone(),
                    mount_path: m.mount_path.clone(),
                    read_only: m.read_only,
                    recursive_read_only: m.read_only.filter(|r| *r).map(|_| "Disabled".to_string()),
                })
                .collect()
        }),
        ..Default::default()
    };
    let Some(cr) = cr else { return status };
    if !sandbox || !volumes_ok {
        return status;
    }
    status.restart_count = cr.restart_count;
    if let Some(prev) = &cr.previous {
        status.image_id = prev.image_id.clone();
        status.container_id = Some(format!("containerd://{}", prev.id));
    }
    let previous_terminated = cr.previous.as_ref().and_then(terminated);
    if let Some(inst) = &cr.running {
        status.image_id = inst.image_id.clone();
        status.container_id = Some(format!("containerd://{}", inst.id));
        status.ready = inst.is_ready;
        status.started = Some(true);
        status.state = Some(ContainerState {
            running: Some(ContainerStateRunning {
                started_at: Some(inst.started.time()),
            }),
            ..Default::default()
        });
        status.last_state = Some(ContainerState {
            terminated: previous_terminated,
            ..Default::default()
        });
    } else if let Some((reason, message)) = &cr.waiting {
        status.state = Some(ContainerState {
            waiting: Some(ContainerStateWaiting {
                reason: Some(reason.clone()),
                message: (!message.is_empty()).then(|| message.clone()),
            }),
            ..Default::default()
        });
        status.last_state = Some(ContainerState {
            terminated: previous_terminated,
            ..Default::default()
        });
    } else if let Some(t) = previous_terminated {
        status.state = Some(ContainerState {
            terminated: Some(t),
            ..Default::default()
        });
    }
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(10_000), "10s");
        assert_eq!(go_duration(80_000), "1m20s");
        assert_eq!(go_duration(300_000), "5m0s");
    }

    #[test]
    fn tick_arithmetic() {
        let t = SimTime(1000);
        assert_eq!(
            skip_ticks(t, Duration::from_millis(100), SimTime(1000)),
            SimTime(1100)
        );
        assert_eq!(
            skip_ticks(t, Duration::from_millis(100), SimTime(1250)),
            SimTime(1300)
        );
        assert_eq!(
            first_tick_from(t, Duration::from_millis(100), SimTime(1250)),
            SimTime(1300)
        );
        assert_eq!(
            first_tick_from(t, Duration::from_millis(100), SimTime(1300)),
            SimTime(1300)
        );
    }

    #[test]
    fn expands_dependent_variables() {
        let env: BTreeMap<String, String> = [("HOST".to_string(), "db".to_string())].into();
        assert_eq!(
            expand("postgres://$(HOST):5432/$(MISSING)", &env),
            "postgres://db:5432/$(MISSING)"
        );
    }
}
