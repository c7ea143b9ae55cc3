//! A session-scoped kubeconfig for the real `kubectl` binary, written from the resolved
//! connection (so token mode gives the binary credentials too; the original's binary had none,
//! defect §16.12): one cluster, one user, one context whose namespace is the session's.
//!
//! It holds credentials, so it is written with owner-only permissions.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::json;

const NAME: &str = "kube-sre-gym";

/// Why the kubeconfig could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum KubeconfigError {
    #[error("encoding the session kubeconfig: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("writing the session kubeconfig {0}: {1}")]
    Write(PathBuf, std::io::Error),
}

/// The kubeconfig text (JSON, which kubectl reads as YAML) for `config`, with `namespace` as
/// the context's namespace.
pub fn session_kubeconfig(
    config: &kube::Config,
    namespace: &str,
) -> Result<String, KubeconfigError> {
    let server = config.cluster_url.to_string();
    let server = server.strip_suffix('/').unwrap_or(&server);
    let mut cluster = json!({ "server": server });
    if let Some(file) = &config.root_cert_file {
        cluster["certificate-authority"] = json!(file);
    } else if let Some(ders) = &config.root_cert {
        let pem: String = ders.iter().map(|der| der_to_pem(der)).collect();
        cluster["certificate-authority-data"] =
            json!(base64::engine::general_purpose::STANDARD.encode(pem));
    }
    if config.accept_invalid_certs {
        // Only ever copied from a kubeconfig that asked for it; never chosen here.
        cluster["insecure-skip-tls-verify"] = json!(true);
    }
    if let Some(name) = &config.tls_server_name {
        cluster["tls-server-name"] = json!(name);
    }
    if let Some(proxy) = &config.proxy_url {
        cluster["proxy-url"] = json!(proxy.to_string());
    }
    let user = serde_json::to_value(&config.auth_info)?;
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{ "name": NAME, "cluster": cluster }],
        "users": [{ "name": NAME, "user": user }],
        "contexts": [{ "name": NAME, "context": { "cluster": NAME, "user": NAME, "namespace": namespace } }],
        "current-context": NAME,
        "preferences": {},
    });
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// Writes [`session_kubeconfig`] to `dir/kubeconfig` with mode 0600 and returns its path.
pub fn write_session_kubeconfig(
    config: &kube::Config,
    namespace: &str,
    dir: &Path,
) -> Result<PathBuf, KubeconfigError> {
    let text = session_kubeconfig(config, namespace)?;
    let path = dir.join("kubeconfig");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(&path)
        .map_err(|e| KubeconfigError::Write(path.clone(), e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| KubeconfigError::Write(path.clone(), e))?;
    Ok(path)
}

fn der_to_pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::config::{KubeConfigOptions, Kubeconfig};

    #[tokio::test]
    async fn token_mode_round_trips_through_a_kubeconfig_with_the_session_namespace() {
        let cert = apiserver::ServingCert::generate(&[]).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&cert.cert_pem);
        let config =
            crate::connect::token_config("https://127.0.0.1:6443", "tok", Some(&b64)).unwrap();
        let text = session_kubeconfig(&config, "ksg-s1-default").unwrap();
        let back = Kubeconfig::from_yaml(&text).unwrap();
        let again = kube::Config::from_custom_kubeconfig(back, &KubeConfigOptions::default())
            .await
            .unwrap();
        assert_eq!(again.cluster_url, config.cluster_url);
        assert_eq!(again.default_namespace, "ksg-s1-default");
        assert_eq!(again.root_cert, Some(vec![cert.cert_der.clone()]));
        assert!(!again.accept_invalid_certs);
        assert_eq!(
            serde_json::to_value(&again.auth_info).unwrap()["token"],
            "tok"
        );
        assert!(!text.contains("insecure"), "{text}");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let config = crate::connect::token_config("https://10.0.0.1", "tok", None).unwrap();
        let path = write_session_kubeconfig(&config, "ksg-s1-default", dir.path()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
