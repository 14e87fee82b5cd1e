//! The schema and documentation page of `connectwise_role_permission`.

use crate::catalogue;
use crate::provider::common::ids::record_id;
use tfplugin::{Attribute, Block, Identity, IdentityAttribute, Schema, Type, Validator, Value};

/// A level attribute: `None`, `My` or `All`, defaulting to `None`.
fn level_attribute(name: &str, what: &str, with_default: bool) -> Attribute {
    let a = Attribute::string(name).validate(Validator::OneOf(&catalogue::LEVELS));
    let a = if with_default {
        a.default(Value::string("None"))
    } else {
        a.optional()
    };
    let null_means = if with_default {
        "Defaults to `None`."
    } else {
        "Null means `None`."
    };
    a.description(&format!(
        "{what} level: `None` (no access), `My` (only records the member owns; not on functions \
         without a My/All distinction, such as System > Table Setup) or `All`. {null_means}"
    ))
}

const ALLOWED_TABLES_DOC: &str = "The function's \"Allow access to these\" list, for \"customize\" functions only \
     (e.g. System > Table Setup, Companies > Configurations; see the `customizable` column of the \
     `connectwise_security_modules` data source). Entries are written as the UI shows them, for \
     Table Setup `Group / Table` such as `Service / Priority`. Entries not listed stay in \
     \"Disallow access to these\". Null (or `[]`) on a customizable function means the allow-list \
     must be empty; entries added outside Terraform then show as drift.";

/// The identity: the role and the module function, as the state names them. Imports by
/// identity look the row up directly (`import_by_identity`); the format is an import id that
/// names the same row.
pub(super) fn identity() -> Identity {
    Identity::new("{role_id}/{module}/{function}")
        .attribute(
            IdentityAttribute::string("role_id")
                .validate(Validator::Custom(record_id))
                .description("The security role's record id (numeric, as a string)."),
        )
        .attribute(
            IdentityAttribute::string("module")
                .validate(Validator::NotBlank)
                .description("The module as the security role screen names it, e.g. `System`."),
        )
        .attribute(
            IdentityAttribute::string("function")
                .validate(Validator::NotBlank)
                .description(
                    "The module function as the security role screen names it, e.g. \
                     `Table Setup`.",
                ),
        )
}

pub(super) fn schema() -> Schema {
    Schema::new(
        Block::new(
            "The permission levels of one module function of a ConnectWise Manage security role \
             (System > Security Roles > role > module > function), and for \"customize\" functions \
             such as System > Table Setup the allow-list. ConnectWise keeps a row for every module \
             function of every role (all levels `None` at first); this resource sets one row, and \
             destroying it sets the levels back to `None` and empties the allow-list. Use one \
             resource per granted function; functions without a resource stay as they are. To make \
             a role hold exactly a given set of permissions and nothing else, use \
             `connectwise_role_permission_set` instead (never both on the same role).",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("`<role_id>/<setting_id>`."),
        )
        .attribute(
            Attribute::string("role_id")
                .required()
                .requires_replace()
                .description(
                    "The security role's record id (numeric, as a string), e.g. \
                     `connectwise_security_role.umbrella.id`.",
                ),
        )
        .attribute(
            Attribute::string("module")
                .validate(Validator::NotBlank)
                .required()
                .requires_replace()
                .description(
                    "The module as the security role screen names it, e.g. `Companies`, \
                     `Service Desk`, `System` (case-sensitive; see the \
                     `connectwise_security_modules` data source).",
                ),
        )
        .attribute(
            Attribute::string("function")
                .validate(Validator::NotBlank)
                .required()
                .requires_replace()
                .description(
                    "The module function as the security role screen names it, e.g. \
                     `Service Tickets` or `Table Setup` (a trailing `(customize)` may be written \
                     or left out; case-sensitive). An unknown name is rejected at plan time with \
                     the closest matches.",
                ),
        )
        .attribute(level_attribute("add_level", "Add", true))
        .attribute(level_attribute("edit_level", "Edit", true))
        .attribute(level_attribute("delete_level", "Delete", true))
        .attribute(level_attribute("inquire_level", "Inquire", true))
        .attribute(
            Attribute::of_type("allowed_tables", Type::set(Type::String))
                .optional()
                .description(ALLOWED_TABLES_DOC),
        )
        .attribute(
            Attribute::string("setting_id")
                .computed()
                .use_state_for_unknown()
                .description("The id of the role's settings row for this function."),
        )
        .attribute(
            Attribute::string("module_identifier")
                .computed()
                .use_state_for_unknown()
                .description(
                    "The module's identifier as ConnectWise returns it, e.g. `ServiceDesk`.",
                ),
        )
        .attribute(
            Attribute::string("function_identifier")
                .computed()
                .use_state_for_unknown()
                .description(
                    "The function's identifier as ConnectWise returns it \
                     (`moduleFunctionIdentifier`), e.g. `TableSetup`.",
                ),
        ),
    )
}

pub(super) const DOC_SECTIONS: &str = "## Which resource to use\n\n\
- **`connectwise_role_permission`** (this resource): one resource per granted function. Functions \
  without a resource are left as they are. Use it when the role is shared with other tooling or \
  people who grant further functions by hand, or when you want one plan line per function.\n\
- **`connectwise_role_permission_set`**: one resource per role that lists every granted function; \
  every other function is planned back to `None`. Use it when the role exists only for one \
  integration (such as the Umbrella PSA role) and must hold exactly these permissions: a function \
  granted outside Terraform then shows up in `terraform plan`.\n\n\
Never manage the same role with both: they would undo each other's changes, so a \
`connectwise_role_permission` on a role that a `connectwise_role_permission_set` manages is an error, \
as are two `connectwise_role_permission` resources for the same role and function with different \
settings: at plan time, or at apply time when the role is created in the same run. Moving a role \
from these resources to a set (or back) in one apply is safe: the resources being destroyed leave \
the rows the new ones take over.\n\n\
## The Umbrella PSA role\n\n\
Steps 2 and 3 of the manual setup (Companies > Company Maintenance: Inquire All; Companies > \
Configurations, Service Desk > Service Tickets and System > Table Setup: Add, Edit and Inquire All; \
Table Setup allowing exactly `Company / Configuration`, `Service / Priority` and \
`Service / Service Board`) are four resources, see the example above.\n\n\
## REST calls\n\n\
| Operation | Call |\n|---|---|\n\
| read | `GET /system/securityRoles/{roleId}/settings?pageSize=1000` (one call for all rows); for customizable functions also `GET .../settings/{settingId}/customizeItems` [ext] |\n\
| create, update | the same settings `GET`, then only what differs: `PATCH /system/securityRoles/{roleId}/settings/{settingId}` with JSON-Patch `replace` of `addLevel`, `editLevel`, `deleteLevel`, `inquireLevel` [ext]; for customizable functions `GET .../customizeItems` [ext], `POST .../customizeItems` for each missing entry [ext], `DELETE .../customizeItems/{itemId}` for each extra entry [ext] |\n\
| delete | the settings `GET`, then the `PATCH` back to `None` and the `DELETE`s that empty the allow-list, only where needed [ext] |\n\
| import | `GET /system/securityroles?conditions=name=\"...\"` for the `<role name>/...` form, then as read |\n\n\
Calls marked [ext] are **not in the published API specification** (ConnectWise 2025.1 documents \
reading role settings but not writing them, nor the customize allow-lists; request and response \
bodies: [Calls outside the published APIs](../guides/extension-calls.md)). When a server answers \
such a call with 404 or 405, the apply fails with an error that names the step to do by hand \
instead: in ConnectWise Manage open System > Security Roles > *role*, set the Add, Edit, Delete and \
Inquire levels of the function, and for Table Setup click \"customize\" and move the entries into \
\"Allow access to these\". When only reading the allow-list is unavailable, refresh keeps the last \
known allow-list and warns.\n\n\
## Import\n\n\
Two id forms: `<role_id>/<setting_id>`, or `<role name>/<module>/<function>` (the role name may \
contain `/`; the module and function are matched against the catalogue from the right). An empty \
allow-list imports as null.\n";
