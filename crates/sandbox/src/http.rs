//! Shared HTTP mechanics of the ConnectWise emulator: the request context, ConnectWise-shaped
//! errors, Basic auth parsing, JSON bodies and JSON-Patch, list queries (conditions, orderBy,
//! fields, paging with `Link` headers, forward-only paging) and the rate limiter.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::conditions;

/// Largest `pageSize` ConnectWise honours (since 2016.2); larger values are clamped.
pub const MAX_PAGE_SIZE: usize = 1000;
pub const DEFAULT_PAGE_SIZE: usize = 25;

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

/// One entry of `errors` in a ConnectWise error body.
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub code: String,
    pub message: String,
    pub resource: String,
    pub field: String,
}

/// A ConnectWise error response: `{code, message, errors}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub errors: Option<Vec<FieldError>>,
    /// `Allow` header for 405.
    pub allow: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: &str) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            errors: None,
            allow: None,
        }
    }

    pub fn not_found(message: &str) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NotFound", message)
    }

    pub fn bad_request(code: &str, message: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(message: &str) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }

    /// 400 `InvalidObject` listing field errors, e.g. `securityRole object is invalid`.
    pub fn invalid(resource: &str, errors: Vec<FieldError>) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "InvalidObject".into(),
            message: format!("{resource} object is invalid"),
            errors: Some(errors),
            allow: None,
        }
    }

    /// 400 `InvalidObject` with one field error.
    pub fn field(code: &str, resource: &str, field: &str, message: &str) -> ApiError {
        ApiError::invalid(resource, vec![fe(code, resource, field, message)])
    }

    pub fn method_not_allowed(method: &Method, allowed: &[Method]) -> ApiError {
        let allow = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        ApiError {
            allow: Some(allow),
            ..ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                &format!("The requested resource does not support http method '{method}'."),
            )
        }
    }

    pub fn body(&self) -> Value {
        let mut body = json!({"code": self.code, "message": self.message});
        // ConnectWise's 404 bodies carry only code and message; the others carry `errors` (maybe null).
        if self.status != StatusCode::NOT_FOUND {
            body["errors"] = serde_json::to_value(&self.errors).unwrap_or(Value::Null);
        }
        body
    }
}

/// Shorthand for one [`FieldError`].
pub fn fe(code: &str, resource: &str, field: &str, message: &str) -> FieldError {
    FieldError {
        code: code.into(),
        message: message.into(),
        resource: resource.into(),
        field: field.into(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = json_response(self.status, &self.body());
        if let Some(allow) = self
            .allow
            .as_deref()
            .and_then(|a| HeaderValue::from_str(a).ok())
        {
            resp.headers_mut().insert(header::ALLOW, allow);
        }
        resp
    }
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
    Ok(json_response(status, &project(ctx, value)))
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

/// Filters by `conditions`, rejecting fields the model does not have.
fn filter(ctx: &Ctx, items: Vec<Value>, known: &[&str]) -> Result<Vec<Value>, ApiError> {
    let Some(cond) = ctx.q("conditions").filter(|c| !c.trim().is_empty()) else {
        return Ok(items);
    };
    let expr = conditions::parse(cond).map_err(|e| {
        ApiError::bad_request("InvalidObject", &format!("The conditions are invalid: {e}"))
    })?;
    for path in expr.paths() {
        if let Some(first) = path.first()
            && !known.iter().any(|k| k.eq_ignore_ascii_case(first))
        {
            return Err(ApiError::bad_request(
                "InvalidObject",
                &format!(
                    "The conditions are invalid: unknown field '{}'.",
                    path.join("/")
                ),
            ));
        }
    }
    Ok(items.into_iter().filter(|v| expr.matches(v)).collect())
}

/// Sorts by `orderBy` (`field [asc|desc], ...`).
fn sort(ctx: &Ctx, items: &mut [Value], known: &[&str]) -> Result<(), ApiError> {
    let Some(order_by) = ctx.q("orderBy").filter(|o| !o.trim().is_empty()) else {
        return Ok(());
    };
    let mut keys = Vec::new();
    for part in order_by.split(',') {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or("");
        let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(other) => {
                return Err(ApiError::bad_request(
                    "InvalidObject",
                    &format!("Invalid orderBy direction '{other}'; use asc or desc."),
                ));
            }
        };
        let path: Vec<String> = field.split('/').map(str::to_string).collect();
        if field.is_empty()
            || !known.iter().any(|k| k.eq_ignore_ascii_case(&path[0]))
            || words.next().is_some()
        {
            return Err(ApiError::bad_request(
                "InvalidObject",
                &format!("Invalid orderBy clause '{}'.", part.trim()),
            ));
        }
        keys.push((path, desc));
    }
    items.sort_by(|a, b| {
        for (path, desc) in &keys {
            let o = cmp_values(conditions::lookup(a, path), conditions::lookup(b, path));
            if o != Ordering::Equal {
                return if *desc { o.reverse() } else { o };
            }
        }
        Ordering::Equal
    });
    Ok(())
}

fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a.unwrap_or(&Value::Null), b.unwrap_or(&Value::Null)) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (x, y) => x.to_string().cmp(&y.to_string()),
    }
}

/// Keeps only the `fields` (comma list, `/` for nested) of an object.
fn project(ctx: &Ctx, value: Value) -> Value {
    let Some(fields) = ctx.q("fields").filter(|f| !f.trim().is_empty()) else {
        return value;
    };
    let mut out = Value::Object(Map::new());
    for field in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let path: Vec<String> = field.split('/').map(str::to_string).collect();
        let Some(v) = conditions::lookup(&value, &path) else {
            continue;
        };
        // Rebuild the nesting with the model's own key spelling.
        let mut src = &value;
        let mut dst = &mut out;
        for (i, part) in path.iter().enumerate() {
            let Some((key, next)) = src
                .as_object()
                .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(part)))
            else {
                break;
            };
            let Some(map) = dst.as_object_mut() else {
                break;
            };
            if i + 1 == path.len() {
                map.insert(key.clone(), v.clone());
                break;
            }
            dst = map
                .entry(key.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            src = next;
        }
    }
    out
}

fn parse_usize(ctx: &Ctx, name: &str) -> Result<Option<usize>, ApiError> {
    match ctx.q(name) {
        None | Some("") => Ok(None),
        Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
            ApiError::bad_request(
                "InvalidObject",
                &format!("The value '{v}' is not valid for {name}."),
            )
        }),
    }
}

/// A list response: conditions, orderBy, paging (navigable or forward-only), fields, `Link`.
pub fn list(ctx: &Ctx, items: Vec<Value>, known: &[&str]) -> ApiResult {
    let mut items = filter(ctx, items, known)?;
    let page_size = parse_usize(ctx, "pageSize")?
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let forward_only = ctx
        .header("pagination-type")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("forward-only"));
    let (page_items, link) = if forward_only {
        if ctx.q("orderBy").is_some_and(|o| !o.trim().is_empty()) {
            return Err(ApiError::bad_request(
                "InvalidObject",
                "orderBy is not supported with forward-only pagination; results are ordered by id.",
            ));
        }
        let after = parse_usize(ctx, "pageId")?.unwrap_or(0) as i64;
        items.sort_by_key(id_of);
        let rest: Vec<Value> = items.into_iter().filter(|v| id_of(v) > after).collect();
        let more = rest.len() > page_size;
        let page: Vec<Value> = rest.into_iter().take(page_size).collect();
        // Clients stop at a missing or empty Link; we send an empty one after the last page.
        let link = match page.last() {
            Some(last) if more => {
                format!(
                    "<{}>; rel=\"next\"",
                    page_url(
                        ctx,
                        &[("pageSize", page_size), ("pageId", id_of(last) as usize)]
                    )
                )
            }
            _ => String::new(),
        };
        (page, Some(link))
    } else {
        sort(ctx, &mut items, known)?;
        let page = parse_usize(ctx, "page")?.unwrap_or(1).max(1);
        let total = items.len();
        let last = total.div_ceil(page_size).max(1);
        let page_items: Vec<Value> = items
            .into_iter()
            .skip((page - 1) * page_size)
            .take(page_size)
            .collect();
        let mut rels = Vec::new();
        if last > 1 {
            let url = |p: usize| page_url(ctx, &[("pageSize", page_size), ("page", p)]);
            rels.push(format!("<{}>; rel=\"first\"", url(1)));
            if page > 1 {
                rels.push(format!("<{}>; rel=\"prev\"", url((page - 1).min(last))));
            }
            if page < last {
                rels.push(format!("<{}>; rel=\"next\"", url(page + 1)));
            }
            rels.push(format!("<{}>; rel=\"last\"", url(last)));
        }
        (page_items, (!rels.is_empty()).then(|| rels.join(", ")))
    };
    let body = Value::Array(page_items.into_iter().map(|v| project(ctx, v)).collect());
    let mut resp = json_response(StatusCode::OK, &body);
    if let Some(link) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert(header::LINK, link);
    }
    Ok(resp)
}

/// `/count`: `{"count": n}` after `conditions`.
pub fn count(ctx: &Ctx, items: Vec<Value>, known: &[&str]) -> ApiResult {
    let n = filter(ctx, items, known)?.len();
    Ok(json_response(StatusCode::OK, &json!({ "count": n })))
}

fn id_of(v: &Value) -> i64 {
    v.get("id").and_then(Value::as_i64).unwrap_or(0)
}

/// The request URL with the paging parameters replaced.
fn page_url(ctx: &Ctx, paging: &[(&str, usize)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in &ctx.query {
        if !["page", "pagesize", "pageid"].contains(&k.to_ascii_lowercase().as_str()) {
            ser.append_pair(k, v);
        }
    }
    for (k, v) in paging {
        ser.append_pair(k, &v.to_string());
    }
    format!("{}{}?{}", ctx.origin, ctx.path, ser.finish())
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

/// Fixed one-minute windows per company: ConnectWise answers 429 with `Retry-After` seconds.
#[derive(Default)]
pub struct RateLimiter {
    windows: HashMap<String, (Instant, u32)>,
}

impl RateLimiter {
    /// `Err(seconds to wait)` when `key` has used up `limit` requests in the current minute.
    pub fn check(&mut self, key: &str, limit: u32, now: Instant) -> Result<(), u64> {
        let window = Duration::from_secs(60);
        let entry = self.windows.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit {
            let left = window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs_f64().ceil().max(1.0) as u64);
        }
        entry.1 += 1;
        Ok(())
    }
}

/// The 429 answer, in the Developer Guide's own (different) error shape.
pub fn too_many_requests(retry_after: u64) -> Response {
    let body = json!({
        "error": "ConnectWiseAPI",
        "message": format!("Too many requests. Please try again in {retry_after} seconds."),
    });
    let mut resp = json_response(StatusCode::TOO_MANY_REQUESTS, &body);
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
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

/// Reads a field of a JSON request object, matching the name case-insensitively (Json.NET does).
pub fn get<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// Validation helpers that collect field errors for one resource.
pub struct Validator<'a> {
    pub resource: &'a str,
    pub errors: Vec<FieldError>,
}

impl<'a> Validator<'a> {
    pub fn new(resource: &'a str) -> Self {
        Validator {
            resource,
            errors: Vec::new(),
        }
    }

    pub fn push(&mut self, code: &str, field: &str, message: &str) {
        self.errors.push(fe(code, self.resource, field, message));
    }

    /// An optional string with a maximum length (`null` and missing are `None`).
    pub fn string(&mut self, obj: &Map<String, Value>, field: &str, max: usize) -> Option<String> {
        match get(obj, field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                if s.chars().count() > max {
                    self.push(
                        "OutOfRange",
                        field,
                        &format!(
                            "The field {field} must be a string with a maximum length of {max}."
                        ),
                    );
                }
                Some(s.clone())
            }
            Some(_) => {
                self.push(
                    "InvalidField",
                    field,
                    &format!("The field {field} must be a string."),
                );
                None
            }
        }
    }

    /// A required, non-blank string with a maximum length.
    pub fn required_string(
        &mut self,
        obj: &Map<String, Value>,
        field: &str,
        max: usize,
    ) -> Option<String> {
        let v = self.string(obj, field, max);
        if v.as_deref().is_none_or(|s| s.trim().is_empty())
            && !self.errors.iter().any(|e| e.field == field)
        {
            self.push(
                "MissingRequiredField",
                field,
                &format!("The field {field} is required."),
            );
            return None;
        }
        v
    }

    pub fn bool(&mut self, obj: &Map<String, Value>, field: &str) -> Option<bool> {
        match get(obj, field) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                self.push(
                    "InvalidField",
                    field,
                    &format!("The field {field} must be true or false."),
                );
                None
            }
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(self.resource, self.errors))
        }
    }
}

/// The request body as a JSON object (400 otherwise).
pub fn body_object(ctx: &Ctx, resource: &str) -> Result<Map<String, Value>, ApiError> {
    match ctx.json_body()? {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::bad_request(
            "InvalidObject",
            &format!("The request body must be a {resource} object."),
        )),
    }
}
