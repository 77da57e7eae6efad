//! HTTPS with rustls 0.23 (aws-lc-rs): the server configuration from `[tls]`, and the
//! connection hook that turns a verified client certificate into a [`PeerCertificate`].
//!
//! With `client_ca`, clients are asked for a certificate and one that does not chain to the CA
//! is refused in the handshake; clients without a certificate are still let in, because they
//! may authenticate with a token instead (the TAXII routes then require one).

use std::any::Any;
use std::sync::Arc;

use actix_tls::accept::rustls_0_23::TlsStream;
use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use rustls::RootCertStore;
use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::auth::{PeerCertificate, certificate_digest};
use crate::config::TlsSettings;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// Makes aws-lc-rs the process's rustls provider. Called before any TLS configuration is
/// built: if another crate ever enables `ring` on rustls as well, rustls could no longer pick
/// one by itself.
pub fn install_crypto_provider() {
    // Err means a provider is already installed, which is what we want.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Reads every certificate of a PEM file.
pub fn read_certificates(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let file_error = |message: String| TlsError::File {
        path: path.display().to_string(),
        message,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_error(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(e.to_string()))?;
    if certs.is_empty() {
        return Err(file_error("no PEM certificate in the file".to_owned()));
    }
    Ok(certs)
}

/// The digest under which a client certificate is registered as a credential: the end-entity
/// (first) certificate of `certs`.
pub fn certificate_credential_digest(cert: &CertificateDer<'_>) -> Result<[u8; 32], TlsError> {
    let parsed = webpki::EndEntityCert::try_from(cert)
        .map_err(|e| TlsError::Config(format!("unreadable X.509 certificate: {e}")))?;
    Ok(certificate_digest(
        parsed.subject_public_key_info().as_ref(),
    ))
}

/// The rustls server configuration of `[tls]`.
pub fn server_config(tls: &TlsSettings) -> Result<ServerConfig, TlsError> {
    install_crypto_provider();
    let chain = read_certificates(&tls.cert)?;
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| TlsError::File {
        path: tls.key.display().to_string(),
        message: e.to_string(),
    })?;
    let builder = ServerConfig::builder();
    let builder = match &tls.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for cert in read_certificates(ca)? {
                roots
                    .add(cert)
                    .map_err(|e| TlsError::Config(format!("client CA: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder(Arc::new(roots))
                .allow_unauthenticated()
                .build()
                .map_err(|e| TlsError::Config(format!("client CA: {e}")))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `HttpServer::on_connect` hook: records the verified client certificate of a TLS connection,
/// parsed once per connection.
pub fn on_connect(connection: &dyn Any, data: &mut Extensions) {
    let Some(stream) = connection.downcast_ref::<TlsStream<TcpStream>>() else {
        return;
    };
    // The end-entity certificate is the first; the last is the CA when the client sends its
    // chain.
    let Some(cert) = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|certs| certs.first())
    else {
        return;
    };
    match certificate_credential_digest(cert) {
        Ok(digest) => {
            data.insert(PeerCertificate { digest });
        }
        Err(error) => tracing::warn!(%error, "client certificate ignored"),
    }
}
