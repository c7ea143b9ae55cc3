//! What the API server serves, and the discovery documents that describe it: aggregated
//! (`apidiscovery.k8s.io` v2 and v2beta1, chosen by Accept) and legacy.

use serde_json::{Value, json};

pub use kubectl::discovery::{Resource, Served, find, resources};

fn groups() -> Vec<(&'static str, &'static str)> {
    kubectl::discovery::group_versions()
}

/// Which aggregated discovery version the Accept header asks for, if any.
pub fn aggregated_version(accept: &str) -> Option<&'static str> {
    if accept.contains("v=v2;as=APIGroupDiscoveryList") {
        Some("v2")
    } else if accept.contains("v=v2beta1;as=APIGroupDiscoveryList") {
        Some("v2beta1")
    } else {
        None
    }
}

pub fn aggregated_content_type(version: &str) -> String {
    format!("application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList")
}

fn aggregated_resource(r: &Resource) -> Value {
    let mut v = json!({
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": r.singular,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        v["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        v["categories"] = json!(r.categories);
    }
    if !r.subresources.is_empty() {
        v["subresources"] = Value::Array(
            r.subresources
                .iter()
                .map(|(sub, g, ver, k, verbs)| json!({"subresource": sub, "responseKind": {"group": g, "version": ver, "kind": k}, "verbs": verbs}))
                .collect(),
        );
    }
    v
}

/// `/api` (core: `core == true`) or `/apis` as an aggregated discovery document.
pub fn aggregated(core: bool, version: &str) -> Value {
    let all = resources();
    let items: Vec<Value> = groups()
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(g, v)| {
            let rs: Vec<Value> = all.iter().filter(|r| r.group == g && r.version == v).map(aggregated_resource).collect();
            let mut meta = json!({"creationTimestamp": null});
            if !g.is_empty() {
                meta["name"] = json!(g);
            }
            json!({"metadata": meta, "versions": [{"version": v, "resources": rs, "freshness": "Current"}]})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": format!("apidiscovery.k8s.io/{version}"), "metadata": {}, "items": items})
}

pub fn legacy_api_versions(server_address: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]})
}

fn api_group(g: &str, v: &str) -> Value {
    let gv = format!("{g}/{v}");
    json!({"name": g, "versions": [{"groupVersion": gv, "version": v}], "preferredVersion": {"groupVersion": gv, "version": v}})
}

pub fn legacy_group_list() -> Value {
    let groups: Vec<Value> = groups()
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, v)| api_group(g, v))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

pub fn legacy_group(group: &str) -> Option<Value> {
    let (g, v) = groups().into_iter().find(|(g, _)| *g == group)?;
    let mut doc = api_group(g, v);
    doc["kind"] = json!("APIGroup");
    doc["apiVersion"] = json!("v1");
    Some(doc)
}

pub fn legacy_resource_list(group: &str, version: &str) -> Option<Value> {
    let all: Vec<Resource> = resources()
        .into_iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if all.is_empty() {
        return None;
    }
    let mut list = Vec::new();
    for r in &all {
        let mut v = json!({"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind, "verbs": r.verbs});
        if !r.short_names.is_empty() {
            v["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            v["categories"] = json!(r.categories);
        }
        list.push(v);
        for (sub, g, ver, k, verbs) in &r.subresources {
            let mut s = json!({"name": format!("{}/{sub}", r.plural), "singularName": "", "namespaced": r.namespaced, "kind": k, "verbs": verbs});
            if !g.is_empty() && *g != r.group {
                s["group"] = json!(g);
                s["version"] = json!(ver);
            }
            list.push(s);
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list}),
    )
}
