//! What a failed connection was, in words: a certificate problem, a name that does not resolve,
//! a refused connection, a timeout. Both clients use it to word their transport errors and to
//! decide what not to retry (a certificate error fails the same way every time).
//!
//! `reqwest` wraps the cause several layers deep (`hyper` connect error → `std::io::Error` →
//! `rustls::Error`), so the helpers walk the whole source chain.

use std::error::Error as StdError;
use std::io;

use rustls::CertificateError;

/// Where to add a CA that the client should trust; appended to every certificate problem.
pub const TRUST_HINT: &str = "If the server uses a private or corporate CA, give its certificate \
    (PEM) in the provider's ca_certificate_pem, or the path of a PEM file in \
    CONNECTWISE_CA_CERTIFICATE_FILE, or add it to the system trust store (SSL_CERT_FILE / \
    SSL_CERT_DIR are honoured).";

/// True when the TLS handshake failed because of the server's certificate (untrusted issuer,
/// expired, wrong host name, …). Such a failure repeats on every attempt: never retry it.
pub fn is_certificate_error(err: &reqwest::Error) -> bool {
    certificate_problem(err).is_some()
}

/// True when the server's host name could not be resolved. A name that does not resolve now
/// will not in the next seconds either (a typo in the site, a missing DNS entry): never retry it.
pub fn is_dns_error(err: &reqwest::Error) -> bool {
    // hyper-util's resolver error has no public type; its text is stable: "dns error".
    chain(err).any(|e| e.to_string().starts_with("dns error"))
}

/// The server certificate's problem in words, e.g. "the server's certificate is not trusted
/// (unknown issuer)", when the failure was one.
pub fn certificate_problem(err: &reqwest::Error) -> Option<String> {
    chain(err).find_map(|e| {
        let tls = e.downcast_ref::<rustls::Error>()?;
        match tls {
            rustls::Error::InvalidCertificate(problem) => Some(describe_certificate(problem)),
            _ => None,
        }
    })
}

/// One line naming the cause of a transport failure: the certificate problem and how to fix it,
/// a DNS failure, a refused connection, a timeout or another TLS failure; otherwise the error's
/// own words (without the URL's query, never with headers).
pub fn describe(err: &reqwest::Error) -> String {
    if let Some(problem) = certificate_problem(err) {
        return format!("{problem}. {TRUST_HINT}");
    }
    if let Some(tls) = chain(err).find_map(|e| e.downcast_ref::<rustls::Error>()) {
        return format!("the TLS handshake failed: {tls}");
    }
    if err.is_timeout() || has_io_kind(err, io::ErrorKind::TimedOut) {
        return "no answer in time (timed out)".to_owned();
    }
    if has_io_kind(err, io::ErrorKind::ConnectionRefused) {
        return "the connection was refused (nothing listens on that host and port)".to_owned();
    }
    if is_dns_error(err) {
        let cause = deepest(err);
        return format!("the host name could not be resolved (DNS): {cause}");
    }
    let deepest = deepest(err);
    let top = err.to_string();
    if deepest == top {
        top
    } else {
        format!("{top}: {deepest}")
    }
}

fn describe_certificate(problem: &CertificateError) -> String {
    let what = match problem {
        CertificateError::UnknownIssuer => "is not trusted (unknown issuer)",
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "has expired",
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "is not valid yet"
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "is not valid for this host name"
        }
        CertificateError::Revoked => "has been revoked",
        CertificateError::BadSignature => "has a bad signature",
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "is not meant for a TLS server"
        }
        CertificateError::BadEncoding => "cannot be decoded",
        _ => return format!("the server's certificate was rejected ({problem})"),
    };
    format!("the server's certificate {what}")
}

/// The error and all its causes, looking inside `io::Error`s too: their `source()` skips the
/// error they wrap, which is where `rustls` puts its own.
fn chain<'a>(err: &'a reqwest::Error) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    let mut next: Option<&'a (dyn StdError + 'static)> = Some(err);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current.downcast_ref::<io::Error>() {
            Some(io_err) => io_err
                .get_ref()
                .map(|inner| inner as &(dyn StdError + 'static)),
            None => current.source(),
        };
        Some(current)
    })
}

fn has_io_kind(err: &reqwest::Error, kind: io::ErrorKind) -> bool {
    chain(err).any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == kind)
    })
}

/// The innermost cause's own words.
fn deepest(err: &reqwest::Error) -> String {
    chain(err)
        .last()
        .map(ToString::to_string)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_wording_names_the_problem() {
        assert_eq!(
            describe_certificate(&CertificateError::UnknownIssuer),
            "the server's certificate is not trusted (unknown issuer)"
        );
        assert_eq!(
            describe_certificate(&CertificateError::NotValidForName),
            "the server's certificate is not valid for this host name"
        );
    }

    #[tokio::test]
    async fn refused_connection_is_named_and_not_a_certificate_error() {
        // A port that was just free: bind, read the port, drop the listener.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let err = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .expect_err("nothing listens there");
        assert!(!is_certificate_error(&err));
        assert!(describe(&err).contains("refused"), "{}", describe(&err));
    }
}
