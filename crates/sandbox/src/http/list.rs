//! List answers: `conditions`, `orderBy`, `fields`, navigable paging with `Link` headers, and
//! forward-only paging (`pagination-type: forward-only`, `pageId`).

use std::cmp::Ordering;

use axum::http::{HeaderValue, StatusCode, header};
use serde_json::{Map, Value, json};

use super::{ApiError, ApiResult, Ctx, json_response};
use crate::conditions::{self, Fields};

/// Largest `pageSize` ConnectWise honours (since 2016.2); larger values are clamped.
pub const MAX_PAGE_SIZE: usize = 1000;
pub const DEFAULT_PAGE_SIZE: usize = 25;

/// Filters by `conditions`, refusing fields the model does not have and literals of another
/// type than their field's (400, as ConnectWise answers).
fn filter(ctx: &Ctx, items: Vec<Value>, fields: &Fields) -> Result<Vec<Value>, ApiError> {
    let Some(cond) = ctx.q("conditions").filter(|c| !c.trim().is_empty()) else {
        return Ok(items);
    };
    let expr = conditions::parse(cond).map_err(|e| {
        ApiError::bad_request("InvalidObject", &format!("The conditions are invalid: {e}"))
    })?;
    conditions::check(&expr, fields)
        .map_err(|message| ApiError::bad_request("InvalidObject", &message))?;
    Ok(items.into_iter().filter(|v| expr.matches(v)).collect())
}

/// Sorts by `orderBy` (`field [asc|desc], ...`).
fn sort(ctx: &Ctx, items: &mut [Value], fields: &Fields) -> Result<(), ApiError> {
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
            || conditions::field_type(fields, &path[..1]).is_none()
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
pub(super) fn project(ctx: &Ctx, value: Value) -> Value {
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
pub fn list(ctx: &Ctx, items: Vec<Value>, fields: &Fields) -> ApiResult {
    let mut items = filter(ctx, items, fields)?;
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
        sort(ctx, &mut items, fields)?;
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
pub fn count(ctx: &Ctx, items: Vec<Value>, fields: &Fields) -> ApiResult {
    let n = filter(ctx, items, fields)?.len();
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
