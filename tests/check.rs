//! `terraform-provider-connectwise check` against the sandbox: everything on (exit 0), the calls
//! outside the published API switched off (exit 1, each named with its manual step), an API
//! member whose role lacks a permission (403), and a missing configuration (exit 2). The binary
//! is run as a user would, with the provider's environment variables and nothing else.

use api_client::{ConnectWise, ConnectWiseConfig, Level, LevelField, NewSecurityRole, Secret};
use connectwise_sandbox::{Extension, Sandbox, SandboxConfig};
use serde_json::Value;

const CLIENT_ID: &str = "3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19";

struct Checked {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `check` (with `args`) against `sandbox` as ConnectWise key pair `keys`.
async fn check(sandbox: &Sandbox, keys: (&str, &str), args: &[&str]) -> Checked {
    let t = &sandbox.config().tenants[0];
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"))
        .arg("check")
        .args(args)
        .env_clear()
        .env("CONNECTWISE_SITE", sandbox.url())
        .env("CONNECTWISE_COMPANY_ID", &t.company_id)
        .env("CONNECTWISE_PUBLIC_KEY", keys.0)
        .env("CONNECTWISE_PRIVATE_KEY", keys.1)
        .env("CONNECTWISE_CLIENT_ID", CLIENT_ID)
        .env("UMBRELLA_BASE_URL", sandbox.url())
        .env("UMBRELLA_API_KEY", &t.umbrella_api_key)
        .env("UMBRELLA_API_SECRET", &t.umbrella_api_secret)
        .output()
        .await
        .expect("the provider binary runs");
    Checked {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn check_json(sandbox: &Sandbox, keys: (&str, &str)) -> (Option<i32>, Value) {
    let run = check(sandbox, keys, &["--json"]).await;
    let json = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("JSON expected ({e}):\n{}\n{}", run.stdout, run.stderr));
    (run.code, json)
}

fn admin(sandbox: &Sandbox) -> (String, String) {
    let t = &sandbox.config().tenants[0];
    (t.public_key.clone(), t.private_key.clone())
}

/// The result of the probe of `call` in the JSON.
fn result_of<'a>(json: &'a Value, call: &str) -> &'a str {
    json["calls"]
        .as_array()
        .and_then(|calls| calls.iter().find(|c| c["call"] == call))
        .and_then(|c| c["result"].as_str())
        .unwrap_or_else(|| panic!("no call {call} in {json:#}"))
}

#[tokio::test]
async fn everything_on_exits_0_and_changes_nothing() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let keys = admin(&sandbox);
    let run = check(&sandbox, (&keys.0, &keys.1), &[]).await;
    assert_eq!(run.code, Some(0), "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("authentication and clientId: accepted"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("codebase: v2025_1/"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("Everything the provider needs is there.")
    );
    assert!(
        !run.stdout.contains(&keys.1),
        "the private key must never be printed"
    );
    let (code, json) = check_json(&sandbox, (&keys.0, &keys.1)).await;
    assert_eq!(code, Some(0));
    assert_eq!(json["format"], 1);
    assert_eq!(json["complete"], true);
    assert_eq!(json["connectwise"]["version_code"], "v2025.1");
    for area in [
        "role_permissions",
        "customize_items",
        "api_keys",
        "umbrella_psa_credentials",
        "umbrella_mappings",
    ] {
        assert_eq!(json["areas"][area], true, "{area}");
    }
    assert_eq!(json["manual_steps"], serde_json::json!({}));
    assert!(
        json["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["works"] == true)
    );
    // One table costs few calls: Umbrella's documented 14 per minute leave room for both runs.
    let requests = sandbox.requests();
    let umbrella_calls = requests
        .iter()
        .filter(|r| r.path.starts_with("/admin/"))
        .count();
    assert_eq!(umbrella_calls, 2 * 3, "three Umbrella API calls per run");
    assert!(
        requests.len() <= 2 * 18,
        "{} requests for two runs",
        requests.len()
    );
    // Only reads were sent, apart from the one empty JSON-Patch.
    let writes: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD" | "OPTIONS"))
        .filter(|r| r.path != "/auth/v2/token")
        .collect();
    assert!(
        writes
            .iter()
            .all(|r| r.method == "PATCH" && r.path.contains("/settings/")),
        "{writes:?}"
    );
}

#[tokio::test]
async fn unpublished_calls_off_exit_1_naming_each_manual_step() {
    let sandbox = Sandbox::start(SandboxConfig {
        extensions_off: Extension::ALL.to_vec(),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let keys = admin(&sandbox);
    let (code, json) = check_json(&sandbox, (&keys.0, &keys.1)).await;
    assert_eq!(code, Some(1), "{json:#}");
    assert_eq!(json["complete"], false);
    assert_eq!(
        result_of(
            &json,
            "PATCH /system/securityRoles/{roleId}/settings/{settingId}"
        ),
        "method_not_allowed"
    );
    assert_eq!(
        result_of(
            &json,
            "GET /system/securityRoles/{roleId}/settings/{settingId}/customizeItems"
        ),
        "not_found"
    );
    assert_eq!(
        result_of(&json, "GET /system/members/{memberId}/apiKeys"),
        "not_found"
    );
    assert_eq!(result_of(&json, "GET /admin/v2/config/psa"), "not_found");
    assert_eq!(
        result_of(&json, "GET /admin/v2/config/psa/mappings"),
        "not_found"
    );
    assert_eq!(result_of(&json, "GET /system/securityroles"), "supported");
    let steps = &json["manual_steps"];
    assert!(
        steps["role_permissions"]
            .as_str()
            .unwrap()
            .contains("System > Security Roles")
    );
    assert!(
        steps["customize_items"]
            .as_str()
            .unwrap()
            .contains("customize")
    );
    assert!(steps["api_keys"].as_str().unwrap().contains("API Keys"));
    assert!(
        steps["umbrella_psa_credentials"]
            .as_str()
            .unwrap()
            .contains("PSA Integration Details")
    );
    assert!(
        steps["umbrella_mappings"]
            .as_str()
            .unwrap()
            .contains("company mapping")
    );
    let table = check(&sandbox, (&keys.0, &keys.1), &[]).await;
    assert_eq!(table.code, Some(1));
    assert!(
        table.stdout.contains("resource connectwise_api_key"),
        "{}",
        table.stdout
    );
    assert!(
        table
            .stdout
            .contains("instead: in ConnectWise Manage open System > Members > API Members"),
        "{}",
        table.stdout
    );
    assert!(table.stdout.contains("missing or refused: role_permissions, customize_items, api_keys, umbrella_psa_credentials, umbrella_mappings"), "{}", table.stdout);
}

#[tokio::test]
async fn one_area_off_fails_only_that_area() {
    let sandbox = Sandbox::start(SandboxConfig {
        extensions_off: vec![Extension::ApiKeys],
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let keys = admin(&sandbox);
    let (code, json) = check_json(&sandbox, (&keys.0, &keys.1)).await;
    assert_eq!(code, Some(1));
    assert_eq!(json["areas"]["api_keys"], false);
    assert_eq!(json["areas"]["role_permissions"], true);
    let objects = json["objects"].as_array().unwrap();
    let broken: Vec<&str> = objects
        .iter()
        .filter(|o| o["works"] == false)
        .filter_map(|o| o["name"].as_str())
        .collect();
    assert_eq!(broken, ["connectwise_api_key"]);
}

/// An API member holding the Umbrella role of the procedure (no System > Security Roles, no
/// Member Maintenance): its own keys.
pub async fn narrow_member_keys(sandbox: &Sandbox) -> (String, String) {
    let (public, private) = admin(sandbox);
    let cw = ConnectWise::new(ConnectWiseConfig::new(
        sandbox.url(),
        "sandbox",
        public,
        Secret::new(private),
        CLIENT_ID,
    ))
    .unwrap();
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
    member.security_role = Some(api_client::Reference::id(role.id));
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
async fn a_role_without_the_permission_is_forbidden() {
    let sandbox = Sandbox::start(SandboxConfig {
        enforce_role_permissions: true,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let keys = narrow_member_keys(&sandbox).await;
    let (code, json) = check_json(&sandbox, (&keys.0, &keys.1)).await;
    assert_eq!(code, Some(1), "{json:#}");
    assert_eq!(
        json["connectwise"]["authentication"]["result"], "supported",
        "403 still means the keys were accepted"
    );
    assert_eq!(result_of(&json, "GET /system/securityroles"), "forbidden");
    assert_eq!(result_of(&json, "GET /system/apiMembers"), "forbidden");
    assert_eq!(result_of(&json, "GET /system/locations"), "supported");
    // What needs a role id says why it was not sent.
    let patch = json["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["call"] == "PATCH /system/securityRoles/{roleId}/settings/{settingId}")
        .unwrap();
    assert_eq!(patch["result"], "not_probed");
    let why = patch["detail"].as_str().unwrap_or_default();
    assert!(
        why.contains("GET /system/securityroles answered forbidden (403)"),
        "{why}"
    );
    let objects = json["objects"].as_array().unwrap();
    let role = objects
        .iter()
        .find(|o| o["name"] == "connectwise_security_role" && o["kind"] == "resource")
        .unwrap();
    assert_eq!(role["works"], false);
    let step = role["steps"][0].as_str().unwrap();
    assert!(
        step.contains("System > Security Roles: Inquire") && step.contains("'Umbrella'"),
        "{step}"
    );
    let table = check(&sandbox, (&keys.0, &keys.1), &[]).await;
    assert!(table.stdout.contains("forbidden (403)"), "{}", table.stdout);
    assert!(!table.stdout.contains(&keys.1));
}

#[tokio::test]
async fn refused_keys_exit_1_and_a_missing_configuration_exits_2() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let (code, json) = check_json(&sandbox, ("sandbox-public-key", "wrong-private")).await;
    assert_eq!(code, Some(1));
    assert_eq!(
        json["connectwise"]["authentication"]["result"],
        "unauthorized"
    );
    assert_eq!(result_of(&json, "GET /system/apiMembers"), "not_probed");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"))
        .arg("check")
        .env_clear()
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CONNECTWISE_SITE"));
}
