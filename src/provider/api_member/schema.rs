//! The schema of `connectwise_api_member`.

use tfplugin::{Attribute, Block, Schema, Validator, Value};

use super::refs::{REFS, RefSpec};
use crate::provider::common::ids::{name_or_record_id, record_id};
use crate::provider::common::validators::email_address;

/// The most characters ConnectWise allows in an identifier ("Member ID").
pub const IDENTIFIER_MAX: usize = 15;
/// The most characters ConnectWise allows in an API member's name.
pub const NAME_MAX: usize = 30;

fn no_whitespace(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(s) if s.chars().any(char::is_whitespace) => {
            Err(format!("must not contain spaces, got {s:?}."))
        }
        _ => Ok(()),
    }
}

fn reference_attr(spec: &RefSpec, ui: &str, example: &str) -> [Attribute; 2] {
    [
        Attribute::string(spec.attr)
            .optional()
            .computed()
            .use_state_for_unknown()
            .validate(Validator::Length { min: 1, max: 100 })
            .validate(Validator::NotBlank)
            .validate(Validator::Custom(name_or_record_id))
            .description(&format!(
                "The member's {} (UI \"{ui}\", API field `{}`), by name (e.g. `{example}`, \
                 matched case-insensitively) or by numeric id. When omitted, the value of \
                 ConnectWise's API member template (`GET /system/apiMembers/default`) is used; \
                 removing the argument later keeps the current value.",
                spec.what, spec.field
            )),
        Attribute::number(spec.id_attr)
            .computed()
            .use_state_for_unknown()
            .description(&format!("The record id of `{}`.", spec.attr)),
    ]
}

pub(super) fn member_schema() -> Schema {
    let mut block = Block::new(
        "An API member of ConnectWise Manage (System > Members > API Members): the account an \
         integration such as the Umbrella PSA integration authenticates as, through the API keys \
         of `connectwise_api_key`. Changes are sent as a minimal JSON-Patch. ConnectWise has no \
         call to delete an API member, so destroying this resource **deactivates** the member; \
         creating a member whose identifier belongs to an inactive member reactivates and updates \
         that member (with a warning) instead of failing, so destroy-then-apply works.",
    )
    .attribute(
        Attribute::string("id")
            .computed()
            .use_state_for_unknown()
            .description("The member's record id (numeric, as a string)."),
    )
    .attribute(
        Attribute::string("identifier")
            .required()
            .requires_replace()
            .validate(Validator::Length {
                min: 1,
                max: IDENTIFIER_MAX,
            })
            .validate(Validator::Custom(no_whitespace))
            .description(
                "The member identifier (UI \"Member ID\"), e.g. `umbrella-psa`: no spaces, \
                 unique among all members. A new identifier means a new member; the old one is \
                 deactivated.",
            ),
    )
    .attribute(
        Attribute::string("name")
            .required()
            .validate(Validator::Length {
                min: 1,
                max: NAME_MAX,
            })
            .validate(Validator::NotBlank)
            .description("The member name (UI \"Member Name\")."),
    )
    .attribute(
        Attribute::string("email_address")
            .optional()
            .validate(Validator::Length { min: 1, max: 250 })
            .validate(Validator::Custom(email_address))
            .description(
                "The member's e-mail address, e.g. `umbrella@example.com`: one `@`, a domain \
                 with a dot, no blanks.",
            ),
    )
    .attribute(
        Attribute::string("security_role_id")
            .required()
            .validate(Validator::Custom(record_id))
            .description(
                "The record id of the member's security role (UI \"Role ID\"), e.g. \
                 `connectwise_security_role.umbrella.id`. An unknown id is an error at plan time \
                 when the id is known then.",
            ),
    );
    let ui = [
        ("Level", "Corporate (Level 1)"),
        ("Location", "Tampa Office"),
        ("Department", "Professional Services"),
        ("Time Zone", "US Eastern"),
    ];
    for (spec, (label, example)) in REFS.iter().zip(ui) {
        for a in reference_attr(spec, label, example) {
            block = block.attribute(a);
        }
    }
    block = block
        .attribute(
            Attribute::string("notes")
                .optional()
                .validate(Validator::Length { min: 1, max: 4000 })
                .validate(Validator::NotBlank)
                .description("Free-text notes on the member."),
        )
        .attribute(
            Attribute::bool("inactive")
                .default(Value::Bool(false))
                .description(
                    "Whether the member is inactive (its API keys then stop working). Defaults \
                     to `false`.",
                ),
        );
    Schema::new(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators() {
        assert!(record_id(&Value::string("12")).is_ok());
        assert!(record_id(&Value::string("Umbrella")).is_err());
        assert!(record_id(&Value::string("-1")).is_err());
        assert!(no_whitespace(&Value::string("umbrella psa")).is_err());
        assert!(no_whitespace(&Value::string("umbrella-psa")).is_ok());
    }
}
