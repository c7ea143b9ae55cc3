//! Container logs as `kubectl logs` gets them: rendered on demand from the application model and
//! the instance's lifetime (start-up banners, probe requests, heartbeats, errors), so a long
//! episode costs nothing until someone reads the logs.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::tz::TimeZone;

use crate::apps::App;
use crate::cluster::Cluster;
use crate::error::{ApiError, Reason};
use crate::kubelet::{Instance, resolve_port};
use crate::time::SimTime;

/// What to read, as the `/log` subresource's query parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogOptions {
    pub container: Option<String>,
    pub previous: bool,
    pub tail_lines: Option<usize>,
    pub timestamps: bool,
    pub since: Option<Duration>,
}

fn bad_request(message: String) -> ApiError {
    ApiError {
        reason: Reason::BadRequest,
        message,
        causes: Vec::new(),
    }
}

/// The log of one container of a pod.
pub fn read(
    cluster: &Cluster,
    namespace: &str,
    pod_name: &str,
    opts: &LogOptions,
) -> Result<String, ApiError> {
    let pod = cluster.get::<Pod>(namespace, pod_name)?;
    let spec = pod.spec.clone().unwrap_or_default();
    let names: Vec<String> = spec.containers.iter().map(|c| c.name.clone()).collect();
    let container = match &opts.container {
        Some(c) => c.clone(),
        None if names.len() == 1 => names[0].clone(),
        None => {
            return Err(bad_request(format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                names.join(" ")
            )));
        }
    };
    let Some(index) = names.iter().position(|n| *n == container) else {
        return Err(bad_request(format!(
            "container {container} is not valid for pod {pod_name}"
        )));
    };
    let c = &spec.containers[index];
    let rt = cluster
        .runtime
        .pod(namespace, pod_name)
        .and_then(|r| r.containers.get(index));
    let instance = match (rt, opts.previous) {
        (Some(cr), true) => match cr
            .previous
            .as_ref()
            .filter(|_| cr.running.is_some() || cr.waiting.is_some())
        {
            Some(p) => p,
            None => {
                return Err(bad_request(format!(
                    "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
                )));
            }
        },
        (Some(cr), false) => match cr.running.as_ref().or(cr.previous.as_ref().filter(|_| {
            cr.waiting.is_none()
                || cr
                    .waiting
                    .as_ref()
                    .is_some_and(|w| w.0 == "CrashLoopBackOff")
        })) {
            Some(i) => i,
            None => {
                let reason = cr
                    .waiting
                    .as_ref()
                    .map(|w| w.0.clone())
                    .unwrap_or_else(|| "ContainerCreating".into());
                return Err(bad_request(waiting_message(&container, pod_name, &reason)));
            }
        },
        (None, true) => {
            return Err(bad_request(format!(
                "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
            )));
        }
        (None, false) => {
            return Err(bad_request(waiting_message(
                &container,
                pod_name,
                "ContainerCreating",
            )));
        }
    };
    let host_ip = cluster
        .runtime
        .pod(namespace, pod_name)
        .map(|r| r.host_ip.clone())
        .unwrap_or_default();
    let pod_ip = cluster
        .runtime
        .pod(namespace, pod_name)
        .map(|r| r.ip.clone())
        .unwrap_or_default();
    let end = instance
        .finished
        .as_ref()
        .map(|f| f.0)
        .unwrap_or(cluster.now());
    let mut lines = render(
        instance,
        c,
        &host_ip,
        &pod_ip,
        end,
        &cluster.config().kubernetes_version,
    );
    lines.sort_by_key(|(t, _)| *t);
    if let Some(since) = opts.since {
        let from = cluster.now() - since;
        lines.retain(|(t, _)| *t >= from);
    }
    if let Some(n) = opts.tail_lines {
        let skip = lines.len().saturating_sub(n);
        lines.drain(..skip);
    }
    let mut out = String::new();
    for (t, line) in lines {
        if opts.timestamps {
            out.push_str(&format!(
                "{} ",
                t.timestamp().strftime("%Y-%m-%dT%H:%M:%S.%f000Z")
            ));
        }
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

fn waiting_message(container: &str, pod: &str, reason: &str) -> String {
    let detail = match reason {
        "ImagePullBackOff" => "trying and failing to pull image".to_string(),
        "ErrImagePull" => "image can't be pulled".to_string(),
        other => other.to_string(),
    };
    format!("container \"{container}\" in pod \"{pod}\" is waiting to start: {detail}")
}

pub(crate) fn ts(t: SimTime, fmt: &str) -> String {
    t.timestamp()
        .to_zoned(TimeZone::UTC)
        .strftime(fmt)
        .to_string()
}

/// Every line the instance wrote up to `end`, with when it wrote it.
fn render(
    inst: &Instance,
    c: &k8s_openapi::api::core::v1::Container,
    host_ip: &str,
    pod_ip: &str,
    end: SimTime,
    kube_version: &str,
) -> Vec<(SimTime, String)> {
    let start = inst.started;
    let p = &inst.program;
    let mut out: Vec<(SimTime, String)> = inst
        .log
        .iter()
        .filter(|(t, _)| *t <= end)
        .cloned()
        .collect();
    // Repeated failed waits not yet logged: those at `end` too while it runs, since the kubelet
    // would have been at them by now; none at the instant it stopped, which came first.
    let before = if inst.finished.is_some() {
        end
    } else {
        end + Duration::from_millis(1)
    };
    out.extend(inst.pending_wait_lines(before));
    let at = |ms: u64| start + Duration::from_millis(ms);
    let probe_agent = {
        let minor = kube_version
            .trim_start_matches('v')
            .split('.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        format!("kube-probe/{minor}")
    };
    // HTTP requests from the kubelet's probes, as (time, port, path).
    let mut requests: Vec<(SimTime, u16, String)> = Vec::new();
    let listen_at = start + p.startup;
    for probe in [&c.liveness_probe, &c.readiness_probe]
        .into_iter()
        .flatten()
    {
        let Some(h) = &probe.http_get else { continue };
        let Some(port) = resolve_port(&h.port, c) else {
            continue;
        };
        if !p.ports.contains(&port) {
            continue;
        }
        let period = Duration::from_secs(probe.period_seconds.unwrap_or(10).max(1) as u64);
        let mut t =
            start + Duration::from_secs(probe.initial_delay_seconds.unwrap_or(0).max(0) as u64);
        let path = h.path.clone().unwrap_or_else(|| "/".into());
        while t <= end && requests.len() < 100_000 {
            if t >= listen_at {
                requests.push((t, port, path.clone()));
            }
            t = t + period;
        }
    }
    requests.sort();
    if p.fatal.is_some() {
        return out;
    }
    match &p.app {
        App::Nginx => {
            for (i, line) in NGINX_ENTRYPOINT.iter().enumerate() {
                out.push((at(20 + i as u64 * 3), line.to_string()));
            }
            let stamp = ts(at(90), "%Y/%m/%d %H:%M:%S");
            for line in [
                "using the \"epoll\" event method",
                "nginx/1.25.5",
                "built by gcc 12.2.0 (Debian 12.2.0-14) ",
                "OS: Linux 6.6.56+",
                "getrlimit(RLIMIT_NOFILE): 1048576:1048576",
                "start worker processes",
                "start worker process 29",
                "start worker process 30",
            ] {
                out.push((at(90), format!("{stamp} [notice] 1#1: {line}")));
            }
            for (n, (t, port, path)) in requests.iter().enumerate() {
                let code = p.http_status(*port, path, inst.upstreams_ok).unwrap_or(404);
                let bytes = if code == 200 { 615 } else { 153 };
                if code == 404 {
                    out.push((*t, format!(
                        "{} [error] 29#29: *{} open() \"/usr/share/nginx/html{path}\" failed (2: No such file or directory), client: {host_ip}, server: localhost, request: \"GET {path} HTTP/1.1\", host: \"{pod_ip}:{port}\"",
                        ts(*t, "%Y/%m/%d %H:%M:%S"), n + 1
                    )));
                }
                out.push((*t, format!("{host_ip} - - [{}] \"GET {path} HTTP/1.1\" {code} {bytes} \"-\" \"{probe_agent}\" \"-\"", ts(*t, "%d/%b/%Y:%H:%M:%S +0000"))));
            }
        }
        App::PythonHttp { module } => {
            if *module {
                let port = p.ports.first().copied().unwrap_or(8000);
                out.push((
                    listen_at,
                    format!("Serving HTTP on 0.0.0.0 port {port} (http://0.0.0.0:{port}/) ..."),
                ));
            }
            for (t, port, path) in &requests {
                let code = p.http_status(*port, path, true).unwrap_or(404);
                let stamp = ts(*t, "%d/%b/%Y %H:%M:%S");
                if code == 404 {
                    out.push((
                        *t,
                        format!("{host_ip} - - [{stamp}] code 404, message File not found"),
                    ));
                }
                out.push((
                    *t,
                    format!("{host_ip} - - [{stamp}] \"GET {path} HTTP/1.1\" {code} -"),
                ));
            }
        }
        App::DbWorker => {
            if let Some(connected) = inst.connected_at {
                let up = p.wait_for.clone();
                if let Some(up) = up {
                    out.push((
                        connected,
                        format!("payment-worker connected to {}:{}", up.host, up.port),
                    ));
                }
                let mut t = connected + Duration::from_secs(30);
                while t <= end {
                    out.push((
                        t,
                        format!("{} processed batch", ts(t, "%Y-%m-%dT%H:%M:%SZ")),
                    ));
                    t = t + Duration::from_secs(30);
                }
            }
        }
        App::Shell { lines, .. } => {
            for (i, line) in lines.iter().enumerate() {
                out.push((at(5 + i as u64), line.clone()));
            }
        }
        App::Redis => {
            let stamp = |ms| ts(at(ms), "%d %b %Y %H:%M:%S%.3f");
            out.push((
                at(1),
                format!(
                    "1:C {} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
                    stamp(1)
                ),
            ));
            out.push((at(1), format!("1:C {} * Redis version=7.4.1, bits=64, commit=00000000, modified=0, pid=1, just started", stamp(1))));
            out.push((at(1), format!("1:C {} # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf", stamp(1))));
            out.push((
                at(2),
                format!("1:M {} * monotonic clock: POSIX clock_gettime", stamp(2)),
            ));
            out.push((
                at(2),
                format!("1:M {} * Running mode=standalone, port=6379.", stamp(2)),
            ));
            out.push((at(3), format!("1:M {} * Server initialized", stamp(3))));
            out.push((
                at(3),
                format!("1:M {} * Ready to accept connections tcp", stamp(3)),
            ));
        }
        App::Postgres => {
            let stamp = |ms| ts(at(ms), "%Y-%m-%d %H:%M:%S%.3f UTC");
            out.push((at(10), format!("{} [1] LOG:  starting PostgreSQL 15.8 (Debian 15.8-1.pgdg120+1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit", stamp(10))));
            out.push((
                at(11),
                format!(
                    "{} [1] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432",
                    stamp(11)
                ),
            ));
            out.push((
                at(12),
                format!(
                    "{} [1] LOG:  listening on Unix socket \"/var/run/postgresql/.s.PGSQL.5432\"",
                    stamp(12)
                ),
            ));
            out.push((
                listen_at,
                format!(
                    "{} [1] LOG:  database system is ready to accept connections",
                    ts(listen_at, "%Y-%m-%d %H:%M:%S%.3f UTC")
                ),
            ));
        }
        App::CoreDns => {
            out.push((at(400), ".:53".into()));
            out.push((at(401), "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908".into()));
            out.push((at(402), "CoreDNS-1.11.3".into()));
            out.push((at(403), "linux/amd64, go1.21.11, a6338e9".into()));
        }
        App::MetricsServer => {
            let klog = |ms: u64, file: &str, msg: &str| {
                (
                    at(ms),
                    format!(
                        "I{} {:>7} {file}] {msg}",
                        ts(at(ms), "%m%d %H:%M:%S%.6f"),
                        1
                    ),
                )
            };
            out.push(klog(
                100,
                "serving.go:374",
                "Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)",
            ));
            out.push(klog(
                900,
                "handler.go:275",
                "Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager",
            ));
            out.push(klog(
                1500,
                "secure_serving.go:213",
                "Serving securely on [::]:10250",
            ));
        }
        App::Microservice => {
            let port = p.ports.first().copied().unwrap_or(8080);
            out.push((
                listen_at,
                format!(
                    "{{\"level\":\"info\",\"ts\":\"{}\",\"msg\":\"listening\",\"port\":{port}}}",
                    ts(listen_at, "%Y-%m-%dT%H:%M:%S%.3fZ")
                ),
            ));
        }
        App::PythonScript | App::Generic => {}
    }
    out.retain(|(t, _)| *t <= end);
    out
}

const NGINX_ENTRYPOINT: &[&str] = &[
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
];
