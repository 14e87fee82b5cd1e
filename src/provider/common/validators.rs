//! Attribute validators that know this provider's inputs: e-mail addresses, ConnectWise sites
//! (with the rule that keeps credentials off plain `http://` except on loopback) and client ids
//! (GUIDs). Each is a `Validator::Custom(..)`; null and unknown values are not checked (the
//! schema skips them). Generic checks (blank strings, lengths) are tfplugin's own validators.

use std::net::Ipv6Addr;

use api_client::trust::check_cleartext;
use tfplugin::Value;
use url::Url;

/// `Validator::Custom(email_address)`: a pragmatic e-mail check, not RFC 5322: one `@`, a
/// non-empty local part, a domain with a dot between non-empty labels, no blanks.
pub fn email_address(value: &Value) -> Result<(), String> {
    match value.as_str() {
        Some(text) => check_email(text),
        None => Ok(()),
    }
}

/// The reason `text` is not an e-mail address, if it is not one.
pub fn check_email(text: &str) -> Result<(), String> {
    let problem = if text.chars().any(char::is_whitespace) {
        Some("it contains blanks")
    } else if text.matches('@').count() != 1 {
        Some("it must contain exactly one `@`")
    } else {
        let (local, domain) = text.split_once('@').unwrap_or_default();
        if local.is_empty() {
            Some("nothing comes before the `@`")
        } else if !domain.contains('.') || domain.split('.').any(str::is_empty) {
            Some("the part after the `@` must be a domain such as `example.com`")
        } else {
            None
        }
    };
    match problem {
        Some(why) => Err(format!(
            "must be an e-mail address such as `umbrella@example.com`, got {text:?}: {why}."
        )),
        None => Ok(()),
    }
}

/// `Validator::Custom(client_id)`: a ConnectWise client id is the GUID of a registered
/// integration (developer.connectwise.com), e.g. `1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d`.
pub fn client_id(value: &Value) -> Result<(), String> {
    match value.as_str() {
        Some(text) if is_guid(text) => Ok(()),
        Some(text) => Err(format!(
            "must be the GUID of an integration registered at developer.connectwise.com, in the \
             form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hexadecimal digits), got {text:?}."
        )),
        None => Ok(()),
    }
}

/// Whether `text` is a GUID in its usual form: 8-4-4-4-12 hexadecimal digits.
pub fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Validator::Custom(site)`: where a ConnectWise server is: a host (`api-na.myconnectwise.net`,
/// `cw.example.com:8443`) or an `http(s)://` URL with a host. Plain `http://` only for a
/// loopback host: anywhere else the ConnectWise keys would cross the network in clear text.
pub fn site(value: &Value) -> Result<(), String> {
    match value.as_str() {
        Some(text) => check_site(text),
        None => Ok(()),
    }
}

/// The reason `text` is not a usable site, if it is not one.
pub fn check_site(text: &str) -> Result<(), String> {
    const FORMS: &str = "a host such as `api-na.myconnectwise.net` or an https:// URL such as \
                         `https://cw.example.com`";
    if text.chars().any(char::is_whitespace) {
        return Err(format!("must be {FORMS} without blanks, got {text:?}."));
    }
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
        None => (None, text),
    };
    if let Some(s) = scheme.as_deref()
        && s != "https"
        && s != "http"
    {
        return Err(format!(
            "must be {FORMS}; the scheme {s:?} is not supported, got {text:?}."
        ));
    }
    // A bare host may not carry a path: only a URL says where a path starts.
    let authority_end = match scheme {
        Some(_) => rest.find(['/', '?', '#']).unwrap_or(rest.len()),
        None => rest.len(),
    };
    host_of(&rest[..authority_end])
        .map_err(|why| format!("must be {FORMS}, got {text:?}: {why}."))?;
    if scheme.as_deref() == Some("http") {
        // The clients' own rule, so the provider block and this attribute agree.
        let url = Url::parse(text).map_err(|e| format!("must be {FORMS}, got {text:?}: {e}."))?;
        check_cleartext(&url).map_err(|problem| {
            format!("{problem} (got {text:?}; Umbrella would send the ConnectWise keys).")
        })?;
    }
    Ok(())
}

/// Checks `host[:port]` or `[ipv6][:port]`: why it is no host, if it is not one.
fn host_of(authority: &str) -> Result<(), String> {
    if authority.is_empty() {
        return Err("there is no host".into());
    }
    if authority.contains('@') {
        return Err("user names and passwords do not belong in the site".into());
    }
    let (host, port) = if authority.starts_with('[') {
        let end = authority
            .find(']')
            .ok_or("the IPv6 address lacks its `]`")?;
        let (host, after) = authority.split_at(end + 1);
        let inner = &host[1..host.len() - 1];
        if inner.parse::<Ipv6Addr>().is_err() {
            return Err(format!("{inner:?} is not an IPv6 address"));
        }
        match after {
            "" => (host, None),
            _ => (
                host,
                Some(
                    after
                        .strip_prefix(':')
                        .ok_or("junk after the IPv6 address")?,
                ),
            ),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Err(format!("{port:?} is not a port number (1 to 65535)"));
    }
    if !host.starts_with('[') && !is_dns_name(host) {
        return Err(format!(
            "{host:?} is not a host name (letters, digits and `-` in dot-separated labels)"
        ));
    }
    Ok(())
}

/// A DNS name or IPv4 address: labels of letters, digits and `-` (not at either end), 1 to 63
/// characters each, at most 253 in all.
fn is_dns_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_addresses_need_one_at_a_local_part_and_a_dotted_domain() {
        for good in ["umbrella@example.com", "a.b+psa@mail.example.co.uk"] {
            assert_eq!(check_email(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("umbrella", "exactly one `@`"),
            ("a@b@example.com", "exactly one `@`"),
            ("@example.com", "before the `@`"),
            ("umbrella@example", "domain"),
            ("umbrella@example.", "domain"),
            ("umbrella@.com", "domain"),
            ("umbrella@exa..com", "domain"),
            ("um brella@example.com", "blanks"),
            ("", "exactly one `@`"),
        ] {
            let err = check_email(bad).err().unwrap_or_default();
            assert!(
                err.contains(why) && err.contains(&format!("{bad:?}")),
                "{bad:?}: {err}"
            );
        }
        assert_eq!(email_address(&Value::Null), Ok(()));
        assert_eq!(email_address(&Value::Unknown), Ok(()));
    }

    #[test]
    fn client_ids_are_guids() {
        assert!(is_guid("1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d"));
        assert!(is_guid("1B2C3D4E-5F60-4A7B-8C9D-0E1F2A3B4C5D"));
        for bad in [
            "",
            "umbrella",
            "1b2c3d4e5f604a7b8c9d0e1f2a3b4c5d",
            "{1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d}",
            "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5",
            "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5g",
            "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d-",
        ] {
            assert!(!is_guid(bad), "{bad:?}");
        }
        let err = client_id(&Value::string("umbrella"))
            .err()
            .unwrap_or_default();
        assert!(
            err.contains("GUID") && err.contains("\"umbrella\""),
            "{err}"
        );
    }

    #[test]
    fn sites_are_hosts_or_http_urls_with_a_host() {
        for good in [
            "api-na.myconnectwise.net",
            "cw.example.com:8443",
            "https://api-eu.myconnectwise.net",
            "HTTPS://cw.example.com/",
            "https://cw.example.com:8443/v4_6_release",
            "http://127.0.0.1:8080",
            "http://127.8.9.10",
            "http://localhost:3000/",
            "http://[::1]:8080",
            "10.0.0.5",
        ] {
            assert_eq!(check_site(good), Ok(()), "{good}");
        }
        for (bad, why) in [
            ("", "no host"),
            ("https://", "no host"),
            ("https:///path", "no host"),
            ("ftp://cw.example.com", "scheme"),
            ("cw example.com", "blanks"),
            ("cw.example.com/path", "not a host name"),
            ("https://user:pw@cw.example.com", "passwords"),
            ("cw.example.com:0", "port"),
            ("cw.example.com:99999", "port"),
            ("https://cw_example.com", "not a host name"),
            ("https://-cw.example.com", "not a host name"),
            ("https://cw..example.com", "not a host name"),
            ("https://[::1", "`]`"),
            ("https://[nope]:80", "IPv6"),
        ] {
            let err = check_site(bad).err().unwrap_or_default();
            assert!(err.contains(why), "{bad:?}: {err}");
        }
    }

    #[test]
    fn plain_http_only_reaches_loopback_hosts() {
        for bad in [
            "http://api-na.myconnectwise.net",
            "http://10.0.0.5:8080",
            "http://128.0.0.1",
            "http://[::2]",
            "http://localhost.example.com",
        ] {
            let err = check_site(bad).err().unwrap_or_default();
            assert!(
                err.contains("clear text") && err.contains("https://") && err.contains(bad),
                "{bad:?}: {err}"
            );
        }
    }
}
