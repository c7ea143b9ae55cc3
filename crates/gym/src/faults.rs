//! Basic faults: each is a change to a Deployment's spec that the cluster's controllers and
//! application models turn into symptoms.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use cluster::Cluster;
use cluster::apps::Program;
use cluster::k8s_openapi::api::apps::v1::Deployment;
use cluster::k8s_openapi::api::core::v1::Container;
use cluster::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Memory limit (and request) below the application's working set: OOMKilled.
    Oom,
    /// A tag that does not exist: ErrImagePull, then ImagePullBackOff.
    Image,
    /// The command exits 1: CrashLoopBackOff.
    Crashloop,
    /// Zero replicas: no pods, no endpoints.
    ScaleZero,
    /// The liveness probe asks for a path that does not exist: restarts.
    Liveness,
    /// The readiness probe targets a port nobody listens on: never ready, no endpoints.
    Readiness,
    /// `DATABASE_URL` points at a host that does not resolve: the worker exits 1.
    BadDatabaseUrl,
}

const FAULTS: &[(&str, Fault)] = &[
    ("oom", Fault::Oom),
    ("image", Fault::Image),
    ("crashloop", Fault::Crashloop),
    ("scale-zero", Fault::ScaleZero),
    ("liveness", Fault::Liveness),
    ("readiness", Fault::Readiness),
    ("bad-database-url", Fault::BadDatabaseUrl),
];

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = FAULTS
            .iter()
            .find(|(_, x)| x == self)
            .map(|(n, _)| *n)
            .unwrap_or("?");
        f.write_str(name)
    }
}

/// A fault aimed at a Deployment: `oom:payments/payment-api`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub fault: Fault,
    pub namespace: String,
    pub deployment: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FaultError {
    #[error("invalid fault spec {0:?}: expected KIND:NAMESPACE/DEPLOYMENT, e.g. oom:payments/payment-api; kinds: {kinds}", kinds = FAULTS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "))]
    Syntax(String),
    #[error("cannot inject {fault} into {namespace}/{deployment}: {reason}")]
    Inapplicable {
        fault: Fault,
        namespace: String,
        deployment: String,
        reason: String,
    },
}

/// Splits a `KIND:NAMESPACE/NAME` spec, the syntax of basic and catalogue faults alike.
pub(crate) fn split_spec(s: &str) -> Option<(&str, &str, &str)> {
    let (kind, target) = s.split_once(':')?;
    let (namespace, name) = target.split_once('/')?;
    (!namespace.is_empty() && !name.is_empty() && !name.contains('/'))
        .then_some((kind, namespace, name))
}

impl FromStr for FaultSpec {
    type Err = FaultError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || FaultError::Syntax(s.to_string());
        let (kind, namespace, deployment) = split_spec(s).ok_or_else(syntax)?;
        let fault = FAULTS
            .iter()
            .find(|(n, _)| *n == kind)
            .map(|(_, f)| *f)
            .ok_or_else(syntax)?;
        Ok(FaultSpec {
            fault,
            namespace: namespace.into(),
            deployment: deployment.into(),
        })
    }
}

impl FaultSpec {
    /// Injects the fault through the API write path, so admission and validation apply.
    pub fn inject(&self, cluster: &mut Cluster) -> Result<(), FaultError> {
        let inapplicable = |reason: String| FaultError::Inapplicable {
            fault: self.fault,
            namespace: self.namespace.clone(),
            deployment: self.deployment.clone(),
            reason,
        };
        let fault = self.fault;
        let mut problem: Option<String> = None;
        let result = cluster.modify::<Deployment>(&self.namespace, &self.deployment, |d| {
            let Some(spec) = d.spec.as_mut() else { return };
            if fault == Fault::ScaleZero {
                spec.replicas = Some(0);
                return;
            }
            let Some(c) = spec
                .template
                .spec
                .as_mut()
                .and_then(|s| s.containers.first_mut())
            else {
                problem = Some("the pod template has no containers".into());
                return;
            };
            if let Err(why) = break_container(fault, c) {
                problem = Some(why);
            }
        });
        if let Some(why) = problem {
            return Err(inapplicable(why));
        }
        result.map(|_| ()).map_err(|e| inapplicable(e.message))
    }
}

fn break_container(fault: Fault, c: &mut Container) -> Result<(), String> {
    match fault {
        Fault::Oom => {
            let env = c
                .env
                .iter()
                .flatten()
                .map(|e| (e.name.clone(), e.value.clone().unwrap_or_default()))
                .collect::<BTreeMap<_, _>>();
            let working_set = Program::for_container(c, env).memory_steady;
            let limit_mib = (working_set / 2 / (1 << 20)).max(1);
            let q = Quantity(format!("{limit_mib}Mi"));
            let r = c.resources.get_or_insert_default();
            r.limits
                .get_or_insert_default()
                .insert("memory".into(), q.clone());
            r.requests
                .get_or_insert_default()
                .insert("memory".into(), q);
        }
        Fault::Image => {
            let image = c.image.clone().unwrap_or_default();
            let repo = image
                .rsplit_once(':')
                .filter(|(_, t)| !t.contains('/'))
                .map(|(r, _)| r)
                .unwrap_or(&image);
            c.image = Some(format!("{repo}:nonexistent-tag-99999"));
        }
        Fault::Crashloop => {
            c.command = Some(vec!["sh".into(), "-c".into(), "exit 1".into()]);
            c.args = None;
        }
        Fault::Liveness => {
            let probe = c
                .liveness_probe
                .as_mut()
                .ok_or("the container has no liveness probe")?;
            let http = probe
                .http_get
                .as_mut()
                .ok_or("the liveness probe is not an HTTP probe")?;
            http.path = Some("/nonexistent".into());
        }
        Fault::Readiness => {
            let probe = c
                .readiness_probe
                .as_mut()
                .ok_or("the container has no readiness probe")?;
            let wrong = IntOrString::Int(8081);
            match (probe.http_get.as_mut(), probe.tcp_socket.as_mut()) {
                (Some(h), _) => h.port = wrong,
                (None, Some(t)) => t.port = wrong,
                _ => return Err("the readiness probe is neither HTTP nor TCP".into()),
            }
        }
        Fault::BadDatabaseUrl => {
            let var = c
                .env
                .iter_mut()
                .flatten()
                .find(|e| e.name == "DATABASE_URL")
                .ok_or("the container has no DATABASE_URL")?;
            // The same credentials, port and database on a host that does not resolve.
            let url = var.value.clone().unwrap_or_default();
            var.value = Some(
                match url.split_once("://").and_then(|(scheme, rest)| {
                    let (creds, at) = rest.rsplit_once('@')?;
                    let end = at.find([':', '/']).unwrap_or(at.len());
                    Some(format!(
                        "{scheme}://{creds}@wrong-host.invalid{}",
                        &at[end..]
                    ))
                }) {
                    Some(wrong) => wrong,
                    None => {
                        "postgres://payments_user:payments_pass@wrong-host.invalid:5432/payments"
                            .into()
                    }
                },
            );
            var.value_from = None;
        }
        Fault::ScaleZero => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cluster::k8s_openapi::api::core::v1::Pod;
    use std::time::Duration;

    #[test]
    fn specs_parse_and_refuse_garbage() {
        let s: FaultSpec = "oom:payments/payment-api".parse().unwrap();
        assert_eq!(
            (s.fault, s.namespace.as_str(), s.deployment.as_str()),
            (Fault::Oom, "payments", "payment-api")
        );
        for bad in [
            "oom",
            "oom:payments",
            "nope:a/b",
            "oom:/b",
            "oom:a/",
            "oom:a/b/c",
        ] {
            assert!(bad.parse::<FaultSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_fault_is_visible_in_pod_state() {
        let base = Cluster::baseline(5);
        let cases = [
            ("oom:payments/payment-api", "OOMKilled"),
            ("image:frontend/web-app", "ImagePullBackOff"),
            ("crashloop:auth/auth-service", "CrashLoopBackOff"),
            (
                "bad-database-url:payments/payment-worker",
                "CrashLoopBackOff",
            ),
        ];
        for (spec, symptom) in cases {
            let mut c = base.clone();
            spec.parse::<FaultSpec>().unwrap().inject(&mut c).unwrap();
            c.advance(Duration::from_secs(180));
            let seen = c.list::<Pod>().any(|p| {
                p.status
                    .iter()
                    .flat_map(|s| s.container_statuses.iter().flatten())
                    .any(|cs| {
                        let waiting = cs
                            .state
                            .as_ref()
                            .and_then(|s| s.waiting.as_ref())
                            .and_then(|w| w.reason.as_deref());
                        let last = cs
                            .last_state
                            .as_ref()
                            .and_then(|s| s.terminated.as_ref())
                            .and_then(|t| t.reason.as_deref());
                        waiting == Some(symptom) || last == Some(symptom)
                    })
            });
            assert!(seen, "{spec} should show {symptom}");
        }
        let mut c = base.clone();
        "oom:nowhere/x"
            .parse::<FaultSpec>()
            .unwrap()
            .inject(&mut c)
            .unwrap_err();
    }
}
