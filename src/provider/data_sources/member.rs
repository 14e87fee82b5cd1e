//! Data source `connectwise_member`: one member (full or API member), by identifier or id.

use async_trait::async_trait;

use crate::provider::common::ids::{parse_record_id, record_id};
use crate::provider::common::members::get_member;
use crate::provider::config::Handle;
use crate::provider::diag::client_error;
use api_client::{Member, Reference};
use tfplugin::{
    AttrPath, Attribute, Block, DataSource, Diagnostics, Model, Schema, Val, Validator, Value,
};

pub struct MemberDataSource {
    handle: Handle,
}

impl MemberDataSource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

/// The data source's attributes: `id` or `identifier` given, the rest read.
#[derive(Model, Clone, Debug, Default, PartialEq)]
struct MemberData {
    id: Val<String>,
    identifier: Val<String>,
    name: Val<String>,
    first_name: Val<String>,
    last_name: Val<String>,
    license_class: Val<String>,
    inactive: Val<bool>,
    security_role_id: Val<String>,
    security_role: Val<String>,
    structure_level: Val<String>,
}

impl MemberData {
    /// The member as ConnectWise returned it.
    fn from_member(m: &Member) -> MemberData {
        let name = m.name.clone().filter(|n| !n.is_empty()).or_else(|| {
            let parts: Vec<&str> = [m.first_name.as_deref(), m.last_name.as_deref()]
                .into_iter()
                .flatten()
                .filter(|p| !p.is_empty())
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        let reference_name = |r: &Option<Reference>| r.as_ref().and_then(|r| r.name.clone()).into();
        MemberData {
            id: Val::Known(m.id.to_string()),
            identifier: Val::Known(m.identifier.clone()),
            name: name.into(),
            first_name: m.first_name.clone().into(),
            last_name: m.last_name.clone().into(),
            license_class: m.license_class.clone().into(),
            inactive: Val::Known(m.inactive_flag.unwrap_or(false)),
            security_role_id: m
                .security_role
                .as_ref()
                .and_then(|r| r.id)
                .map(|i| i.to_string())
                .into(),
            security_role: reference_name(&m.security_role),
            structure_level: reference_name(&m.structure_level),
        }
    }
}

fn member_schema() -> Schema {
    Schema::new(
        Block::new(
            "Looks up a ConnectWise member of any license class (full members and API \
             members alike) by `identifier` or by `id`, e.g. to find the id of an API member \
             made by hand before creating its `connectwise_api_key`.",
        )
        .attribute(
            Attribute::string("id")
                .optional()
                .computed()
                .validate(Validator::Custom(record_id))
                .description("The member's record id. Give either `id` or `identifier`."),
        )
        .attribute(
            Attribute::string("identifier")
                .optional()
                .computed()
                .validate(Validator::NotBlank)
                .description(
            "The member identifier (\"Member ID\"); matched case-insensitively. Give either \
                 `id` or `identifier`.",
                ),
        )
        .attribute(
            Attribute::string("name")
                .computed()
                .description("The member's name (an API member's name, or first and last name)."),
        )
        .attribute(
            Attribute::string("first_name")
                .computed()
                .description("The first name."),
        )
        .attribute(
            Attribute::string("last_name")
                .computed()
                .description("The last name (none for API members)."),
        )
        .attribute(Attribute::string("license_class").computed().description(
            "The license class: `F` full member, `A` API member, `C` StreamlineIT member, \
             `X` subcontractor.",
        ))
        .attribute(
            Attribute::bool("inactive")
                .computed()
                .description("Whether the member is inactive."),
        )
        .attribute(
            Attribute::string("security_role_id")
                .computed()
                .description("The record id of the member's security role."),
        )
        .attribute(
            Attribute::string("security_role")
                .computed()
                .description("The name of the member's security role (\"Role ID\")."),
        )
        .attribute(
            Attribute::string("structure_level")
                .computed()
                .description("The name of the member's corporate structure level."),
        )
        .exactly_one_of(&["identifier", "id"]),
    )
}

#[async_trait]
impl DataSource for MemberDataSource {
    fn name(&self) -> &'static str {
        "member"
    }

    fn schema(&self) -> Schema {
        member_schema()
    }

    fn doc_sections(&self) -> &'static str {
        "## REST calls\n\n\
         In ConnectWise's published API specification:\n\n\
         | Lookup | Call |\n|---|---|\n\
         | by `id` | `GET /system/members/{id}` |\n\
         | by `identifier` | `GET /system/members?conditions=identifier=\"...\"` |\n"
    }

    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(cw) = self.handle.connectwise(diags) else {
            return Value::Null;
        };
        let Some(config) = MemberData::decode_into(config, diags) else {
            return Value::Null;
        };
        let (attr, given, found) = if let Some(id) = config.id.as_str() {
            let Some(n) = parse_record_id(id) else {
                diags.attr_error(
                    AttrPath::root("id"),
                    "Invalid id",
                    format!("{id:?} is not a numeric member id."),
                );
                return Value::Null;
            };
            ("id", id, get_member(&cw, n).await)
        } else {
            let identifier = config.identifier.as_str().unwrap_or_default();
            (
                "identifier",
                identifier,
                cw.members().find_by_identifier(identifier).await,
            )
        };
        match found {
            Ok(Some(m)) => MemberData::from_member(&m).encode(),
            Ok(None) => {
                diags.attr_error(
                    AttrPath::root(attr),
                    "Member not found",
                    format!("No ConnectWise member has the {attr} {given:?}."),
                );
                Value::Null
            }
            Err(e) => {
                client_error(diags, "look up the member", &e);
                Value::Null
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_model_matches_the_schema() {
        assert_eq!(check_model::<MemberData>(&member_schema().block), Ok(()));
    }
}
