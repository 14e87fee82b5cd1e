//! `connectwise_umbrella_psa_credentials`, `connectwise_umbrella_psa_company_mapping` and the data
//! source `connectwise_umbrella_customers`: the Umbrella side of the integration, end to end
//! (Umbrella's `connectionStatus` is the sandbox checking the stored keys against its ConnectWise).

use std::time::Duration;

use crate::harness::Harness;
use api_client::umbrella::{ConnectionStatus, Umbrella, UmbrellaConfig};
use api_client::{ApiKey, NewSecurityRole, Reference, Secret};
use connectwise_sandbox::umbrella::StoredPsa;

const CREDS: &str = "connectwise_umbrella_psa_credentials.this";
const KEY: &str = "connectwise_api_key.umbrella";

/// Terraform's output with its line wrapping undone.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn company(h: &Harness) -> String {
    h.sandbox.config().tenants[0].company_id.clone()
}

fn console_key(h: &Harness) -> String {
    h.sandbox.config().tenants[0].umbrella_api_key.clone()
}

/// The PSA settings as the Umbrella emulator stores them (private key included).
fn stored_psa(h: &Harness) -> Option<StoredPsa> {
    h.sandbox
        .umbrella()
        .with_console(&console_key(h), |c| c.psa.clone())
        .flatten()
}

fn stored_private_key(h: &Harness) -> String {
    stored_psa(h)
        .map(|p| p.private_key)
        .expect("Umbrella holds PSA settings")
}

/// An Umbrella client for the sandbox console, without client-side throttling.
fn umbrella(h: &Harness) -> Umbrella {
    let t = &h.sandbox.config().tenants[0];
    let mut cfg = UmbrellaConfig::new(
        t.umbrella_api_key.clone(),
        Secret::new(t.umbrella_api_secret.clone()),
    );
    cfg.base_url = h.sandbox.url();
    cfg.rate_limits = Vec::new();
    Umbrella::new(cfg).expect("Umbrella client")
}

/// `connectionStatus` of `GET /admin/v2/config/psa`.
async fn remote_status(h: &Harness) -> ConnectionStatus {
    umbrella(h)
        .get_psa()
        .await
        .expect("GET /admin/v2/config/psa")
        .expect("PSA settings exist")
        .connection_status
}

/// A role and an API member made out of band, with one API key; returns the member id and key.
async fn member_with_key(h: &Harness, identifier: &str) -> (i32, ApiKey) {
    let cw = h.client();
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: format!("Role {identifier}"),
            ..NewSecurityRole::default()
        })
        .await
        .expect("create role");
    let mut member = cw.api_members().default().await.expect("member template");
    member.identifier = identifier.into();
    member.name = Some(format!("{identifier} member"));
    member.security_role = Some(Reference::id(role.id));
    let member = cw
        .api_members()
        .create(&member)
        .await
        .expect("create member");
    let id = member.id.expect("member id");
    let key = cw
        .api_keys()
        .create(id, "Umbrella PSA Integration")
        .await
        .expect("create key");
    (id, key)
}

/// Role, API member and API key as resources, and the credentials wired to the key.
fn credentials_from_key(h: &Harness, generation: u32) -> String {
    format!(
        r#"
resource "connectwise_security_role" "umbrella" {{
  name = "Umbrella"
}}

resource "connectwise_api_member" "umbrella" {{
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA"
  security_role_id = connectwise_security_role.umbrella.id
}}

resource "connectwise_api_key" "umbrella" {{
  member_id         = connectwise_api_member.umbrella.id
  description       = "Umbrella PSA Integration"
  rotation_triggers = {{ generation = "{generation}" }}

  lifecycle {{
    create_before_destroy = true
  }}
}}

resource "connectwise_umbrella_psa_credentials" "this" {{
  site        = "{site}"
  company_id  = "{company}"
  public_key  = connectwise_api_key.umbrella.public_key
  private_key = connectwise_api_key.umbrella.private_key
}}
"#,
        site = h.sandbox.url(),
        company = company(h),
    )
}

fn key_id_of(state: &serde_json::Value) -> i32 {
    state["key_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no key_id in {state}"))
}

fn member_id_of(state: &serde_json::Value) -> i32 {
    state["member_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no member_id in {state}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn umbrella_credentials_from_api_key_rotation_drift_and_import() {
    let h = Harness::new().await;

    // Credentials from a created key: Umbrella's check of them against ConnectWise says ok.
    h.config(&credentials_from_key(&h, 1));
    h.apply().await;
    let creds = h.resource(CREDS).await;
    let key = h.resource(KEY).await;
    assert_eq!(creds["id"], "psa");
    assert_eq!(creds["connection_status"], "ok");
    assert_eq!(creds["enabled"], true);
    assert!(creds["minted_key_id"].is_null());
    assert!(creds["updated_at"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(creds["public_key"], key["public_key"]);
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    let psa = stored_psa(&h).expect("PSA settings stored");
    assert_eq!(psa.company_id, company(&h));
    assert_eq!(Some(psa.private_key.as_str()), key["private_key"].as_str());
    h.expect_empty_plan().await;

    // Rotation: a new key first, the credentials updated in place, then the old key revoked.
    let (member_id, old_key_id) = (member_id_of(&key), key_id_of(&key));
    h.config(&credentials_from_key(&h, 2));
    let plan = h.plan().await;
    let action = |addr: &str| {
        plan.iter()
            .find(|c| c.address == addr)
            .map(|c| c.actions.clone())
            .unwrap_or_default()
    };
    assert_eq!(action(KEY), ["create", "delete"], "{plan:#?}");
    assert_eq!(action(CREDS), ["update"], "{plan:#?}");
    h.apply().await;
    let creds = h.resource(CREDS).await;
    let key = h.resource(KEY).await;
    assert_ne!(key_id_of(&key), old_key_id);
    assert_eq!(creds["public_key"], key["public_key"]);
    assert_eq!(creds["connection_status"], "ok");
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    let live: Vec<i32> = h
        .sandbox
        .state()
        .api_keys(&company(&h), member_id)
        .iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(live, [key_id_of(&key)], "only the new key is left");
    h.expect_empty_plan().await;

    // Changed out of band: the drift shows and the next apply puts the configuration back.
    h.sandbox.umbrella().with_console(&console_key(&h), |c| {
        if let Some(psa) = c.psa.as_mut() {
            psa.public_key = "tampered-public-key".into();
            psa.enabled = false;
        }
    });
    let plan = h.plan().await;
    let change = plan
        .iter()
        .find(|c| c.address == CREDS)
        .expect("credentials in plan");
    assert_eq!(change.actions, ["update"]);
    assert_eq!(change.before["public_key"], "tampered-public-key");
    assert_eq!(change.before["enabled"], false);
    assert_eq!(change.after["enabled"], true);
    h.apply().await;
    let psa = stored_psa(&h).expect("PSA settings stored");
    assert_eq!(Some(psa.public_key.as_str()), key["public_key"].as_str());
    assert!(psa.enabled);
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    h.expect_empty_plan().await;

    // Removed out of band: planned again and created again.
    h.sandbox
        .umbrella()
        .with_console(&console_key(&h), |c| c.psa = None);
    assert_eq!(h.planned_actions(CREDS).await, ["create"]);
    h.apply().await;
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    h.expect_empty_plan().await;

    // Import: the private key cannot be read back; a warning says so, the next apply sends it
    // as an in-place update, and then the plan is empty.
    let before = h.resource(CREDS).await;
    let rm = h.terraform(&["state", "rm", "-no-color", CREDS]).await;
    assert!(rm.ok, "{}", rm.text());
    let bad = h
        .terraform(&["import", "-no-color", CREDS, "console"])
        .await;
    assert!(!bad.ok);
    assert!(bad.text().contains("Invalid import id"), "{}", bad.text());
    let import = h.terraform(&["import", "-no-color", CREDS, "psa"]).await;
    assert!(import.ok, "{}", import.text());
    assert!(
        import.text().contains("The private key was not imported"),
        "{}",
        import.text()
    );
    let imported = h.resource(CREDS).await;
    for attr in ["id", "site", "company_id", "public_key", "enabled"] {
        assert_eq!(imported[attr], before[attr], "{attr} after import");
    }
    assert!(imported["private_key"].is_null());
    assert_eq!(h.planned_actions(CREDS).await, ["update"]);
    h.apply().await;
    h.expect_empty_plan().await;
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);

    // Destroy removes the settings from Umbrella.
    h.destroy().await;
    assert!(stored_psa(&h).is_none());
}

fn mappings(company_expr: &str, extra: &str) -> String {
    format!(
        r#"
data "connectwise_umbrella_customers" "all" {{}}

data "connectwise_umbrella_customers" "bolt" {{
  name_filter = "BOLT"
}}

resource "connectwise_umbrella_psa_company_mapping" "customer" {{
  for_each = {{ for c in data.connectwise_umbrella_customers.all.customers : tostring(c.customer_id) => c }}

  customer_id    = each.value.customer_id
  psa_company_id = {company_expr}
}}

output "bolt" {{
  value = data.connectwise_umbrella_customers.bolt.customers
}}
{extra}
"#
    )
}

fn stored_mappings(h: &Harness) -> Vec<(u64, String)> {
    h.sandbox
        .umbrella()
        .with_console(&console_key(h), |c| {
            c.mappings.iter().map(|(k, v)| (*k, v.clone())).collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn umbrella_company_mappings_for_each_customer() {
    let h = Harness::new().await;
    let by_name = r#"replace(each.value.customer_name, " ", "")"#;

    h.config(&mappings(by_name, ""));
    h.apply().await;
    let expected = vec![
        (2_000_001, "AcmeDental".to_string()),
        (2_000_002, "BoltLegal".to_string()),
        (2_000_003, "CobaltClinics".to_string()),
    ];
    assert_eq!(stored_mappings(&h), expected);
    let acme = h
        .resource(r#"connectwise_umbrella_psa_company_mapping.customer["2000001"]"#)
        .await;
    assert_eq!(acme["id"], "2000001");
    assert_eq!(acme["customer_name"], "Acme Dental");
    assert_eq!(acme["psa_company_id"], "AcmeDental");
    let out = h.terraform(&["output", "-json", "bolt"]).await;
    let bolt: serde_json::Value = serde_json::from_str(&out.stdout).expect("output JSON");
    assert_eq!(
        bolt,
        serde_json::json!([{"customer_id": 2000002, "customer_name": "Bolt Legal", "seats": 25}])
    );
    h.expect_empty_plan().await;

    // A new company id is an update in place.
    h.config(&mappings(&format!("upper({by_name})"), ""));
    let plan = h.plan().await;
    assert_eq!(plan.len(), 3);
    assert!(plan.iter().all(|c| c.actions == ["update"]), "{plan:#?}");
    h.apply().await;
    assert_eq!(stored_mappings(&h)[0].1, "ACMEDENTAL");
    h.expect_empty_plan().await;

    // Import by customer id reads back the same state.
    h.import_verify(
        r#"connectwise_umbrella_psa_company_mapping.customer["2000002"]"#,
        "2000002",
        &[],
    )
    .await;
    h.expect_empty_plan().await;

    // Drift: changed and removed out of band.
    h.sandbox.umbrella().with_console(&console_key(&h), |c| {
        c.mappings.insert(2_000_001, "Someone".into());
        c.mappings.remove(&2_000_003);
    });
    let plan = h.plan().await;
    let action = |id: &str| {
        plan.iter()
            .find(|c| c.address.contains(id))
            .map(|c| c.actions.clone())
            .unwrap_or_default()
    };
    assert_eq!(action("2000001"), ["update"]);
    assert_eq!(action("2000003"), ["create"]);
    h.apply().await;
    assert_eq!(stored_mappings(&h).len(), 3);
    h.expect_empty_plan().await;

    // An unknown customer is a clear error on customer_id at plan time.
    h.config(&mappings(
        &format!("upper({by_name})"),
        r#"
resource "connectwise_umbrella_psa_company_mapping" "stray" {
  customer_id    = 999
  psa_company_id = "Stray"
}
"#,
    ));
    let err = flat(&h.plan_fails().await);
    assert!(err.contains("Unknown Umbrella customer"), "{err}");
    assert!(err.contains("no customer with id 999"), "{err}");
    assert!(err.contains("2000001 (Acme Dental)"), "{err}");
    assert!(err.contains("customer_id"), "{err}");

    // A company id that is too long is refused before anything is sent.
    h.config(&mappings(
        r#""${each.key}-this-is-far-too-long-for-cw""#,
        "",
    ));
    let err = flat(&h.plan_fails().await);
    assert!(err.contains("between 1 and 30 characters long"), "{err}");

    // Destroy removes the mappings.
    h.config(&mappings(&format!("upper({by_name})"), ""));
    h.destroy().await;
    assert!(stored_mappings(&h).is_empty());
}

fn mint_config(h: &Harness, triggers: &str) -> String {
    format!(
        r#"
resource "connectwise_security_role" "umbrella" {{
  name = "Umbrella"
}}

resource "connectwise_api_member" "umbrella" {{
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA"
  security_role_id = connectwise_security_role.umbrella.id
}}

resource "connectwise_umbrella_psa_credentials" "this" {{
  site       = "{site}"
  company_id = "{company}"

  mint_key {{
    member_id         = connectwise_api_member.umbrella.id
    rotation_triggers = {{ rotated = "{triggers}" }}
  }}
}}
"#,
        site = h.sandbox.url(),
        company = company(h),
    )
}

/// Everything Terraform wrote or printed: state, plan (text and JSON), the trace log.
async fn terraform_traces(h: &Harness, printed: &[String]) -> String {
    let mut all = printed.join("\n");
    let plan = h.terraform(&["plan", "-no-color", "-out=tfplan"]).await;
    assert!(plan.ok, "{}", plan.text());
    all.push_str(&plan.text());
    let show = h.terraform(&["show", "-json", "tfplan"]).await;
    all.push_str(&show.text());
    let show_state = h.terraform(&["show", "-json"]).await;
    all.push_str(&show_state.text());
    for file in ["terraform.tfstate", "terraform.tfstate.backup", "trace.log"] {
        all.push_str(&std::fs::read_to_string(h.path().join(file)).unwrap_or_default());
    }
    all
}

fn enable_trace(h: &mut Harness) {
    let log = h.path().join("trace.log");
    h.env.push(("TF_LOG".into(), "trace".into()));
    h.env
        .push(("TF_LOG_PATH".into(), log.display().to_string()));
}

fn assert_trace_is_real(h: &Harness) {
    let log = std::fs::read_to_string(h.path().join("trace.log")).unwrap_or_default();
    assert!(
        log.contains("ApplyResourceChange") || log.contains("apply_resource_change"),
        "the trace log does not cover the apply"
    );
    assert!(
        log.contains("REST call") && log.contains("/admin/v2/config/psa"),
        "the trace log does not hold the provider's own Umbrella call logs"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn umbrella_credentials_mint_mode_never_exposes_the_key() {
    let mut h = Harness::new().await;
    enable_trace(&mut h);

    h.config(&mint_config(&h, "one"));
    let applied = h.apply().await;
    let creds = h.resource(CREDS).await;
    assert_eq!(creds["connection_status"], "ok");
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    let member_id: i32 = h.resource("connectwise_api_member.umbrella").await["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("member id");
    let key_id: i32 = creds["minted_key_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("minted_key_id");
    let keys = h.sandbox.state().api_keys(&company(&h), member_id);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].id, key_id);
    assert_eq!(
        creds["public_key"].as_str(),
        Some(keys[0].public_key.as_str())
    );
    assert!(creds["private_key"].is_null());

    let secret = stored_private_key(&h);
    assert!(secret.len() >= 16, "the sandbox mints real keys");
    let traces = terraform_traces(&h, &[applied.text()]).await;
    assert_trace_is_real(&h);
    assert!(
        !traces.contains(&secret),
        "the minted private key leaked into Terraform's output, state or logs"
    );
    h.expect_empty_plan().await;

    // Rotation by trigger: a new key is minted and handed over, then the old one is revoked.
    h.config(&mint_config(&h, "two"));
    assert_eq!(h.planned_actions(CREDS).await, ["update"]);
    let applied = h.apply().await;
    let creds = h.resource(CREDS).await;
    let new_id: i32 = creds["minted_key_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("minted_key_id");
    assert_ne!(new_id, key_id);
    let keys = h.sandbox.state().api_keys(&company(&h), member_id);
    assert_eq!(
        keys.iter().map(|k| k.id).collect::<Vec<_>>(),
        [new_id],
        "old key revoked"
    );
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    let new_secret = stored_private_key(&h);
    assert_ne!(new_secret, secret);
    let traces = terraform_traces(&h, &[applied.text()]).await;
    assert!(!traces.contains(&new_secret), "rotated key leaked");
    h.expect_empty_plan().await;

    // The minted key revoked in ConnectWise out of band: Umbrella reports "unauthorized",
    // and the plan mints a new key.
    h.client()
        .api_keys()
        .delete(member_id, new_id)
        .await
        .expect("revoke out of band");
    assert_eq!(remote_status(&h).await, ConnectionStatus::Unauthorized);
    assert_eq!(h.planned_actions(CREDS).await, ["update"]);
    h.apply().await;
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    h.expect_empty_plan().await;

    // Destroy removes the settings and revokes the minted key.
    h.destroy().await;
    assert!(stored_psa(&h).is_none());
    assert!(
        h.sandbox
            .state()
            .api_keys(&company(&h), member_id)
            .is_empty()
    );
}

fn write_only_config(h: &Harness, version: u32) -> String {
    format!(
        r#"
variable "public_key" {{
  type = string
}}

variable "private_key" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

resource "connectwise_umbrella_psa_credentials" "this" {{
  site                   = "{site}"
  company_id             = "{company}"
  public_key             = var.public_key
  private_key_wo         = var.private_key
  private_key_wo_version = {version}
}}
"#,
        site = h.sandbox.url(),
        company = company(h),
    )
}

fn set_key_vars(h: &mut Harness, key: &ApiKey) {
    h.env.retain(|(k, _)| !k.starts_with("TF_VAR_"));
    h.env
        .push(("TF_VAR_public_key".into(), key.public_key.clone()));
    h.env.push((
        "TF_VAR_private_key".into(),
        key.private_key
            .as_ref()
            .map(|s| s.expose().to_string())
            .expect("a new key has its private key"),
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn umbrella_credentials_write_only_key_stays_out_of_state() {
    let mut h = Harness::new().await;
    enable_trace(&mut h);
    let (member_id, key) = member_with_key(&h, "umbrella-wo").await;
    set_key_vars(&mut h, &key);

    h.config(&write_only_config(&h, 1));
    let applied = h.apply().await;
    let creds = h.resource(CREDS).await;
    assert_eq!(creds["connection_status"], "ok");
    assert!(creds["private_key_wo"].is_null());
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    let secret = key.private_key.as_ref().map(|s| s.expose().to_string());
    let secret = secret.expect("private key");
    assert_eq!(stored_private_key(&h), secret);
    let traces = terraform_traces(&h, &[applied.text()]).await;
    assert_trace_is_real(&h);
    assert!(
        !traces.contains(&secret),
        "the write-only private key leaked into Terraform's output, state or logs"
    );
    h.expect_empty_plan().await;

    // A new key and a new version: an in-place update, status ok.
    let cw = h.client();
    let second = cw
        .api_keys()
        .create(member_id, "Umbrella PSA Integration 2")
        .await
        .expect("second key");
    set_key_vars(&mut h, &second);
    h.config(&write_only_config(&h, 2));
    assert_eq!(h.planned_actions(CREDS).await, ["update"]);
    let applied = h.apply().await;
    cw.api_keys()
        .delete(member_id, key.id)
        .await
        .expect("revoke the first key");
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    let second_secret = stored_private_key(&h);
    assert_eq!(
        Some(second_secret.as_str()),
        second.private_key.as_ref().map(Secret::expose)
    );
    let traces = terraform_traces(&h, &[applied.text()]).await;
    assert!(!traces.contains(&second_secret), "second key leaked");
    h.expect_empty_plan().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn umbrella_credentials_configuration_errors() {
    let h = Harness::new().await;
    let site = h.sandbox.url();
    let creds = |body: &str| {
        format!(
            "resource \"connectwise_umbrella_psa_credentials\" \"this\" {{\n  site = \"{site}\"\n  company_id = \"sandbox\"\n{body}\n}}\n"
        )
    };

    h.config(&creds("  public_key = \"p\""));
    let err = flat(&h.plan_fails().await);
    // No key at all: fine for imported credentials, but new ones need a key.
    assert!(err.contains("Missing private key"), "{err}");
    assert!(err.contains("private_key_wo"), "{err}");

    h.config(&creds(
        "  public_key = \"p\"\n  private_key = \"s\"\n  private_key_wo = \"s\"\n  private_key_wo_version = 1",
    ));
    let err = flat(&h.plan_fails().await);
    assert!(err.contains("got `private_key`, `private_key_wo`"), "{err}");

    h.config(&creds("  private_key = \"s\""));
    let err = flat(&h.plan_fails().await);
    assert!(err.contains("`public_key` is required unless"), "{err}");

    h.config(&creds("  public_key = \"p\"\n  private_key_wo = \"s\""));
    let err = flat(&h.plan_fails().await);
    assert!(
        err.contains("`private_key_wo_version` is required"),
        "{err}"
    );

    h.config(&creds(
        "  public_key = \"p\"\n  mint_key {\n    member_id = \"150\"\n  }",
    ));
    let err = flat(&h.plan_fails().await);
    assert!(
        err.contains("must not be set together with `mint_key`"),
        "{err}"
    );

    // Without Umbrella credentials an Umbrella resource is a clear error.
    let t = &h.sandbox.config().tenants[0];
    let no_umbrella = h
        .provider_block()
        .replace(
            &format!("    api_key    = \"{}\"\n", t.umbrella_api_key),
            "",
        )
        .replace(
            &format!("    api_secret = \"{}\"\n", t.umbrella_api_secret),
            "",
        );
    h.raw_config(&format!(
        "{no_umbrella}\n{}",
        creds("  public_key = \"p\"\n  private_key = \"s\"")
    ));
    let err = flat(&h.plan_fails().await);
    assert!(err.contains("Missing Umbrella configuration"), "{err}");
    assert!(err.contains("umbrella.api_key"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn umbrella_wrong_secret_is_a_clear_error_without_the_secret() {
    let h = Harness::new().await;
    let (_, key) = member_with_key(&h, "umbrella-bad").await;
    let wrong = "wrong-secret-4f9a2c71e3";
    let t = &h.sandbox.config().tenants[0];
    let provider = h.provider_block().replace(&t.umbrella_api_secret, wrong);
    let private = key.private_key.as_ref().map(Secret::expose).unwrap_or("");
    h.raw_config(&format!(
        r#"{provider}
data "connectwise_umbrella_customers" "all" {{}}
"#
    ));
    let err = flat(&h.plan_fails().await);
    assert!(
        err.contains("Cannot list the Umbrella managed customers"),
        "{err}"
    );
    assert!(err.contains("Umbrella refused the credentials"), "{err}");
    assert!(err.contains("umbrella.api_secret"), "{err}");
    assert!(!err.contains(wrong), "the secret is in the error: {err}");

    h.raw_config(&format!(
        r#"{provider}
resource "connectwise_umbrella_psa_credentials" "this" {{
  site        = "{site}"
  company_id  = "{company}"
  public_key  = "{public}"
  private_key = "{private}"
}}
"#,
        site = h.sandbox.url(),
        company = company(&h),
        public = key.public_key,
    ));
    let err = flat(&h.apply_fails().await);
    assert!(
        err.contains("Cannot save the Umbrella PSA credentials"),
        "{err}"
    );
    assert!(err.contains("Umbrella refused the credentials"), "{err}");
    assert!(!err.contains(wrong), "the secret is in the error: {err}");
    assert!(!err.contains(private), "the private key is in the error");
    assert!(stored_psa(&h).is_none());
}

/// Expires every Umbrella token after each successful API call until one call is answered
/// "expired" (HTTP 400), so that a token cached by the provider goes stale in the middle of a run.
fn expire_tokens_mid_run(h: &Harness) -> tokio::task::JoinHandle<bool> {
    let umbrella = h.sandbox.umbrella();
    tokio::spawn(async move {
        let mut seen = 0;
        for _ in 0..60_000 {
            let requests = umbrella.requests();
            let api = || requests.iter().filter(|r| r.path != "/auth/v2/token");
            if api().any(|r| r.status == 400) {
                return true;
            }
            let ok = api().filter(|r| r.status < 300).count();
            if ok > seen {
                seen = ok;
                umbrella.expire_tokens();
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        false
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn umbrella_token_expiry_and_token_rate_limits_are_survived() {
    let h = Harness::new().await;
    let (_, key) = member_with_key(&h, "umbrella-tok").await;
    let private = key.private_key.as_ref().map(Secret::expose).unwrap_or("");
    let config = mappings(
        r#"replace(each.value.customer_name, " ", "")"#,
        &format!(
            r#"
resource "connectwise_umbrella_psa_credentials" "this" {{
  site        = "{site}"
  company_id  = "{company}"
  public_key  = "{public}"
  private_key = "{private}"
}}
"#,
            site = h.sandbox.url(),
            company = company(&h),
            public = key.public_key,
        ),
    );
    h.config(&config);

    // Tokens expire between the calls of one run: each refused call gets a new token and is
    // retried once.
    let umbrella = h.sandbox.umbrella();
    umbrella.clear_requests();
    let watcher = expire_tokens_mid_run(&h);
    let run = h
        .terraform(&["apply", "-auto-approve", "-no-color", "-parallelism=1"])
        .await;
    watcher.abort();
    assert!(run.ok, "apply failed:\n{}", run.text());
    let requests = umbrella.requests();
    let expired = requests
        .iter()
        .position(|r| r.status == 400 && r.path != "/auth/v2/token")
        .unwrap_or_else(|| panic!("no call met an expired token: {requests:#?}"));
    let retried = &requests[expired + 1..];
    assert_eq!(retried[0].path, "/auth/v2/token", "{requests:#?}");
    assert_eq!(retried[0].status, 200);
    assert_eq!(retried[1].path, requests[expired].path, "{requests:#?}");
    assert!(retried[1].status < 300, "{requests:#?}");
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    assert_eq!(stored_mappings(&h).len(), 3);
    h.expect_empty_plan().await;

    // HTTP 429 from the token endpoint is waited out.
    umbrella.clear_requests();
    umbrella.refuse_token_requests(2);
    h.sandbox
        .umbrella()
        .with_console(&console_key(&h), |c| c.psa = None);
    let run = h.apply().await;
    assert!(!run.text().contains("rate limit"), "{}", run.text());
    let tokens: Vec<u16> = umbrella
        .requests()
        .iter()
        .filter(|r| r.path == "/auth/v2/token")
        .map(|r| r.status)
        .collect();
    assert_eq!(tokens[..3], [429, 429, 200], "{tokens:?}");
    assert_eq!(remote_status(&h).await, ConnectionStatus::Ok);
    h.expect_empty_plan().await;
}
