//! The HorizontalPodAutoscaler (autoscaling/v2) and NetworkPolicy describers.

use cluster::k8s_openapi::api::autoscaling::v2::{
    HPAScalingRules, HorizontalPodAutoscaler, MetricTarget, MetricValueStatus,
};
use cluster::k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort,
};
use cluster::k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use cluster::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::apps::selector_string;
use super::tabwriter::Writer;
use super::{Context, annotations, events, events_about, labels, rfc1123z};

fn q(v: Option<&Quantity>) -> String {
    v.map(|q| q.0.clone()).unwrap_or_else(|| "0".into())
}

pub(crate) fn hpa(ctx: &Context, h: &HorizontalPodAutoscaler) -> String {
    let mut w = Writer::with_capacity(1024);
    let m = &h.metadata;
    let spec = h.spec.clone().unwrap_or_default();
    let status = h.status.clone().unwrap_or_default();
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!(
        "Namespace:\t{}\n",
        m.namespace.as_deref().unwrap_or("")
    ));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    w.push(&format!(
        "CreationTimestamp:\t{}\n",
        m.creation_timestamp
            .as_ref()
            .map(rfc1123z)
            .unwrap_or_default()
    ));
    let target = &spec.scale_target_ref;
    w.push(&format!("Reference:\t{}/{}\n", target.kind, target.name));
    w.push("Metrics:\t( current / target )\n");
    let current = status.current_metrics.clone().unwrap_or_default();
    for (i, metric) in spec.metrics.iter().flatten().enumerate() {
        let cur = current.get(i);
        match metric.type_.as_str() {
            "Resource" => {
                let Some(r) = &metric.resource else { continue };
                w.write(1, &format!("resource {} on pods", r.name));
                resource_target(
                    &mut w,
                    &r.target,
                    cur.and_then(|c| c.resource.as_ref()).map(|c| &c.current),
                );
            }
            "ContainerResource" => {
                let Some(r) = &metric.container_resource else {
                    continue;
                };
                w.write(
                    1,
                    &format!(
                        "resource {} of container \"{}\" on pods",
                        r.name, r.container
                    ),
                );
                resource_target(
                    &mut w,
                    &r.target,
                    cur.and_then(|c| c.container_resource.as_ref())
                        .map(|c| &c.current),
                );
            }
            "Pods" => {
                let Some(p) = &metric.pods else { continue };
                let now = cur
                    .and_then(|c| c.pods.as_ref())
                    .map(|c| q(c.current.average_value.as_ref()))
                    .unwrap_or_else(|| "<unknown>".into());
                w.write(
                    1,
                    &format!(
                        "{:?} on pods:\t{now} / {}\n",
                        p.metric.name,
                        q(p.target.average_value.as_ref())
                    ),
                );
            }
            "Object" => {
                let Some(o) = &metric.object else { continue };
                w.write(
                    1,
                    &format!(
                        "\"{}\" on {}/{} ",
                        o.metric.name, o.described_object.kind, o.described_object.name
                    ),
                );
                let cur = cur.and_then(|c| c.object.as_ref());
                if o.target.type_ == "AverageValue" {
                    let now = cur
                        .map(|c| q(c.current.average_value.as_ref()))
                        .unwrap_or_else(|| "<unknown>".into());
                    w.push(&format!(
                        "(target average value):\t{now} / {}\n",
                        q(o.target.average_value.as_ref())
                    ));
                } else {
                    let now = cur
                        .map(|c| q(c.current.value.as_ref()))
                        .unwrap_or_else(|| "<unknown>".into());
                    w.push(&format!(
                        "(target value):\t{now} / {}\n",
                        q(o.target.value.as_ref())
                    ));
                }
            }
            "External" => {
                let Some(e) = &metric.external else { continue };
                let cur = cur.and_then(|c| c.external.as_ref());
                if let Some(avg) = &e.target.average_value {
                    let now = cur
                        .and_then(|c| c.current.average_value.as_ref())
                        .map(|v| v.0.clone())
                        .unwrap_or_else(|| "<unknown>".into());
                    w.write(
                        1,
                        &format!(
                            "{:?} (target average value):\t{now} / {}\n",
                            e.metric.name, avg.0
                        ),
                    );
                } else {
                    let now = cur
                        .map(|c| q(c.current.value.as_ref()))
                        .unwrap_or_else(|| "<unknown>".into());
                    w.write(
                        1,
                        &format!(
                            "{:?} (target value):\t{now} / {}\n",
                            e.metric.name,
                            q(e.target.value.as_ref())
                        ),
                    );
                }
            }
            other => w.write(1, &format!("<unknown metric type {other:?}>\n")),
        }
    }
    let min = spec
        .min_replicas
        .map(|m| m.to_string())
        .unwrap_or_else(|| "<unset>".into());
    w.push(&format!("Min replicas:\t{min}\n"));
    w.push(&format!("Max replicas:\t{}\n", spec.max_replicas));
    if let Some(b) = &spec.behavior {
        w.push("Behavior:\n");
        direction(&mut w, "Scale Up", b.scale_up.as_ref());
        direction(&mut w, "Scale Down", b.scale_down.as_ref());
    }
    w.push(&format!(
        "{} pods:\t{} current / {} desired\n",
        target.kind,
        status.current_replicas.unwrap_or(0),
        status.desired_replicas
    ));
    if let Some(conds) = status.conditions.as_deref().filter(|c| !c.is_empty()) {
        w.push("Conditions:\n");
        w.write(1, "Type\tStatus\tReason\tMessage\n");
        w.write(1, "----\t------\t------\t-------\n");
        for c in conds {
            w.write(
                1,
                &format!(
                    "{}\t{}\t{}\t{}\n",
                    c.type_,
                    c.status,
                    c.reason.as_deref().unwrap_or(""),
                    c.message.as_deref().unwrap_or("")
                ),
            );
        }
    }
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

fn direction(w: &mut Writer, title: &str, rules: Option<&HPAScalingRules>) {
    let Some(r) = rules else { return };
    w.write(1, &format!("{title}:\n"));
    if let Some(s) = r.stabilization_window_seconds {
        w.write(2, &format!("Stabilization Window: {s} seconds\n"));
    }
    if let Some(policies) = r.policies.as_deref().filter(|p| !p.is_empty()) {
        w.write(
            2,
            &format!(
                "Select Policy: {}\n",
                r.select_policy.as_deref().unwrap_or("Max")
            ),
        );
        w.write(2, "Policies:\n");
        for p in policies {
            w.write(
                3,
                &format!(
                    "- Type: {}\tValue: {}\tPeriod: {} seconds\n",
                    p.type_, p.value, p.period_seconds
                ),
            );
        }
    }
}

pub(crate) fn network_policy(n: &NetworkPolicy) -> String {
    let mut w = Writer::with_capacity(1024);
    let m = &n.metadata;
    let spec = n.spec.clone().unwrap_or_default();
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!(
        "Namespace:\t{}\n",
        m.namespace.as_deref().unwrap_or("")
    ));
    // Go's time.Time.String() in UTC.
    let created = m
        .creation_timestamp
        .as_ref()
        .map(|t| t.0.strftime("%Y-%m-%d %H:%M:%S +0000 UTC").to_string())
        .unwrap_or_else(|| "0001-01-01 00:00:00 +0000 UTC".into());
    w.push(&format!("Created on:\t{created}\n"));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    w.push("Spec:\n");
    w.write(1, "PodSelector: ");
    let selector = selector_string(spec.pod_selector.as_ref());
    if selector.is_empty() {
        w.write(
            2,
            "<none> (Allowing the specific traffic to all pods in this namespace)\n",
        );
    } else {
        w.write(2, &format!("{selector}\n"));
    }
    let types = spec.policy_types.clone().unwrap_or_default();
    if types.iter().any(|t| t == "Ingress") {
        w.write(1, "Allowing ingress traffic:\n");
        let rules: Vec<(Vec<NetworkPolicyPort>, Vec<NetworkPolicyPeer>)> = spec
            .ingress
            .iter()
            .flatten()
            .map(|r| {
                (
                    r.ports.clone().unwrap_or_default(),
                    r.from.clone().unwrap_or_default(),
                )
            })
            .collect();
        rules_text(&mut w, &rules, "ingress", "From", "source");
    } else {
        w.write(1, "Not affecting ingress traffic\n");
    }
    if types.iter().any(|t| t == "Egress") {
        w.write(1, "Allowing egress traffic:\n");
        let rules: Vec<(Vec<NetworkPolicyPort>, Vec<NetworkPolicyPeer>)> = spec
            .egress
            .iter()
            .flatten()
            .map(|r| {
                (
                    r.ports.clone().unwrap_or_default(),
                    r.to.clone().unwrap_or_default(),
                )
            })
            .collect();
        rules_text(&mut w, &rules, "egress", "To", "destination");
    } else {
        w.write(1, "Not affecting egress traffic\n");
    }
    let types_text = if types.is_empty() {
        "<none>".to_string()
    } else {
        types.join(", ")
    };
    w.write(1, &format!("Policy Types: {types_text}\n"));
    w.finish()
}

fn rules_text(
    w: &mut Writer,
    rules: &[(Vec<NetworkPolicyPort>, Vec<NetworkPolicyPeer>)],
    direction: &str,
    peer_title: &str,
    restricted: &str,
) {
    const INDENT: &str = "    ";
    if rules.is_empty() {
        w.push(&format!(
            "{INDENT}<none> (Selected pods are isolated for {direction} connectivity)\n"
        ));
        return;
    }
    for (i, (ports, peers)) in rules.iter().enumerate() {
        if ports.is_empty() {
            w.push(&format!(
                "{INDENT}To Port: <any> (traffic allowed to all ports)\n"
            ));
        }
        for p in ports {
            let proto = p.protocol.as_deref().unwrap_or("TCP");
            let port = match &p.port {
                Some(IntOrString::Int(n)) => n.to_string(),
                Some(IntOrString::String(s)) => s.clone(),
                None => String::new(),
            };
            match p.end_port {
                None => w.push(&format!("{INDENT}To Port: {port}/{proto}\n")),
                Some(end) => w.push(&format!("{INDENT}To Port Range: {port}-{end}/{proto}\n")),
            }
        }
        if peers.is_empty() {
            w.push(&format!(
                "{INDENT}{peer_title}: <any> (traffic not restricted by {restricted})\n"
            ));
        }
        let format_selector =
            |s: &cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector| {
                let text = selector_string(Some(s));
                if text.is_empty() {
                    "<none>".to_string()
                } else {
                    text
                }
            };
        for peer in peers {
            w.push(&format!("{INDENT}{peer_title}:\n"));
            match (&peer.pod_selector, &peer.namespace_selector, &peer.ip_block) {
                (Some(pod), Some(ns), _) => {
                    w.write(
                        1,
                        &format!("{INDENT}NamespaceSelector: {}\n", format_selector(ns)),
                    );
                    w.write(
                        1,
                        &format!("{INDENT}PodSelector: {}\n", format_selector(pod)),
                    );
                }
                (Some(pod), None, _) => {
                    w.write(
                        1,
                        &format!("{INDENT}PodSelector: {}\n", format_selector(pod)),
                    );
                }
                (None, Some(ns), _) => {
                    w.write(
                        1,
                        &format!("{INDENT}NamespaceSelector: {}\n", format_selector(ns)),
                    );
                }
                (None, None, Some(block)) => {
                    w.write(1, &format!("{INDENT}IPBlock:\n"));
                    w.write(2, &format!("{INDENT}CIDR: {}\n", block.cidr));
                    w.write(
                        2,
                        &format!(
                            "{INDENT}Except: {}\n",
                            block.except.clone().unwrap_or_default().join(", ")
                        ),
                    );
                }
                (None, None, None) => {}
            }
        }
        if i + 1 != rules.len() {
            w.push(&format!("{INDENT}----------\n"));
        }
    }
}

/// A resource metric's current value against its target: an average value, or a percentage of
/// the pods' requests.
fn resource_target(w: &mut Writer, target: &MetricTarget, current: Option<&MetricValueStatus>) {
    if let Some(avg) = &target.average_value {
        let now = current
            .map(|c| q(c.average_value.as_ref()))
            .unwrap_or_else(|| "<unknown>".into());
        w.push(&format!(":\t{now} / {}\n", avg.0));
    } else {
        let now = current
            .and_then(|c| {
                c.average_utilization
                    .map(|u| format!("{u}% ({})", q(c.average_value.as_ref())))
            })
            .unwrap_or_else(|| "<unknown>".into());
        let goal = target
            .average_utilization
            .map(|u| format!("{u}%"))
            .unwrap_or_else(|| "<auto>".into());
        w.write(
            1,
            &format!("(as a percentage of request):\t{now} / {goal}\n"),
        );
    }
}
