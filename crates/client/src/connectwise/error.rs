//! The one error type of the ConnectWise client, and how ConnectWise's error answers are read.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::transport_error;

/// Most characters of a server answer quoted in an error message.
const SNIPPET_CHARS: usize = 200;

/// One validation problem reported by ConnectWise (`errors[]` of an error answer).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldError {
    /// Machine-readable reason, e.g. `ObjectExists` or `OutOfRange`.
    pub code: String,
    /// Human-readable text from ConnectWise.
    pub message: String,
    /// The object kind the problem belongs to, e.g. `company` (may be empty).
    pub resource: String,
    /// The field the problem belongs to, e.g. `identifier` (may be empty).
    pub field: String,
}

/// Everything a ConnectWise call can fail with.
///
/// Messages never contain keys or secrets: the client does not put request headers or request
/// bodies into errors, and answers that may hold a private key are never quoted.
///
/// `Clone`, so that every caller waiting on one shared read gets the original error.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object does not exist (HTTP 404 with ConnectWise's record-not-found answer).
    #[error("{resource} {id} was not found in ConnectWise")]
    NotFound {
        /// Kind of object, e.g. `security role`.
        resource: String,
        /// Its identifier as the caller gave it.
        id: String,
    },
    /// ConnectWise rejected the credentials (HTTP 401).
    #[error(
        "ConnectWise rejected the credentials (HTTP 401): {message}; check the company id, public key, private key and clientId"
    )]
    Unauthorized {
        /// ConnectWise's explanation.
        message: String,
    },
    /// The credentials are valid but their security role does not allow the call (HTTP 403).
    #[error(
        "ConnectWise refused the call (HTTP 403): {message}; the API member's security role lacks the permission"
    )]
    Forbidden {
        /// ConnectWise's explanation.
        message: String,
    },
    /// ConnectWise kept answering 429 until the retries were used up.
    #[error("{call}: ConnectWise is rate limiting this client (HTTP 429) and the retries are used up{}", retry_hint(.retry_after))]
    RateLimited {
        /// The wait ConnectWise asked for in its last `Retry-After` header, if any.
        retry_after: Option<Duration>,
        /// The call, e.g. `GET /system/securityroles`.
        call: String,
    },
    /// Any other error answer from ConnectWise.
    #[error("ConnectWise answered HTTP {status}{}: {message}{}", code_part(.code), field_errors_part(.errors))]
    Api {
        /// The HTTP status code.
        status: u16,
        /// ConnectWise's error code, e.g. `InvalidObject` (empty when the answer had none).
        code: String,
        /// ConnectWise's message, or a description of the answer when it had none.
        message: String,
        /// Per-field validation problems.
        errors: Vec<FieldError>,
    },
    /// The server does not offer a call that is not in the published API specification; the
    /// step must be done by hand in ConnectWise Manage.
    #[error(
        "{call} is not available on this ConnectWise server (the call is not in the published API specification). Do this step by hand instead: {manual_step}"
    )]
    NotSupported {
        /// The call, e.g. `PATCH /system/securityRoles/5/settings/12`.
        call: String,
        /// What to do by hand in the ConnectWise Manage UI.
        manual_step: String,
    },
    /// The call did not finish within the configured request timeout.
    #[error("{call} timed out waiting for ConnectWise (no answer within the request timeout)")]
    Timeout {
        /// The call, e.g. `GET /system/securityroles`.
        call: String,
    },
    /// The call could not be sent or its answer could not be read. The message names the cause
    /// (certificate, DNS, refused connection, TLS, ...); the whole chain is the error's `source`.
    #[error(
        "{call} failed: could not talk to ConnectWise: {}",
        transport_error::describe(.source)
    )]
    Transport {
        /// The call, e.g. `GET /system/securityroles`.
        call: String,
        /// The underlying HTTP client error (shared, so that the error can be cloned).
        #[source]
        source: Arc<reqwest::Error>,
    },
    /// The answer was not what the call expects (wrong JSON, an HTML page, an empty body).
    #[error("{call}: unexpected answer from ConnectWise: {message}")]
    Decode {
        /// The call, e.g. `GET /system/securityroles`.
        call: String,
        /// What was expected and what came back (at most ~200 characters of the body).
        message: String,
    },
    /// The caller passed a value the client cannot send (bad configuration, empty identifier).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The retry budget (`max_retries` or `retry_deadline`) ran out; `last` is the last failure.
    #[error("{call}: gave up after {attempts} attempts in {:.1} s; last answer: {last}{}", .elapsed.as_secs_f64(), earlier_status(.last, .last_status))]
    GaveUp {
        /// The call, e.g. `POST /system/securityroles`.
        call: String,
        /// How many times the call was sent.
        attempts: u32,
        /// Time from the first attempt until giving up.
        elapsed: Duration,
        /// The failure of the last attempt.
        last: Box<Error>,
        /// The last HTTP status received, also when the last attempt got none (timeout).
        last_status: Option<u16>,
    },
    /// A create whose answer was lost (server error, timeout or dropped connection) could not be
    /// checked: the object may or may not exist on the server.
    #[error(
        "{call}: the server may or may not have created the object (the answer was lost: {cause}), and looking it up failed: {lookup}; check ConnectWise before trying again"
    )]
    OutcomeUnknown {
        /// The create call, e.g. `POST /system/apiMembers`.
        call: String,
        /// Why the answer of the create is unknown.
        cause: Box<Error>,
        /// Why the lookup failed.
        lookup: Box<Error>,
    },
}

fn earlier_status(last: &Error, last_status: &Option<u16>) -> String {
    match (last.status(), last_status) {
        (None, Some(status)) => format!(" (the last HTTP answer before it: HTTP {status})"),
        _ => String::new(),
    }
}

fn retry_hint(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(wait) => format!(" (it asked to wait {} s)", wait.as_secs()),
        None => String::new(),
    }
}

fn code_part(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(" {code}")
    }
}

fn field_errors_part(errors: &[FieldError]) -> String {
    let mut out = String::new();
    for error in errors {
        out.push_str("; ");
        if !error.field.is_empty() {
            let _ = write!(out, "{}: ", error.field);
        }
        out.push_str(&error.message);
        if !error.code.is_empty() {
            let _ = write!(out, " ({})", error.code);
        }
    }
    out
}

impl Error {
    /// The failure itself: the last attempt's error for [`Error::GaveUp`], `self` otherwise.
    pub fn root(&self) -> &Error {
        match self {
            Error::GaveUp { last, .. } => last.root(),
            other => other,
        }
    }

    /// Whether the object does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
    }

    /// Whether the failure is transient, so the same call may succeed later. A certificate
    /// problem or a host name that does not resolve is not: it fails the same way every time.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport { source, .. } => {
                !transport_error::is_certificate_error(source)
                    && !transport_error::is_dns_error(source)
            }
            Error::RateLimited { .. } | Error::Timeout { .. } => true,
            Error::Api { status, .. } => matches!(status, 500 | 502..=504),
            Error::GaveUp { last, .. } => last.is_retryable(),
            Error::OutcomeUnknown { .. } => true,
            _ => false,
        }
    }

    /// The HTTP status behind the error, when a server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::NotFound { .. } => Some(404),
            Error::Unauthorized { .. } => Some(401),
            Error::Forbidden { .. } => Some(403),
            Error::RateLimited { .. } => Some(429),
            Error::Api { status, .. } => Some(*status),
            Error::Transport { source, .. } => source.status().map(|s| s.as_u16()),
            Error::GaveUp {
                last, last_status, ..
            } => last.status().or(*last_status),
            _ => None,
        }
    }

    /// ConnectWise's per-field validation problems (empty for other errors).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Api { errors, .. } => errors,
            Error::GaveUp { last, .. } => last.field_errors(),
            _ => &[],
        }
    }
}

/// What the client knows about the object a call is about, to build [`Error::NotFound`].
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Kind of object, e.g. `security role`.
    pub resource: &'static str,
    /// Its identifier as the caller gave it.
    pub id: String,
}

/// Both error shapes ConnectWise uses: `{code, message, errors}` and the 429 `{error, message}`.
#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Option<Vec<RawFieldError>>,
}

#[derive(Debug, Deserialize)]
struct RawFieldError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    field: Option<String>,
}

/// A ConnectWise error answer, read as far as it could be.
#[derive(Debug, Default, PartialEq)]
pub struct ParsedError {
    /// `code` (or `error` of the 429 shape); empty when absent.
    pub code: String,
    /// `message`, or a description of a body that was not ConnectWise JSON.
    pub message: String,
    /// `errors[]`.
    pub errors: Vec<FieldError>,
    /// Whether the body was ConnectWise's JSON error shape.
    pub is_connectwise_json: bool,
}

/// Reads an error answer of any shape: ConnectWise JSON, an HTML page, other text, nothing.
pub fn parse_error_body(status: u16, content_type: Option<&str>, body: &[u8]) -> ParsedError {
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
        let code = parsed.code.or(parsed.error).unwrap_or_default();
        let errors: Vec<FieldError> = parsed
            .errors
            .unwrap_or_default()
            .into_iter()
            .map(|e| FieldError {
                code: e.code.unwrap_or_default(),
                message: e.message.unwrap_or_default(),
                resource: e.resource.unwrap_or_default(),
                field: e.field.unwrap_or_default(),
            })
            .collect();
        let is_connectwise_json = !code.is_empty() || parsed.message.is_some();
        let message = match parsed.message {
            Some(m) if !m.trim().is_empty() => m,
            _ if !code.is_empty() => code.clone(),
            _ => format!("HTTP {status} with a JSON body that has no message"),
        };
        return ParsedError {
            code,
            message,
            errors,
            is_connectwise_json,
        };
    }
    ParsedError {
        message: describe_body(content_type, body),
        ..ParsedError::default()
    }
}

/// Describes a body that is not the expected JSON: empty, an HTML page, or text (quoted up to
/// ~200 characters).
pub(crate) fn describe_body(content_type: Option<&str>, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return "the body was empty".to_owned();
    }
    let is_html = content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || trimmed.starts_with('<');
    let kind = if is_html {
        "an HTML page"
    } else {
        "a non-JSON body"
    };
    format!("{kind}: {}", snippet(trimmed))
}

/// At most [`SNIPPET_CHARS`] characters of `text` on one line, marked when cut.
pub(crate) fn snippet(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out: String = one_line.chars().take(SNIPPET_CHARS).collect();
    if one_line.chars().count() > SNIPPET_CHARS {
        out.push('…');
    }
    format!("\"{out}\"")
}

/// Maps an error answer (any non-2xx status) to an [`Error`].
pub(crate) fn from_response(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    call: &str,
    target: &Target,
    retry_after: Option<Duration>,
) -> Error {
    let parsed = parse_error_body(status, content_type, body);
    match status {
        401 => Error::Unauthorized {
            message: parsed.message,
        },
        403 => Error::Forbidden {
            message: parsed.message,
        },
        404 => Error::NotFound {
            resource: target.resource.to_owned(),
            id: target.id.clone(),
        },
        429 => Error::RateLimited {
            retry_after,
            call: call.to_owned(),
        },
        _ => Error::Api {
            status,
            code: parsed.code,
            message: parsed.message,
            errors: parsed.errors,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            resource: "security role",
            id: "7".into(),
        }
    }

    #[test]
    fn parses_the_standard_shape_with_field_errors() {
        let body = br#"{"code":"InvalidObject","message":"company object is invalid","errors":[{"code":"OutOfRange","message":"The field yearEstablished must be between 1900 and 9999.","resource":"company","field":"yearEstablished"}]}"#;
        let err = from_response(
            400,
            Some("application/json"),
            body,
            "POST /x",
            &target(),
            None,
        );
        match &err {
            Error::Api {
                status,
                code,
                message,
                errors,
            } => {
                assert_eq!(*status, 400);
                assert_eq!(code, "InvalidObject");
                assert_eq!(message, "company object is invalid");
                assert_eq!(errors.len(), 1);
                assert_eq!(errors[0].field, "yearEstablished");
                assert_eq!(errors[0].code, "OutOfRange");
                assert_eq!(errors[0].resource, "company");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(err.field_errors().len(), 1);
        assert_eq!(err.status(), Some(400));
        assert!(!err.is_retryable());
        let text = err.to_string();
        assert!(text.contains("yearEstablished"), "{text}");
    }

    #[test]
    fn parses_errors_null_and_missing_message() {
        let body = br#"{"code":"InvalidObject","errors":[{"code":"ObjectExists","message":"Company ID already in use.","field":"identifier"}]}"#;
        let parsed = parse_error_body(400, None, body);
        assert_eq!(parsed.code, "InvalidObject");
        assert_eq!(parsed.message, "InvalidObject");
        assert_eq!(parsed.errors[0].resource, "");
        let body = br#"{"code":"Security","message":"SSL is required.","errors":null}"#;
        let parsed = parse_error_body(400, None, body);
        assert!(parsed.errors.is_empty());
        assert!(parsed.is_connectwise_json);
    }

    #[test]
    fn parses_the_429_shape() {
        let body = br#"{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 30 seconds."}"#;
        let parsed = parse_error_body(429, Some("application/json"), body);
        assert_eq!(parsed.code, "ConnectWiseAPI");
        assert!(parsed.message.starts_with("Too many requests"));
        let err = from_response(
            429,
            None,
            body,
            "GET /system/securityroles",
            &target(),
            Some(Duration::from_secs(30)),
        );
        assert!(matches!(
            err,
            Error::RateLimited {
                retry_after: Some(d),
                ..
            } if d == Duration::from_secs(30)
        ));
        assert!(err.is_retryable());
        assert_eq!(err.status(), Some(429));
    }

    #[test]
    fn html_body_is_described_and_cut() {
        let page = format!("<html><body>{}</body></html>", "x".repeat(1000));
        let err = from_response(
            500,
            Some("text/html; charset=utf-8"),
            page.as_bytes(),
            "GET /x",
            &target(),
            None,
        );
        let text = err.to_string();
        assert!(text.contains("an HTML page"), "{text}");
        assert!(text.len() < 400, "{text}");
    }

    #[test]
    fn empty_body_is_described() {
        let err = from_response(502, None, b"", "GET /x", &target(), None);
        assert!(err.to_string().contains("the body was empty"));
        assert!(err.is_retryable());
    }

    #[test]
    fn statuses_map_to_variants() {
        let body = br#"{"code":"NotFound","message":"Security role not found"}"#;
        let err = from_response(404, None, body, "GET /x", &target(), None);
        assert!(err.is_not_found());
        assert_eq!(
            err.to_string(),
            "security role 7 was not found in ConnectWise"
        );
        let body = br#"{"code":"Unauthorized","message":"UserNotAuthenticated"}"#;
        assert!(matches!(
            from_response(401, None, body, "GET /x", &target(), None),
            Error::Unauthorized { message } if message == "UserNotAuthenticated"
        ));
        assert!(matches!(
            from_response(403, None, b"", "GET /x", &target(), None),
            Error::Forbidden { .. }
        ));
    }
}
