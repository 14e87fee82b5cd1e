//! Shared HTTP mechanics of the ConnectWise emulator: the request context, Basic auth parsing,
//! JSON bodies and JSON-Patch, and the answer helpers; ConnectWise-shaped errors in `error`, list
//! queries (conditions, orderBy, fields, paging with `Link` headers, forward-only paging) in
//! `list`, request-object validation in `validate`, the per-company rate limiter in `rate_limit`.

mod error;
mod list;
mod rate_limit;
mod validate;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use serde_json::Value;
use time::OffsetDateTime;

pub use error::{ApiError, FieldError, fe};
pub use list::{count, list};
pub use rate_limit::{RateLimiter, too_many_requests};
pub use validate::{Validator, body_object, get};

/// One ConnectWise API request, after auth, as the area handlers see it.
pub struct Ctx {
    pub method: Method,
    /// Path segments after `apis/3.0/`, percent-decoded, original case.
    pub segments: Vec<String>,
    /// Decoded query pairs in request order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// `http://host:port` as the client addressed us (for `Link` headers).
    pub origin: String,
    /// The request path as sent (for `Link` headers).
    pub path: String,
    /// Identifier of the authenticated member (`_info.updatedBy`).
    pub principal: String,
    pub now: OffsetDateTime,
}

impl Ctx {
    /// A query parameter, name matched case-insensitively as ASP.NET does.
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Parses the body as JSON: 415 without a JSON content type, 400 when missing or malformed.
    pub fn json_body(&self) -> Result<Value, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "InvalidObject",
                "The request body is required.",
            ));
        }
        let ct = self
            .header("content-type")
            .unwrap_or("")
            .to_ascii_lowercase();
        if !ct.contains("json") {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UnsupportedMediaType",
                "The request entity's media type is not supported for this resource; send Content-Type: application/json.",
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            ApiError::bad_request(
                "InvalidObject",
                &format!("The request body is not valid JSON: {e}."),
            )
        })
    }

    /// Parses a JSON-Patch body (`[{op, path, value}]`).
    pub fn patch_ops(&self, resource: &str) -> Result<Vec<PatchOp>, ApiError> {
        let body = self.json_body()?;
        let Value::Array(items) = body else {
            return Err(ApiError::field(
                "InvalidObject",
                resource,
                "patch",
                "The PATCH body must be a JSON array of operations like {\"op\":\"replace\",\"path\":\"name\",\"value\":\"...\"}.",
            ));
        };
        items
            .into_iter()
            .map(|item| {
                let op = item
                    .get("op")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let path = item.get("path").and_then(Value::as_str).unwrap_or("");
                let path = path.strip_prefix('/').unwrap_or(path).to_string();
                if !matches!(op.as_str(), "add" | "replace" | "remove") {
                    return Err(ApiError::field(
                        "InvalidField",
                        resource,
                        "op",
                        &format!(
                            "Invalid patch operation '{op}'; expected add, replace or remove."
                        ),
                    ));
                }
                let value = item.get("value").cloned().unwrap_or(Value::Null);
                Ok(PatchOp { op, path, value })
            })
            .collect()
    }
}

pub struct PatchOp {
    /// `add`, `replace` or `remove` (lowercased).
    pub op: String,
    /// Field name without a leading slash.
    pub path: String,
    pub value: Value,
}

pub type ApiResult = Result<Response, ApiError>;

pub fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut resp = Response::new(Body::from(value.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

pub fn no_content() -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    resp
}

/// One object (GET by id, POST, PATCH), honouring `fields`.
pub fn one(ctx: &Ctx, status: StatusCode, value: Value) -> ApiResult {
    Ok(json_response(status, &list::project(ctx, value)))
}

/// Checks the HTTP verb against the ones a path supports (405 otherwise).
pub fn allow(ctx: &Ctx, allowed: &[Method]) -> Result<(), ApiError> {
    if allowed.contains(&ctx.method) {
        Ok(())
    } else {
        Err(ApiError::method_not_allowed(&ctx.method, allowed))
    }
}

/// Parses `{id}` path segments; anything but an integer is an unknown resource.
pub fn parse_id(seg: &str, what: &str) -> Result<i32, ApiError> {
    seg.parse::<i32>()
        .map_err(|_| ApiError::not_found(&format!("{what} with id {seg} was not found.")))
}

/// Decodes `Authorization: Basic base64("company+public:private")`.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, private) = text.split_once(':')?;
    let (company, public) = user.split_once('+')?;
    Some((company.to_string(), public.to_string(), private.to_string()))
}

/// Percent-decodes one path segment (no `+` handling: that is a query-string rule).
pub fn percent_decode(seg: &str) -> String {
    let bytes = seg.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = seg
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `yyyy-MM-ddTHH:mm:ssZ`, the API's datetime format.
pub fn iso(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
