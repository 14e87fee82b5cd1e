//! Umbrella's per-key rate limits with time compressed: sliding windows, 429 without
//! `Retry-After`, recovery, one count per key whatever the client, the token endpoint's own limit.

use std::time::{Duration, Instant};

use super::*;
use crate::umbrella::UmbrellaLimits;

/// 20× faster: API calls 5 per 50 ms, 14 per 3 s, 350 per 90 s; tokens 20 per 3 s.
const FAST: UmbrellaLimits = UmbrellaLimits::Documented { time_scale: 20 };
const MINUTE: Duration = Duration::from_secs(3);

const CUSTOMERS: &str = "/admin/v2/managed/customers";

/// Status and whether the answer carries `Retry-After`.
async fn get(h: &Harness, token: &str) -> (u16, bool, Value) {
    let response = (h.http.get(format!("{}{CUSTOMERS}", h.base)))
        .bearer_auth(token)
        .send()
        .await;
    let response = match response {
        Ok(response) => response,
        Err(e) => panic!("request failed: {e}"),
    };
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    let body = response.json::<Value>().await.unwrap_or(Value::Null);
    (status, retry_after, body)
}

#[tokio::test]
async fn the_fourteenth_call_in_a_minute_is_the_last_until_the_window_slides() {
    let h = harness().await;
    h.state.set_limits(FAST);
    let token = h.token().await;
    let start = Instant::now();
    let mut admitted = Vec::new();
    for _ in 0..30 {
        let (status, retry_after, body) = get(&h, &token).await;
        match status {
            200 => admitted.push(start.elapsed()),
            429 => {
                assert!(!retry_after, "Umbrella sends no Retry-After");
                assert_eq!(body, json!({"message": "Too Many Requests"}));
            }
            other => panic!("unexpected {other}: {body}"),
        }
        // Slower than 5 per second's compressed 50 ms, so only the per-minute window binds.
        tokio::time::sleep(Duration::from_millis(12)).await;
    }
    assert!(
        start.elapsed() < MINUTE,
        "the burst fits in one (compressed) minute"
    );
    assert_eq!(
        admitted.len(),
        14,
        "14 per minute, refused calls not counted"
    );
    // One compressed minute after the first admitted call, its slot is free again: sliding,
    // not a window that restarts at the first refusal.
    tokio::time::sleep(
        (admitted[0] + MINUTE + Duration::from_millis(30)).saturating_sub(start.elapsed()),
    )
    .await;
    assert_eq!(get(&h, &token).await.0, 200, "recovered");
    h.state.set_limits(UmbrellaLimits::Off);
    for _ in 0..30 {
        assert_eq!(get(&h, &token).await.0, 200, "limits off");
    }
}

#[tokio::test]
async fn clients_of_one_key_share_its_limits_and_other_keys_keep_theirs() {
    let h = harness().await;
    h.state.set_limits(FAST);
    // Two clients of the same key (two processes would each have their own token).
    let (first, second) = (h.token().await, h.token().await);
    let (status, other) = h.token_as("key-b", "secret-b", None).await;
    assert_eq!(status, 200, "{other}");
    let other = other["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let start = Instant::now();
    let mut admitted = 0;
    for i in 0..30 {
        let token = if i % 2 == 0 { &first } else { &second };
        if get(&h, token).await.0 == 200 {
            admitted += 1;
        }
        // Slower than 5 per second's compressed 50 ms, so only the per-minute window binds.
        tokio::time::sleep(Duration::from_millis(12)).await;
    }
    assert!(start.elapsed() < MINUTE);
    assert_eq!(admitted, 14, "both clients count against the one key");
    assert_eq!(
        get(&h, &other).await.0,
        200,
        "another key has its own windows"
    );
}

#[tokio::test]
async fn five_per_second_binds_a_tight_burst() {
    let h = harness().await;
    h.state
        .set_rate_limits(UmbrellaLimits::DOCUMENTED.api_limits());
    let token = h.token().await;
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(get(&h, &token).await.0);
    }
    // Eight local calls take far less than a second.
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
}

#[tokio::test]
async fn the_token_endpoint_allows_twenty_a_minute_per_key() {
    let h = harness().await;
    h.state.set_limits(FAST);
    let start = Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..22 {
        statuses.push(h.token_as(KEY, SECRET, None).await.0);
    }
    assert!(start.elapsed() < MINUTE);
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(statuses[20..], [429, 429]);
    assert_eq!(
        h.token_as("key-b", "secret-b", None).await.0,
        200,
        "per key"
    );
}

#[tokio::test]
async fn a_sandbox_enforces_the_configured_limits() {
    let config = crate::SandboxConfig {
        umbrella_limits: FAST,
        ..crate::SandboxConfig::default()
    };
    let sandbox = match crate::Sandbox::start(config).await {
        Ok(sandbox) => sandbox,
        Err(e) => panic!("start: {e}"),
    };
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..21 {
        let request = (http.post(format!("{}/auth/v2/token", sandbox.url())))
            .basic_auth("umbrella-sandbox-key", Some("umbrella-sandbox-secret"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials");
        statuses.push(send(request).await.0);
    }
    assert_eq!(statuses[19..], [200, 429]);
    let unlimited = match crate::Sandbox::start(crate::SandboxConfig::default()).await {
        Ok(sandbox) => sandbox,
        Err(e) => panic!("start: {e}"),
    };
    let token = (http.post(format!("{}/auth/v2/token", unlimited.url())))
        .basic_auth("umbrella-sandbox-key", Some("umbrella-sandbox-secret"))
        .body("grant_type=client_credentials");
    let (_, token) = send(token).await;
    let token = token["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    for _ in 0..30 {
        let request = http
            .get(format!("{}{CUSTOMERS}", unlimited.url()))
            .bearer_auth(&token);
        assert_eq!(send(request).await.0, 200, "off by default");
    }
}
