//! Registry documentation generated from the provider schema and `examples/`,
//! in the layout tfplugindocs produces (front matter, example usage, schema
//! reference, import). `tests/docs.rs` fails when `docs/` differs from this
//! output; `make docs` rewrites it.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

use tfplugin::{Attribute, Block, Identity, Nesting, Provider, Type};

const HEADER: &str =
    "<!-- generated from the provider schema and examples/ by `make docs`; do not edit -->\n";

/// Every documentation page, keyed by its path under `docs/`.
pub fn render_all(provider: &dyn Provider, examples: &Path) -> BTreeMap<String, String> {
    let prefix = provider.type_name();
    let mut pages = BTreeMap::new();
    let schema = provider.schema();
    let mut index = String::new();
    let _ = write!(
        index,
        "---\npage_title: \"Provider: ConnectWise\"\ndescription: |-\n  {}\n---\n{HEADER}\n# {prefix} Provider\n\n{}\n\n",
        first_sentence(&schema.block.description),
        schema.block.description
    );
    index.push_str(INDEX_INTRO);
    push_example(&mut index, examples, "provider/provider.tf");
    index.push_str("\n## Schema\n\n");
    schema_markdown(&mut index, &schema.block, true);
    pages.insert("index.md".to_string(), index);

    for r in provider.resources() {
        let name = format!("{prefix}_{}", r.name());
        let s = r.schema();
        let mut page = page_head(&name, "Resource", &s.block.description);
        push_example(
            &mut page,
            examples,
            &format!("resources/{name}/resource.tf"),
        );
        page.push_str("\n## Schema\n\n");
        schema_markdown(&mut page, &s.block, true);
        let (sections, import_text) = split_import_section(r.doc_sections());
        push_sections(&mut page, &sections);
        let dir = examples.join(format!("resources/{name}"));
        import_markdown(&mut page, &dir, &import_text, r.identity().as_ref());
        pages.insert(format!("resources/{}.md", r.name()), page);
    }
    for d in provider.data_sources() {
        let name = format!("{prefix}_{}", d.name());
        let s = d.schema();
        let mut page = page_head(&name, "Data Source", &s.block.description);
        push_example(
            &mut page,
            examples,
            &format!("data-sources/{name}/data-source.tf"),
        );
        page.push_str("\n## Schema\n\n");
        schema_markdown(&mut page, &s.block, true);
        push_sections(&mut page, d.doc_sections());
        pages.insert(format!("data-sources/{}.md", d.name()), page);
    }
    for e in provider.ephemeral_resources() {
        let name = format!("{prefix}_{}", e.name());
        let s = e.schema();
        let mut page = page_head(&name, "Ephemeral Resource", &s.block.description);
        push_example(
            &mut page,
            examples,
            &format!("ephemeral-resources/{name}/ephemeral-resource.tf"),
        );
        page.push_str("\n## Schema\n\n");
        schema_markdown(&mut page, &s.block, true);
        push_sections(&mut page, e.doc_sections());
        pages.insert(format!("ephemeral-resources/{}.md", e.name()), page);
    }
    pages
}

const INDEX_INTRO: &str = "\
Calls marked *not in the published API specification* use the contract this provider \
defines where ConnectWise or Cisco publish no endpoint (role permission writes, customize \
items, persistent API keys, Umbrella PSA settings). A server that does not offer such a \
call answers 404 or 405; the provider then fails with a diagnostic that names the manual \
step to take instead; the guide [Calls outside the published APIs](guides/extension-calls.md) \
shows each call with its request and response. Try everything offline against the bundled \
`connectwise-sandbox`.\n\n\
## Example Usage\n\n";

fn page_head(name: &str, kind: &str, description: &str) -> String {
    format!(
        "---\npage_title: \"{name} {kind} - terraform-provider-connectwise\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n{HEADER}\n# {name} ({kind})\n\n{description}\n\n## Example Usage\n\n",
        first_sentence(description)
    )
}

/// The first sentence (abbreviations such as "e.g." do not end one).
fn first_sentence(text: &str) -> String {
    let mut end = text.len();
    for (i, _) in text.match_indices(". ") {
        let before = &text[..i];
        if !(before.ends_with("e.g") || before.ends_with("i.e") || before.ends_with("etc")) {
            end = i + 1;
            break;
        }
    }
    text[..end].replace('\n', " ")
}

fn push_example(page: &mut String, examples: &Path, rel: &str) {
    match std::fs::read_to_string(examples.join(rel)) {
        Ok(text) => {
            let _ = write!(page, "```terraform\n{}\n```\n", text.trim_end());
        }
        Err(_) => {
            let _ = writeln!(page, "(missing example: examples/{rel})");
        }
    }
}

fn push_sections(page: &mut String, sections: &str) {
    if !sections.trim().is_empty() {
        page.push('\n');
        page.push_str(sections.trim());
        page.push('\n');
    }
}

fn type_label(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::List(e) => format!("List of {}", type_label(e)),
        Type::Set(e) => format!("Set of {}", type_label(e)),
        Type::Map(e) => format!("Map of {}", type_label(e)),
        Type::Object(_) => "Object".into(),
    }
}

fn attribute_line(a: &Attribute) -> String {
    let mut tags = vec![type_label(&a.ty)];
    if a.sensitive {
        tags.push("Sensitive".into());
    }
    if a.write_only {
        tags.push("[Write-only](https://developer.hashicorp.com/terraform/language/resources/ephemeral#write-only-arguments)".into());
    }
    if a.deprecated {
        tags.push("Deprecated".into());
    }
    let mut desc = a.description.clone();
    for v in &a.validators {
        if let Some(text) = v.describe()
            && !desc.contains(&text)
        {
            desc.push(' ');
            desc.push_str(&text);
        }
    }
    if a.requires_replace {
        desc.push_str(" Changing it replaces the object.");
    }
    for r in &a.requires_replace_if {
        desc.push(' ');
        desc.push_str(&r.description);
    }
    format!("- `{}` ({}) {}\n", a.name, tags.join(", "), desc.trim())
}

/// The block's rules across attributes (checked at plan time), with their reasons.
fn constraints_markdown(page: &mut String, block: &Block) {
    if block.rules.is_empty() {
        return;
    }
    page.push_str("Checked at plan time:\n\n");
    for (i, rule) in block.rules.iter().enumerate() {
        match block.rule_reasons.get(&i) {
            Some(why) => {
                let _ = writeln!(page, "- {} {why}", rule.describe());
            }
            None => {
                let _ = writeln!(page, "- {}", rule.describe());
            }
        }
    }
    page.push('\n');
}

/// `### Required` as a heading, or `Required:` as a label.
fn group_label(page: &mut String, title: &str, heading: bool) {
    if heading {
        let _ = writeln!(page, "### {title}\n");
    } else {
        let _ = writeln!(page, "{title}:\n");
    }
}

/// The block's attributes grouped as Required, Optional and Read-Only: headings at the top
/// level, plain labels in nested schemas (as tfplugindocs renders them), so that no heading
/// repeats on a page.
fn schema_markdown(page: &mut String, block: &Block, top_level: bool) {
    let mut nested = Vec::new();
    type Pick = fn(&Attribute) -> bool;
    let groups: [(&str, Pick); 3] = [
        ("Required", |a| a.required),
        ("Optional", |a| a.optional),
        ("Read-Only", |a| a.computed && !a.optional && !a.required),
    ];
    for (title, pick) in groups {
        let attrs: Vec<&Attribute> = block.attributes.iter().filter(|a| pick(a)).collect();
        let blocks: Vec<_> = if title == "Optional" {
            block.blocks.iter().collect()
        } else {
            Vec::new()
        };
        if attrs.is_empty() && blocks.is_empty() {
            continue;
        }
        group_label(page, title, top_level);
        let mut lines: Vec<(String, String)> = attrs
            .iter()
            .map(|a| (a.name.clone(), attribute_line(a)))
            .collect();
        for b in blocks {
            let kind = match b.nesting {
                Nesting::Single => "Block",
                Nesting::List => "Block List",
                Nesting::Set => "Block Set",
            };
            let max = if b.max_items > 0 {
                format!(", Max: {}", b.max_items)
            } else {
                String::new()
            };
            lines.push((
                b.name.clone(),
                format!(
                    "- `{name}` ({kind}{max}) {} (see [below for nested schema](#nestedblock--{name}))\n",
                    b.block.description,
                    name = b.name
                ),
            ));
            nested.push(b);
        }
        lines.sort();
        for (_, l) in lines {
            page.push_str(&l);
        }
        page.push('\n');
    }
    constraints_markdown(page, block);
    for b in nested {
        let _ = writeln!(
            page,
            "<a id=\"nestedblock--{0}\"></a>\n### Nested Schema for `{0}`\n",
            b.name
        );
        schema_markdown(page, &b.block, false);
    }
}

/// The hand-written doc sections without their `## Import` section, and that section's
/// text (empty when there is none): the page renders one Import section, the hand-written
/// text first, then the import examples.
fn split_import_section(sections: &str) -> (String, String) {
    let mut rest = String::new();
    let mut import = String::new();
    let mut in_import = false;
    for line in sections.lines() {
        if line.starts_with("## ") {
            in_import = line.trim_end() == "## Import";
            if in_import {
                continue;
            }
        }
        let target = if in_import { &mut import } else { &mut rest };
        target.push_str(line);
        target.push('\n');
    }
    (rest, import.trim().to_string())
}

const IMPORT_BLOCK_DOCS: &str = "https://developer.hashicorp.com/terraform/language/import";
const IMPORT_COMMAND_DOCS: &str = "https://developer.hashicorp.com/terraform/cli/commands/import";

/// The page's one Import section: the hand-written text, an `import` block by string id,
/// one by identity (Terraform 1.12 and later) with the identity's attributes, and the
/// `terraform import` command.
fn import_markdown(page: &mut String, dir: &Path, text: &str, identity: Option<&Identity>) {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let by_id = read("import-by-string-id.tf");
    let by_identity = read("import-by-identity.tf");
    let command = read("import.sh");
    if text.is_empty() && by_id.is_none() && by_identity.is_none() && command.is_none() {
        return;
    }
    page.push_str("\n## Import\n\n");
    if !text.is_empty() {
        let _ = write!(page, "{text}\n\n");
    }
    if let Some(example) = by_id {
        let _ = write!(
            page,
            "In Terraform 1.5 and later, use an [`import` block]({IMPORT_BLOCK_DOCS}) with the `id` attribute:\n\n```terraform\n{}\n```\n\n",
            example.trim_end()
        );
    }
    if let Some(example) = by_identity {
        let _ = write!(
            page,
            "**Terraform 1.12 and later** can import by the resource's identity instead of a string id, with the `identity` attribute of an [`import` block]({IMPORT_BLOCK_DOCS}):\n\n```terraform\n{}\n```\n\n",
            example.trim_end()
        );
        if let Some(identity) = identity {
            identity_markdown(page, identity);
        }
    }
    if let Some(example) = command {
        let _ = write!(
            page,
            "The [`terraform import` command]({IMPORT_COMMAND_DOCS}) takes the same ids:\n\n```shell\n{}\n```\n\n",
            example.trim_end()
        );
    }
    let trimmed = page.trim_end().len();
    page.truncate(trimmed);
    page.push('\n');
}

/// The identity's attributes, as the schema's are listed.
fn identity_markdown(page: &mut String, identity: &Identity) {
    page.push_str("### Identity Schema\n\n");
    for group in [true, false] {
        let attrs: Vec<_> = identity
            .attributes
            .iter()
            .filter(|a| a.required_for_import == group)
            .collect();
        if attrs.is_empty() {
            continue;
        }
        let title = if group { "Required" } else { "Optional" };
        group_label(page, title, false);
        for a in attrs {
            let _ = writeln!(
                page,
                "- `{}` ({}) {}",
                a.name,
                type_label(&a.ty),
                a.description.trim()
            );
        }
        page.push('\n');
    }
}
