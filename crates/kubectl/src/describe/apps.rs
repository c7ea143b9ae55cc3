//! The workload describers: Deployment, ReplicaSet, StatefulSet.

use cluster::k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use cluster::k8s_openapi::api::core::v1::Pod;
use cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::tabwriter::Writer;
use super::{Context, annotations, controller_of, events, events_about, labels, rfc1123z};

/// `labels.Selector.String()`: requirements sorted by key, `k=v`, `k in (a,b)`, `k`, `!k`.
pub(crate) fn selector_string(s: Option<&LabelSelector>) -> String {
    let Some(s) = s else {
        return String::new();
    };
    let mut parts: Vec<(String, String)> = Vec::new();
    for (k, v) in s.match_labels.iter().flatten() {
        parts.push((k.clone(), format!("{k}={v}")));
    }
    for e in s.match_expressions.iter().flatten() {
        let mut values = e.values.clone().unwrap_or_default();
        values.sort();
        let text = match e.operator.as_str() {
            "In" => format!("{} in ({})", e.key, values.join(",")),
            "NotIn" => format!("{} notin ({})", e.key, values.join(",")),
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            _ => String::new(),
        };
        parts.push((e.key.clone(), text));
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    parts
        .into_iter()
        .map(|(_, t)| t)
        .collect::<Vec<_>>()
        .join(",")
}

/// `metav1.FormatLabelSelector`: like [`selector_string`], `<none>` when empty.
fn format_selector(s: Option<&LabelSelector>) -> String {
    let text = selector_string(s);
    if text.is_empty() {
        "<none>".to_string()
    } else {
        text
    }
}

fn int_or_string(v: Option<&IntOrString>) -> String {
    match v {
        Some(IntOrString::Int(i)) => i.to_string(),
        Some(IntOrString::String(s)) => s.clone(),
        None => "0".to_string(),
    }
}

/// Pods of a controller by phase: running, waiting, succeeded, failed.
fn pod_phases(ctx: &Context, ns: &str, selector: Option<&LabelSelector>, uid: &str) -> [usize; 4] {
    let mut counts = [0; 4];
    let Some(selector) = selector else {
        return counts;
    };
    for pod in ctx.cluster.list_in::<Pod>(ns) {
        if !cluster::selectors::matches(selector, pod.metadata.labels.as_ref()) {
            continue;
        }
        let controlled = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .any(|o| o.controller == Some(true) && o.uid == uid);
        if !controlled {
            continue;
        }
        match pod.status.as_ref().and_then(|s| s.phase.as_deref()) {
            Some("Running") => counts[0] += 1,
            Some("Pending") => counts[1] += 1,
            Some("Succeeded") => counts[2] += 1,
            Some("Failed") => counts[3] += 1,
            _ => {}
        }
    }
    counts
}

fn object_events(
    ctx: &Context,
    w: &mut Writer,
    meta: &cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) {
    if ctx.show_events {
        let list = events_about(
            ctx.cluster,
            meta.namespace.as_deref().unwrap_or(""),
            meta.uid.as_deref().unwrap_or(""),
        );
        events(ctx, w, list);
    }
}

pub(crate) fn deployment(ctx: &Context, d: &Deployment) -> String {
    let mut w = Writer::with_capacity(4096);
    let m = &d.metadata;
    let spec = d.spec.clone().unwrap_or_default();
    let status = d.status.clone().unwrap_or_default();
    let ns = m.namespace.as_deref().unwrap_or("");
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!("Namespace:\t{ns}\n"));
    w.push(&format!(
        "CreationTimestamp:\t{}\n",
        m.creation_timestamp
            .as_ref()
            .map(rfc1123z)
            .unwrap_or_default()
    ));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    w.push(&format!(
        "Selector:\t{}\n",
        selector_string(Some(&spec.selector))
    ));
    w.push(&format!(
        "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
        spec.replicas.unwrap_or(1),
        status.updated_replicas.unwrap_or(0),
        status.replicas.unwrap_or(0),
        status.available_replicas.unwrap_or(0),
        status.unavailable_replicas.unwrap_or(0)
    ));
    let strategy = spec.strategy.clone().unwrap_or_default();
    w.push(&format!(
        "StrategyType:\t{}\n",
        strategy.type_.as_deref().unwrap_or("")
    ));
    w.push(&format!(
        "MinReadySeconds:\t{}\n",
        spec.min_ready_seconds.unwrap_or(0)
    ));
    if let Some(ru) = &strategy.rolling_update {
        w.push(&format!(
            "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
            int_or_string(ru.max_unavailable.as_ref()),
            int_or_string(ru.max_surge.as_ref())
        ));
    }
    super::pod::template(&mut w, Some(&spec.template));
    if let Some(conds) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        w.push("Conditions:\n  Type\tStatus\tReason\n");
        w.write(1, "----\t------\t------\n");
        for c in conds {
            w.write(
                1,
                &format!(
                    "{} \t{}\t{}\n",
                    c.type_,
                    c.status,
                    c.reason.as_deref().unwrap_or("")
                ),
            );
        }
    }
    // kubectl's deployment util: the ReplicaSets this Deployment controls, oldest first; the
    // new one has the Deployment's template (ignoring the pod-template-hash label).
    let uid = m.uid.as_deref().unwrap_or("");
    let mut owned: Vec<&ReplicaSet> = ctx
        .cluster
        .list_in::<ReplicaSet>(ns)
        .map(|r| r.as_ref())
        .filter(|r| cluster::selectors::matches(&spec.selector, r.metadata.labels.as_ref()))
        .filter(|r| {
            r.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.controller == Some(true) && o.uid == uid)
        })
        .collect();
    owned.sort_by(|a, b| {
        (
            a.metadata.creation_timestamp.as_ref().map(|t| t.0),
            &a.metadata.name,
        )
            .cmp(&(
                b.metadata.creation_timestamp.as_ref().map(|t| t.0),
                &b.metadata.name,
            ))
    });
    let same_template = |r: &ReplicaSet| {
        let Some(mut t) = r.spec.as_ref().and_then(|s| s.template.clone()) else {
            return false;
        };
        if let Some(m) = t.metadata.as_mut()
            && let Some(l) = m.labels.as_mut()
        {
            l.remove("pod-template-hash");
        }
        t == spec.template
    };
    let new_rs = owned.iter().position(|r| same_template(r));
    let new: Vec<&ReplicaSet> = new_rs.map(|i| owned[i]).into_iter().collect();
    let old: Vec<&ReplicaSet> = owned
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != new_rs)
        .map(|(_, r)| *r)
        .collect();
    if !old.is_empty() || !new.is_empty() {
        w.push(&format!("OldReplicaSets:\t{}\n", replica_sets(&old)));
        w.push(&format!("NewReplicaSet:\t{}\n", replica_sets(&new)));
    }
    object_events(ctx, &mut w, m);
    w.finish()
}

fn replica_sets(list: &[&ReplicaSet]) -> String {
    if list.is_empty() {
        return "<none>".to_string();
    }
    list.iter()
        .map(|r| {
            format!(
                "{} ({}/{} replicas created)",
                r.metadata.name.as_deref().unwrap_or(""),
                r.status.as_ref().map(|s| s.replicas).unwrap_or(0),
                r.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn replica_set(ctx: &Context, rs: &ReplicaSet) -> String {
    let mut w = Writer::with_capacity(4096);
    let m = &rs.metadata;
    let spec = rs.spec.clone().unwrap_or_default();
    let status = rs.status.clone().unwrap_or_default();
    let ns = m.namespace.as_deref().unwrap_or("");
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!("Namespace:\t{ns}\n"));
    w.push(&format!(
        "Selector:\t{}\n",
        format_selector(Some(&spec.selector))
    ));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    if let Some(c) = controller_of(m) {
        w.push(&format!("Controlled By:\t{c}\n"));
    }
    w.push(&format!(
        "Replicas:\t{} current / {} desired\n",
        status.replicas,
        spec.replicas.unwrap_or(1)
    ));
    let [running, waiting, succeeded, failed] = pod_phases(
        ctx,
        ns,
        Some(&spec.selector),
        m.uid.as_deref().unwrap_or(""),
    );
    w.push(&format!(
        "Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed\n"
    ));
    super::pod::template(&mut w, spec.template.as_ref());
    if let Some(conds) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        w.push("Conditions:\n  Type\tStatus\tReason\n");
        w.write(1, "----\t------\t------\n");
        for c in conds {
            w.write(
                1,
                &format!(
                    "{} \t{}\t{}\n",
                    c.type_,
                    c.status,
                    c.reason.as_deref().unwrap_or("")
                ),
            );
        }
    }
    object_events(ctx, &mut w, m);
    w.finish()
}

pub(crate) fn stateful_set(ctx: &Context, s: &StatefulSet) -> String {
    let mut w = Writer::with_capacity(4096);
    let m = &s.metadata;
    let spec = s.spec.clone().unwrap_or_default();
    let status = s.status.clone().unwrap_or_default();
    let ns = m.namespace.as_deref().unwrap_or("");
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!("Namespace:\t{ns}\n"));
    w.push(&format!(
        "CreationTimestamp:\t{}\n",
        m.creation_timestamp
            .as_ref()
            .map(rfc1123z)
            .unwrap_or_default()
    ));
    w.push(&format!(
        "Selector:\t{}\n",
        selector_string(Some(&spec.selector))
    ));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    w.push(&format!(
        "Replicas:\t{} desired | {} total\n",
        spec.replicas.unwrap_or(1),
        status.replicas
    ));
    let strategy = spec.update_strategy.clone().unwrap_or_default();
    w.push(&format!(
        "Update Strategy:\t{}\n",
        strategy.type_.as_deref().unwrap_or("")
    ));
    if let Some(ru) = &strategy.rolling_update
        && let Some(p) = ru.partition
    {
        w.write(1, &format!("Partition:\t{p}\n"));
        if let Some(mu) = &ru.max_unavailable {
            w.write(
                1,
                &format!("MaxUnavailable:\t{}\n", int_or_string(Some(mu))),
            );
        }
    }
    let [running, waiting, succeeded, failed] = pod_phases(
        ctx,
        ns,
        Some(&spec.selector),
        m.uid.as_deref().unwrap_or(""),
    );
    w.push(&format!(
        "Pods Status:\t{running} Running / {waiting} Waiting / {succeeded} Succeeded / {failed} Failed\n"
    ));
    super::pod::template(&mut w, Some(&spec.template));
    let claims = spec.volume_claim_templates.as_deref().unwrap_or(&[]);
    if claims.is_empty() {
        w.push("Volume Claims:\t<none>\n");
    } else {
        w.push("Volume Claims:\n");
        for pvc in claims {
            let pm = &pvc.metadata;
            let ps = pvc.spec.clone().unwrap_or_default();
            w.write(1, &format!("Name:\t{}\n", pm.name.as_deref().unwrap_or("")));
            let class = pm
                .annotations
                .as_ref()
                .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class").cloned())
                .or(ps.storage_class_name.clone())
                .unwrap_or_default();
            w.write(1, &format!("StorageClass:\t{class}\n"));
            super::labels_multiline(&mut w, "  ", "Labels", "\t", pm.labels.as_ref());
            super::labels_multiline(&mut w, "  ", "Annotations", "\t", pm.annotations.as_ref());
            let capacity = ps
                .resources
                .as_ref()
                .and_then(|r| r.requests.as_ref())
                .and_then(|r| r.get("storage"))
                .map(|q| q.0.clone())
                .unwrap_or_else(|| "<default>".into());
            w.write(1, &format!("Capacity:\t{capacity}\n"));
            w.write(
                1,
                &format!(
                    "Access Modes:\t[{}]\n",
                    ps.access_modes.unwrap_or_default().join(" ")
                ),
            );
        }
    }
    object_events(ctx, &mut w, m);
    w.finish()
}
