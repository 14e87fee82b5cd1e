//! `connectwise_api_member`, the data source `connectwise_member` and the ephemeral
//! `connectwise_member_token`.

use crate::harness::{CLIENT_ID, Harness};
use connectwise_sandbox::Member;

pub const ROLE: &str = r#"
resource "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}
"#;

/// A role and an API member whose body lines are `member_body`.
pub fn member_config(member_body: &str) -> String {
    format!(
        r#"{ROLE}
resource "connectwise_api_member" "umbrella" {{
  security_role_id = connectwise_security_role.umbrella.id
{member_body}
}}
"#
    )
}

pub fn company(h: &Harness) -> String {
    h.sandbox.config().tenants[0].company_id.clone()
}

/// Every API member of the sandbox, inactive ones included.
pub fn api_members(h: &Harness) -> Vec<Member> {
    h.sandbox.state().api_members(&company(h))
}

pub fn api_member(h: &Harness, id: i32) -> Member {
    api_members(h)
        .into_iter()
        .find(|m| m.id == id)
        .unwrap_or_else(|| panic!("API member {id} is not in the sandbox"))
}

/// `text` with every run of whitespace made one space (Terraform wraps diagnostics).
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Requests that change something (anything but GET).
pub fn writes(h: &Harness) -> Vec<String> {
    h.sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| {
            let path = r
                .path
                .split_once("/apis/3.0")
                .map_or(r.path.as_str(), |(_, p)| p);
            format!("{} {path}", r.method)
        })
        .collect()
}

async fn state_id(h: &Harness, address: &str) -> i32 {
    h.resource(address).await["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{address} has no numeric id"))
}

const MEMBER: &str = "connectwise_api_member.umbrella";

#[tokio::test(flavor = "multi_thread")]
async fn api_member_lifecycle() {
    let h = Harness::new().await;

    // Create: a location by name, a time zone by id, the rest from the API member template.
    h.config(&member_config(
        r#"  identifier = "umbrella-psa"
  name       = "Umbrella PSA"
  location   = "Dallas Office"
  time_zone  = "2"
"#,
    ));
    h.apply().await;
    let state = h.resource(MEMBER).await;
    assert_eq!(state["identifier"], "umbrella-psa");
    assert_eq!(state["location"], "Dallas Office");
    assert_eq!(state["location_id"], 2);
    assert_eq!(state["time_zone"], "2");
    assert_eq!(state["time_zone_id"], 2);
    assert_eq!(state["structure_level"], "Corporate (Level 1)");
    assert_eq!(state["structure_level_id"], 1);
    assert_eq!(state["department"], "Professional Services");
    assert_eq!(state["department_id"], 2);
    assert_eq!(state["inactive"], false);
    let id = state_id(&h, MEMBER).await;
    let role_id: i32 = h.resource("connectwise_security_role.umbrella").await["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let m = api_member(&h, id);
    assert_eq!(m.identifier, "umbrella-psa");
    assert_eq!(m.name, "Umbrella PSA");
    assert_eq!(m.security_role_id, Some(role_id));
    assert_eq!(m.default_location_id, Some(2));
    assert_eq!(m.time_zone_id, Some(2));
    assert!(!m.inactive_flag);
    h.expect_empty_plan().await;

    // Update in place, with one PATCH of the changed fields.
    h.config(&member_config(
        r#"  identifier    = "umbrella-psa"
  name          = "Umbrella PSA Integration"
  email_address = "psa@example.com"
  location      = "remote"
  time_zone     = "2"
  department    = "Help Desk"
  notes         = "Used by the Umbrella MSP console."
"#,
    ));
    assert_eq!(h.planned_actions(MEMBER).await, ["update"]);
    h.sandbox.clear_requests();
    h.apply().await;
    assert_eq!(
        writes(&h),
        [format!("PATCH /system/apiMembers/{id}")],
        "one PATCH, nothing else"
    );
    let m = api_member(&h, id);
    assert_eq!(m.name, "Umbrella PSA Integration");
    assert_eq!(m.email_address.as_deref(), Some("psa@example.com"));
    assert_eq!(m.default_location_id, Some(3));
    assert_eq!(m.default_department_id, Some(3));
    assert_eq!(
        m.notes.as_deref(),
        Some("Used by the Umbrella MSP console.")
    );
    let state = h.resource(MEMBER).await;
    assert_eq!(state["location"], "remote", "the configured form is kept");
    assert_eq!(state["location_id"], 3);
    assert_eq!(state_id(&h, MEMBER).await, id, "updated in place");
    h.expect_empty_plan().await;

    // Drift: the location changed by hand shows up by name and is changed back.
    h.sandbox.state().with_tenant(&company(&h), |t| {
        if let Some(m) = t.members.get_mut(&id) {
            m.default_location_id = Some(1);
        }
    });
    let changes = h.plan().await;
    let change = changes.iter().find(|c| c.address == MEMBER).unwrap();
    assert_eq!(change.actions, ["update"]);
    assert_eq!(change.before["location"], "Tampa Office");
    assert_eq!(change.after["location"], "remote");
    h.apply().await;
    assert_eq!(api_member(&h, id).default_location_id, Some(3));
    h.expect_empty_plan().await;

    // Another form of the same records: the state records it, nothing is sent.
    let canonical = r#"  identifier    = "umbrella-psa"
  name          = "Umbrella PSA Integration"
  email_address = "psa@example.com"
  location      = "Remote"
  time_zone     = "US Central"
  department    = "Help Desk"
  notes         = "Used by the Umbrella MSP console."
"#;
    h.config(&member_config(canonical));
    assert_eq!(h.planned_actions(MEMBER).await, ["update"]);
    h.sandbox.clear_requests();
    h.apply().await;
    assert!(writes(&h).is_empty(), "no call: {:?}", writes(&h));
    let state = h.resource(MEMBER).await;
    assert_eq!(state["time_zone"], "US Central");
    assert_eq!(state["time_zone_id"], 2);
    h.expect_empty_plan().await;

    // Import by id and by identifier reads back the same state (imports name the records);
    // no diff afterwards.
    h.import_verify(MEMBER, &id.to_string(), &[]).await;
    h.import_verify(MEMBER, "umbrella-psa", &[]).await;
    h.expect_empty_plan().await;

    // Identifier change → replacement: the old member is deactivated, a new one made.
    h.config(&member_config(
        &canonical.replace("\"umbrella-psa\"", "\"umbrella-psa2\""),
    ));
    assert_eq!(h.planned_actions(MEMBER).await, ["delete", "create"]);
    h.apply().await;
    let new_id = state_id(&h, MEMBER).await;
    assert_ne!(new_id, id);
    assert!(api_member(&h, id).inactive_flag, "old member deactivated");
    assert!(!api_member(&h, new_id).inactive_flag);
    h.expect_empty_plan().await;

    // Destroy deactivates (there is no DELETE) ...
    h.client()
        .api_keys()
        .create(new_id, "made by hand")
        .await
        .expect("a key made by hand");
    h.destroy().await;
    let m = api_member(&h, new_id);
    assert!(m.inactive_flag, "destroy deactivates the member");
    assert!(m.inactive_date.is_some());
    let before = api_members(&h).len();

    // ... and applying again reactivates the same member instead of duplicating it.
    let run = h.apply().await;
    assert!(
        run.text().contains("Inactive API member reactivated"),
        "{}",
        run.text()
    );
    assert!(
        flat(&run.text()).contains("still has 1 API key"),
        "the warning points at the key made by hand:\n{}",
        run.text()
    );
    assert_eq!(state_id(&h, MEMBER).await, new_id, "same member");
    assert_eq!(api_members(&h).len(), before, "no duplicate");
    let m = api_member(&h, new_id);
    assert!(!m.inactive_flag);
    assert_eq!(m.default_location_id, Some(3));
    assert_eq!(
        api_members(&h)
            .iter()
            .filter(|m| m.identifier.eq_ignore_ascii_case("umbrella-psa2"))
            .count(),
        1
    );
    h.expect_empty_plan().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn api_member_bad_input_creates_nothing() {
    let h = Harness::new().await;
    let members_before = api_members(&h).len();

    // Identifier of 16 characters: refused by validation, before any call.
    h.config(&member_config(
        r#"  identifier = "umbrella-psa-int"
  name       = "Umbrella PSA"
"#,
    ));
    let out = flat(&h.plan_fails().await);
    assert!(out.contains("Invalid Attribute Value Length"), "{out}");
    assert!(out.contains("identifier"), "{out}");
    assert!(out.contains("15 characters long, got 16"), "{out}");

    // Unknown role id: a plan-time error on security_role_id.
    h.config(
        r#"
resource "connectwise_api_member" "umbrella" {
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA"
  security_role_id = "9999"
}
"#,
    );
    let out = flat(&h.apply_fails().await);
    assert!(out.contains("Unknown security role"), "{out}");
    assert!(out.contains("security_role_id"), "{out}");
    assert!(out.contains("9999"), "{out}");

    // Unknown location name: a plan-time error on location.
    h.config(
        r#"
resource "connectwise_api_member" "umbrella" {
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA"
  security_role_id = "1"
  location         = "Atlantis Office"
}
"#,
    );
    let out = flat(&h.apply_fails().await);
    assert!(out.contains("Unknown location"), "{out}");
    assert!(out.contains("location"), "{out}");
    assert!(out.contains("Atlantis Office"), "{out}");

    // The same with a role created in the same run (its id unknown at plan time): the
    // location is still checked before anything is created.
    h.config(&member_config(
        r#"  identifier = "umbrella-psa"
  name       = "Umbrella PSA"
  time_zone  = "Mars Standard Time"
"#,
    ));
    let out = flat(&h.apply_fails().await);
    assert!(out.contains("Unknown time zone"), "{out}");
    assert!(out.contains("time_zone"), "{out}");

    assert!(writes(&h).is_empty(), "nothing written: {:?}", writes(&h));
    assert_eq!(api_members(&h).len(), members_before);
    assert!(
        !h.sandbox
            .state()
            .roles(&company(&h))
            .iter()
            .any(|r| r.name == "Umbrella")
    );

    // An identifier held by an active member: an error that suggests importing.
    let existing = api_client::ApiMember {
        identifier: "umbrella-psa".into(),
        name: Some("Made by hand".into()),
        security_role: Some(api_client::Reference::id(1)),
        ..Default::default()
    };
    h.client()
        .api_members()
        .create(&existing)
        .await
        .expect("member made by hand");
    h.config(
        r#"
resource "connectwise_api_member" "umbrella" {
  identifier       = "UMBRELLA-PSA"
  name             = "Umbrella PSA"
  security_role_id = "1"
}
"#,
    );
    let out = flat(&h.apply_fails().await);
    assert!(out.contains("API member already exists"), "{out}");
    assert!(
        out.contains("terraform import connectwise_api_member"),
        "{out}"
    );
    assert_eq!(api_members(&h).len(), members_before + 1);
    let hand_made = api_members(&h)
        .into_iter()
        .find(|m| m.identifier == "umbrella-psa")
        .unwrap();
    assert_eq!(hand_made.name, "Made by hand", "left alone");
}

#[tokio::test(flavor = "multi_thread")]
async fn member_data_source_by_identifier_and_id() {
    let h = Harness::new().await;
    h.config(&format!(
        r#"{}
data "connectwise_member" "jsmith" {{
  identifier = "JSmith"
}}

data "connectwise_member" "api" {{
  id = connectwise_api_member.umbrella.id
}}

output "jsmith" {{
  value = data.connectwise_member.jsmith
}}

output "api" {{
  value = data.connectwise_member.api
}}
"#,
        member_config(
            r#"  identifier = "umbrella-psa"
  name       = "Umbrella PSA"
"#
        )
    ));
    h.apply().await;
    let out = h.terraform(&["output", "-json"]).await;
    assert!(out.ok, "{}", out.text());
    let outputs: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let jsmith = &outputs["jsmith"]["value"];
    assert_eq!(jsmith["identifier"], "jsmith");
    assert_eq!(jsmith["name"], "John Smith");
    assert_eq!(jsmith["license_class"], "F");
    assert_eq!(jsmith["inactive"], false);
    assert_eq!(jsmith["security_role"], "Technician");
    let api = &outputs["api"]["value"];
    let member = h.resource(MEMBER).await;
    assert_eq!(api["id"], member["id"]);
    assert_eq!(api["identifier"], "umbrella-psa");
    assert_eq!(api["name"], "Umbrella PSA");
    assert_eq!(api["license_class"], "A");
    assert_eq!(api["security_role_id"], member["security_role_id"]);
    assert_eq!(api["security_role"], "Umbrella");
    h.expect_empty_plan().await;

    // Neither or both of id and identifier; a member that does not exist.
    h.config(
        r#"
data "connectwise_member" "x" {
  id         = "1"
  identifier = "admin"
}
"#,
    );
    let out = flat(&h.plan_fails().await);
    assert!(
        out.contains("Exactly one of `identifier`, `id` must be set"),
        "{out}"
    );
    h.config(
        r#"
data "connectwise_member" "x" {
  identifier = "nobody"
}
"#,
    );
    let out = flat(&h.plan_fails().await);
    assert!(out.contains("Member not found"), "{out}");
    assert!(out.contains("\"nobody\""), "{out}");
}

/// Words of `text` that look like key material (alphanumeric runs of 8+ characters).
pub fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 8)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn member_token_is_ephemeral_and_authenticates() {
    let h = Harness::new().await;
    let base = member_config(
        r#"  identifier = "umbrella-psa"
  name       = "Umbrella PSA"
"#,
    );
    h.config(&base);
    h.apply().await;
    let member_id = state_id(&h, MEMBER).await;

    // A second provider instance that signs in with nothing but the member's token.
    h.config(&format!(
        r#"{base}
ephemeral "connectwise_member_token" "umbrella" {{
  member_identifier = connectwise_api_member.umbrella.identifier
}}

provider "connectwise" {{
  alias       = "as_member"
  site        = "{url}"
  company_id  = "{company}"
  client_id   = "{CLIENT_ID}"
  public_key  = ephemeral.connectwise_member_token.umbrella.public_key
  private_key = ephemeral.connectwise_member_token.umbrella.private_key
}}

data "connectwise_member" "me" {{
  provider   = connectwise.as_member
  identifier = connectwise_api_member.umbrella.identifier
}}

output "me" {{
  value = data.connectwise_member.me.name
}}
"#,
        url = h.sandbox.url(),
        company = company(&h),
    ));
    let plan = h.terraform(&["plan", "-no-color", "-out=tfplan"]).await;
    assert!(plan.ok, "{}", plan.text());
    let apply = h.terraform(&["apply", "-no-color", "tfplan"]).await;
    assert!(apply.ok, "{}", apply.text());
    assert!(
        apply.stdout.contains("me = \"Umbrella PSA\""),
        "{}",
        apply.stdout
    );

    // The sandbox minted pairs for the member (one per plan and apply), and they worked.
    let tokens: Vec<_> = h
        .sandbox
        .state()
        .tokens(&company(&h))
        .into_iter()
        .filter(|t| t.member_id == member_id)
        .collect();
    assert!(!tokens.is_empty(), "a token was minted");

    // No byte of any pair is in the state, the saved plan or Terraform's output.
    let state = std::fs::read_to_string(h.path().join("terraform.tfstate")).unwrap();
    let unzip = std::process::Command::new("unzip")
        .args(["-p", "tfplan"])
        .current_dir(h.path())
        .output()
        .expect("unzip runs");
    assert!(unzip.status.success(), "unzip the saved plan");
    let saved_plan = String::from_utf8_lossy(&unzip.stdout).into_owned();
    let shown = h.terraform(&["show", "-json", "tfplan"]).await.stdout;
    let all = format!(
        "{state}\n{saved_plan}\n{shown}\n{}\n{}",
        plan.text(),
        apply.text()
    );
    let company = company(&h);
    for t in &tokens {
        assert!(!all.contains(&t.public_key), "a token public key leaked");
        let leaked = h
            .sandbox
            .state()
            .with_tenant(&company, |store| {
                words(&all)
                    .into_iter()
                    .any(|w| store.hash_secret(w) == t.private_key_hash)
            })
            .unwrap();
        assert!(!leaked, "a token private key leaked");
    }
    assert!(!state.contains("member_token"), "no ephemeral in state");

    // The detector itself finds a private key that is there.
    let control = h
        .client()
        .members()
        .create_token("umbrella-psa")
        .await
        .expect("token minted directly");
    let text = format!("{{\"private_key\":\"{}\"}}", control.private_key.expose());
    let found = h
        .sandbox
        .state()
        .with_tenant(&company, |store| {
            store.tokens.iter().any(|t| {
                words(&text)
                    .into_iter()
                    .any(|w| store.hash_secret(w) == t.private_key_hash)
            })
        })
        .unwrap();
    assert!(found, "the leak detector works");

    // An unknown member: a clear error on member_identifier.
    h.config(&format!(
        r#"{base}
ephemeral "connectwise_member_token" "nobody" {{
  member_identifier = "nobody"
}}

provider "connectwise" {{
  alias       = "as_nobody"
  site        = "{url}"
  company_id  = "{company}"
  client_id   = "{CLIENT_ID}"
  public_key  = ephemeral.connectwise_member_token.nobody.public_key
  private_key = ephemeral.connectwise_member_token.nobody.private_key
}}

data "connectwise_member" "nobody" {{
  provider   = connectwise.as_nobody
  identifier = "admin"
}}
"#,
        url = h.sandbox.url(),
    ));
    let out = flat(&h.plan_fails().await);
    assert!(out.contains("Unknown member"), "{out}");
    assert!(out.contains("member_identifier"), "{out}");
}
