//! The fault catalogue: each mechanism is a change to Kubernetes objects (never a switch that
//! tells the simulator to misbehave) whose symptoms the cluster's controllers and application
//! models produce. Injecting one returns an [`Incident`] with its ground truth, alert text and
//! difficulty, after checking that the symptom actually shows.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use cluster::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use cluster::k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapKeySelector, Container, EnvVar, EnvVarSource, Event, Node, Pod, PodSpec,
    Secret, SecretKeySelector, Service, Taint,
};
use cluster::k8s_openapi::api::storage::v1::StorageClass;
use cluster::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use cluster::{ApiError, Cluster, DeleteOptions, SimTime};

use crate::faults::{Fault, FaultSpec};
use crate::grading::Baseline;

/// The password a rotation sets.
pub const ROTATED_PASSWORD: &str = "payments_pass_rotated";

/// How long injection may run the simulator waiting for the symptom.
pub const OBSERVE_LIMIT: Duration = Duration::from_secs(600);

/// One way to break a workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mechanism {
    /// Memory limit below the working set: OOMKilled.
    OomLimit,
    /// The command exits 1: CrashLoopBackOff.
    FailingCommand,
    /// An image tag that does not exist: ErrImagePull, ImagePullBackOff.
    MissingImageTag,
    /// An image from a registry that refuses the pull.
    RegistryRefusesPull,
    /// `DATABASE_URL` names a host that does not resolve.
    WrongDatabaseHost,
    /// A required environment variable removed.
    RequiredEnvRemoved,
    /// The pod references a ConfigMap that does not exist: CreateContainerConfigError.
    MissingConfigMap,
    /// A ConfigMap value is wrong; the pods read it at start.
    WrongConfigMapValue,
    /// The pod references a Secret key that does not exist: CreateContainerConfigError.
    MissingSecretKey,
    /// The database's password rotated; a client still logs in with the old one.
    RotatedDbCredentials,
    /// Liveness probe on a path the application does not serve.
    LivenessWrongPath,
    /// Liveness probe on a port nobody listens on.
    LivenessWrongPort,
    /// Readiness probe on a port nobody listens on.
    ReadinessWrongPort,
    /// A liveness probe that kills the application before it finishes starting.
    AggressiveLiveness,
    /// Replicas set to zero.
    ScaledToZero,
    /// A nodeSelector no node satisfies.
    UnsatisfiableNodeSelector,
    /// Requests larger than any node's allocatable capacity.
    OversizedRequests,
    /// Nodes cordoned for maintenance and the workload drained off them.
    CordonedAndDrained,
    /// Nodes tainted, the workload evicted, and no toleration for the taint.
    UntoleratedTaint,
    /// A ResourceQuota exhausted, so replacement pods are refused.
    ExhaustedQuota,
    /// The Service's selector matches no pod: no endpoints.
    SelectorMatchesNothing,
    /// The Service's targetPort is one nobody listens on, so its callers fail.
    WrongTargetPort,
    /// A NetworkPolicy cuts a workload off from its database.
    NetworkPolicyCutsDependency,
    /// A PersistentVolumeClaim on a StorageClass that does not exist.
    MissingStorageClass,
    /// A bad new version rolled out; the fix is a rollback.
    BadRollout,
    /// A dependency scaled down, so its callers fail.
    DependencyScaledDown,
}

/// What kind of fault, for ground truth and per-class statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultClass {
    Resources,
    Command,
    Image,
    Configuration,
    Probes,
    Scaling,
    Scheduling,
    Quota,
    Networking,
    Storage,
    Rollout,
    Dependency,
}

/// Curriculum tiers, easiest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Difficulty {
    Warmup,
    Beginner,
    Intermediate,
    Advanced,
    Expert,
}

/// A static description of a mechanism.
#[derive(Clone, Copy, Debug)]
pub struct MechanismInfo {
    pub mechanism: Mechanism,
    pub name: &'static str,
    pub class: FaultClass,
    pub difficulty: Difficulty,
    /// Where it applies in the baseline shop: `namespace/workload`.
    pub default_target: &'static str,
    pub summary: &'static str,
}

use Difficulty::*;
use FaultClass::*;
use Mechanism::*;

/// Every mechanism, in catalogue order.
pub const CATALOGUE: &[MechanismInfo] = &[
    info(
        OomLimit,
        "oom-limit",
        Resources,
        Warmup,
        "payments/payment-api",
        "memory limit below the working set",
    ),
    info(
        FailingCommand,
        "failing-command",
        Command,
        Warmup,
        "auth/auth-service",
        "the container command exits 1",
    ),
    info(
        MissingImageTag,
        "missing-image-tag",
        Image,
        Warmup,
        "frontend/web-app",
        "an image tag that does not exist",
    ),
    info(
        RegistryRefusesPull,
        "registry-refuses-pull",
        Image,
        Beginner,
        "payments/payment-gateway",
        "an image from a registry that refuses the pull",
    ),
    info(
        WrongDatabaseHost,
        "wrong-database-host",
        Configuration,
        Beginner,
        "payments/payment-worker",
        "DATABASE_URL names a host that does not resolve",
    ),
    info(
        RequiredEnvRemoved,
        "required-env-removed",
        Configuration,
        Beginner,
        "payments/payment-worker",
        "a required environment variable removed",
    ),
    info(
        MissingConfigMap,
        "missing-configmap",
        Configuration,
        Beginner,
        "frontend/web-app",
        "the pod references a ConfigMap that does not exist",
    ),
    info(
        WrongConfigMapValue,
        "wrong-configmap-value",
        Configuration,
        Advanced,
        "storefront/checkout",
        "a wrong value in a ConfigMap the pods read at start",
    ),
    info(
        MissingSecretKey,
        "missing-secret-key",
        Configuration,
        Intermediate,
        "payments/payment-worker",
        "the pod references a Secret key that does not exist",
    ),
    info(
        RotatedDbCredentials,
        "rotated-db-credentials",
        Configuration,
        Expert,
        "storefront/orders",
        "the database password rotated; a client still uses the old one",
    ),
    info(
        LivenessWrongPath,
        "liveness-wrong-path",
        Probes,
        Beginner,
        "auth/auth-service",
        "liveness probe on a path that is not served",
    ),
    info(
        LivenessWrongPort,
        "liveness-wrong-port",
        Probes,
        Beginner,
        "payments/payment-gateway",
        "liveness probe on a port nobody listens on",
    ),
    info(
        ReadinessWrongPort,
        "readiness-wrong-port",
        Probes,
        Intermediate,
        "payments/payment-api",
        "readiness probe on a port nobody listens on",
    ),
    info(
        AggressiveLiveness,
        "aggressive-liveness",
        Probes,
        Advanced,
        "payments/payment-db",
        "a liveness probe too aggressive for a slow-starting application",
    ),
    info(
        ScaledToZero,
        "scaled-to-zero",
        Scaling,
        Warmup,
        "payments/payment-gateway",
        "replicas scaled to zero",
    ),
    info(
        UnsatisfiableNodeSelector,
        "unsatisfiable-node-selector",
        Scheduling,
        Intermediate,
        "frontend/web-app",
        "a nodeSelector no node satisfies",
    ),
    info(
        OversizedRequests,
        "oversized-requests",
        Scheduling,
        Intermediate,
        "payments/payment-api",
        "requests larger than any node",
    ),
    info(
        CordonedAndDrained,
        "cordoned-and-drained",
        Scheduling,
        Advanced,
        "auth/auth-service",
        "nodes cordoned and the workload drained",
    ),
    info(
        UntoleratedTaint,
        "untolerated-taint",
        Scheduling,
        Advanced,
        "frontend/web-app",
        "nodes tainted without a toleration",
    ),
    info(
        ExhaustedQuota,
        "exhausted-quota",
        Quota,
        Intermediate,
        "payments/payment-gateway",
        "an exhausted ResourceQuota refuses replacement pods",
    ),
    info(
        SelectorMatchesNothing,
        "selector-matches-nothing",
        Networking,
        Intermediate,
        "payments/payment-api",
        "the Service selector matches no pod",
    ),
    info(
        WrongTargetPort,
        "wrong-target-port",
        Networking,
        Advanced,
        "storefront/catalog",
        "the Service targetPort is wrong, so its callers fail",
    ),
    info(
        NetworkPolicyCutsDependency,
        "network-policy-cuts-dependency",
        Networking,
        Expert,
        "payments/payment-worker",
        "a NetworkPolicy cuts the database off",
    ),
    info(
        MissingStorageClass,
        "missing-storage-class",
        Storage,
        Advanced,
        "payments/payment-db",
        "a PVC on a StorageClass that does not exist",
    ),
    info(
        BadRollout,
        "bad-rollout",
        Rollout,
        Intermediate,
        "frontend/web-app",
        "a bad new version rolled out; roll it back",
    ),
    info(
        DependencyScaledDown,
        "dependency-scaled-down",
        Dependency,
        Expert,
        "payments/payment-worker",
        "the database scaled down, so its caller fails",
    ),
];

const fn info(
    mechanism: Mechanism,
    name: &'static str,
    class: FaultClass,
    difficulty: Difficulty,
    default_target: &'static str,
    summary: &'static str,
) -> MechanismInfo {
    MechanismInfo {
        mechanism,
        name,
        class,
        difficulty,
        default_target,
        summary,
    }
}

impl Mechanism {
    pub fn info(self) -> &'static MechanismInfo {
        CATALOGUE
            .iter()
            .find(|i| i.mechanism == self)
            .expect("every mechanism is catalogued")
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The fault aimed at this mechanism's place in the baseline shop.
    pub fn default_fault(self) -> CatalogueFault {
        let (namespace, workload) = self
            .info()
            .default_target
            .split_once('/')
            .expect("default targets are namespace/workload");
        CatalogueFault {
            mechanism: self,
            namespace: namespace.into(),
            workload: workload.into(),
        }
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A workload (Deployment or StatefulSet) by kind, namespace and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Workload {
    pub kind: WorkloadKind,
    pub namespace: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {}/{}", self.kind, self.namespace, self.name)
    }
}

/// An object named as ground truth: `ResourceQuota payments/tight-quota`, `Node n1` (no
/// namespace).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entity {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl Entity {
    fn new(kind: &str, namespace: &str, name: &str) -> Entity {
        Entity {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// What the agent must find: never shown to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroundTruth {
    pub mechanism: Mechanism,
    pub class: FaultClass,
    pub root_causes: Vec<Entity>,
}

/// A mechanism aimed at a workload: `oom-limit:payments/payment-api`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogueFault {
    pub mechanism: Mechanism,
    pub namespace: String,
    pub workload: String,
}

impl fmt::Display for CatalogueFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}/{}", self.mechanism, self.namespace, self.workload)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("invalid fault spec {0:?}: expected MECHANISM:NAMESPACE/WORKLOAD; mechanisms: {names}", names = CATALOGUE.iter().map(|i| i.name).collect::<Vec<_>>().join(", "))]
    Syntax(String),
    #[error("cannot inject {fault}: {reason}")]
    Inapplicable { fault: String, reason: String },
    #[error(
        "fault {fault} was injected but its symptom ({symptom}) never showed within {secs} simulated seconds"
    )]
    Unobservable {
        fault: String,
        symptom: String,
        secs: u64,
    },
}

impl FromStr for CatalogueFault {
    type Err = CatalogueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || CatalogueError::Syntax(s.to_string());
        let (kind, namespace, workload) = crate::faults::split_spec(s).ok_or_else(syntax)?;
        let mechanism = CATALOGUE
            .iter()
            .find(|i| i.name == kind)
            .map(|i| i.mechanism)
            .ok_or_else(syntax)?;
        Ok(CatalogueFault {
            mechanism,
            namespace: namespace.into(),
            workload: workload.into(),
        })
    }
}

/// An injected, observed fault with what grading needs.
#[derive(Clone, Debug)]
pub struct Incident {
    pub fault: CatalogueFault,
    /// The workload the fault was aimed at (for dependency faults, the caller the alert names).
    pub target: Workload,
    pub alert: String,
    pub difficulty: Difficulty,
    pub ground_truth: GroundTruth,
    /// Workloads that must be back to intended state, available and ready.
    pub workloads: Vec<Workload>,
    /// Services that must have ready endpoints, as (namespace, name).
    pub services: Vec<(String, String)>,
    pub(crate) baseline: Baseline,
}

impl CatalogueFault {
    /// Applies the fault to `cluster` through the API write path, then runs the simulator until
    /// the symptom shows; refuses, naming the fault, if it never does.
    pub fn inject(&self, cluster: &mut Cluster) -> Result<Incident, CatalogueError> {
        let baseline = Baseline::capture(cluster);
        let since = cluster.now();
        let target = self.find_target(cluster)?;
        let mut incident = self.apply(cluster, target, baseline)?;
        let symptom = self.symptom_text();
        let ns = self.namespace.clone();
        let watched = incident.symptom_workload().clone();
        let mechanism = self.mechanism;
        // The symptom is read from objects only: while no write happened since the last look
        // (a timer that changed nothing), the answer stands.
        let mut last_seen: Option<u64> = None;
        let shown = cluster.run_until(OBSERVE_LIMIT, |c| {
            if last_seen == Some(c.resource_version()) {
                return false;
            }
            last_seen = Some(c.resource_version());
            symptom_shows(c, mechanism, &ns, &watched, since)
        });
        if !shown {
            return Err(CatalogueError::Unobservable {
                fault: self.to_string(),
                symptom: symptom.into(),
                secs: OBSERVE_LIMIT.as_secs(),
            });
        }
        incident.alert = self.alert(&incident.target.name);
        Ok(incident)
    }

    fn inapplicable(&self, reason: impl Into<String>) -> CatalogueError {
        CatalogueError::Inapplicable {
            fault: self.to_string(),
            reason: reason.into(),
        }
    }

    fn api(&self) -> impl Fn(ApiError) -> CatalogueError + '_ {
        move |e| self.inapplicable(e.message)
    }

    fn find_target(&self, cluster: &Cluster) -> Result<Workload, CatalogueError> {
        let kind = if cluster
            .get::<Deployment>(&self.namespace, &self.workload)
            .is_ok()
        {
            WorkloadKind::Deployment
        } else if cluster
            .get::<StatefulSet>(&self.namespace, &self.workload)
            .is_ok()
        {
            WorkloadKind::StatefulSet
        } else {
            return Err(self.inapplicable(format!(
                "no Deployment or StatefulSet {}/{}",
                self.namespace, self.workload
            )));
        };
        Ok(Workload {
            kind,
            namespace: self.namespace.clone(),
            name: self.workload.clone(),
        })
    }

    fn symptom_text(&self) -> &'static str {
        match self.mechanism {
            OomLimit => "a container terminated OOMKilled",
            MissingImageTag | RegistryRefusesPull => {
                "a container waiting in ErrImagePull or ImagePullBackOff"
            }
            MissingConfigMap | MissingSecretKey => {
                "a container waiting in CreateContainerConfigError"
            }
            FailingCommand
            | WrongDatabaseHost
            | RequiredEnvRemoved
            | NetworkPolicyCutsDependency
            | DependencyScaledDown => "a container waiting in CrashLoopBackOff",
            WrongConfigMapValue => "a container crash-looping or never ready",
            LivenessWrongPath | LivenessWrongPort | AggressiveLiveness | BadRollout => {
                "a container restarted after failed liveness probes"
            }
            ReadinessWrongPort | WrongTargetPort | RotatedDbCredentials => {
                "a readiness probe failing"
            }
            ScaledToZero => "a workload with no pods",
            UnsatisfiableNodeSelector
            | OversizedRequests
            | CordonedAndDrained
            | UntoleratedTaint
            | MissingStorageClass => "a pod Pending as Unschedulable",
            ExhaustedQuota => "a pod creation refused for exceeding the quota",
            SelectorMatchesNothing => "a Service without endpoints",
        }
    }

    fn alert(&self, name: &str) -> String {
        match self.mechanism {
            OomLimit => format!("{name} pods OOMKilled"),
            FailingCommand | WrongDatabaseHost | RequiredEnvRemoved => {
                format!("{name} pods in CrashLoopBackOff")
            }
            WrongConfigMapValue => format!("{name} rollout stuck after a configuration change"),
            MissingImageTag | RegistryRefusesPull => format!("{name} pods cannot pull their image"),
            MissingConfigMap | MissingSecretKey => format!("{name} pods fail to start"),
            LivenessWrongPath | LivenessWrongPort | AggressiveLiveness => {
                format!("{name} containers restarting repeatedly")
            }
            ReadinessWrongPort => format!("{name} rollout stuck: new pods never become ready"),
            ScaledToZero => format!("{name} has no running pods"),
            UnsatisfiableNodeSelector
            | OversizedRequests
            | CordonedAndDrained
            | UntoleratedTaint
            | MissingStorageClass => format!("{name} pods stuck Pending"),
            ExhaustedQuota => format!("{name} running below its desired replicas"),
            SelectorMatchesNothing => format!("{name} Service has no endpoints"),
            WrongTargetPort => format!("{name} not ready: its upstream calls fail"),
            RotatedDbCredentials => format!("{name} not ready: database errors"),
            NetworkPolicyCutsDependency | DependencyScaledDown => {
                format!("{name} cannot reach its database")
            }
            BadRollout => format!("{name} unstable since the latest release"),
        }
    }

    fn apply(
        &self,
        cluster: &mut Cluster,
        target: Workload,
        baseline: Baseline,
    ) -> Result<Incident, CatalogueError> {
        let ns = self.namespace.clone();
        let name = self.workload.clone();
        let mut root_causes = vec![Entity::new(
            match target.kind {
                WorkloadKind::Deployment => "Deployment",
                WorkloadKind::StatefulSet => "StatefulSet",
            },
            &ns,
            &name,
        )];
        let mut workloads = vec![target.clone()];
        let mut services: Vec<(String, String)> = Vec::new();
        if cluster.get::<Service>(&ns, &name).is_ok() {
            services.push((ns.clone(), name.clone()));
        }
        let legacy = |fault: Fault, cluster: &mut Cluster| {
            FaultSpec {
                fault,
                namespace: ns.clone(),
                deployment: name.clone(),
            }
            .inject(cluster)
            .map_err(|e| self.inapplicable(e.to_string()))
        };
        match self.mechanism {
            OomLimit => legacy(Fault::Oom, cluster)?,
            FailingCommand => legacy(Fault::Crashloop, cluster)?,
            MissingImageTag => legacy(Fault::Image, cluster)?,
            ScaledToZero => legacy(Fault::ScaleZero, cluster)?,
            LivenessWrongPath => legacy(Fault::Liveness, cluster)?,
            ReadinessWrongPort => legacy(Fault::Readiness, cluster)?,
            WrongDatabaseHost => legacy(Fault::BadDatabaseUrl, cluster)?,
            RegistryRefusesPull => self.edit_container(cluster, &target, |c| {
                let image = c.image.clone().unwrap_or_default();
                let base = image.rsplit('/').next().unwrap_or(&image).to_string();
                c.image = Some(format!("registry.corp.internal/{ns}/{base}"));
                Ok(())
            })?,
            RequiredEnvRemoved => self.edit_container(cluster, &target, |c| {
                let env = c.env.as_mut().ok_or("the container has no environment")?;
                let before = env.len();
                env.retain(|e| e.name != "DATABASE_URL");
                if env.len() == before {
                    return Err("the container has no DATABASE_URL".into());
                }
                Ok(())
            })?,
            MissingConfigMap => {
                let mut referenced = None;
                self.edit_container(cluster, &target, |c| {
                    let r = c
                        .env_from
                        .iter_mut()
                        .flatten()
                        .find_map(|e| e.config_map_ref.as_mut())
                        .ok_or("the container reads no ConfigMap")?;
                    referenced = Some(r.name.clone());
                    r.name = format!("{}-v2", r.name);
                    Ok(())
                })?;
                if let Some(cm) = referenced {
                    root_causes.push(Entity::new("ConfigMap", &ns, &format!("{cm}-v2")));
                }
            }
            WrongConfigMapValue => {
                let referenced = cluster.get::<Deployment>(&ns, &name).ok().and_then(|d| {
                    d.spec
                        .as_ref()?
                        .template
                        .spec
                        .as_ref()?
                        .containers
                        .iter()
                        .flat_map(|c| c.env_from.iter().flatten())
                        .find_map(|e| Some(e.config_map_ref.as_ref()?.name.clone()))
                });
                let cm_name = match referenced {
                    Some(cm) => {
                        self.corrupt_configmap(cluster, &ns, &cm)?;
                        // The pods pick the value up when they restart, as after a config
                        // rollout; the old ones keep serving while the new ones never get ready.
                        let at = cluster.now().time().0.to_string();
                        cluster
                            .modify::<Deployment>(&ns, &name, |d| {
                                if let Some(spec) = d.spec.as_mut() {
                                    spec.template
                                        .metadata
                                        .get_or_insert_default()
                                        .annotations
                                        .get_or_insert_default()
                                        .insert("kubectl.kubernetes.io/restartedAt".into(), at);
                                }
                            })
                            .map_err(self.api())?;
                        cm
                    }
                    None => self.move_database_url_to_configmap(cluster, &target)?,
                };
                root_causes = vec![Entity::new("ConfigMap", &ns, &cm_name)];
            }
            MissingSecretKey => {
                // The Secret the workload already reads, else the namespace's database Secret.
                let secret = referenced_secret(cluster, &target)
                    .or_else(|| {
                        cluster
                            .list_in::<Secret>(&ns)
                            .find(|s| {
                                s.data
                                    .as_ref()
                                    .is_some_and(|d| d.contains_key("POSTGRES_PASSWORD"))
                            })
                            .and_then(|s| s.metadata.name.clone())
                    })
                    .ok_or_else(|| self.inapplicable("no database Secret in the namespace"))?;
                let keys: Vec<String> = cluster
                    .get::<Secret>(&ns, &secret)
                    .ok()
                    .and_then(|s| s.data.as_ref().map(|d| d.keys().cloned().collect()))
                    .unwrap_or_default();
                self.edit_container(cluster, &target, |c| {
                    let env = c.env.get_or_insert_default();
                    // A variable the container does not set yet, from a key the Secret lacks.
                    let var = ["DB_PASSWORD", "DATABASE_PASSWORD", "PGPASSWORD"]
                        .into_iter()
                        .find(|v| env.iter().all(|e| e.name != *v) && !keys.iter().any(|k| k == v))
                        .ok_or("the container already reads every password variable")?;
                    env.push(EnvVar {
                        name: var.into(),
                        value: None,
                        value_from: Some(EnvVarSource {
                            secret_key_ref: Some(SecretKeySelector {
                                name: secret.clone(),
                                key: var.into(),
                                optional: None,
                            }),
                            ..Default::default()
                        }),
                    });
                    Ok(())
                })?;
                root_causes.push(Entity::new("Secret", &ns, &secret));
            }
            LivenessWrongPort => self.edit_container(cluster, &target, |c| {
                let http = c
                    .liveness_probe
                    .as_mut()
                    .and_then(|p| p.http_get.as_mut())
                    .ok_or("the container has no HTTP liveness probe")?;
                let listening: Vec<i32> =
                    c.ports.iter().flatten().map(|p| p.container_port).collect();
                let first = match &http.port {
                    IntOrString::Int(80) => 8080,
                    _ => 9090,
                };
                // A port nobody listens on, even for a service that serves 8080 or 9090.
                let wrong = (first..).find(|p| !listening.contains(p)).unwrap_or(first);
                http.port = IntOrString::Int(wrong);
                Ok(())
            })?,
            AggressiveLiveness => self.edit_container(cluster, &target, |c| {
                let probe = c
                    .liveness_probe
                    .as_mut()
                    .ok_or("the container has no liveness probe")?;
                probe.initial_delay_seconds = Some(1);
                probe.period_seconds = Some(1);
                probe.failure_threshold = Some(1);
                Ok(())
            })?,
            UnsatisfiableNodeSelector => self.edit_pod_spec(cluster, &target, |s| {
                s.node_selector
                    .get_or_insert_default()
                    .insert("disktype".into(), "ssd".into());
                Ok(())
            })?,
            OversizedRequests => self.edit_container(cluster, &target, |c| {
                let r = c.resources.get_or_insert_default();
                for map in [
                    r.requests.get_or_insert_default(),
                    r.limits.get_or_insert_default(),
                ] {
                    map.insert("cpu".into(), Quantity("16".into()));
                }
                Ok(())
            })?,
            CordonedAndDrained | UntoleratedTaint => {
                let nodes: Vec<String> = cluster
                    .list::<Node>()
                    .filter_map(|n| n.metadata.name.clone())
                    .collect();
                for node in &nodes {
                    let cordon = self.mechanism == CordonedAndDrained;
                    cluster
                        .modify::<Node>("", node, |n| {
                            let spec = n.spec.get_or_insert_default();
                            if cordon {
                                spec.unschedulable = Some(true);
                            } else {
                                spec.taints.get_or_insert_default().push(Taint {
                                    key: "dedicated".into(),
                                    value: Some("batch".into()),
                                    effect: "NoSchedule".into(),
                                    time_added: None,
                                });
                            }
                        })
                        .map_err(self.api())?;
                    root_causes.push(Entity::new("Node", "", node));
                }
                root_causes.remove(0);
                evict(cluster, &target, usize::MAX).map_err(self.api())?;
            }
            ExhaustedQuota => {
                let pods = cluster
                    .list_in::<Pod>(&ns)
                    .filter(|p| !cluster_is_terminal(p))
                    .count();
                if workload_pods(cluster, &target).next().is_none() {
                    return Err(self.inapplicable("the workload has no pod to replace"));
                }
                let quota = format!("{ns}-quota");
                cluster
                    .apply_value(serde_json::json!({
                        "apiVersion": "v1", "kind": "ResourceQuota",
                        "metadata": {"name": quota, "namespace": ns},
                        "spec": {"hard": {"pods": pods.saturating_sub(1).to_string()}},
                    }))
                    .map_err(self.api())?;
                cluster.settle();
                evict(cluster, &target, 1).map_err(self.api())?;
                root_causes = vec![Entity::new("ResourceQuota", &ns, &quota)];
            }
            SelectorMatchesNothing => {
                cluster
                    .modify::<Service>(&ns, &name, |s| {
                        if let Some(sel) = s.spec.as_mut().and_then(|s| s.selector.as_mut()) {
                            for v in sel.values_mut() {
                                v.push_str("-v2");
                            }
                        }
                    })
                    .map_err(self.api())?;
                root_causes = vec![Entity::new("Service", &ns, &name)];
            }
            WrongTargetPort => {
                let port = cluster
                    .get::<Service>(&ns, &name)
                    .ok()
                    .and_then(|s| s.spec.clone()?.ports?.into_iter().next())
                    .ok_or_else(|| {
                        self.inapplicable(format!("no Service {ns}/{name} with a port"))
                    })?;
                // Callers beside the Service come first: the alert names one of them.
                let callers = callers_of(cluster, &ns, &name, port.port);
                let caller = callers
                    .iter()
                    .find(|(caller_ns, _)| *caller_ns == ns)
                    .or(callers.first())
                    .cloned()
                    .ok_or_else(|| self.inapplicable("no workload calls the Service"))?;
                let listening: Vec<i32> = workload_pods(cluster, &target)
                    .flat_map(|p| p.spec.iter().flat_map(|s| s.containers.iter()))
                    .flat_map(|c| c.ports.iter().flatten())
                    .map(|p| p.container_port)
                    .collect();
                let wrong = (8081..).find(|p| !listening.contains(p)).unwrap_or(8081);
                cluster
                    .modify::<Service>(&ns, &name, |s| {
                        if let Some(p) = s
                            .spec
                            .as_mut()
                            .and_then(|s| s.ports.as_mut())
                            .and_then(|p| p.first_mut())
                        {
                            p.target_port = Some(IntOrString::Int(wrong));
                        }
                    })
                    .map_err(self.api())?;
                root_causes = vec![Entity::new("Service", &ns, &name)];
                for (caller_ns, c) in &callers {
                    if cluster.get::<Service>(caller_ns, c).is_ok() {
                        services.push((caller_ns.clone(), c.clone()));
                    }
                }
                let caller = Workload {
                    kind: WorkloadKind::Deployment,
                    namespace: caller.0,
                    name: caller.1,
                };
                workloads.push(caller.clone());
                cluster.settle();
                return Ok(self.incident(caller, root_causes, workloads, services, baseline));
            }
            RotatedDbCredentials => {
                // The database this workload logs in to, and the Secret it runs with.
                let host = database_url(cluster, &target)
                    .and_then(|u| cluster::apps::parse_url(&u))
                    .map(|u| u.host)
                    .ok_or_else(|| self.inapplicable("the workload names no database"))?;
                let mut parts = host.split('.');
                let db = parts.next().unwrap_or_default().to_string();
                let db_ns = parts.next().unwrap_or(&ns).to_string();
                let sts = cluster
                    .get::<StatefulSet>(&db_ns, &db)
                    .map_err(|_| self.inapplicable(format!("no StatefulSet {db_ns}/{db}")))?;
                let secret = sts
                    .spec
                    .iter()
                    .flat_map(|s| s.template.spec.iter())
                    .flat_map(|s| s.containers.iter())
                    .flat_map(|c| c.env_from.iter().flatten())
                    .find_map(|e| e.secret_ref.as_ref().map(|r| r.name.clone()))
                    .ok_or_else(|| self.inapplicable("the database reads no Secret"))?;
                cluster
                    .modify::<Secret>(&db_ns, &secret, |s| {
                        s.data.get_or_insert_default().insert(
                            "POSTGRES_PASSWORD".into(),
                            cluster::k8s_openapi::ByteString(ROTATED_PASSWORD.as_bytes().to_vec()),
                        );
                    })
                    .map_err(self.api())?;
                let db_workload = Workload {
                    kind: WorkloadKind::StatefulSet,
                    namespace: db_ns.clone(),
                    name: db.clone(),
                };
                // The database restarts with the new password.
                evict(cluster, &db_workload, usize::MAX).map_err(self.api())?;
                root_causes = vec![Entity::new("Secret", &db_ns, &secret)];
                let stale = cluster.get::<Deployment>(&ns, &name).ok().and_then(|d| {
                    d.spec
                        .as_ref()?
                        .template
                        .spec
                        .as_ref()?
                        .containers
                        .iter()
                        .flat_map(|c| c.env.iter().flatten())
                        .find_map(|e| {
                            e.value_from
                                .as_ref()?
                                .secret_key_ref
                                .as_ref()?
                                .name
                                .clone()
                                .into()
                        })
                });
                if let Some(stale) = stale {
                    let stale = Entity::new("Secret", &ns, &stale);
                    // A client that reads the database's own Secret holds the old value in its
                    // environment: the Secret is named once, and a restart is the fix.
                    if !root_causes.contains(&stale) {
                        root_causes.push(stale);
                    }
                }
                workloads.push(db_workload);
            }
            NetworkPolicyCutsDependency | DependencyScaledDown => {
                let (db_ns, db) = database_of(cluster, &target)
                    .ok_or_else(|| self.inapplicable("the workload names no database"))?;
                let db_workload = Workload {
                    kind: WorkloadKind::StatefulSet,
                    namespace: db_ns.clone(),
                    name: db.clone(),
                };
                if cluster.get::<StatefulSet>(&db_ns, &db).is_err() {
                    return Err(self.inapplicable(format!("no StatefulSet {db_ns}/{db}")));
                }
                if self.mechanism == DependencyScaledDown {
                    cluster
                        .modify::<StatefulSet>(&db_ns, &db, |s| {
                            if let Some(spec) = s.spec.as_mut() {
                                spec.replicas = Some(0);
                            }
                        })
                        .map_err(self.api())?;
                    root_causes = vec![Entity::new("StatefulSet", &db_ns, &db)];
                } else {
                    // A policy that admits the database's other clients and forgets this one.
                    let peers: Vec<serde_json::Value> = policy_peers(cluster, &target, &db_ns, &db)
                        .into_iter()
                        .map(
                            |app| serde_json::json!({"podSelector": {"matchLabels": {"app": app}}}),
                        )
                        .collect();
                    let port = db_port(cluster, &db_ns, &db);
                    // No one else to admit: a rule with no peers would admit everyone.
                    let ingress = if peers.is_empty() {
                        serde_json::json!([])
                    } else {
                        serde_json::json!([{
                            "from": peers,
                            "ports": [{"protocol": "TCP", "port": port}],
                        }])
                    };
                    let policy = format!("{db}-ingress");
                    cluster
                        .apply_value(serde_json::json!({
                            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
                            "metadata": {"name": policy, "namespace": db_ns},
                            "spec": {
                                "podSelector": {"matchLabels": {"app": db}},
                                "policyTypes": ["Ingress"],
                                "ingress": ingress,
                            },
                        }))
                        .map_err(self.api())?;
                    root_causes = vec![Entity::new("NetworkPolicy", &db_ns, &policy)];
                }
                if cluster.get::<Service>(&db_ns, &db).is_ok() {
                    services.push((db_ns.clone(), db.clone()));
                }
                workloads.push(db_workload);
                cluster.settle();
                // The caller reconnects when it restarts, as after a node upgrade.
                evict(cluster, &target, usize::MAX).map_err(self.api())?;
            }
            MissingStorageClass => {
                let Some(sts) = cluster.get::<StatefulSet>(&ns, &name).ok() else {
                    return Err(self.inapplicable("the workload is not a StatefulSet"));
                };
                let spec = sts.spec.clone().unwrap_or_default();
                let template = spec
                    .volume_claim_templates
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .next()
                    .ok_or_else(|| self.inapplicable("the StatefulSet claims no volume"))?;
                let class = template
                    .spec
                    .and_then(|s| s.storage_class_name)
                    .or_else(|| cluster::default_storage_class(cluster.store()))
                    .ok_or_else(|| self.inapplicable("the claim has no StorageClass"))?;
                let claim_prefix = format!(
                    "{}-{name}-",
                    template.metadata.name.clone().unwrap_or_default()
                );
                cluster
                    .delete::<StorageClass>("", &class, DeleteOptions::default())
                    .map_err(self.api())?;
                // The volume is lost: its claim and the pod that held it are gone.
                let claims: Vec<String> = cluster
                    .list_in::<cluster::k8s_openapi::api::core::v1::PersistentVolumeClaim>(&ns)
                    .filter_map(|c| c.metadata.name.clone())
                    .filter(|n| n.starts_with(&claim_prefix))
                    .collect();
                for claim in claims {
                    cluster
                        .delete::<cluster::k8s_openapi::api::core::v1::PersistentVolumeClaim>(
                            &ns,
                            &claim,
                            DeleteOptions::default(),
                        )
                        .map_err(self.api())?;
                }
                evict(cluster, &target, usize::MAX).map_err(self.api())?;
                root_causes = vec![Entity::new("StorageClass", "", &class)];
            }
            BadRollout => {
                self.edit_container(cluster, &target, |c| {
                    c.image = Some("nginx:1.27".into());
                    let http = c
                        .liveness_probe
                        .as_mut()
                        .and_then(|p| p.http_get.as_mut())
                        .ok_or("the container has no HTTP liveness probe")?;
                    http.path = Some("/healthz".into());
                    Ok(())
                })?;
                cluster
                    .modify::<Deployment>(&ns, &name, |d| {
                        d.metadata.annotations.get_or_insert_default().insert(
                            "kubernetes.io/change-cause".into(),
                            "release 2.0: nginx 1.27, /healthz liveness".into(),
                        );
                    })
                    .map_err(self.api())?;
            }
        }
        cluster.settle();
        Ok(self.incident(target, root_causes, workloads, services, baseline))
    }

    fn incident(
        &self,
        target: Workload,
        root_causes: Vec<Entity>,
        workloads: Vec<Workload>,
        services: Vec<(String, String)>,
        baseline: Baseline,
    ) -> Incident {
        let info = self.mechanism.info();
        Incident {
            fault: self.clone(),
            target,
            alert: String::new(),
            difficulty: info.difficulty,
            ground_truth: GroundTruth {
                mechanism: self.mechanism,
                class: info.class,
                root_causes,
            },
            workloads,
            services,
            baseline,
        }
    }

    /// Points the first host-valued key of a ConfigMap at a host that does not exist.
    fn corrupt_configmap(
        &self,
        cluster: &mut Cluster,
        ns: &str,
        cm: &str,
    ) -> Result<(), CatalogueError> {
        let mut changed = false;
        cluster
            .modify::<ConfigMap>(ns, cm, |m| {
                for v in m.data.iter_mut().flat_map(|d| d.values_mut()) {
                    if !changed && (v.contains(".svc") || v.contains("://")) {
                        let (scheme, rest) = v
                            .split_once("://")
                            .map_or(("", v.as_str()), |(s, r)| (s, r));
                        let (host, tail) = rest.split_once('.').unwrap_or((rest, ""));
                        let wrong = format!("{host}-v2.{tail}");
                        *v = if scheme.is_empty() {
                            wrong
                        } else {
                            format!("{scheme}://{wrong}")
                        };
                        changed = true;
                    }
                }
            })
            .map_err(self.api())?;
        if changed {
            Ok(())
        } else {
            Err(self.inapplicable(format!("ConfigMap {ns}/{cm} holds no host to get wrong")))
        }
    }

    /// Moves a literal `DATABASE_URL` into a new ConfigMap that holds a wrong host, as a
    /// config refactoring gone wrong; returns the ConfigMap's name.
    fn move_database_url_to_configmap(
        &self,
        cluster: &mut Cluster,
        target: &Workload,
    ) -> Result<String, CatalogueError> {
        let (ns, name) = (&target.namespace, &target.name);
        let cm_name = format!("{name}-config");
        let url = database_url(cluster, target).ok_or_else(|| {
            self.inapplicable("the container reads no ConfigMap and has no DATABASE_URL")
        })?;
        // The ConfigMap comes first, as a config rollout would create it, so that the only
        // thing wrong is its value.
        cluster
            .apply_value(serde_json::json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": cm_name, "namespace": ns, "labels": {"app": name}},
                "data": {"DATABASE_URL": wrong_host(&url)},
            }))
            .map_err(self.api())?;
        self.edit_container(cluster, target, |c| {
            let var = c
                .env
                .iter_mut()
                .flatten()
                .find(|e| e.name == "DATABASE_URL")
                .ok_or("the container has no DATABASE_URL")?;
            var.value = None;
            var.value_from = Some(EnvVarSource {
                config_map_key_ref: Some(ConfigMapKeySelector {
                    name: cm_name.clone(),
                    key: "DATABASE_URL".into(),
                    optional: None,
                }),
                ..Default::default()
            });
            Ok(())
        })?;
        Ok(cm_name)
    }

    fn edit_pod_spec(
        &self,
        cluster: &mut Cluster,
        target: &Workload,
        f: impl FnOnce(&mut PodSpec) -> Result<(), String>,
    ) -> Result<(), CatalogueError> {
        let mut outcome = Err("the workload has no pod template".to_string());
        let result = match target.kind {
            WorkloadKind::Deployment => cluster
                .modify::<Deployment>(&target.namespace, &target.name, |d| {
                    if let Some(s) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
                        outcome = f(s);
                    }
                })
                .map(|_| ()),
            WorkloadKind::StatefulSet => cluster
                .modify::<StatefulSet>(&target.namespace, &target.name, |d| {
                    if let Some(s) = d.spec.as_mut().and_then(|s| s.template.spec.as_mut()) {
                        outcome = f(s);
                    }
                })
                .map(|_| ()),
        };
        // The edit's own refusal explains more than the write it prevented.
        outcome.map_err(|why| self.inapplicable(why))?;
        result.map_err(self.api())
    }

    fn edit_container(
        &self,
        cluster: &mut Cluster,
        target: &Workload,
        f: impl FnOnce(&mut Container) -> Result<(), String>,
    ) -> Result<(), CatalogueError> {
        self.edit_pod_spec(cluster, target, |s| {
            let c = s
                .containers
                .first_mut()
                .ok_or("the pod template has no containers")?;
            f(c)
        })
    }
}

impl Incident {
    /// The workload whose pods show the symptom.
    fn symptom_workload(&self) -> &Workload {
        &self.target
    }
}

fn cluster_is_terminal(p: &Pod) -> bool {
    matches!(
        p.status.as_ref().and_then(|s| s.phase.as_deref()),
        Some("Succeeded" | "Failed")
    )
}

/// The same URL with its host replaced by one that does not resolve (`db.<namespace>.invalid`,
/// the namespace taken from the host it replaces).
fn wrong_host(url: &str) -> String {
    match url.split_once('@') {
        Some((creds, rest)) => {
            let end = rest.find([':', '/']).unwrap_or(rest.len());
            let (host, tail) = rest.split_at(end);
            let ns = host.split('.').nth(1).unwrap_or("payments");
            format!("{creds}@db.{ns}.invalid{tail}")
        }
        None => "postgres://db.payments.invalid:5432/app".into(),
    }
}

/// The literal `DATABASE_URL` of a Deployment's containers.
fn database_url(cluster: &Cluster, w: &Workload) -> Option<String> {
    let d = cluster.get::<Deployment>(&w.namespace, &w.name).ok()?;
    d.spec
        .as_ref()?
        .template
        .spec
        .as_ref()?
        .containers
        .iter()
        .flat_map(|c| c.env.iter().flatten())
        .find(|e| e.name == "DATABASE_URL")?
        .value
        .clone()
}

/// The Service, as (namespace, name), of the database a workload's `DATABASE_URL` points at.
fn database_of(cluster: &Cluster, w: &Workload) -> Option<(String, String)> {
    let url = database_url(cluster, w)?;
    let host = cluster::apps::parse_url(&url)?.host;
    let mut labels = host.split('.');
    let name = labels.next()?.to_string();
    let ns = labels.next().unwrap_or(&w.namespace).to_string();
    Some((ns, name))
}

/// The apps a NetworkPolicy in front of database `db_ns/db` admits while shutting `target` out:
/// the database's other clients in its namespace, else the first other Deployment there.
fn policy_peers(cluster: &Cluster, target: &Workload, db_ns: &str, db: &str) -> Vec<String> {
    let others: Vec<Workload> = cluster
        .list_in::<Deployment>(db_ns)
        .filter_map(|d| d.metadata.name.clone())
        .filter(|n| !(target.namespace == db_ns && *n == target.name))
        .map(|name| Workload {
            kind: WorkloadKind::Deployment,
            namespace: db_ns.to_string(),
            name,
        })
        .collect();
    let clients: Vec<String> = others
        .iter()
        .filter(|w| database_of(cluster, w).is_some_and(|(n, d)| n == db_ns && d == db))
        .map(|w| w.name.clone())
        .collect();
    if clients.is_empty() {
        others.into_iter().map(|w| w.name).take(1).collect()
    } else {
        clients
    }
}

/// The port a database's Service sends to, 5432 when it names none.
fn db_port(cluster: &Cluster, ns: &str, db: &str) -> i32 {
    cluster
        .get::<Service>(ns, db)
        .ok()
        .and_then(|s| s.spec.as_ref()?.ports.as_ref()?.first().map(|p| p.port))
        .unwrap_or(5432)
}

/// The first Secret a workload's first container reads, by key or whole.
fn referenced_secret(cluster: &Cluster, w: &Workload) -> Option<String> {
    let spec = match w.kind {
        WorkloadKind::Deployment => {
            cluster
                .get::<Deployment>(&w.namespace, &w.name)
                .ok()?
                .spec
                .clone()?
                .template
                .spec?
        }
        WorkloadKind::StatefulSet => {
            cluster
                .get::<StatefulSet>(&w.namespace, &w.name)
                .ok()?
                .spec
                .clone()?
                .template
                .spec?
        }
    };
    let c = spec.containers.first()?;
    c.env
        .iter()
        .flatten()
        .find_map(|e| Some(e.value_from.as_ref()?.secret_key_ref.as_ref()?.name.clone()))
        .or_else(|| {
            c.env_from
                .iter()
                .flatten()
                .find_map(|e| Some(e.secret_ref.as_ref()?.name.clone()))
        })
}

/// Deployments, as (namespace, name), whose `DEPENDS_ON` (literal or from a ConfigMap) names
/// Service `namespace/service` on `port`: by its short name from the same namespace, or by
/// `service.namespace[.svc...]` from any.
fn callers_of(
    cluster: &Cluster,
    namespace: &str,
    service: &str,
    port: i32,
) -> Vec<(String, String)> {
    let depends_on = |c: &Container, caller_ns: &str| -> Vec<String> {
        let literal = c
            .env
            .iter()
            .flatten()
            .filter(|e| e.name == "DEPENDS_ON")
            .filter_map(|e| e.value.clone());
        let from_maps = c
            .env_from
            .iter()
            .flatten()
            .filter_map(|e| e.config_map_ref.as_ref())
            .filter_map(|r| cluster.get::<ConfigMap>(caller_ns, &r.name).ok())
            .filter_map(|m| m.data.as_ref()?.get("DEPENDS_ON").cloned());
        literal.chain(from_maps).collect()
    };
    cluster
        .list::<Deployment>()
        .filter(|d| {
            let caller_ns = d.metadata.namespace.as_deref().unwrap_or("");
            d.spec
                .iter()
                .flat_map(|s| s.template.spec.iter())
                .flat_map(|s| s.containers.iter())
                .flat_map(|c| depends_on(c, caller_ns))
                .any(|v| {
                    v.split(',').any(|dep| {
                        let dep = dep.trim();
                        let (host, p) = dep.rsplit_once(':').unwrap_or((dep, "80"));
                        let mut labels = host.split('.');
                        let svc = labels.next();
                        let ns = labels.next().unwrap_or(caller_ns);
                        svc == Some(service) && ns == namespace && p == port.to_string()
                    })
                })
        })
        .filter_map(|d| Some((d.metadata.namespace.clone()?, d.metadata.name.clone()?)))
        .collect()
}

/// Deletes up to `count` pods of a workload, as an eviction would.
fn evict(cluster: &mut Cluster, w: &Workload, count: usize) -> Result<(), ApiError> {
    let names: Vec<String> = workload_pods(cluster, w)
        .filter_map(|p| p.metadata.name.clone())
        .take(count)
        .collect();
    for pod in names {
        cluster.delete::<Pod>(&w.namespace, &pod, DeleteOptions::default())?;
    }
    cluster.settle();
    Ok(())
}

/// The label selector of a workload's pods, as stored.
pub(crate) fn workload_selector<'c>(
    cluster: &'c Cluster,
    w: &Workload,
) -> Option<&'c BTreeMap<String, String>> {
    let store = cluster.store();
    match w.kind {
        WorkloadKind::Deployment => store
            .get::<Deployment>(&w.namespace, &w.name)?
            .spec
            .as_ref()?
            .selector
            .match_labels
            .as_ref(),
        WorkloadKind::StatefulSet => store
            .get::<StatefulSet>(&w.namespace, &w.name)?
            .spec
            .as_ref()?
            .selector
            .match_labels
            .as_ref(),
    }
}

/// The pods a workload's selector matches, by name (the order the store lists them in).
pub(crate) fn workload_pods<'c>(
    cluster: &'c Cluster,
    w: &'c Workload,
) -> impl Iterator<Item = &'c std::sync::Arc<Pod>> + 'c {
    let selector = workload_selector(cluster, w);
    selector.into_iter().flat_map(move |selector| {
        cluster
            .list_in::<Pod>(&w.namespace)
            .filter(|p| cluster::selectors::matches_map(selector, p.metadata.labels.as_ref()))
    })
}

fn container_reasons(p: &Pod) -> impl Iterator<Item = (Option<&str>, Option<&str>, i32)> {
    p.status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten())
        .map(|cs| {
            let waiting = cs
                .state
                .as_ref()
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref());
            let terminated = cs
                .last_state
                .as_ref()
                .and_then(|s| s.terminated.as_ref())
                .or_else(|| cs.state.as_ref().and_then(|s| s.terminated.as_ref()))
                .and_then(|t| t.reason.as_deref());
            (waiting, terminated, cs.restart_count)
        })
}

fn unschedulable(p: &Pod) -> bool {
    p.status
        .iter()
        .flat_map(|s| s.conditions.iter().flatten())
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("Unschedulable"))
}

/// Whether the mechanism's symptom shows on the workload, from object state only.
/// Events count only from `since` on, so that a probe failure while the world was starting up
/// is not mistaken for the fault's symptom.
fn symptom_shows(c: &Cluster, m: Mechanism, ns: &str, w: &Workload, since: SimTime) -> bool {
    let recent = |e: &Event| {
        e.last_timestamp
            .as_ref()
            .is_some_and(|t| t.0 >= since.time().0)
    };
    let pods = || workload_pods(c, w);
    let any_waiting = |reasons: &[&str]| {
        pods().any(|p| {
            container_reasons(p)
                .any(|(waiting, _, _)| waiting.is_some_and(|r| reasons.contains(&r)))
        })
    };
    match m {
        OomLimit => pods().any(|p| container_reasons(p).any(|(_, t, _)| t == Some("OOMKilled"))),
        MissingImageTag | RegistryRefusesPull => any_waiting(&["ErrImagePull", "ImagePullBackOff"]),
        MissingConfigMap | MissingSecretKey => any_waiting(&["CreateContainerConfigError"]),
        FailingCommand
        | WrongDatabaseHost
        | RequiredEnvRemoved
        | NetworkPolicyCutsDependency
        | DependencyScaledDown => any_waiting(&["CrashLoopBackOff"]),
        WrongConfigMapValue => {
            any_waiting(&["CrashLoopBackOff"]) || symptom_shows(c, WrongTargetPort, ns, w, since)
        }
        LivenessWrongPath | LivenessWrongPort | AggressiveLiveness | BadRollout => {
            pods().any(|p| container_reasons(p).any(|(_, _, restarts)| restarts >= 2))
        }
        WrongTargetPort | RotatedDbCredentials => {
            symptom_shows(c, ReadinessWrongPort, ns, w, since)
                && pods().any(|p| !cluster::selectors::is_ready(p))
        }
        // The events are the watched pods' own, wherever the fault was made.
        ReadinessWrongPort => c.list_in::<Event>(&w.namespace).any(|e| {
            e.reason.as_deref() == Some("Unhealthy")
                && recent(e)
                && e.message
                    .as_deref()
                    .is_some_and(|m| m.starts_with("Readiness probe failed"))
                && pods().any(|p| p.metadata.name == e.involved_object.name)
        }),
        ScaledToZero => pods().next().is_none(),
        UnsatisfiableNodeSelector
        | OversizedRequests
        | CordonedAndDrained
        | UntoleratedTaint
        | MissingStorageClass => pods().any(|p| unschedulable(p)),
        ExhaustedQuota => c.list_in::<Event>(ns).any(|e| {
            recent(e)
                && e.reason.as_deref() == Some("FailedCreate")
                && e.message
                    .as_deref()
                    .is_some_and(|m| m.contains("exceeded quota"))
        }),
        SelectorMatchesNothing => c
            .get::<cluster::k8s_openapi::api::core::v1::Endpoints>(ns, &w.name)
            .map(|e| {
                e.subsets
                    .iter()
                    .flatten()
                    .all(|s| s.addresses.as_ref().is_none_or(|a| a.is_empty()))
            })
            .unwrap_or(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut names: Vec<_> = CATALOGUE.iter().map(|i| i.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len());
        for i in CATALOGUE {
            let f = i.mechanism.default_fault();
            assert_eq!(f.to_string().parse::<CatalogueFault>().unwrap(), f);
        }
        assert!("nope:a/b".parse::<CatalogueFault>().is_err());
        assert!("oom-limit:a".parse::<CatalogueFault>().is_err());
    }

    #[test]
    fn a_fault_on_a_missing_workload_is_refused_by_name() {
        let mut c = Cluster::baseline(1);
        let err = "oom-limit:payments/nope"
            .parse::<CatalogueFault>()
            .unwrap()
            .inject(&mut c)
            .unwrap_err();
        assert!(err.to_string().contains("oom-limit:payments/nope"), "{err}");
    }
}
