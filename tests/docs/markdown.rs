//! Just enough Markdown reading for the checks: pages, headings and links outside code.

use std::path::{Path, PathBuf};

/// Every `.md` file under `dir`, sorted.
pub fn pages(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The lines outside fenced code blocks (a `# comment` in a shell block is no heading).
pub fn prose_lines(text: &str) -> Vec<&str> {
    let mut in_code = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            out.push(line);
        }
    }
    out
}

/// `(level, title)` of every ATX heading.
pub fn headings(text: &str) -> Vec<(usize, String)> {
    prose_lines(text)
        .into_iter()
        .filter_map(|line| {
            let level = line.chars().take_while(|c| *c == '#').count();
            let title = line.get(level..)?.strip_prefix(' ')?;
            (level > 0).then(|| (level, title.trim().to_string()))
        })
        .collect()
}

/// The anchor GitHub and the Registry give a heading: lower case, punctuation other than
/// `-` and `_` dropped, spaces as `-`.
pub fn slug(title: &str) -> String {
    title
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Every anchor of a page: heading slugs and explicit `<a id="...">`.
pub fn anchors(text: &str) -> Vec<String> {
    let mut out: Vec<String> = headings(text).iter().map(|(_, t)| slug(t)).collect();
    for part in text.split("<a id=\"").skip(1) {
        if let Some(id) = part.split('"').next() {
            out.push(id.to_string());
        }
    }
    out
}

/// The targets of inline links `[text](target)` outside code blocks and code spans.
pub fn link_targets(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in prose_lines(text) {
        // Code spans may hold `](` that is no link.
        let prose: String = line
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(_, s)| s)
            .collect::<Vec<_>>()
            .join("``");
        for part in prose.split("](").skip(1) {
            if let Some(target) = part.split(')').next() {
                out.push(target.trim().to_string());
            }
        }
    }
    out
}

#[test]
fn markdown_reading() {
    let text = "# A\n\n```shell\n# not a heading\n```\n\n## Import: by `id`\n[x](../y.md#a-b) `[z](no)`\n<a id=\"n--m\"></a>\n";
    assert_eq!(
        headings(text),
        vec![(1, "A".to_string()), (2, "Import: by `id`".to_string())]
    );
    assert_eq!(slug("Import: by `id`"), "import-by-id");
    assert_eq!(link_targets(text), vec!["../y.md#a-b".to_string()]);
    assert!(anchors(text).contains(&"n--m".to_string()));
}
