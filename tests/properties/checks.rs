//! The properties the fuzz targets check, one function per target over raw bytes. Shared by
//! the libFuzzer targets (`fuzz/fuzz_targets/*.rs`, nightly, open-ended) and the stable
//! property tests (`tests/properties.rs`, bounded, every `cargo test`), which also replay every
//! input kept in `fuzz/regressions/<target>/`. A broken property panics.

use std::net::Ipv6Addr;
use std::sync::OnceLock;

use api_client::error::parse_error_body;
use api_client::umbrella::error::ErrorBody;
use api_client::umbrella::{Customer, Mapping, PsaSettings};
use api_client::{
    ApiKey, ApiMember, CompanyInfo, CustomizeItem, Member, SecurityRole, SecurityRoleSetting, Token,
};
use connectwise_provider::provider::ConnectWiseProvider;
use connectwise_provider::provider::common::ids::{
    numeric_but_not_record_id, parse_id_pair, parse_record_id,
};
use connectwise_provider::provider::common::permissions::split_named_id;
use connectwise_provider::provider::common::validators::{check_email, check_site, is_guid};
use connectwise_provider::provider::config::parse_duration;
use tfplugin::value::{from_json, from_msgpack, to_msgpack};
use tfplugin::{Provider, Type};
use url::{Host, Url};

/// `import_ids`: what users type: import ids (`<a>/<b>` record id pairs, `<role name>/<module>/
/// <function>`), record ids, `request_timeout` durations, sites, e-mail addresses and client
/// ids. Nothing panics, and what is accepted is consistent with the input.
pub fn import_ids(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some((a, b)) = parse_id_pair(text) {
        let (left, right) = text.split_once('/').expect("a parsed pair has a slash");
        assert_eq!(left.trim().parse::<i32>().ok(), Some(a));
        assert_eq!(right.trim().parse::<i32>().ok(), Some(b));
        assert!(a > 0 && b > 0, "record ids are positive: {text:?}");
    }
    if let Some(id) = parse_record_id(text) {
        assert!(id > 0, "{text:?}");
        assert!(!numeric_but_not_record_id(text), "{text:?}");
    }
    if let Some((role, function)) = split_named_id(text) {
        assert!(!role.trim().is_empty(), "a role name is left: {text:?}");
        assert!(text.starts_with(role));
        assert!(text.contains(function.function));
    }
    if let Some(d) = parse_duration(text) {
        assert!(!d.is_zero(), "a zero timeout is refused: {text:?}");
    }
    user_strings(text);
}

/// Sites, e-mail addresses and GUIDs: never a panic; an accepted `http://` site is loopback.
fn user_strings(text: &str) {
    if check_site(text).is_ok() {
        assert!(!text.is_empty() && !text.contains(char::is_whitespace));
        if text.to_ascii_lowercase().starts_with("http://") {
            assert!(
                reaches_loopback(text),
                "plain http:// accepted for a host that is not loopback: {text:?}"
            );
        }
    }
    if check_email(text).is_ok() {
        let (local, domain) = text.split_once('@').expect("an accepted address has an @");
        assert!(!local.is_empty() && domain.contains('.') && !domain.contains('@'));
        assert!(!text.contains(char::is_whitespace));
    }
    if is_guid(text) {
        assert_eq!(text.len(), 36, "{text:?}");
    }
}

/// Whether an `http://` URL reaches a loopback host, by the host the clients would connect to
/// (the URL standard's reading: `http://2130706433` is 127.0.0.1).
fn reaches_loopback(text: &str) -> bool {
    match Url::parse(text).ok().as_ref().and_then(Url::host) {
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.octets()[0] == 127,
        Some(Host::Ipv6(ip)) => ip == Ipv6Addr::LOCALHOST,
        None => false,
    }
}

/// Every schema type of the provider (provider block, resources, data sources, ephemeral
/// resources) and a few plain types.
pub fn schema_types() -> &'static [Type] {
    static TYPES: OnceLock<Vec<Type>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let p = ConnectWiseProvider::new();
        let mut out = vec![
            p.schema().ty(),
            Type::String,
            Type::Number,
            Type::Bool,
            Type::set(Type::String),
            Type::map(Type::String),
            Type::list(Type::list(Type::Number)),
        ];
        out.extend(p.resources().iter().map(|r| r.schema().ty()));
        out.extend(p.data_sources().iter().map(|d| d.schema().ty()));
        out.extend(p.ephemeral_resources().iter().map(|e| e.schema().ty()));
        out
    })
}

/// `value_decode`: Terraform values off the wire, msgpack (plans, configs, state) and JSON
/// (state from disk), against the schema type the first byte picks. Decoding never panics,
/// and whatever decodes survives an encode/decode round trip unchanged.
pub fn value_decode(data: &[u8]) {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let types = schema_types();
    let ty = &types[selector as usize % types.len()];
    if let Ok(value) = from_msgpack(bytes, ty) {
        let again = from_msgpack(&to_msgpack(&value, ty), ty);
        match again {
            // NaN (a float64 off the wire) equals nothing, itself included: then the encodings
            // must be the same bytes.
            Ok(again) => assert!(
                again.same_as(&value) || to_msgpack(&again, ty) == to_msgpack(&value, ty),
                "{value:?} became {again:?}"
            ),
            Err(e) => panic!("re-decoding an encoded value failed: {e}"),
        }
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let _ = from_json(&json, ty);
    }
}

fn model<T: serde::de::DeserializeOwned>(bytes: &[u8]) {
    let _ = serde_json::from_slice::<T>(bytes);
    let _ = serde_json::from_slice::<Vec<T>>(bytes);
}

/// `response_decode`: server answers: ConnectWise error bodies (any status, JSON or HTML),
/// Umbrella error bodies and the models decoded from 2xx answers. Nothing panics, and messages
/// quoted from a body that is not JSON stay short.
pub fn response_decode(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let status = [400u16, 401, 403, 404, 409, 429, 500, 502, 503][selector as usize % 9];
    let content_type = if selector & 0x10 == 0 {
        Some("application/json")
    } else {
        Some("text/html; charset=utf-8")
    };
    let parsed = parse_error_body(status, content_type, body);
    if !parsed.is_connectwise_json {
        assert!(parsed.message.chars().count() < 260, "message not cut");
    }
    let umbrella = ErrorBody::parse(body);
    if serde_json::from_slice::<serde_json::Value>(body).is_err() {
        assert!(
            umbrella.message.chars().count() <= 203,
            "Umbrella message not cut"
        );
    }
    model::<SecurityRole>(body);
    model::<SecurityRoleSetting>(body);
    model::<CustomizeItem>(body);
    model::<ApiMember>(body);
    model::<Member>(body);
    model::<ApiKey>(body);
    model::<Token>(body);
    model::<CompanyInfo>(body);
    model::<PsaSettings>(body);
    model::<Mapping>(body);
    model::<Customer>(body);
}
