//! Resource identity (protocol 6.9, Terraform 1.12 and later): a small object that names one
//! remote object for good, e.g. `{member_id, key_id}` for an API key. Terraform stores it beside
//! the state and can import by it (`import { identity = {...} }`) instead of a string id.
//!
//! A resource declares its identity once ([`crate::Resource::identity`]); the server then
//! derives the identity from every known state it answers with, so resources never build
//! identities themselves. Each attribute is read from the state attribute of the same name
//! unless [`IdentityAttribute::from_state`] says otherwise, and an identity turns back into
//! the resource's import id through a format such as `"{member_id}/{key_id}"`.

use std::collections::BTreeMap;

use super::diag::{AttrPath, Diagnostics};
use super::schema::{Block, Validator};
use super::value::{Number, Type, Value};

/// The identity schema version every identity has (Terraform compares identities of one
/// version only). A change to an identity's attributes needs a new version and an upgrade in
/// `UpgradeResourceIdentity`.
pub const IDENTITY_VERSION: i64 = 0;

/// One attribute of an identity.
#[derive(Clone)]
pub struct IdentityAttribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    /// Must be given to import by identity; otherwise the provider can find it itself
    /// (Terraform's `optional_for_import`).
    pub required_for_import: bool,
    /// The state attribute the value is read from.
    pub state_attribute: String,
    /// Checks of a value given to import by identity; errors name the attribute.
    pub validators: Vec<Validator>,
}

impl IdentityAttribute {
    fn new(name: &str, ty: Type) -> IdentityAttribute {
        IdentityAttribute {
            name: name.to_string(),
            ty,
            description: String::new(),
            required_for_import: true,
            state_attribute: name.to_string(),
            validators: Vec::new(),
        }
    }
    pub fn string(name: &str) -> IdentityAttribute {
        IdentityAttribute::new(name, Type::String)
    }
    pub fn number(name: &str) -> IdentityAttribute {
        IdentityAttribute::new(name, Type::Number)
    }
    /// Attributes are required for import unless this is called.
    pub fn optional_for_import(mut self) -> Self {
        self.required_for_import = false;
        self
    }
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }
    /// Reads the value from another state attribute than the one of the same name.
    pub fn from_state(mut self, state_attribute: &str) -> Self {
        self.state_attribute = state_attribute.to_string();
        self
    }
    pub fn validate(mut self, v: Validator) -> Self {
        self.validators.push(v);
        self
    }
}

/// A resource's identity: its attributes and how an identity becomes the resource's import id.
#[derive(Clone)]
pub struct Identity {
    pub attributes: Vec<IdentityAttribute>,
    /// The import id of an identity: `{name}` stands for the attribute `name`, e.g.
    /// `"{member_id}/{key_id}"`.
    pub import_id_format: &'static str,
}

impl Identity {
    /// An identity without attributes yet whose import id is `import_id_format`.
    pub fn new(import_id_format: &'static str) -> Identity {
        Identity {
            attributes: Vec::new(),
            import_id_format,
        }
    }
    pub fn attribute(mut self, a: IdentityAttribute) -> Self {
        self.attributes.push(a);
        self
    }

    /// The object type of identity values.
    pub fn ty(&self) -> Type {
        Type::Object(
            self.attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    /// The identity of the object `state` describes, when the state says enough: `None` for a
    /// null state, and for one whose identity attributes are not all known yet or leave a
    /// required one null (a create's plan, a failed create). Terraform rejects identities with
    /// unknown values and must never see one change for the same object, so it is all or
    /// nothing.
    pub fn from_state(&self, state: &Value) -> Option<Value> {
        if state.is_null() || state.is_unknown() {
            return None;
        }
        let mut identity = Value::object();
        for a in &self.attributes {
            let v = state.get(&a.state_attribute);
            if !v.is_wholly_known() || (a.required_for_import && v.is_null()) {
                return None;
            }
            identity.set(&a.name, v.clone());
        }
        Some(identity)
    }

    /// Checks an identity given to import by: every required attribute is set and known, and
    /// the attributes' validators pass. Errors name the attribute.
    pub fn check(&self, identity: &Value, diags: &mut Diagnostics) {
        for a in &self.attributes {
            let v = identity.get(&a.name);
            let path = AttrPath::root(&a.name);
            if v.is_unknown() {
                diags.attr_error(
                    path,
                    "Unknown identity attribute",
                    format!(
                        "The identity attribute {:?} is not known yet; import needs values \
                         known at plan time.",
                        a.name
                    ),
                );
            } else if v.is_null() && a.required_for_import {
                diags.attr_error(
                    path,
                    "Missing identity attribute",
                    format!(
                        "The identity attribute {:?} is required to import by identity: give \
                         all of {}.",
                        a.name,
                        self.required_names()
                    ),
                );
            } else {
                for validator in &a.validators {
                    let before = diags.0.len();
                    validator.check(v, &path, diags);
                    if diags.0.len() > before {
                        break;
                    }
                }
            }
        }
    }

    /// The import id of a checked identity (see [`Identity::import_id_format`]): strings as
    /// they are, numbers in decimal, null as nothing.
    pub fn import_id(&self, identity: &Value) -> String {
        let mut id = self.import_id_format.to_string();
        for a in &self.attributes {
            let text = match identity.get(&a.name) {
                Value::String(s) => s.clone(),
                Value::Number(Number::Int(i)) => i.to_string(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            id = id.replace(&format!("{{{}}}", a.name), &text);
        }
        id
    }

    /// An identity as Terraform's configuration writes it, for messages:
    /// `{member_id = "150", key_id = "7"}`.
    pub fn show(&self, identity: &Value) -> String {
        let parts: Vec<String> = self
            .attributes
            .iter()
            .map(|a| {
                let v = match identity.get(&a.name) {
                    Value::String(s) => format!("{s:?}"),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Unknown => "(known after apply)".to_string(),
                    _ => "null".to_string(),
                };
                format!("{} = {v}", a.name)
            })
            .collect();
        format!("{{{}}}", parts.join(", "))
    }

    /// Whether every attribute reads a state attribute of `schema` of its own type, and the
    /// import id format names only identity attributes (for a test per resource, like
    /// [`crate::model::check_model`]).
    pub fn matches_schema(&self, schema: &Block) -> Result<(), String> {
        for a in &self.attributes {
            match schema.get(&a.state_attribute) {
                None => {
                    return Err(format!(
                        "identity attribute {:?} reads {:?}, which the schema does not have",
                        a.name, a.state_attribute
                    ));
                }
                Some(s) if s.ty != a.ty => {
                    return Err(format!(
                        "identity attribute {:?} is {:?} but state attribute {:?} is {:?}",
                        a.name, a.ty, s.name, s.ty
                    ));
                }
                Some(_) => {}
            }
        }
        let mut rest = self.import_id_format.to_string();
        for a in &self.attributes {
            rest = rest.replace(&format!("{{{}}}", a.name), "");
        }
        if rest.contains('{') {
            return Err(format!(
                "the import id format {:?} names something that is no identity attribute",
                self.import_id_format
            ));
        }
        Ok(())
    }

    fn required_names(&self) -> String {
        self.attributes
            .iter()
            .filter(|a| a.required_for_import)
            .map(|a| format!("{:?}", a.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_identity() -> Identity {
        Identity::new("{member_id}/{key_id}")
            .attribute(IdentityAttribute::string("member_id").validate(Validator::NotBlank))
            .attribute(IdentityAttribute::string("key_id").from_state("key_record"))
    }

    fn key_state(key: Value) -> Value {
        Value::object()
            .with("id", Value::string("150/7"))
            .with("member_id", Value::string("150"))
            .with("key_record", key)
            .with("description", Value::string("d"))
    }

    #[test]
    fn the_identity_comes_from_the_state_attributes() {
        let identity = key_identity()
            .from_state(&key_state(Value::string("7")))
            .unwrap();
        assert_eq!(
            identity,
            Value::object()
                .with("member_id", Value::string("150"))
                .with("key_id", Value::string("7"))
        );
        assert_eq!(key_identity().import_id(&identity), "150/7");
        assert_eq!(
            key_identity().show(&identity),
            r#"{member_id = "150", key_id = "7"}"#
        );
    }

    #[test]
    fn no_identity_until_the_state_knows_every_required_attribute() {
        let i = key_identity();
        assert_eq!(i.from_state(&key_state(Value::Unknown)), None);
        assert_eq!(i.from_state(&key_state(Value::Null)), None);
        assert_eq!(i.from_state(&Value::Null), None);
        let optional = Identity::new("{a}")
            .attribute(IdentityAttribute::string("a"))
            .attribute(IdentityAttribute::string("b").optional_for_import());
        let state = Value::object().with("a", Value::string("x"));
        assert_eq!(
            optional.from_state(&state),
            Some(
                Value::object()
                    .with("a", Value::string("x"))
                    .with("b", Value::Null)
            )
        );
    }

    #[test]
    fn checks_name_the_attribute() {
        let i = key_identity();
        let mut d = Diagnostics::new();
        i.check(
            &Value::object()
                .with("member_id", Value::string(" "))
                .with("key_id", Value::Null),
            &mut d,
        );
        let found: Vec<(String, String)> = d
            .iter()
            .map(|x| (x.path.as_ref().unwrap().to_string(), x.detail.clone()))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "member_id");
        assert!(found[0].1.contains("blanks"), "{found:?}");
        assert_eq!(found[1].0, "key_id");
        assert!(found[1].1.contains("\"key_id\" is required"), "{found:?}");

        let mut d = Diagnostics::new();
        i.check(
            &Value::object()
                .with("member_id", Value::Unknown)
                .with("key_id", Value::string("7")),
            &mut d,
        );
        assert_eq!(d.0[0].summary, "Unknown identity attribute");
    }

    #[test]
    fn an_identity_must_read_state_attributes_of_its_type() {
        use crate::schema::Attribute;
        let schema = Block::new("")
            .attribute(Attribute::string("member_id"))
            .attribute(Attribute::string("key_record"));
        assert_eq!(key_identity().matches_schema(&schema), Ok(()));
        let wrong_type =
            Identity::new("{member_id}").attribute(IdentityAttribute::number("member_id"));
        assert!(wrong_type.matches_schema(&schema).is_err());
        let missing = Identity::new("{id}").attribute(IdentityAttribute::string("id"));
        assert!(
            missing
                .matches_schema(&schema)
                .unwrap_err()
                .contains("\"id\"")
        );
        let bad_format =
            Identity::new("{member}").attribute(IdentityAttribute::string("member_id"));
        assert!(bad_format.matches_schema(&schema).is_err());
    }

    #[test]
    fn numbers_become_decimal_import_ids() {
        let i = Identity::new("{customer_id}").attribute(IdentityAttribute::number("customer_id"));
        let identity = Value::object().with("customer_id", Value::int(2_000_001));
        assert_eq!(i.import_id(&identity), "2000001");
        assert_eq!(i.show(&identity), "{customer_id = 2000001}");
        assert_eq!(
            i.ty(),
            Type::Object(BTreeMap::from([("customer_id".to_string(), Type::Number)]))
        );
    }
}
