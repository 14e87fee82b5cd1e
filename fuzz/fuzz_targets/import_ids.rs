//! What users type: import ids, record ids, `request_timeout` durations, sites, e-mail addresses
//! and client ids. Nothing may panic, and what parses must be consistent with the input.
//! The property is `import_ids` in `tests/properties/checks.rs`, shared with the stable property
//! tests of `cargo test` (which replay `fuzz/regressions/import_ids/`).
#![no_main]

#[path = "../../tests/properties/checks.rs"]
#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::import_ids(data));
