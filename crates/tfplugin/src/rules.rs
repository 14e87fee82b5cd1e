//! Rules across the attributes and nested blocks of one block: the
//! framework's resource-level config validators (`resourcevalidator`
//! ExactlyOneOf, AtLeastOneOf, Conflicting, RequiredTogether), attached with
//! [`Block::exactly_one_of`] and its siblings and checked by [`Block::validate`].

use super::diag::{AttrPath, Diagnostics};
use super::schema::{Block, Nesting};
use super::value::Value;

/// A rule across attributes and nested blocks of one block, like the
/// framework's `resourcevalidator` config validators. Names are attribute or
/// nested-block names of the block the rule is attached to.
///
/// A rule is skipped while any value it names is unknown. An attribute is set
/// when it is not null; a nested block when it is not null and, for a list or
/// set, not empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigRule {
    /// Exactly one must be set.
    ExactlyOneOf(&'static [&'static str]),
    /// At least one must be set.
    AtLeastOneOf(&'static [&'static str]),
    /// At most one may be set.
    ConflictsWith(&'static [&'static str]),
    /// All or none must be set.
    RequiredTogether(&'static [&'static str]),
}

impl ConfigRule {
    /// The attribute and nested-block names the rule involves.
    pub fn names(&self) -> &'static [&'static str] {
        match *self {
            ConfigRule::ExactlyOneOf(names)
            | ConfigRule::AtLeastOneOf(names)
            | ConfigRule::ConflictsWith(names)
            | ConfigRule::RequiredTogether(names) => names,
        }
    }

    /// One sentence for documentation, e.g. "Exactly one of `a`, `b` must be set."
    pub fn describe(&self) -> String {
        let names: Vec<String> = self.names().iter().map(|n| n.to_string()).collect();
        format!("{}.", self.requirement(&names))
    }

    /// The rule as a clause over these names, without the final period.
    fn requirement(&self, names: &[String]) -> String {
        let list = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        match self {
            ConfigRule::ExactlyOneOf(_) => format!("Exactly one of {list} must be set"),
            ConfigRule::AtLeastOneOf(_) => format!("At least one of {list} must be set"),
            ConfigRule::ConflictsWith(_) => format!("At most one of {list} may be set"),
            ConfigRule::RequiredTogether(_) => format!("All or none of {list} must be set"),
        }
    }

    /// Checks the rule on `config`, the value of `block` at `path`; `reason`, when given, is
    /// appended to the error (why the rule exists, what to do).
    pub(crate) fn check(
        &self,
        block: &Block,
        config: &Value,
        path: &AttrPath,
        reason: Option<&str>,
        diags: &mut Diagnostics,
    ) {
        if config.is_unknown() || self.names().is_empty() {
            return;
        }
        let mut set = Vec::new();
        for name in self.names() {
            match presence(block, config, name) {
                Some(Presence::Unknown) => return,
                Some(Presence::Set) => set.push(*name),
                Some(Presence::Unset) => {}
                None => {
                    diags.error(
                        "Invalid Provider Schema",
                        format!(
                            "The rule \"{}\" names `{name}`, which is neither an attribute nor a \
                             nested block of this block. This is a bug in the provider.",
                            self.describe()
                        ),
                    );
                    return;
                }
            }
        }
        let all = self.names().len();
        let broken = match self {
            ConfigRule::ExactlyOneOf(_) => set.len() != 1,
            ConfigRule::AtLeastOneOf(_) => set.is_empty(),
            ConfigRule::ConflictsWith(_) => set.len() > 1,
            ConfigRule::RequiredTogether(_) => !set.is_empty() && set.len() < all,
        };
        if !broken {
            return;
        }
        let full = |name: &str| path.clone().attr(name);
        let names: Vec<String> = self.names().iter().map(|n| full(n).to_string()).collect();
        let got = if set.is_empty() {
            "none".to_string()
        } else {
            let list = set
                .iter()
                .map(|n| format!("`{}`", full(n)))
                .collect::<Vec<_>>()
                .join(", ");
            match self {
                ConfigRule::RequiredTogether(_) => format!("only {list}"),
                _ => list,
            }
        };
        // On a configured attribute when there is one, so Terraform shows its line.
        let at = set.first().copied().unwrap_or(self.names()[0]);
        diags.attr_error(
            full(at),
            "Invalid Attribute Combination",
            match reason {
                Some(why) => format!("{}; got {got}. {why}", self.requirement(&names)),
                None => format!("{}; got {got}.", self.requirement(&names)),
            },
        );
    }
}

/// Whether a named attribute or nested block of a configuration is set.
enum Presence {
    Set,
    Unset,
    Unknown,
}

/// `None` when `name` is neither an attribute nor a nested block of `block`.
fn presence(block: &Block, config: &Value, name: &str) -> Option<Presence> {
    let repeated = if block.get(name).is_some() {
        false
    } else {
        let nested = block.blocks.iter().find(|b| b.name == name)?;
        nested.nesting != Nesting::Single
    };
    let v = config.get(name);
    Some(if v.is_unknown() {
        Presence::Unknown
    } else if v.is_null() || (repeated && v.elements().is_empty()) {
        Presence::Unset
    } else {
        Presence::Set
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Attribute, NestedBlock};

    fn key_block() -> Block {
        Block::new("credentials")
            .attribute(Attribute::string("private_key").optional())
            .attribute(Attribute::string("private_key_wo").optional().write_only())
            .attribute(Attribute::bool("mint_key").optional())
            .exactly_one_of(&["private_key", "private_key_wo", "mint_key"])
    }

    #[test]
    fn a_reason_follows_the_requirement() {
        let block = Block::new("credentials")
            .attribute(Attribute::string("public_key").optional())
            .attribute(Attribute::bool("mint_key").optional())
            .conflicts_with(&["public_key", "mint_key"])
            .because("The provider uses the public key of the key it mints.");
        let config = Value::object()
            .with("public_key", Value::string("p"))
            .with("mint_key", Value::Bool(true));
        let (path, detail) = only_detail(&check(&block, &config));
        assert_eq!(path, "public_key");
        assert_eq!(
            detail,
            "At most one of `public_key`, `mint_key` may be set; got `public_key`, `mint_key`. \
             The provider uses the public key of the key it mints."
        );
    }

    fn check(block: &Block, config: &Value) -> Diagnostics {
        let mut d = Diagnostics::new();
        block.validate(config, &AttrPath::default(), &mut d);
        d
    }

    fn only_detail(d: &Diagnostics) -> (String, String) {
        assert_eq!(d.0.len(), 1, "{d:?}");
        let diag = &d.0[0];
        assert_eq!(diag.summary, "Invalid Attribute Combination");
        let path = diag.path.as_ref().expect("an attribute path").to_string();
        (path, diag.detail.clone())
    }

    #[test]
    fn exactly_one_of_accepts_one_and_names_all_when_none_or_two() {
        let one = Value::object().with("mint_key", Value::Bool(true));
        assert!(check(&key_block(), &one).is_empty());

        let (path, detail) = only_detail(&check(&key_block(), &Value::object()));
        assert_eq!(path, "private_key");
        assert_eq!(
            detail,
            "Exactly one of `private_key`, `private_key_wo`, `mint_key` must be set; got none."
        );

        let two = one.with("private_key_wo", Value::string("k"));
        let (path, detail) = only_detail(&check(&key_block(), &two));
        assert_eq!(path, "private_key_wo");
        assert!(
            detail.ends_with("got `private_key_wo`, `mint_key`."),
            "{detail}"
        );
    }

    #[test]
    fn at_least_one_of_wants_any() {
        let block = Block::new("")
            .attribute(Attribute::string("a").optional())
            .attribute(Attribute::string("b").optional())
            .at_least_one_of(&["a", "b"]);
        let both = Value::object()
            .with("a", Value::string("x"))
            .with("b", Value::string("y"));
        assert!(check(&block, &both).is_empty());
        let (path, detail) = only_detail(&check(&block, &Value::object()));
        assert_eq!(path, "a");
        assert_eq!(detail, "At least one of `a`, `b` must be set; got none.");
    }

    #[test]
    fn conflicts_with_allows_one_and_points_at_a_configured_one() {
        let block = Block::new("")
            .attribute(Attribute::string("a").optional())
            .attribute(Attribute::string("b").optional())
            .attribute(Attribute::string("c").optional())
            .conflicts_with(&["a", "b", "c"]);
        assert!(check(&block, &Value::object()).is_empty());
        assert!(check(&block, &Value::object().with("c", Value::string("z"))).is_empty());
        let two = Value::object()
            .with("b", Value::string("y"))
            .with("c", Value::string("z"));
        let (path, detail) = only_detail(&check(&block, &two));
        assert_eq!(path, "b");
        assert_eq!(
            detail,
            "At most one of `a`, `b`, `c` may be set; got `b`, `c`."
        );
    }

    #[test]
    fn required_together_wants_all_or_none() {
        let block = Block::new("")
            .attribute(Attribute::string("user").optional())
            .attribute(Attribute::string("password").optional().sensitive())
            .required_together(&["user", "password"]);
        assert!(check(&block, &Value::object()).is_empty());
        let both = Value::object()
            .with("user", Value::string("u"))
            .with("password", Value::string("p"));
        assert!(check(&block, &both).is_empty());
        let half = Value::object().with("password", Value::string("p"));
        let (path, detail) = only_detail(&check(&block, &half));
        assert_eq!(path, "password");
        assert_eq!(
            detail,
            "All or none of `user`, `password` must be set; got only `password`."
        );
    }

    #[test]
    fn rules_wait_while_a_value_is_unknown() {
        let unknown = Value::object().with("private_key", Value::Unknown);
        assert!(check(&key_block(), &unknown).is_empty());
        let with_other = unknown.with("mint_key", Value::Bool(true));
        assert!(check(&key_block(), &with_other).is_empty());
    }

    #[test]
    fn nested_blocks_count_when_present_and_not_empty() {
        let inner = Block::new("").attribute(Attribute::string("x").optional());
        let block = Block::new("")
            .attribute(Attribute::string("token").optional())
            .block(NestedBlock {
                name: "login".into(),
                block: inner,
                nesting: Nesting::List,
                min_items: 0,
                max_items: 1,
                requires_replace: false,
            })
            .exactly_one_of(&["token", "login"]);
        let empty_list = Value::object().with("login", Value::List(Vec::new()));
        let (_, detail) = only_detail(&check(&block, &empty_list));
        assert!(detail.ends_with("got none."), "{detail}");
        let one = Value::object().with("login", Value::List(vec![Value::object()]));
        assert!(check(&block, &one).is_empty());
        let both = one.with("token", Value::string("t"));
        assert_eq!(only_detail(&check(&block, &both)).0, "token");
        let unknown = Value::object().with("login", Value::Unknown);
        assert!(check(&block, &unknown).is_empty());
    }

    #[test]
    fn rules_of_a_nested_block_are_checked_in_each_element_with_full_paths() {
        let inner = Block::new("")
            .attribute(Attribute::string("a").optional())
            .attribute(Attribute::string("b").optional())
            .conflicts_with(&["a", "b"]);
        let single = Block::new("").block(inner.clone().into_single("one"));
        let config = Value::object().with(
            "one",
            Value::object()
                .with("a", Value::string("x"))
                .with("b", Value::string("y")),
        );
        let (path, detail) = only_detail(&check(&single, &config));
        assert_eq!(path, "one.a");
        assert_eq!(
            detail,
            "At most one of `one.a`, `one.b` may be set; got `one.a`, `one.b`."
        );
        assert!(
            check(&single, &Value::object()).is_empty(),
            "an absent block is not checked"
        );

        let list = Block::new("").block(NestedBlock {
            nesting: Nesting::List,
            ..inner.into_single("many")
        });
        let config = Value::object().with(
            "many",
            Value::List(vec![
                Value::object().with("a", Value::string("x")),
                Value::object()
                    .with("a", Value::string("x"))
                    .with("b", Value::string("y")),
            ]),
        );
        assert_eq!(only_detail(&check(&list, &config)).0, "many[1].a");
    }

    #[test]
    fn a_rule_naming_nothing_in_the_block_is_a_provider_bug() {
        let block = Block::new("")
            .attribute(Attribute::string("a").optional())
            .at_least_one_of(&["a", "typo"]);
        let d = check(&block, &Value::object());
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].summary, "Invalid Provider Schema");
        assert!(d.0[0].detail.contains("`typo`"));
    }

    #[test]
    fn rules_describe_themselves_for_the_docs() {
        assert_eq!(
            key_block().rules[0].describe(),
            "Exactly one of `private_key`, `private_key_wo`, `mint_key` must be set."
        );
        assert_eq!(
            ConfigRule::RequiredTogether(&["a", "b"]).describe(),
            "All or none of `a`, `b` must be set."
        );
        assert_eq!(
            ConfigRule::ConflictsWith(&["a", "b"]).describe(),
            "At most one of `a`, `b` may be set."
        );
        assert_eq!(
            ConfigRule::AtLeastOneOf(&["a", "b"]).describe(),
            "At least one of `a`, `b` must be set."
        );
    }
}
