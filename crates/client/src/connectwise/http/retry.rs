//! What may be retried, how long to wait, and the error after the last attempt.

use std::time::{Duration, Instant};

use reqwest::Method;

use crate::backoff::RetryPolicy;
use crate::connectwise::error::Error;
use crate::transport_error;

use super::response::RawResponse;

/// ConnectWise's backoff: 500 ms doubling up to 30 s, with jitter; `Retry-After` (which
/// ConnectWise documents on 429) honoured up to 120 s, and a longer one ends the call.
pub(crate) const RETRY_POLICY: RetryPolicy = RetryPolicy {
    base: Duration::from_millis(500),
    cap: Duration::from_secs(30),
    retry_after_max: Duration::from_secs(120),
};

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
    /// The server cannot be reached and will not be in the next seconds: its certificate is
    /// refused or its host name does not resolve. The request was never sent.
    Unreachable,
}

impl Outcome {
    /// How an attempt that got `result` ended.
    pub(super) fn of(result: &Result<RawResponse, reqwest::Error>) -> Self {
        match result {
            Ok(raw) => Outcome::Status(raw.status),
            Err(e)
                if transport_error::is_certificate_error(e) || transport_error::is_dns_error(e) =>
            {
                Outcome::Unreachable
            }
            Err(e) if e.is_connect() => Outcome::NotSent,
            Err(e) if e.is_timeout() => Outcome::Timeout,
            Err(_) => Outcome::MaybeSent,
        }
    }
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
/// [`ConnectWise::create_idempotent`](crate::ConnectWise::create_idempotent), after looking the object up.) No other 4xx is retried.
pub(crate) fn should_retry(method: &Method, outcome: Outcome) -> bool {
    match outcome {
        Outcome::Status(429) => true,
        Outcome::NotSent => true,
        Outcome::Status(500 | 502..=504) | Outcome::Timeout | Outcome::MaybeSent => {
            is_idempotent(method)
        }
        Outcome::Status(_) | Outcome::Unreachable => false,
    }
}

/// Whether the server may have acted on an attempt that ended this way.
pub(super) fn maybe_performed(outcome: Outcome) -> bool {
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

/// Attempts made by one `ConnectWise::execute`.
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
    /// `last`, or [`Error::GaveUp`] around it when more than one attempt was made.
    pub(super) fn gave_up(&self, call: &str, last: Error) -> Error {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(!should_retry(&method, Outcome::Unreachable));
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
}
