//! The server's security modules, the way this emulator knows them: `data/security-modules.json`,
//! compiled in and parsed once.
//!
//! Each module lists its functions with the fields a role's settings row shows
//! (`moduleFunctionIdentifier`, `moduleFunctionName`, `moduleFunctionDescription`, `myAllFlag`,
//! `reportFlag`, `sortOrder`) plus the `customizeIdentifier` of the function's allow-list, if it has
//! one; `customizeItems` holds the `itemIdentifier` values each allow-list accepts. A new role gets
//! one settings row per function ([`functions`]); a new allow-list entry must be one of
//! [`check_item`]'s items.
//!
//! This is the server's data, kept apart from the provider's own catalogue on purpose: the root
//! test `tests/catalogue_agrees.rs` reads it back over REST and compares the two.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// The data file, as written.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Catalogue {
    modules: Vec<Module>,
    /// `customizeIdentifier` → the items its list accepts.
    customize_items: BTreeMap<String, Vec<String>>,
}

/// A security module (one tab of the security role screen).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Module {
    pub module_identifier: String,
    pub module_name: String,
    pub module_description: String,
    pub functions: Vec<Function>,
}

/// One module function: one settings row of every role.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Function {
    pub module_function_identifier: String,
    pub module_function_name: String,
    pub module_function_description: String,
    pub my_all_flag: bool,
    pub report_flag: bool,
    /// The allow-list this function's "customize" link edits, if any.
    #[serde(default)]
    pub customize_identifier: Option<String>,
    pub sort_order: i32,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        // The file is part of the source: a parse error is a build defect, caught by the tests.
        serde_json::from_str(include_str!("../data/security-modules.json"))
            .unwrap_or_else(|e| panic!("data/security-modules.json is malformed: {e}"))
    })
}

/// Every function with its module, in the order a role's settings rows are created.
pub fn functions() -> impl Iterator<Item = (&'static Module, &'static Function)> {
    catalogue()
        .modules
        .iter()
        .flat_map(|m| m.functions.iter().map(move |f| (m, f)))
}

/// Whether the allow-list `customize_id` accepts `item`; if not, the reason, with the closest
/// items the list does accept.
pub fn check_item(customize_id: &str, item: &str) -> Result<(), String> {
    let items = catalogue()
        .customize_items
        .get(customize_id)
        .map_or(&[][..], Vec::as_slice);
    if items.iter().any(|i| i == item) {
        return Ok(());
    }
    let near = nearest(items, item);
    let hint = if near.is_empty() {
        String::new()
    } else {
        format!(" Did you mean: {}?", near.join(", "))
    };
    Err(format!("'{item}' is not an item of {customize_id}.{hint}"))
}

/// Up to five of `items` that `typed` plausibly misspells, closest first: within an edit
/// distance of a quarter of the longer text (at least 2), or containing it, or contained in it;
/// all case-insensitive.
fn nearest<'a>(items: &'a [String], typed: &str) -> Vec<&'a str> {
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() {
        return Vec::new();
    }
    let mut ranked: Vec<(usize, &str)> = items
        .iter()
        .filter_map(|item| {
            let lower = item.to_lowercase();
            let distance = levenshtein(&typed, &lower);
            let budget = (typed.len().max(lower.len()) / 4).max(2);
            if distance <= budget {
                Some((distance, item.as_str()))
            } else if lower.contains(&typed) || typed.contains(&lower) {
                Some((distance.min(3) + 1, item.as_str()))
            } else {
                None
            }
        })
        .collect();
    ranked.sort_unstable();
    ranked.into_iter().take(5).map(|(_, item)| item).collect()
}

/// Edit distance over characters (insertions, deletions, substitutions).
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j + 1] + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn data_file_is_consistent() {
        let mut rows = HashSet::new();
        let mut lists = HashSet::new();
        for (m, f) in functions() {
            assert!(
                rows.insert((&m.module_identifier, &f.module_function_identifier)),
                "{} > {} twice",
                m.module_name,
                f.module_function_name
            );
            if let Some(c) = &f.customize_identifier {
                assert!(lists.insert(c), "{c} belongs to two functions");
                assert!(
                    catalogue()
                        .customize_items
                        .get(c)
                        .is_some_and(|i| !i.is_empty()),
                    "{c} has no items"
                );
            }
        }
        assert_eq!(
            lists.len(),
            catalogue().customize_items.len(),
            "every allow-list belongs to a function"
        );
        let table = functions()
            .find(|(_, f)| f.module_function_identifier == "TableSetup")
            .map(|(m, f)| (m.module_name.as_str(), f.customize_identifier.as_deref()));
        assert_eq!(table, Some(("System", Some("SystemTableSetup"))));
    }

    #[test]
    fn items_and_hints() {
        assert_eq!(check_item("SystemTableSetup", "Service / Priority"), Ok(()));
        assert_eq!(
            check_item("SystemTableSetup", "Service / Priorty"),
            Err("'Service / Priorty' is not an item of SystemTableSetup. Did you mean: Service / Priority?".into())
        );
        assert_eq!(
            check_item("SystemTableSetup", "zzzzzzzzzzzzzzzz"),
            Err("'zzzzzzzzzzzzzzzz' is not an item of SystemTableSetup.".into())
        );
        assert!(check_item("NoSuchList", "x").is_err());
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
    }
}
