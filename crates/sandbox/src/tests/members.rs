//! API members: create, defaults, update, patch, deactivate.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

#[tokio::test]
async fn api_member_create_defaults_and_validation() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let d = api.get("/system/apiMembers/default").await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.body["structureLevel"]["name"], "Corporate (Level 1)");
    assert_eq!(d.body["securityRole"], Value::Null);

    let m = api.create_api_member("umbrella-psa", role).await;
    assert_eq!(m["securityRole"]["name"], "Umbrella");
    assert_eq!(m["structureLevel"], d.body["structureLevel"]);
    assert_eq!(m["defaultLocation"]["name"], "Tampa Office");
    assert_eq!(m["timeZone"]["name"], "US Eastern");
    assert_eq!(m["inactiveFlag"], false);
    assert!(
        m["id"].as_i64().is_some_and(|id| id > 3),
        "after the seeded members"
    );

    let r = api
        .post(
            "/system/apiMembers",
            json!({"identifier": "UMBRELLA-PSA", "securityRole": {"id": role}}),
        )
        .await;
    assert_eq!(
        (code_of(&r.body), field_of(&r.body)),
        ("ObjectExists", "identifier")
    );
    let r = api
        .post(
            "/system/apiMembers",
            json!({"identifier": "jsmith", "securityRole": {"id": role}}),
        )
        .await;
    assert_eq!(
        code_of(&r.body),
        "ObjectExists",
        "full members' identifiers are taken too"
    );
    let r = api
        .post(
            "/system/apiMembers",
            json!({"identifier": "x".repeat(16), "securityRole": {"id": role}}),
        )
        .await;
    assert_eq!(field_of(&r.body), "identifier");
    let r = api
        .post("/system/apiMembers", json!({"identifier": "nosec"}))
        .await;
    assert_eq!(
        (code_of(&r.body), field_of(&r.body)),
        ("MissingRequiredField", "securityRole")
    );
    let r = api.post("/system/apiMembers", json!({"identifier": "badloc", "securityRole": {"id": role}, "defaultLocation": {"id": 99}})).await;
    assert_eq!(
        (r.status, field_of(&r.body)),
        (StatusCode::BAD_REQUEST, "defaultLocation")
    );
    let r = api.post("/system/apiMembers", json!({"identifier": "byname", "securityRole": {"name": "umbrella"}, "defaultDepartment": {"identifier": "HelpDesk"}})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["defaultDepartment"]["name"], "Help Desk");
}

#[tokio::test]
async fn api_member_patch_and_put() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let id = api.create_api_member("umbrella-psa", role).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/system/apiMembers/{id}");
    let r = api
        .patch(&path, json!([{"op": "replace", "path": "name", "value": "Umbrella Sync"}, {"op": "replace", "path": "timeZone", "value": {"id": 4}}]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["name"].as_str(), r.body["timeZone"]["name"].as_str()),
        (Some("Umbrella Sync"), Some("US Pacific"))
    );
    let r = api
        .patch(
            &path,
            json!([{"op": "replace", "path": "securityRole/id", "value": 1}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .patch(
            &path,
            json!([{"op": "replace", "path": "inactiveFlag", "value": true}]),
        )
        .await;
    assert!(r.body["inactiveDate"].is_string());
    let r = api
        .call(Method::PUT, &path, Some(json!({"identifier": "umbrella-psa", "name": "Umbrella PSA", "securityRole": {"id": role}})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["inactiveFlag"], false);
    assert_eq!(r.body["inactiveDate"], Value::Null);
    let r = api
        .call(
            Method::PUT,
            &path,
            Some(json!({"identifier": "umbrella-psa", "securityRole": {"id": role}})),
        )
        .await;
    assert_eq!(field_of(&r.body), "name", "name is required on updates");
}

/// No DELETE; lists show inactive members; `/system/members` shows them as class A.
#[tokio::test]
async fn api_members_are_deactivated_not_deleted() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let id = api.create_api_member("umbrella-psa", role).await["id"]
        .as_i64()
        .unwrap();
    api.create_api_member("umbrella-sync", role).await;
    let path = format!("/system/apiMembers/{id}");
    assert_eq!(
        api.call(Method::DELETE, &path, None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    api.patch(
        &path,
        json!([{"op": "replace", "path": "inactiveFlag", "value": true}]),
    )
    .await;
    let list = api.get("/system/apiMembers").await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    assert_eq!(api.get("/system/apiMembers/count").await.body["count"], 2);
    let r = api.get(&format!("/system/members/{id}")).await;
    assert_eq!(r.body["licenseClass"], "A");
    let r = api
        .send(
            api.req(Method::GET, "/system/members")
                .query(&[("conditions", "licenseClass=\"F\"")]),
        )
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    assert_eq!(
        api.get("/system/apiMembers/1").await.status,
        StatusCode::NOT_FOUND,
        "member 1 is a full member"
    );
    assert_eq!(api.sb.state().api_members("sandbox").len(), 2);
}
