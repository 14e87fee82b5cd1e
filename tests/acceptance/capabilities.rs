//! `connectwise_capabilities` and the manual-step diagnostics with real Terraform, against a
//! sandbox with everything on, with the calls outside the published API switched off (as a real
//! server may answer), and with an API member whose role lacks a permission (403).

use api_client::{Level, LevelField, NewSecurityRole, Reference};
use connectwise_sandbox::{Extension, SandboxConfig};

use crate::api_member::flat;
use crate::harness::{CLIENT_ID, Harness, SOURCE};

const DATA: &str = r#"
data "connectwise_capabilities" "this" {}

output "caps" {
  value = data.connectwise_capabilities.this
}
"#;

/// The provider's objects for the Umbrella procedure, the API key only where the server has it.
const ADAPTING: &str = r#"
resource "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}

resource "connectwise_api_member" "umbrella" {
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA"
  security_role_id = connectwise_security_role.umbrella.id
}

resource "connectwise_api_key" "umbrella" {
  count       = data.connectwise_capabilities.this.api_keys ? 1 : 0
  member_id   = connectwise_api_member.umbrella.id
  description = "Umbrella PSA Integration"
}

output "api_key_step" {
  value = data.connectwise_capabilities.this.api_keys ? "" : data.connectwise_capabilities.this.manual_steps["api_keys"]
}
"#;

fn without_all() -> SandboxConfig {
    SandboxConfig {
        extensions_off: Extension::ALL.to_vec(),
        ..SandboxConfig::default()
    }
}

#[tokio::test]
async fn everything_on_reports_every_capability() {
    let h = Harness::new().await;
    h.config(&format!("{DATA}{ADAPTING}"));
    h.apply().await;
    let caps = h.output("caps").await;
    for attr in [
        "complete",
        "role_permissions",
        "customize_items",
        "api_keys",
        "umbrella_psa_credentials",
        "umbrella_mappings",
    ] {
        assert_eq!(caps[attr], true, "{attr}: {caps:#}");
    }
    assert_eq!(caps["codebase"], "v2025_1/");
    assert_eq!(caps["api_version"], "v2025.1");
    assert_eq!(caps["manual_steps"], serde_json::json!({}));
    assert_eq!(h.output("api_key_step").await, "");
    let keys = h
        .sandbox
        .state()
        .with_tenant("sandbox", |t| t.api_keys.len());
    assert_eq!(
        keys,
        Some(1),
        "the key is created where the server has the call"
    );
    h.expect_empty_plan().await;
}

#[tokio::test]
async fn without_the_unpublished_calls_a_configuration_adapts() {
    let h = Harness::with_sandbox(without_all()).await;
    h.config(&format!("{DATA}{ADAPTING}"));
    h.apply().await;
    let caps = h.output("caps").await;
    assert_eq!(caps["complete"], false);
    assert_eq!(caps["api_keys"], false);
    assert_eq!(caps["role_permissions"], false);
    assert_eq!(caps["umbrella_psa_credentials"], false);
    let steps = caps["manual_steps"].as_object().unwrap();
    assert_eq!(steps.len(), 5, "{steps:#?}");
    let step = h.output("api_key_step").await;
    assert!(
        step.as_str()
            .unwrap()
            .contains("System > Members > API Members"),
        "{step}"
    );
    let keys = h
        .sandbox
        .state()
        .with_tenant("sandbox", |t| t.api_keys.len());
    assert_eq!(keys, Some(0));
    h.expect_empty_plan().await;
}

#[tokio::test]
async fn without_the_unpublished_calls_applies_fail_naming_the_manual_step() {
    let h = Harness::with_sandbox(without_all()).await;
    h.config(&format!(
        r#"
resource "connectwise_security_role" "umbrella" {{
  name = "Umbrella"
}}

resource "connectwise_role_permission" "table_setup" {{
  role_id       = connectwise_security_role.umbrella.id
  module        = "System"
  function      = "Table Setup"
  inquire_level = "All"
}}

resource "connectwise_api_member" "umbrella" {{
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA"
  security_role_id = connectwise_security_role.umbrella.id
}}

resource "connectwise_api_key" "umbrella" {{
  member_id   = connectwise_api_member.umbrella.id
  description = "Umbrella PSA Integration"
}}

resource "connectwise_umbrella_psa_credentials" "this" {{
  site        = "{site}"
  company_id  = "sandbox"
  public_key  = "typed-by-hand-public"
  private_key = "typed-by-hand-private"
}}
"#,
        site = h.sandbox.url()
    ));
    let out = flat(&h.apply_fails().await);
    // The role settings write (405), the API key (404), the console's PSA settings (404).
    assert!(
        out.contains("set the Add, Edit, Delete and Inquire levels"),
        "{out}"
    );
    assert!(out.contains("API Keys, click \"+\""), "{out}");
    assert!(out.contains("PSA Integration Details"), "{out}");
    assert!(
        out.contains("not in the published API specification"),
        "{out}"
    );
    assert!(!out.contains("typed-by-hand-private"), "{out}");
}

/// An API member with the procedure's narrow role (no System > Security Roles, no Member
/// Maintenance); returns its keys.
async fn narrow_member_keys(h: &Harness) -> (String, String) {
    let cw = h.client();
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "Umbrella".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let settings = cw.role_settings().list(role.id).await.unwrap();
    let table_setup = settings
        .iter()
        .find(|s| s.module_function_name.as_deref() == Some("Table Setup"))
        .unwrap();
    let ops: Vec<(LevelField, Level)> = LevelField::ALL.iter().map(|f| (*f, Level::All)).collect();
    cw.role_settings()
        .update_levels(role.id, table_setup.id, &ops)
        .await
        .unwrap();
    let mut member = cw.api_members().default().await.unwrap();
    member.identifier = "umbrella-psa".into();
    member.name = Some("Umbrella PSA Integration".into());
    member.security_role = Some(Reference::id(role.id));
    let member = cw.api_members().create(&member).await.unwrap();
    let key = cw
        .api_keys()
        .create(member.id.unwrap(), "Umbrella PSA Integration")
        .await
        .unwrap();
    let private = key
        .private_key
        .expect("the create answer has the private key");
    (key.public_key, private.expose().to_owned())
}

#[tokio::test]
async fn a_role_without_the_permission_is_reported_and_refused() {
    let h = Harness::with_sandbox(SandboxConfig {
        enforce_role_permissions: true,
        ..SandboxConfig::default()
    })
    .await;
    let (public, private) = narrow_member_keys(&h).await;
    let url = h.sandbox.url();
    let t = &h.sandbox.config().tenants[0];
    let provider = format!(
        r#"
terraform {{
  required_providers {{
    connectwise = {{ source = "{SOURCE}" }}
  }}
}}

provider "connectwise" {{
  site        = "{url}"
  company_id  = "sandbox"
  public_key  = "{public}"
  private_key = "{private}"
  client_id   = "{CLIENT_ID}"
  umbrella {{
    base_url   = "{url}"
    api_key    = "{ukey}"
    api_secret = "{usecret}"
  }}
}}
"#,
        ukey = t.umbrella_api_key,
        usecret = t.umbrella_api_secret,
    );
    h.raw_config(&format!("{provider}{DATA}"));
    h.apply().await;
    let caps = h.output("caps").await;
    assert_eq!(caps["complete"], false);
    assert_eq!(caps["role_permissions"], false, "{caps:#}");
    assert_eq!(caps["api_keys"], false, "{caps:#}");
    assert_eq!(caps["umbrella_psa_credentials"], true, "{caps:#}");
    assert!(caps["manual_steps"]["api_keys"].is_string(), "{caps:#}");
    h.raw_config(&format!(
        "{provider}{DATA}\nresource \"connectwise_security_role\" \"other\" {{\n  name = \"Other\"\n}}\n"
    ));
    let out = flat(&h.apply_fails().await);
    assert!(out.contains("HTTP 403"), "{out}");
    assert!(out.contains("Security Roles"), "{out}");
    assert!(!out.contains(&private), "{out}");
}
