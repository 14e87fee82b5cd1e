//! Server answers: ConnectWise error bodies (JSON of any shape, HTML pages, text, nothing),
//! Umbrella error bodies, and the models the clients decode from 2xx answers. Nothing may
//! panic, and the messages built from a body stay short.
#![no_main]

use api_client::error::parse_error_body;
use api_client::umbrella::error::ErrorBody;
use api_client::umbrella::{Customer, Mapping, PsaSettings};
use api_client::{
    ApiKey, ApiMember, CompanyInfo, CustomizeItem, Member, SecurityRole, SecurityRoleSetting, Token,
};
use libfuzzer_sys::fuzz_target;

fn model<T: serde::de::DeserializeOwned>(bytes: &[u8]) {
    let _ = serde_json::from_slice::<T>(bytes);
    let _ = serde_json::from_slice::<Vec<T>>(bytes);
}

fuzz_target!(|data: &[u8]| {
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
        // Non-JSON bodies are quoted, cut to ~200 characters.
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
});
