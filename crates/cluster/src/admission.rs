//! What the API server does to an object before storing it: defaulting (as the `SetDefaults_*`
//! functions and the default admission plugins do) and validation, with the API server's field
//! paths and messages.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentStrategy, ReplicaSet, RollingUpdateDeployment,
    RollingUpdateStatefulSetStrategy, StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy,
    StatefulSetUpdateStrategy,
};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::LoadBalancerStatus;
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapProjection, Container, DownwardAPIProjection, DownwardAPIVolumeFile,
    Endpoints, Event, KeyToPath, Namespace, NamespaceSpec, NamespaceStatus, Node,
    ObjectFieldSelector, PersistentVolumeClaim, PersistentVolumeClaimStatus, Pod,
    PodSecurityContext, PodSpec, PodStatus, PodTemplateSpec, Probe, ProjectedVolumeSource,
    ResourceQuota, ResourceRequirements, Secret, Service, ServiceAccount,
    ServiceAccountTokenProjection, ServiceStatus, Toleration, Volume, VolumeMount,
    VolumeProjection,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::NetworkPolicy;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::error::{FieldError, quoted};
use crate::names;
use crate::quantity;
use crate::store::{Store, Stored};

/// What defaulting may consult: the rest of the cluster and the seeded randomness.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub rng: &'a mut ChaCha8Rng,
}

/// Per-kind API server behaviour. Every stored kind implements it; most use the defaults.
pub trait Schema: Stored {
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {}

    /// Validation of a create (`old` is `None`) or an update.
    fn validate(&self, _old: Option<&Self>) -> Vec<FieldError> {
        Vec::new()
    }

    /// Whether `metadata.generation` counts spec changes for this kind.
    fn tracks_generation() -> bool {
        false
    }

    fn same_spec(_a: &Self, _b: &Self) -> bool {
        true
    }

    /// On a write to the main resource, the status is kept from the stored object.
    fn keep_status(_new: &mut Self, _old: &Self) {}

    /// Validates the object name (most kinds: a DNS-1123 subdomain).
    fn validate_name(name: &str) -> Vec<String> {
        names::validate_subdomain(name)
    }

    /// Defaulting that needs the uid just assigned on create (a Job's generated selector).
    fn complete_create(&mut self) -> Vec<FieldError> {
        Vec::new()
    }
}

macro_rules! status_kept {
    ($($ty:ty),*) => {$(
        impl Schema for $ty {
            fn tracks_generation() -> bool { true }
            fn same_spec(a: &Self, b: &Self) -> bool { a.spec == b.spec }
            fn keep_status(new: &mut Self, old: &Self) { new.status = old.status.clone(); }
        }
    )*};
}

status_kept!(HorizontalPodAutoscaler);

impl Schema for ConfigMap {}
impl Schema for Endpoints {}
impl Schema for Event {}
impl Schema for ServiceAccount {}
impl Schema for StorageClass {}
impl Schema for Lease {}

impl Schema for EndpointSlice {
    /// The registry counts every change but to metadata.
    fn tracks_generation() -> bool {
        true
    }
    fn same_spec(a: &Self, b: &Self) -> bool {
        (&a.address_type, &a.endpoints, &a.ports) == (&b.address_type, &b.endpoints, &b.ports)
    }
    /// `SetDefaults_EndpointPort`: an unnamed port is named `""`, the protocol is TCP.
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {
        for port in self.ports.iter_mut().flatten() {
            port.name.get_or_insert_default();
            port.protocol.get_or_insert_with(|| "TCP".into());
        }
    }
    fn validate(&self, old: Option<&Self>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        const TYPES: &[&str] = &["FQDN", "IPv4", "IPv6"];
        if self.address_type.is_empty() {
            errs.push(FieldError::required("addressType", ""));
        } else if !TYPES.contains(&self.address_type.as_str()) {
            errs.push(FieldError::unsupported(
                "addressType",
                quoted(&self.address_type),
                TYPES,
            ));
        } else if let Some(old) = old
            && old.address_type != self.address_type
        {
            errs.push(FieldError::invalid(
                "addressType",
                quoted(&self.address_type),
                "field is immutable",
            ));
        }
        for (i, endpoint) in self.endpoints.iter().enumerate() {
            if endpoint.addresses.is_empty() {
                errs.push(FieldError::required(
                    format!("endpoints[{i}].addresses"),
                    "must contain at least 1 address",
                ));
            }
        }
        errs
    }
}

impl Schema for Node {
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
}

impl Schema for NetworkPolicy {
    fn tracks_generation() -> bool {
        true
    }
    fn same_spec(a: &Self, b: &Self) -> bool {
        a.spec == b.spec
    }
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {
        let spec = self.spec.get_or_insert_default();
        if spec.policy_types.is_none() {
            let mut types = vec!["Ingress".to_string()];
            if spec.egress.is_some() {
                types.push("Egress".to_string());
            }
            spec.policy_types = Some(types);
        }
    }
}

impl Schema for Secret {
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {
        if let Some(string_data) = self.string_data.take() {
            let data = self.data.get_or_insert_default();
            for (k, v) in string_data {
                data.insert(k, ByteString(v.into_bytes()));
            }
        }
        self.type_.get_or_insert_with(|| "Opaque".to_string());
    }
}

impl Schema for Namespace {
    fn validate_name(name: &str) -> Vec<String> {
        names::validate_label(name)
    }
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {
        let name = self.metadata.name.clone().unwrap_or_default();
        self.metadata
            .labels
            .get_or_insert_default()
            .insert("kubernetes.io/metadata.name".into(), name);
        self.spec.get_or_insert_with(|| NamespaceSpec {
            finalizers: Some(vec!["kubernetes".into()]),
        });
        self.status.get_or_insert_with(|| NamespaceStatus {
            phase: Some("Active".into()),
            ..Default::default()
        });
    }
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
}

impl Schema for ResourceQuota {
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
    fn validate(&self, _old: Option<&Self>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        for (res, q) in self
            .spec
            .as_ref()
            .and_then(|s| s.hard.as_ref())
            .into_iter()
            .flatten()
        {
            let path = format!("spec.hard[{res}]");
            match quantity::parse_milli(&q.0) {
                Err(e) => errs.push(FieldError::invalid(path, quoted(&q.0), e.to_string())),
                Ok(v) if v < 0 => errs.push(FieldError::invalid(
                    path,
                    quoted(&q.0),
                    "must be greater than or equal to 0",
                )),
                Ok(_) => {}
            }
        }
        errs
    }
}

impl Schema for PersistentVolumeClaim {
    fn apply_defaults(&mut self, ctx: &mut Ctx<'_>) {
        let spec = self.spec.get_or_insert_default();
        spec.volume_mode.get_or_insert_with(|| "Filesystem".into());
        if spec.storage_class_name.is_none() {
            spec.storage_class_name = default_storage_class(ctx.store);
        }
        let finalizers = self.metadata.finalizers.get_or_insert_default();
        if !finalizers
            .iter()
            .any(|f| f == "kubernetes.io/pvc-protection")
        {
            finalizers.push("kubernetes.io/pvc-protection".into());
        }
        self.status
            .get_or_insert_with(|| PersistentVolumeClaimStatus {
                phase: Some("Pending".into()),
                ..Default::default()
            });
    }
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
    fn validate(&self, old: Option<&Self>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let spec = self.spec.clone().unwrap_or_default();
        if spec.access_modes.as_ref().is_none_or(Vec::is_empty) {
            errs.push(FieldError::required(
                "spec.accessModes",
                "at least 1 access mode is required",
            ));
        }
        if spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .is_none()
        {
            errs.push(FieldError::required("spec.resources[storage]", ""));
        }
        if let Some(old) = old {
            let mut a = old.spec.clone().unwrap_or_default();
            let mut b = spec;
            a.resources = None;
            b.resources = None;
            if a != b {
                errs.push(FieldError::forbidden(
                    "spec",
                    "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
                ));
            }
        }
        errs
    }
}

/// The StorageClass annotated as the cluster default, as the DefaultStorageClass plugin picks it.
pub fn default_storage_class(store: &Store) -> Option<String> {
    store
        .list::<StorageClass>()
        .find(|sc| {
            sc.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("storageclass.kubernetes.io/is-default-class"))
                .is_some_and(|v| v == "true")
        })
        .and_then(|sc| sc.metadata.name.clone())
}

impl Schema for Service {
    fn tracks_generation() -> bool {
        false
    }
    fn validate_name(name: &str) -> Vec<String> {
        names::validate_dns1035(name)
    }
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
    fn apply_defaults(&mut self, ctx: &mut Ctx<'_>) {
        let spec = self.spec.get_or_insert_default();
        let type_ = spec.type_.get_or_insert_with(|| "ClusterIP".into()).clone();
        spec.session_affinity.get_or_insert_with(|| "None".into());
        for port in spec.ports.iter_mut().flatten() {
            port.protocol.get_or_insert_with(|| "TCP".into());
            if port.target_port.is_none() {
                port.target_port = Some(IntOrString::Int(port.port));
            }
        }
        if type_ != "ExternalName" {
            if spec.cluster_ip.is_none() {
                spec.cluster_ip = Some(allocate_cluster_ip(ctx));
            }
            let ip = spec.cluster_ip.clone().unwrap_or_default();
            spec.cluster_ips.get_or_insert_with(|| vec![ip]);
            spec.ip_families.get_or_insert_with(|| vec!["IPv4".into()]);
            spec.ip_family_policy
                .get_or_insert_with(|| "SingleStack".into());
            spec.internal_traffic_policy
                .get_or_insert_with(|| "Cluster".into());
        }
        if type_ == "NodePort" || type_ == "LoadBalancer" {
            spec.external_traffic_policy
                .get_or_insert_with(|| "Cluster".into());
            for port in spec.ports.iter_mut().flatten() {
                if port.node_port.is_none() {
                    port.node_port = Some(ctx.rng.random_range(30000..32768));
                }
            }
        }
        self.status.get_or_insert_with(|| ServiceStatus {
            load_balancer: Some(LoadBalancerStatus::default()),
            ..Default::default()
        });
    }
    fn validate(&self, old: Option<&Self>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let spec = self.spec.clone().unwrap_or_default();
        let ports = spec.ports.clone().unwrap_or_default();
        if ports.is_empty()
            && spec.cluster_ip.as_deref() != Some("None")
            && spec.type_.as_deref() != Some("ExternalName")
        {
            errs.push(FieldError::required("spec.ports", ""));
        }
        for (i, p) in ports.iter().enumerate() {
            if !(1..=65535).contains(&p.port) {
                errs.push(FieldError::invalid(
                    format!("spec.ports[{i}].port"),
                    p.port.to_string(),
                    "must be between 1 and 65535, inclusive",
                ));
            }
            if ports.len() > 1 && p.name.as_deref().unwrap_or("").is_empty() {
                errs.push(FieldError::required(format!("spec.ports[{i}].name"), ""));
            }
        }
        if let Some(t) = spec.type_.as_deref()
            && !["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"].contains(&t)
        {
            errs.push(FieldError::unsupported(
                "spec.type",
                quoted(t),
                &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
            ));
        }
        if let Some(old) = old {
            let before = old.spec.as_ref().and_then(|s| s.cluster_ip.clone());
            if spec.cluster_ip.is_some() && spec.cluster_ip != before {
                errs.push(FieldError::invalid(
                    "spec.clusterIPs[0]",
                    format!(
                        "[]string{{{:?}}}",
                        spec.cluster_ip.clone().unwrap_or_default()
                    ),
                    "may not change once set",
                ));
            }
        }
        errs
    }
}

fn allocate_cluster_ip(ctx: &mut Ctx<'_>) -> String {
    let taken: std::collections::BTreeSet<String> = ctx
        .store
        .list::<Service>()
        .filter_map(|s| s.spec.as_ref()?.cluster_ip.clone())
        .collect();
    loop {
        // 10.96.0.0/16, avoiding .0.0, .0.1 (kubernetes) and .0.10 (kube-dns).
        let n: u32 = ctx.rng.random_range(256..65534);
        let ip = format!("10.96.{}.{}", n / 256, n % 256);
        if !taken.contains(&ip) {
            return ip;
        }
    }
}

impl Schema for Pod {
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
    fn apply_defaults(&mut self, ctx: &mut Ctx<'_>) {
        let spec = self.spec.get_or_insert_default();
        default_pod_spec(spec);
        spec.enable_service_links.get_or_insert(true);
        // ServiceAccount admission.
        spec.service_account_name
            .get_or_insert_with(|| "default".into());
        spec.service_account = spec.service_account_name.clone();
        if spec.automount_service_account_token != Some(false) {
            mount_service_account_token(spec, ctx);
        }
        // Priority admission.
        spec.priority.get_or_insert(0);
        spec.preemption_policy
            .get_or_insert_with(|| "PreemptLowerPriority".into());
        // DefaultTolerationSeconds admission.
        let tolerations = spec.tolerations.get_or_insert_default();
        for key in [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable",
        ] {
            if !tolerations.iter().any(|t| t.key.as_deref() == Some(key)) {
                tolerations.push(Toleration {
                    key: Some(key.into()),
                    operator: Some("Exists".into()),
                    effect: Some("NoExecute".into()),
                    toleration_seconds: Some(300),
                    ..Default::default()
                });
            }
        }
        let qos = qos_class(spec);
        let status = self.status.get_or_insert_with(PodStatus::default);
        status.phase.get_or_insert_with(|| "Pending".into());
        status.qos_class = Some(qos.into());
    }
    fn validate(&self, old: Option<&Self>) -> Vec<FieldError> {
        let spec = self.spec.clone().unwrap_or_default();
        let mut errs = validate_pod_spec(&spec, "spec");
        if let Some(old) = old {
            let mut before = old.spec.clone().unwrap_or_default();
            let after = spec;
            // Only images, activeDeadlineSeconds, tolerations and the grace period may change.
            for (b, a) in before.containers.iter_mut().zip(&after.containers) {
                b.image = a.image.clone();
            }
            before.active_deadline_seconds = after.active_deadline_seconds;
            before.tolerations = after.tolerations.clone();
            before.termination_grace_period_seconds = after.termination_grace_period_seconds;
            if before != after {
                errs.push(FieldError::forbidden(
                    "spec",
                    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
                ));
            }
        }
        errs
    }
}

fn mount_service_account_token(spec: &mut PodSpec, ctx: &mut Ctx<'_>) {
    const MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";
    let volumes = spec.volumes.get_or_insert_default();
    let name = match volumes
        .iter()
        .find(|v| v.name.starts_with("kube-api-access-"))
    {
        Some(v) => v.name.clone(),
        None => {
            let mut next = || ctx.rng.next_u64_value();
            let name = format!("kube-api-access-{}", names::random_suffix(&mut next));
            volumes.push(Volume {
                name: name.clone(),
                projected: Some(ProjectedVolumeSource {
                    default_mode: Some(420),
                    sources: Some(vec![
                        VolumeProjection {
                            service_account_token: Some(ServiceAccountTokenProjection {
                                expiration_seconds: Some(3607),
                                path: "token".into(),
                                ..Default::default()
                            }),
                            ..Default::default()
                        },
                        VolumeProjection {
                            config_map: Some(ConfigMapProjection {
                                name: "kube-root-ca.crt".into(),
                                items: Some(vec![KeyToPath {
                                    key: "ca.crt".into(),
                                    path: "ca.crt".into(),
                                    mode: None,
                                }]),
                                optional: None,
                            }),
                            ..Default::default()
                        },
                        VolumeProjection {
                            downward_api: Some(DownwardAPIProjection {
                                items: Some(vec![DownwardAPIVolumeFile {
                                    field_ref: Some(ObjectFieldSelector {
                                        api_version: Some("v1".into()),
                                        field_path: "metadata.namespace".into(),
                                    }),
                                    path: "namespace".into(),
                                    ..Default::default()
                                }]),
                            }),
                            ..Default::default()
                        },
                    ]),
                }),
                ..Default::default()
            });
            name
        }
    };
    for c in &mut spec.containers {
        let mounts = c.volume_mounts.get_or_insert_default();
        if !mounts.iter().any(|m| m.mount_path == MOUNT_PATH) {
            mounts.push(VolumeMount {
                name: name.clone(),
                mount_path: MOUNT_PATH.into(),
                read_only: Some(true),
                ..Default::default()
            });
        }
    }
}

/// Small helper so `names::random_suffix` can draw from the cluster RNG.
trait NextU64 {
    fn next_u64_value(&mut self) -> u64;
}

impl NextU64 for ChaCha8Rng {
    fn next_u64_value(&mut self) -> u64 {
        self.random()
    }
}

/// `SetDefaults_PodSpec` and `SetDefaults_Container`: what every pod spec and pod template gets.
pub fn default_pod_spec(spec: &mut PodSpec) {
    spec.dns_policy.get_or_insert_with(|| "ClusterFirst".into());
    spec.restart_policy.get_or_insert_with(|| "Always".into());
    spec.scheduler_name
        .get_or_insert_with(|| "default-scheduler".into());
    spec.security_context
        .get_or_insert_with(PodSecurityContext::default);
    spec.termination_grace_period_seconds.get_or_insert(30);
    for c in spec
        .containers
        .iter_mut()
        .chain(spec.init_containers.iter_mut().flatten())
    {
        default_container(c);
    }
    for v in spec.volumes.iter_mut().flatten() {
        if let Some(cm) = v.config_map.as_mut() {
            cm.default_mode.get_or_insert(420);
        }
        if let Some(s) = v.secret.as_mut() {
            s.default_mode.get_or_insert(420);
        }
    }
}

fn default_container(c: &mut Container) {
    c.termination_message_path
        .get_or_insert_with(|| "/dev/termination-log".into());
    c.termination_message_policy
        .get_or_insert_with(|| "File".into());
    if c.image_pull_policy.is_none() {
        let image = c.image.as_deref().unwrap_or("");
        let tag = image_tag(image);
        let always = tag.is_none_or(|t| t == "latest") && !image.contains('@');
        c.image_pull_policy = Some(if always { "Always" } else { "IfNotPresent" }.into());
    }
    let resources = c
        .resources
        .get_or_insert_with(ResourceRequirements::default);
    // Requests default to limits when only limits are given.
    if let Some(limits) = resources.limits.clone() {
        let requests = resources.requests.get_or_insert_with(BTreeMap::new);
        for (k, v) in limits {
            requests.entry(k).or_insert(v);
        }
    }
    for p in c.ports.iter_mut().flatten() {
        p.protocol.get_or_insert_with(|| "TCP".into());
    }
    for probe in [
        &mut c.liveness_probe,
        &mut c.readiness_probe,
        &mut c.startup_probe,
    ]
    .into_iter()
    .flatten()
    {
        default_probe(probe);
    }
    for e in c.env.iter_mut().flatten() {
        if let Some(fr) = e.value_from.as_mut().and_then(|vf| vf.field_ref.as_mut()) {
            fr.api_version.get_or_insert_with(|| "v1".into());
        }
    }
}

fn default_probe(p: &mut Probe) {
    p.timeout_seconds.get_or_insert(1);
    p.period_seconds.get_or_insert(10);
    p.success_threshold.get_or_insert(1);
    p.failure_threshold.get_or_insert(3);
    if let Some(h) = p.http_get.as_mut() {
        h.scheme.get_or_insert_with(|| "HTTP".into());
        h.path.get_or_insert_with(|| "/".into());
    }
}

/// The tag of an image reference, if it names one (`nginx:1.25` -> `1.25`).
pub fn image_tag(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split_once(':').map(|(_, t)| t)
}

/// The pod's QoS class from its containers' requests and limits.
pub fn qos_class(spec: &PodSpec) -> &'static str {
    let mut any_set = false;
    let mut guaranteed = true;
    for c in &spec.containers {
        let r = c.resources.clone().unwrap_or_default();
        let requests = r.requests.unwrap_or_default();
        let limits = r.limits.unwrap_or_default();
        if !requests.is_empty() || !limits.is_empty() {
            any_set = true;
        }
        for res in ["cpu", "memory"] {
            match (requests.get(res), limits.get(res)) {
                (Some(req), Some(lim))
                    if quantity::parse_milli(&req.0) == quantity::parse_milli(&lim.0) => {}
                (None, Some(_)) => {}
                _ => guaranteed = false,
            }
        }
    }
    if !any_set {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

/// Validation of a pod spec (pods and templates), with field paths under `path`.
pub fn validate_pod_spec(spec: &PodSpec, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if spec.containers.is_empty() {
        errs.push(FieldError::required(format!("{path}.containers"), ""));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, c) in spec.containers.iter().enumerate() {
        let cpath = format!("{path}.containers[{i}]");
        for msg in names::validate_label(&c.name) {
            errs.push(FieldError::invalid(
                format!("{cpath}.name"),
                quoted(&c.name),
                msg,
            ));
        }
        if !seen.insert(c.name.clone()) {
            errs.push(FieldError::duplicate(
                format!("{cpath}.name"),
                quoted(&c.name),
            ));
        }
        if c.image.as_deref().is_none_or(|i| i.trim().is_empty()) {
            errs.push(FieldError::required(format!("{cpath}.image"), ""));
        }
        errs.extend(validate_resources(
            c.resources.as_ref(),
            &format!("{cpath}.resources"),
        ));
        for (j, p) in c.ports.iter().flatten().enumerate() {
            if !(1..=65535).contains(&p.container_port) {
                errs.push(FieldError::invalid(
                    format!("{cpath}.ports[{j}].containerPort"),
                    p.container_port.to_string(),
                    "must be between 1 and 65535, inclusive",
                ));
            }
        }
        if let Some(policy) = c.image_pull_policy.as_deref()
            && !["Always", "IfNotPresent", "Never"].contains(&policy)
        {
            errs.push(FieldError::unsupported(
                format!("{cpath}.imagePullPolicy"),
                quoted(policy),
                &["Always", "IfNotPresent", "Never"],
            ));
        }
    }
    if let Some(policy) = spec.restart_policy.as_deref()
        && !["Always", "OnFailure", "Never"].contains(&policy)
    {
        errs.push(FieldError::unsupported(
            format!("{path}.restartPolicy"),
            quoted(policy),
            &["Always", "OnFailure", "Never"],
        ));
    }
    errs
}

fn validate_resources(r: Option<&ResourceRequirements>, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let Some(r) = r else { return errs };
    let limits = r.limits.clone().unwrap_or_default();
    let requests = r.requests.clone().unwrap_or_default();
    for (section, map) in [("limits", &limits), ("requests", &requests)] {
        for (name, q) in map.iter() {
            match quantity::parse_milli(&q.0) {
                Err(e) => errs.push(FieldError::invalid(
                    format!("{path}.{section}[{name}]"),
                    quoted(&q.0),
                    e.to_string(),
                )),
                Ok(v) if v < 0 => errs.push(FieldError::invalid(
                    format!("{path}.{section}[{name}]"),
                    quoted(&q.0),
                    "must be greater than or equal to 0",
                )),
                Ok(_) => {}
            }
        }
    }
    for (name, req) in &requests {
        let Some(lim) = limits.get(name) else {
            continue;
        };
        if let (Ok(rq), Ok(lm)) = (quantity::parse_milli(&req.0), quantity::parse_milli(&lim.0))
            && rq > lm
        {
            errs.push(FieldError::invalid(
                format!("{path}.requests"),
                quoted(&req.0),
                format!("must be less than or equal to {name} limit of {}", lim.0),
            ));
        }
    }
    errs
}

fn validate_template(
    template: &PodTemplateSpec,
    selector_labels: Option<&BTreeMap<String, String>>,
    path: &str,
) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let labels = template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.clone())
        .unwrap_or_default();
    if let Some(sel) = selector_labels
        && !sel.iter().all(|(k, v)| labels.get(k) == Some(v))
    {
        errs.push(FieldError::invalid(
            format!("{path}.metadata.labels"),
            format!(
                "map[string]string{{{}}}",
                labels
                    .iter()
                    .map(|(k, v)| format!("{k:?}:{v:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "`selector` does not match template `labels`",
        ));
    }
    if let Some(spec) = template.spec.as_ref() {
        errs.extend(validate_pod_spec(spec, &format!("{path}.spec")));
        if let Some(policy) = spec.restart_policy.as_deref()
            && policy != "Always"
        {
            errs.push(FieldError::unsupported(
                format!("{path}.spec.restartPolicy"),
                quoted(policy),
                &["Always"],
            ));
        }
    } else {
        errs.push(FieldError::required(format!("{path}.spec.containers"), ""));
    }
    errs
}

fn validate_replicas(replicas: Option<i32>, path: &str) -> Option<FieldError> {
    replicas
        .filter(|r| *r < 0)
        .map(|r| FieldError::invalid(path, r.to_string(), "must be greater than or equal to 0"))
}

fn selector_immutable<T: PartialEq + std::fmt::Debug>(
    old: Option<&T>,
    new: Option<&T>,
) -> Option<FieldError> {
    (old != new)
        .then(|| FieldError::invalid("spec.selector", format!("{new:?}"), "field is immutable"))
}

fn default_template(template: &mut PodTemplateSpec) {
    default_pod_spec(template.spec.get_or_insert_default());
}

impl Schema for Deployment {
    fn tracks_generation() -> bool {
        true
    }
    fn same_spec(a: &Self, b: &Self) -> bool {
        a.spec == b.spec
    }
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {
        let spec = self.spec.get_or_insert_default();
        spec.replicas.get_or_insert(1);
        spec.revision_history_limit.get_or_insert(10);
        spec.progress_deadline_seconds.get_or_insert(600);
        let strategy = spec
            .strategy
            .get_or_insert_with(DeploymentStrategy::default);
        let type_ = strategy
            .type_
            .get_or_insert_with(|| "RollingUpdate".into())
            .clone();
        if type_ == "RollingUpdate" {
            let ru = strategy
                .rolling_update
                .get_or_insert_with(RollingUpdateDeployment::default);
            ru.max_surge
                .get_or_insert_with(|| IntOrString::String("25%".into()));
            ru.max_unavailable
                .get_or_insert_with(|| IntOrString::String("25%".into()));
        }
        default_template(&mut spec.template);
    }
    fn validate(&self, old: Option<&Self>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let spec = self.spec.clone().unwrap_or_default();
        errs.extend(validate_replicas(spec.replicas, "spec.replicas"));
        let sel = spec.selector.match_labels.as_ref();
        if sel.is_none_or(BTreeMap::is_empty) && spec.selector.match_expressions.is_none() {
            errs.push(FieldError::required("spec.selector", ""));
        }
        errs.extend(validate_template(&spec.template, sel, "spec.template"));
        if let Some(ru) = spec
            .strategy
            .as_ref()
            .and_then(|s| s.rolling_update.as_ref())
        {
            let zero = |v: &Option<IntOrString>| match v {
                Some(IntOrString::Int(0)) => true,
                Some(IntOrString::String(s)) => s == "0%" || s == "0",
                _ => false,
            };
            if zero(&ru.max_surge) && zero(&ru.max_unavailable) {
                errs.push(FieldError::invalid(
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    "0",
                    "may not be 0 when `maxSurge` is 0",
                ));
            }
        }
        if let Some(old) = old {
            errs.extend(selector_immutable(
                old.spec.as_ref().map(|s| &s.selector),
                self.spec.as_ref().map(|s| &s.selector),
            ));
        }
        errs
    }
}

impl Schema for ReplicaSet {
    fn tracks_generation() -> bool {
        true
    }
    fn same_spec(a: &Self, b: &Self) -> bool {
        a.spec == b.spec
    }
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {
        let spec = self.spec.get_or_insert_default();
        spec.replicas.get_or_insert(1);
        if let Some(t) = spec.template.as_mut() {
            default_template(t);
        }
    }
    fn validate(&self, old: Option<&Self>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let spec = self.spec.clone().unwrap_or_default();
        errs.extend(validate_replicas(spec.replicas, "spec.replicas"));
        if let Some(t) = spec.template.as_ref() {
            errs.extend(validate_template(
                t,
                spec.selector.match_labels.as_ref(),
                "spec.template",
            ));
        }
        if let Some(old) = old {
            errs.extend(selector_immutable(
                old.spec.as_ref().map(|s| &s.selector),
                self.spec.as_ref().map(|s| &s.selector),
            ));
        }
        errs
    }
}

impl Schema for StatefulSet {
    fn tracks_generation() -> bool {
        true
    }
    fn same_spec(a: &Self, b: &Self) -> bool {
        a.spec == b.spec
    }
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {
        let spec = self.spec.get_or_insert_default();
        spec.replicas.get_or_insert(1);
        spec.pod_management_policy
            .get_or_insert_with(|| "OrderedReady".into());
        spec.revision_history_limit.get_or_insert(10);
        let us = spec
            .update_strategy
            .get_or_insert_with(StatefulSetUpdateStrategy::default);
        if us.type_.get_or_insert_with(|| "RollingUpdate".into()) == "RollingUpdate" {
            us.rolling_update
                .get_or_insert_with(RollingUpdateStatefulSetStrategy::default)
                .partition
                .get_or_insert(0);
        }
        spec.persistent_volume_claim_retention_policy
            .get_or_insert_with(|| StatefulSetPersistentVolumeClaimRetentionPolicy {
                when_deleted: Some("Retain".into()),
                when_scaled: Some("Retain".into()),
            });
        for pvc in spec.volume_claim_templates.iter_mut().flatten() {
            pvc.spec
                .get_or_insert_default()
                .volume_mode
                .get_or_insert_with(|| "Filesystem".into());
            pvc.status
                .get_or_insert_with(|| PersistentVolumeClaimStatus {
                    phase: Some("Pending".into()),
                    ..Default::default()
                });
        }
        default_template(&mut spec.template);
    }
    fn validate(&self, old: Option<&Self>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let spec = self.spec.clone().unwrap_or_default();
        errs.extend(validate_replicas(spec.replicas, "spec.replicas"));
        errs.extend(validate_template(
            &spec.template,
            spec.selector.match_labels.as_ref(),
            "spec.template",
        ));
        if let Some(old) = old {
            let mut a = old.spec.clone().unwrap_or_default();
            let mut b = spec;
            for s in [&mut a, &mut b] {
                s.replicas = None;
                s.ordinals = None;
                s.template = Default::default();
                s.update_strategy = None;
                s.persistent_volume_claim_retention_policy = None;
                s.min_ready_seconds = None;
            }
            if a != b {
                errs.push(FieldError::forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                ));
            }
        }
        errs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

    fn container(req: &str, lim: &str) -> Container {
        Container {
            name: "app".into(),
            image: Some("nginx:1.25".into()),
            resources: Some(ResourceRequirements {
                requests: Some([("memory".to_string(), Quantity(req.into()))].into()),
                limits: Some([("memory".to_string(), Quantity(lim.into()))].into()),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn limit_below_request_is_rejected_with_the_api_server_message() {
        let spec = PodSpec {
            containers: vec![container("64Mi", "4Mi")],
            ..Default::default()
        };
        let errs = validate_pod_spec(&spec, "spec.template.spec");
        assert_eq!(errs.len(), 1);
        assert_eq!(
            errs[0].to_string(),
            "spec.template.spec.containers[0].resources.requests: Invalid value: \"64Mi\": must be less than or equal to memory limit of 4Mi"
        );
        let ok = PodSpec {
            containers: vec![container("4Mi", "4Mi")],
            ..Default::default()
        };
        assert!(validate_pod_spec(&ok, "spec").is_empty());
    }

    #[test]
    fn defaults_pull_policy_from_the_tag() {
        for (image, policy) in [
            ("nginx", "Always"),
            ("nginx:latest", "Always"),
            ("nginx:1.25", "IfNotPresent"),
            ("registry:5000/x", "Always"),
        ] {
            let mut c = Container {
                name: "c".into(),
                image: Some(image.into()),
                ..Default::default()
            };
            default_container(&mut c);
            assert_eq!(c.image_pull_policy.as_deref(), Some(policy), "{image}");
        }
    }

    #[test]
    fn qos_classes() {
        let mut spec = PodSpec {
            containers: vec![container("64Mi", "128Mi")],
            ..Default::default()
        };
        assert_eq!(qos_class(&spec), "Burstable");
        spec.containers[0] = container("64Mi", "64Mi");
        assert_eq!(
            qos_class(&spec),
            "Burstable",
            "cpu is not set, so not Guaranteed"
        );
        spec.containers[0].resources = None;
        assert_eq!(qos_class(&spec), "BestEffort");
    }
}
