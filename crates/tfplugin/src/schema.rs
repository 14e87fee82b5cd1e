//! Schemas with the plan behaviour the HashiCorp framework gives attributes:
//! defaults, RequiresReplace, UseStateForUnknown and validators, plus the
//! framework's resource-level config validators ([`ConfigRule`]).

use std::collections::BTreeMap;

use super::diag::{AttrPath, Diagnostics};
use super::framework::Private;
use super::value::{Type, Value};

pub use super::rules::ConfigRule;

/// A check on a known, non-null attribute value; errors name the attribute.
#[derive(Clone)]
pub enum Validator {
    /// String length in characters, inclusive.
    Length { min: usize, max: usize },
    /// The string must be one of these (case-sensitive).
    OneOf(&'static [&'static str]),
    /// Integer range, inclusive.
    Range { min: i64, max: i64 },
    /// The string must contain something other than whitespace (`""` and `"  "` fail).
    NotBlank,
    /// Any other rule: returns the problem, if any.
    Custom(fn(&Value) -> Result<(), String>),
    /// Applies the inner validator to every element of a set or list.
    Each(Box<Validator>),
}

impl Validator {
    pub(crate) fn check(&self, value: &Value, path: &AttrPath, diags: &mut Diagnostics) {
        if !value.is_wholly_known() || value.is_null() {
            return;
        }
        match self {
            Validator::Length { min, max } => {
                if let Some(s) = value.as_str() {
                    let n = s.chars().count();
                    if n < *min || n > *max {
                        let detail = if *min == *max {
                            format!(
                                "Attribute {path} must be exactly {min} characters long, got {n}."
                            )
                        } else if *min == 0 {
                            format!(
                                "Attribute {path} must be at most {max} characters long, got {n}."
                            )
                        } else {
                            format!(
                                "Attribute {path} must be between {min} and {max} characters long, got {n}."
                            )
                        };
                        diags.attr_error(path.clone(), "Invalid Attribute Value Length", detail);
                    }
                }
            }
            Validator::OneOf(allowed) => {
                if let Some(s) = value.as_str()
                    && !allowed.contains(&s)
                {
                    let hint = allowed
                        .iter()
                        .find(|a| a.eq_ignore_ascii_case(s))
                        .map(|a| format!(" Did you mean {a:?}? Values are case-sensitive."))
                        .unwrap_or_default();
                    diags.attr_error(
                        path.clone(),
                        "Invalid Attribute Value Match",
                        format!(
                            "Attribute {path} value must be one of: {}; got {s:?}.{hint}",
                            allowed
                                .iter()
                                .map(|a| format!("{a:?}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
            Validator::Range { min, max } => {
                if let Some(i) = value.as_i64()
                    && (i < *min || i > *max)
                {
                    diags.attr_error(
                        path.clone(),
                        "Invalid Attribute Value",
                        format!("Attribute {path} must be between {min} and {max}, got {i}."),
                    );
                }
            }
            Validator::NotBlank => {
                if let Some(s) = value.as_str()
                    && s.trim().is_empty()
                {
                    diags.attr_error(
                        path.clone(),
                        "Invalid Attribute Value",
                        format!(
                            "Attribute {path} must not be empty or only blanks, got {s:?}: give \
                             a value with at least one visible character."
                        ),
                    );
                }
            }
            Validator::Custom(f) => {
                if let Err(problem) = f(value) {
                    diags.attr_error(
                        path.clone(),
                        "Invalid Attribute Value",
                        format!("Attribute {path}: {problem}"),
                    );
                }
            }
            Validator::Each(inner) => {
                for (i, elem) in value.elements().iter().enumerate() {
                    let elem_path = match elem.as_str() {
                        Some(s) => path.clone().key(s),
                        None => path.clone().index(i as i64),
                    };
                    inner.check(elem, &elem_path, diags);
                }
            }
        }
    }

    /// One line for documentation, e.g. "Must be one of `None`, `My`, `All`."
    pub fn describe(&self) -> Option<String> {
        match self {
            Validator::Length { min, max } if *min == 0 => {
                Some(format!("At most {max} characters."))
            }
            Validator::Length { min, max } => Some(format!("Between {min} and {max} characters.")),
            Validator::OneOf(allowed) => Some(format!(
                "One of {}.",
                allowed
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Validator::Range { min, max } => Some(format!("Between {min} and {max}.")),
            Validator::NotBlank => Some("Must not be blank.".to_string()),
            Validator::Each(inner) => inner.describe().map(|d| format!("Each element: {d}")),
            Validator::Custom(_) => None,
        }
    }
}

/// One attribute of a block.
#[derive(Clone)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    pub write_only: bool,
    pub deprecated: bool,
    /// A change to this attribute replaces the object (framework RequiresReplace).
    pub requires_replace: bool,
    /// A change to this attribute replaces the object when one of these says
    /// so (framework RequiresReplaceIf).
    pub requires_replace_if: Vec<ReplaceIf>,
    /// Keep the prior value instead of "known after apply" (framework UseStateForUnknown).
    pub use_state_for_unknown: bool,
    /// Value planned when the configuration leaves the attribute null.
    pub default: Option<Value>,
    pub validators: Vec<Validator>,
}

impl Attribute {
    fn new(name: &str, ty: Type) -> Attribute {
        Attribute {
            name: name.to_string(),
            ty,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: false,
            requires_replace: false,
            requires_replace_if: Vec::new(),
            use_state_for_unknown: false,
            default: None,
            validators: Vec::new(),
        }
    }
    pub fn string(name: &str) -> Attribute {
        Attribute::new(name, Type::String)
    }
    pub fn number(name: &str) -> Attribute {
        Attribute::new(name, Type::Number)
    }
    pub fn bool(name: &str) -> Attribute {
        Attribute::new(name, Type::Bool)
    }
    pub fn of_type(name: &str, ty: Type) -> Attribute {
        Attribute::new(name, ty)
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }
    /// Replaces the object when `check` says a change needs it; `description`
    /// says when, for the docs. Consulted only when the object exists and the
    /// planned value differs from the prior one.
    pub fn requires_replace_if(
        mut self,
        check: fn(&ReplaceIfRequest) -> bool,
        description: &str,
    ) -> Self {
        self.requires_replace_if.push(ReplaceIf {
            check,
            description: description.to_string(),
        });
        self
    }
    pub fn use_state_for_unknown(mut self) -> Self {
        self.use_state_for_unknown = true;
        self
    }
    /// Optional + computed with this default.
    pub fn default(mut self, value: Value) -> Self {
        self.optional = true;
        self.computed = true;
        self.default = Some(value);
        self
    }
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }
    pub fn validate(mut self, v: Validator) -> Self {
        self.validators.push(v);
        self
    }
}

/// A conditional RequiresReplace on one attribute (see [`Attribute::requires_replace_if`]).
#[derive(Clone)]
pub struct ReplaceIf {
    /// True when the change in the request needs a new object.
    pub check: fn(&ReplaceIfRequest) -> bool,
    /// When the object is replaced, for the docs, e.g. "Lowering it replaces the object."
    pub description: String,
}

/// What a [`ReplaceIf`] check sees: the attribute's values and the whole objects.
/// The object exists (`prior_object` is not null) and `planned` differs from `prior`.
pub struct ReplaceIfRequest<'a> {
    /// The attribute in the configuration.
    pub config: &'a Value,
    /// The attribute in the prior state.
    pub prior: &'a Value,
    /// The attribute in the plan; unknown when the configuration refers to a
    /// value not known yet.
    pub planned: &'a Value,
    /// The whole configuration.
    pub config_object: &'a Value,
    /// The whole prior state.
    pub prior_object: &'a Value,
    /// The whole plan so far: defaults applied and write-only attributes null;
    /// computed attributes are not yet marked unknown.
    pub planned_object: &'a Value,
    /// The provider's private data kept beside the prior state.
    pub prior_private: &'a Private,
}

/// How a nested block repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
}

/// A nested block such as `umbrella { ... }`.
#[derive(Clone)]
pub struct NestedBlock {
    pub name: String,
    pub block: Block,
    pub nesting: Nesting,
    pub min_items: i64,
    pub max_items: i64,
    pub requires_replace: bool,
}

/// A block: attributes plus nested blocks.
#[derive(Clone, Default)]
pub struct Block {
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub deprecated: bool,
    /// Rules across this block's attributes and nested blocks, checked by [`Block::validate`].
    pub rules: Vec<ConfigRule>,
    /// Why a rule exists, by its index in `rules` (see [`Block::because`]).
    pub rule_reasons: BTreeMap<usize, &'static str>,
}

impl Block {
    pub fn new(description: &str) -> Block {
        Block {
            description: description.to_string(),
            ..Block::default()
        }
    }
    pub fn attribute(mut self, a: Attribute) -> Self {
        self.attributes.push(a);
        self
    }
    pub fn block(mut self, b: NestedBlock) -> Self {
        self.blocks.push(b);
        self
    }
    /// Adds a rule across attributes or nested blocks of this block.
    pub fn rule(mut self, rule: ConfigRule) -> Self {
        self.rules.push(rule);
        self
    }
    /// Explains the rule added last: appended to its error, so the user learns why and what to do.
    pub fn because(mut self, why: &'static str) -> Self {
        if let Some(last) = self.rules.len().checked_sub(1) {
            self.rule_reasons.insert(last, why);
        }
        self
    }
    /// Exactly one of these attributes or nested blocks must be set.
    pub fn exactly_one_of(self, names: &'static [&'static str]) -> Self {
        self.rule(ConfigRule::ExactlyOneOf(names))
    }
    /// At least one of these attributes or nested blocks must be set.
    pub fn at_least_one_of(self, names: &'static [&'static str]) -> Self {
        self.rule(ConfigRule::AtLeastOneOf(names))
    }
    /// At most one of these attributes or nested blocks may be set.
    pub fn conflicts_with(self, names: &'static [&'static str]) -> Self {
        self.rule(ConfigRule::ConflictsWith(names))
    }
    /// These attributes or nested blocks are set all together or not at all.
    pub fn required_together(self, names: &'static [&'static str]) -> Self {
        self.rule(ConfigRule::RequiredTogether(names))
    }
    /// A nested block of this one, as a `Single` block (at most one).
    pub fn into_single(self, name: &str) -> NestedBlock {
        NestedBlock {
            name: name.to_string(),
            block: self,
            nesting: Nesting::Single,
            min_items: 0,
            max_items: 0,
            requires_replace: false,
        }
    }
    /// The object type of this block's values.
    pub fn ty(&self) -> Type {
        let mut fields: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.ty.clone()))
            .collect();
        for b in &self.blocks {
            let inner = b.block.ty();
            let t = match b.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::list(inner),
                Nesting::Set => Type::set(inner),
            };
            fields.insert(b.name.clone(), t);
        }
        Type::Object(fields)
    }
    pub fn get(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Runs the attribute validators and the block's rules on a configuration
    /// value, then does the same in every nested block.
    pub fn validate(&self, config: &Value, path: &AttrPath, diags: &mut Diagnostics) {
        for (i, rule) in self.rules.iter().enumerate() {
            let reason = self.rule_reasons.get(&i).copied();
            rule.check(self, config, path, reason, diags);
        }
        for a in &self.attributes {
            let v = config.get(&a.name);
            let p = path_join(path, &a.name);
            // One problem per attribute: `""` fails `Length { min: 1 }` and need not also
            // fail `NotBlank`.
            for val in &a.validators {
                let before = diags.0.len();
                val.check(v, &p, diags);
                if diags.0.len() > before {
                    break;
                }
            }
        }
        for b in &self.blocks {
            let v = config.get(&b.name);
            let p = path_join(path, &b.name);
            match b.nesting {
                Nesting::Single => {
                    if !v.is_null() && !v.is_unknown() {
                        b.block.validate(v, &p, diags);
                    }
                }
                Nesting::List | Nesting::Set => {
                    for (i, item) in v.elements().iter().enumerate() {
                        b.block.validate(item, &p.clone().index(i as i64), diags);
                    }
                }
            }
        }
    }
}

fn path_join(base: &AttrPath, name: &str) -> AttrPath {
    base.clone().attr(name)
}

/// A versioned schema of a provider, resource or data source.
#[derive(Clone, Default)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(block: Block) -> Schema {
        Schema { version: 0, block }
    }
    pub fn ty(&self) -> Type {
        self.block.ty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_block() -> Block {
        Block::new("").attribute(
            Attribute::string("name")
                .required()
                .validate(Validator::Length { min: 1, max: 30 })
                .validate(Validator::NotBlank),
        )
    }

    fn problems(config: Value) -> Vec<String> {
        let mut diags = Diagnostics::new();
        name_block().validate(&config, &AttrPath::default(), &mut diags);
        diags.0.iter().map(|d| d.detail.clone()).collect()
    }

    #[test]
    fn blank_strings_fail_not_blank_with_the_attribute_named() {
        for blank in [" ", "\t\n", "   "] {
            let found = problems(Value::object().with("name", Value::string(blank)));
            assert_eq!(found.len(), 1, "{blank:?}: {found:?}");
            assert!(
                found[0].contains("name") && found[0].contains("only blanks"),
                "{found:?}"
            );
        }
        assert!(problems(Value::object().with("name", Value::string(" x "))).is_empty());
        assert!(problems(Value::object().with("name", Value::Unknown)).is_empty());
        assert!(problems(Value::object().with("name", Value::Null)).is_empty());
    }

    #[test]
    fn one_problem_per_attribute_the_first_validator_wins() {
        let found = problems(Value::object().with("name", Value::string("")));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("got 0"), "{found:?}");
    }

    #[test]
    fn not_blank_is_described_for_the_docs() {
        assert_eq!(
            Validator::NotBlank.describe().as_deref(),
            Some("Must not be blank.")
        );
    }
}
