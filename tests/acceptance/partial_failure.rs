//! Partial failure: a create that fails half-way leaves state pointing at what exists (tainted,
//! so the next apply replaces it), or cleans up after itself, never an orphan that Terraform does
//! not know about.

use api_client::NewSecurityRole;
use connectwise_sandbox::FaultConfig;
use serde_json::Value as Json;

use crate::harness::Harness;

/// Terraform's output with its line wrapping undone.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The provider block with a small retry budget, so injected failures end quickly.
fn provider(h: &Harness) -> String {
    h.provider_block_with("  max_retries = 1")
}

/// `(address, tainted)` of every managed resource instance in `terraform.tfstate`.
fn state_instances(h: &Harness) -> Vec<(String, bool, Json)> {
    let Ok(text) = std::fs::read_to_string(h.path().join("terraform.tfstate")) else {
        return Vec::new();
    };
    let state: Json = serde_json::from_str(&text).expect("state JSON");
    let mut out = Vec::new();
    for r in state["resources"].as_array().into_iter().flatten() {
        if r["mode"] != "managed" {
            continue;
        }
        let address = format!(
            "{}.{}",
            r["type"].as_str().unwrap_or_default(),
            r["name"].as_str().unwrap_or_default()
        );
        for i in r["instances"].as_array().into_iter().flatten() {
            out.push((
                address.clone(),
                i["status"] == "tainted",
                i["attributes"].clone(),
            ));
        }
    }
    out
}

fn instance(h: &Harness, address: &str) -> Option<(bool, Json)> {
    state_instances(h)
        .into_iter()
        .find(|(a, _, _)| a == address)
        .map(|(_, t, v)| (t, v))
}

/// The ids of the API keys member `member_id` has in ConnectWise (revoked keys are gone).
fn live_keys(h: &Harness, member_id: i32) -> Vec<i32> {
    h.sandbox
        .state()
        .api_keys("sandbox", member_id)
        .into_iter()
        .map(|k| k.id)
        .collect()
}

const MEMBER: &str = r#"
resource "connectwise_security_role" "psa" {
  name = "Partial failure"
}

resource "connectwise_api_member" "psa" {
  identifier       = "partial"
  name             = "Partial failure"
  security_role_id = connectwise_security_role.psa.id
}
"#;

fn credentials(h: &Harness, site: &str) -> String {
    format!(
        r#"{}{MEMBER}
resource "connectwise_umbrella_psa_credentials" "this" {{
  site       = "{site}"
  company_id = "sandbox"
  mint_key {{
    member_id = connectwise_api_member.psa.id
  }}
}}
"#,
        provider(h)
    )
}

const CREDS: &str = "connectwise_umbrella_psa_credentials.this";

/// Umbrella's PUT of the credentials and ConnectWise's DELETE of an API key answer 5xx; every
/// read (and minting the key) still works.
fn save_and_revoke_fail() -> FaultConfig {
    FaultConfig {
        server_error: 1.0,
        path_contains: Some("/apiKeys/|/admin/v2/config/psa".into()),
        methods: vec!["PUT".into(), "DELETE".into()],
        ..FaultConfig::default()
    }
}

fn member_id(h: &Harness) -> i32 {
    instance(h, "connectwise_api_member.psa")
        .and_then(|(_, v)| v["id"].as_str().and_then(|s| s.parse().ok()))
        .expect("member in state")
}

#[tokio::test(flavor = "multi_thread")]
async fn minted_key_is_revoked_when_umbrella_refuses_the_credentials() {
    let h = Harness::new().await;
    let site = h.sandbox.url();
    // Umbrella's PSA endpoint fails (every answer a 5xx) after the key was minted.
    h.sandbox.set_faults(FaultConfig {
        server_error: 1.0,
        path_contains: Some("/admin/v2/config/psa".into()),
        ..FaultConfig::default()
    });
    h.raw_config(&credentials(&h, &site));
    let out = flat(&h.apply_fails().await);
    assert!(
        out.contains("Cannot save the Umbrella PSA credentials"),
        "{out}"
    );
    assert!(
        out.contains("Umbrella answered HTTP 5"),
        "the last status: {out}"
    );
    h.sandbox.set_faults(FaultConfig::default());
    let member = member_id(&h);
    assert!(
        live_keys(&h, member).is_empty(),
        "the minted key was revoked: {:?}",
        live_keys(&h, member)
    );
    let minted = h
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/apiKeys"))
        .count();
    assert_eq!(minted, 1, "one key minted");
    assert!(instance(&h, CREDS).is_none(), "no credentials in state");

    // Fixed, the next apply mints exactly one live key.
    h.raw_config(&credentials(&h, &site));
    h.apply().await;
    assert_eq!(live_keys(&h, member).len(), 1);
    h.expect_empty_plan().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn minted_key_that_cannot_be_revoked_stays_in_state_tainted() {
    let h = Harness::new().await;
    let site = h.sandbox.url();
    // Create the member first, then make the save fail (Umbrella's PUT answers 5xx after the key
    // was minted) and the revocation too (ConnectWise's DELETE `.../apiKeys/{id}` a 5xx).
    h.raw_config(&format!("{}{MEMBER}", provider(&h)));
    h.apply().await;
    let member = member_id(&h);
    h.sandbox.set_faults(save_and_revoke_fail());
    h.raw_config(&credentials(&h, &site));
    let out = flat(&h.apply_fails().await);
    assert!(
        out.contains("Cannot save the Umbrella PSA credentials"),
        "{out}"
    );
    let keys = live_keys(&h, member);
    assert_eq!(keys.len(), 1, "the minted key could not be revoked");
    let (tainted, attrs) = instance(&h, CREDS).unwrap_or_else(|| {
        panic!("the minted key is an orphan: not in state ({out})");
    });
    assert!(tainted, "the half-created credentials are tainted");
    assert_eq!(
        attrs["minted_key_id"].as_str(),
        Some(keys[0].to_string().as_str()),
        "state points at the minted key"
    );

    // The server recovers: the next apply replaces the tainted object, revoking that key.
    h.sandbox.set_faults(FaultConfig::default());
    h.raw_config(&credentials(&h, &site));
    h.apply().await;
    let now = live_keys(&h, member);
    assert_eq!(now.len(), 1, "exactly one live key: {now:?}");
    assert_ne!(now[0], keys[0], "the stranded key was revoked");
    let (tainted, _) = instance(&h, CREDS).expect("credentials in state");
    assert!(!tainted);
    h.expect_empty_plan().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn minted_key_of_a_failed_update_that_cannot_be_revoked_is_revoked_by_the_next_apply() {
    let h = Harness::new().await;
    let site = h.sandbox.url();
    h.raw_config(&credentials(&h, &site));
    h.apply().await;
    let member = member_id(&h);
    let first = live_keys(&h, member);
    assert_eq!(first.len(), 1);

    // An update (another spelling of the site) mints a key, Umbrella's PUT fails, and revoking
    // the new key fails too.
    h.sandbox.set_faults(save_and_revoke_fail());
    h.raw_config(&credentials(&h, &site.replace("127.0.0.1", "localhost")));
    let out = flat(&h.apply_fails().await);
    assert!(out.contains("Minted API key left behind"), "{out}");
    let stranded: Vec<i32> = live_keys(&h, member)
        .into_iter()
        .filter(|k| !first.contains(k))
        .collect();
    assert_eq!(stranded.len(), 1, "one key minted and not revoked");
    let (_, attrs) = instance(&h, CREDS).expect("credentials stay in state");
    assert_eq!(
        attrs["minted_key_id"].as_str(),
        Some(first[0].to_string().as_str()),
        "the state still describes what Umbrella uses"
    );

    // The server recovers and the configuration is back to what the state holds: the plan is
    // not empty while a minted key is left, and the apply revokes it.
    h.sandbox.set_faults(FaultConfig::default());
    h.raw_config(&credentials(&h, &site));
    assert_eq!(h.planned_actions(CREDS).await, ["update"]);
    h.apply().await;
    let now = live_keys(&h, member);
    assert_eq!(now.len(), 1, "exactly one live key: {now:?}");
    assert!(
        !now.contains(&stranded[0]) && !now.contains(&first[0]),
        "the stranded and the replaced keys were revoked: {now:?}"
    );
    h.expect_empty_plan().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn permission_set_failing_midway_keeps_what_was_applied_in_state() {
    let h = Harness::new().await;
    let role = h
        .client()
        .security_roles()
        .create(&NewSecurityRole {
            name: "Partial set".into(),
            ..NewSecurityRole::default()
        })
        .await
        .expect("role");
    let table_setup = h
        .sandbox
        .state()
        .with_tenant("sandbox", |t| {
            t.settings
                .values()
                .find(|s| s.role_id == role.id && s.module_function_name == "Table Setup")
                .map(|s| s.id)
        })
        .flatten()
        .expect("Table Setup row");
    let config = format!(
        r#"{}
resource "connectwise_role_permission_set" "this" {{
  role_id = "{role}"
  permission {{
    module        = "Companies"
    function      = "Company Maintenance"
    inquire_level = "All"
  }}
  permission {{
    module         = "System"
    function       = "Table Setup"
    add_level      = "All"
    edit_level     = "All"
    inquire_level  = "All"
    allowed_tables = ["Company / Configuration", "Service / Priority"]
  }}
}}
"#,
        provider(&h),
        role = role.id
    );
    // The Table Setup allow-list calls fail; the levels before it were written.
    h.sandbox.set_faults(FaultConfig {
        server_error: 1.0,
        path_contains: Some(format!("/settings/{table_setup}/customizeItems")),
        ..FaultConfig::default()
    });
    h.raw_config(&config);
    let out = flat(&h.apply_fails().await);
    assert!(
        out.contains("customizeItems"),
        "names the failed call: {out}"
    );
    let levels = |function: &str| {
        h.sandbox
            .state()
            .with_tenant("sandbox", |t| {
                t.settings
                    .values()
                    .find(|s| s.role_id == role.id && s.module_function_name == function)
                    .map(|s| s.inquire_level.as_str().to_string())
            })
            .flatten()
            .expect("row")
    };
    let wrote: Vec<String> = h
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.path.clone())
        .collect();
    assert!(
        !wrote.is_empty(),
        "something was written before the failure"
    );
    let (tainted, attrs) = instance(&h, "connectwise_role_permission_set.this")
        .unwrap_or_else(|| panic!("what was applied is not in state: {wrote:?}"));
    assert!(tainted, "the half-applied set is tainted");
    assert_eq!(attrs["role_id"], role.id.to_string());
    eprintln!(
        "half-applied: Company Maintenance inquire={}, Table Setup inquire={}",
        levels("Company Maintenance"),
        levels("Table Setup")
    );

    // Recovered: the next apply replaces the set and ends exactly as declared.
    h.sandbox.set_faults(FaultConfig::default());
    h.apply().await;
    assert_eq!(levels("Company Maintenance"), "All");
    assert_eq!(levels("Table Setup"), "All");
    let items: Vec<String> = h
        .sandbox
        .state()
        .with_tenant("sandbox", |t| {
            let mut v: Vec<String> = t
                .customize_items
                .values()
                .filter(|i| i.role_id == role.id)
                .map(|i| i.item_identifier.clone())
                .collect();
            v.sort();
            v
        })
        .unwrap_or_default();
    assert_eq!(items.len(), 2, "exactly the declared allow-list: {items:?}");
    h.expect_empty_plan().await;
}
