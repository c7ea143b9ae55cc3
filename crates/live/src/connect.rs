//! Where the cluster is and how to authenticate: a kubeconfig (a path or the default
//! `KUBECONFIG`/`~/.kube/config`), the pod's service account, or the original's `K8S_ENDPOINT`,
//! `K8S_TOKEN` and `K8S_CA_CERT` variables.
//!
//! TLS verification is never switched off by this module: a CA that does not decode is an
//! error (the original silently went insecure, defect §16.24). Without `K8S_CA_CERT` the
//! platform's trust store verifies the server.

use std::path::PathBuf;

use base64::Engine;
use kube::config::{KubeConfigOptions, Kubeconfig};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The original's variables.
pub const ENV_ENDPOINT: &str = "K8S_ENDPOINT";
pub const ENV_TOKEN: &str = "K8S_TOKEN";
pub const ENV_CA_CERT: &str = "K8S_CA_CERT";
/// Set inside a pod; the service account's files sit beside it.
const ENV_IN_CLUSTER: &str = "KUBERNETES_SERVICE_HOST";

/// How to reach the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionSource {
    /// A kubeconfig file (`None`: `KUBECONFIG`, then `~/.kube/config`) and a context in it
    /// (`None`: its current context).
    Kubeconfig {
        path: Option<PathBuf>,
        context: Option<String>,
    },
    /// The pod's service account (`KUBERNETES_SERVICE_HOST`, the mounted token and CA).
    InCluster,
    /// An endpoint, a bearer token and, optionally, the CA that signed the server's
    /// certificate (base64 of PEM, as the original's `K8S_CA_CERT`; bare PEM is accepted too).
    Token {
        endpoint: String,
        token: String,
        ca_cert: Option<String>,
    },
}

/// Why no connection could be configured.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{ENV_ENDPOINT} is set but {ENV_TOKEN} is not: token authentication needs both")]
    MissingToken,
    #[error("{ENV_TOKEN} is set but {ENV_ENDPOINT} is not: token authentication needs both")]
    MissingEndpoint,
    #[error("{ENV_ENDPOINT} {0:?} is not a URL: {1}")]
    BadEndpoint(String, String),
    #[error(
        "{ENV_ENDPOINT} {0:?} is not https: the bearer token would travel in clear text, so it is refused"
    )]
    InsecureEndpoint(String),
    #[error(
        "{ENV_CA_CERT} is not a usable CA certificate ({0}); TLS verification is not switched off, fix the value (base64 of a PEM certificate)"
    )]
    BadCaCert(String),
    #[error("reading the kubeconfig: {0}")]
    Kubeconfig(#[from] kube::config::KubeconfigError),
    #[error("loading the in-cluster service account: {0}")]
    InCluster(#[from] kube::config::InClusterError),
    #[error(
        "no cluster configured: set {ENV_ENDPOINT} and {ENV_TOKEN}, or KUBECONFIG, or run in a pod with a service account"
    )]
    Nothing,
}

impl ConnectionSource {
    /// Picks a source from the environment (`get` reads a variable). Explicit variables win:
    /// `K8S_ENDPOINT`/`K8S_TOKEN` first, then `KUBECONFIG` or an existing `~/.kube/config`,
    /// then the in-cluster service account. (The original tried the kubeconfig first, so a
    /// stray `~/.kube/config` silently overrode the variables set for the run.)
    pub fn detect(
        get: impl Fn(&str) -> Option<String>,
        default_kubeconfig_exists: bool,
    ) -> Result<ConnectionSource, ConnectError> {
        let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        match (nonempty(ENV_ENDPOINT), nonempty(ENV_TOKEN)) {
            (Some(endpoint), Some(token)) => {
                return Ok(ConnectionSource::Token {
                    endpoint,
                    token,
                    ca_cert: nonempty(ENV_CA_CERT),
                });
            }
            (Some(_), None) => return Err(ConnectError::MissingToken),
            (None, Some(_)) => return Err(ConnectError::MissingEndpoint),
            (None, None) => {}
        }
        if nonempty("KUBECONFIG").is_some() || default_kubeconfig_exists {
            return Ok(ConnectionSource::Kubeconfig {
                path: None,
                context: None,
            });
        }
        if nonempty(ENV_IN_CLUSTER).is_some() {
            return Ok(ConnectionSource::InCluster);
        }
        Err(ConnectError::Nothing)
    }

    /// [`detect`](Self::detect) over the process environment.
    pub fn from_process_env() -> Result<ConnectionSource, ConnectError> {
        let default = std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".kube").join("config").is_file())
            .unwrap_or(false);
        Self::detect(|k| std::env::var(k).ok(), default)
    }

    /// The kube-rs configuration for this source. Checks everything that can be checked
    /// without a request (the CA's encoding, the endpoint's form).
    pub async fn config(&self) -> Result<kube::Config, ConnectError> {
        match self {
            ConnectionSource::Kubeconfig { path, context } => {
                let options = KubeConfigOptions {
                    context: context.clone(),
                    ..KubeConfigOptions::default()
                };
                let config = match path {
                    Some(path) => {
                        let kubeconfig = Kubeconfig::read_from(path)?;
                        kube::Config::from_custom_kubeconfig(kubeconfig, &options).await?
                    }
                    None => kube::Config::from_kubeconfig(&options).await?,
                };
                Ok(config)
            }
            ConnectionSource::InCluster => Ok(kube::Config::incluster()?),
            ConnectionSource::Token {
                endpoint,
                token,
                ca_cert,
            } => token_config(endpoint, token, ca_cert.as_deref()),
        }
    }
}

/// The configuration for an endpoint and bearer token.
pub fn token_config(
    endpoint: &str,
    token: &str,
    ca_cert: Option<&str>,
) -> Result<kube::Config, ConnectError> {
    let url: http::Uri = endpoint
        .trim()
        .parse()
        .map_err(|e: http::uri::InvalidUri| {
            ConnectError::BadEndpoint(endpoint.into(), e.to_string())
        })?;
    match url.scheme_str() {
        Some("https") => {}
        Some(_) => return Err(ConnectError::InsecureEndpoint(endpoint.into())),
        None => {
            return Err(ConnectError::BadEndpoint(
                endpoint.into(),
                "it has no scheme (expected https://HOST[:PORT])".into(),
            ));
        }
    }
    let mut config = kube::Config::new(url);
    if let Some(ca) = ca_cert {
        config.root_cert = Some(decode_ca_cert(ca)?);
    }
    config.auth_info.token = Some(token.trim().to_string().into());
    Ok(config)
}

/// Decodes a CA bundle given as base64 of PEM (or bare PEM) into DER certificates, each one
/// checked to be a certificate a TLS client can trust.
pub fn decode_ca_cert(value: &str) -> Result<Vec<Vec<u8>>, ConnectError> {
    let trimmed = value.trim();
    let pem: Vec<u8> = if trimmed.starts_with("-----BEGIN") {
        trimmed.as_bytes().to_vec()
    } else {
        let compact: String = trimmed.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| ConnectError::BadCaCert(format!("not valid base64: {e}")))?
    };
    if !pem
        .windows(b"-----BEGIN CERTIFICATE-----".len())
        .any(|w| w == b"-----BEGIN CERTIFICATE-----")
    {
        return Err(ConnectError::BadCaCert(
            "the decoded value holds no \"-----BEGIN CERTIFICATE-----\" block".into(),
        ));
    }
    let mut ders = Vec::new();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| ConnectError::BadCaCert(format!("bad PEM: {e}")))?;
        let mut store = rustls::RootCertStore::empty();
        store
            .add(cert.clone())
            .map_err(|e| ConnectError::BadCaCert(format!("not an X.509 certificate: {e}")))?;
        ders.push(cert.to_vec());
    }
    if ders.is_empty() {
        return Err(ConnectError::BadCaCert("no certificate in the PEM".into()));
    }
    Ok(ders)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real self-signed certificate, the same one for every call.
    fn pem() -> String {
        static PEM: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        PEM.get_or_init(|| apiserver::ServingCert::generate(&[]).unwrap().cert_pem)
            .clone()
    }

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn a_good_ca_decodes_from_base64_pem_and_from_bare_pem() {
        let ders = decode_ca_cert(&b64(&pem())).unwrap();
        assert_eq!(ders.len(), 1);
        assert_eq!(ders[0][0], 0x30, "DER starts with a SEQUENCE");
        assert_eq!(decode_ca_cert(&pem()).unwrap(), ders);
        // Line-wrapped base64 (as `base64` prints it) is fine.
        let wrapped: String = b64(&pem())
            .as_bytes()
            .chunks(76)
            .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
            .collect();
        assert_eq!(decode_ca_cert(&wrapped).unwrap(), ders);
    }

    #[test]
    fn a_malformed_ca_is_an_error_never_an_insecure_client() {
        let garbage_pem =
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
        for (value, why) in [
            ("%%% not base64 %%%", "not valid base64"),
            (
                &b64("hello world") as &str,
                "no \"-----BEGIN CERTIFICATE-----\"",
            ),
            (&b64(garbage_pem), "not an X.509 certificate"),
            (garbage_pem, "not an X.509 certificate"),
            (&b64("-----BEGIN CERTIFICATE-----\nAAAA"), "bad PEM"),
        ] {
            let err = decode_ca_cert(value).unwrap_err();
            let text = err.to_string();
            assert!(text.contains(why), "{value:?}: {text}");
            assert!(
                text.contains("TLS verification is not switched off"),
                "{text}"
            );
            let config = token_config("https://10.0.0.1:443", "t", Some(value));
            assert!(config.is_err(), "{value:?} must not yield a config");
        }
    }

    #[test]
    fn token_config_carries_endpoint_token_and_ca_with_verification_on() {
        let config = token_config(
            "https://10.0.0.1:6443",
            "secret-token\n",
            Some(&b64(&pem())),
        )
        .unwrap();
        assert_eq!(config.cluster_url.to_string(), "https://10.0.0.1:6443/");
        assert!(!config.accept_invalid_certs);
        assert_eq!(config.root_cert.as_ref().map(Vec::len), Some(1));
        let token = serde_json::to_value(&config.auth_info).unwrap();
        assert_eq!(token["token"], "secret-token");
        // Without a CA the platform's roots verify: still not insecure.
        let config = token_config("https://10.0.0.1:6443", "t", None).unwrap();
        assert!(config.root_cert.is_none() && !config.accept_invalid_certs);
    }

    #[test]
    fn token_config_refuses_bad_and_clear_text_endpoints() {
        assert!(matches!(
            token_config("http://10.0.0.1", "t", None),
            Err(ConnectError::InsecureEndpoint(_))
        ));
        assert!(matches!(
            token_config("10.0.0.1", "t", None),
            Err(ConnectError::BadEndpoint(..))
        ));
        assert!(matches!(
            token_config("https://exa mple", "t", None),
            Err(ConnectError::BadEndpoint(..))
        ));
    }

    #[test]
    fn detection_prefers_explicit_variables() {
        let token = ConnectionSource::detect(
            env(&[
                ("K8S_ENDPOINT", "https://x"),
                ("K8S_TOKEN", "t"),
                ("K8S_CA_CERT", "abc"),
                ("KUBECONFIG", "/k"),
            ]),
            true,
        )
        .unwrap();
        assert_eq!(
            token,
            ConnectionSource::Token {
                endpoint: "https://x".into(),
                token: "t".into(),
                ca_cert: Some("abc".into()),
            }
        );
        assert!(matches!(
            ConnectionSource::detect(env(&[("K8S_ENDPOINT", "https://x")]), true),
            Err(ConnectError::MissingToken)
        ));
        assert!(matches!(
            ConnectionSource::detect(env(&[("K8S_TOKEN", "t")]), false),
            Err(ConnectError::MissingEndpoint)
        ));
        assert!(matches!(
            ConnectionSource::detect(env(&[("KUBECONFIG", "/k")]), false),
            Ok(ConnectionSource::Kubeconfig { path: None, .. })
        ));
        assert!(matches!(
            ConnectionSource::detect(env(&[]), true),
            Ok(ConnectionSource::Kubeconfig { .. })
        ));
        assert_eq!(
            ConnectionSource::detect(env(&[("KUBERNETES_SERVICE_HOST", "10.0.0.1")]), false)
                .unwrap(),
            ConnectionSource::InCluster
        );
        assert!(matches!(
            ConnectionSource::detect(env(&[("K8S_ENDPOINT", "  ")]), false),
            Err(ConnectError::Nothing)
        ));
    }
}
