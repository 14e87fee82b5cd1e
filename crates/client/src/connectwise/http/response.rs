//! Reading answers: the body within a size limit, and JSON decoding that says what came instead
//! of the expected shape (without quoting answers that may hold a key).

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde::de::DeserializeOwned;

use crate::backoff::parse_retry_after;
use crate::connectwise::ConnectWise;
use crate::connectwise::error::{self, Error};
use crate::connectwise::extensions;

use super::request::Call;

/// Largest answer body read; a larger one fails the call with [`Error::Decode`].
pub(crate) const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// An HTTP answer, read completely.
pub(crate) struct RawResponse {
    /// HTTP status.
    pub status: u16,
    /// Answer headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
    /// `Retry-After`, as seconds or an HTTP date.
    pub retry_after: Option<Duration>,
}

impl RawResponse {
    /// The `Content-Type` header, if readable.
    pub(crate) fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// Whether the body is empty or only whitespace.
    pub(crate) fn is_empty(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }
}

/// Why reading an answer stopped.
pub(super) enum ReadFailure {
    /// The body is larger than [`MAX_BODY_BYTES`]; the answer had this status.
    TooLarge(u16),
    /// The connection failed while reading.
    Transport(reqwest::Error),
}

/// Reads an answer completely: status, headers, `Retry-After`, and a body of at most
/// [`MAX_BODY_BYTES`].
pub(super) async fn read(mut response: reqwest::Response) -> Result<RawResponse, ReadFailure> {
    let status = response.status().as_u16();
    if response
        .content_length()
        .is_some_and(|len| len > MAX_BODY_BYTES as u64)
    {
        return Err(ReadFailure::TooLarge(status));
    }
    let headers = response.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadFailure::Transport)? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ReadFailure::TooLarge(status));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(RawResponse {
        status,
        retry_after: parse_retry_after(&headers),
        headers,
        body,
    })
}

/// [`Error::NotSupported`] when `call` is outside the published API and the answer shows the
/// server lacks it (see [`extensions`]).
pub(super) fn missing_extension(call: &Call, raw: &RawResponse, label: &str) -> Option<Error> {
    extensions::classify_failure(call.ext?, raw.status, raw.content_type(), &raw.body, label)
}

/// The [`Error`] an unsuccessful answer to `call` means. The body of an answer that may hold a
/// key is not read unless it is a 4xx (whose body is ConnectWise's error text).
pub(super) fn error_answer(call: &Call, raw: &RawResponse, label: &str) -> Error {
    let body: &[u8] = if call.secret_response && !(400..500).contains(&raw.status) {
        &[]
    } else {
        &raw.body
    };
    error::from_response(
        raw.status,
        raw.content_type(),
        body,
        label,
        &call.target,
        raw.retry_after,
    )
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

impl ConnectWise {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

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

    #[test]
    fn short_type_names() {
        assert_eq!(short_type_name::<Vec<String>>(), "Vec<String>");
        assert_eq!(
            short_type_name::<Option<std::collections::HashMap<String, u8>>>(),
            "Option<HashMap<String, u8>>"
        );
    }
}
