//! Terraform values off the wire (msgpack, and JSON state) decoded against the provider's schema
//! types: never a panic, and whatever decodes survives an encode/decode round trip unchanged.
//! The property is `value_decode` in `tests/properties/checks.rs`, shared with the stable property
//! tests of `cargo test` (which replay `fuzz/regressions/value_decode/`).
#![no_main]

#[path = "../../tests/properties/checks.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::value_decode(data));
