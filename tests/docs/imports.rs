//! Every resource page has one Import section showing an `import` block, and the import
//! examples agree with `import.sh` and with the resource's identity schema.

use connectwise_provider::provider::ConnectWiseProvider;
use tfplugin::{Provider, Type};

use super::markdown::headings;
use super::root;

/// The text of the page's `## Import` section.
fn import_section(page: &str) -> Option<String> {
    let start = page.find("\n## Import\n")?;
    let rest = &page[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 4);
    Some(rest[..end].to_string())
}

#[test]
fn every_resource_page_has_an_import_section_with_an_import_block() {
    let provider = ConnectWiseProvider::new();
    for r in provider.resources() {
        let path = root().join(format!("docs/resources/{}.md", r.name()));
        let page = std::fs::read_to_string(&path).unwrap_or_default();
        let imports = headings(&page)
            .iter()
            .filter(|(level, t)| *level == 2 && t == "Import")
            .count();
        assert_eq!(imports, 1, "{}: {imports} Import sections", path.display());
        let section = import_section(&page).unwrap_or_default();
        let block = format!("import {{\n  to = connectwise_{}.", r.name());
        assert!(
            section.contains("```terraform") && section.contains(&block),
            "{}: no import block in the Import section",
            path.display()
        );
        if r.identity().is_some() {
            assert!(
                section.contains("  identity = {") && section.contains("Terraform 1.12 and later"),
                "{}: no identity import for Terraform 1.12 and later",
                path.display()
            );
        }
        // The resource's own import text (its doc sections' `## Import`) opens the section,
        // before the examples.
        if let Some((_, own)) = r.doc_sections().split_once("## Import\n") {
            let first_line = own.trim_start().lines().next().unwrap_or_default();
            let before_examples = section.split("```").next().unwrap_or_default();
            assert!(
                before_examples.contains(first_line),
                "{}: the Import section does not open with {first_line:?}",
                path.display()
            );
        }
    }
}

/// `name = value` lines of the `identity = { ... }` object of an import example.
fn identity_values(example: &str) -> Vec<(String, String)> {
    let Some(start) = example.find("identity = {") else {
        return Vec::new();
    };
    let body = &example[start + "identity = {".len()..];
    let body = &body[..body.find('}').unwrap_or(body.len())];
    body.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

/// The value of the example's `id = "..."` line.
fn string_id(example: &str) -> Option<String> {
    example
        .lines()
        .find_map(|l| l.trim().strip_prefix("id = \""))
        .and_then(|v| v.strip_suffix('"'))
        .map(str::to_string)
}

#[test]
fn import_examples_agree_with_import_sh_and_the_identity_schema() {
    let provider = ConnectWiseProvider::new();
    for r in provider.resources() {
        let dir = root().join(format!("examples/resources/connectwise_{}", r.name()));
        let read = |n: &str| {
            std::fs::read_to_string(dir.join(n))
                .unwrap_or_else(|_| panic!("{}/{n} is missing", dir.display()))
        };
        let by_id = read("import-by-string-id.tf");
        let id = string_id(&by_id).unwrap_or_else(|| panic!("{}: no id = \"...\"", r.name()));
        let command = read("import.sh");
        assert!(
            command.contains(&format!(" {id}\n")) || command.contains(&format!(" \"{id}\"\n")),
            "{}: import-by-string-id.tf imports {id:?}, which import.sh does not show",
            r.name()
        );
        let Some(identity) = r.identity() else {
            continue;
        };
        let values = identity_values(&read("import-by-identity.tf"));
        let mut names: Vec<_> = values.iter().map(|(k, _)| k.clone()).collect();
        let mut expected: Vec<_> = identity.attributes.iter().map(|a| a.name.clone()).collect();
        names.sort();
        expected.sort();
        assert_eq!(names, expected, "{}: identity attributes", r.name());
        for a in &identity.attributes {
            let value = &values.iter().find(|(k, _)| *k == a.name).unwrap().1;
            let quoted = value.starts_with('"');
            assert_eq!(
                quoted,
                a.ty == Type::String,
                "{}: identity.{} = {value} does not have the type {:?}",
                r.name(),
                a.name,
                a.ty
            );
        }
    }
}
