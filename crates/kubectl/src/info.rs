//! What kubectl says about the server itself: `api-resources` and `api-versions` (from the
//! discovery table the API server serves) and `cluster-info`.

use crate::discovery::{self, Resource};
use crate::grammar::{Invocation, Output as OutputFlag};
use crate::human;
use crate::output::Output;

fn api_version(r: &Resource) -> String {
    if r.group.is_empty() {
        r.version.to_string()
    } else {
        format!("{}/{}", r.group, r.version)
    }
}

/// `kubectl api-resources`: filters, then a stable sort by group (or name, or kind) and name.
pub fn api_resources(inv: &Invocation) -> Output {
    let flags = &inv.flags;
    let group_given = flags.given.iter().any(|(name, _)| name == "api-group");
    let mut rows: Vec<Resource> = discovery::resources()
        .into_iter()
        .filter(|r| !group_given || flags.api_group.as_deref().unwrap_or("") == r.group)
        .filter(|r| flags.namespaced.is_none_or(|n| n == r.namespaced))
        .filter(|r| flags.verbs.iter().all(|v| r.verbs.contains(&v.as_str())))
        .filter(|r| {
            flags
                .categories
                .iter()
                .all(|c| r.categories.contains(&c.as_str()))
        })
        .collect();
    let key = |r: &Resource| -> String {
        match flags.sort_by.as_deref() {
            Some("name") => r.plural.to_string(),
            Some("kind") => r.kind.to_string(),
            _ => r.group.to_string(),
        }
    };
    rows.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.plural.cmp(b.plural)));
    let mut out = Output::default();
    if flags.output == Some(OutputFlag::Name) {
        for r in &rows {
            if r.group.is_empty() {
                out.stdout.push_str(&format!("{}\n", r.plural));
            } else {
                out.stdout.push_str(&format!("{}.{}\n", r.plural, r.group));
            }
        }
        return out;
    }
    let wide = flags.output == Some(OutputFlag::Wide);
    let mut lines: Vec<Vec<String>> = Vec::new();
    if !flags.no_headers {
        let mut header: Vec<String> = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
            .map(String::from)
            .to_vec();
        if wide {
            header.push("VERBS".into());
            header.push("CATEGORIES".into());
        }
        lines.push(header);
    }
    for r in &rows {
        let mut line = vec![
            r.plural.to_string(),
            r.short_names.join(","),
            api_version(r),
            r.namespaced.to_string(),
            r.kind.to_string(),
        ];
        if wide {
            line.push(r.verbs.join(","));
            line.push(r.categories.join(","));
        }
        lines.push(line);
    }
    out.stdout = human::align(&lines);
    out
}

/// `kubectl api-versions`: every group version, sorted as strings.
pub fn api_versions() -> Output {
    let mut versions: Vec<String> = discovery::group_versions()
        .into_iter()
        .map(|(g, v)| {
            if g.is_empty() {
                v.to_string()
            } else {
                format!("{g}/{v}")
            }
        })
        .collect();
    versions.sort();
    Output {
        stdout: versions.iter().map(|v| format!("{v}\n")).collect(),
        ..Output::default()
    }
}

/// The server URL the in-process kubectl presents: there is no network, so this is the address
/// a kubeconfig written by `kube-sre-gym apiserver` would name.
pub const SERVER_URL: &str = "https://127.0.0.1:6443";

/// `kubectl cluster-info`: the control plane's URL (the simulated cluster runs no add-on
/// services labelled `kubernetes.io/cluster-service`, so that is all).
pub fn cluster_info() -> Output {
    Output {
        stdout: format!(
            "Kubernetes control plane is running at {SERVER_URL}\n\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
        ),
        ..Output::default()
    }
}
