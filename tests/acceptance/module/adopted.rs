//! `key_mode = "adopted"`: an integration that exists without Terraform (here made by the module
//! in a state that is then thrown away, as if set up by hand) is brought under the module with
//! `import {}` blocks at the module's addresses, as `generate-imports --module` writes them. The
//! plan only imports, the credentials keep the key Umbrella has, and switching to `"minted"`
//! replaces that key by one only Umbrella holds.

use super::world::{self, Snapshot, assert_umbrella_accepts};
use super::{CREDS, KEY, MEMBER, ROLE, record_id};

/// `import {}` blocks for the module's objects.
fn import_blocks(role_id: i32, member_id: i32) -> String {
    [
        (ROLE.to_string(), role_id.to_string()),
        (
            "module.umbrella.connectwise_role_permission_set.this".to_string(),
            role_id.to_string(),
        ),
        (MEMBER.to_string(), member_id.to_string()),
        (CREDS.to_string(), "psa".to_string()),
        (
            "module.umbrella.connectwise_umbrella_psa_company_mapping.this[\"2000001\"]"
                .to_string(),
            "2000001".to_string(),
        ),
    ]
    .iter()
    .map(|(to, id)| format!("\nimport {{\n  to = {to}\n  id = \"{id}\"\n}}\n"))
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn module_adopted_key_mode_imports_a_hand_made_integration() {
    let h = world::new().await;
    let clean = Snapshot::take(&h);
    // The "hand-made" integration: made, then Terraform's record of it dropped.
    world::configure(&h, "./module", "  key_mode = \"in_state\"\n").await;
    h.apply().await;
    let role_id = record_id(&h.resource(ROLE).await["id"]);
    let member_id = record_id(&h.resource(MEMBER).await["id"]);
    let hand_made = h.resource(KEY).await;
    let hand_made_id = record_id(&hand_made["key_id"]);
    let public_key = hand_made["public_key"]
        .as_str()
        .expect("public key")
        .to_string();
    std::fs::remove_file(h.path().join("terraform.tfstate")).expect("drop the state");

    let adopted = format!("  key_mode   = \"adopted\"\n  public_key = \"{public_key}\"\n");
    world::configure(&h, "./module", &adopted).await;
    let main = h.path().join("main.tf");
    let mut text = std::fs::read_to_string(&main).expect("main.tf");
    text.push_str(&import_blocks(role_id, member_id));
    std::fs::write(&main, text).expect("write main.tf");
    let changes = h.plan().await;
    assert_eq!(changes.len(), 5, "{changes:#?}");
    assert!(
        changes.iter().all(|c| c.actions == ["no-op"]),
        "adopting plans only imports: {changes:#?}"
    );
    h.apply().await;
    h.expect_empty_plan().await;
    let psa = assert_umbrella_accepts(&h);
    assert_eq!(
        psa.public_key, public_key,
        "Umbrella keeps the hand-made key"
    );
    assert!(!world::raw_state_of(&h).contains(&psa.private_key));

    // To "minted": the credentials take a minted key; the hand-made key, which Terraform never
    // owned, stays until the administrator deletes it (as the README says).
    world::configure(&h, "./module", "").await;
    h.apply().await;
    h.expect_empty_plan().await;
    let minted = record_id(&h.resource(CREDS).await["minted_key_id"]);
    let mut keys: Vec<i32> = world::keys_of(&h, member_id).iter().map(|k| k.id).collect();
    keys.sort();
    assert_eq!(keys, [hand_made_id, minted]);
    let psa = assert_umbrella_accepts(&h);
    assert_ne!(psa.public_key, public_key);

    h.destroy().await;
    h.client()
        .api_keys()
        .delete(member_id, hand_made_id)
        .await
        .expect("delete the hand-made key");
    Snapshot::take(&h).assert_same_as(&clean);
}
