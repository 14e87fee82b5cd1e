//! The token endpoint, bearer checks and per-key rate limits.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;

#[tokio::test]
async fn token_endpoint() {
    let h = harness().await;
    let (status, body) = h.token_as(KEY, SECRET, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    let (status, body) = h.token_as(KEY, "wrong", None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = send(
        h.http
            .post(format!("{}/auth/v2/token", h.base))
            .body("grant_type=client_credentials"),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = send(
        h.http
            .post(format!("{}/auth/v2/token", h.base))
            .basic_auth(KEY, Some(SECRET))
            .body("grant_type=password"),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
    assert_eq!(h.token_as(KEY, SECRET, Some("101")).await.0, 200);
    assert_eq!(h.token_as(KEY, SECRET, Some("201")).await.0, 403);
}

#[tokio::test]
async fn bearer_checks() {
    let h = harness().await;
    let (status, body) = h.call("GET", "/admin/v2/config/psa", "garbage", None).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("Unauthorized"))
    );
    let (status, _) = send(h.http.get(format!("{}/admin/v2/config/psa", h.base))).await;
    assert_eq!(status, 401);
    let token = h.token().await;
    assert_eq!(
        h.call("GET", "/admin/v2/config/psa", &token, None).await.0,
        404
    );
    h.state.expire_tokens();
    let (status, body) = h.call("GET", "/admin/v2/config/psa", &token, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    // A short lifetime expires by itself.
    h.state.set_token_ttl(Duration::from_millis(50));
    let (_, body) = h.token_as(KEY, SECRET, None).await;
    assert_eq!(body["expires_in"], 0);
    let short = body["access_token"].as_str().unwrap_or_default().to_owned();
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(
        h.call("GET", "/admin/v2/config/psa", &short, None).await.0,
        400
    );
    // Child-org tokens do not reach console-level endpoints.
    h.state.set_token_ttl(Duration::from_secs(3600));
    let (_, body) = h.token_as(KEY, SECRET, Some("101")).await;
    let child = body["access_token"].as_str().unwrap_or_default();
    assert_eq!(
        h.call("GET", "/admin/v2/managed/customers", child, None)
            .await
            .0,
        403
    );
}

#[tokio::test]
async fn rate_limits_per_key() {
    let h = harness().await;
    let token = h.token().await;
    let (_, other) = h.token_as("key-b", "secret-b", None).await;
    let other = other["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    h.state
        .set_rate_limits(vec![(2, Duration::from_millis(300))]);
    assert_eq!(
        h.call("GET", "/admin/v2/config/psa/mappings", &token, None)
            .await
            .0,
        200
    );
    assert_eq!(
        h.call("GET", "/admin/v2/config/psa/mappings", &token, None)
            .await
            .0,
        200
    );
    let response = h
        .http
        .get(format!("{}/admin/v2/config/psa/mappings", h.base))
        .bearer_auth(&token)
        .send()
        .await;
    let Ok(response) = response else {
        panic!("request failed");
    };
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().get("retry-after").is_none());
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    assert_eq!(body, json!({"message": "Too Many Requests"}));
    // Another key has its own budget; the token endpoint is not limited.
    assert_eq!(
        h.call("GET", "/admin/v2/config/psa/mappings", &other, None)
            .await
            .0,
        200
    );
    assert_eq!(h.token_as(KEY, SECRET, None).await.0, 200);
    tokio::time::sleep(Duration::from_millis(320)).await;
    assert_eq!(
        h.call("GET", "/admin/v2/config/psa/mappings", &token, None)
            .await
            .0,
        200
    );
    h.state.set_rate_limits(Vec::new());
    for _ in 0..5 {
        assert_eq!(
            h.call("GET", "/admin/v2/config/psa/mappings", &token, None)
                .await
                .0,
            200
        );
    }
}

#[tokio::test]
async fn slow_token_endpoint_and_added_console() {
    let h = harness().await;
    h.state.add_console(UmbrellaConsole {
        api_key: "key-c".into(),
        api_secret: "secret-c".into(),
        org_id: "8003".into(),
        customers: Vec::new(),
    });
    h.state.set_token_delay(Duration::from_millis(150));
    let start = Instant::now();
    assert_eq!(h.token_as("key-c", "secret-c", None).await.0, 200);
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert_eq!(h.state.with_console("nope", |_| ()), None);
}

#[tokio::test]
async fn token_endpoint_refusals() {
    let h = harness().await;
    h.state.refuse_token_requests(2);
    assert_eq!(h.token_as(KEY, SECRET, None).await.0, 429);
    assert_eq!(h.token_as(KEY, "wrong", None).await.0, 429);
    assert_eq!(h.token_as(KEY, SECRET, None).await.0, 200);
}
