//! The plan-time checks of issue 13: strings that are only blanks, record ids <= 0, empty keys,
//! e-mail addresses, sites (and plain `http://` to a host that is not loopback), unknown modules
//! reported on `module`, and import ids that are blank, 0 or negative. Every case fails at
//! `terraform validate` or `terraform import`, before any call that could create something.

use super::Phase::{Import, Validate};
use super::{Case, case, credentials, member, permission};

/// A resource or data source block of `kind` with these lines inside.
fn block(kind: &str, name: &str, lines: &str) -> String {
    let (block, ty) = kind.split_once(' ').unwrap_or(("resource", kind));
    format!("{block} \"{ty}\" \"{name}\" {{\n{lines}\n}}\n")
}

fn role(name: &str) -> String {
    block(
        "connectwise_security_role",
        "r",
        &format!("  name = \"{name}\""),
    )
}

fn key(member_id: &str, description: &str) -> String {
    block(
        "connectwise_api_key",
        "k",
        &format!("  member_id = \"{member_id}\"\n  description = \"{description}\""),
    )
}

fn mapping(customer_id: &str, psa_company_id: &str) -> String {
    block(
        "connectwise_umbrella_psa_company_mapping",
        "m",
        &format!("  customer_id = {customer_id}\n  psa_company_id = \"{psa_company_id}\""),
    )
}

fn permission_set(role_id: i32, module: &str, function: &str) -> String {
    format!(
        r#"
resource "connectwise_role_permission_set" "s" {{
  role_id = "{role_id}"
  permission {{
    module        = "{module}"
    function      = "{function}"
    inquire_level = "All"
  }}
}}
"#
    )
}

/// Credentials with a public and a private key and `site` replaced.
fn credentials_at(site: &str) -> String {
    credentials("public_key = \"p\"\n  private_key = \"s\"")
        .replace("\"api-na.myconnectwise.net\"", &format!("\"{site}\""))
}

/// Blank strings, ids <= 0, e-mail addresses and unknown modules in resources.
fn resource_cases(role_id: i32) -> Vec<Case> {
    let blank = &["must not be empty or only blanks"];
    let not_an_id = &["numeric record id greater than 0"];
    vec![
        case(
            "role name only blanks",
            Validate,
            role("   "),
            "name",
            blank,
        ),
        case(
            "member name only blanks",
            Validate,
            member("\"1\"", "").replace("\"Bad input\"", "\"  \""),
            "name",
            blank,
        ),
        case(
            "member e-mail without an @",
            Validate,
            member("\"1\"", "email_address = \"psa.example.com\""),
            "email_address",
            &["e-mail address", "exactly one `@`"],
        ),
        case(
            "member e-mail without a domain",
            Validate,
            member("\"1\"", "email_address = \"psa@example\""),
            "email_address",
            &["e-mail address", "domain"],
        ),
        case(
            "member e-mail with a blank",
            Validate,
            member("\"1\"", "email_address = \"psa team@example.com\""),
            "email_address",
            &["e-mail address", "blanks"],
        ),
        case(
            "member security role id zero",
            Validate,
            member("\"0\"", ""),
            "security_role_id",
            not_an_id,
        ),
        case(
            "member security role id negative",
            Validate,
            member("\"-4\"", ""),
            "security_role_id",
            not_an_id,
        ),
        case(
            "member location id negative",
            Validate,
            member("\"1\"", "location = \"-2\""),
            "location",
            &["name or a numeric record id greater than 0", "\"-2\""],
        ),
        case(
            "member department only blanks",
            Validate,
            member("\"1\"", "department = \" \""),
            "department",
            blank,
        ),
        case(
            "member notes only blanks",
            Validate,
            member("\"1\"", "notes = \"  \""),
            "notes",
            blank,
        ),
        case(
            "api key for member id zero",
            Validate,
            key("0", "k"),
            "member_id",
            not_an_id,
        ),
        case(
            "api key description only blanks",
            Validate,
            key("1", "  "),
            "description",
            blank,
        ),
        case(
            "permission role id zero",
            Validate,
            permission(0, "System > Table Setup", "inquire_level = \"All\""),
            "role_id",
            &["Invalid role id", "\"0\""],
        ),
        case(
            "permission module only blanks",
            Validate,
            permission(role_id, "  > Table Setup", "inquire_level = \"All\""),
            "module",
            blank,
        ),
        case(
            "permission function only blanks",
            Validate,
            permission(role_id, "System >  ", "inquire_level = \"All\""),
            "function",
            blank,
        ),
        case(
            "permission unknown module named on module",
            Validate,
            permission(role_id, "Sytem > Table Setup", "inquire_level = \"All\""),
            "module",
            &["Unknown module", "Did you mean \"System\""],
        ),
        case(
            "permission set unknown module",
            Validate,
            permission_set(role_id, "ServiceDesk", "Service Tickets"),
            "module",
            &["Unknown module", "Did you mean \"Service Desk\""],
        ),
        case(
            "permission set function only blanks",
            Validate,
            permission_set(role_id, "System", " "),
            "function",
            blank,
        ),
        case(
            "permission set role id negative",
            Validate,
            permission_set(-1, "System", "Table Setup"),
            "role_id",
            &["Invalid role id", "\"-1\""],
        ),
        case(
            "mapping company id only blanks",
            Validate,
            mapping("2000001", "   "),
            "psa_company_id",
            blank,
        ),
        case(
            "mapping customer id negative",
            Validate,
            mapping("-7", "Acme"),
            "customer_id",
            &["must be a positive whole number"],
        ),
    ]
}

/// Keys and sites of the PSA credentials: blank keys, hosts, and `http://` only to loopback.
fn credentials_cases() -> Vec<Case> {
    let blank = &["must not be empty or only blanks"];
    vec![
        case(
            "credentials public key only blanks",
            Validate,
            credentials("public_key = \"  \"\n  private_key = \"s\""),
            "public_key",
            blank,
        ),
        case(
            "credentials private key empty",
            Validate,
            credentials("public_key = \"p\"\n  private_key = \"\""),
            "private_key",
            blank,
        ),
        case(
            "credentials write-only private key only blanks",
            Validate,
            credentials(
                "public_key = \"p\"\n  private_key_wo = \" \"\n  private_key_wo_version = 1",
            ),
            "private_key_wo",
            blank,
        ),
        case(
            "credentials company id only blanks",
            Validate,
            credentials("public_key = \"p\"\n  private_key = \"s\"")
                .replace("company_id = \"sandbox\"", "company_id = \"  \""),
            "company_id",
            blank,
        ),
        case(
            "credentials minted for member id zero",
            Validate,
            credentials("mint_key {\n    member_id = \"0\"\n  }"),
            "member_id",
            &["numeric record id greater than 0"],
        ),
        case(
            "credentials site with plain http to a remote host",
            Validate,
            credentials_at("http://api-na.myconnectwise.net"),
            "site",
            &["clear text", "https://", "loopback"],
        ),
        case(
            "credentials site with plain http to a private address",
            Validate,
            credentials_at("http://10.0.0.5:8080"),
            "site",
            &[
                "clear text",
                "only for a loopback host",
                "https://10.0.0.5:8080",
            ],
        ),
        case(
            "credentials site not a host",
            Validate,
            credentials_at("cw example.com"),
            "site",
            &["must be a host", "without blanks"],
        ),
        case(
            "credentials site with another scheme",
            Validate,
            credentials_at("ftp://cw.example.com"),
            "site",
            &["\"ftp\" is not supported"],
        ),
        case(
            "credentials site URL without a host",
            Validate,
            credentials_at("https:///login"),
            "site",
            &["there is no host"],
        ),
    ]
}

/// Blank strings and ids <= 0 in data sources and the ephemeral resource.
fn data_source_cases() -> Vec<Case> {
    let blank = &["must not be empty or only blanks"];
    let not_an_id = &["numeric record id greater than 0"];
    vec![
        case(
            "role data source id zero",
            Validate,
            block("data connectwise_security_role", "r", "  id = \"0\""),
            "id",
            not_an_id,
        ),
        case(
            "role data source name only blanks",
            Validate,
            block("data connectwise_security_role", "r", "  name = \"  \""),
            "name",
            blank,
        ),
        case(
            "member data source id negative",
            Validate,
            block("data connectwise_member", "m", "  id = \"-1\""),
            "id",
            not_an_id,
        ),
        case(
            "member data source identifier only blanks",
            Validate,
            block("data connectwise_member", "m", "  identifier = \" \""),
            "identifier",
            blank,
        ),
        case(
            "role permissions data source role id zero",
            Validate,
            block(
                "data connectwise_role_permissions",
                "p",
                "  role_id = \"0\"",
            ),
            "role_id",
            not_an_id,
        ),
        case(
            "customer name filter only blanks",
            Validate,
            block(
                "data connectwise_umbrella_customers",
                "c",
                "  name_filter = \"  \"",
            ),
            "name_filter",
            blank,
        ),
        case(
            "member token identifier only blanks",
            Validate,
            block(
                "ephemeral connectwise_member_token",
                "t",
                "  member_identifier = \" \"",
            ),
            "member_identifier",
            blank,
        ),
    ]
}

/// Import ids that are blank, 0 or negative where a record id is meant.
fn import_cases(role_id: i32) -> Vec<Case> {
    let greater = &["Invalid import id", "greater than 0"];
    vec![
        case(
            "role import id zero",
            Import("connectwise_security_role.r", "0"),
            role("Bad input role"),
            "import id",
            greater,
        ),
        case(
            "role import id only blanks",
            Import("connectwise_security_role.r", "  "),
            role("Bad input role"),
            "import id",
            &["Invalid import id", "expected form"],
        ),
        case(
            "api member import id negative",
            Import("connectwise_api_member.m", "-3"),
            member("\"1\"", ""),
            "import id",
            greater,
        ),
        case(
            "api key import id with a zero key id",
            Import("connectwise_api_key.k", "150/0"),
            key("150", "k"),
            "import id",
            greater,
        ),
        case(
            "role permission import id with a negative role id",
            Import("connectwise_role_permission.p", "-1/7"),
            permission(role_id, "System > Table Setup", "inquire_level = \"All\""),
            "import id",
            greater,
        ),
        case(
            "permission set import id zero",
            Import("connectwise_role_permission_set.s", "0"),
            permission_set(role_id, "System", "Table Setup"),
            "import id",
            greater,
        ),
        case(
            "mapping import id not numeric",
            Import("connectwise_umbrella_psa_company_mapping.m", "acme"),
            mapping("2000001", "Acme"),
            "import id",
            &["Invalid import id", "numeric Umbrella customer id"],
        ),
    ]
}

/// Every case of this group, in the order above.
pub(super) fn cases(role_id: i32) -> Vec<Case> {
    let mut all = resource_cases(role_id);
    all.extend(credentials_cases());
    all.extend(data_source_cases());
    all.extend(import_cases(role_id));
    all
}
