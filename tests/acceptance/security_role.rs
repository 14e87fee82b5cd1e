//! `connectwise_security_role` and its data source.

use crate::harness::Harness;
use api_client::Conditions;

fn role(name: &str) -> String {
    format!(
        r#"
resource "connectwise_security_role" "umbrella" {{
  name = "{name}"
}}
"#
    )
}

async fn role_names(h: &Harness) -> Vec<String> {
    h.client()
        .security_roles()
        .list(&Conditions::new())
        .await
        .expect("list roles")
        .into_iter()
        .map(|r| r.name)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn security_role_lifecycle() {
    let h = Harness::new().await;
    let builtin = role_names(&h).await;

    // Create, then the plan is empty.
    h.config(&role("Umbrella"));
    h.apply().await;
    let state = h.resource("connectwise_security_role.umbrella").await;
    assert_eq!(state["name"], "Umbrella");
    assert_eq!(state["admin_flag"], false);
    let id: i32 = state["id"].as_str().unwrap().parse().unwrap();
    let remote = h
        .client()
        .security_roles()
        .get(id)
        .await
        .expect("role exists in the sandbox");
    assert_eq!(remote.name, "Umbrella");
    h.expect_empty_plan().await;

    // Rename: the API has no update, so the role is replaced.
    h.config(&role("Umbrella PSA"));
    assert_eq!(
        h.planned_actions("connectwise_security_role.umbrella")
            .await,
        ["delete", "create"]
    );
    h.apply().await;
    let names = role_names(&h).await;
    assert!(names.contains(&"Umbrella PSA".to_string()), "{names:?}");
    assert!(
        !names.contains(&"Umbrella".to_string()),
        "old role deleted: {names:?}"
    );
    h.expect_empty_plan().await;

    // Import by id and by name reads back the same state.
    let id = h.resource("connectwise_security_role.umbrella").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    h.import_verify("connectwise_security_role.umbrella", &id, &[])
        .await;
    h.import_verify("connectwise_security_role.umbrella", "Umbrella PSA", &[])
        .await;
    h.expect_empty_plan().await;

    // Deleted out of band: the plan recreates it.
    h.client()
        .security_roles()
        .delete(id.parse().unwrap())
        .await
        .expect("delete out of band");
    assert_eq!(
        h.planned_actions("connectwise_security_role.umbrella")
            .await,
        ["create"]
    );
    h.apply().await;
    h.expect_empty_plan().await;

    // Destroy leaves the sandbox as it was.
    h.destroy().await;
    let mut after = role_names(&h).await;
    let mut before = builtin;
    after.sort();
    before.sort();
    assert_eq!(after, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn security_role_name_too_long_is_rejected_at_plan_time() {
    let h = Harness::new().await;
    h.config(&role(&"x".repeat(31)));
    let out = h.plan_fails().await;
    assert!(out.contains("Invalid Attribute Value Length"), "{out}");
    assert!(out.contains("name"), "{out}");
    assert!(out.contains("30 characters long, got 31"), "{out}");
    let requests = h.sandbox.requests();
    assert!(
        requests.iter().all(|r| r.method != "POST"),
        "nothing may be created: {requests:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn security_role_data_source_and_duplicate_name() {
    let h = Harness::new().await;
    h.config(
        r#"
resource "connectwise_security_role" "a" {
  name      = "Umbrella"
  role_type = "Integration"
}

data "connectwise_security_role" "by_name" {
  name = connectwise_security_role.a.name
}

output "looked_up_id" {
  value = data.connectwise_security_role.by_name.id
}
"#,
    );
    let run = h.apply().await;
    let id = h.resource("connectwise_security_role.a").await["id"].clone();
    assert!(
        run.stdout.contains(&format!("looked_up_id = {id}")),
        "{}",
        run.stdout
    );
    h.expect_empty_plan().await;

    // A second role with the same name is refused by ConnectWise; the error
    // names the attribute and suggests importing.
    h.config(
        r#"
resource "connectwise_security_role" "a" {
  name      = "Umbrella"
  role_type = "Integration"
}

resource "connectwise_security_role" "b" {
  name = "umbrella"
}
"#,
    );
    let out = h.apply_fails().await;
    assert!(out.contains("terraform import"), "{out}");
    assert!(out.contains("Cannot create security role"), "{out}");
}
