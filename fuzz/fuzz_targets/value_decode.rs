//! Terraform values off the wire: msgpack (plans, configs, state from Terraform) and JSON (state
//! upgraded from disk), decoded against the provider's real schema types. Decoding must never
//! panic, and whatever decodes must survive an encode/decode round trip.
#![no_main]

use std::sync::OnceLock;

use tfplugin::value::{from_json, from_msgpack, to_msgpack};
use tfplugin::{Provider, Type};
use connectwise_provider::provider::ConnectWiseProvider;
use libfuzzer_sys::fuzz_target;

/// Every schema type of the provider (provider block, resources, data sources, ephemerals) and
/// a few plain types.
fn types() -> &'static [Type] {
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

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let types = types();
    let ty = &types[selector as usize % types.len()];
    if let Ok(value) = from_msgpack(bytes, ty) {
        let again = from_msgpack(&to_msgpack(&value, ty), ty);
        assert!(again.is_ok(), "re-decoding an encoded value failed");
    }
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let _ = from_json(&json, ty);
    }
});
