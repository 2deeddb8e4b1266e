//! The client-certificate check for AutoMTLS: Terraform's certificate (from
//! `PLUGIN_CLIENT_CERT`) is mandatory and pinned byte for byte, and the TLS 1.2/1.3 handshake
//! signature is verified with aws-lc-rs (which, unlike ring, has P-521: go-plugin's client key).
//!
//! Why not rustls' `WebPkiClientVerifier`: go-plugin's certificate is self-signed with CA:TRUE,
//! and webpki refuses a CA certificate as an end entity even when it is the trust anchor.

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, Error, SignatureScheme};

/// Accepts exactly one client certificate.
#[derive(Debug)]
pub struct PinnedClientVerifier {
    pinned: CertificateDer<'static>,
    root_hints: Vec<DistinguishedName>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientVerifier {
    /// Pins `cert`; signatures are checked with `algorithms` (the crypto provider's set).
    pub fn new(cert: CertificateDer<'static>, algorithms: WebPkiSupportedAlgorithms) -> Self {
        // Go's client only sends its certificate when the hinted CAs include its issuer; the
        // certificate is self-signed, so its subject is that issuer.
        let root_hints = super::der::certificate_subject(cert.as_ref())
            .map(|s| vec![DistinguishedName::from(s.to_vec())])
            .unwrap_or_default();
        PinnedClientVerifier {
            pinned: cert,
            root_hints,
            algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClientVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.root_hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, Error> {
        if end_entity.as_ref() == self.pinned.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!("refused a TLS client: its certificate is not the one Terraform passed in PLUGIN_CLIENT_CERT");
            Err(Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert() -> CertificateDer<'static> {
        let key = rcgen::KeyPair::generate().expect("key");
        rcgen::CertificateParams::new(vec!["localhost".into()])
            .expect("params")
            .self_signed(&key)
            .expect("cert")
            .der()
            .clone()
    }

    #[test]
    fn mandatory_pinned_and_p521_capable() {
        let pinned = cert();
        let algs = rustls::crypto::aws_lc_rs::default_provider().signature_verification_algorithms;
        let v = PinnedClientVerifier::new(pinned.clone(), algs);
        assert!(v.offer_client_auth() && v.client_auth_mandatory());
        assert_eq!(v.root_hint_subjects().len(), 1);
        assert!(v.verify_client_cert(&pinned, &[], UnixTime::now()).is_ok());
        assert!(v.verify_client_cert(&cert(), &[], UnixTime::now()).is_err());
        assert!(v
            .supported_verify_schemes()
            .contains(&SignatureScheme::ECDSA_NISTP521_SHA512));
    }
}
