//! A self-signed serving certificate: kubectl sends bearer tokens only over TLS.

/// A certificate and its private key, PEM-encoded.
#[derive(Clone, Debug)]
pub struct ServingCert {
    pub cert_pem: String,
    /// The same certificate in DER, for clients that take it so (kube-rs).
    pub cert_der: Vec<u8>,
    pub key_pem: String,
}

/// Error from [`ServingCert::generate`].
#[derive(Debug, thiserror::Error)]
#[error("generating the serving certificate: {0}")]
pub struct CertError(#[from] rcgen::Error);

impl ServingCert {
    /// A certificate for `localhost`, `127.0.0.1`, `::1` and `hosts`.
    pub fn generate(hosts: &[String]) -> Result<ServingCert, CertError> {
        let mut names = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
            "kubernetes".to_string(),
        ];
        names.extend(hosts.iter().filter(|h| !h.is_empty()).cloned());
        names.dedup();
        let certified = rcgen::generate_simple_self_signed(names)?;
        Ok(ServingCert {
            cert_pem: certified.cert.pem(),
            cert_der: certified.cert.der().to_vec(),
            key_pem: certified.signing_key.serialize_pem(),
        })
    }
}
