//! `connectwise_api_key`.

use crate::api_member::{api_members, company, flat, member_config, writes};
use crate::harness::Harness;
use api_client::{Conditions, Secret};

const KEY: &str = "connectwise_api_key.umbrella";

/// A role, an API member and a key whose body lines are `key_body`.
fn key_config(key_body: &str) -> String {
    format!(
        r#"{}
resource "connectwise_api_key" "umbrella" {{
  member_id = connectwise_api_member.umbrella.id
{key_body}
}}
"#,
        member_config(
            r#"  identifier = "umbrella-psa"
  name       = "Umbrella PSA"
"#
        )
    )
}

fn member_id(key_state: &serde_json::Value) -> i32 {
    key_state["member_id"].as_str().unwrap().parse().unwrap()
}

/// The live keys of a member in the sandbox: (key id, public key).
fn live_keys(h: &Harness, member_id: i32) -> Vec<(i32, String)> {
    h.sandbox
        .state()
        .api_keys(&company(h), member_id)
        .into_iter()
        .map(|k| (k.id, k.public_key))
        .collect()
}

/// Whether the key pair in `state` signs in to the sandbox.
async fn authenticates(h: &Harness, public: &str, private: &str) -> bool {
    let cw = h
        .client()
        .with_keys(public, Secret::new(private))
        .expect("client");
    cw.security_roles().list(&Conditions::new()).await.is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn api_key_lifecycle() {
    let mut h = Harness::new().await;
    h.config(&key_config(r#"  description = "Umbrella PSA Integration""#));

    // The plan shows the private key only as a sensitive value.
    let plan = h.terraform(&["plan", "-no-color"]).await;
    assert!(plan.ok, "{}", plan.text());
    assert!(
        plan.stdout.contains("+ private_key = (sensitive value)"),
        "{}",
        plan.stdout
    );

    // Apply with trace logs: the private key is in state (sensitive) and nowhere in the logs.
    let log = h.path().join("trace.log");
    h.env = vec![
        ("TF_LOG".into(), "trace".into()),
        ("TF_LOG_PATH".into(), log.display().to_string()),
    ];
    let run = h.apply().await;
    h.env.clear();
    let state = h.resource(KEY).await;
    let private = state["private_key"]
        .as_str()
        .expect("private key")
        .to_string();
    let public = state["public_key"]
        .as_str()
        .expect("public key")
        .to_string();
    assert!(private.len() >= 16);
    let logs = std::fs::read_to_string(&log).expect("trace log written");
    assert!(logs.len() > 10_000, "trace logging was on");
    assert!(
        logs.contains("connectwise_api_key.umbrella"),
        "the log covers the key's apply"
    );
    assert!(!logs.contains(&private), "private key in the trace log");
    assert!(!run.text().contains(&private), "private key in the output");
    let shown = h.terraform(&["show", "-no-color"]).await;
    assert!(!shown.stdout.contains(&private));
    assert!(shown.stdout.contains("(sensitive value)"));

    // The pair works against the sandbox, and the state matches it.
    let m = member_id(&state);
    let key_id: i32 = state["key_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(state["id"], format!("{m}/{key_id}"));
    assert_eq!(live_keys(&h, m), [(key_id, public.clone())]);
    assert!(authenticates(&h, &public, &private).await);
    assert!(!authenticates(&h, &public, "not-the-private-key").await);
    h.expect_empty_plan().await;

    // Revoked out of band: the next plan creates a new key.
    h.client()
        .api_keys()
        .delete(m, key_id)
        .await
        .expect("revoke out of band");
    assert!(!authenticates(&h, &public, &private).await);
    assert_eq!(h.planned_actions(KEY).await, ["create"]);
    h.apply().await;
    let state = h.resource(KEY).await;
    assert_ne!(state["key_id"], key_id.to_string());
    assert!(
        authenticates(
            &h,
            state["public_key"].as_str().unwrap(),
            state["private_key"].as_str().unwrap()
        )
        .await
    );
    h.expect_empty_plan().await;

    // A new description replaces the key: one live key, the new one.
    h.config(&key_config(r#"  description = "Umbrella PSA (prod)""#));
    assert_eq!(h.planned_actions(KEY).await, ["delete", "create"]);
    h.apply().await;
    let replaced = h.resource(KEY).await;
    assert_ne!(replaced["key_id"], state["key_id"]);
    assert_eq!(live_keys(&h, m).len(), 1);
    assert!(
        !authenticates(
            &h,
            state["public_key"].as_str().unwrap(),
            state["private_key"].as_str().unwrap()
        )
        .await,
        "the old key is revoked"
    );
    h.expect_empty_plan().await;

    // Destroy revokes the key (and deactivates the member).
    h.destroy().await;
    assert!(live_keys(&h, m).is_empty());
    assert!(api_members(&h).iter().all(|x| x.id != m || x.inactive_flag));
}

#[tokio::test(flavor = "multi_thread")]
async fn api_key_rotation_with_create_before_destroy() {
    let h = Harness::new().await;
    let rotated = |when: &str| {
        key_config(&format!(
            r#"  description = "Umbrella PSA Integration"
  rotation_triggers = {{
    rotated = "{when}"
  }}

  lifecycle {{
    create_before_destroy = true
  }}
"#
        ))
    };
    h.config(&rotated("2026-05"));
    h.apply().await;
    let old = h.resource(KEY).await;
    let m = member_id(&old);
    h.expect_empty_plan().await;

    h.config(&rotated("2026-11"));
    assert_eq!(h.planned_actions(KEY).await, ["create", "delete"]);
    h.sandbox.clear_requests();
    h.apply().await;
    // The new key was made before the old one was revoked.
    let w = writes(&h);
    let post = w
        .iter()
        .position(|r| r.starts_with("POST ") && r.ends_with("/apiKeys"));
    let delete = w.iter().position(|r| r.starts_with("DELETE "));
    assert!(
        matches!((post, delete), (Some(p), Some(d)) if p < d),
        "{w:?}"
    );
    let new = h.resource(KEY).await;
    assert_ne!(new["key_id"], old["key_id"]);
    assert_eq!(new["rotation_triggers"]["rotated"], "2026-11");
    let live = live_keys(&h, m);
    assert_eq!(live.len(), 1, "exactly one live key: {live:?}");
    assert_eq!(live[0].1, new["public_key"].as_str().unwrap());
    assert!(
        authenticates(
            &h,
            new["public_key"].as_str().unwrap(),
            new["private_key"].as_str().unwrap()
        )
        .await
    );
    assert!(
        !authenticates(
            &h,
            old["public_key"].as_str().unwrap(),
            old["private_key"].as_str().unwrap()
        )
        .await
    );
    h.expect_empty_plan().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn api_key_import_has_no_private_key_and_no_churn() {
    let h = Harness::new().await;
    h.config(&key_config(r#"  description = "Umbrella PSA Integration""#));
    h.apply().await;
    let state = h.resource(KEY).await;
    let m = member_id(&state);
    let key_id = state["key_id"].as_str().unwrap().to_string();
    let public = state["public_key"].as_str().unwrap().to_string();

    // By <member_id>/<key_id>: everything but the private key reads back.
    h.import_verify(KEY, &format!("{m}/{key_id}"), &["private_key"])
        .await;
    let imported = h.resource(KEY).await;
    assert!(imported["private_key"].is_null());
    h.expect_empty_plan().await;

    // By <member identifier>/<public key>, with the warning about the private key.
    let rm = h.terraform(&["state", "rm", KEY]).await;
    assert!(rm.ok, "{}", rm.text());
    let run = h
        .terraform(&[
            "import",
            "-no-color",
            KEY,
            &format!("umbrella-psa/{public}"),
        ])
        .await;
    assert!(run.ok, "{}", run.text());
    assert!(
        flat(&run.text()).contains("The private key cannot be imported"),
        "{}",
        run.text()
    );
    let imported = h.resource(KEY).await;
    assert_eq!(imported["key_id"], key_id);
    assert_eq!(imported["id"], format!("{m}/{key_id}"));
    assert!(imported["private_key"].is_null());
    h.expect_empty_plan().await;

    // Triggers written after the import are recorded in place, without a new key.
    h.config(&key_config(
        r#"  description = "Umbrella PSA Integration"
  rotation_triggers = {
    rotated = "2026-11"
  }
"#,
    ));
    assert_eq!(h.planned_actions(KEY).await, ["update"]);
    h.apply().await;
    let after = h.resource(KEY).await;
    assert_eq!(after["key_id"], key_id);
    assert_eq!(after["rotation_triggers"]["rotated"], "2026-11");
    h.expect_empty_plan().await;
    // From now on a change of the triggers is a rotation.
    h.config(&key_config(
        r#"  description = "Umbrella PSA Integration"
  rotation_triggers = {
    rotated = "2027-05"
  }
"#,
    ));
    assert_eq!(h.planned_actions(KEY).await, ["delete", "create"]);

    // Malformed and unknown import ids.
    let rm = h.terraform(&["state", "rm", KEY]).await;
    assert!(rm.ok, "{}", rm.text());
    for (id, expect) in [
        ("12", "Invalid import id"),
        ("umbrella-psa/", "Invalid import id"),
        ("9999/1", "Cannot import API key"),
        ("umbrella-psa/no-such-public-key", "Cannot import API key"),
    ] {
        let run = h.terraform(&["import", "-no-color", KEY, id]).await;
        assert!(!run.ok, "import {id} succeeded");
        assert!(flat(&run.text()).contains(expect), "{id}: {}", run.text());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn api_key_for_missing_member_creates_nothing() {
    let h = Harness::new().await;
    h.config(
        r#"
resource "connectwise_api_key" "umbrella" {
  member_id   = "9999"
  description = "Umbrella PSA Integration"
}
"#,
    );
    let out = flat(&h.apply_fails().await);
    assert!(out.contains("Unknown member"), "{out}");
    assert!(out.contains("member_id"), "{out}");
    assert!(out.contains("9999"), "{out}");

    h.config(
        r#"
resource "connectwise_api_key" "umbrella" {
  member_id   = "umbrella-psa"
  description = "Umbrella PSA Integration"
}
"#,
    );
    let out = flat(&h.plan_fails().await);
    assert!(out.contains("member_id"), "{out}");
    assert!(out.contains("numeric record id"), "{out}");

    h.config(
        r#"
resource "connectwise_api_key" "umbrella" {
  member_id   = "1"
  description = ""
}
"#,
    );
    let out = flat(&h.plan_fails().await);
    assert!(out.contains("description"), "{out}");

    assert!(writes(&h).is_empty(), "nothing written: {:?}", writes(&h));
    let keys = h
        .sandbox
        .state()
        .with_tenant(&company(&h), |t| t.api_keys.len());
    assert_eq!(keys, Some(0));
}
