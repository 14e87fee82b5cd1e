//! API keys: create, authenticate, list without the private key, revoke.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

/// A key issued to a new API member: (member id, the member's `apiKeys` path, key id, public
/// key, private key).
async fn member_with_key(api: &Api) -> (i64, String, i64, String, String) {
    let role = api.create_role("Umbrella").await;
    let m = api.create_api_member("umbrella-psa", role).await;
    let mid = m["id"].as_i64().unwrap();
    let base = format!("/system/members/{mid}/apiKeys");
    let r = api
        .post(&base, json!({"description": "Umbrella PSA Integration"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (kid, public, private) = (
        r.body["id"].as_i64().unwrap(),
        r.body["publicKey"].as_str().unwrap().to_string(),
        r.body["privateKey"].as_str().unwrap().to_string(),
    );
    (mid, base, kid, public, private)
}

#[tokio::test]
async fn api_key_private_part_only_in_the_creation_answer() {
    let api = Api::start().await;
    let (_, base, kid, public, private) = member_with_key(&api).await;
    assert_eq!(public.len(), 16);
    assert!(private.len() >= 16);
    let r = api.get(&format!("{base}/{kid}")).await;
    assert!(r.body.get("privateKey").is_none());
    let r = api
        .send(
            api.req(Method::GET, &base)
                .query(&[("conditions", format!("publicKey=\"{public}\""))]),
        )
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert!(r.body[0].get("privateKey").is_none());
    assert_eq!(
        api.post(&base, json!({})).await.body["errors"][0]["code"],
        "MissingRequiredField"
    );
    assert_eq!(
        field_of(
            &api.post(&base, json!({"description": "d".repeat(101)}))
                .await
                .body
        ),
        "description"
    );
    assert_eq!(
        api.get("/system/members/999/apiKeys").await.status,
        StatusCode::NOT_FOUND
    );
}

/// The key authenticates as its member while the member is active, until it is revoked.
#[tokio::test]
async fn api_key_authenticates_until_revoked() {
    let mut api = Api::start().await;
    let (mid, base, kid, public, private) = member_with_key(&api).await;
    let admin = (api.public.clone(), api.private.clone());
    (api.public, api.private) = (public.clone(), private.clone());
    assert_eq!(
        api.get("/system/securityroles").await.status,
        StatusCode::OK
    );
    // Inactive member: its keys stop working.
    api.sb.state().with_tenant("sandbox", |t| {
        t.members.get_mut(&(mid as i32)).unwrap().inactive_flag = true
    });
    assert_eq!(
        api.get("/system/securityroles").await.status,
        StatusCode::UNAUTHORIZED
    );
    api.sb.state().with_tenant("sandbox", |t| {
        t.members.get_mut(&(mid as i32)).unwrap().inactive_flag = false
    });
    assert_eq!(
        api.get("/system/securityroles").await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.sb
            .state()
            .check_credentials(&api.sb.url(), "sandbox", &public, &private),
        CredentialCheck::Ok
    );

    // Revoke with the admin keys.
    (api.public, api.private) = admin;
    assert_eq!(
        api.call(Method::DELETE, &format!("{base}/{kid}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("{base}/{kid}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.sb
            .state()
            .check_credentials(&api.sb.url(), "sandbox", &public, &private),
        CredentialCheck::Unauthorized
    );
    (api.public, api.private) = (public, private);
    assert_eq!(
        api.get("/system/securityroles").await.status,
        StatusCode::UNAUTHORIZED
    );
}
