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
