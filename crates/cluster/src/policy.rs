//! Namespaces, storage and quota: the namespace lifecycle (default ServiceAccount and root CA
//! ConfigMap, termination), the PersistentVolumeClaim binder, and ResourceQuota usage with its
//! admission check.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event, Namespace, Node, NodeCondition, PersistentVolumeClaim, Pod,
    ResourceQuota, ResourceQuotaStatus, Secret, Service, ServiceAccount,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::admission::Schema;
use crate::cluster::{Cluster, DeleteOptions, Work, meta};
use crate::error::ApiError;
use crate::events::{EventType, Reporter};
use crate::kubelet::is_terminal;
use crate::quantity;
use crate::store::{Kind, ObjectKey, Stored, ns_name};

/// How long a provisioner takes to create a volume.
const PROVISION_DELAY: Duration = Duration::from_millis(2500);

impl Cluster {
    pub(crate) fn reconcile_namespace(&mut self, name: &str) {
        let Some(ns) = self.store.get::<Namespace>("", name).cloned() else {
            return;
        };
        if ns.metadata.deletion_timestamp.is_none() {
            if self.store.get::<ServiceAccount>(name, "default").is_none() {
                let _ = self.create(ServiceAccount {
                    metadata: meta(name, "default"),
                    ..Default::default()
                });
            }
            if self
                .store
                .get::<ConfigMap>(name, "kube-root-ca.crt")
                .is_none()
            {
                let mut cm = ConfigMap {
                    metadata: meta(name, "kube-root-ca.crt"),
                    ..Default::default()
                };
                cm.metadata.annotations = Some([("kubernetes.io/description".to_string(), "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.".to_string())].into());
                cm.data = Some([("ca.crt".to_string(), SIMULATED_CA.to_string())].into());
                let _ = self.create(cm);
            }
            return;
        }
        // Terminating: delete everything inside, then the namespace itself.
        let opts = DeleteOptions::default();
        self.delete_all_in::<Deployment>(name, opts);
        self.delete_all_in::<StatefulSet>(name, opts);
        self.delete_all_in::<ReplicaSet>(name, opts);
        self.delete_all_in::<Pod>(name, opts);
        self.delete_all_in::<Service>(name, opts);
        self.delete_all_in::<Endpoints>(name, opts);
        self.delete_all_in::<EndpointSlice>(name, opts);
        self.delete_all_in::<Lease>(name, opts);
        self.delete_all_in::<ConfigMap>(name, opts);
        self.delete_all_in::<Secret>(name, opts);
        self.delete_all_in::<ServiceAccount>(name, opts);
        self.delete_all_in::<ResourceQuota>(name, opts);
        self.delete_all_in::<PersistentVolumeClaim>(name, opts);
        self.delete_all_in::<Event>(name, opts);
        let left = self.store.list_in::<Pod>(name).count()
            + self.store.list_in::<PersistentVolumeClaim>(name).count();
        if left == 0 {
            self.remove::<Namespace>("", name);
        } else {
            self.schedule(
                self.now + Duration::from_secs(1),
                Work::Namespace(name.to_string()),
            );
        }
    }

    /// The kubelet's node status: a registered node reports its conditions.
    pub(crate) fn reconcile_node(&mut self, name: &str) {
        let Some(node) = self.store.get::<Node>("", name).cloned() else {
            return;
        };
        self.ensure_node_lease(name);
        if node
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some()
        {
            return;
        }
        let now = self.now.time();
        let condition = |type_: &str, status: &str, reason: &str, message: &str| NodeCondition {
            type_: type_.into(),
            status: status.into(),
            reason: Some(reason.into()),
            message: Some(message.into()),
            last_heartbeat_time: Some(now.clone()),
            last_transition_time: Some(now.clone()),
        };
        let mut updated = (*node).clone();
        updated.status.get_or_insert_default().conditions = Some(vec![
            condition(
                "MemoryPressure",
                "False",
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
            ),
            condition(
                "DiskPressure",
                "False",
                "KubeletHasNoDiskPressure",
                "kubelet has no disk pressure",
            ),
            condition(
                "PIDPressure",
                "False",
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
            ),
            condition(
                "Ready",
                "True",
                "KubeletReady",
                "kubelet is posting ready status",
            ),
        ]);
        self.commit(updated);
    }

    fn delete_all_in<T: Schema>(&mut self, namespace: &str, opts: DeleteOptions) {
        let names: Vec<String> = self
            .store
            .list_in::<T>(namespace)
            .map(|o| ns_name(o.as_ref()).1.to_string())
            .collect();
        for n in names {
            let _ = self.delete::<T>(namespace, &n, opts);
        }
    }

    /// Binds pending claims whose StorageClass provisions immediately, and releases the
    /// protection finalizer of deleted claims no pod uses.
    pub(crate) fn reconcile_claim(&mut self, k: &ObjectKey) {
        let Some(pvc) = self.store.get::<PersistentVolumeClaim>(&k.0, &k.1).cloned() else {
            return;
        };
        if pvc.metadata.deletion_timestamp.is_some() {
            let in_use = self.store.list_in::<Pod>(&k.0).any(|p| {
                !is_terminal(p)
                    && p.spec
                        .iter()
                        .flat_map(|s| s.volumes.iter().flatten())
                        .any(|v| {
                            v.persistent_volume_claim
                                .as_ref()
                                .is_some_and(|c| c.claim_name == k.1)
                        })
            });
            if !in_use {
                self.remove::<PersistentVolumeClaim>(&k.0, &k.1);
            }
            return;
        }
        if pvc.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound") {
            return;
        }
        let class_name = pvc
            .spec
            .as_ref()
            .and_then(|s| s.storage_class_name.clone())
            .unwrap_or_default();
        let reporter = Reporter::Controller("persistentvolume-controller");
        let Some(class) = self.store.get::<StorageClass>("", &class_name).cloned() else {
            let msg = if class_name.is_empty() {
                "no persistent volumes available for this claim and no storage class is set"
                    .to_string()
            } else {
                format!("storageclass.storage.k8s.io \"{class_name}\" not found")
            };
            let reason = if class_name.is_empty() {
                "FailedBinding"
            } else {
                "ProvisioningFailed"
            };
            self.record(
                pvc.as_ref(),
                None,
                EventType::Warning,
                reason,
                msg,
                reporter,
            );
            return;
        };
        if class.volume_binding_mode.as_deref() == Some("WaitForFirstConsumer") {
            let consumer = self.store.list_in::<Pod>(&k.0).any(|p| {
                p.spec
                    .iter()
                    .flat_map(|s| s.volumes.iter().flatten())
                    .any(|v| {
                        v.persistent_volume_claim
                            .as_ref()
                            .is_some_and(|c| c.claim_name == k.1)
                    })
            });
            if !consumer {
                self.record(
                    pvc.as_ref(),
                    None,
                    EventType::Normal,
                    "WaitForFirstConsumer",
                    "waiting for first consumer to be created before binding",
                    reporter,
                );
                return;
            }
        }
        let created = pvc
            .metadata
            .creation_timestamp
            .as_ref()
            .map(crate::time::SimTime::from_time)
            .unwrap_or(self.now);
        let ready_at = created + PROVISION_DELAY;
        let provisioner = class.provisioner.clone();
        if self.now < ready_at {
            // The claim's events are in its namespace.
            let already = self.runtime.events.in_namespace(&k.0).any(|(e, _)| {
                e.starts_with(pvc.metadata.uid.as_deref().unwrap_or("-"))
                    && e.contains("ExternalProvisioning")
            });
            if !already {
                self.record(
                    pvc.as_ref(),
                    None,
                    EventType::Normal,
                    "ExternalProvisioning",
                    format!("Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."),
                    reporter,
                );
                self.record(
                    pvc.as_ref(),
                    None,
                    EventType::Normal,
                    "Provisioning",
                    format!(
                        "External provisioner is provisioning volume for claim \"{}/{}\"",
                        k.0, k.1
                    ),
                    Reporter::Controller("pd.csi.storage.gke.io"),
                );
            }
            self.schedule(ready_at, Work::StorageClaim(k.clone()));
            return;
        }
        let volume = format!("pvc-{}", pvc.metadata.uid.clone().unwrap_or_default());
        let mut bound = (*pvc).clone();
        let ann = bound.metadata.annotations.get_or_insert_default();
        ann.insert("pv.kubernetes.io/bind-completed".into(), "yes".into());
        ann.insert("pv.kubernetes.io/bound-by-controller".into(), "yes".into());
        ann.insert(
            "volume.beta.kubernetes.io/storage-provisioner".into(),
            provisioner.clone(),
        );
        ann.insert(
            "volume.kubernetes.io/storage-provisioner".into(),
            provisioner.clone(),
        );
        let spec = bound.spec.get_or_insert_default();
        spec.volume_name = Some(volume.clone());
        let requested = spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.clone())
            .unwrap_or_default();
        let modes = spec.access_modes.clone();
        let status = bound.status.get_or_insert_default();
        status.phase = Some("Bound".into());
        status.access_modes = modes;
        status.capacity = requested
            .get("storage")
            .map(|q| [("storage".to_string(), q.clone())].into());
        self.commit(bound);
        self.record(
            pvc.as_ref(),
            None,
            EventType::Normal,
            "ProvisioningSucceeded",
            format!("Successfully provisioned volume {volume}"),
            Reporter::Controller("pd.csi.storage.gke.io"),
        );
    }

    pub(crate) fn reconcile_quota(&mut self, k: &ObjectKey) {
        let Some(q) = self.store.get::<ResourceQuota>(&k.0, &k.1).cloned() else {
            return;
        };
        let hard = q
            .spec
            .as_ref()
            .and_then(|s| s.hard.clone())
            .unwrap_or_default();
        let usage = self.namespace_usage(&k.0, None);
        let used: BTreeMap<String, Quantity> = hard
            .keys()
            .map(|r| {
                (
                    r.clone(),
                    format_usage(r, usage.get(r).copied().unwrap_or(0)),
                )
            })
            .collect();
        let mut updated = (*q).clone();
        updated.status = Some(ResourceQuotaStatus {
            hard: Some(hard),
            used: Some(used),
        });
        self.commit_if_changed(updated, &q);
    }

    /// What a namespace uses, in milli-units per quota resource name, plus `extra` (a pod being
    /// admitted).
    fn namespace_usage(&self, namespace: &str, extra: Option<&Pod>) -> BTreeMap<String, i128> {
        let mut usage: BTreeMap<String, i128> = BTreeMap::new();
        let mut add = |k: &str, v: i128| *usage.entry(k.to_string()).or_default() += v;
        let pods = self
            .store
            .list_in::<Pod>(namespace)
            .map(|p| p.as_ref())
            .filter(|p| !is_terminal(p));
        for pod in pods.chain(extra) {
            add("pods", 1000);
            add("count/pods", 1000);
            for c in pod.spec.iter().flat_map(|s| s.containers.iter()) {
                let r = c.resources.clone().unwrap_or_default();
                for (section, map) in [
                    ("requests", r.requests.unwrap_or_default()),
                    ("limits", r.limits.unwrap_or_default()),
                ] {
                    for (res, qty) in map {
                        let v = quantity::parse_milli(&qty.0).unwrap_or(0);
                        add(&format!("{section}.{res}"), v);
                        if section == "requests" {
                            add(&res, v);
                        }
                    }
                }
            }
        }
        add(
            "services",
            1000 * self.store.list_in::<Service>(namespace).count() as i128,
        );
        add(
            "configmaps",
            1000 * self.store.list_in::<ConfigMap>(namespace).count() as i128,
        );
        add(
            "secrets",
            1000 * self.store.list_in::<Secret>(namespace).count() as i128,
        );
        add(
            "persistentvolumeclaims",
            1000 * self
                .store
                .list_in::<PersistentVolumeClaim>(namespace)
                .count() as i128,
        );
        usage
    }

    /// Admission plugins that look at other objects: ResourceQuota for pods.
    pub(crate) fn admit<T: Stored>(
        &self,
        obj: &T,
        namespace: &str,
        name: &str,
    ) -> Result<(), ApiError> {
        if T::OBJECT_KIND != Kind::Pod {
            return Ok(());
        }
        let Some(pod) = (obj as &dyn std::any::Any).downcast_ref::<Pod>() else {
            return Ok(());
        };
        let display = name;
        let quotas: Vec<Arc<ResourceQuota>> = self
            .store
            .list_in::<ResourceQuota>(namespace)
            .cloned()
            .collect();
        if quotas.is_empty() {
            return Ok(());
        }
        let usage = self.namespace_usage(namespace, None);
        let with_pod = self.namespace_usage(namespace, Some(pod));
        for q in &quotas {
            let qname = q.metadata.name.clone().unwrap_or_default();
            let hard = q
                .spec
                .as_ref()
                .and_then(|s| s.hard.clone())
                .unwrap_or_default();
            // Compute resources the quota tracks must be set on every container.
            let mut missing = Vec::new();
            for res in hard.keys().filter(|r| {
                r.starts_with("requests.")
                    || r.starts_with("limits.")
                    || *r == "cpu"
                    || *r == "memory"
            }) {
                let (section, resource) = res.split_once('.').unwrap_or(("requests", res));
                let all_set = pod.spec.iter().flat_map(|s| s.containers.iter()).all(|c| {
                    let r = c.resources.clone().unwrap_or_default();
                    let map = if section == "limits" {
                        r.limits
                    } else {
                        r.requests
                    };
                    map.is_some_and(|m| m.contains_key(resource))
                });
                if !all_set {
                    missing.push(res.clone());
                }
            }
            if !missing.is_empty() {
                return Err(ApiError::forbidden(
                    Kind::Pod,
                    display,
                    &format!("failed quota: {qname}: must specify {}", missing.join(",")),
                ));
            }
            let mut requested = Vec::new();
            let mut used = Vec::new();
            let mut limited = Vec::new();
            for (res, limit) in &hard {
                let Ok(limit_v) = quantity::parse_milli(&limit.0) else {
                    continue;
                };
                let after = with_pod.get(res).copied().unwrap_or(0);
                let before = usage.get(res).copied().unwrap_or(0);
                if after > before && after > limit_v {
                    requested.push(format!("{res}={}", format_usage(res, after - before).0));
                    used.push(format!("{res}={}", format_usage(res, before).0));
                    limited.push(format!("{res}={}", limit.0));
                }
            }
            if !requested.is_empty() {
                return Err(ApiError::forbidden(
                    Kind::Pod,
                    display,
                    &format!(
                        "exceeded quota: {qname}, requested: {}, used: {}, limited: {}",
                        requested.join(","),
                        used.join(","),
                        limited.join(",")
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn format_usage(resource: &str, milli: i128) -> Quantity {
    let memory_like = resource.contains("memory") || resource.contains("storage");
    let cpu_like = resource.contains("cpu");
    Quantity(if memory_like {
        quantity::format_bytes((milli / 1000) as i64)
    } else if cpu_like {
        quantity::format_cpu(milli as i64)
    } else {
        (milli / 1000).to_string()
    })
}

/// The CA bundle every namespace's `kube-root-ca.crt` carries (a fixed, simulated certificate).
const SIMULATED_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\ncm5ldGVzMB4XDTI2MDEwNTA5MDAwMFoXDTM2MDEwMzA5MDAwMFowFTETMBEGA1UE\nAxMKa3ViZXJuZXRlczCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAMvK\n-----END CERTIFICATE-----\n";
