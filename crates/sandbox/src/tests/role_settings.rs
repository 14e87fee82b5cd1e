//! A role's settings rows (one per catalogue function), their PATCH, and customize allow-lists.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

#[tokio::test]
async fn settings_rows_created_per_role() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let n = crate::catalogue::functions().count();
    let all = api
        .get(&format!(
            "/system/securityRoles/{role}/settings?pageSize=1000"
        ))
        .await;
    let rows = all.body.as_array().unwrap();
    assert_eq!(rows.len(), n);
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    let mut expected: Vec<&str> = crate::role_settings::FIELDS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    expected.sort();
    let mut got: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    got.sort();
    assert_eq!(got, expected);
    assert!(
        rows.iter()
            .all(|r| r["addLevel"] == "None" && r["inquireLevel"] == "None")
    );
    assert_eq!(
        api.get(&format!("/system/securityRoles/{role}/settings/count"))
            .await
            .body["count"],
        n
    );
}

#[tokio::test]
async fn setting_levels_patched() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let tickets = api.setting(role, "Service Desk", "Service Tickets").await;
    assert_eq!(tickets["myAllFlag"], true);
    let sid = tickets["id"].as_i64().unwrap();
    let path = format!("/system/securityRoles/{role}/settings/{sid}");
    let r = api
        .patch(
            &path,
            json!([
                {"op": "replace", "path": "addLevel", "value": "All"},
                {"op": "replace", "path": "/editLevel", "value": "My"},
                {"op": "replace", "path": "inquireLevel", "value": "All"}
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["addLevel"].as_str(), r.body["editLevel"].as_str()),
        (Some("All"), Some("My"))
    );
    assert_eq!(r.body["deleteLevel"], "None");
    assert_eq!(api.get(&path).await.body["inquireLevel"], "All");

    // Out-of-band view agrees.
    let rows = api.sb.state().role_settings("sandbox", role as i32);
    let row = rows.iter().find(|s| s.id == sid as i32).unwrap();
    assert_eq!(row.add_level, Level::All);
}

/// Errors: bad enum, other path, other op, My where myAllFlag is false, malformed JSON, PUT,
/// another role's setting; nothing is applied.
#[tokio::test]
async fn setting_patch_errors_change_nothing() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let sid = api.setting(role, "Service Desk", "Service Tickets").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/system/securityRoles/{role}/settings/{sid}");
    let cases = [
        (
            json!([{"op": "replace", "path": "addLevel", "value": "Some"}]),
            "addLevel",
        ),
        (
            json!([{"op": "replace", "path": "moduleName", "value": "x"}]),
            "moduleName",
        ),
        (json!([{"op": "remove", "path": "addLevel"}]), "addLevel"),
        (json!([{"op": "copy", "path": "addLevel"}]), "op"),
    ];
    for (body, field) in cases {
        let r = api.patch(&path, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(field_of(&r.body), field);
    }
    let table = api.setting(role, "System", "Table Setup").await;
    assert_eq!(table["myAllFlag"], false);
    assert_eq!(table["customFlag"], true);
    let tpath = format!("/system/securityRoles/{role}/settings/{}", table["id"]);
    let r = api
        .patch(&tpath, json!([{"op": "replace", "path": "addLevel", "value": "All"}, {"op": "replace", "path": "editLevel", "value": "My"}]))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(field_of(&r.body), "editLevel");
    assert_eq!(
        api.get(&tpath).await.body["addLevel"],
        "None",
        "patch is atomic"
    );
    let r = api
        .send(
            api.req(Method::PATCH, &tpath)
                .header("Content-Type", "application/json")
                .body("{nope"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // PUT on a setting is not offered; settings of another role are not found.
    assert_eq!(
        api.call(Method::PUT, &tpath, Some(json!({}))).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        api.get(&format!("/system/securityRoles/1/settings/{sid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

/// A role `Umbrella` whose Table Setup list allows three tables: the role, the setting's id, its
/// `customizeItems` path and the items' ids.
async fn table_setup_with_three_items(api: &Api) -> (i64, i64, String, Vec<i64>) {
    let role = api.create_role("Umbrella").await;
    let table = api.setting(role, "System", "Table Setup").await["id"]
        .as_i64()
        .unwrap();
    let base = format!("/system/securityRoles/{role}/settings/{table}/customizeItems");
    let mut ids = Vec::new();
    for item in [
        "Company / Configuration",
        "Service / Priority",
        "Service / Service Board",
    ] {
        let r = api.post(&base, json!({"itemIdentifier": item})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["customizeIdentifier"], "SystemTableSetup");
        assert_eq!(r.body["itemIdentifier"], item);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    (role, table, base, ids)
}

#[tokio::test]
async fn customize_items_added_and_validated() {
    let api = Api::start().await;
    let (role, _, base, _) = table_setup_with_three_items(&api).await;
    let r = api.get(&base).await;
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    let r = api
        .post(&base, json!({"itemIdentifier": "Service / Priority"}))
        .await;
    assert_eq!(
        (r.status, code_of(&r.body)),
        (StatusCode::BAD_REQUEST, "ObjectExists")
    );
    let r = api
        .post(&base, json!({"itemIdentifier": "Service / Priorty"}))
        .await;
    assert_eq!(
        (r.status, field_of(&r.body)),
        (StatusCode::BAD_REQUEST, "itemIdentifier")
    );
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Service / Priority")
    );
    let r = api
        .post(
            &base,
            json!({"itemIdentifier": "Backup", "customizeIdentifier": "CompanyConfigurations"}),
        )
        .await;
    assert_eq!(
        (r.status, field_of(&r.body)),
        (StatusCode::BAD_REQUEST, "customizeIdentifier")
    );

    let tickets = api.setting(role, "Service Desk", "Service Tickets").await;
    let r = api
        .post(
            &format!(
                "/system/securityRoles/{role}/settings/{}/customizeItems",
                tickets["id"]
            ),
            json!({"itemIdentifier": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// Items are deleted one by one, and with their role.
#[tokio::test]
async fn customize_items_deleted() {
    let api = Api::start().await;
    let (role, table, base, ids) = table_setup_with_three_items(&api).await;
    let r = api
        .call(Method::DELETE, &format!("{base}/{}", ids[1]), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api
        .send(
            api.req(Method::GET, &base)
                .query(&[("conditions", "itemIdentifier like \"Service*\"")]),
        )
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    let state = api.sb.state();
    assert_eq!(
        state
            .customize_items("sandbox", role as i32, table as i32)
            .len(),
        2
    );

    api.call(
        Method::DELETE,
        &format!("/system/securityroles/{role}"),
        None,
    )
    .await;
    assert!(
        state
            .with_tenant("sandbox", |t| t.customize_items.is_empty())
            .unwrap()
    );
}
