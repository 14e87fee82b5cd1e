//! Security roles: create, validate, delete, and a role in use.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

#[tokio::test]
async fn security_roles_created_read_and_deleted() {
    let api = Api::start().await;
    let r = api.get("/system/securityroles").await;
    let names: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Admin", "Technician"]);

    let r = api
        .post("/system/securityroles", json!({"name": "Umbrella"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["adminFlag"], false);
    assert_eq!(r.body["inactiveFlag"], false);
    assert_eq!(r.body["roleType"], Value::Null);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        api.get(&format!("/system/securityroles/{id}")).await.body["name"],
        "Umbrella"
    );
    assert_eq!(
        api.get("/system/securityroles/count").await.body["count"],
        3
    );

    let r = api
        .call(Method::DELETE, &format!("/system/securityroles/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api.get(&format!("/system/securityroles/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        json!({"code": "NotFound", "message": format!("securityRole with id {id} was not found.")})
    );
    assert!(
        api.sb
            .state()
            .role_settings("sandbox", id as i32)
            .is_empty()
    );
}

#[tokio::test]
async fn security_role_validation() {
    let api = Api::start().await;
    api.create_role("Umbrella").await;
    let dup = api
        .post("/system/securityroles", json!({"name": "UMBRELLA"}))
        .await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    assert_eq!(dup.body["code"], "InvalidObject");
    assert_eq!(code_of(&dup.body), "ObjectExists");
    assert_eq!(field_of(&dup.body), "name");

    let long = api
        .post("/system/securityroles", json!({"name": "x".repeat(31)}))
        .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert_eq!(field_of(&long.body), "name");
    let long = api
        .post(
            "/system/securityroles",
            json!({"name": "ok", "roleType": "y".repeat(31)}),
        )
        .await;
    assert_eq!(field_of(&long.body), "roleType");
    let missing = api
        .post("/system/securityroles", json!({"adminFlag": true}))
        .await;
    assert_eq!(code_of(&missing.body), "MissingRequiredField");

    // Malformed JSON and missing content type.
    let r = api
        .send(
            api.req(Method::POST, "/system/securityroles")
                .header("Content-Type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .send(
            api.req(Method::POST, "/system/securityroles")
                .body(r#"{"name":"x"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        api.get("/system/securityroles/count").await.body["count"],
        3,
        "nothing created"
    );
}

/// No published spec has PUT or PATCH on roles: 405 with `Allow`.
#[tokio::test]
async fn security_roles_cannot_be_updated() {
    let api = Api::start().await;
    let id = api.create_role("Umbrella").await;
    for m in [Method::PUT, Method::PATCH] {
        let r = api
            .call(
                m,
                &format!("/system/securityroles/{id}"),
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(r.headers["allow"].to_str().unwrap().contains("DELETE"));
    }
}

#[tokio::test]
async fn role_in_use_cannot_be_deleted() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let m = api.create_api_member("umbrella-psa", role).await;
    let r = api
        .call(
            Method::DELETE,
            &format!("/system/securityroles/{role}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body["message"].as_str().unwrap().contains("umbrella-psa"));
    let p = api
        .patch(
            &format!("/system/apiMembers/{}", m["id"]),
            json!([{"op": "replace", "path": "inactiveFlag", "value": true}]),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    let r = api
        .call(
            Method::DELETE,
            &format!("/system/securityroles/{role}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}
