//! `describe.DescribePodTemplate`: a pod template as `kubectl describe` and `kubectl rollout
//! history --revision=N` print it (kubectl 1.33's layout: probes with `#success`/`#failure`,
//! container ports without their names), written with literal tabs as kubectl's prefix writer
//! does.

use std::collections::BTreeMap;

use cluster::k8s_openapi::api::core::v1::{Container, PodTemplateSpec, Probe, Volume};
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// The template under a `Pod Template:` heading.
pub fn describe_pod_template(template: &PodTemplateSpec) -> String {
    let mut w = String::new();
    w.push_str("Pod Template:\n");
    let meta = template.metadata.clone().unwrap_or_default();
    labels_multiline(&mut w, "  Labels", meta.labels.as_ref());
    if let Some(annotations) = meta.annotations.as_ref().filter(|a| !a.is_empty()) {
        annotations_multiline(&mut w, "  Annotations", annotations);
    }
    let spec = template.spec.clone().unwrap_or_default();
    if let Some(sa) = spec.service_account_name.as_ref().filter(|s| !s.is_empty()) {
        w.push_str(&format!("  Service Account:\t{sa}\n"));
    }
    if let Some(init) = spec.init_containers.as_ref().filter(|c| !c.is_empty()) {
        describe_containers(&mut w, "Init Containers", init);
    }
    describe_containers(&mut w, "Containers", &spec.containers);
    describe_volumes(&mut w, spec.volumes.as_deref().unwrap_or(&[]));
    if let Some(pc) = spec.priority_class_name.as_ref().filter(|s| !s.is_empty()) {
        w.push_str(&format!("  Priority Class Name:\t{pc}\n"));
    }
    labels_multiline(&mut w, "  Node-Selectors", spec.node_selector.as_ref());
    w.push_str("  Tolerations:\t");
    let mut tolerations = spec.tolerations.clone().unwrap_or_default();
    if tolerations.is_empty() {
        w.push_str("<none>\n");
    } else {
        tolerations.sort_by(|a, b| a.key.cmp(&b.key));
        for (i, t) in tolerations.iter().enumerate() {
            if i != 0 {
                w.push('\t');
            }
            let key = t.key.clone().unwrap_or_default();
            w.push_str(&key);
            if let Some(v) = t.value.as_ref().filter(|v| !v.is_empty()) {
                w.push_str(&format!("={v}"));
            }
            let effect = t.effect.clone().unwrap_or_default();
            if !effect.is_empty() {
                w.push_str(&format!(":{effect}"));
            }
            if t.operator.as_deref() == Some("Exists")
                && t.value.as_deref().unwrap_or("").is_empty()
            {
                if !key.is_empty() || !effect.is_empty() {
                    w.push_str(" op=Exists");
                } else {
                    w.push_str("op=Exists");
                }
            }
            if let Some(s) = t.toleration_seconds {
                w.push_str(&format!(" for {s}s"));
            }
            w.push('\n');
        }
    }
    w
}

fn labels_multiline(w: &mut String, title: &str, labels: Option<&BTreeMap<String, String>>) {
    w.push_str(&format!("{title}:\t"));
    match labels.filter(|l| !l.is_empty()) {
        None => w.push_str("<none>\n"),
        Some(labels) => {
            for (i, (k, v)) in labels.iter().enumerate() {
                if i != 0 {
                    w.push('\t');
                }
                w.push_str(&format!("{k}={v}\n"));
            }
        }
    }
}

fn annotations_multiline(w: &mut String, title: &str, annotations: &BTreeMap<String, String>) {
    const MAX_ANNOTATION_LEN: usize = 140;
    w.push_str(&format!("{title}:\t"));
    let keys: Vec<&String> = annotations
        .keys()
        .filter(|k| *k != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if keys.is_empty() {
        w.push_str("<none>\n");
        return;
    }
    for (i, key) in keys.into_iter().enumerate() {
        if i != 0 {
            w.push('\t');
        }
        let value = annotations[key].trim_end_matches('\n');
        if value.len() + key.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.push_str(&format!("{key}:\n"));
            for s in value.split('\n') {
                let short = if s.len() > MAX_ANNOTATION_LEN - 2 {
                    format!(
                        "{}...",
                        &s[..floor_char_boundary(s, MAX_ANNOTATION_LEN - 2)]
                    )
                } else {
                    s.to_string()
                };
                w.push_str(&format!("\t  {short}\n"));
            }
        } else {
            w.push_str(&format!("{key}: {value}\n"));
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn int_or_string(v: &IntOrString) -> String {
    match v {
        IntOrString::Int(i) => i.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

fn describe_probe(p: &Probe) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s #success={} #failure={}",
        p.initial_delay_seconds.unwrap_or(0),
        p.timeout_seconds.unwrap_or(0),
        p.period_seconds.unwrap_or(0),
        p.success_threshold.unwrap_or(0),
        p.failure_threshold.unwrap_or(0)
    );
    if let Some(exec) = &p.exec {
        return format!(
            "exec [{}] {attrs}",
            exec.command.clone().unwrap_or_default().join(" ")
        );
    }
    if let Some(h) = &p.http_get {
        let scheme = h.scheme.clone().unwrap_or_default().to_lowercase();
        let port = int_or_string(&h.port);
        let host = h.host.clone().unwrap_or_default();
        let host = if port.is_empty() {
            host
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let path = h.path.clone().unwrap_or_default();
        let url = if scheme.is_empty() {
            format!("//{host}{path}")
        } else {
            format!("{scheme}://{host}{path}")
        };
        return format!("http-get {url} {attrs}");
    }
    if let Some(t) = &p.tcp_socket {
        return format!(
            "tcp-socket {}:{} {attrs}",
            t.host.clone().unwrap_or_default(),
            int_or_string(&t.port)
        );
    }
    if let Some(g) = &p.grpc {
        return format!(
            "grpc <pod>:{} {} {attrs}",
            g.port,
            g.service.clone().unwrap_or_default()
        );
    }
    format!("unknown {attrs}")
}

fn describe_containers(w: &mut String, label: &str, containers: &[Container]) {
    let none = if containers.is_empty() { " <none>" } else { "" };
    w.push_str(&format!("  {label}:{none}\n"));
    for c in containers {
        w.push_str(&format!("   {}:\n", c.name));
        w.push_str(&format!(
            "    Image:\t{}\n",
            c.image.clone().unwrap_or_default()
        ));
        let ports = c.ports.clone().unwrap_or_default();
        let fmt_ports = |host: bool| -> String {
            ports
                .iter()
                .map(|p| {
                    let n = if host {
                        p.host_port.unwrap_or(0)
                    } else {
                        p.container_port
                    };
                    format!("{n}/{}", p.protocol.clone().unwrap_or_default())
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        for (single, plural, text) in [
            ("Port", "Ports", fmt_ports(false)),
            ("Host Port", "Host Ports", fmt_ports(true)),
        ] {
            if text.contains(',') {
                w.push_str(&format!("    {plural}:\t{text}\n"));
            } else if text.is_empty() {
                w.push_str(&format!("    {single}:\t<none>\n"));
            } else {
                w.push_str(&format!("    {single}:\t{text}\n"));
            }
        }
        if let Some(profile) = c
            .security_context
            .as_ref()
            .and_then(|s| s.seccomp_profile.as_ref())
        {
            w.push_str(&format!("    SeccompProfile:\t{}\n", profile.type_));
            if profile.type_ == "Localhost" {
                w.push_str(&format!(
                    "      LocalhostProfile:\t{}\n",
                    profile.localhost_profile.clone().unwrap_or_default()
                ));
            }
        }
        for (title, items) in [("Command", &c.command), ("Args", &c.args)] {
            if let Some(items) = items.as_ref().filter(|i| !i.is_empty()) {
                w.push_str(&format!("    {title}:\n"));
                for item in items {
                    for s in item.split('\n') {
                        w.push_str(&format!("      {s}\n"));
                    }
                }
            }
        }
        if let Some(r) = &c.resources {
            for (title, list) in [("Limits", &r.limits), ("Requests", &r.requests)] {
                if let Some(list) = list.as_ref().filter(|l| !l.is_empty()) {
                    w.push_str(&format!("    {title}:\n"));
                    for (name, q) in list {
                        w.push_str(&format!("      {name}:\t{}\n", q.0));
                    }
                }
            }
        }
        for (title, probe) in [
            ("Liveness", &c.liveness_probe),
            ("Readiness", &c.readiness_probe),
            ("Startup", &c.startup_probe),
        ] {
            if let Some(p) = probe {
                w.push_str(&format!("    {title}:\t{}\n", describe_probe(p)));
            }
        }
        if let Some(from) = c.env_from.as_ref().filter(|e| !e.is_empty()) {
            w.push_str("    Environment Variables from:\n");
            for e in from {
                let (kind, name, optional) = if let Some(r) = &e.config_map_ref {
                    ("ConfigMap", r.name.clone(), r.optional.unwrap_or(false))
                } else if let Some(r) = &e.secret_ref {
                    ("Secret", r.name.clone(), r.optional.unwrap_or(false))
                } else {
                    ("", String::new(), false)
                };
                match e.prefix.as_ref().filter(|p| !p.is_empty()) {
                    None => w.push_str(&format!("      {name}\t{kind}\tOptional: {optional}\n")),
                    Some(p) => w.push_str(&format!(
                        "      {name}\t{kind} with prefix '{p}'\tOptional: {optional}\n"
                    )),
                }
            }
        }
        let env = c.env.clone().unwrap_or_default();
        if env.is_empty() {
            w.push_str("    Environment:\t<none>\n");
        } else {
            w.push_str("    Environment:\n");
        }
        for e in &env {
            match &e.value_from {
                None => {
                    for (i, s) in e.value.clone().unwrap_or_default().split('\n').enumerate() {
                        if i == 0 {
                            w.push_str(&format!("      {}:\t{s}\n", e.name));
                        } else {
                            w.push_str(&format!("      \t{s}\n"));
                        }
                    }
                }
                Some(from) => {
                    if let Some(f) = &from.field_ref {
                        w.push_str(&format!(
                            "      {}:\t ({}:{})\n",
                            e.name,
                            f.api_version.clone().unwrap_or_default(),
                            f.field_path
                        ));
                    } else if let Some(r) = &from.resource_field_ref {
                        w.push_str(&format!("      {}:\t ({})\n", e.name, r.resource));
                    } else if let Some(s) = &from.secret_key_ref {
                        w.push_str(&format!(
                            "      {}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                            e.name,
                            s.key,
                            s.name,
                            s.optional.unwrap_or(false)
                        ));
                    } else if let Some(s) = &from.config_map_key_ref {
                        w.push_str(&format!(
                            "      {}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                            e.name,
                            s.key,
                            s.name,
                            s.optional.unwrap_or(false)
                        ));
                    }
                }
            }
        }
        let mut mounts = c.volume_mounts.clone().unwrap_or_default();
        if mounts.is_empty() {
            w.push_str("    Mounts:\t<none>\n");
        } else {
            w.push_str("    Mounts:\n");
        }
        mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
        for m in &mounts {
            let mut flags = vec![
                if m.read_only.unwrap_or(false) {
                    "ro"
                } else {
                    "rw"
                }
                .to_string(),
            ];
            if let Some(sub) = m.sub_path.as_ref().filter(|s| !s.is_empty()) {
                flags.push(format!("path={sub:?}"));
            }
            w.push_str(&format!(
                "      {} from {} ({})\n",
                m.mount_path,
                m.name,
                flags.join(",")
            ));
        }
    }
}

fn describe_volumes(w: &mut String, volumes: &[Volume]) {
    if volumes.is_empty() {
        w.push_str("  Volumes:\t<none>\n");
        return;
    }
    w.push_str("  Volumes:\n");
    for v in volumes {
        w.push_str(&format!("   {}:\n", v.name));
        if let Some(h) = &v.host_path {
            w.push_str(&format!(
                "    Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{}\n",
                h.path,
                h.type_.clone().unwrap_or_else(|| "<none>".into())
            ));
        } else if let Some(e) = &v.empty_dir {
            let size = e
                .size_limit
                .as_ref()
                .filter(|q| cluster::quantity::parse_milli(&q.0).is_ok_and(|m| m > 0))
                .map(|q| q.0.clone())
                .unwrap_or_else(|| "<unset>".into());
            w.push_str(&format!(
                "    Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{size}\n",
                e.medium.clone().unwrap_or_default()
            ));
        } else if let Some(s) = &v.secret {
            w.push_str(&format!(
                "    Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                s.secret_name.clone().unwrap_or_default(),
                s.optional.unwrap_or(false)
            ));
        } else if let Some(c) = &v.config_map {
            w.push_str(&format!(
                "    Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                c.name,
                c.optional.unwrap_or(false)
            ));
        } else if let Some(c) = &v.persistent_volume_claim {
            w.push_str(&format!(
                "    Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
                c.claim_name,
                c.read_only.unwrap_or(false)
            ));
        } else {
            w.push_str("  <unknown>\n");
        }
    }
}
