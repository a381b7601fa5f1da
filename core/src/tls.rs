//! TLS settings: rustls with the system's trust store plus any CA the caller adds.
//!
//! Verification cannot be turned off: there is deliberately no "accept invalid certificates"
//! switch anywhere in the SDK. A private CA (a corporate proxy, the simulator's generated CA) is
//! trusted by adding its certificate, which keeps every other check in place.

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::ring;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::{Error, Result};

/// `roots_required`: with an `https://` API an empty trust store is a configuration error; plain
/// HTTP to the loopback simulator needs none.
pub(crate) fn client_config(extra_ca_pems: &[String], roots_required: bool) -> Result<rustls::ClientConfig> {
    let mut roots = RootCertStore::empty();
    let system = rustls_native_certs::load_native_certs();
    for error in &system.errors {
        tracing::debug!(%error, "skipping an unreadable system certificate");
    }
    let (_added, _ignored) = roots.add_parsable_certificates(system.certs);

    for (index, pem) in extra_ca_pems.iter().enumerate() {
        let mut found = 0;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|err| {
                Error::config("ca_certs", format!("certificate {} is not valid PEM ({err})", index + 1))
            })?;
            roots.add(cert).map_err(|err| {
                Error::config("ca_certs", format!("certificate {} cannot be used as a CA ({err})", index + 1))
            })?;
            found += 1;
        }
        if found == 0 {
            return Err(Error::config(
                "ca_certs",
                format!("entry {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", index + 1),
            ));
        }
    }
    if roots.is_empty() && roots_required {
        return Err(Error::config(
            "ca_certs",
            "no trusted CA certificates: the system trust store is empty and none were given",
        ));
    }

    let provider = Arc::new(ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| Error::config("tls", format!("no usable TLS versions ({err})")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    // HTTP/1.1 with a pool of keep-alive connections: many concurrent polls spread over several
    // connections instead of queueing behind one HTTP/2 connection's flow control.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_ca_is_a_config_error_naming_the_setting() {
        let err = client_config(&["not a certificate".to_string()], true).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert_eq!(err.field(), Some("ca_certs"));
    }
}
