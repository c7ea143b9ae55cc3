//! `describePod`, and the container, volume and pod-template sections the workload describers
//! share with it.

use cluster::k8s_openapi::api::core::v1::{
    Container, ContainerState, ContainerStatus, Pod, PodSpec, PodStatus, PodTemplateSpec, Probe,
    ResourceRequirements, Toleration, Volume,
};
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::tabwriter::Writer;
use super::{Context, annotations, controller_of, events, events_about, labels, rfc1123z};

pub(crate) fn describe(ctx: &Context, pod: &Pod) -> String {
    let mut w = Writer::with_capacity(4096);
    let m = &pod.metadata;
    let default_spec;
    let spec = match &pod.spec {
        Some(s) => s,
        None => {
            default_spec = PodSpec::default();
            &default_spec
        }
    };
    let default_status;
    let status = match &pod.status {
        Some(s) => s,
        None => {
            default_status = PodStatus::default();
            &default_status
        }
    };
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!(
        "Namespace:\t{}\n",
        m.namespace.as_deref().unwrap_or("")
    ));
    if let Some(p) = spec.priority {
        w.push(&format!("Priority:\t{p}\n"));
    }
    if let Some(p) = spec
        .priority_class_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.push(&format!("Priority Class Name:\t{p}\n"));
    }
    if let Some(r) = spec.runtime_class_name.as_deref().filter(|s| !s.is_empty()) {
        w.push(&format!("Runtime Class Name:\t{r}\n"));
    }
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.push(&format!("Service Account:\t{sa}\n"));
    }
    match spec.node_name.as_deref().filter(|s| !s.is_empty()) {
        None => w.push("Node:\t<none>\n"),
        Some(node) => w.push(&format!(
            "Node:\t{node}/{}\n",
            status.host_ip.as_deref().unwrap_or("")
        )),
    }
    if let Some(t) = &status.start_time {
        w.push(&format!("Start Time:\t{}\n", rfc1123z(t)));
    }
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    let phase = status.phase.as_deref().unwrap_or("");
    if m.deletion_timestamp.is_some() && phase != "Failed" && phase != "Succeeded" {
        w.push(&format!(
            "Status:\tTerminating (lasts {})\n",
            super::since(ctx.cluster, m.deletion_timestamp.as_ref())
        ));
        w.push(&format!(
            "Termination Grace Period:\t{}s\n",
            m.deletion_grace_period_seconds.unwrap_or(0)
        ));
    } else {
        w.push(&format!("Status:\t{phase}\n"));
    }
    if let Some(r) = status.reason.as_deref().filter(|s| !s.is_empty()) {
        w.push(&format!("Reason:\t{r}\n"));
    }
    if let Some(msg) = status.message.as_deref().filter(|s| !s.is_empty()) {
        w.push(&format!("Message:\t{msg}\n"));
    }
    if let Some(profile) = spec
        .security_context
        .as_ref()
        .and_then(|s| s.seccomp_profile.as_ref())
    {
        w.push(&format!("SeccompProfile:\t{}\n", profile.type_));
        if profile.type_ == "Localhost" {
            w.push(&format!(
                "LocalhostProfile:\t{}\n",
                profile.localhost_profile.as_deref().unwrap_or("")
            ));
        }
    }
    w.push(&format!(
        "IP:\t{}\n",
        status.pod_ip.as_deref().unwrap_or("")
    ));
    match status.pod_ips.as_deref() {
        None | Some([]) => w.push("IPs:\t<none>\n"),
        Some(ips) => {
            w.push("IPs:\n");
            for ip in ips {
                w.write(1, &format!("IP:\t{}\n", ip.ip));
            }
        }
    }
    if let Some(c) = controller_of(m) {
        w.push(&format!("Controlled By:\t{c}\n"));
    }
    if let Some(n) = status
        .nominated_node_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.push(&format!("NominatedNodeName:\t{n}\n"));
    }
    if let Some(init) = spec.init_containers.as_deref().filter(|c| !c.is_empty()) {
        containers(
            &mut w,
            "Init Containers",
            init,
            Some(&statuses(&status.init_container_statuses)[..]),
            "",
            Some(pod),
        );
    }
    containers(
        &mut w,
        "Containers",
        &spec.containers,
        Some(&statuses(&status.container_statuses)[..]),
        "",
        Some(pod),
    );
    if let Some(gates) = spec.readiness_gates.as_deref().filter(|g| !g.is_empty()) {
        w.push("Readiness Gates:\n  Type\tStatus\n");
        for g in gates {
            let s = status
                .conditions
                .iter()
                .flatten()
                .find(|c| c.type_ == g.condition_type)
                .map(|c| c.status.clone())
                .unwrap_or_else(|| "<none>".into());
            w.write(1, &format!("{} \t{s} \n", g.condition_type));
        }
    }
    if let Some(conds) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        w.push("Conditions:\n  Type\tStatus\n");
        for c in conds {
            w.write(1, &format!("{} \t{} \n", c.type_, c.status));
        }
    }
    volumes(&mut w, spec.volumes.as_deref().unwrap_or(&[]), "");
    w.push(&format!("QoS Class:\t{}\n", qos(pod)));
    labels(&mut w, "Node-Selectors", spec.node_selector.as_ref());
    tolerations(&mut w, "", "Tolerations", spec.tolerations.as_deref());
    if ctx.show_events {
        let list = events_about(
            ctx.cluster,
            m.namespace.as_deref().unwrap_or(""),
            m.uid.as_deref().unwrap_or(""),
        );
        events(ctx, &mut w, list);
    }
    w.finish()
}

/// The QoS class the kubelet recorded, else the one the spec implies.
fn qos(pod: &Pod) -> String {
    pod.status
        .as_ref()
        .and_then(|s| s.qos_class.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            pod.spec
                .as_ref()
                .map(|s| cluster::qos_class(s).to_string())
                .unwrap_or_default()
        })
}

/// `DescribePodTemplate`.
pub(crate) fn template(w: &mut Writer, t: Option<&PodTemplateSpec>) {
    w.push("Pod Template:\n");
    let Some(t) = t else {
        w.write(1, "<unset>");
        return;
    };
    let default_meta;
    let m = match &t.metadata {
        Some(m) => m,
        None => {
            default_meta = Default::default();
            &default_meta
        }
    };
    let default_spec;
    let spec = match &t.spec {
        Some(s) => s,
        None => {
            default_spec = PodSpec::default();
            &default_spec
        }
    };
    labels(w, "  Labels", m.labels.as_ref());
    if m.annotations.as_ref().is_some_and(|a| !a.is_empty()) {
        annotations(w, "  Annotations", m.annotations.as_ref());
    }
    if let Some(sa) = spec
        .service_account_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(1, &format!("Service Account:\t{sa}\n"));
    }
    if let Some(init) = spec.init_containers.as_deref().filter(|c| !c.is_empty()) {
        containers(w, "Init Containers", init, None, "  ", None);
    }
    containers(w, "Containers", &spec.containers, None, "  ", None);
    volumes(w, spec.volumes.as_deref().unwrap_or(&[]), "  ");
    if let Some(p) = spec
        .priority_class_name
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        w.write(1, &format!("Priority Class Name:\t{p}\n"));
    }
    labels(w, "  Node-Selectors", spec.node_selector.as_ref());
    tolerations(w, "", "  Tolerations", spec.tolerations.as_deref());
}

/// `describeContainers`: statuses are `None` for a template.
fn containers(
    w: &mut Writer,
    label: &str,
    list: &[Container],
    statuses: Option<&[&ContainerStatus]>,
    space: &str,
    pod: Option<&Pod>,
) {
    let none = if list.is_empty() { " <none>" } else { "" };
    w.push(&format!("{space}{label}:{none}\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for c in list {
        // The last status of a name wins, as in kubectl's map.
        let status = statuses.and_then(|s| s.iter().rev().find(|s| s.name == c.name).copied());
        w.write(1, &format!("{name_indent}{}:\n", c.name));
        if let Some(s) = status {
            w.write(
                2,
                &format!(
                    "Container ID:\t{}\n",
                    s.container_id.as_deref().unwrap_or("")
                ),
            );
        }
        w.write(
            2,
            &format!("Image:\t{}\n", c.image.as_deref().unwrap_or("")),
        );
        if let Some(s) = status {
            w.write(2, &format!("Image ID:\t{}\n", s.image_id));
        }
        let ports = c.ports.as_deref().unwrap_or(&[]);
        let port_list: Vec<String> = ports
            .iter()
            .map(|p| {
                format!(
                    "{}/{}",
                    p.container_port,
                    p.protocol.as_deref().unwrap_or("")
                )
            })
            .collect();
        let host_list: Vec<String> = ports
            .iter()
            .map(|p| {
                format!(
                    "{}/{}",
                    p.host_port.unwrap_or(0),
                    p.protocol.as_deref().unwrap_or("")
                )
            })
            .collect();
        port_line(w, "Port", &port_list.join(", "));
        port_line(w, "Host Port", &host_list.join(", "));
        if let Some(profile) = c
            .security_context
            .as_ref()
            .and_then(|s| s.seccomp_profile.as_ref())
        {
            w.write(2, &format!("SeccompProfile:\t{}\n", profile.type_));
            if profile.type_ == "Localhost" {
                w.write(
                    3,
                    &format!(
                        "LocalhostProfile:\t{}\n",
                        profile.localhost_profile.as_deref().unwrap_or("")
                    ),
                );
            }
        }
        if let Some(cmd) = c.command.as_deref().filter(|c| !c.is_empty()) {
            w.write(2, "Command:\n");
            for part in cmd {
                for s in part.split('\n') {
                    w.write(3, &format!("{s}\n"));
                }
            }
        }
        if let Some(args) = c.args.as_deref().filter(|c| !c.is_empty()) {
            w.write(2, "Args:\n");
            for part in args {
                for s in part.split('\n') {
                    w.write(3, &format!("{s}\n"));
                }
            }
        }
        if let Some(s) = status {
            state(w, "State", s.state.as_ref());
            if let Some(last) = &s.last_state
                && last.terminated.is_some()
            {
                state(w, "Last State", Some(last));
            }
            w.write(2, &format!("Ready:\t{}\n", super::title_bool(s.ready)));
            w.write(2, &format!("Restart Count:\t{}\n", s.restart_count));
        }
        resources(w, c.resources.as_ref(), 2);
        if let Some(p) = &c.liveness_probe {
            w.write(2, &format!("Liveness:\t{}\n", probe(p)));
        }
        if let Some(p) = &c.readiness_probe {
            w.write(2, &format!("Readiness:\t{}\n", probe(p)));
        }
        if let Some(p) = &c.startup_probe {
            w.write(2, &format!("Startup:\t{}\n", probe(p)));
        }
        if let Some(from) = c.env_from.as_deref().filter(|e| !e.is_empty()) {
            w.write(2, "Environment Variables from:\n");
            for e in from {
                let (kind, name, optional) = if let Some(r) = &e.config_map_ref {
                    ("ConfigMap", r.name.as_str(), r.optional == Some(true))
                } else if let Some(r) = &e.secret_ref {
                    ("Secret", r.name.as_str(), r.optional == Some(true))
                } else {
                    ("", "", false)
                };
                match e.prefix.as_deref().filter(|p| !p.is_empty()) {
                    None => w.write(
                        3,
                        &format!("{name}\t{kind}\tOptional: {}\n", super::go_bool(optional)),
                    ),
                    Some(prefix) => w.write(
                        3,
                        &format!(
                            "{name}\t{kind} with prefix '{prefix}'\tOptional: {}\n",
                            super::go_bool(optional)
                        ),
                    ),
                }
            }
        }
        env(w, c, pod);
        mounts(w, c);
    }
}

fn port_line(w: &mut Writer, title: &str, value: &str) {
    if value.contains(',') {
        w.write(2, &format!("{title}s:\t{value}\n"));
    } else if value.is_empty() {
        w.write(2, &format!("{title}:\t<none>\n"));
    } else {
        w.write(2, &format!("{title}:\t{value}\n"));
    }
}

fn env(w: &mut Writer, c: &Container, pod: Option<&Pod>) {
    let list = c.env.as_deref().unwrap_or(&[]);
    if list.is_empty() {
        w.write(2, "Environment:\t<none>\n");
        return;
    }
    w.write(2, "Environment:\n");
    for e in list {
        let Some(from) = &e.value_from else {
            for (i, s) in e.value.as_deref().unwrap_or("").split('\n').enumerate() {
                if i == 0 {
                    w.write(3, &format!("{}:\t{s}\n", e.name));
                } else {
                    w.write(3, &format!("\t{s}\n"));
                }
            }
            continue;
        };
        if let Some(f) = &from.field_ref {
            // The value comes from the pod itself; a template has none.
            let value = pod
                .map(|p| field_value(p, &f.field_path))
                .unwrap_or_default();
            w.write(
                3,
                &format!(
                    "{}:\t{value} ({}:{})\n",
                    e.name,
                    f.api_version.as_deref().unwrap_or(""),
                    f.field_path
                ),
            );
        } else if let Some(r) = &from.resource_field_ref {
            let mut value = resource_value(c, &r.resource, r.divisor.as_ref());
            if value == "0" && (r.resource == "limits.cpu" || r.resource == "limits.memory") {
                value = "node allocatable".to_string();
            }
            w.write(3, &format!("{}:\t{value} ({})\n", e.name, r.resource));
        } else if let Some(s) = &from.secret_key_ref {
            w.write(
                3,
                &format!(
                    "{}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                    e.name,
                    s.key,
                    s.name,
                    super::go_bool(s.optional == Some(true))
                ),
            );
        } else if let Some(s) = &from.config_map_key_ref {
            w.write(
                3,
                &format!(
                    "{}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                    e.name,
                    s.key,
                    s.name,
                    super::go_bool(s.optional == Some(true))
                ),
            );
        }
    }
}

fn mounts(w: &mut Writer, c: &Container) {
    let mut list: Vec<_> = c.volume_mounts.iter().flatten().collect();
    if list.is_empty() {
        w.write(2, "Mounts:\t<none>\n");
    } else {
        w.write(2, "Mounts:\n");
    }
    list.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
    for m in list {
        let mut flags = vec![
            if m.read_only == Some(true) {
                "ro"
            } else {
                "rw"
            }
            .to_string(),
        ];
        if let Some(sub) = m.sub_path.as_deref().filter(|s| !s.is_empty()) {
            flags.push(format!("path={sub:?}"));
        }
        w.write(
            3,
            &format!("{} from {} ({})\n", m.mount_path, m.name, flags.join(",")),
        );
    }
}

/// `describeResources`.
pub(crate) fn resources(w: &mut Writer, r: Option<&ResourceRequirements>, level: usize) {
    let Some(r) = r else { return };
    if let Some(limits) = r.limits.as_ref().filter(|l| !l.is_empty()) {
        w.write(level, "Limits:\n");
        for (name, q) in limits {
            w.write(level + 1, &format!("{name}:\t{}\n", q.0));
        }
    }
    if let Some(requests) = r.requests.as_ref().filter(|l| !l.is_empty()) {
        w.write(level, "Requests:\n");
        for (name, q) in requests {
            w.write(level + 1, &format!("{name}:\t{}\n", q.0));
        }
    }
}

fn state(w: &mut Writer, title: &str, s: Option<&ContainerState>) {
    let default_state = ContainerState::default();
    let s = s.unwrap_or(&default_state);
    if let Some(r) = &s.running {
        w.write(2, &format!("{title}:\tRunning\n"));
        let started = r
            .started_at
            .as_ref()
            .map(rfc1123z)
            .unwrap_or_else(zero_time);
        w.write(3, &format!("Started:\t{started}\n"));
    } else if let Some(wt) = &s.waiting {
        w.write(2, &format!("{title}:\tWaiting\n"));
        if let Some(r) = wt.reason.as_deref().filter(|r| !r.is_empty()) {
            w.write(3, &format!("Reason:\t{r}\n"));
        }
    } else if let Some(t) = &s.terminated {
        w.write(2, &format!("{title}:\tTerminated\n"));
        if let Some(r) = t.reason.as_deref().filter(|r| !r.is_empty()) {
            w.write(3, &format!("Reason:\t{r}\n"));
        }
        if let Some(msg) = t.message.as_deref().filter(|r| !r.is_empty()) {
            w.write(3, &format!("Message:\t{msg}\n"));
        }
        w.write(3, &format!("Exit Code:\t{}\n", t.exit_code));
        if let Some(sig) = t.signal.filter(|s| *s > 0) {
            w.write(3, &format!("Signal:\t{sig}\n"));
        }
        let at = |x: &Option<_>| x.as_ref().map(rfc1123z).unwrap_or_else(zero_time);
        w.write(3, &format!("Started:\t{}\n", at(&t.started_at)));
        w.write(3, &format!("Finished:\t{}\n", at(&t.finished_at)));
    } else {
        w.write(2, &format!("{title}:\tWaiting\n"));
    }
}

/// Go's zero `time.Time` in RFC 1123Z.
fn zero_time() -> String {
    "Mon, 01 Jan 0001 00:00:00 +0000".to_string()
}

fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// `DescribeProbe`.
pub(crate) fn probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(0),
        p.period_seconds.unwrap_or(0),
        p.success_threshold.unwrap_or(0),
        p.failure_threshold.unwrap_or(0)
    );
    if let Some(e) = &p.exec {
        return format!(
            "exec [{}] {attrs}",
            e.command.as_deref().unwrap_or(&[]).join(" ")
        );
    }
    if let Some(h) = &p.http_get {
        let scheme = h.scheme.as_deref().unwrap_or("").to_ascii_lowercase();
        let port = int_or_string(&h.port);
        let host = h.host.as_deref().unwrap_or("");
        let host_port = if port.is_empty() {
            host.to_string()
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let path = h.path.as_deref().unwrap_or("");
        let path = if !path.is_empty() && !path.starts_with('/') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        let url = if scheme.is_empty() {
            format!("//{host_port}{path}")
        } else {
            format!("{scheme}://{host_port}{path}")
        };
        return format!("http-get {url} {attrs}");
    }
    if let Some(t) = &p.tcp_socket {
        return format!(
            "tcp-socket {}:{} {attrs}",
            t.host.as_deref().unwrap_or(""),
            int_or_string(&t.port)
        );
    }
    if let Some(g) = &p.grpc {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.as_deref().unwrap_or("")
        );
    }
    format!("unknown {attrs}")
}

/// `describeVolumes` for the volume kinds the simulator's manifests use.
fn volumes(w: &mut Writer, list: &[Volume], space: &str) {
    if list.is_empty() {
        w.push(&format!("{space}Volumes:\t<none>\n"));
        return;
    }
    w.push(&format!("{space}Volumes:\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in list {
        w.write(1, &format!("{name_indent}{}:\n", v.name));
        if let Some(h) = &v.host_path {
            w.write(
                2,
                &format!(
                    "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{}\n",
                    h.path,
                    h.type_.as_deref().unwrap_or("<none>")
                ),
            );
        } else if let Some(e) = &v.empty_dir {
            let size = e
                .size_limit
                .as_ref()
                .map(|q| q.0.clone())
                .filter(|q| !q.is_empty() && q != "0")
                .unwrap_or_else(|| "<unset>".into());
            w.write(
                2,
                &format!(
                    "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{size}\n",
                    e.medium.as_deref().unwrap_or("")
                ),
            );
        } else if let Some(s) = &v.secret {
            w.write(
                2,
                &format!(
                    "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                    s.secret_name.as_deref().unwrap_or(""),
                    super::go_bool(s.optional == Some(true))
                ),
            );
        } else if let Some(c) = &v.config_map {
            w.write(
                2,
                &format!(
                    "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                    c.name,
                    super::go_bool(c.optional == Some(true))
                ),
            );
        } else if let Some(c) = &v.persistent_volume_claim {
            w.write(
                2,
                &format!(
                    "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
                    c.claim_name,
                    super::go_bool(c.read_only == Some(true))
                ),
            );
        } else if let Some(p) = &v.projected {
            w.write(
                2,
                "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
            );
            for s in p.sources.iter().flatten() {
                if let Some(sec) = &s.secret {
                    w.write(
                        2,
                        &format!(
                            "SecretName:\t{}\n    Optional:\t{}\n",
                            sec.name,
                            super::go_bool(sec.optional == Some(true))
                        ),
                    );
                } else if s.downward_api.is_some() {
                    w.write(2, "DownwardAPI:\ttrue\n");
                } else if let Some(cm) = &s.config_map {
                    w.write(
                        2,
                        &format!(
                            "ConfigMapName:\t{}\n    Optional:\t{}\n",
                            cm.name,
                            super::go_bool(cm.optional == Some(true))
                        ),
                    );
                } else if let Some(t) = &s.service_account_token {
                    w.write(
                        2,
                        &format!(
                            "TokenExpirationSeconds:\t{}\n",
                            t.expiration_seconds.unwrap_or(0)
                        ),
                    );
                }
            }
        } else {
            w.write(1, "<unknown>\n");
        }
    }
}

/// `printTolerationsMultilineWithIndent`.
fn tolerations(w: &mut Writer, initial: &str, title: &str, list: Option<&[Toleration]>) {
    w.push(&format!("{initial}{title}:\t"));
    let Some(list) = list.filter(|l| !l.is_empty()) else {
        w.push("<none>\n");
        return;
    };
    let mut sorted: Vec<&Toleration> = list.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    for (i, t) in sorted.into_iter().enumerate() {
        if i != 0 {
            w.push(initial);
            w.push("\t");
        }
        let key = t.key.as_deref().unwrap_or("");
        let value = t.value.as_deref().unwrap_or("");
        let effect = t.effect.as_deref().unwrap_or("");
        w.push(key);
        if !value.is_empty() {
            w.push(&format!("={value}"));
        }
        if !effect.is_empty() {
            w.push(&format!(":{effect}"));
        }
        if t.operator.as_deref() == Some("Exists") && value.is_empty() {
            if !key.is_empty() || !effect.is_empty() {
                w.push(" op=Exists");
            } else {
                w.push("op=Exists");
            }
        }
        if let Some(s) = t.toleration_seconds {
            w.push(&format!(" for {s}s"));
        }
        w.push("\n");
    }
}

fn statuses(list: &Option<Vec<ContainerStatus>>) -> Vec<&ContainerStatus> {
    list.iter().flatten().collect()
}

/// The field references kubectl resolves itself: its scheme converts only the name and
/// namespace field labels, so every other path prints empty.
fn field_value(pod: &Pod, path: &str) -> String {
    match path {
        "metadata.name" => pod.metadata.name.clone().unwrap_or_default(),
        "metadata.namespace" => pod.metadata.namespace.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

/// `ExtractContainerResourceValue`: the container's own request or limit over the divisor,
/// rounded up.
fn resource_value(
    c: &Container,
    resource: &str,
    divisor: Option<&cluster::k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
) -> String {
    let Some((kind, name)) = resource.split_once('.') else {
        return String::new();
    };
    let list = c.resources.as_ref().and_then(|r| match kind {
        "limits" => r.limits.as_ref(),
        "requests" => r.requests.as_ref(),
        _ => None,
    });
    let milli = list
        .and_then(|l| l.get(name))
        .and_then(|q| cluster::quantity::parse_milli(&q.0).ok())
        .unwrap_or(0);
    let divisor = divisor
        .and_then(|d| cluster::quantity::parse_milli(&d.0).ok())
        .filter(|d| *d > 0)
        .unwrap_or(1000);
    let value = (milli + divisor - 1).div_euclid(divisor);
    value.to_string()
}
