//! The schema and documentation page of `connectwise_role_permission_set`.

use tfplugin::{Attribute, Block, NestedBlock, Nesting, Schema, Type, Validator};

fn level(name: &str, what: &str) -> Attribute {
    Attribute::string(name)
        .optional()
        .validate(Validator::OneOf(&crate::catalogue::LEVELS))
        .description(&format!(
            "{what} level: `None`, `My` (not on functions without a My/All distinction) or \
             `All`. Null means `None`."
        ))
}

pub(super) fn schema() -> Schema {
    let permission = Block::new(
        "One granted module function. Functions not listed are held at `None`.",
    )
    .attribute(
        Attribute::string("module")
            .validate(Validator::NotBlank)
            .required()
            .description("The module as the security role screen names it, e.g. `Companies`."),
    )
    .attribute(
        Attribute::string("function")
            .validate(Validator::NotBlank)
            .required()
            .description(
                "The module function as the security role screen names it, e.g. `Table Setup` (a \
         trailing `(customize)` may be written or left out).",
            ),
    )
    .attribute(level("add_level", "Add"))
    .attribute(level("edit_level", "Edit"))
    .attribute(level("delete_level", "Delete"))
    .attribute(level("inquire_level", "Inquire"))
    .attribute(
        Attribute::of_type("allowed_tables", Type::set(Type::String))
            .optional()
            .description(
                "The \"Allow access to these\" list of a customizable function, entries written \
                 as the UI shows them (e.g. `Service / Priority`). Null or `[]` means the \
                 allow-list must be empty.",
            ),
    );
    Schema::new(
        Block::new(
            "All module permissions of one ConnectWise Manage security role, authoritatively: \
             the role holds exactly the listed `permission` blocks, and every other module \
             function is planned back to `None`. A function granted outside Terraform shows up \
             in `terraform plan` as a `permission` block to remove. For one function at a time \
             without touching the rest, use `connectwise_role_permission` (never both on the \
             same role).",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("The role id (same as `role_id`)."),
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
        .block(NestedBlock {
            name: "permission".into(),
            block: permission,
            nesting: Nesting::Set,
            min_items: 0,
            max_items: 0,
            requires_replace: false,
        }),
    )
}

pub(super) const DOC_SECTIONS: &str = "## Which resource to use\n\n\
- **`connectwise_role_permission_set`** (this resource): one resource per role listing every \
  granted function; every other function is held at `None`. Use it for a role that exists for one \
  integration only (such as the Umbrella PSA role), so that an audit is `terraform plan`: a \
  function granted by hand appears as a `permission` block to remove.\n\
- **`connectwise_role_permission`**: one resource per function, leaving the others alone. Use it \
  for roles shared with people or tools that grant further functions.\n\n\
Never manage the same role with both: they would undo each other's changes, so a set on a role \
that a `connectwise_role_permission` manages is an error, as are two \
`connectwise_role_permission_set` resources for the same role with different contents. Moving a \
role from single permissions to a set (or back) in one apply is safe: the resources being \
destroyed leave the rows the new ones take over.\n\n\
Allow-lists: the allow-list of every listed customizable function is enforced (null means empty). \
For a function that is not listed, its levels are enforced (`None`); its allow-list is read and \
emptied only when the function was granted, since an allow-list of a function without access \
grants nothing. The `connectwise_role_permissions` data source lists the rows for reports.\n\n\
## REST calls\n\n\
| Operation | Call |\n|---|---|\n\
| read | `GET /system/securityRoles/{roleId}/settings?pageSize=1000` (one call for all rows); `GET .../settings/{settingId}/customizeItems` [ext] for each customizable function that is listed or granted |\n\
| create, update | the same reads, then only what differs: `PATCH /system/securityRoles/{roleId}/settings/{settingId}` (JSON-Patch `replace` of the levels) [ext] for each row whose levels differ; `POST .../customizeItems` [ext] per missing and `DELETE .../customizeItems/{itemId}` [ext] per extra allow-list entry |\n\
| delete | every listed or granted row back to `None` and its allow-list emptied (only the calls that differ) |\n\
| import | by role id, or by role name through `GET /system/securityroles?conditions=name=\"...\"`; then as read |\n\n\
Calls marked [ext] are **not in the published API specification** (request and response bodies: \
[Calls outside the published APIs](../guides/extension-calls.md)). When a server answers one with \
404 or 405, apply fails with an error naming the step to do by hand instead: in ConnectWise Manage \
open System > Security Roles > *role*, set the levels of each function, and click \"customize\" \
next to the function to move entries between \"Allow access to these\" and \"Disallow access to \
these\".\n\n\
## Import\n\n\
By the role's numeric id or its name. Every granted function becomes a `permission` block, with \
all four levels written out; `terraform plan -generate-config-out=generated.tf` on an `import {}` \
block writes them for you.\n";
