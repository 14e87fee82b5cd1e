//! The Registry publishes `docs/index.md` and the pages under `docs/guides/`,
//! `docs/resources/`, `docs/data-sources/` and `docs/ephemeral-resources/`, nothing else of
//! the repository: a relative link must stay inside `docs/` and land on a page that exists
//! (and on an anchor it has); a published page may link only to published pages.

use std::path::{Component, Path, PathBuf};

use super::markdown::{anchors, headings, link_targets, pages};
use super::root;

const PUBLISHED_DIRS: [&str; 4] = ["guides", "resources", "data-sources", "ephemeral-resources"];

fn is_published(rel: &Path) -> bool {
    rel == Path::new("index.md")
        || rel
            .components()
            .next()
            .is_some_and(|c| PUBLISHED_DIRS.iter().any(|d| c.as_os_str() == *d))
}

/// `target` resolved against `from`'s directory, relative to `docs`; `None` when it leaves.
fn resolve(docs_rel_dir: &Path, target: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in docs_rel_dir.join(target).components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

fn is_external(target: &str) -> bool {
    target.starts_with("https://") || target.starts_with("http://") || target.starts_with("mailto:")
}

/// What is wrong with one link of the page `rel` (relative to `docs/`), if anything.
fn check_link(docs: &Path, rel: &Path, page: &str, target: &str) -> Option<String> {
    if is_external(target) {
        return None;
    }
    let (path, anchor) = target.split_once('#').unwrap_or((target, ""));
    let (dest_rel, dest_text) = if path.is_empty() {
        (rel.to_path_buf(), page.to_string())
    } else {
        let dir = rel.parent().unwrap_or(Path::new(""));
        let Some(dest) = resolve(dir, path) else {
            return Some(format!(
                "{target}: leaves docs/, which is all the Registry publishes"
            ));
        };
        match std::fs::read_to_string(docs.join(&dest)) {
            Ok(text) => (dest, text),
            Err(_) => return Some(format!("{target}: docs/{} does not exist", dest.display())),
        }
    };
    if is_published(rel) && !is_published(&dest_rel) {
        return Some(format!(
            "{target}: docs/{} is not published by the Registry",
            dest_rel.display()
        ));
    }
    if !anchor.is_empty() && !anchors(&dest_text).iter().any(|a| a == anchor) {
        return Some(format!(
            "{target}: docs/{} has no anchor #{anchor}",
            dest_rel.display()
        ));
    }
    None
}

#[test]
fn relative_links_stay_in_docs_and_resolve() {
    let docs = root().join("docs");
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in pages(&docs) {
        let rel = path.strip_prefix(&docs).unwrap().to_path_buf();
        let text = std::fs::read_to_string(&path).unwrap();
        for target in link_targets(&text) {
            checked += usize::from(!is_external(&target));
            if let Some(problem) = check_link(&docs, &rel, &text, &target) {
                problems.push(format!("docs/{}: {problem}", rel.display()));
            }
        }
    }
    assert!(
        checked > 10,
        "only {checked} relative links found: is the reader broken?"
    );
    assert!(problems.is_empty(), "links:\n{}", problems.join("\n"));
}

#[test]
fn link_checks_catch_what_they_should() {
    let docs = root().join("docs");
    let guide = Path::new("guides/umbrella-psa-integration.md");
    let check = |t: &str| check_link(&docs, guide, "# Here\n", t);
    assert!(check("../../README.md").is_some_and(|p| p.contains("leaves docs/")));
    assert!(check("../../examples/modules").is_some());
    assert!(check("../resources/nothing.md").is_some_and(|p| p.contains("does not exist")));
    assert!(check("../design.md").is_some_and(|p| p.contains("not published")));
    assert!(check("../resources/security_role.md#no-such").is_some());
    assert!(check("../resources/security_role.md#import").is_none());
    assert!(check("#here").is_none());
    assert!(check("https://example.com/x").is_none());
}

#[test]
fn every_page_has_one_heading_of_each_name() {
    let docs = root().join("docs");
    let mut problems = Vec::new();
    for path in pages(&docs) {
        let text = std::fs::read_to_string(&path).unwrap();
        // At any level: a repeated heading gets a second anchor that nobody links to.
        let mut seen = std::collections::BTreeSet::new();
        for (level, title) in headings(&text) {
            if !seen.insert(title.clone()) {
                problems.push(format!(
                    "{}: `{} {title}` twice",
                    path.display(),
                    "#".repeat(level)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
