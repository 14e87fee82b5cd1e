//! Issue 14's "Done when": the integration a person set up in the consoles (`connectwise-sandbox
//! --hand-made`) is adopted into the shipped module with `generate-imports --umbrella --module
//! --root`; the plan is only imports, plus the one permission ticked by mistake to be set back to
//! None; after apply the plan is empty and the hand-made key still works.

use std::path::Path;
use std::process::Output;

use api_client::umbrella::{Umbrella, UmbrellaConfig};
use connectwise_sandbox::SandboxConfig;
use serde_json::Value as Json;

use crate::harness::{CLIENT_ID, Harness};

/// The module call's name in these tests.
const NAME: &str = "psa";
/// A role name that breaks any HCL written without escaping.
const HOSTILE: &str = r#"Umbrella "${x}" %{y} \ end"#;

/// A sandbox with the hand-made integration, the shipped module copied into the working
/// directory, and the provider's secrets in Terraform's environment (the root has none).
pub async fn hand_made_harness() -> Harness {
    let mut h = Harness::with_sandbox(SandboxConfig {
        hand_made: true,
        ..SandboxConfig::default()
    })
    .await;
    let module =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/modules/umbrella-psa-integration");
    copy_dir(&module, &h.path().join("modules/umbrella-psa-integration"));
    let t = h.sandbox.config().tenants[0].clone();
    h.env.extend([
        ("CONNECTWISE_PUBLIC_KEY".into(), t.public_key),
        ("CONNECTWISE_PRIVATE_KEY".into(), t.private_key),
        ("UMBRELLA_API_KEY".into(), t.umbrella_api_key),
        ("UMBRELLA_API_SECRET".into(), t.umbrella_api_secret),
    ]);
    h
}

/// Copies the module's configuration (not what Terraform left in it).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("module directory");
    for entry in std::fs::read_dir(from).expect("module exists") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        let path = entry.path();
        let skip = name == ".terraform" || name.to_string_lossy().contains("tfstate");
        if skip {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy");
        }
    }
}

/// Runs the provider binary's `generate-imports` with the sandbox's first tenant in the
/// environment, in the working directory.
pub async fn generate_imports(h: &Harness, args: &[&str]) -> Output {
    let t = &h.sandbox.config().tenants[0];
    tokio::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"))
        .arg("generate-imports")
        .args(args)
        .current_dir(h.path())
        .env("CONNECTWISE_SITE", h.sandbox.url())
        .env("CONNECTWISE_COMPANY_ID", &t.company_id)
        .env("CONNECTWISE_PUBLIC_KEY", &t.public_key)
        .env("CONNECTWISE_PRIVATE_KEY", &t.private_key)
        .env("CONNECTWISE_CLIENT_ID", CLIENT_ID)
        .env("UMBRELLA_API_KEY", &t.umbrella_api_key)
        .env("UMBRELLA_API_SECRET", &t.umbrella_api_secret)
        .env("UMBRELLA_BASE_URL", h.sandbox.url())
        .output()
        .await
        .expect("the provider binary runs")
}

/// `generate-imports --umbrella --module psa --root main.tf --output imports.tf [extra]`, which
/// must succeed; then `terraform get` installs the local module.
async fn adopt(h: &Harness, extra: &[&str]) {
    let mut args = vec![
        "--umbrella",
        "--module",
        NAME,
        "--root",
        "main.tf",
        "--output",
        "imports.tf",
    ];
    args.extend_from_slice(extra);
    let out = generate_imports(h, &args).await;
    assert!(
        out.status.success(),
        "generate-imports failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let get = h.terraform(&["get", "-no-color"]).await;
    assert!(get.ok, "terraform get failed:\n{}", get.text());
}

/// The permission blocks of a `connectwise_role_permission_set` value, as `module > function`
/// with their levels.
fn permissions(value: &Json) -> Vec<String> {
    let mut out: Vec<String> = value["permission"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            format!(
                "{} > {} {}/{}/{}/{} {}",
                p["module"].as_str().unwrap_or_default(),
                p["function"].as_str().unwrap_or_default(),
                p["add_level"],
                p["edit_level"],
                p["delete_level"],
                p["inquire_level"],
                p["allowed_tables"]
            )
        })
        .collect();
    out.sort();
    out
}

/// Every change is an import; all are no-ops but the permission set, an import plus an in-place
/// update whose only difference is the permission ticked by mistake.
fn assert_only_imports_and_the_mistake(changes: &[Json]) {
    let address = |resource: &str| format!("module.{NAME}.{resource}.this");
    let mut expected = vec![
        address("connectwise_security_role"),
        address("connectwise_role_permission_set"),
        address("connectwise_api_member"),
        address("connectwise_umbrella_psa_credentials"),
        format!(
            "{}[\"2000001\"]",
            address("connectwise_umbrella_psa_company_mapping")
        ),
        format!(
            "{}[\"2000002\"]",
            address("connectwise_umbrella_psa_company_mapping")
        ),
    ];
    expected.sort();
    let mut planned: Vec<String> = changes
        .iter()
        .map(|c| c["address"].as_str().unwrap_or_default().to_string())
        .collect();
    planned.sort();
    assert_eq!(planned, expected, "the planned resources");
    for c in changes {
        let address = c["address"].as_str().unwrap_or_default();
        assert!(
            c["change"]["importing"].is_object(),
            "{address} is not imported: {c:#}"
        );
        let actions = &c["change"]["actions"];
        if address.ends_with("connectwise_role_permission_set.this") {
            assert_eq!(actions, &serde_json::json!(["update"]), "{address}: {c:#}");
            let (before, after) = (&c["change"]["before"], &c["change"]["after"]);
            let removed: Vec<String> = permissions(before)
                .into_iter()
                .filter(|p| !permissions(after).contains(p))
                .collect();
            assert_eq!(
                removed,
                ["Finance > Invoicing \"None\"/\"None\"/\"None\"/\"All\" null"],
                "only the mistake goes: {c:#}"
            );
            assert!(
                permissions(after)
                    .iter()
                    .all(|p| permissions(before).contains(p)),
                "nothing else changes: {c:#}"
            );
            assert_eq!(before["role_id"], after["role_id"]);
        } else {
            assert_eq!(actions, &serde_json::json!(["no-op"]), "{address}: {c:#}");
        }
    }
}

/// The console's PSA credentials as Umbrella reports them now.
async fn psa_now(h: &Harness) -> api_client::umbrella::PsaSettings {
    let t = &h.sandbox.config().tenants[0];
    let mut config = UmbrellaConfig::new(t.umbrella_api_key.clone(), t.umbrella_api_secret.clone());
    config.base_url = h.sandbox.url();
    Umbrella::new(config)
        .expect("client")
        .get_psa()
        .await
        .expect("PSA credentials read")
        .expect("PSA credentials set")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_hand_made_integration_is_adopted_into_the_module() {
    let h = hand_made_harness().await;
    let made = h.sandbox.hand_made()[0].clone();
    adopt(&h, &[]).await;
    let fmt = h
        .terraform(&["fmt", "-check", "-no-color", "main.tf", "imports.tf"])
        .await;
    assert!(fmt.ok, "terraform fmt -check:\n{}", fmt.text());
    let imports = std::fs::read_to_string(h.path().join("imports.tf")).expect("imports.tf");
    assert!(
        imports.contains(&format!("public key \"{}\"", made.public_key)),
        "the comment names the hand-made key:\n{imports}"
    );

    assert_only_imports_and_the_mistake(&h.plan_json().await);

    let apply = h.terraform(&["apply", "-no-color", "tfplan"]).await;
    assert!(apply.ok, "terraform apply failed:\n{}", apply.text());
    assert!(
        apply
            .stdout
            .contains("6 imported, 0 added, 1 changed, 0 destroyed"),
        "{}",
        apply.stdout
    );
    h.expect_empty_plan().await;

    // The mistake is undone in ConnectWise; the hand-made key is still the one Umbrella uses,
    // and it works.
    let settings = h.sandbox.state().role_settings("sandbox", made.role_id);
    let invoicing = settings
        .iter()
        .find(|s| s.module_identifier == "Finance" && s.module_function_identifier == "Invoicing")
        .expect("Finance > Invoicing row");
    assert_eq!(invoicing.inquire_level, connectwise_sandbox::Level::None);
    let psa = psa_now(&h).await;
    assert_eq!(psa.public_key, made.public_key);
    assert_eq!(
        psa.connection_status.as_str(),
        "ok",
        "the hand-made key still works"
    );
    let keys = h.sandbox.state().api_keys("sandbox", made.member_id);
    assert_eq!(keys.len(), 1, "no key minted, none revoked: {keys:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_aliased_provider_and_a_hostile_role_name_validate_and_plan() {
    let h = hand_made_harness().await;
    let role_id = h.sandbox.hand_made()[0].role_id;
    h.sandbox.state().with_tenant("sandbox", |t| {
        if let Some(role) = t.roles.get_mut(&role_id) {
            role.name = HOSTILE.into();
        }
    });
    adopt(&h, &["--provider", "tenant_a"]).await;
    let root = std::fs::read_to_string(h.path().join("main.tf")).expect("main.tf");
    assert!(root.contains("  alias      = \"tenant_a\"\n"), "{root}");
    assert!(
        root.contains("connectwise = connectwise.tenant_a"),
        "{root}"
    );
    assert!(
        root.contains(r#"role_name              = "Umbrella \"$${x}\" %%{y} \\ end""#),
        "{root}"
    );
    // Terraform takes no `provider =` in imports of configured resources: the module call
    // passes the aliased provider to them (the root configures no default provider).
    let imports = std::fs::read_to_string(h.path().join("imports.tf")).expect("imports.tf");
    assert!(!imports.contains("  provider ="), "{imports}");
    for check in [
        &["fmt", "-check", "-no-color"][..],
        &["validate", "-no-color"][..],
    ] {
        let run = h.terraform(check).await;
        assert!(run.ok, "terraform {check:?}:\n{}", run.text());
    }
    let changes = h.plan_json().await;
    assert_only_imports_and_the_mistake(&changes);
    // The role imports as a no-op: the name in the configuration is the role's exact name.
    let role = changes
        .iter()
        .find(|c| c["address"] == format!("module.{NAME}.connectwise_security_role.this"))
        .expect("role");
    assert_eq!(role["change"]["after"]["name"], HOSTILE);
}
