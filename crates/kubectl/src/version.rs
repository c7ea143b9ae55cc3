//! `kubectl version`: the in-process client presents itself as kubectl 1.33.1.

use cluster::Cluster;
use cluster::version::{VersionInfo, minor_of};
use serde::Serialize;

use crate::grammar::{Invocation, Output as OutputFlag};
use crate::output::Output;

const CLIENT_VERSION: &str = "v1.33.1";
const KUSTOMIZE_VERSION: &str = "v5.6.0";

/// kubectl's client `version.Info`: the same fields as the server's, without the emulation ones.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ClientInfo {
    major: &'static str,
    minor: &'static str,
    git_version: &'static str,
    git_commit: &'static str,
    git_tree_state: &'static str,
    build_date: &'static str,
    go_version: &'static str,
    compiler: &'static str,
    platform: &'static str,
}

const CLIENT: ClientInfo = ClientInfo {
    major: "1",
    minor: "33",
    git_version: CLIENT_VERSION,
    git_commit: "8adc0f041b8e7ad1d30e29cc59c6ae7a15e19828",
    git_tree_state: "clean",
    build_date: "2025-05-15T08:27:33Z",
    go_version: "go1.24.2",
    compiler: "gc",
    platform: "linux/amd64",
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Versions {
    client_version: ClientInfo,
    kustomize_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_version: Option<VersionInfo>,
}

pub fn version(cluster: &Cluster, inv: &Invocation) -> Output {
    let server = (!inv.flags.client)
        .then(|| VersionInfo::server(minor_of(&cluster.config().kubernetes_version).unwrap_or(33)));
    match &inv.flags.output {
        None => {
            let mut stdout = format!(
                "Client Version: {CLIENT_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
            );
            if let Some(s) = &server {
                stdout.push_str(&format!("Server Version: {}\n", s.git_version));
            }
            Output {
                stdout,
                ..Default::default()
            }
        }
        Some(format) => {
            let doc = Versions {
                client_version: CLIENT,
                kustomize_version: KUSTOMIZE_VERSION,
                server_version: server,
            };
            let stdout = if *format == OutputFlag::Yaml {
                // kubectl ends its YAML with an empty line here.
                let mut text = crate::output::yaml(&serde_json::to_value(&doc).unwrap_or_default());
                text.push('\n');
                text
            } else {
                let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
                text.push('\n');
                text
            };
            Output {
                stdout,
                ..Default::default()
            }
        }
    }
}
