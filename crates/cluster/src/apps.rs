//! Application models. A container's image, command, args and environment decide which program
//! runs; the program decides which ports answer, which HTTP paths succeed, how much memory it
//! uses, what it needs from the rest of the cluster, what it logs and when it exits.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::{Container, Endpoints, Namespace, Pod, Service};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::registry;
use crate::store::Store;

const MIB: u64 = 1 << 20;

/// The application behind an image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum App {
    Nginx,
    /// Python's `http.server`; `module` when started as `python -m http.server`.
    PythonHttp {
        module: bool,
    },
    /// A Python script that is not a server (or the bare interpreter).
    PythonScript,
    /// The database worker: needs a reachable `DATABASE_URL`.
    DbWorker,
    /// A shell script: its `echo` lines, loop and exit code.
    Shell {
        lines: Vec<String>,
        looping: bool,
        exit_code: Option<i32>,
    },
    Redis,
    Postgres,
    CoreDns,
    MetricsServer,
    /// The generic HTTP microservice, with the upstreams it reports on.
    Microservice,
    /// Anything else that exists in the registry: serves its declared ports.
    Generic,
}

/// Something a program connects to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Upstream {
    pub host: String,
    pub port: u16,
}

/// A database login: where, and with which credentials.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Database {
    pub upstream: Upstream,
    pub user: String,
    pub password: String,
}

impl Database {
    /// From a `postgres://user:password@host:port/db` URL.
    pub fn from_url(url: &str) -> Option<Database> {
        let upstream = parse_url(url)?;
        let rest = url.split_once("://").map_or(url, |(_, r)| r);
        let (creds, _) = rest.rsplit_once('@')?;
        let (user, password) = creds.split_once(':').unwrap_or((creds, ""));
        Some(Database {
            upstream,
            user: user.to_string(),
            password: password.to_string(),
        })
    }

    /// Why the server behind `server_env` refuses this login, as PostgreSQL words it.
    pub fn login_error(&self, server_env: &BTreeMap<String, String>) -> Option<String> {
        let user = server_env
            .get("POSTGRES_USER")
            .map_or("postgres", String::as_str);
        let password = server_env
            .get("POSTGRES_PASSWORD")
            .map_or("", String::as_str);
        (self.user != user || self.password != password).then(|| {
            format!(
                "FATAL:  password authentication failed for user \"{}\"",
                self.user
            )
        })
    }
}

/// How a program exits on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Exit {
    pub after: Duration,
    pub code: i32,
}

/// What a container does, decided when it starts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Program {
    pub app: App,
    /// Ports it listens on once started.
    pub ports: Vec<u16>,
    /// HTTPS ports among them (probes with scheme HTTPS).
    pub startup: Duration,
    /// Working set at start and at steady state, reached linearly over `ramp`.
    pub memory_start: u64,
    pub memory_steady: u64,
    pub ramp: Duration,
    pub cpu_millis: u32,
    pub exit: Option<Exit>,
    /// Must be reachable within `wait_attempts` tries `wait_interval` apart, or the program exits 1.
    pub wait_for: Option<Upstream>,
    /// Readiness depends on these answering.
    pub upstreams: Vec<Upstream>,
    /// A PostgreSQL database it logs in to; readiness depends on the login succeeding.
    pub database: Option<Database>,
    /// Whether the process handles SIGTERM (else, as PID 1, it ignores it until SIGKILL).
    pub handles_sigterm: bool,
    /// The environment as the process sees it.
    pub env: BTreeMap<String, String>,
    /// A fatal start-up message and exit, decided from configuration.
    pub fatal: Option<String>,
}

pub const WAIT_ATTEMPTS: u32 = 15;
pub const WAIT_INTERVAL: Duration = Duration::from_secs(2);

impl Program {
    /// Decides the program for a container given its resolved environment.
    pub fn for_container(c: &Container, env: BTreeMap<String, String>) -> Program {
        let image = c.image.clone().unwrap_or_default();
        let (repo, _) = registry::normalize(&image);
        let base = repo.rsplit('/').next().unwrap_or("").to_string();
        let command = c.command.clone().unwrap_or_default();
        let args = c.args.clone().unwrap_or_default();
        let argv: Vec<String> = command.iter().chain(args.iter()).cloned().collect();
        let declared: Vec<u16> = c
            .ports
            .iter()
            .flatten()
            .filter_map(|p| u16::try_from(p.container_port).ok())
            .collect();
        let mut p = Program {
            app: App::Generic,
            ports: declared.clone(),
            startup: Duration::from_millis(300),
            memory_start: 4 * MIB,
            memory_steady: 12 * MIB,
            ramp: Duration::from_secs(5),
            cpu_millis: 2,
            exit: None,
            wait_for: None,
            upstreams: Vec::new(),
            database: None,
            handles_sigterm: true,
            env,
            fatal: None,
        };
        let shell = argv
            .first()
            .is_some_and(|a| matches!(a.rsplit('/').next(), Some("sh" | "bash" | "ash")));
        let python = argv.first().is_some_and(|a| {
            a.rsplit('/')
                .next()
                .is_some_and(|b| b.starts_with("python"))
        });
        if shell {
            let script = argv
                .iter()
                .skip_while(|a| a.starts_with('-') || is_shell(a))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            p.shell(&script);
        } else if python || (base == "python" && command.is_empty() && args.is_empty()) {
            p.python(&argv);
        } else if !command.is_empty() && !matches!(base.as_str(), "coredns" | "metrics-server") {
            // An unknown binary replacing the entrypoint.
            p.fatal = Some(format!(
                "exec: \"{}\": executable file not found in $PATH",
                command[0]
            ));
            p.exit = Some(Exit {
                after: Duration::ZERO,
                code: 128,
            });
        } else {
            match base.as_str() {
                "nginx" => p.nginx(),
                "busybox" => p.shell(""),
                "redis" => p.redis(),
                "postgres" => p.postgres(),
                "coredns" => p.coredns(),
                "metrics-server" => p.metrics_server(),
                "microservice" => p.microservice(),
                _ => {}
            }
        }
        p
    }

    fn nginx(&mut self) {
        self.app = App::Nginx;
        self.ports = vec![80];
        self.startup = Duration::from_millis(150);
        self.memory_start = 3 * MIB;
        self.memory_steady = 7 * MIB + MIB / 2;
        self.cpu_millis = 1;
    }

    fn redis(&mut self) {
        self.app = App::Redis;
        self.ports = vec![6379];
        self.startup = Duration::from_millis(120);
        self.memory_start = 3 * MIB;
        self.memory_steady = 4 * MIB;
        self.cpu_millis = 3;
    }

    fn postgres(&mut self) {
        self.app = App::Postgres;
        self.ports = vec![5432];
        self.startup = Duration::from_millis(2500);
        self.memory_start = 20 * MIB;
        self.memory_steady = 42 * MIB;
        self.ramp = Duration::from_secs(10);
        self.cpu_millis = 8;
        if self
            .env
            .get("POSTGRES_PASSWORD")
            .is_none_or(String::is_empty)
            && self
                .env
                .get("POSTGRES_HOST_AUTH_METHOD")
                .is_none_or(|m| m != "trust")
        {
            self.fatal = Some(
                "Error: Database is uninitialized and superuser password is not specified.\n       You must specify POSTGRES_PASSWORD to a non-empty value for the\n       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".".into(),
            );
            self.exit = Some(Exit {
                after: Duration::from_millis(80),
                code: 1,
            });
        }
    }

    fn coredns(&mut self) {
        self.app = App::CoreDns;
        self.ports = vec![53, 8080, 8181, 9153];
        self.startup = Duration::from_millis(600);
        self.memory_start = 8 * MIB;
        self.memory_steady = 16 * MIB;
        self.cpu_millis = 3;
    }

    fn metrics_server(&mut self) {
        self.app = App::MetricsServer;
        self.ports = vec![10250];
        self.startup = Duration::from_secs(2);
        self.memory_start = 10 * MIB;
        self.memory_steady = 22 * MIB;
        self.cpu_millis = 5;
    }

    fn microservice(&mut self) {
        self.app = App::Microservice;
        let port = self
            .env
            .get("PORT")
            .and_then(|p| p.parse().ok())
            .unwrap_or(8080);
        self.ports = vec![port];
        self.startup = Duration::from_millis(800);
        self.memory_start = 18 * MIB;
        self.memory_steady = self
            .env
            .get("MEMORY_MB")
            .and_then(|m| m.parse::<u64>().ok())
            .unwrap_or(36)
            * MIB;
        self.cpu_millis = 6;
        self.database = self
            .env
            .get("DATABASE_URL")
            .and_then(|u| Database::from_url(u));
        self.upstreams = self
            .env
            .get("DEPENDS_ON")
            .map(|d| {
                d.split(',')
                    .filter_map(|s| parse_host_port(s.trim(), 80))
                    .collect()
            })
            .unwrap_or_default();
    }

    fn python(&mut self, argv: &[String]) {
        self.memory_start = 8 * MIB;
        self.memory_steady = 14 * MIB;
        self.cpu_millis = 1;
        self.handles_sigterm = false;
        self.startup = Duration::from_millis(450);
        let joined = argv.join(" ");
        if let Some(pos) = argv.iter().position(|a| a == "http.server") {
            self.app = App::PythonHttp { module: true };
            self.ports = vec![
                argv.get(pos + 1)
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(8000),
            ];
            self.memory_steady = 17 * MIB;
        } else if joined.contains("HTTPServer") || joined.contains("http.server") {
            self.app = App::PythonHttp { module: false };
            self.ports = vec![first_port(&joined).unwrap_or(8000)];
            self.memory_steady = 17 * MIB;
        } else {
            self.app = App::PythonScript;
            if !(joined.contains("while True")
                || joined.contains("serve_forever")
                || joined.contains("sleep("))
            {
                self.exit = Some(Exit {
                    after: Duration::from_millis(60),
                    code: 0,
                });
            }
        }
        if let Some(bytes) = allocation(&joined) {
            self.memory_steady += bytes;
            self.ramp = Duration::from_millis(600);
        }
    }

    fn shell(&mut self, script: &str) {
        self.handles_sigterm = false;
        self.memory_start = MIB / 2;
        self.memory_steady = MIB;
        self.cpu_millis = 1;
        self.ports.clear();
        if script.contains("DATABASE_URL") {
            self.app = App::DbWorker;
            self.memory_steady = 2 * MIB;
            match self.env.get("DATABASE_URL").filter(|u| !u.is_empty()) {
                None => {
                    self.fatal = Some("FATAL: DATABASE_URL is not set".into());
                    self.exit = Some(Exit {
                        after: Duration::from_millis(20),
                        code: 1,
                    });
                }
                Some(url) => self.wait_for = parse_url(url),
            }
            return;
        }
        let mut lines = Vec::new();
        let mut sleep_total = Duration::ZERO;
        let mut exit_code = None;
        let looping = script.contains("while true")
            || script.contains("while :")
            || script.contains("sleep infinity")
            || script.contains("tail -f");
        for stmt in script.split([';', '\n']).map(str::trim) {
            let stmt = stmt
                .trim_start_matches("do ")
                .trim_start_matches("then ")
                .trim();
            if let Some(text) = stmt.strip_prefix("echo ") {
                lines.push(text.trim().trim_matches(['"', '\'']).to_string());
            } else if let Some(n) = stmt.strip_prefix("sleep ") {
                if !looping {
                    sleep_total += Duration::from_secs(n.trim().parse().unwrap_or(0));
                }
            } else if let Some(code) = stmt.strip_prefix("exit")
                && exit_code.is_none()
                && !looping
            {
                exit_code = Some(code.trim().parse().unwrap_or(0));
            }
        }
        if !looping {
            let code = exit_code.unwrap_or(0);
            self.exit = Some(Exit {
                after: sleep_total + Duration::from_millis(15),
                code,
            });
        }
        self.app = App::Shell {
            lines,
            looping,
            exit_code,
        };
    }

    /// Working set at `elapsed` after start.
    pub fn memory_at(&self, elapsed: Duration) -> u64 {
        if elapsed >= self.ramp || self.ramp.is_zero() {
            return self.memory_steady;
        }
        let frac = elapsed.as_millis() as f64 / self.ramp.as_millis() as f64;
        self.memory_start
            + ((self.memory_steady.saturating_sub(self.memory_start)) as f64 * frac) as u64
    }

    /// When the working set first exceeds `limit`, if it ever does.
    pub fn oom_after(&self, limit: u64) -> Option<Duration> {
        if self.memory_steady <= limit {
            return None;
        }
        if self.memory_start > limit || self.ramp.is_zero() {
            return Some(Duration::from_millis(5));
        }
        let span = (self.memory_steady - self.memory_start) as f64;
        let frac = (limit - self.memory_start) as f64 / span;
        Some(Duration::from_millis(
            ((self.ramp.as_millis() as f64) * frac) as u64 + 1,
        ))
    }

    /// The HTTP status a request for `path` on `port` gets once the program listens.
    pub fn http_status(&self, port: u16, path: &str, upstreams_ok: bool) -> Option<u16> {
        if !self.ports.contains(&port) {
            return None;
        }
        let path = path.split('?').next().unwrap_or(path);
        Some(match &self.app {
            App::Nginx => match path {
                "/" | "/index.html" | "/50x.html" => 200,
                _ => 404,
            },
            App::PythonHttp { .. } => match path {
                "/" => 200,
                _ => 404,
            },
            App::CoreDns => match (port, path) {
                (8080, "/health") | (8181, "/ready") | (9153, "/metrics") => 200,
                _ => 404,
            },
            App::MetricsServer => match path {
                "/livez" | "/readyz" | "/healthz" | "/metrics" => 200,
                _ => 404,
            },
            App::Microservice => match path {
                "/ready" | "/readyz" => {
                    if upstreams_ok {
                        200
                    } else {
                        503
                    }
                }
                "/" | "/healthz" | "/livez" | "/metrics" => 200,
                _ => 404,
            },
            App::Redis | App::Postgres => return None,
            _ => 200,
        })
    }

    /// Whether an exec probe command succeeds while the program runs normally.
    pub fn exec_succeeds(&self, command: &[String]) -> Result<(), String> {
        let bin = command
            .first()
            .map(|c| c.rsplit('/').next().unwrap_or(c))
            .unwrap_or("");
        match (bin, &self.app) {
            ("redis-cli", App::Redis) | ("pg_isready", App::Postgres) => Ok(()),
            ("redis-cli", _) | ("pg_isready", _) => Err(format!(
                "OCI runtime exec failed: exec failed: unable to start container process: exec: \"{bin}\": executable file not found in $PATH: unknown"
            )),
            ("cat", _) | ("ls", _) | ("test", _) => {
                let file = command.last().cloned().unwrap_or_default();
                if file.starts_with("/tmp/") {
                    Err(format!(
                        "cat: can't open '{file}': No such file or directory"
                    ))
                } else {
                    Ok(())
                }
            }
            ("false", _) => Err(String::new()),
            _ => Ok(()),
        }
    }
}

fn is_shell(a: &str) -> bool {
    matches!(a.rsplit('/').next(), Some("sh" | "bash" | "ash"))
}

fn first_port(script: &str) -> Option<u16> {
    script
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|d| d.parse::<u32>().ok())
        .find(|n| (1024..=65535).contains(n))
        .map(|n| n as u16)
}

/// Bytes a Python one-liner allocates up front: `bytearray(512 * 1024 * 1024)`, `"x" * N`.
fn allocation(script: &str) -> Option<u64> {
    let start = script.find("bytearray(")? + "bytearray(".len();
    let expr: String = script[start..].chars().take_while(|c| *c != ')').collect();
    expr.split('*')
        .map(|f| f.trim().parse::<u64>().ok())
        .try_fold(1u64, |acc, f| f.map(|v| acc.saturating_mul(v)))
}

fn parse_host_port(s: &str, default_port: u16) -> Option<Upstream> {
    let s = s.split("://").last()?;
    let s = s.rsplit('@').next()?;
    let hostport = s.split('/').next()?;
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (hostport, default_port),
    };
    (!host.is_empty()).then(|| Upstream {
        host: host.to_string(),
        port,
    })
}

/// The database a `postgres://user:pass@host:port/db` URL points at.
pub fn parse_url(url: &str) -> Option<Upstream> {
    let default = if url.starts_with("redis") { 6379 } else { 5432 };
    parse_host_port(url, default)
}

/// What the cluster's DNS and Service network make of a connection attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    Connected,
    /// The name does not resolve (`bad address`).
    Unresolvable,
    /// The name resolves but nothing accepts the connection.
    Refused {
        ip: String,
    },
    /// Backends exist, but NetworkPolicies drop the packets: the connection times out.
    TimedOut {
        ip: String,
    },
}

/// Tries to connect from pod `from` to `upstream`, honouring NetworkPolicies on both ends. A
/// backend counts when it declares the port the Service sends to.
pub fn reach(store: &Store, from: &Pod, upstream: &Upstream) -> Reach {
    reach_with(store, from, upstream, |pod, port| {
        pod.spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .flat_map(|c| c.ports.iter().flatten())
            .any(|p| p.container_port == port)
    })
}

/// Where cluster DNS sends a host name looked up from a pod in `from_namespace`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// A Service: `name`, `name.namespace`, `name.namespace.svc[.cluster.local]`.
    Service { name: &'a str, namespace: &'a str },
    /// A name outside the cluster, which resolves.
    External,
    /// A name nothing answers for.
    Nowhere,
}

pub fn service_for_host<'a>(host: &'a str, from_namespace: &'a str) -> Resolved<'a> {
    let host = host.trim_end_matches('.');
    // Read label by label: this runs for every upstream of every pod an Endpoints change may
    // concern, so it allocates nothing.
    let mut parts = host.split('.');
    let name = parts.next().unwrap_or("");
    let namespace = parts.next();
    let in_cluster =
        host.ends_with(".svc.cluster.local") || host.ends_with(".svc") || parts.next().is_none();
    if !in_cluster {
        if host.ends_with(".invalid") || host.ends_with(".local") || host.ends_with(".internal") {
            return Resolved::Nowhere;
        }
        return Resolved::External;
    }
    Resolved::Service {
        name,
        namespace: namespace.unwrap_or(from_namespace),
    }
}

/// [`reach`] with the kubelet's knowledge of which ports a backend pod's processes listen on: a
/// Service whose target port nobody listens on refuses connections.
pub fn reach_with(
    store: &Store,
    from: &Pod,
    upstream: &Upstream,
    listens: impl Fn(&Pod, i32) -> bool,
) -> Reach {
    let from_namespace = from.metadata.namespace.as_deref().unwrap_or("");
    let (svc_name, namespace) = match service_for_host(&upstream.host, from_namespace) {
        Resolved::Service { name, namespace } => (name, namespace),
        Resolved::External => return Reach::Connected,
        Resolved::Nowhere => return Reach::Unresolvable,
    };
    let Some(svc) = store.get::<Service>(namespace, svc_name) else {
        return Reach::Unresolvable;
    };
    let default_spec = k8s_openapi::api::core::v1::ServiceSpec::default();
    let spec = svc.spec.as_ref().unwrap_or(&default_spec);
    let headless = spec.cluster_ip.as_deref() == Some("None");
    let subsets = store
        .get::<Endpoints>(namespace, svc_name)
        .and_then(|e| e.subsets.as_deref())
        .unwrap_or_default();
    // Ready backends on the wanted port, as (pod name, target port).
    let backends = subsets.iter().flat_map(|s| {
        let port = s
            .ports
            .iter()
            .flatten()
            .find(|p| port_matches(spec, p.port, upstream.port))
            .map(|p| p.port);
        s.addresses
            .iter()
            .flatten()
            .filter_map(move |a| Some((a.target_ref.as_ref()?.name.as_deref()?, port?)))
    });
    let ip = || spec.cluster_ip.clone().unwrap_or_default();
    let mut any_backend = false;
    let mut any_admitted = false;
    let mut any_listening = false;
    for (pod, port) in backends {
        any_backend = true;
        let Some(to) = store.get::<Pod>(namespace, pod) else {
            continue;
        };
        if !policies_allow(store, from, to, port) {
            continue;
        }
        any_admitted = true;
        if listens(to, port) {
            any_listening = true;
            break;
        }
    }
    if !any_backend {
        return if headless {
            Reach::Unresolvable
        } else {
            Reach::Refused { ip: ip() }
        };
    }
    if any_listening {
        Reach::Connected
    } else if !any_admitted {
        Reach::TimedOut { ip: ip() }
    } else {
        Reach::Refused { ip: ip() }
    }
}

/// Whether NetworkPolicies let `from` open a connection to `to` on `port`: egress policies
/// selecting the source and ingress policies selecting the destination must each have a rule
/// admitting the other end, once any such policy isolates that end.
fn policies_allow(store: &Store, from: &Pod, to: &Pod, port: i32) -> bool {
    fn isolating<'s>(store: &'s Store, pod: &'s Pod, direction: &str) -> Vec<&'s NetworkPolicy> {
        let ns = pod.metadata.namespace.as_deref().unwrap_or("");
        store
            .list_in::<NetworkPolicy>(ns)
            .map(|p| p.as_ref())
            .filter(|p| {
                let Some(spec) = p.spec.as_ref() else {
                    // No spec: the defaults, an Ingress policy selecting every pod.
                    return direction == "Ingress";
                };
                let applies = match &spec.policy_types {
                    Some(types) => types.iter().any(|t| t == direction),
                    None => {
                        direction == "Ingress" || (direction == "Egress" && spec.egress.is_some())
                    }
                };
                applies
                    && spec
                        .pod_selector
                        .as_ref()
                        .is_none_or(|s| crate::selectors::matches(s, pod.metadata.labels.as_ref()))
            })
            .collect()
    }
    let egress_ok = {
        let policies = isolating(store, from, "Egress");
        policies.is_empty()
            || policies.iter().any(|p| {
                p.spec
                    .iter()
                    .flat_map(|s| s.egress.iter().flatten())
                    .any(|r| {
                        peers_match(store, r.to.as_deref(), p, to)
                            && ports_match(r.ports.as_deref(), to, port)
                    })
            })
    };
    let ingress_ok = {
        let policies = isolating(store, to, "Ingress");
        policies.is_empty()
            || policies.iter().any(|p| {
                p.spec
                    .iter()
                    .flat_map(|s| s.ingress.iter().flatten())
                    .any(|r| {
                        peers_match(store, r.from.as_deref(), p, from)
                            && ports_match(r.ports.as_deref(), to, port)
                    })
            })
    };
    egress_ok && ingress_ok
}

/// Whether a rule's peers include `pod`; no peers means everyone. IP blocks only match when
/// they cover every address (`0.0.0.0/0`), since pod addresses are not modelled as ranges.
fn peers_match(
    store: &Store,
    peers: Option<&[NetworkPolicyPeer]>,
    policy: &NetworkPolicy,
    pod: &Pod,
) -> bool {
    let Some(peers) = peers.filter(|p| !p.is_empty()) else {
        return true;
    };
    let policy_ns = policy.metadata.namespace.as_deref().unwrap_or("");
    let pod_ns = pod.metadata.namespace.as_deref().unwrap_or("");
    peers.iter().any(|peer| {
        if let Some(block) = &peer.ip_block {
            return block.cidr == "0.0.0.0/0";
        }
        let ns_ok = match &peer.namespace_selector {
            None => pod_ns == policy_ns,
            Some(sel) => {
                let labels = store
                    .get::<Namespace>("", pod_ns)
                    .and_then(|n| n.metadata.labels.clone());
                crate::selectors::matches(sel, labels.as_ref())
            }
        };
        let pod_ok = peer
            .pod_selector
            .as_ref()
            .is_none_or(|sel| crate::selectors::matches(sel, pod.metadata.labels.as_ref()));
        ns_ok && pod_ok
    })
}

/// Whether a rule's ports include `port` of `pod` (by number or container port name).
fn ports_match(ports: Option<&[NetworkPolicyPort]>, pod: &Pod, port: i32) -> bool {
    let Some(ports) = ports.filter(|p| !p.is_empty()) else {
        return true;
    };
    ports.iter().any(|p| match &p.port {
        None => true,
        Some(IntOrString::Int(n)) => {
            *n == port || p.end_port.is_some_and(|end| (*n..=end).contains(&port))
        }
        Some(IntOrString::String(name)) => pod
            .spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .flat_map(|c| c.ports.iter().flatten())
            .any(|cp| cp.name.as_deref() == Some(name) && cp.container_port == port),
    })
}

fn port_matches(
    spec: &k8s_openapi::api::core::v1::ServiceSpec,
    endpoint_port: i32,
    wanted: u16,
) -> bool {
    let headless = spec.cluster_ip.as_deref() == Some("None");
    if headless {
        return endpoint_port == i32::from(wanted);
    }
    spec.ports
        .iter()
        .flatten()
        .any(|p| p.port == i32::from(wanted))
        || endpoint_port == i32::from(wanted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(image: &str, command: &[&str], args: &[&str]) -> Container {
        Container {
            name: "c".into(),
            image: Some(image.into()),
            command: (!command.is_empty()).then(|| command.iter().map(|s| s.to_string()).collect()),
            args: (!args.is_empty()).then(|| args.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn programs_follow_image_and_command() {
        let nginx = Program::for_container(&container("nginx:1.25", &[], &[]), BTreeMap::new());
        assert_eq!(nginx.app, App::Nginx);
        assert_eq!(nginx.http_status(80, "/", true), Some(200));
        assert_eq!(nginx.http_status(80, "/healthz", true), Some(404));
        assert_eq!(nginx.http_status(8080, "/", true), None);

        let crash = Program::for_container(
            &container("nginx:1.25", &["sh", "-c", "exit 1"], &[]),
            BTreeMap::new(),
        );
        assert_eq!(crash.exit.map(|e| e.code), Some(1));

        let api = Program::for_container(
            &container(
                "python:3.11-slim",
                &["python", "-c"],
                &[
                    "import http.server; http.server.HTTPServer((\"\", 8080), http.server.SimpleHTTPRequestHandler).serve_forever()",
                ],
            ),
            BTreeMap::new(),
        );
        assert_eq!(api.app, App::PythonHttp { module: false });
        assert_eq!(api.ports, vec![8080]);
        assert!(api.exit.is_none());

        let bare =
            Program::for_container(&container("python:3.11-slim", &[], &[]), BTreeMap::new());
        assert_eq!(
            bare.exit.map(|e| e.code),
            Some(0),
            "the bare interpreter exits without a tty"
        );

        let hog = Program::for_container(
            &container(
                "python:3.11-slim",
                &[
                    "python",
                    "-c",
                    "b = bytearray(512 * 1024 * 1024); import time; time.sleep(3600)",
                ],
                &[],
            ),
            BTreeMap::new(),
        );
        assert!(hog.oom_after(256 * MIB).is_some());
    }

    #[test]
    fn oom_time_follows_the_ramp() {
        let p = Program::for_container(&container("nginx:1.25", &[], &[]), BTreeMap::new());
        assert_eq!(p.oom_after(128 * MIB), None);
        let t = p.oom_after(5 * MIB).unwrap();
        assert!(t > Duration::ZERO && t < p.ramp);
        assert!(p.memory_at(t) >= 5 * MIB - MIB / 100);
        assert_eq!(p.oom_after(MIB), Some(Duration::from_millis(5)));
    }

    #[test]
    fn urls_parse() {
        assert_eq!(
            parse_url("postgres://u:p@payment-db.payments.svc.cluster.local:5432/payments"),
            Some(Upstream {
                host: "payment-db.payments.svc.cluster.local".into(),
                port: 5432
            })
        );
        assert_eq!(
            parse_url("postgres://wrong-host.invalid/db").map(|u| u.port),
            Some(5432)
        );
    }
}
