//! AutoMTLS: a fresh self-signed server certificate per process (what go-plugin's own server
//! makes) and the rustls server configuration on the aws-lc-rs provider, with ALPN `h2`.

use super::client_verifier::PinnedClientVerifier;
use super::error::PluginError;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use std::sync::Arc;
use std::time::Duration;

/// The server's certificate and key.
pub struct ServerIdentity {
    /// DER of the certificate (printed in the handshake line).
    pub cert_der: CertificateDer<'static>,
    key_der: PrivatePkcs8KeyDer<'static>,
}

/// Makes the server certificate: ECDSA P-256, CN and DNS SAN `localhost` (Go checks the SAN),
/// CA:TRUE, KeyUsage digitalSignature|keyEncipherment|keyAgreement|certSign, EKU serverAuth +
/// clientAuth, random 128-bit serial, valid from 30 s ago for 30 years.
pub fn generate_server_identity() -> Result<ServerIdentity, PluginError> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()])?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - Duration::from_secs(30);
    params.not_after = now + Duration::from_secs(262_980 * 3600);
    let mut serial = rand::random::<[u8; 16]>();
    serial[0] &= 0x7f; // positive INTEGER
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    let cert = params.self_signed(&key)?;
    Ok(ServerIdentity {
        cert_der: cert.der().clone(),
        key_der: PrivatePkcs8KeyDer::from(key.serialize_der()),
    })
}

/// Parses the PEM Terraform passes in `PLUGIN_CLIENT_CERT` (the first certificate).
pub fn parse_client_cert(pem: &str) -> Result<CertificateDer<'static>, PluginError> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map_err(|e| PluginError::ClientCert(e.to_string()))
}

/// TLS 1.2/1.3 server config: our identity, the pinned client certificate mandatory, ALPN h2.
pub fn server_config(
    identity: &ServerIdentity,
    client_cert: CertificateDer<'static>,
) -> Result<Arc<ServerConfig>, PluginError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedClientVerifier::new(
        client_cert,
        provider.signature_verification_algorithms,
    ));
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![identity.cert_der.clone()],
            PrivateKeyDer::Pkcs8(identity.key_der.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::*;

    #[test]
    fn server_certificate_has_what_go_checks() {
        let id = generate_server_identity().expect("identity");
        let (_, cert) = X509Certificate::from_der(id.cert_der.as_ref()).expect("parse");
        let san = cert.subject_alternative_name().expect("ext").expect("san");
        assert!(san
            .value
            .general_names
            .iter()
            .any(|n| matches!(n, GeneralName::DNSName("localhost"))));
        assert!(cert.is_ca());
        let eku = cert.extended_key_usage().expect("ext").expect("eku").value;
        assert!(eku.server_auth && eku.client_auth);
        let ku = cert.key_usage().expect("ext").expect("ku").value;
        assert!(
            ku.digital_signature()
                && ku.key_encipherment()
                && ku.key_agreement()
                && ku.key_cert_sign()
        );
        let cn = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|c| c.as_str().ok());
        assert_eq!(cn, Some("localhost"));
        let now = ::time::OffsetDateTime::now_utc().unix_timestamp();
        assert!(cert.validity().not_before.timestamp() <= now - 29);
    }

    #[test]
    fn bad_pem_is_an_error() {
        assert!(parse_client_cert("not a pem").is_err());
    }
}
