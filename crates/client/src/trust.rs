//! Which servers both clients trust, and where they may send credentials.
//!
//! Trust: the operating system's store (read by `rustls-native-certs`, which honours
//! `SSL_CERT_FILE` and `SSL_CERT_DIR`) plus the Mozilla roots bundled into the binary, plus any CA
//! the caller adds ([`CaCertificates`], e.g. a company CA or a TLS-inspecting proxy's root).
//! There is deliberately no way to switch verification off.
//!
//! Clear text: `http://` only to a loopback host (the emulator); anywhere else Basic credentials
//! and API secrets would cross the network readable by anyone on the path.

use std::fmt;
use std::net::IpAddr;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use url::{Host, Url};

/// Extra CA certificates to trust besides the system's and the bundled ones; parsed and checked.
#[derive(Clone)]
pub struct CaCertificates {
    certs: Vec<reqwest::Certificate>,
}

impl fmt::Debug for CaCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CaCertificates({} certificates)", self.certs.len())
    }
}

impl CaCertificates {
    /// Reads one or more `-----BEGIN CERTIFICATE-----` blocks. Fails, saying why, when there is
    /// none, when a block is not valid base64, or when one is not a certificate a trust anchor
    /// can be made of.
    pub fn from_pem(pem: &str) -> Result<Self, String> {
        let mut certs = Vec::new();
        for (index, block) in CertificateDer::pem_slice_iter(pem.as_bytes()).enumerate() {
            let number = index + 1;
            let der = block.map_err(|e| format!("certificate {number} is not valid PEM: {e}"))?;
            rustls::RootCertStore::empty()
                .add(der.clone())
                .map_err(|e| format!("certificate {number} is not a usable CA certificate: {e}"))?;
            let cert = reqwest::Certificate::from_der(&der)
                .map_err(|e| format!("certificate {number} cannot be used: {e}"))?;
            certs.push(cert);
        }
        if certs.is_empty() {
            return Err(
                "it contains no certificate: expected one or more PEM blocks starting \
                        with -----BEGIN CERTIFICATE-----"
                    .to_owned(),
            );
        }
        Ok(Self { certs })
    }

    /// How many certificates were read.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Never true for a value from [`CaCertificates::from_pem`].
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }
}

/// An HTTP client builder with the trust described in the module docs.
pub(crate) fn http_client_builder(extra: Option<&CaCertificates>) -> reqwest::ClientBuilder {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        // Both on by default with the crate features; said here so it cannot silently change.
        .tls_built_in_webpki_certs(true)
        .tls_built_in_native_certs(true);
    for cert in extra.into_iter().flat_map(|c| &c.certs) {
        builder = builder.add_root_certificate(cert.clone());
    }
    builder
}

/// True for `localhost` and the loopback addresses (127.0.0.0/8, ::1).
pub fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

/// Refuses `http://` to a host that is not loopback, saying why and what to do.
pub fn check_cleartext(url: &Url) -> Result<(), String> {
    match url.host() {
        Some(host) if url.scheme() == "http" && !is_loopback(&host) => Err(format!(
            "plain http:// is allowed only for a loopback host (127.0.0.1, ::1, localhost), not \
             {host}: the credentials would cross the network in clear text. Use https://{host}{}",
            url.port().map(|p| format!(":{p}")).unwrap_or_default()
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleartext(url: &str) -> Result<(), String> {
        check_cleartext(&Url::parse(url).expect("a URL"))
    }

    #[test]
    fn http_only_to_loopback() {
        assert!(cleartext("http://127.0.0.1:8080").is_ok());
        assert!(cleartext("http://127.9.9.9").is_ok());
        assert!(cleartext("http://[::1]:1").is_ok());
        assert!(cleartext("http://LocalHost:1").is_ok());
        assert!(cleartext("https://api-na.myconnectwise.net").is_ok());
        let err = cleartext("http://api-na.myconnectwise.net").expect_err("not loopback");
        assert!(err.contains("clear text"), "{err}");
        assert!(err.contains("https://api-na.myconnectwise.net"), "{err}");
        assert!(cleartext("http://10.0.0.1").is_err());
        assert!(cleartext("http://localhost.example.com").is_err());
    }

    /// Against the emulator over HTTPS with its own CA: untrusted, the failure is classified as
    /// a certificate error and worded with the fix; with the CA added, the call goes through.
    #[tokio::test]
    async fn an_added_ca_is_trusted_and_an_unknown_one_is_named() {
        use crate::transport_error::{describe, is_certificate_error};
        let config = connectwise_sandbox::SandboxConfig {
            tls: true,
            ..connectwise_sandbox::SandboxConfig::default()
        };
        let sandbox = connectwise_sandbox::Sandbox::start(config)
            .await
            .expect("TLS sandbox");
        let url = format!("{}/login/companyinfo/sandbox", sandbox.url());

        let untrusting = http_client_builder(None).build().expect("client");
        let err = untrusting.get(&url).send().await.expect_err("unknown CA");
        assert!(is_certificate_error(&err), "{err:?}");
        let words = describe(&err);
        assert!(words.contains("not trusted (unknown issuer)"), "{words}");
        assert!(words.contains("ca_certificate_pem"), "{words}");

        let pem = sandbox.ca_pem().expect("a CA");
        let extra = CaCertificates::from_pem(pem).expect("the sandbox CA parses");
        assert_eq!(extra.len(), 1);
        let trusting = http_client_builder(Some(&extra)).build().expect("client");
        let answer = trusting.get(&url).send().await.expect("trusted");
        assert_eq!(answer.status(), 200);
    }

    #[test]
    fn pem_without_certificates_is_refused() {
        let err = CaCertificates::from_pem("hello").expect_err("no block");
        assert!(err.contains("no certificate"), "{err}");
        let broken = "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
        let err = CaCertificates::from_pem(broken).expect_err("bad base64");
        assert!(err.contains("certificate 1"), "{err}");
        let not_der = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        let err = CaCertificates::from_pem(not_der).expect_err("not a certificate");
        assert!(err.contains("certificate 1"), "{err}");
    }
}
