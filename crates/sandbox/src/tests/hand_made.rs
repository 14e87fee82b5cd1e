//! `--hand-made`: the integration a person set up in the consoles, read back over both APIs.

use super::*;

fn hand_made(customers: usize) -> SandboxConfig {
    SandboxConfig {
        hand_made: true,
        customers_per_console: customers,
        ..SandboxConfig::default()
    }
}

/// An Umbrella GET with a fresh token of the first console.
async fn umbrella_get(api: &Api, path: &str) -> Value {
    let url = api.sb.url();
    let token: Value = api
        .http
        .post(format!("{url}/auth/v2/token"))
        .basic_auth("umbrella-sandbox-key", Some("umbrella-sandbox-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bearer = token["access_token"].as_str().unwrap().to_string();
    let resp = api
        .http
        .get(format!("{url}{path}"))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn the_integration_is_there_as_a_person_left_it_with_one_permission_too_many() {
    let api = Api::with(hand_made(3)).await;
    let made = api.sb.hand_made().to_vec();
    assert_eq!(made.len(), 1);
    let h = &made[0];

    let roles = api
        .get("/system/securityroles?conditions=name=\"Umbrella\"")
        .await;
    assert_eq!(roles.body.as_array().unwrap().len(), 1, "{}", roles.body);
    assert_eq!(roles.body[0]["id"], json!(h.role_id));
    let role = i64::from(h.role_id);
    let levels = |s: &Value| {
        ["addLevel", "editLevel", "deleteLevel", "inquireLevel"]
            .map(|f| s[f].as_str().unwrap_or_default().to_string())
    };
    for (module, function, expected) in [
        (
            "Companies",
            "Company Maintenance",
            ["None", "None", "None", "All"],
        ),
        ("Companies", "Configurations", ["All", "All", "None", "All"]),
        (
            "Service Desk",
            "Service Tickets",
            ["All", "All", "None", "All"],
        ),
        ("System", "Table Setup", ["All", "All", "None", "All"]),
        ("Finance", "Invoicing", ["None", "None", "None", "All"]),
    ] {
        let s = api.setting(role, module, function).await;
        assert_eq!(levels(&s), expected, "{module} > {function}");
    }
    let all = api
        .get(&format!(
            "/system/securityRoles/{role}/settings?pageSize=1000"
        ))
        .await;
    let granted = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| levels(s).iter().any(|l| l != "None"))
        .count();
    assert_eq!(granted, 5, "the four of the procedure and the mistake");
    let table_setup = api.setting(role, "System", "Table Setup").await;
    let items = api
        .get(&format!(
            "/system/securityRoles/{role}/settings/{}/customizeItems",
            table_setup["id"]
        ))
        .await;
    let mut items: Vec<&str> = items
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["itemIdentifier"].as_str().unwrap())
        .collect();
    items.sort();
    assert_eq!(
        items,
        [
            "Company / Configuration",
            "Service / Priority",
            "Service / Service Board"
        ]
    );

    let member = api
        .get(&format!("/system/apiMembers/{}", h.member_id))
        .await;
    assert_eq!(member.body["identifier"], "umbrella-psa");
    assert_eq!(member.body["securityRole"]["id"], json!(h.role_id));
    let keys = api
        .get(&format!("/system/members/{}/apiKeys", h.member_id))
        .await;
    assert_eq!(keys.body[0]["publicKey"], json!(h.public_key));
    assert!(keys.body[0].get("privateKey").is_none());

    let psa = umbrella_get(&api, "/admin/v2/config/psa").await;
    assert_eq!(psa["publicKey"], json!(h.public_key));
    assert_eq!(psa["siteUrl"], json!(api.sb.url()));
    assert_eq!(psa["connectionStatus"], "ok", "the hand-made key works");
    let mappings = umbrella_get(&api, "/admin/v2/config/psa/mappings").await;
    assert_eq!(
        mappings,
        json!([
            {"customerId": 2000001, "psaCompanyId": "AcmeDental"},
            {"customerId": 2000002, "psaCompanyId": "BoltLegal"}
        ])
    );
    for company in ["AcmeDental", "BoltLegal"] {
        let found = api
            .get(&format!(
                "/company/companies?conditions=identifier=\"{company}\""
            ))
            .await;
        assert_eq!(found.body.as_array().unwrap().len(), 1, "{company}");
    }
    assert_eq!(
        h.mappings,
        [
            (2000001, "Acme Dental".to_string(), "AcmeDental".to_string()),
            (2000002, "Bolt Legal".to_string(), "BoltLegal".to_string())
        ]
    );
    let banner = crate::banner::banner(&api.sb, std::path::Path::new("/nowhere"));
    assert!(
        banner.contains(&format!(
            "hand-made integration of tenant sandbox: role Umbrella (id {}) with the procedure's permissions plus Finance > Invoicing",
            h.role_id
        )),
        "{banner}"
    );
    assert!(
        banner.contains("Acme Dental (2000001) -> AcmeDental"),
        "{banner}"
    );
}

#[tokio::test]
async fn without_customers_there_are_no_mappings_and_other_tenants_get_their_own() {
    let api = Api::with(SandboxConfig {
        hand_made: true,
        customers_per_console: 0,
        ..SandboxConfig::with_tenants(2)
    })
    .await;
    let made = api.sb.hand_made();
    assert_eq!(made.len(), 2);
    assert!(made.iter().all(|h| h.mappings.is_empty()));
    assert_ne!(made[0].public_key, made[1].public_key);
    let banner = crate::banner::banner(&api.sb, std::path::Path::new("/nowhere"));
    assert!(banner.contains("mappings: none"), "{banner}");
}

#[tokio::test]
async fn a_state_file_keeps_it_and_a_restart_adds_nothing() {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let file = std::env::temp_dir().join(format!(
        "connectwise-sandbox-hand-made-{}-{nanos}.json",
        std::process::id()
    ));
    let config = SandboxConfig {
        state_file: Some(file.clone()),
        ..hand_made(3)
    };
    let first = Sandbox::start(config.clone()).await.unwrap();
    let public_key = first.hand_made()[0].public_key.clone();
    first.stop().await.unwrap();
    let second = Sandbox::start(config).await.unwrap();
    assert!(second.hand_made().is_empty());
    let roles = second.state().roles("sandbox");
    assert_eq!(roles.iter().filter(|r| r.name == "Umbrella").count(), 1);
    let keys = second.state().api_members("sandbox");
    let member = keys
        .iter()
        .find(|m| m.identifier == "umbrella-psa")
        .unwrap();
    assert_eq!(
        second.state().api_keys("sandbox", member.id)[0].public_key,
        public_key
    );
    let banner = crate::banner::banner(&second, std::path::Path::new("/nowhere"));
    assert!(banner.contains("--hand-made: nothing added"), "{banner}");
    second.stop().await.unwrap();
    let _ = std::fs::remove_file(&file);
}
