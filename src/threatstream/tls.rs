//! TLS: which certificates a client trusts, and telling a refused certificate from other failures.
//!
//! The first is the system bundle kept beside a customer's `SSL_CERT_FILE`; the second lets an
//! untrusted certificate get its own error (`ApiError::Tls`), which says what to change, instead of a
//! generic connection failure.

/// Where distributions keep their CA bundle (Debian/Ubuntu/Alpine, RHEL/Fedora, BSD/macOS).
const SYSTEM_BUNDLES: [&str; 3] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// The system's CA bundle, when `SSL_CERT_FILE` names another file.
///
/// reqwest trusts what rustls-native-certs loads, and that crate reads *only* `SSL_CERT_FILE` when it
/// is set. A customer who points it at their interception CA must not lose the public CAs, so the
/// system bundle is added back. InsightConnect's images point `SSL_CERT_FILE` at the system bundle
/// itself; then there is nothing to add.
pub(super) fn system_bundle_beside_ssl_cert_file() -> Vec<reqwest::Certificate> {
    let Some(configured) = std::env::var_os("SSL_CERT_FILE") else {
        return Vec::new();
    };
    let configured = std::path::Path::new(&configured);
    let Some(system) = SYSTEM_BUNDLES
        .iter()
        .map(std::path::Path::new)
        .find(|path| path.exists())
    else {
        return Vec::new();
    };
    let same = std::fs::canonicalize(system).ok() == std::fs::canonicalize(configured).ok();
    if same {
        return Vec::new();
    }
    std::fs::read(system)
        .ok()
        .and_then(|pem| reqwest::Certificate::from_pem_bundle(&pem).ok())
        .unwrap_or_default()
}

/// Whether the TLS layer refused the server's certificate: told from rustls's own error, found in
/// the chain of sources. Message text would depend on wording that any release of rustls, hyper or
/// reqwest may change.
pub(super) fn is_certificate_problem(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if rustls_error(cause).is_some_and(refuses_certificate) {
            return true;
        }
        source = cause.source();
    }
    false
}

/// Whether an `https://` request met a server speaking plain HTTP: its answer to the TLS hello is
/// "HTTP/1.1 400 ...", whose first byte is no TLS record type. Told from rustls's error, as
/// `is_certificate_problem` does.
pub(super) fn is_plain_http_answer(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        let plain = rustls_error(cause).is_some_and(|error| {
            matches!(
                error,
                rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)
            )
        });
        if plain {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The rustls error `cause` is or wraps. The TLS stream reports it inside `io::Error`s (two, nested,
/// as hyper-util's connector has it), whose `source()` skips the wrapped error itself, so those layers
/// are opened by hand.
fn rustls_error<'a>(mut cause: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(found) = cause.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        cause = cause.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

fn refuses_certificate(error: &rustls::Error) -> bool {
    matches!(
        error,
        rustls::Error::InvalidCertificate(_)
            | rustls::Error::NoCertificatesPresented
            | rustls::Error::UnsupportedNameType
            | rustls::Error::InvalidCertRevocationList(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_certificate_is_found_inside_nested_io_errors() {
        use std::io::{Error, ErrorKind};
        let refused = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let wrapped = Error::other(Error::new(ErrorKind::InvalidData, refused));
        assert!(rustls_error(&wrapped).is_some_and(refuses_certificate));
        let other = Error::other(rustls::Error::HandshakeNotComplete);
        assert!(!rustls_error(&other).is_some_and(refuses_certificate));
        assert!(rustls_error(&Error::from(ErrorKind::ConnectionReset)).is_none());
    }
}
