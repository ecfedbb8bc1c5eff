//! The TLS side of a connection: which certificate a server may present,
//! and the client's own certificate for certificate login.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::hash::{Hash, HashAlgorithm};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use crate::Secret;
use crate::error::Error;

/// The TLS settings of a connection builder.
#[derive(Clone, Default)]
pub(crate) struct TlsSettings {
    /// False accepts any certificate (`verify(false)`).
    pub(crate) accept_any: bool,
    /// False accepts a trusted certificate that does not name the host.
    pub(crate) skip_host_name: bool,
    /// Extra trusted certificates, as PEM.
    pub(crate) roots: Vec<Vec<u8>>,
    /// SHA-256 fingerprints as given (hex, `:` allowed).
    pub(crate) pins: Vec<String>,
    pub(crate) provider: Option<Arc<CryptoProvider>>,
    /// The client certificate (PEM chain) and its key (PEM).
    pub(crate) identity: Option<(Vec<u8>, Secret)>,
}

/// The crypto provider a connection uses when it is given none and the process
/// has no default: aws-lc-rs's with the `aws-lc-rs` feature, else ring's with the
/// `ring` feature (a default one); without either, none.
pub(crate) fn builtin_provider() -> Option<CryptoProvider> {
    #[cfg(feature = "aws-lc-rs")]
    return Some(rustls::crypto::aws_lc_rs::default_provider());
    #[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
    return Some(rustls::crypto::ring::default_provider());
    #[cfg(not(any(feature = "ring", feature = "aws-lc-rs")))]
    return None;
}

/// The provider's SHA-256, from its cipher suites: what certificate pins are
/// computed with, whichever cryptography the provider is.
fn sha256(provider: &CryptoProvider) -> Option<&'static dyn Hash> {
    provider
        .cipher_suites
        .iter()
        .map(|suite| match suite {
            rustls::SupportedCipherSuite::Tls13(suite) => suite.common.hash_provider,
            rustls::SupportedCipherSuite::Tls12(suite) => suite.common.hash_provider,
        })
        .find(|hash| hash.algorithm() == HashAlgorithm::SHA256)
}

impl TlsSettings {
    /// The rustls configuration these settings describe, with `h2` and
    /// `http/1.1` offered. The crypto provider is the one given, else the
    /// process default if the application installed one, else the built-in one
    /// ([`builtin_provider`]); no global state is changed.
    pub(crate) fn client_config(&self) -> Result<rustls::ClientConfig, Error> {
        let provider = self
            .provider
            .clone()
            .or_else(|| CryptoProvider::get_default().cloned())
            .or_else(|| builtin_provider().map(Arc::new))
            .ok_or_else(|| {
                Error::Config(
                    "no TLS crypto provider: enable the `ring` or `aws-lc-rs` feature, give one \
                     (crypto_provider), or install a process default"
                        .into(),
                )
            })?;
        let algorithms = provider.signature_verification_algorithms;
        let verifier: Arc<dyn ServerCertVerifier> = if !self.pins.is_empty() {
            if self.accept_any {
                return Err(Error::Config(
                    "pinned certificates and verify(false) exclude each other: a pin is a verification".into(),
                ));
            }
            let pins = self
                .pins
                .iter()
                .map(|pin| parse_fingerprint(pin))
                .collect::<Result<_, _>>()?;
            let sha256 = sha256(&provider)
                .ok_or_else(|| Error::Config("the TLS crypto provider has no SHA-256 for the pins".into()))?;
            Arc::new(Fingerprints {
                pins: Some((pins, sha256)),
                algorithms,
            })
        } else if self.accept_any {
            Arc::new(Fingerprints { pins: None, algorithms })
        } else {
            let chain = chain_verifier(&self.roots, provider.clone())?;
            if self.skip_host_name {
                Arc::new(AnyHostName { chain })
            } else {
                chain
            }
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("the TLS crypto provider cannot be used: {e}")))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match &self.identity {
            None => builder.with_no_client_auth(),
            Some((certificate, key)) => {
                let chain = CertificateDer::pem_slice_iter(certificate)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| Error::Config("the client certificate is not valid PEM".into()))?;
                if chain.is_empty() {
                    return Err(Error::Config(
                        "the client certificate holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)".into(),
                    ));
                }
                // The key's own text never goes into an error.
                let key = PrivateKeyDer::from_pem_slice(key.expose().as_bytes()).map_err(|_| {
                    Error::Config("the client key is not a PEM private key (PKCS#8, PKCS#1 or SEC1)".into())
                })?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| Error::Config(format!("the client certificate and key cannot be used: {e}")))?
            }
        };
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// The platform's verifier (the system's trusted roots), with the extra
/// roots trusted as well.
fn chain_verifier(roots: &[Vec<u8>], provider: Arc<CryptoProvider>) -> Result<Arc<dyn ServerCertVerifier>, Error> {
    let mut extra = Vec::new();
    for (i, pem) in roots.iter().enumerate() {
        let found = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Config(format!("root certificate #{} is not valid PEM: {e}", i + 1)))?;
        if found.is_empty() {
            return Err(Error::Config(format!(
                "root certificate #{} holds no PEM certificate (`-----BEGIN CERTIFICATE-----`)",
                i + 1
            )));
        }
        extra.extend(found);
    }
    let verifier = if extra.is_empty() {
        rustls_platform_verifier::Verifier::new(provider)
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
    };
    let verifier =
        verifier.map_err(|e| Error::Config(format!("the system's trusted certificates cannot be read: {e}")))?;
    Ok(Arc::new(verifier))
}

/// `AB:CD:...` or `abcd...`: 32 bytes in hex, with or without colons.
pub(crate) fn parse_fingerprint(text: &str) -> Result<[u8; 32], Error> {
    let hex: String = text.chars().filter(|c| *c != ':' && !c.is_whitespace()).collect();
    let bad = || {
        Error::Config(format!(
            "`{text}` is not a SHA-256 fingerprint (64 hex digits, `:` between pairs allowed)"
        ))
    };
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// A certificate's SHA-256 (`sha256` of its DER), as `AB:CD:...`.
pub(crate) fn fingerprint(digest: &[u8]) -> String {
    let pairs: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    pairs.join(":")
}

/// A certificate that is not the pinned one.
struct NotPinned {
    found: String,
}

/// rustls shows the reason of a refused certificate with `Debug`: it reads
/// as the sentence.
impl fmt::Debug for NotPinned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for NotPinned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server's certificate (SHA-256 {}) is not a pinned certificate",
            self.found
        )
    }
}

impl std::error::Error for NotPinned {}

/// Trusts exactly the certificates whose SHA-256 is pinned, whoever issued
/// them, whatever names and dates they carry, as SSH's known hosts do; with
/// no pins (`verify(false)`), any certificate. Either way the server must
/// still prove it holds the certificate's key: the handshake's signatures
/// are checked.
struct Fingerprints {
    /// The pins and the SHA-256 to compare with them; `None` accepts any certificate.
    pins: Option<(Vec<[u8; 32]>, &'static dyn Hash)>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for Fingerprints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fingerprints")
            .field("pins", &self.pins.as_ref().map(|(pins, _)| pins))
            .finish_non_exhaustive()
    }
}

impl ServerCertVerifier for Fingerprints {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some((pins, sha256)) = &self.pins else {
            return Ok(ServerCertVerified::assertion());
        };
        let digest = sha256.hash(end_entity.as_ref());
        if pins.iter().any(|pin| pin[..] == *digest.as_ref()) {
            return Ok(ServerCertVerified::assertion());
        }
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            rustls::OtherError(Arc::new(NotPinned {
                found: fingerprint(digest.as_ref()),
            })),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Verifies the chain to a trusted root, but not the host name: the
/// certificate may name another host than the one dialled, as ONTAP's
/// self-signed certificates often do.
#[derive(Debug)]
struct AnyHostName {
    chain: Arc<dyn ServerCertVerifier>,
}

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The chain is verified before the name: a name error means the
        // chain passed.
        match self
            .chain
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.chain.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_provider_is_the_featured_one() {
        // Each provider's key loader prints its crate's name.
        let loader = format!("{:?}", builtin_provider().unwrap().key_provider);
        let expected = if cfg!(feature = "aws-lc-rs") { "AwsLcRs" } else { "Ring" };
        assert!(loader.contains(expected), "{loader}");
    }

    #[test]
    fn fingerprints_parse_with_or_without_colons() {
        let colons = "AB:".repeat(31) + "CD";
        assert_eq!(parse_fingerprint(&colons).unwrap()[31], 0xCD);
        assert_eq!(parse_fingerprint(&"ab".repeat(32)).unwrap(), [0xAB; 32]);
        assert!(parse_fingerprint("AB:CD").is_err());
        assert!(parse_fingerprint(&"zz".repeat(32)).is_err());
        assert!(parse_fingerprint(&"é".repeat(32)).is_err());
        let der = b"not a certificate";
        let sha256 = sha256(&builtin_provider().unwrap()).unwrap();
        let digest = sha256.hash(der);
        assert_eq!(parse_fingerprint(&fingerprint(digest.as_ref())).unwrap().len(), 32);
        // The SHA-256 of "not a certificate", as `sha256sum` prints it.
        assert!(
            fingerprint(digest.as_ref()).starts_with("47:"),
            "{}",
            fingerprint(digest.as_ref())
        );
    }

    #[test]
    fn bad_settings_are_config_errors_that_never_show_the_key() {
        let pinned = TlsSettings {
            accept_any: true,
            pins: vec!["ab".repeat(32)],
            ..TlsSettings::default()
        };
        assert!(matches!(pinned.client_config(), Err(Error::Config(_))));
        let identity = TlsSettings {
            identity: Some((
                b"no pem here".to_vec(),
                Secret::from("-----BEGIN PRIVATE KEY-----\nc2VjcmV0"),
            )),
            ..TlsSettings::default()
        };
        let err = identity.client_config().unwrap_err().to_string();
        assert!(err.contains("no PEM certificate"), "{err}");
        assert!(!err.contains("c2VjcmV0"), "{err}");
    }
}
