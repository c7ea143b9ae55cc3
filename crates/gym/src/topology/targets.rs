//! Where each mechanism applies: from a workload's shape (its kind, the program its image runs,
//! its probes, what it reads and who reads it), every place where the catalogue's `apply`
//! accepts the fault and its symptom shows. The rules mirror `apply` and `symptom_shows` in the
//! catalogue; the topology tests inject a sample of each to keep them honest.

use std::collections::BTreeMap;
use std::time::Duration;

use cluster::Cluster;
use cluster::apps::{App, Program};
use cluster::k8s_openapi::api::apps::v1::StatefulSet;
use cluster::k8s_openapi::api::core::v1::{
    ConfigMap, Container, PodTemplateSpec, Probe, Secret, Service,
};
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::graph::{backends, host_values, services_named, templates};
use crate::catalogue::{CatalogueFault, Mechanism, Workload, WorkloadKind};

/// A liveness probe kills a program that takes at least this long to start when the fault sets
/// its first check at one second.
const AGGRESSIVE_PROBE: Duration = Duration::from_secs(1);

/// One workload as the rules see it.
struct Shape<'a> {
    w: Workload,
    template: &'a PodTemplateSpec,
    replicas: i32,
    container: &'a Container,
    program: Program,
}

impl Shape<'_> {
    fn deployment(&self) -> bool {
        self.w.kind == WorkloadKind::Deployment
    }

    fn listens(&self, port: u16) -> bool {
        self.program.ports.contains(&port)
    }

    fn probe_port(&self, port: &IntOrString) -> Option<u16> {
        match port {
            IntOrString::Int(n) => u16::try_from(*n).ok(),
            IntOrString::String(name) => self
                .container
                .ports
                .iter()
                .flatten()
                .find(|p| p.name.as_deref() == Some(name))
                .and_then(|p| u16::try_from(p.container_port).ok()),
        }
    }

    /// (port, path) of an HTTP probe.
    fn http(&self, probe: Option<&Probe>) -> Option<(u16, String)> {
        let h = probe?.http_get.as_ref()?;
        Some((
            self.probe_port(&h.port)?,
            h.path.clone().unwrap_or_else(|| "/".into()),
        ))
    }

    /// Whether readiness follows the program's upstreams and database login.
    fn ready_follows_upstreams(&self) -> bool {
        self.program.app == App::Microservice
            && self
                .http(self.container.readiness_probe.as_ref())
                .is_some_and(|(port, path)| {
                    self.listens(port) && matches!(path.as_str(), "/ready" | "/readyz")
                })
    }

    fn env_value(&self, name: &str) -> Option<&str> {
        self.container
            .env
            .iter()
            .flatten()
            .find(|e| e.name == name)
            .and_then(|e| e.value.as_deref())
    }

    fn has_env(&self, name: &str) -> bool {
        self.container.env.iter().flatten().any(|e| e.name == name)
    }

    /// The StatefulSet a literal `DATABASE_URL` points at, as (namespace, name).
    fn database(&self, c: &Cluster) -> Option<(String, String)> {
        let url = self.env_value("DATABASE_URL")?;
        let host = cluster::apps::parse_url(url)?.host;
        let mut parts = host.split('.');
        let name = parts.next()?.to_string();
        let ns = parts
            .next()
            .map_or_else(|| self.w.namespace.clone(), str::to_string);
        c.get::<StatefulSet>(&ns, &name).ok()?;
        Some((ns, name))
    }

    fn referenced_secrets(&self) -> impl Iterator<Item = &str> {
        let keyed = self
            .container
            .env
            .iter()
            .flatten()
            .filter_map(|e| e.value_from.as_ref()?.secret_key_ref.as_ref())
            .map(|r| r.name.as_str());
        let whole = self
            .container
            .env_from
            .iter()
            .flatten()
            .filter_map(|e| e.secret_ref.as_ref())
            .map(|r| r.name.as_str());
        keyed.chain(whole)
    }
}

/// The environment a container starts with, from literals, ConfigMaps and Secrets (without
/// `$(VAR)` expansion: the rules need ports, sizes and hosts only).
fn resolved_env(c: &Cluster, ns: &str, container: &Container) -> BTreeMap<String, String> {
    let secret_value = |name: &str, key: &str| {
        c.get::<Secret>(ns, name).ok().and_then(|s| {
            s.data
                .as_ref()?
                .get(key)
                .map(|v| String::from_utf8_lossy(&v.0).into_owned())
        })
    };
    let mut env = BTreeMap::new();
    for from in container.env_from.iter().flatten() {
        if let Some(r) = &from.config_map_ref
            && let Ok(m) = c.get::<ConfigMap>(ns, &r.name)
        {
            env.extend(m.data.iter().flatten().map(|(k, v)| (k.clone(), v.clone())));
        }
        if let Some(r) = &from.secret_ref
            && let Ok(s) = c.get::<Secret>(ns, &r.name)
        {
            env.extend(
                s.data
                    .iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), String::from_utf8_lossy(&v.0).into_owned())),
            );
        }
    }
    for e in container.env.iter().flatten() {
        let value = match (&e.value, &e.value_from) {
            (Some(v), _) => Some(v.clone()),
            (None, Some(from)) => {
                if let Some(r) = &from.secret_key_ref {
                    secret_value(&r.name, &r.key)
                } else if let Some(r) = &from.config_map_key_ref {
                    c.get::<ConfigMap>(ns, &r.name)
                        .ok()
                        .and_then(|m| m.data.as_ref()?.get(&r.key).cloned())
                } else {
                    None
                }
            }
            (None, None) => Some(String::new()),
        };
        if let Some(v) = value {
            env.insert(e.name.clone(), v);
        }
    }
    env
}

fn shapes(c: &Cluster) -> Vec<Shape<'_>> {
    templates(c)
        .into_iter()
        .filter_map(|(w, template, replicas)| {
            let container = template.spec.as_ref()?.containers.first()?;
            let env = resolved_env(c, &w.namespace, container);
            Some(Shape {
                program: Program::for_container(container, env),
                w,
                template,
                replicas,
                container,
            })
        })
        .collect()
}

/// Every fault of `mechanism` that applies to a workload of `cluster` and shows its symptom,
/// ordered by namespace and name. System namespaces are left out.
pub fn fault_targets_in(c: &Cluster, mechanism: Mechanism) -> Vec<CatalogueFault> {
    let all = templates(c);
    let shapes = shapes(c);
    shapes
        .iter()
        .filter(|s| s.replicas > 0 && applies(c, &all, &shapes, mechanism, s))
        .map(|s| CatalogueFault {
            mechanism,
            namespace: s.w.namespace.clone(),
            workload: s.w.name.clone(),
        })
        .collect()
}

fn applies(
    c: &Cluster,
    all: &[(Workload, &PodTemplateSpec, i32)],
    shapes: &[Shape<'_>],
    m: Mechanism,
    s: &Shape<'_>,
) -> bool {
    use Mechanism::*;
    let ns = s.w.namespace.as_str();
    let worker = s.program.app == App::DbWorker;
    let same_named_service = || c.get::<Service>(ns, &s.w.name).ok();
    match m {
        FailingCommand | MissingImageTag | ScaledToZero | RegistryRefusesPull => s.deployment(),
        OomLimit => {
            // The limit the fault sets: half the working set the literal environment gives.
            let literal = s
                .container
                .env
                .iter()
                .flatten()
                .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
                .collect();
            let planned = Program::for_container(s.container, literal).memory_steady;
            let limit = (planned / 2 / (1 << 20)).max(1) << 20;
            s.deployment() && s.program.memory_steady > limit
        }
        WrongDatabaseHost | RequiredEnvRemoved => {
            s.deployment() && worker && s.has_env("DATABASE_URL")
        }
        NetworkPolicyCutsDependency | DependencyScaledDown => {
            s.deployment() && worker && s.database(c).is_some()
        }
        RotatedDbCredentials => {
            s.deployment()
                && s.ready_follows_upstreams()
                && s.program.database.is_some()
                && s.database(c).is_some_and(|(db_ns, db)| {
                    let sts = c.get::<StatefulSet>(&db_ns, &db).ok();
                    let secret = sts.as_ref().and_then(|sts| {
                        sts.spec
                            .as_ref()?
                            .template
                            .spec
                            .as_ref()?
                            .containers
                            .iter()
                            .flat_map(|c| c.env_from.iter().flatten())
                            .find_map(|e| e.secret_ref.as_ref().map(|r| r.name.clone()))
                    });
                    secret.is_some_and(|name| {
                        c.get::<Secret>(&db_ns, &name).is_ok_and(|s| {
                            s.data
                                .as_ref()
                                .is_some_and(|d| d.contains_key("POSTGRES_PASSWORD"))
                        })
                    })
                })
        }
        MissingConfigMap => s
            .container
            .env_from
            .iter()
            .flatten()
            .any(|e| e.config_map_ref.is_some()),
        WrongConfigMapValue => {
            if !s.deployment() {
                return false;
            }
            let loaded = s
                .template
                .spec
                .iter()
                .flat_map(|p| p.containers.iter())
                .flat_map(|c| c.env_from.iter().flatten())
                .find_map(|e| Some(e.config_map_ref.as_ref()?.name.clone()));
            match loaded {
                // The first key holding a host is the one broken; it must be one the program
                // reads.
                Some(cm) => {
                    let Ok(map) = c.get::<ConfigMap>(ns, &cm) else {
                        return false;
                    };
                    let first = map
                        .data
                        .iter()
                        .flatten()
                        .find(|(_, v)| v.contains(".svc") || v.contains("://"))
                        .map(|(k, _)| k.as_str());
                    match first {
                        Some("DEPENDS_ON") => s.ready_follows_upstreams(),
                        Some("DATABASE_URL") => worker || s.ready_follows_upstreams(),
                        _ => false,
                    }
                }
                None => {
                    s.env_value("DATABASE_URL").is_some()
                        && (worker || (s.ready_follows_upstreams() && s.program.database.is_some()))
                }
            }
        }
        MissingSecretKey => {
            s.referenced_secrets().next().is_some()
                || (s.has_env("DATABASE_URL")
                    && c.list_in::<Secret>(ns).any(|x| {
                        x.data
                            .as_ref()
                            .is_some_and(|d| d.contains_key("POSTGRES_PASSWORD"))
                    }))
        }
        LivenessWrongPath => {
            s.deployment()
                && s.http(s.container.liveness_probe.as_ref())
                    .is_some_and(|(port, _)| {
                        !matches!(
                            s.program.http_status(port, "/nonexistent", true),
                            Some(200..=399)
                        )
                    })
        }
        LivenessWrongPort => s.http(s.container.liveness_probe.as_ref()).is_some(),
        AggressiveLiveness => {
            s.container.liveness_probe.is_some() && s.program.startup > AGGRESSIVE_PROBE
        }
        ReadinessWrongPort => {
            s.deployment()
                && s.container
                    .readiness_probe
                    .as_ref()
                    .is_some_and(|p| p.http_get.is_some() || p.tcp_socket.is_some())
                && !s.listens(8081)
        }
        BadRollout => s.deployment() && s.http(s.container.liveness_probe.as_ref()).is_some(),
        UnsatisfiableNodeSelector | OversizedRequests | CordonedAndDrained | UntoleratedTaint => {
            true
        }
        ExhaustedQuota => s.deployment(),
        SelectorMatchesNothing => {
            same_named_service().is_some() && backends(c, ns, &s.w.name, all).contains(&s.w)
        }
        WrongTargetPort => {
            let Some(port) =
                same_named_service().and_then(|svc| svc.spec.clone()?.ports?.into_iter().next())
            else {
                return false;
            };
            backends(c, ns, &s.w.name, all).contains(&s.w)
                && shapes_calling(c, shapes, ns, &s.w.name, port.port)
        }
        MissingStorageClass => {
            s.w.kind == WorkloadKind::StatefulSet
                && c.get::<StatefulSet>(ns, &s.w.name).is_ok_and(|sts| {
                    sts.spec
                        .as_ref()
                        .and_then(|spec| spec.volume_claim_templates.as_ref()?.first().cloned())
                        .is_some_and(|t| {
                            t.spec
                                .and_then(|s| s.storage_class_name)
                                .or_else(|| cluster::default_storage_class(c.store()))
                                .is_some()
                        })
                })
        }
    }
}

/// Whether a microservice (in any namespace) whose readiness follows its upstreams calls Service
/// `ns/service` on `port` through `DEPENDS_ON` (the caller the catalogue's WrongTargetPort
/// watches).
fn shapes_calling(c: &Cluster, shapes: &[Shape<'_>], ns: &str, service: &str, port: i32) -> bool {
    shapes.iter().any(|caller| {
        let from = caller.w.namespace.as_str();
        caller.deployment()
            && caller.ready_follows_upstreams()
            && host_values(c, from, caller.container)
                .iter()
                .filter(|(k, _)| k == "DEPENDS_ON")
                .flat_map(|(_, v)| services_named(v, from))
                .any(|(n, svc, p)| n == ns && svc == service && i32::from(p.unwrap_or(80)) == port)
    })
}
