//! Errors of the Umbrella client, and how an Umbrella error answer is read.
//!
//! The variants and their fields mirror the ConnectWise client's [`crate::Error`] so that
//! both can be unified later; the messages name Umbrella instead of ConnectWise.

use std::time::Duration;

use crate::error::FieldError;

/// Everything an Umbrella call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum UmbrellaError {
    /// The object does not exist (HTTP 404 with a record-not-found answer).
    #[error("{resource} {id} was not found in Umbrella")]
    NotFound {
        /// Kind of object, e.g. `umbrella customer`.
        resource: String,
        /// Its identifier as the caller gave it.
        id: String,
    },
    /// Bad API key or secret, or a token Umbrella refuses (HTTP 401).
    #[error("Umbrella refused the credentials: {message}")]
    Unauthorized {
        /// Umbrella's message.
        message: String,
    },
    /// The key lacks a scope or the call needs a parent-console token (HTTP 403).
    #[error("Umbrella forbids this call: {message}")]
    Forbidden {
        /// Umbrella's message.
        message: String,
    },
    /// HTTP 429 persisted after every retry.
    #[error("Umbrella rate limit hit on {call} (retries exhausted)")]
    RateLimited {
        /// `Retry-After` of the last answer, if Umbrella sent one (it documents none).
        retry_after: Option<Duration>,
        /// Method and path of the call.
        call: String,
    },
    /// Any other error answer.
    #[error("Umbrella answered HTTP {status}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The `error` code of OAuth-style answers, e.g. `invalid_request` (empty when none).
        code: String,
        /// Umbrella's message (or the start of the raw body).
        message: String,
        /// Further details, when the answer lists any (only `message` is filled).
        errors: Vec<FieldError>,
    },
    /// The call is not in Cisco's published API and this server does not offer it.
    #[error(
        "{call} is not in the published Umbrella API specification and this server does not offer it; do it by hand: {manual_step}"
    )]
    NotSupported {
        /// Method and path of the call.
        call: String,
        /// What the administrator has to do in the console instead.
        manual_step: String,
    },
    /// No answer within the configured request timeout.
    #[error("Umbrella did not answer {call} in time (no answer within the request timeout)")]
    Timeout {
        /// Method and path of the call.
        call: String,
    },
    /// Connection or protocol failure. The message names the cause (certificate, DNS, refused
    /// connection, TLS, ...); the whole chain is the error's `source`.
    #[error(
        "could not reach Umbrella for {call}: {}",
        crate::transport_error::describe(.source)
    )]
    Transport {
        /// Method and path of the call.
        call: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The answer was not the JSON we expect.
    #[error("unexpected answer from Umbrella to {call}: {message}")]
    Decode {
        /// Method and path of the call.
        call: String,
        /// What was wrong.
        message: String,
    },
    /// The caller passed a value the client refuses before sending anything.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// The useful parts of an Umbrella error body.
///
/// Umbrella answers `{"message": ...}` on the admin API, `{"error": ..., "error_description": ...}`
/// on the token endpoint and for expired tokens, and `{"statusCode", "error", "message"}` elsewhere;
/// anything else is kept as (the start of) raw text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    /// `error` field (OAuth code), if any.
    pub code: Option<String>,
    /// Best human-readable message, empty when the body had none.
    pub message: String,
    /// `errors` entries, if the body listed any.
    pub errors: Vec<String>,
}

/// How much of a non-JSON body is kept in a message.
const RAW_BODY_LIMIT: usize = 200;

impl ErrorBody {
    /// Reads an error body leniently; never fails.
    pub fn parse(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            let message = match text.char_indices().nth(RAW_BODY_LIMIT) {
                Some((cut, _)) => format!("{}...", &text[..cut]),
                None => text.to_owned(),
            };
            return Self {
                message,
                ..Self::default()
            };
        };
        let field = |name: &str| {
            value
                .get(name)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let code = field("error");
        let message = field("message")
            .or_else(|| field("error_description"))
            .or_else(|| code.clone())
            .unwrap_or_default();
        let errors = value
            .get("errors")
            .and_then(serde_json::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|item| match item {
                        serde_json::Value::String(s) => s.clone(),
                        other => other
                            .get("message")
                            .and_then(serde_json::Value::as_str)
                            .map_or_else(|| other.to_string(), str::to_owned),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            code,
            message,
            errors,
        }
    }

    /// The message, or the HTTP reason phrase when the body carried none.
    pub(crate) fn message_or(&self, status: reqwest::StatusCode) -> String {
        if self.message.is_empty() {
            status.canonical_reason().unwrap_or("no message").to_owned()
        } else {
            self.message.clone()
        }
    }

    /// The `Api` error for this body.
    pub(crate) fn into_api(self, status: reqwest::StatusCode) -> UmbrellaError {
        UmbrellaError::Api {
            status: status.as_u16(),
            message: self.message_or(status),
            code: self.code.unwrap_or_default(),
            errors: self
                .errors
                .into_iter()
                .map(|message| FieldError {
                    message,
                    ..FieldError::default()
                })
                .collect(),
        }
    }

    /// True for the expired-token answer: HTTP 400 `{"error": "invalid_request"}`.
    pub(crate) fn is_invalid_request(&self) -> bool {
        self.code.as_deref() == Some("invalid_request")
    }
}

impl UmbrellaError {
    /// Whether the object does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// Whether the failure is transient, so the same call may succeed later. A certificate
    /// problem or a host name that does not resolve is not: it fails the same way every time.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { source, .. } => {
                !crate::transport_error::is_certificate_error(source)
                    && !crate::transport_error::is_dns_error(source)
            }
            Self::RateLimited { .. } | Self::Timeout { .. } => true,
            Self::Api { status, .. } => matches!(status, 502..=504),
            _ => false,
        }
    }

    /// The HTTP status behind the error, when a server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::NotFound { .. } => Some(404),
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::RateLimited { .. } => Some(429),
            Self::Api { status, .. } => Some(*status),
            Self::Transport { source, .. } => source.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// Maps a final (non-retried) error answer onto an error; 404 becomes `NotFound` of `resource`/`id`.
    pub(crate) fn from_answer(
        call: &str,
        status: reqwest::StatusCode,
        body: &[u8],
        retry_after: Option<Duration>,
        resource: &str,
        id: &str,
    ) -> Self {
        let parsed = ErrorBody::parse(body);
        let message = parsed.message_or(status);
        match status.as_u16() {
            401 => Self::Unauthorized { message },
            403 => Self::Forbidden { message },
            404 => Self::NotFound {
                resource: resource.to_owned(),
                id: id.to_owned(),
            },
            429 => Self::RateLimited {
                retry_after,
                call: call.to_owned(),
            },
            code => {
                let mut error = parsed.into_api(status);
                // A server error reaches the caller only once retrying is
                // over (502-504) or pointless: say which call it was.
                if let Self::Api { message, .. } = &mut error
                    && status.is_server_error()
                {
                    let why = if (502..=504).contains(&code) {
                        "; the retries are used up"
                    } else {
                        ""
                    };
                    *message = format!("{message} ({call}{why})");
                }
                error
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn parses_admin_message() {
        let body = ErrorBody::parse(br#"{"message":"Customer not found"}"#);
        assert_eq!(body.message, "Customer not found");
        assert_eq!(body.code, None);
    }

    #[test]
    fn parses_oauth_error() {
        let body = ErrorBody::parse(
            br#"{"error":"invalid_client","error_description":"bad key or secret"}"#,
        );
        assert_eq!(body.code.as_deref(), Some("invalid_client"));
        assert_eq!(body.message, "bad key or secret");
        assert!(!body.is_invalid_request());
        assert!(ErrorBody::parse(br#"{"error":"invalid_request"}"#).is_invalid_request());
    }

    #[test]
    fn parses_deployments_style_and_errors_list() {
        let body = ErrorBody::parse(
            br#"{"statusCode":400,"error":"Validation Error","message":"name is required","errors":["a",{"message":"b"}]}"#,
        );
        assert_eq!(body.message, "name is required");
        assert_eq!(body.code.as_deref(), Some("Validation Error"));
        assert_eq!(body.errors, vec!["a".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn keeps_start_of_raw_text() {
        let long = "x".repeat(500);
        let body = ErrorBody::parse(long.as_bytes());
        assert_eq!(body.message.len(), RAW_BODY_LIMIT + 3);
        let empty = ErrorBody::parse(b"");
        assert_eq!(empty.message_or(StatusCode::BAD_GATEWAY), "Bad Gateway");
    }

    #[test]
    fn maps_statuses() {
        let e = UmbrellaError::from_answer(
            "GET /x",
            StatusCode::UNAUTHORIZED,
            br#"{"message":"no"}"#,
            None,
            "r",
            "1",
        );
        assert!(matches!(e, UmbrellaError::Unauthorized { message } if message == "no"));
        let e = UmbrellaError::from_answer("GET /x", StatusCode::NOT_FOUND, b"", None, "r", "1");
        assert!(
            matches!(e, UmbrellaError::NotFound { resource, id } if resource == "r" && id == "1")
        );
        let e = UmbrellaError::from_answer(
            "PUT /x",
            StatusCode::BAD_REQUEST,
            br#"{"message":"siteUrl is required"}"#,
            None,
            "r",
            "1",
        );
        assert!(
            matches!(e, UmbrellaError::Api { status: 400, message, .. } if message == "siteUrl is required")
        );
        let e = UmbrellaError::from_answer(
            "GET /x",
            StatusCode::TOO_MANY_REQUESTS,
            b"",
            Some(Duration::from_secs(2)),
            "r",
            "1",
        );
        assert!(
            matches!(e, UmbrellaError::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(2))
        );
    }

    /// A host name that does not resolve is named as such, sent once and not retryable; a
    /// refused connection names the refusal and keeps the operating system's words as source.
    #[tokio::test]
    async fn transport_failures_name_their_cause() {
        use crate::umbrella::{Umbrella, UmbrellaConfig};
        use std::error::Error as _;
        let client = |base_url: String| {
            let mut config = UmbrellaConfig::new("key-id", crate::Secret::new("secret"));
            config.base_url = base_url;
            config.rate_limits = Vec::new();
            Umbrella::new(config).expect("a valid configuration")
        };
        let started = std::time::Instant::now();
        let err = client("https://nonexistent.invalid".into())
            .get_psa()
            .await
            .expect_err("no such host");
        assert!(started.elapsed() < Duration::from_millis(900), "retried");
        assert!(!err.is_retryable());
        assert!(
            err.to_string().starts_with(
                "could not reach Umbrella for POST /auth/v2/token: the host name could not be resolved (DNS)"
            ),
            "{err}"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let err = client(format!("http://127.0.0.1:{port}"))
            .get_psa()
            .await
            .expect_err("nothing listens");
        assert!(
            err.to_string().contains("the connection was refused"),
            "{err}"
        );
        let mut chain = String::new();
        let mut next = err.source();
        while let Some(cause) = next {
            chain.push_str(&cause.to_string());
            next = cause.source();
        }
        assert!(chain.contains("os error"), "{chain}");
    }
}
