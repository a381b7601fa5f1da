//! HTTPS for the simulator: a throwaway CA and a server certificate for `localhost`, `127.0.0.1`
//! and `::1`, generated at start (rcgen), served with rustls on the ring provider. Clients trust
//! the CA PEM the simulator hands out, never a system store.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("certificate generation failed: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("TLS configuration failed: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("CA certificate is not valid PEM: {0}")]
    Pem(String),
}

/// A fresh CA (PEM) and a rustls server configuration whose certificate it signed: what the
/// simulator serves, and what a test server (the test proxy) needs to be trusted the same way.
pub struct TlsMaterial {
    pub ca_pem: String,
    pub config: Arc<ServerConfig>,
}

/// A throwaway CA and a certificate for `localhost`, `127.0.0.1` and `::1` signed by it.
pub fn generate() -> Result<TlsMaterial, TlsSetupError> {
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::default();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let mut ca_name = DistinguishedName::new();
    ca_name.push(DnType::CommonName, "authcloud-sim local CA");
    ca_params.distinguished_name = ca_name;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca_pem = ca_cert.pem();
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate()?;
    let mut server_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()])?;
    let mut server_name = DistinguishedName::new();
    server_name.push(DnType::CommonName, "localhost");
    server_params.distinguished_name = server_name;
    let server_cert = server_params.signed_by(&server_key, &issuer)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![server_cert.der().clone(), ca_cert.der().clone()];
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsMaterial { ca_pem, config: Arc::new(config) })
}

/// A rustls client configuration (ring provider) that trusts exactly `ca_pem`, or nothing at all
/// with `None`: what a Rust test needs to talk to the simulator with its own HTTP client, and to
/// check that a client *without* the CA is refused.
pub fn client_config_trusting(ca_pem: Option<&str>) -> Result<rustls::ClientConfig, TlsSetupError> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    if let Some(pem) = ca_pem {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|err| TlsSetupError::Pem(err.to_string()))?;
            roots.add(cert)?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
