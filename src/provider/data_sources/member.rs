//! Data source `connectwise_member`: one member (full or API member), by identifier or id.

use async_trait::async_trait;

use crate::provider::config::Handle;
use crate::provider::diag::client_error;
use api_client::Member;
use tfplugin::{AttrPath, Attribute, Block, DataSource, Diagnostics, Schema, Value};

pub struct MemberDataSource {
    handle: Handle,
}

impl MemberDataSource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

fn member_value(m: &Member) -> Value {
    let name = m.name.clone().filter(|n| !n.is_empty()).or_else(|| {
        let parts: Vec<&str> = [m.first_name.as_deref(), m.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let reference_name = |r: &Option<api_client::Reference>| {
        Value::opt_string(r.as_ref().and_then(|r| r.name.clone()))
    };
    Value::object()
        .with("id", Value::string(m.id.to_string()))
        .with("identifier", Value::string(&m.identifier))
        .with("name", Value::opt_string(name))
        .with("first_name", Value::opt_string(m.first_name.clone()))
        .with("last_name", Value::opt_string(m.last_name.clone()))
        .with("license_class", Value::opt_string(m.license_class.clone()))
        .with("inactive", Value::Bool(m.inactive_flag.unwrap_or(false)))
        .with(
            "security_role_id",
            Value::opt_string(
                m.security_role
                    .as_ref()
                    .and_then(|r| r.id)
                    .map(|i| i.to_string()),
            ),
        )
        .with("security_role", reference_name(&m.security_role))
        .with("structure_level", reference_name(&m.structure_level))
}

#[async_trait]
impl DataSource for MemberDataSource {
    fn name(&self) -> &'static str {
        "member"
    }

    fn schema(&self) -> Schema {
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
                    .description("The member's record id. Give either `id` or `identifier`."),
            )
            .attribute(Attribute::string("identifier").optional().computed().description(
                "The member identifier (\"Member ID\"); matched case-insensitively. Give either \
                 `id` or `identifier`.",
            ))
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
            ),
        )
    }

    fn doc_sections(&self) -> &'static str {
        "## REST calls\n\n\
         In ConnectWise's published API specification:\n\n\
         | Lookup | Call |\n|---|---|\n\
         | by `id` | `GET /system/members/{id}` |\n\
         | by `identifier` | `GET /system/members?conditions=identifier=\"...\"` |\n"
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let id = config.get("id");
        let identifier = config.get("identifier");
        if id.is_unknown() || identifier.is_unknown() {
            return;
        }
        if id.is_null() == identifier.is_null() {
            diags.attr_error(
                AttrPath::root("identifier"),
                "Invalid Attribute Combination",
                "Exactly one of `id` or `identifier` must be set.",
            );
        }
    }

    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(cw) = self.handle.connectwise(diags) else {
            return Value::Null;
        };
        let (attr, given, found) = if let Some(id) = config.get("id").as_str() {
            let Ok(n) = id.trim().parse::<i32>() else {
                diags.attr_error(
                    AttrPath::root("id"),
                    "Invalid id",
                    format!("{id:?} is not a numeric member id."),
                );
                return Value::Null;
            };
            let found = match cw.members().get(n).await {
                Ok(m) => Ok(Some(m)),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            };
            ("id", id.to_string(), found)
        } else {
            let identifier = config.get("identifier").as_str().unwrap_or_default();
            (
                "identifier",
                identifier.to_string(),
                cw.members().find_by_identifier(identifier).await,
            )
        };
        match found {
            Ok(Some(m)) => member_value(&m),
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
