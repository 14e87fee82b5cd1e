//! The shipped module `examples/modules/umbrella-psa-integration`, called as users call it (a
//! root configuration with `module "umbrella" { source = "./module" }`): each key mode (what the
//! state holds, and that Umbrella's credentials use a key ConnectWise accepts), switching from
//! the in-state key to a minted one, renaming the role, upgrading from the 0.1 shape, and the
//! module's own `terraform test` files. Every test ends with a destroy that leaves the sandbox
//! as it found it.

mod adopted;
mod upgrade;
mod world;

use std::path::Path;

use world::{Snapshot, assert_umbrella_accepts, stored_psa};

pub const CREDS: &str = "module.umbrella.connectwise_umbrella_psa_credentials.this";
pub const KEY: &str = "module.umbrella.connectwise_api_key.this[0]";
pub const MEMBER: &str = "module.umbrella.connectwise_api_member.this";
pub const ROLE: &str = "module.umbrella.connectwise_security_role.this";

/// The shipped module's directory.
pub fn module_source() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/modules/umbrella-psa-integration")
}

/// The record id of an attribute that holds one (`id`, `member_id`, ...).
pub fn record_id(value: &serde_json::Value) -> i32 {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a record id: {value}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn module_minted_key_is_nowhere_in_state() {
    let h = world::new().await;
    let clean = Snapshot::take(&h);
    world::configure(&h, "./module", "").await;
    h.apply().await;
    h.expect_empty_plan().await;
    assert_ne!(
        Snapshot::take(&h),
        clean,
        "the snapshot sees what the module made"
    );

    let state = h.state().await;
    assert!(
        !state.contains_key(KEY),
        "minted mode has no connectwise_api_key: {:?}",
        state.keys()
    );
    let member_id = record_id(&state[MEMBER]["id"]);
    let minted_id = record_id(&state[CREDS]["minted_key_id"]);
    let keys = world::keys_of(&h, member_id);
    assert_eq!(
        keys.iter().map(|k| k.id).collect::<Vec<_>>(),
        [minted_id],
        "the member has exactly the minted key"
    );
    assert_eq!(h.output("public_key").await, keys[0].public_key.as_str());
    let psa = assert_umbrella_accepts(&h);
    assert_eq!(psa.public_key, keys[0].public_key);
    let raw = world::raw_state_of(&h);
    assert!(raw.contains(&psa.public_key), "the state is the real one");
    assert!(
        !raw.contains(&psa.private_key),
        "the minted private key that Umbrella holds is in terraform.tfstate"
    );

    h.destroy().await;
    Snapshot::take(&h).assert_same_as(&clean);
}

#[tokio::test(flavor = "multi_thread")]
async fn module_write_only_key_is_neither_in_plan_nor_in_state() {
    let mut h = world::new().await;
    let clean = Snapshot::take(&h);
    let write_only = r#"
  key_mode       = "write_only"
  public_key     = var.public_key
  private_key_wo = var.private_key_wo
"#;
    world::configure(&h, "./module", write_only).await;
    world::append_key_variables(&h);

    // The key comes from outside: make the member first, then a key for it out of band (as an
    // administrator would in ConnectWise), then hand that key over write-only.
    h.env.push(("TF_VAR_public_key".into(), "not-yet".into()));
    h.env
        .push(("TF_VAR_private_key_wo".into(), "not-yet".into()));
    let target = format!("-target={MEMBER}");
    let run = h
        .terraform(&["apply", "-auto-approve", "-no-color", &target])
        .await;
    assert!(run.ok, "targeted apply failed:\n{}", run.text());
    let member_id = record_id(&h.resource(MEMBER).await["id"]);
    let key = h
        .client()
        .api_keys()
        .create(member_id, "Umbrella PSA Integration")
        .await
        .expect("create a key out of band");
    let private = key
        .private_key
        .as_ref()
        .expect("a new key has its private key")
        .expose()
        .to_string();
    h.env.retain(|(k, _)| !k.starts_with("TF_VAR_"));
    h.env
        .push(("TF_VAR_public_key".into(), key.public_key.clone()));
    h.env
        .push(("TF_VAR_private_key_wo".into(), private.clone()));

    let plan = h.terraform(&["plan", "-no-color", "-out=tfplan"]).await;
    assert!(plan.ok, "{}", plan.text());
    let plan_json = h.terraform(&["show", "-json", "tfplan"]).await;
    assert!(
        plan_json.stdout.contains(&key.public_key) && !plan_json.text().contains(&private),
        "the write-only private key is in the saved plan"
    );
    h.apply().await;
    h.expect_empty_plan().await;
    let psa = assert_umbrella_accepts(&h);
    assert_eq!(psa.public_key, key.public_key);
    assert_eq!(psa.private_key, private, "Umbrella got the key given");
    let creds = h.resource(CREDS).await;
    assert!(creds["private_key"].is_null() && creds["private_key_wo"].is_null());
    assert!(
        !world::raw_state_of(&h).contains(&private),
        "the write-only private key is in terraform.tfstate"
    );

    h.destroy().await;
    // Terraform never owned the key: revoking it is the administrator's part, as making it was.
    h.client()
        .api_keys()
        .delete(member_id, key.id)
        .await
        .expect("revoke the hand-made key");
    Snapshot::take(&h).assert_same_as(&clean);
}

#[tokio::test(flavor = "multi_thread")]
async fn module_in_state_key_then_minted_leaves_no_orphan_key() {
    let h = world::new().await;
    let clean = Snapshot::take(&h);
    world::configure(&h, "./module", "  key_mode = \"in_state\"\n").await;
    h.apply().await;
    h.expect_empty_plan().await;

    let key = h.resource(KEY).await;
    let private = key["private_key"]
        .as_str()
        .expect("the in-state key's private key")
        .to_string();
    let psa = assert_umbrella_accepts(&h);
    assert_eq!(psa.private_key, private, "Umbrella holds the key in state");
    assert!(
        world::raw_state_of(&h).contains(&private),
        "in_state keeps the key"
    );
    assert!(
        world::sensitive_in_raw_state(&h, "connectwise_api_key", "private_key"),
        "the key's private_key must be marked sensitive in state"
    );
    let member_id = record_id(&h.resource(MEMBER).await["id"]);
    let old_key_id = record_id(&key["key_id"]);

    // Switch to a minted key: the credentials take a new key, then the old one is revoked.
    world::configure(&h, "./module", "  key_mode = \"minted\"\n").await;
    let changes = h.plan().await;
    let action = |address: &str| {
        changes
            .iter()
            .find(|c| c.address == address)
            .map(|c| c.actions.clone())
            .unwrap_or_default()
    };
    assert_eq!(action(KEY), ["delete"]);
    assert_eq!(action(CREDS), ["update"]);
    h.apply().await;
    h.expect_empty_plan().await;
    let minted_id = record_id(&h.resource(CREDS).await["minted_key_id"]);
    let keys: Vec<i32> = world::keys_of(&h, member_id).iter().map(|k| k.id).collect();
    assert_eq!(keys, [minted_id], "the old key {old_key_id} is revoked");
    let psa = assert_umbrella_accepts(&h);
    assert!(!world::raw_state_of(&h).contains(&psa.private_key));

    h.destroy().await;
    Snapshot::take(&h).assert_same_as(&clean);
}

#[tokio::test(flavor = "multi_thread")]
async fn module_role_rename_moves_the_member_before_the_old_role_goes() {
    let h = world::new().await;
    let clean = Snapshot::take(&h);
    world::configure(&h, "./module", "  role_name = \"Umbrella\"\n").await;
    h.apply().await;
    let old_role = record_id(&h.resource(ROLE).await["id"]);
    let member_id = record_id(&h.resource(MEMBER).await["id"]);
    let seed_rows = world::granted_rows(&h, old_role);
    assert_eq!(seed_rows.len(), 4, "{seed_rows:#?}");

    world::configure(&h, "./module", "  role_name = \"Umbrella PSA\"\n").await;
    assert_eq!(h.planned_actions(ROLE).await, ["create", "delete"]);
    assert_eq!(h.planned_actions(MEMBER).await, ["update"]);
    h.apply().await;
    let new_role = record_id(&h.resource(ROLE).await["id"]);
    assert_ne!(new_role, old_role);
    let roles = world::role_names(&h);
    assert!(roles.contains(&"Umbrella PSA".to_string()), "{roles:?}");
    assert!(
        !roles.contains(&"Umbrella".to_string()),
        "old role gone: {roles:?}"
    );
    let member = world::api_member(&h, member_id);
    assert_eq!(member.security_role_id, Some(new_role), "member moved");
    assert!(!member.inactive_flag, "the same member, still active");
    assert_eq!(world::granted_rows(&h, new_role), seed_rows);
    assert_umbrella_accepts(&h);
    h.expect_empty_plan().await;

    h.destroy().await;
    Snapshot::take(&h).assert_same_as(&clean);
}

/// The `run` blocks of a `.tftest.hcl` file.
fn run_blocks(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .filter(|l| l.starts_with("run \""))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn module_terraform_test_files_pass() {
    let mut h = world::new().await;
    let clean = Snapshot::take(&h);
    world::copy_module(&module_source(), h.path());
    h.env.extend(world::provider_environment(&h));
    let files = ["tests/plan.tftest.hcl", "tests/sandbox.tftest.hcl"];
    let runs: usize = files.iter().map(|f| run_blocks(&h.path().join(f))).sum();
    assert!(runs >= 8, "both files hold their runs ({runs})");

    let test = h.terraform(&["test", "-no-color"]).await;
    let out = test.text();
    assert!(test.ok, "terraform test failed:\n{out}");
    for file in files {
        assert!(
            out.contains(&format!("{file}... pass")),
            "{file} did not pass:\n{out}"
        );
    }
    assert!(
        out.contains(&format!("Success! {runs} passed, 0 failed.")),
        "expected all {runs} runs to pass:\n{out}"
    );
    // The sandbox file applied for real (and terraform test destroyed it again).
    let psa_writes = h
        .sandbox
        .umbrella()
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path == "/admin/v2/config/psa")
        .count();
    assert!(
        psa_writes >= 3,
        "the sandbox runs applied ({psa_writes} PSA writes)"
    );
    assert!(stored_psa(&h).is_none());
    Snapshot::take(&h).assert_same_as(&clean);
}
