//! Building a request: the base URL with its codebase, escaping, the [`Call`] description of one
//! API call, and the URL and headers sent for it.

use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use url::Url;

use crate::connectwise::ConnectWise;
use crate::connectwise::conditions::Conditions;
use crate::connectwise::error::{Error, Target};
use crate::connectwise::extensions::ExtCall;

/// `<site>/<codebase>apis/3.0`, with the codebase's slashes normalized.
pub(crate) fn api_base(site: &str, codebase: &str) -> String {
    let codebase = codebase.trim().trim_matches('/');
    if codebase.is_empty() {
        format!("{site}/apis/3.0")
    } else {
        format!("{site}/{codebase}/apis/3.0")
    }
}

/// Percent-encodes everything except RFC 3986 unreserved characters (for path segments and
/// query values: `"` → `%22`, space → `%20`, `*` → `%2A`, `+` → `%2B`).
pub(crate) fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// One path segment from a caller-supplied string; refuses empty values.
pub(crate) fn segment(what: &str, value: &str) -> Result<String, Error> {
    if value.trim().is_empty() {
        return Err(Error::InvalidInput(format!("{what} must not be empty")));
    }
    Ok(encode_component(value))
}

/// One API call relative to `<site>/<codebase>apis/3.0`.
pub(crate) struct Call {
    pub(super) method: Method,
    /// Path below the API base, already escaped.
    pub(super) path: String,
    /// Query parameters, not yet escaped.
    pub(super) query: Vec<(String, String)>,
    /// JSON body.
    pub(super) body: Option<Vec<u8>>,
    /// The object the call is about, for [`Error::NotFound`].
    pub(super) target: Target,
    /// Set on calls outside the published API specification.
    pub(super) ext: Option<ExtCall>,
    /// Whether the answer may hold a key (never quoted in errors).
    pub(super) secret_response: bool,
    /// Extra headers.
    pub(super) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Call {
    /// A call on `path` (already escaped) about the object `resource` `id`, used for
    /// [`Error::NotFound`].
    pub(crate) fn new(
        method: Method,
        path: String,
        resource: &'static str,
        id: impl ToString,
    ) -> Self {
        Self {
            method,
            path,
            query: Vec::new(),
            body: None,
            target: Target {
                resource,
                id: id.to_string(),
            },
            ext: None,
            secret_response: false,
            headers: Vec::new(),
        }
    }

    pub(crate) fn get(path: String, resource: &'static str, id: impl ToString) -> Self {
        Self::new(Method::GET, path, resource, id)
    }

    pub(crate) fn post(path: String, resource: &'static str, id: impl ToString) -> Self {
        Self::new(Method::POST, path, resource, id)
    }

    pub(crate) fn patch(path: String, resource: &'static str, id: impl ToString) -> Self {
        Self::new(Method::PATCH, path, resource, id)
    }

    pub(crate) fn delete(path: String, resource: &'static str, id: impl ToString) -> Self {
        Self::new(Method::DELETE, path, resource, id)
    }

    /// Adds `conditions=...` unless empty.
    pub(crate) fn conditions(mut self, conditions: &Conditions) -> Self {
        if !conditions.is_empty() {
            self.query
                .push(("conditions".to_owned(), conditions.to_string()));
        }
        self
    }

    /// Sets a JSON body.
    pub(crate) fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidInput(format!("cannot encode the request body: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Marks the call as one not in the published API specification.
    pub(crate) fn ext(mut self, ext: ExtCall) -> Self {
        self.ext = Some(ext);
        self
    }

    /// Marks the answer as possibly holding a key: it is never quoted in errors.
    pub(crate) fn secret_response(mut self) -> Self {
        self.secret_response = true;
        self
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
        self
    }

    /// `GET /system/securityroles` style label for errors and logs.
    pub(crate) fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

impl ConnectWise {
    /// `<site>/<codebase>apis/3.0`, discovering the codebase on first use.
    pub(crate) async fn api_base(&self) -> Result<String, Error> {
        let codebase = self.codebase_ref().await?;
        Ok(api_base(&self.inner.site, codebase))
    }

    /// The configured codebase, or the one discovered once through companyinfo.
    pub(crate) async fn codebase_ref(&self) -> Result<&str, Error> {
        self.inner
            .codebase
            .get_or_try_init(|| async { self.fetch_company_info().await.map(|i| i.codebase) })
            .await
            .map(String::as_str)
    }

    pub(crate) fn site(&self) -> &str {
        &self.inner.site
    }

    /// The full URL of `call`, with its query and `extra_query` (paging) escaped.
    pub(super) async fn url(
        &self,
        call: &Call,
        extra_query: &[(String, String)],
    ) -> Result<Url, Error> {
        let base = self.api_base().await?;
        let mut url_text = format!("{base}{}", call.path);
        let mut first = true;
        for (key, value) in call.query.iter().chain(extra_query) {
            url_text.push(if first { '?' } else { '&' });
            first = false;
            url_text.push_str(&encode_component(key));
            url_text.push('=');
            url_text.push_str(&encode_component(value));
        }
        Url::parse(&url_text).map_err(|e| {
            Error::InvalidInput(format!("cannot build the URL of {}: {e}", call.label()))
        })
    }

    /// The headers of `call`: credentials, clientId, the pinned version, and the call's own.
    pub(super) fn headers(&self, call: &Call) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, self.inner.auth.clone());
        headers.insert("clientid", self.inner.client_id.clone());
        headers.insert(ACCEPT, self.inner.accept.clone());
        if call.body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        for (name, value) in &call.headers {
            headers.insert(name.clone(), value.clone());
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_from_codebase() {
        assert_eq!(
            api_base("https://h", "v2025_1/"),
            "https://h/v2025_1/apis/3.0"
        );
        assert_eq!(
            api_base("https://h", "/v4_6_release/"),
            "https://h/v4_6_release/apis/3.0"
        );
        assert_eq!(api_base("http://h:1", ""), "http://h:1/apis/3.0");
    }

    #[test]
    fn query_encoding() {
        assert_eq!(
            encode_component(r#"name="Umb rella*" AND x+y"#),
            "name%3D%22Umb%20rella%2A%22%20AND%20x%2By"
        );
        assert_eq!(encode_component("abc-._~"), "abc-._~");
        assert!(segment("member identifier", " ").is_err());
        assert_eq!(segment("id", "a/b").unwrap(), "a%2Fb");
    }
}
