//! A small writer of Terraform's native syntax (HCL) for the generated files: quoted strings
//! escaped for templates, identifiers checked, and bodies laid out as `terraform fmt` lays them
//! out (two-space indents, the `=` of consecutive one-line attributes aligned), so the files pass
//! `terraform fmt -check` as written.
//!
//! Not a general HCL library: the generated files need attributes, blocks, comments, maps and
//! references, nothing else.

/// A quoted HCL string whose value is exactly `text`.
///
/// Inside quotes HCL reads templates, so `${` and `%{` become `$${` and `%%{`; quotes,
/// backslashes and control characters are escaped. Other characters (non-ASCII included) are
/// written as they are: the file is UTF-8. Terraform normalizes every string to Unicode NFC,
/// escaped or not, so a name in another normal form cannot be written exactly.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `name` is an HCL identifier (a module, alias or resource name): a letter or `_`, then
/// letters, digits, `_` or `-`. ASCII only, as Terraform's names are in practice.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A comment line's text with every control character escaped, so that nothing discovered can
/// end the comment and start configuration.
fn comment_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// The value of an attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A quoted string.
    Str(String),
    /// Written as given: a reference (`connectwise.tenant`), a resource address, a number.
    Raw(String),
    /// `{ key = value ... }` with keys written as given (use [`string`] for quoted keys, an
    /// identifier for provider maps); empty is `{}`.
    Map(Vec<(String, Expr)>),
}

impl Expr {
    pub fn str(text: impl Into<String>) -> Expr {
        Expr::Str(text.into())
    }

    /// A map whose keys are written quoted (map keys of data, such as customer ids).
    pub fn quoted_map<K: AsRef<str>>(entries: impl IntoIterator<Item = (K, Expr)>) -> Expr {
        Expr::Map(
            entries
                .into_iter()
                .map(|(k, v)| (string(k.as_ref()), v))
                .collect(),
        )
    }

    fn is_one_line(&self) -> bool {
        match self {
            Expr::Map(entries) => entries.is_empty(),
            _ => true,
        }
    }
}

#[derive(Clone, Debug)]
enum Item {
    Attr(String, Expr),
    Block(String, Vec<String>, Body),
    Comment(String),
    Blank,
}

/// The inside of a file or block, item by item in the order they are added.
#[derive(Clone, Debug, Default)]
pub struct Body {
    items: Vec<Item>,
}

impl Body {
    pub fn new() -> Body {
        Body::default()
    }

    /// `name = value`; `name` must be an identifier.
    pub fn attr(mut self, name: &str, value: Expr) -> Body {
        self.items.push(Item::Attr(name.to_string(), value));
        self
    }

    /// [`Body::attr`] when there is an attribute.
    pub fn attrs_if(self, attr: Option<(&str, Expr)>) -> Body {
        match attr {
            Some((name, value)) => self.attr(name, value),
            None => self,
        }
    }

    /// `kind "label" ... { body }`; labels are quoted.
    pub fn block(mut self, kind: &str, labels: &[&str], body: Body) -> Body {
        let labels = labels.iter().map(|l| string(l)).collect();
        self.items.push(Item::Block(kind.to_string(), labels, body));
        self
    }

    /// `# text`, one line per line of `text` (control characters escaped).
    pub fn comment(mut self, text: &str) -> Body {
        for line in text.split('\n') {
            self.items.push(Item::Comment(comment_text(line)));
        }
        self
    }

    pub fn blank(mut self) -> Body {
        self.items.push(Item::Blank);
        self
    }

    /// The body as text at `depth` levels of indentation.
    pub fn render(&self, depth: usize) -> String {
        let mut out = String::new();
        let indent = "  ".repeat(depth);
        // `terraform fmt` aligns the `=` of consecutive one-line attributes.
        let width_from = |start: usize| {
            self.items[start..]
                .iter()
                .map_while(|item| match item {
                    Item::Attr(name, value) if value.is_one_line() => Some(name.len()),
                    _ => None,
                })
                .max()
                .unwrap_or(0)
        };
        let mut width = None;
        for (i, item) in self.items.iter().enumerate() {
            match item {
                Item::Attr(name, value) if value.is_one_line() => {
                    let w = *width.get_or_insert_with(|| width_from(i));
                    out.push_str(&format!("{indent}{name:<w$} = "));
                    write_expr(&mut out, value, depth);
                    out.push('\n');
                    continue;
                }
                Item::Attr(name, value) => {
                    out.push_str(&format!("{indent}{name} = "));
                    write_expr(&mut out, value, depth);
                    out.push('\n');
                }
                Item::Block(kind, labels, body) => {
                    out.push_str(&indent);
                    out.push_str(kind);
                    for label in labels {
                        out.push(' ');
                        out.push_str(label);
                    }
                    out.push_str(" {\n");
                    out.push_str(&body.render(depth + 1));
                    out.push_str(&format!("{indent}}}\n"));
                }
                Item::Comment(text) if text.is_empty() => out.push_str(&format!("{indent}#\n")),
                Item::Comment(text) => out.push_str(&format!("{indent}# {text}\n")),
                Item::Blank => out.push('\n'),
            }
            width = None;
        }
        out
    }
}

fn write_expr(out: &mut String, value: &Expr, depth: usize) {
    match value {
        Expr::Str(text) => out.push_str(&string(text)),
        Expr::Raw(text) => out.push_str(text),
        Expr::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Expr::Map(entries) => {
            let inner = entries
                .iter()
                .fold(Body::new(), |body, (key, value)| {
                    body.attr(key, value.clone())
                })
                .render(depth + 1);
            out.push_str("{\n");
            out.push_str(&inner);
            out.push_str(&format!("{}}}", "  ".repeat(depth)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_templates_quotes_backslashes_and_control_characters() {
        assert_eq!(string("Umbrella"), r#""Umbrella""#);
        assert_eq!(
            string(r#"Umbrella "${x}" %{y} \ end"#),
            r#""Umbrella \"$${x}\" %%{y} \\ end""#
        );
        // `$$` alone and `$` before anything but `{` stay; only the `$` that opens `${` doubles.
        assert_eq!(string("$${a} $ % %%"), r#""$$${a} $ % %%""#);
        assert_eq!(string("a\nb\r\tc\u{7}d"), r#""a\nb\r\tc\u0007d""#);
        assert_eq!(string("Café – Zürich"), "\"Café – Zürich\"");
        assert_eq!(string(""), "\"\"");
    }

    #[test]
    fn identifiers() {
        for ok in ["psa", "tenant_a", "t-1", "_x"] {
            assert!(is_identifier(ok), "{ok}");
        }
        for bad in ["", "1x", "a.b", "a b", "é", "a\"b"] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }

    #[test]
    fn comments_cannot_break_out_of_their_line() {
        let text = Body::new().comment("role \"x\"\nresource {}\r").render(0);
        assert_eq!(text, "# role \"x\"\n# resource {}\\r\n");
    }

    #[test]
    fn consecutive_one_line_attributes_align_as_terraform_fmt_does() {
        let body = Body::new()
            .attr("source", Expr::str("./m"))
            .attr("role_name", Expr::str("x"))
            .attr(
                "customer_company_ids",
                Expr::quoted_map([("1", Expr::str("A")), ("200", Expr::str("B"))]),
            )
            .attr("key_mode", Expr::str("adopted"))
            .attr("empty", Expr::Map(Vec::new()))
            .comment("next")
            .attr("x", Expr::Raw("1".into()));
        let text = Body::new().block("module", &["psa"], body).render(0);
        assert_eq!(
            text,
            "module \"psa\" {\n  source    = \"./m\"\n  role_name = \"x\"\n  customer_company_ids = {\n    \"1\"   = \"A\"\n    \"200\" = \"B\"\n  }\n  key_mode = \"adopted\"\n  empty    = {}\n  # next\n  x = 1\n}\n"
        );
    }
}
