//! Server answers (ConnectWise and Umbrella error bodies, the models of 2xx answers): never a
//! panic, and messages quoted from a body stay short.
//! The property is `response_decode` in `tests/properties/checks.rs`, shared with the stable property
//! tests of `cargo test` (which replay `fuzz/regressions/response_decode/`).
#![no_main]

#[path = "../../tests/properties/checks.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::response_decode(data));
