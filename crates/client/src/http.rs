//! Request plumbing: base URL and codebase, headers, retries, error mapping, decoding, paging.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rand::Rng as _;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use url::Url;

use super::conditions::Conditions;
use super::error::{self, Error, Target};
use super::extensions::{self, ExtCall};
use super::limiter::{self, Limits, SiteLimiter};
use super::{ConnectWise, ConnectWiseConfig, Secret};

/// Largest page ConnectWise serves.
pub(crate) const PAGE_SIZE: usize = 1000;
/// Safety stop for paging (1,000,000 records).
const MAX_PAGES: usize = 1000;
/// First backoff step; doubled per attempt.
const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// Longest backoff step.
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Longest `Retry-After` the client is willing to sleep through; longer waits end the call.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(120);
/// Largest answer body read; a larger one fails the call with [`Error::Decode`].
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Shared state of a [`ConnectWise`] client.
pub(crate) struct Inner {
    pub(crate) config: ConnectWiseConfig,
    /// Site URL with scheme and without trailing slash.
    pub(crate) site: String,
    http: reqwest::Client,
    auth: HeaderValue,
    client_id: HeaderValue,
    accept: HeaderValue,
    codebase: OnceCell<String>,
    limiter: Arc<SiteLimiter>,
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
        let http = reqwest::Client::builder()
            .use_rustls_tls()
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
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidInput(format!(
            "site {trimmed:?} must not have a query or fragment"
        )));
    }
    Ok(with_scheme)
}

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

/// How an attempt ended, for the retry decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The server answered with this status.
    Status(u16),
    /// The connection could not be made: the request never reached the server.
    NotSent,
    /// The request timed out after it may have reached the server.
    Timeout,
    /// Another transport failure after the request may have reached the server.
    MaybeSent,
}

/// Whether the method may be repeated without changing the result.
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::PATCH | Method::DELETE | Method::OPTIONS
    )
}

/// Whether an attempt may be repeated without risk of creating an object twice.
///
/// GET, PUT, PATCH and DELETE are retried on 429, 500, 502, 503, 504 and transport failures. A
/// POST is retried here only when the server certainly did not act on it: on 429 and when the
/// connection could not be made. (Creates whose answer was lost are retried by
/// [`ConnectWise::create_idempotent`], after looking the object up.) No other 4xx is retried.
pub(crate) fn should_retry(method: &Method, outcome: Outcome) -> bool {
    match outcome {
        Outcome::Status(429) => true,
        Outcome::NotSent => true,
        Outcome::Status(500 | 502..=504) | Outcome::Timeout | Outcome::MaybeSent => {
            is_idempotent(method)
        }
        Outcome::Status(_) => false,
    }
}

/// Whether the server may have acted on an attempt that ended this way.
fn maybe_performed(outcome: Outcome) -> bool {
    matches!(
        outcome,
        Outcome::Status(500 | 502..=504) | Outcome::Timeout | Outcome::MaybeSent
    )
}

/// Whether a failed create may nevertheless have created the object: a server error, a timeout
/// or a connection lost after the request was sent.
pub(crate) fn outcome_unknown(err: &Error) -> bool {
    match err {
        Error::Api { status, .. } => matches!(status, 500 | 502..=504),
        Error::Timeout { .. } => true,
        Error::Transport { source, .. } => !source.is_connect(),
        Error::GaveUp { last, .. } => outcome_unknown(last),
        _ => false,
    }
}

/// Attempts made by one [`ConnectWise::execute`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attempts {
    /// How many requests were sent.
    pub count: u32,
    /// When the first one started.
    pub started: Instant,
    /// Whether an earlier attempt may have been performed by the server although it failed.
    pub earlier_maybe_performed: bool,
    /// The last HTTP status received.
    pub last_status: Option<u16>,
}

impl Attempts {
    fn gave_up(&self, call: &str, last: Error) -> Error {
        if self.count <= 1 {
            return last;
        }
        Error::GaveUp {
            call: call.to_owned(),
            attempts: self.count,
            elapsed: self.started.elapsed(),
            last: Box::new(last),
            last_status: self.last_status,
        }
    }
}

/// Why reading an answer body stopped.
enum ReadFailure {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads a body, at most [`MAX_BODY_BYTES`].
async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, ReadFailure> {
    if response
        .content_length()
        .is_some_and(|len| len > MAX_BODY_BYTES as u64)
    {
        return Err(ReadFailure::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadFailure::Transport)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ReadFailure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Exponential backoff with jitter: a random wait between half and all of
/// `BACKOFF_BASE * 2^attempt`, capped at `BACKOFF_MAX`.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let full = BACKOFF_BASE
        .saturating_mul(1u32 << attempt.min(16))
        .min(BACKOFF_MAX);
    let full_ms = u64::try_from(full.as_millis()).unwrap_or(u64::MAX);
    let ms = rand::rng().random_range(full_ms / 2..=full_ms);
    Duration::from_millis(ms)
}

/// The wait before the next attempt: the server's `Retry-After` (plus a little jitter) or the
/// backoff. `None` when the server asks for a wait too long to sleep through.
pub(crate) fn retry_wait(attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
    match retry_after {
        Some(wait) if wait > RETRY_AFTER_MAX => None,
        Some(wait) => Some(wait + Duration::from_millis(rand::rng().random_range(0..=250))),
        None => Some(backoff(attempt)),
    }
}

/// Reads `Retry-After` as seconds or as an HTTP date.
pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = when - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// The target of the `Link` entry with `rel="next"`, if any (RFC 8288 syntax).
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(reqwest::header::LINK) {
        let Ok(text) = value.to_str() else { continue };
        let mut rest = text;
        while let Some(start) = rest.find('<') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('>') else { break };
            let target = &after[..end];
            let params_and_more = &after[end + 1..];
            let params_end = params_and_more.find('<').unwrap_or(params_and_more.len());
            let params = params_and_more[..params_end].trim().trim_end_matches(',');
            let is_next = params.split(';').any(|param| {
                let mut kv = param.splitn(2, '=');
                let key = kv.next().unwrap_or("").trim();
                let value = kv.next().unwrap_or("").trim().trim_matches('"');
                key.eq_ignore_ascii_case("rel")
                    && value
                        .split_whitespace()
                        .any(|rel| rel.eq_ignore_ascii_case("next"))
            });
            if is_next && !target.trim().is_empty() {
                return Some(target.trim().to_owned());
            }
            rest = &params_and_more[params_end..];
        }
    }
    None
}

/// The `page` / `pageId` query values of a next-page link. Only these are taken from the link:
/// the client keeps its own host, path and conditions, so a link cannot redirect credentials.
pub(crate) fn page_params(link: &str) -> Option<Vec<(String, String)>> {
    let url = Url::parse(link)
        .or_else(|_| Url::parse("http://link.invalid/").and_then(|base| base.join(link)))
        .ok()?;
    let params: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k.eq_ignore_ascii_case("page") || k.eq_ignore_ascii_case("pageId"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if params.is_empty() {
        None
    } else {
        Some(params)
    }
}

/// `alloc::vec::Vec<connectwise_provider::client::SecurityRole>` → `Vec<SecurityRole>`.
fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::new();
    let mut word = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            out.push_str(word.rsplit("::").next().unwrap_or(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(word.rsplit("::").next().unwrap_or(&word));
    out
}

/// An HTTP answer, read completely.
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub retry_after: Option<Duration>,
}

impl RawResponse {
    fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    fn is_empty(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }
}

/// Decodes a JSON answer, describing what came instead when it is not the expected shape.
/// With `secret` set (answers that may hold a private key) the body is never quoted.
pub(crate) fn decode<T: DeserializeOwned>(
    raw: &RawResponse,
    call: &str,
    secret: bool,
) -> Result<T, Error> {
    let expected = short_type_name::<T>();
    if raw.is_empty() {
        return Err(Error::Decode {
            call: call.to_owned(),
            message: format!(
                "expected JSON {expected} but the body was empty (HTTP {})",
                raw.status
            ),
        });
    }
    serde_json::from_slice::<T>(&raw.body).map_err(|e| {
        let message = match (e.classify(), secret) {
            (serde_json::error::Category::Data, false) => format!(
                "expected JSON {expected}: {e}; body: {}",
                error::snippet(&String::from_utf8_lossy(&raw.body))
            ),
            (serde_json::error::Category::Data, true) => format!(
                "expected JSON {expected} but the JSON has another shape (line {}, column {}); the body is not shown because it may hold a key",
                e.line(),
                e.column()
            ),
            (_, false) => format!(
                "expected JSON {expected} but got {}",
                error::describe_body(raw.content_type(), &raw.body)
            ),
            (_, true) => format!(
                "expected JSON {expected} but got a body that is not JSON; the body is not shown because it may hold a key"
            ),
        };
        Error::Decode {
            call: call.to_owned(),
            message,
        }
    })
}

/// One API call relative to `<site>/<codebase>apis/3.0`.
pub(crate) struct Call {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    target: Target,
    ext: Option<ExtCall>,
    secret_response: bool,
    headers: Vec<(HeaderName, HeaderValue)>,
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

    /// Sends an unauthenticated GET (companyinfo) with the same retries.
    pub(crate) async fn get_unauthenticated(
        &self,
        url: &str,
        label: &str,
    ) -> Result<RawResponse, Error> {
        let url = Url::parse(url)
            .map_err(|e| Error::InvalidInput(format!("invalid URL for {label}: {e}")))?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert("clientid", self.inner.client_id.clone());
        let (raw, attempts) = self
            .execute(&Method::GET, &url, label, &headers, None)
            .await?;
        if attempts.count > 1 && should_retry(&Method::GET, Outcome::Status(raw.status)) {
            let err = error::from_response(
                raw.status,
                raw.content_type(),
                &raw.body,
                label,
                &Target {
                    resource: "company",
                    id: self.inner.config.company_id.clone(),
                },
                raw.retry_after,
            );
            return Err(attempts.gave_up(label, err));
        }
        Ok(raw)
    }

    /// Runs one call with retries; `extra_query` adds paging parameters. Error answers become
    /// [`Error`]s.
    pub(crate) async fn send(
        &self,
        call: &Call,
        extra_query: &[(String, String)],
    ) -> Result<RawResponse, Error> {
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
        let label = call.label();
        let url = Url::parse(&url_text)
            .map_err(|e| Error::InvalidInput(format!("cannot build the URL of {label}: {e}")))?;

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

        let (raw, attempts) = self
            .execute(&call.method, &url, &label, &headers, call.body.as_deref())
            .await?;
        if (200..300).contains(&raw.status) {
            return Ok(raw);
        }
        if call.method == Method::DELETE && raw.status == 404 && attempts.earlier_maybe_performed {
            // An earlier DELETE whose answer was lost did the job.
            tracing::debug!(target: "connectwise", call = %label, "DELETE answered 404 after a lost answer: already deleted");
            return Ok(RawResponse {
                status: 204,
                headers: HeaderMap::new(),
                body: Vec::new(),
                retry_after: None,
            });
        }
        let retried_status = should_retry(&call.method, Outcome::Status(raw.status));
        if let Some(ext) = call.ext
            && let Some(err) =
                extensions::classify_failure(ext, raw.status, raw.content_type(), &raw.body, &label)
        {
            return Err(err);
        }
        let body: &[u8] = if call.secret_response && !(400..500).contains(&raw.status) {
            &[]
        } else {
            &raw.body
        };
        let err = error::from_response(
            raw.status,
            raw.content_type(),
            body,
            &label,
            &call.target,
            raw.retry_after,
        );
        Err(if retried_status {
            attempts.gave_up(&label, err)
        } else {
            err
        })
    }

    /// Creates an object with a POST without ever creating it twice.
    ///
    /// A POST whose answer is lost (HTTP 500/502/503/504, a timeout, a connection dropped after
    /// sending) may or may not have created the object. Before sending it again, `recover` looks
    /// the object up: `Some(object)` is adopted as the result; `None` means it does not exist (or
    /// `recover` removed a useless half-created object), and the POST is sent again after a
    /// backoff, within `max_retries` and `retry_deadline`. Other failures (validation errors,
    /// 401/403/404) end the call at once. If the lookup itself fails the error is
    /// [`Error::OutcomeUnknown`].
    pub(crate) async fn create_idempotent<T, F, Fut>(
        &self,
        call: Call,
        recover: F,
    ) -> Result<T, Error>
    where
        T: DeserializeOwned,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        let label = call.label();
        let started = Instant::now();
        let deadline = started + self.inner.config.retry_deadline;
        let max_retries = self.inner.config.max_retries;
        let mut attempts: u32 = 0;
        let mut last_status = None;
        loop {
            attempts += 1;
            let err = match self.send(&call, &[]).await {
                Ok(raw) => return decode(&raw, &label, call.secret_response),
                Err(err) => err,
            };
            if !outcome_unknown(&err) {
                return Err(err);
            }
            last_status = err.status().or(last_status);
            tracing::debug!(
                target: "connectwise",
                call = %label,
                attempt = attempts,
                error = %err.root(),
                "create: answer lost, looking the object up before trying again"
            );
            match recover().await {
                Ok(Some(found)) => {
                    tracing::debug!(target: "connectwise", call = %label, "create: the lost create had succeeded; using the object found");
                    return Ok(found);
                }
                Ok(None) => {}
                Err(lookup) => {
                    return Err(Error::OutcomeUnknown {
                        call: label,
                        cause: Box::new(err),
                        lookup: Box::new(lookup),
                    });
                }
            }
            let wait = backoff(attempts - 1);
            if attempts > max_retries || Instant::now() + wait >= deadline {
                return Err(Error::GaveUp {
                    call: label,
                    attempts,
                    elapsed: started.elapsed(),
                    last: Box::new(match err {
                        Error::GaveUp { last, .. } => *last,
                        other => other,
                    }),
                    last_status,
                });
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Runs a call and decodes its JSON answer.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let raw = self.send(&call, &[]).await?;
        decode(&raw, &call.label(), call.secret_response)
    }

    /// Runs a call whose answer may be empty (204); `None` then.
    pub(crate) async fn fetch_optional<T: DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<Option<T>, Error> {
        let raw = self.send(&call, &[]).await?;
        if raw.is_empty() {
            return Ok(None);
        }
        decode(&raw, &call.label(), call.secret_response).map(Some)
    }

    /// Runs a call whose answer body is ignored (DELETE → 204).
    pub(crate) async fn execute_call(&self, call: Call) -> Result<(), Error> {
        self.send(&call, &[]).await.map(|_| ())
    }

    /// Reads every page of a list: `pageSize=1000`, then the `Link rel="next"` page while pages
    /// come back full. One request when everything fits on one page.
    pub(crate) async fn list_all<T: DeserializeOwned>(&self, call: Call) -> Result<Vec<T>, Error> {
        let label = call.label();
        let mut items = Vec::new();
        let mut paging: Vec<(String, String)> = Vec::new();
        for _ in 0..MAX_PAGES {
            let mut query = vec![("pageSize".to_owned(), PAGE_SIZE.to_string())];
            query.extend(paging.iter().cloned());
            let raw = self.send(&call, &query).await?;
            let page: Vec<T> = decode(&raw, &label, call.secret_response)?;
            let count = page.len();
            items.extend(page);
            if count < PAGE_SIZE {
                break;
            }
            match next_link(&raw.headers).and_then(|link| page_params(&link)) {
                Some(next) if next != paging => paging = next,
                _ => break,
            }
        }
        Ok(items)
    }

    /// Sends one request with retries within `max_retries` and `retry_deadline`, through the
    /// site's shared limiter. Returns the last HTTP answer (success or not) with the attempts
    /// made; transport failures, timeouts and oversized answers are errors here (wrapped in
    /// [`Error::GaveUp`] after retries).
    async fn execute(
        &self,
        method: &Method,
        url: &Url,
        label: &str,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<(RawResponse, Attempts), Error> {
        let config = &self.inner.config;
        let max_retries = config.max_retries;
        let mut attempts = Attempts {
            count: 0,
            started: Instant::now(),
            earlier_maybe_performed: false,
            last_status: None,
        };
        let deadline = attempts.started + config.retry_deadline;
        loop {
            let permit = self.inner.limiter.acquire().await;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                // Only reachable when the limiter itself made the call wait past its deadline.
                drop(permit);
                return Err(attempts.gave_up(
                    label,
                    Error::Timeout {
                        call: label.to_owned(),
                    },
                ));
            }
            let attempt = attempts.count;
            attempts.count += 1;
            let mut request = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .headers(headers.clone())
                .timeout(config.request_timeout.min(remaining));
            if let Some(body) = body {
                request = request.body(body.to_vec());
            }
            let started = Instant::now();
            let result = match request.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let response_headers = response.headers().clone();
                    match read_body(response).await {
                        Ok(body) => Ok(RawResponse {
                            status,
                            retry_after: parse_retry_after(&response_headers),
                            headers: response_headers,
                            body,
                        }),
                        Err(ReadFailure::TooLarge) => {
                            return Err(Error::Decode {
                                call: label.to_owned(),
                                message: format!(
                                    "the answer (HTTP {status}) is larger than {} MiB; stopped reading it",
                                    MAX_BODY_BYTES / (1024 * 1024)
                                ),
                            });
                        }
                        Err(ReadFailure::Transport(e)) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            drop(permit);
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let outcome = match &result {
                Ok(raw) => Outcome::Status(raw.status),
                Err(e) if e.is_connect() => Outcome::NotSent,
                Err(e) if e.is_timeout() => Outcome::Timeout,
                Err(_) => Outcome::MaybeSent,
            };
            tracing::debug!(
                target: "connectwise",
                method = %method,
                path = url.path(),
                outcome = ?outcome,
                elapsed_ms,
                attempt,
                "ConnectWise call"
            );
            if let Outcome::Status(status) = outcome {
                attempts.last_status = Some(status);
            }
            let retry_after = result.as_ref().ok().and_then(|raw| raw.retry_after);
            let wait = if attempt < max_retries && should_retry(method, outcome) {
                retry_wait(attempt, retry_after).filter(|wait| Instant::now() + *wait < deadline)
            } else {
                None
            };
            if let Some(wait) = wait {
                attempts.earlier_maybe_performed |= maybe_performed(outcome);
                tokio::time::sleep(wait).await;
                continue;
            }
            return match result {
                Ok(raw) => Ok((raw, attempts)),
                Err(e) => {
                    let err = if e.is_timeout() {
                        Error::Timeout {
                            call: label.to_owned(),
                        }
                    } else {
                        Error::Transport {
                            call: label.to_owned(),
                            source: e.without_url(),
                        }
                    };
                    Err(attempts.gave_up(label, err))
                }
            };
        }
    }
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
    fn site_and_base_url() {
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
    fn link_header_parsing() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            HeaderValue::from_static(
                r#"<https://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/members?pageSize=50&page=2>; rel="next", <https://api-na.myconnectwise.net/v4_6_release/apis/3.0/system/members?pageSize=50&page=4>; rel="last""#,
            ),
        );
        let link = next_link(&headers).unwrap();
        assert!(link.ends_with("page=2"), "{link}");
        assert_eq!(
            page_params(&link).unwrap(),
            vec![("page".to_owned(), "2".to_owned())]
        );

        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            HeaderValue::from_static(
                r#"<https://h/x?page=1>; rel="first", <https://h/x?page=3>; rel="prev""#,
            ),
        );
        assert_eq!(next_link(&headers), None);

        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            HeaderValue::from_static(r#"</apis/3.0/x?pageSize=1000&pageId=77>;rel=next"#),
        );
        let link = next_link(&headers).unwrap();
        assert_eq!(
            page_params(&link).unwrap(),
            vec![("pageId".to_owned(), "77".to_owned())]
        );
        assert_eq!(next_link(&HeaderMap::new()), None);
        assert_eq!(page_params("https://h/x?pageSize=5"), None);
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

    #[test]
    fn retry_classification() {
        for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
            for status in [429, 500, 502, 503, 504] {
                assert!(
                    should_retry(&method, Outcome::Status(status)),
                    "{method} {status}"
                );
            }
            for status in [400, 401, 403, 404, 405, 409, 422] {
                assert!(
                    !should_retry(&method, Outcome::Status(status)),
                    "{method} {status}"
                );
            }
            assert!(should_retry(&method, Outcome::NotSent));
            assert!(should_retry(&method, Outcome::Timeout));
            assert!(should_retry(&method, Outcome::MaybeSent));
        }
        assert!(should_retry(&Method::POST, Outcome::Status(429)));
        assert!(should_retry(&Method::POST, Outcome::NotSent));
        for status in [500, 502, 503, 504] {
            assert!(!should_retry(&Method::POST, Outcome::Status(status)));
        }
        assert!(!should_retry(&Method::POST, Outcome::Timeout));
        assert!(!should_retry(&Method::POST, Outcome::MaybeSent));
    }

    #[test]
    fn backoff_and_retry_after() {
        for attempt in 0..20 {
            let wait = backoff(attempt);
            assert!(wait <= BACKOFF_MAX, "{wait:?}");
        }
        let first = backoff(0);
        assert!(first >= Duration::from_millis(250) && first <= Duration::from_millis(500));
        let wait = retry_wait(0, Some(Duration::from_secs(3))).unwrap();
        assert!(wait >= Duration::from_secs(3) && wait <= Duration::from_millis(3250));
        assert_eq!(retry_wait(0, Some(Duration::from_secs(3600))), None);

        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(parse_retry_after(&headers), Some(Duration::from_secs(30)));
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(parse_retry_after(&headers), Some(Duration::ZERO));
        headers.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&headers), None);
    }

    #[test]
    fn decode_errors_describe_the_body() {
        let raw = |body: &str, ct: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
            RawResponse {
                status: 200,
                headers,
                body: body.as_bytes().to_vec(),
                retry_after: None,
            }
        };
        let err = decode::<Vec<u32>>(&raw("", "application/json"), "GET /x", false).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected JSON Vec<u32> but the body was empty"),
            "{err}"
        );
        let err = decode::<Vec<u32>>(&raw("<html>login</html>", "text/html"), "GET /x", false)
            .unwrap_err();
        assert!(err.to_string().contains("an HTML page"), "{err}");
        let err = decode::<Vec<u32>>(&raw(r#"{"a":1}"#, "application/json"), "GET /x", false)
            .unwrap_err();
        assert!(err.to_string().contains(r#"body: "{"a":1}""#), "{err}");
        let err = decode::<Vec<u32>>(
            &raw(r#"{"privateKey":"topsecret"}"#, "application/json"),
            "POST /k",
            true,
        )
        .unwrap_err();
        assert!(!err.to_string().contains("topsecret"), "{err}");
    }

    /// `Debug` of every client type that holds a key, secret or token prints none of them.
    #[test]
    fn debug_of_client_types_redacts_secrets() {
        use crate::umbrella::{PsaSettingsInput, Umbrella, UmbrellaConfig};
        use crate::{ApiKey, ConnectWise, ConnectWiseConfig, Token};

        const PRIVATE: &str = "PRIVATE-KEY-1f3c";
        const OTHER_PRIVATE: &str = "OTHER-PRIVATE-9a7e";
        const API_SECRET: &str = "UMBRELLA-SECRET-77b2";
        const TOKEN_PRIVATE: &str = "TOKEN-PRIVATE-c0de";
        const ACCESS_TOKEN: &str = "ACCESS-TOKEN-5e5e";

        let config = ConnectWiseConfig::new(
            "api-na.myconnectwise.net",
            "acme",
            "pub",
            Secret::new(PRIVATE),
            "0f5b1c8e-4a0e-4c53-9b7e-9d2f3c1a7e11",
        );
        let client = ConnectWise::new(config.clone()).unwrap();
        let other = client
            .with_keys("pub2", Secret::new(OTHER_PRIVATE))
            .unwrap();
        let key: ApiKey = serde_json::from_str(&format!(
            r#"{{"id":1,"description":"d","publicKey":"pk","privateKey":"{OTHER_PRIVATE}"}}"#
        ))
        .unwrap();
        let token: Token = serde_json::from_str(&format!(
            r#"{{"publicKey":"tp","privateKey":"{TOKEN_PRIVATE}"}}"#
        ))
        .unwrap();
        let psa = PsaSettingsInput {
            enabled: true,
            site_url: "https://api-na.myconnectwise.net".into(),
            company_id: "acme".into(),
            public_key: "pub".into(),
            private_key: Secret::new(PRIVATE),
        };
        let umbrella_config = UmbrellaConfig::new("key-id", Secret::new(API_SECRET));
        let umbrella = Umbrella::new(umbrella_config.clone()).unwrap();
        let answer: crate::umbrella::auth::TokenAnswer =
            serde_json::from_str(&format!(r#"{{"access_token":"{ACCESS_TOKEN}"}}"#)).unwrap();
        let auth = basic_auth_value("acme", "pub", &Secret::new(PRIVATE)).unwrap();
        let tenant = connectwise_sandbox::TenantConfig {
            private_key: PRIVATE.into(),
            umbrella_api_secret: API_SECRET.into(),
            ..connectwise_sandbox::TenantConfig::default()
        };
        let sandbox_config = connectwise_sandbox::SandboxConfig {
            tenants: vec![tenant.clone()],
            ..connectwise_sandbox::SandboxConfig::default()
        };
        let unauthorized = Error::Unauthorized {
            message: "UserNotAuthenticated".into(),
        };

        let dumps = [
            format!("{config:?}"),
            format!("{config:#?}"),
            format!("{client:?}"),
            format!("{other:?}"),
            format!("{:?}", other.config()),
            format!("{key:?}"),
            format!("{token:?}"),
            format!("{psa:?}"),
            format!("{umbrella_config:?}"),
            format!("{umbrella:?}"),
            format!("{answer:?}"),
            format!("{auth:?}"),
            format!("{tenant:?}"),
            format!("{sandbox_config:?}"),
            format!("{unauthorized:?} {unauthorized}"),
        ];
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(format!("acme+pub:{PRIVATE}").as_bytes());
        for dump in &dumps {
            for secret in [
                PRIVATE,
                OTHER_PRIVATE,
                API_SECRET,
                TOKEN_PRIVATE,
                ACCESS_TOKEN,
                encoded.as_str(),
            ] {
                assert!(!dump.contains(secret), "{secret} printed in {dump}");
            }
        }
        // The non-secret parts are still there to help debugging.
        assert!(
            dumps[0].contains("acme") && dumps[0].contains("***"),
            "{}",
            dumps[0]
        );
    }

    #[test]
    fn gave_up_names_the_call_and_the_last_status() {
        let err = Attempts {
            count: 5,
            started: Instant::now() - Duration::from_secs(31),
            earlier_maybe_performed: false,
            last_status: Some(503),
        }
        .gave_up(
            "POST /system/securityroles",
            Error::Api {
                status: 503,
                code: "ServiceUnavailable".into(),
                message: "busy".into(),
                errors: Vec::new(),
            },
        );
        let text = err.to_string();
        assert!(
            text.starts_with("POST /system/securityroles: gave up after 5 attempts in 31."),
            "{text}"
        );
        assert!(text.contains("HTTP 503"), "{text}");
        assert_eq!(err.status(), Some(503));
        assert!(err.is_retryable());
        assert!(outcome_unknown(&err));
        let err = Attempts {
            count: 3,
            started: Instant::now(),
            earlier_maybe_performed: true,
            last_status: Some(502),
        }
        .gave_up(
            "GET /x",
            Error::Timeout {
                call: "GET /x".into(),
            },
        );
        assert!(
            err.to_string()
                .contains("(the last HTTP answer before it: HTTP 502)"),
            "{err}"
        );
        assert_eq!(err.status(), Some(502));
        // One attempt: the error itself, unwrapped.
        let single = Attempts {
            count: 1,
            started: Instant::now(),
            earlier_maybe_performed: false,
            last_status: None,
        }
        .gave_up(
            "GET /x",
            Error::Timeout {
                call: "GET /x".into(),
            },
        );
        assert!(matches!(single, Error::Timeout { .. }));
        assert!(!outcome_unknown(&Error::Api {
            status: 400,
            code: String::new(),
            message: String::new(),
            errors: Vec::new()
        }));
    }

    #[test]
    fn short_type_names() {
        assert_eq!(short_type_name::<Vec<String>>(), "Vec<String>");
        assert_eq!(
            short_type_name::<Option<std::collections::HashMap<String, u8>>>(),
            "Option<HashMap<String, u8>>"
        );
    }
}
