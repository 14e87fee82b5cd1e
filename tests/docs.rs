//! Docs and examples stay in sync with the schema: `docs/` must equal what
//! `connectwise_provider::docs` renders from the schema and `examples/`, and
//! every resource and data source must have its example files.
//! `UPDATE_DOCS=1 cargo test --test docs` (or `make docs`) rewrites `docs/`.

use std::path::Path;

#[path = "docs/extension_calls.rs"]
mod extension_calls;
#[path = "docs/imports.rs"]
mod imports;
#[path = "docs/links.rs"]
mod links;
#[path = "docs/markdown.rs"]
mod markdown;

use connectwise_provider::provider::ConnectWiseProvider;
use tfplugin::Provider;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn docs_match_the_schema() {
    let provider = ConnectWiseProvider::new();
    let pages = connectwise_provider::docs::render_all(&provider, &root().join("examples"));
    let docs = root().join("docs");
    let update = std::env::var("UPDATE_DOCS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (rel, text) in &pages {
        let path = docs.join(rel);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current != *text {
            if update {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, text).unwrap();
            } else {
                stale.push(rel.clone());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ is out of date with the schema or examples: {stale:?}. Run `make docs`."
    );
    // No page for an object the provider no longer has.
    for dir in ["resources", "data-sources", "ephemeral-resources"] {
        for entry in std::fs::read_dir(docs.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let rel = format!("{dir}/{}", entry.file_name().to_string_lossy());
            assert!(
                pages.contains_key(&rel),
                "docs/{rel} documents nothing the provider offers"
            );
        }
    }
}

#[test]
fn every_object_has_its_examples() {
    let provider = ConnectWiseProvider::new();
    let ex = root().join("examples");
    assert!(
        ex.join("provider/provider.tf").is_file(),
        "examples/provider/provider.tf"
    );
    for r in provider.resources() {
        let dir = ex.join(format!("resources/connectwise_{}", r.name()));
        assert!(
            dir.join("resource.tf").is_file(),
            "{}/resource.tf is missing",
            dir.display()
        );
        for file in [
            "import.sh",
            "import-by-string-id.tf",
            "import-by-identity.tf",
        ] {
            assert!(
                dir.join(file).is_file(),
                "{}/{file} is missing",
                dir.display()
            );
        }
    }
    for d in provider.data_sources() {
        let f = ex.join(format!(
            "data-sources/connectwise_{}/data-source.tf",
            d.name()
        ));
        assert!(f.is_file(), "{} is missing", f.display());
    }
    for e in provider.ephemeral_resources() {
        let f = ex.join(format!(
            "ephemeral-resources/connectwise_{}/ephemeral-resource.tf",
            e.name()
        ));
        assert!(f.is_file(), "{} is missing", f.display());
    }
}

#[test]
fn every_attribute_is_described() {
    use tfplugin::Block;
    fn check(block: &Block, what: &str) {
        assert!(!block.description.is_empty(), "{what} has no description");
        for a in &block.attributes {
            assert!(
                !a.description.trim().is_empty(),
                "{what}.{} has no description",
                a.name
            );
        }
        for b in &block.blocks {
            check(&b.block, &format!("{what}.{}", b.name));
        }
    }
    let provider = ConnectWiseProvider::new();
    check(&provider.schema().block, "provider");
    for r in provider.resources() {
        check(&r.schema().block, r.name());
    }
    for d in provider.data_sources() {
        check(&d.schema().block, d.name());
    }
    for e in provider.ephemeral_resources() {
        check(&e.schema().block, e.name());
    }
}
