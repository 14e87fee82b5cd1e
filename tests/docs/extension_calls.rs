//! Every call outside the published APIs that the client defines is documented, with its
//! method and path, in docs/guides/extension-calls.md. The calls are read from where the
//! client keeps them, so a new one fails this test until it is documented:
//! `connectwise/extensions.rs` (`ExtCall`, one documented `METHOD /path` per variant) and
//! `umbrella/psa/` (`METHOD /path` in doc comments and call labels, with the path
//! constants the crate exports substituted).

use std::collections::BTreeSet;
use std::path::Path;

use api_client::umbrella::psa::{MAPPINGS_PATH, PSA_PATH, REMOVE_MAPPINGS_PATH};

use super::root;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// `{NAME}` of a path constant in a `format!` label, as the crate exports it.
fn substitute_constants(path: &str) -> String {
    path.replace("{PSA_PATH}", PSA_PATH)
        .replace("{MAPPINGS_PATH}", MAPPINGS_PATH)
        .replace("{REMOVE_MAPPINGS_PATH}", REMOVE_MAPPINGS_PATH)
        .replace("{{", "{")
        .replace("}}", "}")
}

/// Every `METHOD /path` (or `METHOD {CONSTANT}...`) in `source`, without query strings;
/// abbreviated paths (`.../x`) and labels built from a runtime variable are skipped.
fn method_paths(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for method in METHODS {
        let marker = format!("{method} ");
        for (at, _) in source.match_indices(&marker) {
            let before = source[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric()) {
                continue;
            }
            let rest = &source[at + marker.len()..];
            let end = rest
                .find(|c: char| c.is_whitespace() || "`\"),;".contains(c))
                .unwrap_or(rest.len());
            let path = substitute_constants(&rest[..end]);
            let path = path.split('?').next().unwrap_or_default();
            if path.starts_with('/') && !path.contains("...") && !path.contains("{path}") {
                out.insert(format!("{method} {path}"));
            }
        }
    }
    out
}

/// The source before its unit tests, whose labels are made up.
fn without_tests(source: &str) -> &str {
    source
        .find("#[cfg(test)]\nmod tests {")
        .map_or(source, |at| &source[..at])
}

/// The non-test `.rs` files of `dir`.
fn sources(dir: &Path) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("tests"))
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// The calls outside the published APIs as the client defines them.
fn client_extension_calls() -> BTreeSet<String> {
    let client = root().join("crates/client/src");
    let cw = std::fs::read_to_string(client.join("connectwise/extensions.rs"))
        .expect("the client keeps its ConnectWise extension calls in connectwise/extensions.rs");
    let mut calls = method_paths(without_tests(&cw));
    let cw_count = calls.len();
    assert!(
        cw_count >= 8,
        "ConnectWise extension calls found: {calls:?}"
    );
    for source in sources(&client.join("umbrella/psa")) {
        calls.extend(
            method_paths(without_tests(&source))
                .into_iter()
                .filter(|c| {
                    c.split_once(' ')
                        .is_some_and(|(_, p)| p.starts_with(PSA_PATH))
                }),
        );
    }
    assert!(
        calls.len() >= cw_count + 6,
        "Umbrella PSA calls found: {calls:?}"
    );
    calls
}

#[test]
fn every_extension_call_of_the_client_is_documented() {
    let page = std::fs::read_to_string(root().join("docs/guides/extension-calls.md"))
        .expect("docs/guides/extension-calls.md");
    let calls = client_extension_calls();
    eprintln!(
        "{} calls outside the published APIs: {calls:#?}",
        calls.len()
    );
    let missing: Vec<_> = calls
        .into_iter()
        .filter(|call| {
            // As a code span of its own, or with its query string.
            !page.contains(&format!("`{call}`")) && !page.contains(&format!("`{call}?"))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "calls outside the published APIs that docs/guides/extension-calls.md does not document: {missing:?}"
    );
}

/// The page's request and response examples are JSON (a typo there would mislead whoever
/// implements the contract on a server).
#[test]
fn the_bodies_on_the_page_are_json() {
    let page = std::fs::read_to_string(root().join("docs/guides/extension-calls.md"))
        .expect("docs/guides/extension-calls.md");
    let blocks: Vec<&str> = page
        .split("```json\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default())
        .collect();
    assert!(blocks.len() >= 17, "{} JSON examples", blocks.len());
    for block in blocks {
        // Placeholders such as "<the API key's private key>" are strings, so still JSON.
        if let Err(e) = serde_json::from_str::<serde_json::Value>(block) {
            panic!("not JSON ({e}):\n{block}");
        }
    }
}

#[test]
fn method_paths_reads_labels_and_doc_comments() {
    let source = "/// `GET /system/a/{id}` and `PUT .../b`\nformat!(\"DELETE {MAPPINGS_PATH}/{{customerId}}\"); format!(\"PUT {path}\"); \"GET /x?page=1\"; REGET /no";
    let found: Vec<_> = method_paths(source).into_iter().collect();
    assert_eq!(
        found,
        vec![
            format!("DELETE {MAPPINGS_PATH}/{{customerId}}"),
            "GET /system/a/{id}".to_string(),
            "GET /x".to_string(),
        ]
    );
}

/// The JSON examples of the page's section on `call` (`METHOD /path`), in order.
fn section_bodies(page: &str, call: &str) -> Vec<serde_json::Value> {
    let heading = format!("### `{call}");
    let start = page
        .find(&heading)
        .unwrap_or_else(|| panic!("no section {heading}"));
    let section = &page[start + heading.len()..];
    // Up to the next section heading (`## ` or `### `).
    let end = section
        .match_indices("\n#")
        .map(|(at, _)| at)
        .find(|at| section[at + 1..].starts_with("## ") || section[at + 1..].starts_with("### "))
        .unwrap_or(section.len());
    let section = &section[..end];
    section
        .split("```json\n")
        .skip(1)
        .map(|rest| serde_json::from_str(rest.split("```").next().unwrap_or_default()).unwrap())
        .collect()
}

fn decode<T: serde::de::DeserializeOwned>(call: &str, value: &serde_json::Value) -> T {
    serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("{call}: the page's example is not what the client reads: {e}"))
}

/// The ConnectWise answers shown on the page decode into the client's models with every field
/// the client needs (a misspelt field would decode as its default).
#[test]
fn the_connectwise_answers_on_the_page_are_what_the_client_reads() {
    use api_client::role_settings::{CustomizeItem, SecurityRoleSetting};

    let page = std::fs::read_to_string(root().join("docs/guides/extension-calls.md")).unwrap();
    let last = |call: &str| section_bodies(&page, call).pop().unwrap();

    let call = "PATCH /system/securityRoles/{roleId}/settings/{settingId}";
    let row: SecurityRoleSetting = decode(call, &last(call));
    assert!(
        row.add_level.is_some() && row.inquire_level.is_some(),
        "{call}: {row:?}"
    );
    assert!(
        row.module_name.is_some() && row.module_function_name.is_some(),
        "{call}: {row:?}"
    );

    for call in [
        "GET /system/securityRoles/{roleId}/settings/{settingId}/customizeItems",
        "POST /system/securityRoles/{roleId}/settings/{settingId}/customizeItems",
    ] {
        let value = last(call);
        let items: Vec<CustomizeItem> = match value.is_array() {
            true => decode(call, &value),
            false => vec![decode(call, &value)],
        };
        assert!(
            !items.is_empty() && items.iter().all(|i| !i.item_identifier.is_empty()),
            "{call}: {items:?}"
        );
    }

    let call = "POST /system/members/{memberId}/apiKeys";
    let created: api_client::ApiKey = decode(call, &last(call));
    assert!(
        !created.public_key.is_empty() && created.private_key.is_some(),
        "{call}"
    );
    for call in [
        "GET /system/members/{memberId}/apiKeys",
        "GET /system/members/{memberId}/apiKeys/{id}",
    ] {
        let value = last(call);
        let keys: Vec<api_client::ApiKey> = match value.is_array() {
            true => decode(call, &value),
            false => vec![decode(call, &value)],
        };
        assert!(
            keys.iter()
                .all(|k| !k.public_key.is_empty() && k.private_key.is_none()),
            "{call}"
        );
    }
}

/// The Umbrella answers shown on the page are exactly the client's models (they serialize too, so
/// the example must have exactly their fields).
#[test]
fn the_umbrella_answers_on_the_page_are_what_the_client_reads() {
    use api_client::umbrella::psa::ConnectionStatus;
    use api_client::umbrella::{Mapping, PsaSettings};

    let page = std::fs::read_to_string(root().join("docs/guides/extension-calls.md")).unwrap();
    let last = |call: &str| section_bodies(&page, call).pop().unwrap();
    let call = "GET /admin/v2/config/psa";
    let example = last(call);
    let settings: PsaSettings = decode(call, &example);
    assert_eq!(settings.connection_status, ConnectionStatus::Ok, "{call}");
    assert_eq!(serde_json::to_value(&settings).unwrap(), example, "{call}");
    for call in [
        "GET /admin/v2/config/psa/mappings/{customerId}",
        "GET /admin/v2/config/psa/mappings?page=P&limit=L",
        "PUT /admin/v2/config/psa/mappings",
    ] {
        let bodies = section_bodies(&page, call);
        let value = &bodies[0];
        let mappings: Vec<Mapping> = match value.is_array() {
            true => decode(call, value),
            false => vec![decode(call, value)],
        };
        let back = serde_json::to_value(&mappings).unwrap();
        let expected = if value.is_array() {
            value.clone()
        } else {
            serde_json::json!([value])
        };
        assert_eq!(back, expected, "{call}");
    }
}
