//! A kubeconfig that points kubectl at the simulated cluster.

use base64::Engine;

/// A kubeconfig for `server` (e.g. `https://127.0.0.1:6443`) trusting `ca_pem`, with an optional
/// bearer token.
pub fn kubeconfig_yaml(server: &str, ca_pem: Option<&str>, token: Option<&str>) -> String {
    let user = match token {
        Some(t) => format!("- name: sre-gym\n  user:\n    token: {t}\n"),
        None => "- name: sre-gym\n  user: {}\n".to_string(),
    };
    let trust = match ca_pem {
        Some(pem) => format!(
            "    certificate-authority-data: {}\n",
            base64::engine::general_purpose::STANDARD.encode(pem)
        ),
        None => String::new(),
    };
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kube-sre-gym\n  cluster:\n{trust}    server: {server}\ncontexts:\n- name: kube-sre-gym\n  context:\n    cluster: kube-sre-gym\n    user: sre-gym\n    namespace: default\ncurrent-context: kube-sre-gym\nusers:\n{user}preferences: {{}}\n"
    )
}
