//! Import ids and other user-typed strings the provider parses: `<member_id>/<key_id>`,
//! `<role name>/<module>/<function>` (matched against the catalogue from the right), and
//! `request_timeout` durations. Nothing may panic, and what parses must be consistent.
#![no_main]

use connectwise_provider::provider::common::ids::parse_id_pair;
use connectwise_provider::provider::common::permissions::split_named_id;
use connectwise_provider::provider::config::parse_duration;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(id) = std::str::from_utf8(data) else {
        return;
    };
    if let Some((member, key)) = parse_id_pair(id) {
        let (m, k) = id.split_once('/').expect("a parsed id has a slash");
        assert_eq!(m.trim().parse::<i32>().ok(), Some(member));
        assert_eq!(k.trim().parse::<i32>().ok(), Some(key));
        assert!(member > 0 && key > 0, "record ids are positive");
    }
    if let Some((role, function)) = split_named_id(id) {
        assert!(!role.trim().is_empty(), "a role name is left");
        assert!(id.starts_with(role));
        assert!(id.contains(function.function));
    }
    let _ = parse_duration(id);
});
