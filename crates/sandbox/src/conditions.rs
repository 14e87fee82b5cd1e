//! The `conditions` query language of ConnectWise list endpoints, evaluated over JSON objects.
//!
//! Grammar (keywords case-insensitive):
//! ```text
//! expr    := and (OR and)*
//! and     := unary (AND unary)*
//! unary   := NOT unary | '(' expr ')' | compare
//! compare := path op value | path [NOT] (LIKE|CONTAINS) value | path [NOT] IN '(' value (',' value)* ')'
//! op      := = | != | <> | < | <= | > | >=
//! value   := "string" | 'string' (backslash escapes) | integer | decimal | True | False | null
//!          | [datetime]
//! path    := name ('/' name)*          e.g. securityRole/id
//! ```
//! Strings compare case-insensitively, like the SQL Server collation behind ConnectWise.
//! Each endpoint declares its fields' types (`types`); a literal of another type is refused.

mod types;

use std::cmp::Ordering;

use serde_json::Value;

pub use types::{FieldType, Fields, check, field_type, type_of};

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    DateTime(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    Like,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Compare {
        path: Vec<String>,
        op: Op,
        value: Literal,
    },
    In {
        path: Vec<String>,
        values: Vec<Literal>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Date(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let unexpected = || format!("Unexpected character '{c}' in conditions.");
        let (tok, next) = match c {
            '(' => (Tok::LParen, i + 1),
            ')' => (Tok::RParen, i + 1),
            ',' => (Tok::Comma, i + 1),
            '"' | '\'' => string_literal(&chars, i)?,
            '[' => date_literal(&chars, i)?,
            '=' | '!' | '<' | '>' => operator(&chars, i).ok_or_else(unexpected)?,
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let end = run_end(&chars, i + 1, |ch| ch.is_ascii_digit() || ch == '.');
                (Tok::Num(chars[i..end].iter().collect()), end)
            }
            c if c.is_alphabetic() || c == '_' => {
                let end = run_end(&chars, i, |ch| {
                    ch.is_alphanumeric() || matches!(ch, '_' | '/')
                });
                (Tok::Ident(chars[i..end].iter().collect()), end)
            }
            _ => return Err(unexpected()),
        };
        out.push(tok);
        i = next;
    }
    Ok(out)
}

/// Where the run of characters matching `part` that starts at `from` ends.
fn run_end(chars: &[char], from: usize, part: impl Fn(char) -> bool) -> usize {
    chars[from..]
        .iter()
        .position(|&c| !part(c))
        .map_or(chars.len(), |n| from + n)
}

/// `"..."` or `'...'` with backslash escapes, starting at `start`; the token and the index
/// after it.
fn string_literal(chars: &[char], start: usize) -> Result<(Tok, usize), String> {
    let quote = chars[start];
    let mut s = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => {
                return Err(format!(
                    "Unterminated string literal starting at position {start}."
                ));
            }
            Some('\\') => {
                match chars.get(i + 1) {
                    Some(&e) => s.push(e),
                    None => return Err("Unterminated escape in string literal.".into()),
                }
                i += 2;
            }
            Some(&c) if c == quote => return Ok((Tok::Str(s), i + 1)),
            Some(&ch) => {
                s.push(ch);
                i += 1;
            }
        }
    }
}

/// `[datetime]`, starting at `start`; the token and the index after it.
fn date_literal(chars: &[char], start: usize) -> Result<(Tok, usize), String> {
    let end = chars[start..]
        .iter()
        .position(|&c| c == ']')
        .ok_or("Unterminated datetime literal.")?;
    let text: String = chars[start + 1..start + end].iter().collect();
    Ok((Tok::Date(text.trim().to_string()), start + end + 1))
}

/// A comparison operator at `i` (`=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`); the token and the index
/// after it, or `None` for a lone `!`.
fn operator(chars: &[char], i: usize) -> Option<(Tok, usize)> {
    let (op, len) = match (chars[i], chars.get(i + 1)) {
        ('=', _) => ("=", 1),
        ('!', Some('=')) => ("!=", 2),
        ('<', Some('=')) => ("<=", 2),
        ('>', Some('=')) => (">=", 2),
        ('<', Some('>')) => ("!=", 2),
        ('<', _) => ("<", 1),
        ('>', _) => (">", 1),
        _ => return None,
    };
    Some((Tok::Op(op), i + len))
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.expr()?;
            return match self.next() {
                Some(Tok::RParen) => Ok(e),
                _ => Err("Expected ')' to close '('.".into()),
            };
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, String> {
        let path = match self.next() {
            Some(Tok::Ident(name)) if !is_keyword(&name) => {
                let parts: Vec<String> = name.split('/').map(str::to_string).collect();
                if parts.iter().any(String::is_empty) {
                    return Err(format!("Invalid field path '{name}'."));
                }
                parts
            }
            Some(t) => return Err(format!("Expected a field name but found {}.", describe(&t))),
            None => return Err("Expected a field name but found the end of the conditions.".into()),
        };
        let negate = self.keyword("not");
        if negate {
            self.pos += 1;
        }
        let expr = match self.next() {
            Some(Tok::Op(op)) if !negate => {
                let op = match op {
                    "=" => Op::Eq,
                    "!=" => Op::Ne,
                    "<" => Op::Lt,
                    "<=" => Op::Le,
                    ">" => Op::Gt,
                    _ => Op::Ge,
                };
                Expr::Compare {
                    path,
                    op,
                    value: self.literal()?,
                }
            }
            Some(Tok::Ident(kw)) if kw.eq_ignore_ascii_case("like") => Expr::Compare {
                path,
                op: Op::Like,
                value: self.literal()?,
            },
            Some(Tok::Ident(kw)) if kw.eq_ignore_ascii_case("contains") => Expr::Compare {
                path,
                op: Op::Contains,
                value: self.literal()?,
            },
            Some(Tok::Ident(kw)) if kw.eq_ignore_ascii_case("in") => {
                if self.next() != Some(Tok::LParen) {
                    return Err("Expected '(' after 'in'.".into());
                }
                let mut values = vec![self.literal()?];
                loop {
                    match self.next() {
                        Some(Tok::Comma) => values.push(self.literal()?),
                        Some(Tok::RParen) => break,
                        _ => return Err("Expected ',' or ')' in the 'in' list.".into()),
                    }
                }
                Expr::In { path, values }
            }
            Some(t) => {
                return Err(format!(
                    "Expected an operator after '{}' but found {}.",
                    path.join("/"),
                    describe(&t)
                ));
            }
            None => return Err(format!("Expected an operator after '{}'.", path.join("/"))),
        };
        Ok(if negate {
            Expr::Not(Box::new(expr))
        } else {
            expr
        })
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Literal::Str(s)),
            Some(Tok::Date(d)) => Ok(Literal::DateTime(d)),
            Some(Tok::Num(n)) => {
                if let Ok(i) = n.parse::<i64>() {
                    Ok(Literal::Int(i))
                } else {
                    n.parse::<f64>()
                        .map(Literal::Float)
                        .map_err(|_| format!("Invalid number '{n}'."))
                }
            }
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            Some(Tok::Ident(w)) if w.eq_ignore_ascii_case("null") => Ok(Literal::Null),
            Some(Tok::Ident(w)) => Err(format!(
                "Unexpected value '{w}': string values must be enclosed in double or single quotes, e.g. \"{w}\"."
            )),
            Some(t) => Err(format!("Expected a value but found {}.", describe(&t))),
            None => Err("Expected a value but found the end of the conditions.".into()),
        }
    }
}

fn is_keyword(s: &str) -> bool {
    ["and", "or", "not", "in", "like", "contains"]
        .iter()
        .any(|k| s.eq_ignore_ascii_case(k))
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Num(n) => n.clone(),
        Tok::Date(d) => format!("[{d}]"),
        Tok::Op(o) => format!("'{o}'"),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
    }
}

/// Parses a `conditions` string; the error is a human-readable reason.
pub fn parse(input: &str) -> Result<Expr, String> {
    let toks = tokenize(input)?;
    if toks.is_empty() {
        return Err("The conditions are empty.".into());
    }
    let mut p = Parser { toks, pos: 0 };
    let e = p.expr()?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(format!(
            "Unexpected {} after a complete condition.",
            describe(t)
        )),
    }
}

impl Expr {
    /// Every field path the expression names (to reject unknown fields).
    pub fn paths(&self) -> Vec<&[String]> {
        match self {
            Expr::And(a, b) | Expr::Or(a, b) => {
                let mut v = a.paths();
                v.extend(b.paths());
                v
            }
            Expr::Not(e) => e.paths(),
            Expr::Compare { path, .. } | Expr::In { path, .. } => vec![path.as_slice()],
        }
    }

    pub fn matches(&self, obj: &Value) -> bool {
        match self {
            Expr::And(a, b) => a.matches(obj) && b.matches(obj),
            Expr::Or(a, b) => a.matches(obj) || b.matches(obj),
            Expr::Not(e) => !e.matches(obj),
            Expr::Compare { path, op, value } => compare(lookup(obj, path), *op, value),
            Expr::In { path, values } => {
                let v = lookup(obj, path);
                values.iter().any(|l| compare(v, Op::Eq, l))
            }
        }
    }
}

/// Resolves `a/b/c` in a JSON object, matching keys case-insensitively.
pub fn lookup<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let mut cur = obj;
    for part in path {
        let map = cur.as_object()?;
        cur = map.get(part.as_str()).or_else(|| {
            map.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(part))
                .map(|(_, v)| v)
        })?;
    }
    Some(cur)
}

fn compare(field: Option<&Value>, op: Op, lit: &Literal) -> bool {
    let field = field.unwrap_or(&Value::Null);
    if *lit == Literal::Null {
        return match op {
            Op::Eq => field.is_null(),
            Op::Ne => !field.is_null(),
            _ => false,
        };
    }
    if field.is_null() {
        return op == Op::Ne;
    }
    match op {
        Op::Contains => text(field)
            .to_lowercase()
            .contains(&lit_text(lit).to_lowercase()),
        Op::Like => like(&text(field).to_lowercase(), &lit_text(lit).to_lowercase()),
        _ => {
            let Some(ord) = order(field, lit) else {
                return op == Op::Ne;
            };
            match op {
                Op::Eq => ord == Ordering::Equal,
                Op::Ne => ord != Ordering::Equal,
                Op::Lt => ord == Ordering::Less,
                Op::Le => ord != Ordering::Greater,
                Op::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }
        }
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn lit_text(l: &Literal) -> String {
    match l {
        Literal::Str(s) | Literal::DateTime(s) => s.clone(),
        Literal::Int(i) => i.to_string(),
        Literal::Float(f) => f.to_string(),
        Literal::Bool(b) => if *b { "True" } else { "False" }.into(),
        Literal::Null => String::new(),
    }
}

/// Orders a field value against a literal; `None` when the types cannot be compared.
fn order(field: &Value, lit: &Literal) -> Option<Ordering> {
    match (field, lit) {
        (Value::Number(n), Literal::Int(_) | Literal::Float(_) | Literal::Str(_)) => {
            let a = n.as_f64()?;
            let b = match lit {
                Literal::Int(i) => *i as f64,
                Literal::Float(f) => *f,
                Literal::Str(s) => s.trim().parse::<f64>().ok()?,
                _ => return None,
            };
            a.partial_cmp(&b)
        }
        (Value::Bool(a), Literal::Bool(b)) => Some(a.cmp(b)),
        (Value::String(s), Literal::Bool(b)) => Some(s.to_lowercase().cmp(&b.to_string())),
        (Value::String(s), Literal::DateTime(d)) => Some(normalize_date(s).cmp(&normalize_date(d))),
        (Value::String(s), _) => Some(s.to_lowercase().cmp(&lit_text(lit).to_lowercase())),
        _ => None,
    }
}

/// Dates are stored as `yyyy-MM-ddTHH:mm:ssZ`; a date-only literal compares as midnight.
fn normalize_date(s: &str) -> String {
    let s = s.trim().trim_end_matches('Z');
    if s.len() == 10 {
        format!("{s}T00:00:00")
    } else {
        s.to_string()
    }
}

/// SQL-style LIKE with `*` or `%` for any run of characters (both already lowercased).
fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    // Classic two-pointer wildcard match with backtracking to the last star.
    let (mut ti, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '*' || p[pi] == '%') {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*' || c == '%')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(cond: &str, v: &Value) -> bool {
        parse(cond).unwrap().matches(v)
    }

    #[test]
    fn operators() {
        let v = json!({"id": 7, "name": "Umbrella \"PSA\"", "adminFlag": false, "securityRole": {"id": 3, "name": "Admin"}, "note": null, "date": "2025-01-02T03:04:05Z"});
        assert!(m(r#"name="umbrella \"psa\"""#, &v));
        assert!(m(r#"name = 'Umbrella "PSA"'"#, &v));
        assert!(m("id = 7 and adminFlag = False", &v));
        assert!(m("id != 8", &v));
        assert!(m("id >= 7 AND id <= 7 and id > 6 and id < 8", &v));
        assert!(m(r#"name contains "PSA""#, &v));
        assert!(m(r#"name like "Umb*""#, &v));
        assert!(m(r#"name like "%psa%""#, &v));
        assert!(!m(r#"name like "PSA*""#, &v));
        assert!(m("securityRole/id in (1, 3)", &v));
        assert!(m("securityRole/id not in (1, 2)", &v));
        assert!(m(r#"securityRole/name = "admin""#, &v));
        assert!(m("note = null and id != null", &v));
        assert!(m(r#"not (id = 1 or name = "x")"#, &v));
        assert!(m(r#"(id = 1 or id = 7) and not adminFlag = True"#, &v));
        assert!(m(r#"name not like "x*""#, &v));
        assert!(m(
            "date > [2025-01-01T00:00:00Z] and date < [2025-01-03]",
            &v
        ));
        assert!(m("ID = 7", &v));
    }

    #[test]
    fn precedence() {
        let v = json!({"a": 1, "b": 2});
        // AND binds tighter than OR.
        assert!(m("a = 1 or a = 5 and b = 9", &v));
        assert!(!m("(a = 1 or a = 5) and b = 9", &v));
    }

    #[test]
    fn malformed() {
        for bad in [
            "",
            "name = ",
            "name = Umbrella",
            r#"name = "open"#,
            "(id = 1",
            "id = 1 id = 2",
            "id in 1, 2",
            "id ~ 3",
            "= 3",
            "id = 1 and",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
    }
}
