//! What the cluster says about its own version (`/version`, `kubectl version`).

use serde::Serialize;

/// The API server's `version.Info`, fields in the order Kubernetes serialises them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    pub major: String,
    pub minor: String,
    pub emulation_major: String,
    pub emulation_minor: String,
    pub min_compatibility_major: String,
    pub min_compatibility_minor: String,
    pub git_version: String,
    pub git_commit: String,
    pub git_tree_state: String,
    pub build_date: String,
    pub go_version: String,
    pub compiler: String,
    pub platform: String,
}

impl VersionInfo {
    /// The server of Kubernetes 1.`minor` (patch release 5).
    pub fn server(minor: u32) -> VersionInfo {
        VersionInfo {
            major: "1".into(),
            minor: minor.to_string(),
            emulation_major: "1".into(),
            emulation_minor: minor.to_string(),
            min_compatibility_major: "1".into(),
            min_compatibility_minor: minor.saturating_sub(1).to_string(),
            git_version: format!("v1.{minor}.5"),
            git_commit: "0e4a6e1d0fb9ee3a4fb9fa2cfa5a1d0f25e2a3c1".into(),
            git_tree_state: "clean".into(),
            build_date: "2025-09-10T10:05:34Z".into(),
            go_version: "go1.24.6".into(),
            compiler: "gc".into(),
            platform: "linux/amd64".into(),
        }
    }
}

/// The minor version in a `v1.33.5`-style version string.
pub fn minor_of(version: &str) -> Option<u32> {
    version
        .trim_start_matches('v')
        .split('.')
        .nth(1)?
        .parse()
        .ok()
}
