//! A client's fixed parts, built once: the checked configuration, the HTTP client, and the
//! headers every call sends (`Authorization`, `clientId`, `Accept`).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use reqwest::header::HeaderValue;
use tokio::sync::OnceCell;
use url::Url;

use crate::connectwise::limiter::{self, Limits, SiteLimiter};
use crate::connectwise::{ConnectWiseConfig, Error, Secret};

/// Shared state of a [`ConnectWise`](crate::ConnectWise) client.
pub(crate) struct Inner {
    pub(crate) config: ConnectWiseConfig,
    /// Site URL with scheme and without trailing slash.
    pub(crate) site: String,
    pub(super) http: reqwest::Client,
    /// `Authorization: Basic …`, marked sensitive.
    pub(super) auth: HeaderValue,
    /// The integration's `clientId` header.
    pub(super) client_id: HeaderValue,
    /// `Accept` with the pinned API version.
    pub(super) accept: HeaderValue,
    /// The codebase, configured or discovered once.
    pub(super) codebase: OnceCell<String>,
    /// The site's limiter, shared process-wide.
    pub(super) limiter: Arc<SiteLimiter>,
}

impl Inner {
    pub(crate) fn new(config: ConnectWiseConfig) -> Result<Self, Error> {
        let site = normalize_site(&config.site)?;
        let timeout = config.request_timeout;
        if timeout.is_zero() {
            return Err(Error::InvalidInput(
                "request_timeout must be greater than zero".into(),
            ));
        }
        let http = crate::trust::http_client_builder(config.ca_certificates.as_ref())
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(90))
            .connect_timeout(timeout.min(Duration::from_secs(15)))
            .timeout(timeout)
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| Error::InvalidInput(format!("cannot build the HTTP client: {e}")))?;
        Self::with_http(config, site, http, None)
    }

    pub(crate) fn with_keys(&self, public_key: String, private_key: Secret) -> Result<Self, Error> {
        let mut config = self.config.clone();
        config.public_key = public_key;
        config.private_key = private_key;
        Self::with_http(
            config,
            self.site.clone(),
            self.http.clone(),
            self.codebase.get().cloned(),
        )
    }

    fn with_http(
        config: ConnectWiseConfig,
        site: String,
        http: reqwest::Client,
        codebase: Option<String>,
    ) -> Result<Self, Error> {
        if config.company_id.trim().is_empty() {
            return Err(Error::InvalidInput("company_id must not be empty".into()));
        }
        if config.public_key.trim().is_empty() {
            return Err(Error::InvalidInput("public_key must not be empty".into()));
        }
        if config.private_key.expose().is_empty() {
            return Err(Error::InvalidInput("private_key must not be empty".into()));
        }
        if config.client_id.trim().is_empty() {
            return Err(Error::InvalidInput(
                "client_id must not be empty (ConnectWise requires a clientId GUID on every call)"
                    .into(),
            ));
        }
        if config.api_version.trim().is_empty() {
            return Err(Error::InvalidInput("api_version must not be empty".into()));
        }
        if config.retry_deadline.is_zero() {
            return Err(Error::InvalidInput(
                "retry_deadline must be greater than zero".into(),
            ));
        }
        let limiter = limiter::for_site(
            &site,
            &config.company_id,
            Limits {
                requests_per_minute: config.requests_per_minute.filter(|r| *r > 0),
                burst: config
                    .burst
                    .unwrap_or_else(|| config.requests_per_minute.unwrap_or(0) / 10)
                    .max(1),
                max_in_flight: config.max_in_flight,
            },
        );
        let auth = basic_auth_value(&config.company_id, &config.public_key, &config.private_key)?;
        let client_id = HeaderValue::from_str(config.client_id.trim()).map_err(|_| {
            Error::InvalidInput("client_id contains characters not allowed in a header".into())
        })?;
        let accept = HeaderValue::from_str(&format!(
            "application/vnd.connectwise.com+json; version={}",
            config.api_version.trim()
        ))
        .map_err(|_| {
            Error::InvalidInput("api_version contains characters not allowed in a header".into())
        })?;
        let codebase = codebase.or_else(|| config.codebase.clone());
        Ok(Self {
            config,
            site,
            http,
            auth,
            client_id,
            accept,
            codebase: OnceCell::new_with(codebase),
            limiter,
        })
    }
}

/// `Basic base64("<company>+<public>:<private>")`, marked sensitive so it is never printed.
pub(crate) fn basic_auth_value(
    company_id: &str,
    public_key: &str,
    private_key: &Secret,
) -> Result<HeaderValue, Error> {
    let raw = format!("{company_id}+{public_key}:{}", private_key.expose());
    let encoded = base64::engine::general_purpose::STANDARD.encode(raw.as_bytes());
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}"))
        .map_err(|_| Error::InvalidInput("credentials cannot be put in a header".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Adds `https://` to a bare host and checks the URL.
pub(crate) fn normalize_site(site: &str) -> Result<String, Error> {
    let trimmed = site.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Err(Error::InvalidInput("site must not be empty".into()));
    }
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let url = Url::parse(&with_scheme)
        .map_err(|e| Error::InvalidInput(format!("site {trimmed:?} is not a valid URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::InvalidInput(format!(
            "site {trimmed:?} must be a host name or an http(s) URL"
        )));
    }
    crate::trust::check_cleartext(&url)
        .map_err(|problem| Error::InvalidInput(format!("site {trimmed:?}: {problem}")))?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidInput(format!(
            "site {trimmed:?} must not have a query or fragment"
        )));
    }
    Ok(with_scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_header_value() {
        let value = basic_auth_value("sandbox", "pub", &Secret::new("priv")).unwrap();
        // base64("sandbox+pub:priv")
        assert_eq!(value.to_str().unwrap(), "Basic c2FuZGJveCtwdWI6cHJpdg==");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("c2FuZGJveCtwdWI6cHJpdg"));
    }

    #[test]
    fn site_normalization() {
        assert_eq!(
            normalize_site("api-na.myconnectwise.net").unwrap(),
            "https://api-na.myconnectwise.net"
        );
        assert_eq!(
            normalize_site("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(normalize_site("").is_err());
        assert!(normalize_site("ftp://x").is_err());
        assert!(normalize_site("http://api-na.myconnectwise.net").is_err());
    }
}
