//! The provider block's format checks, run at `terraform validate` on the block's own values
//! (attribute validators) and again when the provider is configured, on the values that came from
//! environment variables; and the extra CA certificates both clients trust.

use api_client::CaCertificates;
use tfplugin::{AttrPath, Diagnostics, Value};

use super::duration;

/// The `ca_certificate_pem` argument's environment variable: a file PATH, not the PEM itself
/// (a PEM does not fit comfortably in an environment variable).
pub const CA_FILE_ENV: &str = "CONNECTWISE_CA_CERTIFICATE_FILE";

/// `Validator::Custom`: a string that is not only blanks (the private key is never echoed).
pub fn not_blank(value: &Value) -> Result<(), String> {
    match value.as_str() {
        Some(text) if text.trim().is_empty() => {
            Err("must not be empty or only blanks when it is set.".to_owned())
        }
        _ => Ok(()),
    }
}

/// `Validator::Custom`: `request_timeout` is a duration between 1s and 1h.
pub fn request_timeout(value: &Value) -> Result<(), String> {
    match value.as_str() {
        Some(text) => duration::request_timeout(text).map(|_| ()),
        None => Ok(()),
    }
}

/// `Validator::Custom`: `umbrella.base_url` is an http(s) URL with a host, and plain http only
/// to a loopback host (the API secret would otherwise cross the network in clear text).
pub fn base_url(value: &Value) -> Result<(), String> {
    let Some(text) = value.as_str() else {
        return Ok(());
    };
    let url = url::Url::parse(text.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| {
            format!(
                "must be an https:// URL with a host, such as \"https://api.umbrella.com\"; got \
                 {text:?}."
            )
        })?;
    api_client::trust::check_cleartext(&url)
        .map_err(|problem| format!("{problem} (got {text:?}; the Umbrella API secret is sent)."))
}

/// `Validator::Custom`: `ca_certificate_pem` holds one or more PEM certificates.
pub fn ca_certificate_pem(value: &Value) -> Result<(), String> {
    match value.as_str() {
        Some(pem) => CaCertificates::from_pem(pem)
            .map(|_| ())
            .map_err(|problem| format!("is not a usable CA certificate in PEM: {problem}.")),
        None => Ok(()),
    }
}

/// The CA certificates to trust besides the system's: `ca_certificate_pem`, else the file
/// named by [`CA_FILE_ENV`]. A problem is an error on the attribute, saying where the PEM came
/// from; both clients then stay unconfigured.
pub fn extra_ca(configured: Option<&str>, diags: &mut Diagnostics) -> Option<CaCertificates> {
    let attr = AttrPath::root("ca_certificate_pem");
    let (pem, source) = match configured.filter(|p| !p.trim().is_empty()) {
        Some(pem) => (pem.to_owned(), "ca_certificate_pem".to_owned()),
        None => {
            let path = std::env::var(CA_FILE_ENV).ok()?;
            let path = path.trim();
            if path.is_empty() {
                return None;
            }
            match std::fs::read_to_string(path) {
                Ok(pem) => (pem, format!("the file {path:?} named by {CA_FILE_ENV}")),
                Err(e) => {
                    diags.attr_error(
                        attr,
                        "Cannot read the CA certificate file",
                        format!(
                            "{CA_FILE_ENV} names {path:?}, which cannot be read: {e}. Give the \
                             path of a PEM file with the CA certificates to trust, put them in \
                             the provider's ca_certificate_pem instead, or unset it."
                        ),
                    );
                    return None;
                }
            }
        }
    };
    match CaCertificates::from_pem(&pem) {
        Ok(certs) => Some(certs),
        Err(problem) => {
            diags.attr_error(
                attr,
                "Invalid CA certificate",
                format!(
                    "The CA certificates in {source} are not usable: {problem}. Give one or more \
                     PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)."
                ),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&Value) -> Result<(), String>, text: &str) -> Result<(), String> {
        f(&Value::string(text))
    }

    #[test]
    fn base_urls_are_https_except_on_loopback() {
        assert_eq!(check(base_url, "https://api.umbrella.com"), Ok(()));
        assert_eq!(check(base_url, "http://127.0.0.1:8080"), Ok(()));
        let err = check(base_url, "http://api.umbrella.com").expect_err("clear text");
        assert!(
            err.contains("clear text") && err.contains("https://"),
            "{err}"
        );
        let err = check(base_url, "api.umbrella.com").expect_err("not a URL");
        assert!(err.contains("https:// URL"), "{err}");
        assert!(check(base_url, "ftp://api.umbrella.com").is_err());
        assert_eq!(base_url(&Value::Null), Ok(()));
    }

    #[test]
    fn blanks_and_bad_pems_are_refused() {
        assert!(check(not_blank, "  ").is_err());
        assert_eq!(check(not_blank, "x"), Ok(()));
        let err = check(ca_certificate_pem, "not a pem").expect_err("no certificate");
        assert!(err.contains("no certificate"), "{err}");
        assert!(check(request_timeout, "5124095576030432h").is_err());
    }
}
