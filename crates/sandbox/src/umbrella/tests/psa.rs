//! PSA settings: validation, connection status, out-of-band changes, delete.

use serde_json::json;

use super::*;
use crate::umbrella::psa::PSA_NOT_CONFIGURED;

#[tokio::test]
async fn psa_put_validation() {
    let h = harness().await;
    let token = h.token().await;
    let (status, body) = h.call("GET", "/admin/v2/config/psa", &token, None).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some(PSA_NOT_CONFIGURED))
    );

    let (status, body) = h
        .call("PUT", "/admin/v2/config/psa", &token, Some(psa_body(None)))
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (
            400,
            Some("privateKey is required and must be a non-empty string")
        )
    );
    let mut wrong_type = psa_body(Some("good-private"));
    wrong_type["psaType"] = json!("autotask");
    assert_eq!(
        h.call("PUT", "/admin/v2/config/psa", &token, Some(wrong_type))
            .await
            .0,
        400
    );
    let mut empty_site = psa_body(Some("good-private"));
    empty_site["siteUrl"] = json!("");
    assert_eq!(
        h.call("PUT", "/admin/v2/config/psa", &token, Some(empty_site))
            .await
            .0,
        400
    );
    let mut no_enabled = psa_body(Some("good-private"));
    no_enabled["enabled"] = json!("yes");
    assert_eq!(
        h.call("PUT", "/admin/v2/config/psa", &token, Some(no_enabled))
            .await
            .0,
        400
    );
    let (status, _) = send(
        h.http
            .put(format!("{}/admin/v2/config/psa", h.base))
            .bearer_auth(&token)
            .body("not json"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        h.call("GET", "/admin/v2/config/psa", &token, None).await.0,
        404,
        "nothing stored"
    );
}

#[tokio::test]
async fn psa_settings_lifecycle() {
    let h = harness().await;
    let token = h.token().await;
    let (status, body) = h
        .call(
            "PUT",
            "/admin/v2/config/psa",
            &token,
            Some(psa_body(Some("good-private"))),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["connectionStatus"], "ok");
    assert!(body.get("privateKey").is_none());
    let (status, body) = h.call("GET", "/admin/v2/config/psa", &token, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["siteUrl"], "https://cw.example");
    assert!(body["updatedAt"].is_string());
    assert!(body.get("privateKey").is_none());
    assert!(!body.to_string().contains("good-private"));

    // Out-of-band changes are visible through the API.
    h.state.with_console(KEY, |c| {
        if let Some(psa) = c.psa.as_mut() {
            psa.site_url = "https://offline.example".into();
        }
    });
    let (_, body) = h.call("GET", "/admin/v2/config/psa", &token, None).await;
    assert_eq!(body["connectionStatus"], "unreachable");
    let (_, body) = h
        .call(
            "PUT",
            "/admin/v2/config/psa",
            &token,
            Some(psa_body(Some("bad"))),
        )
        .await;
    assert_eq!(body["connectionStatus"], "unauthorized");

    // The other console is untouched.
    let stored = h.state.with_console("key-b", |c| c.psa.is_none());
    assert_eq!(stored, Some(true));

    let (status, _) = send(
        h.http
            .delete(format!("{}/admin/v2/config/psa", h.base))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        h.call("GET", "/admin/v2/config/psa", &token, None).await.0,
        404
    );
    assert_eq!(
        h.call("DELETE", "/admin/v2/config/psa", &token, None)
            .await
            .0,
        404
    );
    assert!(!format!("{:?}", h.state.with_console(KEY, |c| c.clone())).contains(SECRET));
}
