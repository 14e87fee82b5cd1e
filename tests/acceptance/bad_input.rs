//! Bad input, table-driven: invalid configurations, malformed import ids and wrong provider
//! configurations, each failing in the expected phase with a diagnostic that names the attribute
//! and says what is wrong, and nothing written to ConnectWise or Umbrella. Then malformed server
//! answers (invalid JSON, HTML error page, empty body, huge body) from a fake ConnectWise: a clear
//! error, never a provider crash.

use std::time::Instant;

use crate::harness::{CLIENT_ID, Harness, SOURCE};
use api_client::NewSecurityRole;
use connectwise_sandbox::RequestRecord;

/// The plan-time checks of issue 13 (blank strings, ids <= 0, keys, e-mail, sites, modules,
/// import ids): one group of cases in its own file.
mod plan_time;

/// When a case must fail.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// `terraform validate` (schema and resource validation, no API call).
    Validate,
    /// `terraform plan` (provider configured, plan-time checks against the API).
    Plan,
    /// `terraform apply` (the server refuses the write).
    Apply,
    /// `terraform import <address> <id>`.
    Import(&'static str, &'static str),
}

struct Case {
    name: &'static str,
    phase: Phase,
    /// The configuration after the provider block (or the whole file when `raw`).
    config: String,
    raw: bool,
    /// The attribute the diagnostic must name.
    attr: &'static str,
    /// Phrases the diagnostic must contain.
    phrases: &'static [&'static str],
}

fn case(
    name: &'static str,
    phase: Phase,
    config: impl Into<String>,
    attr: &'static str,
    phrases: &'static [&'static str],
) -> Case {
    Case {
        name,
        phase,
        config: config.into(),
        raw: false,
        attr,
        phrases,
    }
}

/// Terraform's output with its line wrapping undone.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Requests that write: anything but GET, Umbrella's token request and opening the member token
/// ephemeral resource (its `POST .../tokens` is how ConnectWise hands out a temporary key pair,
/// and it is what a plan does with an ephemeral resource).
fn is_write(r: &RequestRecord) -> bool {
    r.method != "GET"
        && r.method != "HEAD"
        && !r.path.ends_with("/auth/v2/token")
        && !(r.method == "POST" && r.path.ends_with("/tokens"))
}

fn permission(role_id: i32, function: &str, extra: &str) -> String {
    let (module, function) = function.split_once(" > ").expect("module > function");
    format!(
        r#"
resource "connectwise_role_permission" "p" {{
  role_id  = "{role_id}"
  module   = "{module}"
  function = "{function}"
  {extra}
}}
"#
    )
}

fn member(role_id: &str, extra: &str) -> String {
    format!(
        r#"
resource "connectwise_api_member" "m" {{
  identifier       = "badinput"
  name             = "Bad input"
  security_role_id = {role_id}
  {extra}
}}
"#
    )
}

fn credentials(extra: &str) -> String {
    format!(
        r#"
resource "connectwise_umbrella_psa_credentials" "c" {{
  site       = "api-na.myconnectwise.net"
  company_id = "sandbox"
  {extra}
}}
"#
    )
}

/// A provider block from `settings` (lines inside the block) without the `umbrella` block.
fn provider_with(settings: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    connectwise = {{ source = "{SOURCE}" }}
  }}
}}

provider "connectwise" {{
{settings}
}}
"#
    )
}

fn cases(h: &Harness, role_id: i32) -> Vec<Case> {
    use Phase::*;
    let t = &h.sandbox.config().tenants[0];
    let url = h.sandbox.url();
    let cw_settings = |skip: &str| -> String {
        [
            ("site", url.as_str()),
            ("company_id", t.company_id.as_str()),
            ("public_key", t.public_key.as_str()),
            ("private_key", t.private_key.as_str()),
            ("client_id", CLIENT_ID),
        ]
        .iter()
        .filter(|(k, _)| *k != skip)
        .map(|(k, v)| format!("  {k} = \"{v}\""))
        .collect::<Vec<_>>()
        .join("\n")
    };
    let role_resource = r#"
resource "connectwise_security_role" "r" {
  name = "Bad input role"
}
"#;
    let mut cases = vec![
        // --- Validate: schema validators, no API call ---------------------------------------
        case(
            "empty role name",
            Validate,
            "resource \"connectwise_security_role\" \"r\" {\n  name = \"\"\n}\n",
            "name",
            &["Invalid Attribute Value Length", "got 0"],
        ),
        case(
            "role name too long",
            Validate,
            format!(
                "resource \"connectwise_security_role\" \"r\" {{\n  name = \"{}\"\n}}\n",
                "x".repeat(31)
            ),
            "name",
            &["30 characters long, got 31"],
        ),
        case(
            "role_type too long",
            Validate,
            format!(
                "resource \"connectwise_security_role\" \"r\" {{\n  name = \"r\"\n  role_type = \"{}\"\n}}\n",
                "t".repeat(31)
            ),
            "role_type",
            &["got 31"],
        ),
        case(
            "level not an enum value",
            Validate,
            permission(
                role_id,
                "Companies > Company Maintenance",
                "add_level = \"Full\"",
            ),
            "add_level",
            &["must be one of", "\"Full\""],
        ),
        case(
            "level in the wrong case",
            Validate,
            permission(
                role_id,
                "Companies > Company Maintenance",
                "inquire_level = \"all\"",
            ),
            "inquire_level",
            &["Did you mean \"All\"", "case-sensitive"],
        ),
        case(
            "permission set level not an enum value",
            Validate,
            format!(
                r#"
resource "connectwise_role_permission_set" "s" {{
  role_id = "{role_id}"
  permission {{
    module     = "Companies"
    function   = "Company Maintenance"
    edit_level = "Some"
  }}
}}
"#
            ),
            "edit_level",
            &["must be one of", "\"Some\""],
        ),
        case(
            "member identifier too long",
            Validate,
            member("\"1\"", "").replace("\"badinput\"", "\"sixteen-chars-id\""),
            "identifier",
            &["15 characters long, got 16"],
        ),
        case(
            "member notes empty",
            Validate,
            member("\"1\"", "notes = \"\""),
            "notes",
            &["between 1 and 4000 characters long, got 0"],
        ),
        case(
            "member name too long",
            Validate,
            member("\"1\"", "").replace("\"Bad input\"", &format!("\"{}\"", "n".repeat(31))),
            "name",
            &["30 characters long, got 31"],
        ),
        case(
            "api key description empty",
            Validate,
            "resource \"connectwise_api_key\" \"k\" {\n  member_id = \"1\"\n  description = \"\"\n}\n",
            "description",
            &["between 1 and 100 characters long, got 0"],
        ),
        case(
            "api key description too long",
            Validate,
            format!(
                "resource \"connectwise_api_key\" \"k\" {{\n  member_id = \"1\"\n  description = \"{}\"\n}}\n",
                "d".repeat(101)
            ),
            "description",
            &["got 101"],
        ),
        case(
            "mapping company id too long",
            Validate,
            format!(
                "resource \"connectwise_umbrella_psa_company_mapping\" \"m\" {{\n  customer_id = 2000001\n  psa_company_id = \"{}\"\n}}\n",
                "c".repeat(31)
            ),
            "psa_company_id",
            &["got 31"],
        ),
        case(
            "mapping customer id zero",
            Validate,
            "resource \"connectwise_umbrella_psa_company_mapping\" \"m\" {\n  customer_id = 0\n  psa_company_id = \"Acme\"\n}\n",
            "customer_id",
            &["must be a positive whole number"],
        ),
        case(
            "credentials without a private key",
            Plan,
            credentials("public_key = \"p\""),
            "private_key",
            &["Missing private key", "`mint_key`"],
        ),
        case(
            "credentials with private_key and mint_key",
            Validate,
            credentials("private_key = \"s\"\n  mint_key {\n    member_id = \"1\"\n  }"),
            "mint_key",
            &["At most one of", "got `private_key`, `mint_key`"],
        ),
        case(
            "write-only key without its version",
            Validate,
            credentials("public_key = \"p\"\n  private_key_wo = \"s\""),
            "private_key_wo_version",
            &["private_key_wo_version"],
        ),
        case(
            "credentials with an empty site",
            Validate,
            credentials("public_key = \"p\"\n  private_key = \"s\"")
                .replace("\"api-na.myconnectwise.net\"", "\"\""),
            "site",
            &["between 1 and 255 characters long, got 0"],
        ),
        case(
            "member token identifier too long",
            Validate,
            "ephemeral \"connectwise_member_token\" \"t\" {\n  member_identifier = \"sixteen-chars-id\"\n}\n",
            "member_identifier",
            &["15 characters long, got 16"],
        ),
        case(
            "customer name filter empty",
            Validate,
            "data \"connectwise_umbrella_customers\" \"c\" {\n  name_filter = \"\"\n}\n",
            "name_filter",
            &["got 0"],
        ),
        case(
            "reference to an undeclared role",
            Validate,
            member("connectwise_security_role.nope.id", ""),
            "security_role_id",
            &["Reference to undeclared resource"],
        ),
        case(
            "unknown module function",
            Validate,
            permission(role_id, "System > Tabel Setup", "inquire_level = \"All\""),
            "function",
            &["Table Setup"],
        ),
        case(
            "My on a function without My/All",
            Validate,
            permission(role_id, "System > Table Setup", "inquire_level = \"My\""),
            "inquire_level",
            &["no My/All distinction"],
        ),
        case(
            "allowed_tables on a function without an allow-list",
            Validate,
            permission(
                role_id,
                "Companies > Company Maintenance",
                "inquire_level = \"All\"\n  allowed_tables = [\"Service / Priority\"]",
            ),
            "allowed_tables",
            &["customize"],
        ),
        case(
            "allow-list entry unknown",
            Validate,
            permission(
                role_id,
                "System > Table Setup",
                "inquire_level = \"All\"\n  allowed_tables = [\"Service / Priorty\"]",
            ),
            "allowed_tables",
            &["Service / Priorty"],
        ),
        // --- Plan: checks against the API before anything is written -------------------------
        case(
            "role permission on a non-numeric role id",
            Validate,
            permission(
                0,
                "Companies > Company Maintenance",
                "inquire_level = \"All\"",
            )
            .replace("role_id  = \"0\"", "role_id  = \"abc\""),
            "role_id",
            &["Invalid role id", "numeric record id", "\"abc\""],
        ),
        case(
            "member with an unknown role id",
            Plan,
            member("\"9999\"", ""),
            "security_role_id",
            &["Unknown security role", "9999"],
        ),
        case(
            "member with an unknown location",
            Plan,
            member(&format!("\"{role_id}\""), "location = \"Atlantis Office\""),
            "location",
            &["Unknown location", "Atlantis Office"],
        ),
        case(
            "member with an unknown department id",
            Plan,
            member(&format!("\"{role_id}\""), "department = \"424242\""),
            "department",
            &["424242"],
        ),
        case(
            "api key for an unknown member",
            Plan,
            "resource \"connectwise_api_key\" \"k\" {\n  member_id = \"9999\"\n  description = \"k\"\n}\n",
            "member_id",
            &["Unknown member", "9999"],
        ),
        case(
            "api key for a non-numeric member id",
            Plan,
            "resource \"connectwise_api_key\" \"k\" {\n  member_id = \"umbrella\"\n  description = \"k\"\n}\n",
            "member_id",
            &["numeric record id"],
        ),
        case(
            "mapping of an unknown customer",
            Plan,
            "resource \"connectwise_umbrella_psa_company_mapping\" \"m\" {\n  customer_id = 999\n  psa_company_id = \"Acme\"\n}\n",
            "customer_id",
            &["Unknown Umbrella customer", "no customer with id 999"],
        ),
        case(
            "two permissions on one function with different levels",
            Plan,
            format!(
                "{}{}",
                permission(
                    role_id,
                    "Companies > Company Maintenance",
                    "inquire_level = \"All\""
                ),
                permission(
                    role_id,
                    "Companies > Company Maintenance",
                    "inquire_level = \"My\""
                )
                .replace("\"p\"", "\"q\"")
            ),
            "function",
            &[
                "Conflicting role permissions",
                "inquire_level=All",
                "inquire_level=My",
            ],
        ),
        case(
            "two permission sets on one role",
            Plan,
            format!(
                r#"
resource "connectwise_role_permission_set" "a" {{
  role_id = "{role_id}"
  permission {{
    module        = "Companies"
    function      = "Company Maintenance"
    inquire_level = "All"
  }}
}}
resource "connectwise_role_permission_set" "b" {{
  role_id = "{role_id}"
}}
"#
            ),
            "role_id",
            &["Conflicting role permission sets"],
        ),
        case(
            "a single permission on a role that has a set",
            Plan,
            format!(
                r#"
resource "connectwise_role_permission_set" "s" {{
  role_id = "{role_id}"
  permission {{
    module        = "Companies"
    function      = "Company Maintenance"
    inquire_level = "All"
  }}
}}
resource "connectwise_role_permission" "p" {{
  role_id       = "{role_id}"
  module        = "System"
  function      = "Table Setup"
  inquire_level = "All"
  depends_on    = [connectwise_role_permission_set.s]
}}
"#
            ),
            "function",
            &[
                "Conflicting role permissions",
                "managed by a connectwise_role_permission_set",
                "System > Table Setup",
            ],
        ),
        case(
            "a set on a role that has a single permission",
            Plan,
            format!(
                r#"
resource "connectwise_role_permission" "p" {{
  role_id       = "{role_id}"
  module        = "System"
  function      = "Table Setup"
  inquire_level = "All"
}}
resource "connectwise_role_permission_set" "s" {{
  role_id    = "{role_id}"
  depends_on = [connectwise_role_permission.p]
}}
"#
            ),
            "role_id",
            &[
                "Conflicting role permission sets",
                "A connectwise_role_permission also manages",
                "(System > Table Setup)",
            ],
        ),
        case(
            "role data source with id and name",
            Plan,
            "data \"connectwise_security_role\" \"r\" {\n  id   = \"1\"\n  name = \"Admin\"\n}\n",
            "name",
            &["Exactly one of"],
        ),
        case(
            "member data source of nobody",
            Plan,
            "data \"connectwise_member\" \"m\" {\n  identifier = \"nobody\"\n}\n",
            "identifier",
            &["Member not found", "\"nobody\""],
        ),
        case(
            "member token of an unknown member",
            Plan,
            format!(
                r#"
ephemeral "connectwise_member_token" "t" {{
  member_identifier = "nobody"
}}
provider "connectwise" {{
  alias       = "as_nobody"
  site        = "{url}"
  company_id  = "{company}"
  client_id   = "{CLIENT_ID}"
  public_key  = ephemeral.connectwise_member_token.t.public_key
  private_key = ephemeral.connectwise_member_token.t.private_key
}}
data "connectwise_member" "m" {{
  provider   = connectwise.as_nobody
  identifier = "admin"
}}
"#,
                company = t.company_id
            ),
            "member_identifier",
            &["Unknown member"],
        ),
        // --- Plan: wrong provider configuration ----------------------------------------------
        Case {
            name: "provider without company_id",
            phase: Plan,
            config: format!(
                "{}{role_resource}",
                provider_with(&cw_settings("company_id"))
            ),
            raw: true,
            attr: "company_id",
            phrases: &[
                "Missing ConnectWise configuration",
                "CONNECTWISE_COMPANY_ID",
            ],
        },
        // --- Validate: the provider block's formats (issue 13: clear text, site, GUID, blanks,
        // request_timeout, CA certificate) -------------------------------------------------
        provider_case(
            "provider with a bad request_timeout",
            format!("{}\n  request_timeout = \"ten seconds\"", cw_settings("")),
            "request_timeout",
            &["must be a duration", "\"ten seconds\""],
        ),
        provider_case(
            "provider with a request_timeout that overflows",
            format!(
                "{}\n  request_timeout = \"5124095576030432h\"",
                cw_settings("")
            ),
            "request_timeout",
            &["must be a duration", "\"5124095576030432h\""],
        ),
        provider_case(
            "provider with a request_timeout over an hour",
            format!("{}\n  request_timeout = \"2h\"", cw_settings("")),
            "request_timeout",
            &["between 1s and 1h"],
        ),
        provider_case(
            "provider with plain http:// to a remote site",
            format!(
                "{}\n  site = \"http://api-na.myconnectwise.net\"",
                cw_settings("site")
            ),
            "site",
            &["clear text", "https://"],
        ),
        provider_case(
            "provider with a site that is not a host",
            format!("{}\n  site = \"cw example.com\"", cw_settings("site")),
            "site",
            &["must be a host such as"],
        ),
        provider_case(
            "provider with a client_id that is not a GUID",
            format!(
                "{}\n  client_id = \"my-integration\"",
                cw_settings("client_id")
            ),
            "client_id",
            &["GUID", "\"my-integration\""],
        ),
        provider_case(
            "provider with a blank company_id",
            format!("{}\n  company_id = \"  \"", cw_settings("company_id")),
            "company_id",
            &["must not be empty or only blanks"],
        ),
        provider_case(
            "provider with a blank public_key",
            format!("{}\n  public_key = \"\"", cw_settings("public_key")),
            "public_key",
            &["must not be empty or only blanks"],
        ),
        provider_case(
            "provider with plain http:// to a remote Umbrella",
            format!(
                "{}\n  umbrella {{\n    base_url = \"http://api.umbrella.com\"\n    api_key = \"k\"\n    api_secret = \"s\"\n  }}",
                cw_settings("")
            ),
            "base_url",
            &["clear text", "https://api.umbrella.com"],
        ),
        provider_case(
            "provider with a ca_certificate_pem that is not PEM",
            format!(
                "{}\n  ca_certificate_pem = \"not a certificate\"",
                cw_settings("")
            ),
            "ca_certificate_pem",
            &["is not a usable CA certificate", "BEGIN CERTIFICATE"],
        ),
        Case {
            name: "provider with max_retries out of range",
            phase: Validate,
            config: format!(
                "{}{role_resource}",
                provider_with(&format!("{}\n  max_retries = 11", cw_settings("")))
            ),
            raw: true,
            attr: "max_retries",
            phrases: &["must be between 0 and 10, got 11"],
        },
        Case {
            name: "provider value unknown at configure time",
            phase: Plan,
            config: format!(
                "{}{role_resource}\nresource \"terraform_data\" \"site\" {{\n  input = \"{url}\"\n}}\n",
                provider_with(&cw_settings("site").replace(
                    "  company_id",
                    "  site = terraform_data.site.output\n  company_id"
                ))
            ),
            raw: true,
            attr: "site",
            phrases: &[
                "Unknown provider configuration value",
                "not known until apply",
            ],
        },
        Case {
            name: "umbrella resource without umbrella credentials",
            phase: Plan,
            config: format!(
                "{}resource \"connectwise_umbrella_psa_company_mapping\" \"m\" {{\n  customer_id = 2000001\n  psa_company_id = \"Acme\"\n}}\n",
                provider_with(&cw_settings(""))
            ),
            raw: true,
            attr: "umbrella.api_key",
            phrases: &["Missing Umbrella configuration", "UMBRELLA_API_SECRET"],
        },
        // --- Import: malformed and unknown ids -----------------------------------------------
        case(
            "api key import id without a slash",
            Import("connectwise_api_key.k", "150"),
            "resource \"connectwise_api_key\" \"k\" {\n  member_id = \"1\"\n  description = \"k\"\n}\n",
            "import id",
            &["Invalid import id", "<member_id>/<key_id>"],
        ),
        case(
            "api key import id with three parts",
            Import("connectwise_api_key.k", "a/b/c"),
            "resource \"connectwise_api_key\" \"k\" {\n  member_id = \"1\"\n  description = \"k\"\n}\n",
            "import id",
            &["Invalid import id", "\"a/b/c\""],
        ),
        case(
            "role permission import id without a role",
            Import("connectwise_role_permission.p", "System/Table Setup"),
            permission(role_id, "System > Table Setup", "inquire_level = \"All\""),
            "import id",
            &["Invalid import id", "<role name>/<module>/<function>"],
        ),
        case(
            "credentials import id not psa",
            Import("connectwise_umbrella_psa_credentials.c", "settings"),
            credentials("public_key = \"p\"\n  private_key = \"s\""),
            "import id",
            &["Invalid import id", "`psa`"],
        ),
        case(
            "mapping import id negative",
            Import("connectwise_umbrella_psa_company_mapping.m", "-5"),
            "resource \"connectwise_umbrella_psa_company_mapping\" \"m\" {\n  customer_id = 2000001\n  psa_company_id = \"Acme\"\n}\n",
            "import id",
            &["Invalid import id", "numeric Umbrella customer id"],
        ),
        case(
            "member import id with a space",
            Import("connectwise_api_member.m", "umbrella psa"),
            member("\"1\"", ""),
            "import id",
            &["Invalid import id", "identifier"],
        ),
        case(
            "role import id unknown",
            Import("connectwise_security_role.r", "987654"),
            role_resource,
            "987654",
            &["No security role has the id or name"],
        ),
        // --- Apply: the server refuses --------------------------------------------------------
        case(
            "role name already taken",
            Apply,
            "resource \"connectwise_security_role\" \"r\" {\n  name = \"Bad input existing\"\n}\n",
            "name",
            &["Cannot create security role", "terraform import"],
        ),
    ];
    cases.extend(plan_time::cases(role_id));
    for c in &mut cases {
        if !c.raw {
            c.config = format!("{}\n{}", h.provider_block(), c.config);
            c.raw = true;
        }
    }
    cases
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_configurations_fail_early_with_the_attribute_named() {
    let started = Instant::now();
    let h = Harness::new().await;
    let cw = h.client();
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "Bad input existing".into(),
            ..NewSecurityRole::default()
        })
        .await
        .expect("create role");
    let roles_before = h.sandbox.state().with_tenant("sandbox", |t| t.roles.len());
    let members_before = h
        .sandbox
        .state()
        .with_tenant("sandbox", |t| t.members.len());

    let cases = cases(&h, role.id);
    let mut failures = Vec::new();
    let mut timings = Vec::new();
    for c in &cases {
        let t0 = Instant::now();
        h.sandbox.clear_requests();
        h.raw_config(&c.config);
        let run = match c.phase {
            Phase::Validate => h.terraform(&["validate", "-no-color"]).await,
            Phase::Plan => h.terraform(&["plan", "-no-color"]).await,
            Phase::Apply => h.terraform(&["apply", "-auto-approve", "-no-color"]).await,
            Phase::Import(addr, id) => h.terraform(&["import", "-no-color", addr, id]).await,
        };
        timings.push((c.name, t0.elapsed()));
        let out = flat(&run.text());
        let mut problems = Vec::new();
        if run.ok {
            problems.push(format!("{:?} succeeded", c.phase));
        }
        if !out.contains(c.attr) {
            problems.push(format!("does not name {:?}", c.attr));
        }
        for p in c.phrases {
            if !out.contains(p) {
                problems.push(format!("lacks {p:?}"));
            }
        }
        for crash in ["panic", "plugin exited", "Plugin did not respond"] {
            if out.contains(crash) {
                problems.push(format!("shows {crash:?}"));
            }
        }
        let writes: Vec<String> = h
            .sandbox
            .requests()
            .iter()
            .filter(|r| is_write(r))
            .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
            .collect();
        let expected_writes = c.phase == Phase::Apply;
        if !expected_writes && !writes.is_empty() {
            problems.push(format!("wrote {writes:?}"));
        }
        if c.phase == Phase::Validate && h.sandbox.requests().iter().any(|r| !r.path.is_empty()) {
            problems.push("validate called the API".into());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "case {:?} ({:?}): {}\n--- output:\n{out}",
                c.name,
                c.phase,
                problems.join("; ")
            ));
        }
    }
    // Nothing was created by any case.
    let roles_after = h.sandbox.state().with_tenant("sandbox", |t| t.roles.len());
    let members_after = h
        .sandbox
        .state()
        .with_tenant("sandbox", |t| t.members.len());
    assert_eq!(roles_after, roles_before, "no security role created");
    assert_eq!(members_after, members_before, "no member created");
    let psa = h
        .sandbox
        .umbrella()
        .with_console(&h.sandbox.config().tenants[0].umbrella_api_key, |c| {
            (c.psa.is_some(), c.mappings.len())
        });
    assert_eq!(psa, Some((false, 0)), "nothing written to Umbrella");
    let state = h.terraform(&["state", "list"]).await;
    assert!(
        state.stdout.trim().is_empty(),
        "nothing in state: {}",
        state.text()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    assert!(cases.len() >= 25, "at least 25 cases");
    eprintln!(
        "{} bad-input cases in {:.1} s; slowest: {:?}",
        cases.len(),
        started.elapsed().as_secs_f64(),
        timings.iter().max_by_key(|(_, d)| *d)
    );
}

/// What the fake ConnectWise answers to every API call.
#[derive(Clone, Copy, Debug)]
enum Garbage {
    InvalidJson,
    WrongTypes,
    HtmlErrorPage,
    HtmlWith200,
    EmptyBody,
    HugeBody,
    HugeChunkedBody,
}

/// A fake ConnectWise on 127.0.0.1:0: `companyinfo` answers correctly, every API call with
/// `garbage`. Plain HTTP/1.1 over a socket (one request per connection), so the provider
/// package's tests need no web framework.
async fn fake_connectwise(garbage: Garbage) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let info = serde_json::json!({
        "CompanyName": "Fake", "Codebase": "v2025_1/", "VersionCode": "v2025.1",
        "VersionNumber": "v4.6.112340", "CompanyID": "fake", "IsCloud": "True",
        "SiteUrl": addr.to_string(),
    })
    .to_string();
    let task = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let info = info.clone();
            tokio::spawn(answer_once(socket, info, garbage));
        }
    });
    (format!("http://{addr}"), task)
}

/// Reads one request head and writes the fake's answer for its path.
async fn answer_once(mut socket: tokio::net::TcpStream, info: String, garbage: Garbage) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let json = "application/json; charset=utf-8";
    let html_page = format!(
        "<!DOCTYPE html><html><head><title>Service Unavailable</title></head>\
         <body><h1>Gateway error</h1>{}</body></html>",
        "<p>please try again later</p>".repeat(100)
    );
    let (status, content_type, body): (&str, &str, Vec<u8>) = if path
        .starts_with("/login/companyinfo/")
    {
        ("200 OK", "application/json", info.into_bytes())
    } else {
        match garbage {
            Garbage::InvalidJson => ("200 OK", json, br#"[{"id": 1, "name": "Adm"#.to_vec()),
            Garbage::WrongTypes => (
                "200 OK",
                json,
                br#"[{"id": "one", "name": 5, "adminFlag": "maybe"}]"#.to_vec(),
            ),
            Garbage::HtmlErrorPage => (
                "503 Service Unavailable",
                "text/html",
                html_page.into_bytes(),
            ),
            Garbage::HtmlWith200 => ("200 OK", "text/html", html_page.into_bytes()),
            Garbage::EmptyBody => ("200 OK", json, Vec::new()),
            Garbage::HugeBody => ("200 OK", json, vec![b'['; 12 << 20]),
            Garbage::HugeChunkedBody => {
                // 200 chunks of 64 KiB with no length announced: the client must cap what it reads.
                let start = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: {json}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n"
                );
                if socket.write_all(start.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 << 10];
                for _ in 0..200 {
                    let mut piece = format!("{:x}\r\n", chunk.len()).into_bytes();
                    piece.extend_from_slice(&chunk);
                    piece.extend_from_slice(b"\r\n");
                    if socket.write_all(&piece).await.is_err() {
                        return;
                    }
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
                return;
            }
        }
    };
    let mut answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    let _ = socket.write_all(&answer).await;
    let _ = socket.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_server_answers_give_clear_errors_not_crashes() {
    let h = Harness::new().await;
    let cases: &[(Garbage, &[&str])] = &[
        (
            Garbage::InvalidJson,
            &[
                "unexpected answer from ConnectWise",
                "GET /system/securityroles",
            ],
        ),
        (
            Garbage::WrongTypes,
            &["unexpected answer from ConnectWise", "expected JSON"],
        ),
        (Garbage::HtmlErrorPage, &["HTTP 503", "an HTML page"]),
        (
            Garbage::HtmlWith200,
            &["unexpected answer from ConnectWise", "an HTML page"],
        ),
        (
            Garbage::EmptyBody,
            &["unexpected answer from ConnectWise", "the body was empty"],
        ),
        (
            Garbage::HugeBody,
            &["GET /system/securityroles", "larger than 8 MiB"],
        ),
        (
            Garbage::HugeChunkedBody,
            &["GET /system/securityroles", "larger than 8 MiB"],
        ),
    ];
    let mut failures = Vec::new();
    for (garbage, phrases) in cases {
        let (url, task) = fake_connectwise(*garbage).await;
        h.raw_config(&format!(
            r#"{}
data "connectwise_security_role" "admin" {{
  name = "Admin"
}}
"#,
            provider_with(&format!(
                "  site = \"{url}\"\n  company_id = \"fake\"\n  public_key = \"pub\"\n  \
                 private_key = \"fake-private-key-4711\"\n  client_id = \"{CLIENT_ID}\"\n  \
                 max_retries = 1"
            ))
        ));
        let t0 = Instant::now();
        let run = h.terraform(&["plan", "-no-color"]).await;
        let elapsed = t0.elapsed();
        task.abort();
        let text = run.text();
        let out = flat(&text);
        let mut problems = Vec::new();
        if run.ok {
            problems.push("plan succeeded".to_string());
        }
        for p in *phrases {
            if !out.contains(p) {
                problems.push(format!("lacks {p:?}"));
            }
        }
        for crash in [
            "panic",
            "plugin exited",
            "Plugin did not respond",
            "crash",
            "fake-private-key-4711",
        ] {
            if out.to_lowercase().contains(&crash.to_lowercase()) {
                problems.push(format!("shows {crash:?}"));
            }
        }
        if text.len() > 10_000 {
            problems.push(format!("{} bytes of output", text.len()));
        }
        if elapsed.as_secs() > 30 {
            problems.push(format!("took {elapsed:?}"));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{garbage:?}: {}\n--- output:\n{out}",
                problems.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A provider block that `terraform validate` must refuse (the provider's own format checks),
/// with a role resource so the configuration uses the provider.
fn provider_case(
    name: &'static str,
    settings: String,
    attr: &'static str,
    phrases: &'static [&'static str],
) -> Case {
    let role = "resource \"connectwise_security_role\" \"r\" {\n  name = \"Bad input role\"\n}\n";
    Case {
        name,
        phase: Phase::Validate,
        config: format!("{}{role}", provider_with(&settings)),
        raw: true,
        attr,
        phrases,
    }
}
