//! The describers of core, storage and policy objects: Node, Service, Endpoints, Namespace,
//! ConfigMap, Secret, ServiceAccount, PersistentVolumeClaim, StorageClass, ResourceQuota.

use std::collections::BTreeMap;

use cluster::k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Namespace, Node, PersistentVolumeClaim, Pod, ResourceQuota, Secret,
    Service, ServiceAccount,
};
use cluster::k8s_openapi::api::storage::v1::StorageClass;
use cluster::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::tabwriter::Writer;
use super::{Context, annotations, events, events_about, labels, rfc1123z, since};

fn object_events(ctx: &Context, w: &mut Writer, meta: &ObjectMeta) {
    if ctx.show_events {
        let list = events_about(
            ctx.cluster,
            meta.namespace.as_deref().unwrap_or(""),
            meta.uid.as_deref().unwrap_or(""),
        );
        events(ctx, w, list);
    }
}

/// `labels.FormatLabels`: `k=v,k2=v2` sorted, or `<none>`.
fn format_map(map: Option<&BTreeMap<String, String>>) -> String {
    match map.filter(|m| !m.is_empty()) {
        None => "<none>".to_string(),
        Some(m) => m
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn head(w: &mut Writer, m: &ObjectMeta) {
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!(
        "Namespace:\t{}\n",
        m.namespace.as_deref().unwrap_or("")
    ));
    labels(w, "Labels", m.labels.as_ref());
    annotations(w, "Annotations", m.annotations.as_ref());
}

pub(crate) fn service(ctx: &Context, s: &Service) -> String {
    let mut w = Writer::with_capacity(1024);
    let m = &s.metadata;
    let spec = s.spec.clone().unwrap_or_default();
    head(&mut w, m);
    let slices = super::slices::service_slices(
        ctx.cluster,
        m.namespace.as_deref().unwrap_or(""),
        m.name.as_deref().unwrap_or(""),
    );
    let selector = format_map(spec.selector.as_ref());
    w.push(&format!("Selector:\t{selector}\n"));
    w.push(&format!("Type:\t{}\n", spec.type_.as_deref().unwrap_or("")));
    if let Some(p) = &spec.ip_family_policy {
        w.push(&format!("IP Family Policy:\t{p}\n"));
    }
    match spec.ip_families.as_deref().filter(|f| !f.is_empty()) {
        Some(f) => w.push(&format!("IP Families:\t{}\n", f.join(","))),
        None => w.push("IP Families:\t<none>\n"),
    }
    w.push(&format!(
        "IP:\t{}\n",
        spec.cluster_ip.as_deref().unwrap_or("")
    ));
    match spec.cluster_ips.as_deref().filter(|f| !f.is_empty()) {
        Some(ips) => w.push(&format!("IPs:\t{}\n", ips.join(","))),
        None => w.push("IPs:\t<none>\n"),
    }
    if let Some(ips) = spec.external_ips.as_deref().filter(|f| !f.is_empty()) {
        w.push(&format!("External IPs:\t{}\n", ips.join(",")));
    }
    if let Some(ip) = spec.load_balancer_ip.as_deref().filter(|f| !f.is_empty()) {
        w.push(&format!("Desired LoadBalancer IP:\t{ip}\n"));
    }
    if let Some(n) = spec.external_name.as_deref().filter(|f| !f.is_empty()) {
        w.push(&format!("External Name:\t{n}\n"));
    }
    let ingress: Vec<String> = s
        .status
        .as_ref()
        .and_then(|st| st.load_balancer.as_ref())
        .and_then(|lb| lb.ingress.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|i| i.ip.or(i.hostname).unwrap_or_default())
        .collect();
    if !ingress.is_empty() {
        w.push(&format!("LoadBalancer Ingress:\t{}\n", ingress.join(", ")));
    }
    for p in spec.ports.iter().flatten() {
        let name = p
            .name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or("<unset>");
        let proto = p.protocol.as_deref().unwrap_or("");
        w.push(&format!("Port:\t{name}\t{}/{proto}\n", p.port));
        match &p.target_port {
            Some(IntOrString::String(s)) => w.push(&format!("TargetPort:\t{s}/{proto}\n")),
            Some(IntOrString::Int(i)) => w.push(&format!("TargetPort:\t{i}/{proto}\n")),
            None => w.push(&format!("TargetPort:\t0/{proto}\n")),
        }
        if let Some(np) = p.node_port.filter(|n| *n != 0) {
            w.push(&format!("NodePort:\t{name}\t{np}/{proto}\n"));
        }
        let name = p.name.as_deref().unwrap_or("");
        w.push(&format!(
            "Endpoints:\t{}\n",
            super::slices::format_endpoint_slices(&slices, name)
        ));
    }
    w.push(&format!(
        "Session Affinity:\t{}\n",
        spec.session_affinity.as_deref().unwrap_or("")
    ));
    if let Some(p) = spec
        .external_traffic_policy
        .as_deref()
        .filter(|f| !f.is_empty())
    {
        w.push(&format!("External Traffic Policy:\t{p}\n"));
    }
    if let Some(p) = &spec.internal_traffic_policy {
        w.push(&format!("Internal Traffic Policy:\t{p}\n"));
    }
    if let Some(p) = spec.health_check_node_port.filter(|p| *p != 0) {
        w.push(&format!("HealthCheck NodePort:\t{p}\n"));
    }
    if let Some(r) = spec
        .load_balancer_source_ranges
        .as_deref()
        .filter(|f| !f.is_empty())
    {
        w.push(&format!("LoadBalancer Source Ranges:\t{}\n", r.join(",")));
    }
    object_events(ctx, &mut w, m);
    w.finish()
}

pub(crate) fn endpoints(ctx: &Context, e: &Endpoints) -> String {
    let mut w = Writer::with_capacity(1024);
    head(&mut w, &e.metadata);
    w.push("Subsets:\n");
    for s in e.subsets.iter().flatten() {
        let ips = |list: &Option<Vec<cluster::k8s_openapi::api::core::v1::EndpointAddress>>| {
            let joined = list
                .iter()
                .flatten()
                .map(|a| a.ip.clone())
                .collect::<Vec<_>>()
                .join(",");
            if joined.is_empty() {
                "<none>".to_string()
            } else {
                joined
            }
        };
        w.write(1, &format!("Addresses:\t{}\n", ips(&s.addresses)));
        w.write(
            1,
            &format!("NotReadyAddresses:\t{}\n", ips(&s.not_ready_addresses)),
        );
        if let Some(ports) = s.ports.as_deref().filter(|p| !p.is_empty()) {
            w.write(1, "Ports:\n");
            w.write(2, "Name\tPort\tProtocol\n");
            w.write(2, "----\t----\t--------\n");
            for p in ports {
                let name = p
                    .name
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .unwrap_or("<unset>");
                w.write(
                    2,
                    &format!(
                        "{name}\t{}\t{}\n",
                        p.port,
                        p.protocol.as_deref().unwrap_or("")
                    ),
                );
            }
        }
        w.push("\n");
    }
    object_events(ctx, &mut w, &e.metadata);
    w.finish()
}

pub(crate) fn namespace(ctx: &Context, n: &Namespace) -> String {
    let mut w = Writer::with_capacity(1024);
    let m = &n.metadata;
    let name = m.name.as_deref().unwrap_or("");
    w.push(&format!("Name:\t{name}\n"));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    let status = n.status.clone().unwrap_or_default();
    w.push(&format!(
        "Status:\t{}\n",
        status.phase.as_deref().unwrap_or("")
    ));
    if let Some(conds) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        w.push("Conditions:\n");
        w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n");
        w.write(1, "----\t------\t------------------\t------\t-------\n");
        for c in conds {
            w.write(
                1,
                &format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    c.type_,
                    c.status,
                    c.last_transition_time
                        .as_ref()
                        .map(rfc1123z)
                        .unwrap_or_else(|| "Mon, 01 Jan 0001 00:00:00 +0000".into()),
                    c.reason.as_deref().unwrap_or(""),
                    c.message.as_deref().unwrap_or("")
                ),
            );
        }
    }
    w.push("\n");
    let mut quotas: Vec<&ResourceQuota> = ctx
        .cluster
        .list_in::<ResourceQuota>(name)
        .map(|q| q.as_ref())
        .collect();
    if quotas.is_empty() {
        w.push("No resource quota.\n");
    } else {
        quotas.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        w.push("Resource Quotas\n");
        for q in quotas {
            w.write(
                1,
                &format!("Name:\t{}\n", q.metadata.name.as_deref().unwrap_or("")),
            );
            quota_scopes(&mut w, q, 1, "* ");
            w.write(1, "Resource\tUsed\tHard\n");
            w.write(1, "--------\t---\t---\n");
            quota_rows(&mut w, q, 1);
        }
    }
    // This API server serves no LimitRanges, so kubectl leaves their section out.
    w.finish()
}

fn quota_scopes(w: &mut Writer, q: &ResourceQuota, level: usize, bullet: &str) {
    let mut scopes: Vec<String> = q
        .spec
        .as_ref()
        .and_then(|s| s.scopes.clone())
        .unwrap_or_default();
    if scopes.is_empty() {
        return;
    }
    scopes.sort();
    w.write(level, &format!("Scopes:\t{}\n", scopes.join(", ")));
    for s in &scopes {
        let help = match s.as_str() {
            "Terminating" => {
                "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system."
            }
            "NotTerminating" => {
                "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate."
            }
            "BestEffort" => {
                "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service."
            }
            "NotBestEffort" => {
                "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service."
            }
            _ => "",
        };
        if !help.is_empty() {
            w.write(level, &format!("{bullet}{help}\n"));
        }
    }
}

fn quota_rows(w: &mut Writer, q: &ResourceQuota, level: usize) {
    let status = q.status.clone().unwrap_or_default();
    let used = status.used.unwrap_or_default();
    for (name, hard) in status.hard.iter().flatten() {
        let used = used
            .get(name)
            .map(|u| u.0.clone())
            .unwrap_or_else(|| "0".into());
        w.write(level, &format!("{name}\t{used}\t{}\n", hard.0));
    }
}

pub(crate) fn quota(q: &ResourceQuota) -> String {
    let mut w = Writer::with_capacity(512);
    w.push(&format!(
        "Name:\t{}\n",
        q.metadata.name.as_deref().unwrap_or("")
    ));
    w.push(&format!(
        "Namespace:\t{}\n",
        q.metadata.namespace.as_deref().unwrap_or("")
    ));
    quota_scopes(&mut w, q, 0, " * ");
    w.push("Resource\tUsed\tHard\n");
    w.push("--------\t----\t----\n");
    quota_rows(&mut w, q, 0);
    w.finish()
}

pub(crate) fn config_map(ctx: &Context, c: &ConfigMap) -> String {
    let mut w = Writer::with_capacity(1024);
    head(&mut w, &c.metadata);
    // kubectl ranges over a Go map here, so the order of several keys varies from run to run;
    // sorted order is one of its orders.
    w.push("\nData\n====\n");
    for (k, v) in c.data.iter().flatten() {
        w.push(&format!("{k}:\n----\n{v}\n\n"));
    }
    w.push("\nBinaryData\n====\n");
    for (k, v) in c.binary_data.iter().flatten() {
        w.push(&format!("{k}: {} bytes\n", v.0.len()));
    }
    w.push("\n");
    object_events(ctx, &mut w, &c.metadata);
    w.finish()
}

pub(crate) fn secret(s: &Secret) -> String {
    let mut w = Writer::with_capacity(512);
    head(&mut w, &s.metadata);
    let type_ = s.type_.as_deref().unwrap_or("");
    w.push(&format!("\nType:\t{type_}\n"));
    w.push("\nData\n====\n");
    // A Go map again: sorted order is one of kubectl's orders.
    for (k, v) in s.data.iter().flatten() {
        if k == "token" && type_ == "kubernetes.io/service-account-token" {
            w.push(&format!("{k}:\t{}\n", String::from_utf8_lossy(&v.0)));
        } else {
            w.push(&format!("{k}:\t{} bytes\n", v.0.len()));
        }
    }
    w.finish()
}

pub(crate) fn service_account(ctx: &Context, sa: &ServiceAccount) -> String {
    let mut w = Writer::with_capacity(512);
    let m = &sa.metadata;
    head(&mut w, m);
    let ns = m.namespace.as_deref().unwrap_or("");
    let exists = |name: &str| ctx.cluster.get::<Secret>(ns, name).is_ok();
    let pulls: Vec<String> = sa
        .image_pull_secrets
        .iter()
        .flatten()
        .map(|s| s.name.clone())
        .collect();
    let mounts: Vec<String> = sa
        .secrets
        .iter()
        .flatten()
        .filter_map(|s| s.name.clone())
        .collect();
    let sa_name = m.name.as_deref().unwrap_or("");
    let tokens: Vec<String> = ctx
        .cluster
        .list_in::<Secret>(ns)
        .filter(|s| s.type_.as_deref() == Some("kubernetes.io/service-account-token"))
        .filter(|s| {
            s.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .is_some_and(|n| n == sa_name)
        })
        .filter_map(|s| s.metadata.name.clone())
        .collect();
    for (header, names, check) in [
        ("Image pull secrets:", pulls, true),
        ("Mountable secrets: ", mounts, true),
        ("Tokens:            ", tokens, false),
    ] {
        if names.is_empty() {
            w.push(&format!("{header}\t<none>\n"));
            continue;
        }
        let mut prefix = header;
        for name in names {
            if check && !exists(&name) {
                w.push(&format!("{prefix}\t{name} (not found)\n"));
            } else {
                w.push(&format!("{prefix}\t{name}\n"));
            }
            prefix = "                   ";
        }
    }
    object_events(ctx, &mut w, m);
    w.finish()
}

fn access_modes(modes: Option<&Vec<String>>) -> String {
    let modes = modes.cloned().unwrap_or_default();
    let mut out = Vec::new();
    for (mode, short) in [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ] {
        if modes.iter().any(|m| m == mode) {
            out.push(short);
        }
    }
    out.join(",")
}

pub(crate) fn pvc(ctx: &Context, p: &PersistentVolumeClaim) -> String {
    let mut w = Writer::with_capacity(1024);
    let m = &p.metadata;
    let spec = p.spec.clone().unwrap_or_default();
    let status = p.status.clone().unwrap_or_default();
    let ns = m.namespace.as_deref().unwrap_or("");
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!("Namespace:\t{ns}\n"));
    let class = m
        .annotations
        .as_ref()
        .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class").cloned())
        .or(spec.storage_class_name.clone())
        .unwrap_or_default();
    w.push(&format!("StorageClass:\t{class}\n"));
    if m.deletion_timestamp.is_some() {
        w.push(&format!(
            "Status:\tTerminating (lasts {})\n",
            since(ctx.cluster, m.deletion_timestamp.as_ref())
        ));
    } else {
        w.push(&format!(
            "Status:\t{}\n",
            status.phase.as_deref().unwrap_or("")
        ));
    }
    let volume = spec.volume_name.clone().unwrap_or_default();
    w.push(&format!("Volume:\t{volume}\n"));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    w.push(&format!(
        "Finalizers:\t[{}]\n",
        m.finalizers.clone().unwrap_or_default().join(" ")
    ));
    let (capacity, modes) = if volume.is_empty() {
        (String::new(), String::new())
    } else {
        (
            status
                .capacity
                .as_ref()
                .and_then(|c| c.get("storage"))
                .map(|q| q.0.clone())
                .unwrap_or_else(|| "0".into()),
            access_modes(status.access_modes.as_ref()),
        )
    };
    w.push(&format!("Capacity:\t{capacity}\n"));
    w.push(&format!("Access Modes:\t{modes}\n"));
    if let Some(mode) = &spec.volume_mode {
        w.push(&format!("VolumeMode:\t{mode}\n"));
    }
    if let Some(ds) = &spec.data_source {
        w.push("DataSource:\n");
        if let Some(g) = &ds.api_group {
            w.write(1, &format!("APIGroup:\t{g}\n"));
        }
        w.write(1, &format!("Kind:\t{}\n", ds.kind));
        w.write(1, &format!("Name:\t{}\n", ds.name));
    }
    // The pods mounting this claim, by name.
    let claim = m.name.as_deref().unwrap_or("");
    let mut users: Vec<String> = ctx
        .cluster
        .list_in::<Pod>(ns)
        .filter(|pod| {
            pod.spec
                .iter()
                .flat_map(|s| s.volumes.iter().flatten())
                .any(|v| {
                    v.persistent_volume_claim
                        .as_ref()
                        .is_some_and(|c| c.claim_name == claim)
                })
        })
        .filter_map(|pod| pod.metadata.name.clone())
        .collect();
    users.sort();
    w.push("Used By:\t");
    if users.is_empty() {
        w.push("<none>\n");
    }
    for (i, u) in users.iter().enumerate() {
        if i != 0 {
            w.push("\t");
        }
        w.push(&format!("{u}\n"));
    }
    if let Some(conds) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        w.push("Conditions:\n");
        w.write(
            1,
            "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.write(
            1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        let zero = || "Mon, 01 Jan 0001 00:00:00 +0000".to_string();
        for c in conds {
            w.write(
                1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    c.type_,
                    c.status,
                    c.last_probe_time
                        .as_ref()
                        .map(rfc1123z)
                        .unwrap_or_else(zero),
                    c.last_transition_time
                        .as_ref()
                        .map(rfc1123z)
                        .unwrap_or_else(zero),
                    c.reason.as_deref().unwrap_or(""),
                    c.message.as_deref().unwrap_or("")
                ),
            );
        }
    }
    object_events(ctx, &mut w, m);
    w.finish()
}

pub(crate) fn storage_class(ctx: &Context, sc: &StorageClass) -> String {
    let mut w = Writer::with_capacity(512);
    let m = &sc.metadata;
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    let default = m.annotations.as_ref().is_some_and(|a| {
        a.get("storageclass.kubernetes.io/is-default-class")
            .or_else(|| a.get("storageclass.beta.kubernetes.io/is-default-class"))
            .is_some_and(|v| v == "true")
    });
    w.push(&format!(
        "IsDefaultClass:\t{}\n",
        if default { "Yes" } else { "No" }
    ));
    w.push(&format!(
        "Annotations:\t{}\n",
        format_map(m.annotations.as_ref())
    ));
    w.push(&format!("Provisioner:\t{}\n", sc.provisioner));
    w.push(&format!(
        "Parameters:\t{}\n",
        format_map(sc.parameters.as_ref())
    ));
    w.push(&format!(
        "AllowVolumeExpansion:\t{}\n",
        match sc.allow_volume_expansion {
            Some(b) => super::title_bool(b),
            None => "<unset>",
        }
    ));
    match sc.mount_options.as_deref().filter(|o| !o.is_empty()) {
        None => w.push("MountOptions:\t<none>\n"),
        Some(opts) => {
            w.push("MountOptions:\n");
            for o in opts {
                w.write(1, &format!("{o}\n"));
            }
        }
    }
    if let Some(p) = &sc.reclaim_policy {
        w.push(&format!("ReclaimPolicy:\t{p}\n"));
    }
    if let Some(b) = &sc.volume_binding_mode {
        w.push(&format!("VolumeBindingMode:\t{b}\n"));
    }
    if ctx.show_events {
        // Cluster-scoped: the events live in the default namespace.
        let list = events_about(ctx.cluster, "default", m.uid.as_deref().unwrap_or(""));
        events(ctx, &mut w, list);
    }
    w.finish()
}

/// A quantity's value and whether it was written with a binary suffix.
struct Amount {
    milli: i128,
    binary: bool,
}

fn amount(q: &Quantity) -> Amount {
    Amount {
        milli: cluster::quantity::parse_milli(&q.0).unwrap_or(0),
        binary: q.0.ends_with('i'),
    }
}

/// `resource.Quantity.String()` of a sum, in the format of its first term.
fn canonical(a: &Amount) -> String {
    let m = a.milli;
    if m == 0 {
        return "0".to_string();
    }
    if m % 1000 != 0 {
        return format!("{m}m");
    }
    let mut v = m / 1000;
    if a.binary {
        let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
        let mut i = 0;
        while i + 1 < suffixes.len() && v % 1024 == 0 && v != 0 {
            v /= 1024;
            i += 1;
        }
        return format!("{v}{}", suffixes[i]);
    }
    let suffixes = ["", "k", "M", "G", "T", "P", "E"];
    let mut i = 0;
    while i + 1 < suffixes.len() && v % 1000 == 0 {
        v /= 1000;
        i += 1;
    }
    format!("{v}{}", suffixes[i])
}

/// `resourcehelper.PodRequestsAndLimits`: containers summed, each init container as a floor.
fn pod_totals(pod: &Pod) -> (BTreeMap<String, Amount>, BTreeMap<String, Amount>) {
    let mut reqs: BTreeMap<String, Amount> = BTreeMap::new();
    let mut limits: BTreeMap<String, Amount> = BTreeMap::new();
    let Some(spec) = &pod.spec else {
        return (reqs, limits);
    };
    let add = |into: &mut BTreeMap<String, Amount>, list: Option<&BTreeMap<String, Quantity>>| {
        for (k, q) in list.into_iter().flatten() {
            let a = amount(q);
            into.entry(k.clone())
                .and_modify(|e| e.milli += a.milli)
                .or_insert(a);
        }
    };
    for c in &spec.containers {
        let r = c.resources.as_ref();
        add(&mut reqs, r.and_then(|r| r.requests.as_ref()));
        add(&mut limits, r.and_then(|r| r.limits.as_ref()));
    }
    let floor = |into: &mut BTreeMap<String, Amount>, list: Option<&BTreeMap<String, Quantity>>| {
        for (k, q) in list.into_iter().flatten() {
            let a = amount(q);
            match into.get_mut(k) {
                Some(e) if e.milli >= a.milli => {}
                Some(e) => *e = a,
                None => {
                    into.insert(k.clone(), a);
                }
            }
        }
    };
    for c in spec.init_containers.iter().flatten() {
        let r = c.resources.as_ref();
        floor(&mut reqs, r.and_then(|r| r.requests.as_ref()));
        floor(&mut limits, r.and_then(|r| r.limits.as_ref()));
    }
    for (k, q) in spec.overhead.iter().flatten() {
        let a = amount(q);
        for map in [&mut reqs, &mut limits] {
            if let Some(e) = map.get_mut(k) {
                e.milli += a.milli;
            }
        }
        reqs.entry(k.clone()).or_insert(amount(q));
    }
    (reqs, limits)
}

fn zero() -> Amount {
    Amount {
        milli: 0,
        binary: false,
    }
}

/// Go's `int64(float64(part) / float64(whole) * 100)`.
fn percent(part: i128, whole: i128) -> i64 {
    if whole == 0 {
        return 0;
    }
    (part as f64 / whole as f64 * 100.0) as i64
}

/// `Quantity.Value()`: whole units, rounded up.
fn whole(milli: i128) -> i128 {
    (milli + 999).div_euclid(1000)
}

pub(crate) fn node(ctx: &Context, n: &Node) -> String {
    let mut w = Writer::with_capacity(4096);
    let m = &n.metadata;
    let name = m.name.as_deref().unwrap_or("");
    let spec = n.spec.clone().unwrap_or_default();
    let status = n.status.clone().unwrap_or_default();
    w.push(&format!("Name:\t{name}\n"));
    let mut roles: Vec<String> = Vec::new();
    for (k, v) in m.labels.iter().flatten() {
        if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
            if !role.is_empty() {
                roles.push(role.to_string());
            }
        } else if k == "kubernetes.io/role" && !v.is_empty() {
            roles.push(v.clone());
        }
    }
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        w.push("Roles:\t<none>\n");
    } else {
        w.push(&format!("Roles:\t{}\n", roles.join(",")));
    }
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    w.push(&format!(
        "CreationTimestamp:\t{}\n",
        m.creation_timestamp
            .as_ref()
            .map(rfc1123z)
            .unwrap_or_default()
    ));
    w.push("Taints:\t");
    let mut taints = spec.taints.clone().unwrap_or_default();
    if taints.is_empty() {
        w.push("<none>\n");
    }
    taints.sort_by_key(|t| format!("{},{}", t.effect, t.key));
    for (i, t) in taints.iter().enumerate() {
        if i != 0 {
            w.push("\t");
        }
        let value = t.value.as_deref().unwrap_or("");
        if value.is_empty() {
            w.push(&format!("{}:{}\n", t.key, t.effect));
        } else {
            w.push(&format!("{}={value}:{}\n", t.key, t.effect));
        }
    }
    w.push(&format!(
        "Unschedulable:\t{}\n",
        super::go_bool(spec.unschedulable == Some(true))
    ));
    super::slices::node_lease(ctx.cluster, &mut w, m.name.as_deref().unwrap_or(""));
    if let Some(conds) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        w.push(
            "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.write(
            1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        let zero = || "Mon, 01 Jan 0001 00:00:00 +0000".to_string();
        for c in conds {
            w.write(
                1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    c.type_,
                    c.status,
                    c.last_heartbeat_time
                        .as_ref()
                        .map(rfc1123z)
                        .unwrap_or_else(zero),
                    c.last_transition_time
                        .as_ref()
                        .map(rfc1123z)
                        .unwrap_or_else(zero),
                    c.reason.as_deref().unwrap_or(""),
                    c.message.as_deref().unwrap_or("")
                ),
            );
        }
    }
    w.push("Addresses:\n");
    for a in status.addresses.iter().flatten() {
        w.write(1, &format!("{}:\t{}\n", a.type_, a.address));
    }
    if let Some(cap) = status.capacity.as_ref().filter(|c| !c.is_empty()) {
        w.push("Capacity:\n");
        for (k, q) in cap {
            w.push(&format!("  {k}:\t{}\n", q.0));
        }
    }
    if let Some(alloc) = status.allocatable.as_ref().filter(|c| !c.is_empty()) {
        w.push("Allocatable:\n");
        for (k, q) in alloc {
            w.push(&format!("  {k}:\t{}\n", q.0));
        }
    }
    let info = status.node_info.clone().unwrap_or_default();
    w.push("System Info:\n");
    for (title, value) in [
        ("Machine ID", &info.machine_id),
        ("System UUID", &info.system_uuid),
        ("Boot ID", &info.boot_id),
        ("Kernel Version", &info.kernel_version),
        ("OS Image", &info.os_image),
        ("Operating System", &info.operating_system),
        ("Architecture", &info.architecture),
        ("Container Runtime Version", &info.container_runtime_version),
        ("Kubelet Version", &info.kubelet_version),
        ("Kube-Proxy Version", &info.kube_proxy_version),
    ] {
        w.push(&format!("  {title}:\t{value}\n"));
    }
    if let Some(cidr) = spec.pod_cidr.as_deref().filter(|c| !c.is_empty()) {
        w.push(&format!("PodCIDR:\t{cidr}\n"));
    }
    if let Some(cidrs) = spec.pod_cidrs.as_deref().filter(|c| !c.is_empty()) {
        w.push(&format!("PodCIDRs:\t{}\n", cidrs.join(",")));
    }
    if let Some(p) = spec.provider_id.as_deref().filter(|c| !c.is_empty()) {
        w.push(&format!("ProviderID:\t{p}\n"));
    }
    node_resources(ctx, &mut w, n);
    if ctx.show_events {
        // kubectl asks twice: events naming the node by uid, and by name (the kubelet's).
        let uid = m.uid.as_deref().unwrap_or("");
        let mut list: Vec<&cluster::k8s_openapi::api::core::v1::Event> = Vec::new();
        for key in [uid, name] {
            list.extend(
                ctx.cluster
                    .list::<cluster::k8s_openapi::api::core::v1::Event>()
                    .map(|e| e.as_ref())
                    .filter(|e| {
                        e.involved_object.uid.as_deref() == Some(key)
                            && e.involved_object.name.as_deref() == Some(name)
                            && e.involved_object.kind.as_deref() == Some("Node")
                    }),
            );
        }
        events(ctx, &mut w, list);
    }
    w.finish()
}

fn node_resources(ctx: &Context, w: &mut Writer, n: &Node) {
    let name = n.metadata.name.as_deref().unwrap_or("");
    let pods: Vec<&Pod> = ctx
        .cluster
        .list::<Pod>()
        .map(|p| p.as_ref())
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(name))
        .filter(|p| {
            !matches!(
                p.status.as_ref().and_then(|s| s.phase.as_deref()),
                Some("Succeeded" | "Failed")
            )
        })
        .collect();
    let status = n.status.clone().unwrap_or_default();
    let allocatable = status
        .allocatable
        .clone()
        .filter(|a| !a.is_empty())
        .or(status.capacity.clone())
        .unwrap_or_default();
    let alloc = |k: &str| allocatable.get(k).map(amount).unwrap_or_else(zero);
    let (cpu_alloc, mem_alloc) = (alloc("cpu").milli, whole(alloc("memory").milli));
    w.push(&format!(
        "Non-terminated Pods:\t({} in total)\n",
        pods.len()
    ));
    w.write(
        1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    );
    w.write(
        1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    );
    let mut total_reqs: BTreeMap<String, Amount> = BTreeMap::new();
    let mut total_limits: BTreeMap<String, Amount> = BTreeMap::new();
    for pod in &pods {
        let (reqs, limits) = pod_totals(pod);
        let get = |m: &BTreeMap<String, Amount>, k: &str| {
            m.get(k)
                .map(|a| Amount {
                    milli: a.milli,
                    binary: a.binary,
                })
                .unwrap_or_else(zero)
        };
        let (cr, cl, mr, ml) = (
            get(&reqs, "cpu"),
            get(&limits, "cpu"),
            get(&reqs, "memory"),
            get(&limits, "memory"),
        );
        w.write(
            1,
            &format!(
                "{}\t{}\t\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{}\n",
                pod.metadata.namespace.as_deref().unwrap_or(""),
                pod.metadata.name.as_deref().unwrap_or(""),
                canonical(&cr),
                percent(cr.milli, cpu_alloc),
                canonical(&cl),
                percent(cl.milli, cpu_alloc),
                canonical(&mr),
                percent(whole(mr.milli), mem_alloc),
                canonical(&ml),
                percent(whole(ml.milli), mem_alloc),
                since(ctx.cluster, pod.metadata.creation_timestamp.as_ref())
            ),
        );
        for (from, into) in [(reqs, &mut total_reqs), (limits, &mut total_limits)] {
            for (k, a) in from {
                into.entry(k)
                    .and_modify(|e| e.milli += a.milli)
                    .or_insert(a);
            }
        }
    }
    w.push(
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    w.write(1, "Resource\tRequests\tLimits\n");
    w.write(1, "--------\t--------\t------\n");
    let total = |m: &BTreeMap<String, Amount>, k: &str| {
        m.get(k)
            .map(|a| Amount {
                milli: a.milli,
                binary: a.binary,
            })
            .unwrap_or_else(zero)
    };
    let row = |w: &mut Writer, k: &str, whole_units: bool| {
        let (r, l) = (total(&total_reqs, k), total(&total_limits, k));
        let a = alloc(k);
        let (rp, lp) = if whole_units {
            let aw = whole(a.milli);
            (percent(whole(r.milli), aw), percent(whole(l.milli), aw))
        } else {
            (percent(r.milli, a.milli), percent(l.milli, a.milli))
        };
        w.write(
            1,
            &format!(
                "{k}\t{} ({rp}%)\t{} ({lp}%)\n",
                canonical(&r),
                canonical(&l)
            ),
        );
    };
    row(w, "cpu", false);
    row(w, "memory", true);
    row(w, "ephemeral-storage", true);
    let mut huge: Vec<&String> = allocatable
        .keys()
        .filter(|k| k.starts_with("hugepages-"))
        .collect();
    huge.sort();
    for k in huge {
        row(w, k, true);
    }
    let standard = ["cpu", "memory", "ephemeral-storage", "pods"];
    for k in allocatable.keys() {
        if standard.contains(&k.as_str()) || k.starts_with("hugepages-") || !k.contains('/') {
            continue;
        }
        w.write(
            1,
            &format!(
                "{k}\t{}\t{}\n",
                canonical(&total(&total_reqs, k)),
                canonical(&total(&total_limits, k))
            ),
        );
    }
}
