//! Upgrading a module call from the 0.1 shape (one `connectwise_role_permission` per function,
//! the key in state; the frozen copy in `tests/fixtures/upgrade-0.1.0/module`) to the current module, as the module's
//! README says: first with `key_mode = "in_state"` (the `removed` block forgets the single
//! permissions, the set takes their rows over without writing one, the key moves to `this[0]`),
//! then with the default key mode (a minted key replaces the in-state one, which is revoked).
//! In one step, Terraform 1.11 refuses the plan with a cycle: forgetting the permissions ignores
//! the create_before_destroy they inherited from the key, which is destroyed in the same run.

use std::path::Path;

use super::world::{self, Snapshot, assert_umbrella_accepts};
use super::{CREDS, MEMBER, ROLE, record_id};

const SET: &str = "module.umbrella.connectwise_role_permission_set.this";
const SINGLE: &str = "module.umbrella.connectwise_role_permission.this[";
const OLD_KEY: &str = "module.umbrella.connectwise_api_key.this";

#[tokio::test(flavor = "multi_thread")]
async fn module_upgrade_from_0_1_keeps_every_permission_row() {
    let h = world::new().await;
    let clean = Snapshot::take(&h);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upgrade-0.1.0/module");
    world::copy_module(&fixture, &h.path().join("module-0.1"));
    world::configure(&h, "./module-0.1", "").await;
    h.apply().await;
    let role_id = record_id(&h.resource(ROLE).await["id"]);
    let member_id = record_id(&h.resource(MEMBER).await["id"]);
    let old_key = record_id(&h.resource(OLD_KEY).await["key_id"]);
    let rows = world::granted_rows(&h, role_id);
    assert_eq!(
        rows.len(),
        4,
        "the 0.1 module grants the seed rows: {rows:#?}"
    );

    // Straight to the default key mode in one step: Terraform 1.11 refuses the plan (the
    // README says so and what to do); whatever Terraform does, nothing may change yet.
    world::configure(&h, "./module", "").await;
    h.sandbox.clear_requests();
    let one_step = h.terraform(&["plan", "-no-color"]).await;
    if !one_step.ok {
        let text = one_step.text();
        assert!(
            text.contains("Cycle") && text.contains("(forget)"),
            "{text}"
        );
    }
    let writes: Vec<_> = h
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path != "/auth/v2/token")
        .collect();
    assert!(writes.is_empty(), "a plan changes nothing: {writes:#?}");

    // The same call, now to the current module, keeping the key in state for this step.
    world::configure(&h, "./module", "  key_mode = \"in_state\"\n").await;
    let changes = h.plan().await;
    let forgotten: Vec<_> = changes
        .iter()
        .filter(|c| c.address.starts_with(SINGLE))
        .collect();
    assert_eq!(forgotten.len(), 4, "{changes:#?}");
    assert!(
        forgotten.iter().all(|c| c.actions == ["forget"]),
        "the single permissions are forgotten, not destroyed: {forgotten:#?}"
    );
    let actions = |address: &str| {
        changes
            .iter()
            .find(|c| c.address == address)
            .map(|c| c.actions.clone())
            .unwrap_or_default()
    };
    assert_eq!(actions(SET), ["create"]);
    assert_eq!(actions(ROLE), ["no-op"]);
    assert_eq!(
        actions(&format!("{OLD_KEY}[0]")),
        ["no-op"],
        "the key only moves"
    );

    h.sandbox.clear_requests();
    h.apply().await;
    let row_writes: Vec<_> = h
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path.to_ascii_lowercase().contains("/settings"))
        .collect();
    assert!(
        row_writes.is_empty(),
        "taking the rows over wrote to them: {row_writes:#?}"
    );
    assert_eq!(world::granted_rows(&h, role_id), rows);
    assert_eq!(record_id(&h.resource(SET).await["role_id"]), role_id);
    h.expect_empty_plan().await;
    let kept = record_id(&h.resource(&format!("{OLD_KEY}[0]")).await["key_id"]);
    assert_eq!(kept, old_key, "the key in state is the 0.1 one");
    assert_umbrella_accepts(&h);

    // Second step, the default key mode: a minted key replaces the in-state one, which is
    // revoked; the rows stay as they are.
    world::configure(&h, "./module", "").await;
    h.sandbox.clear_requests();
    h.apply().await;
    h.expect_empty_plan().await;
    assert_eq!(world::granted_rows(&h, role_id), rows);
    let minted = record_id(&h.resource(CREDS).await["minted_key_id"]);
    let keys: Vec<i32> = world::keys_of(&h, member_id).iter().map(|k| k.id).collect();
    assert_eq!(keys, [minted], "the 0.1 key {old_key} is revoked");
    assert_umbrella_accepts(&h);

    h.destroy().await;
    Snapshot::take(&h).assert_same_as(&clean);
}
