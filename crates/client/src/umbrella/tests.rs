//! Client tests against the Umbrella emulator and small scripted servers on 127.0.0.1.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use super::*;
use connectwise_sandbox::umbrella::{
    CredentialStatus, RequestRecord, UmbrellaConsole, UmbrellaState, router,
};

const KEY: &str = "key-1";
const SECRET: &str = "secret-1";

async fn serve(app: Router) -> String {
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(e) => panic!("bind: {e}"),
    };
    let addr = match listener.local_addr() {
        Ok(addr) => addr,
        Err(e) => panic!("local_addr: {e}"),
    };
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

fn emulator(customers: usize) -> UmbrellaState {
    UmbrellaState::new(
        vec![UmbrellaConsole {
            api_key: KEY.into(),
            api_secret: SECRET.into(),
            org_id: "9000".into(),
            customers: (0..customers as u64)
                .map(|i| (1000 + i, format!("Customer {i}")))
                .collect(),
        }],
        Arc::new(|_site: &str, _company: &str, public: &str, private: &str| {
            if public == "pub" && private == "priv" {
                CredentialStatus::Ok
            } else {
                CredentialStatus::Unauthorized
            }
        }),
    )
}

fn config(base_url: &str) -> UmbrellaConfig {
    UmbrellaConfig {
        base_url: base_url.to_owned(),
        request_timeout: Duration::from_secs(5),
        retry_base_delay: Duration::from_millis(10),
        rate_limits: Vec::new(),
        ..UmbrellaConfig::new(KEY, SECRET)
    }
}

fn client(config: UmbrellaConfig) -> Umbrella {
    match Umbrella::new(config) {
        Ok(client) => client,
        Err(e) => panic!("client: {e}"),
    }
}

async fn with_emulator(customers: usize) -> (UmbrellaState, Umbrella) {
    let state = emulator(customers);
    let base = serve(router(state.clone())).await;
    (state, client(config(&base)))
}

fn calls(records: &[RequestRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect()
}

fn token_requests(state: &UmbrellaState) -> usize {
    state
        .requests()
        .iter()
        .filter(|r| r.path == "/auth/v2/token")
        .count()
}

fn input(private_key: &str) -> PsaSettingsInput {
    PsaSettingsInput {
        enabled: true,
        site_url: "https://cw.example".into(),
        company_id: "acme".into(),
        public_key: "pub".into(),
        private_key: Secret::new(private_key),
    }
}

#[test]
fn rejects_bad_config() {
    let mut bad = config("ftp://x");
    assert!(matches!(
        Umbrella::new(bad.clone()),
        Err(UmbrellaError::InvalidInput(_))
    ));
    bad.base_url = "https://api.umbrella.com/".into();
    bad.api_key = " ".into();
    assert!(matches!(
        Umbrella::new(bad.clone()),
        Err(UmbrellaError::InvalidInput(_))
    ));
    let ok = client(config("https://api.umbrellagov.com/"));
    assert_eq!(ok.base_url(), GOVERNMENT_BASE_URL);
    assert!(!format!("{:?}", config("https://x")).contains(SECRET));
}

#[test]
fn retries_use_the_shared_backoff_with_the_configured_base() {
    let umbrella = client(config("https://x"));
    assert_eq!(
        umbrella.inner.retry,
        retry_policy(Duration::from_millis(10)),
        "retry_base_delay of the test config"
    );
    assert_eq!(umbrella.inner.retry.cap, BACKOFF_CAP);
    assert_eq!(umbrella.inner.retry.retry_after_max, RETRY_AFTER_MAX);
}

#[tokio::test]
async fn token_is_cached_across_calls_and_clones() {
    let (state, umbrella) = with_emulator(3).await;
    let clone = umbrella.clone();
    assert!(matches!(umbrella.get_psa().await, Ok(None)));
    assert_eq!(clone.list_customers().await.map(|c| c.len()).ok(), Some(3));
    assert!(clone.get_customer(1001).await.is_ok());
    assert_eq!(token_requests(&state), 1);
}

#[tokio::test]
async fn token_is_refreshed_before_expiry() {
    let (state, umbrella) = with_emulator(1).await;
    state.set_token_ttl(Duration::from_secs(2));
    assert!(umbrella.get_psa().await.is_ok());
    // A 2 s token is used for half its life.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(umbrella.get_psa().await.is_ok());
    assert_eq!(token_requests(&state), 2);
    assert!(
        state
            .requests()
            .iter()
            .all(|r| r.status != 400 && r.status != 401)
    );
}

#[tokio::test]
async fn expired_token_is_replaced_and_the_call_retried_once() {
    let (state, umbrella) = with_emulator(1).await;
    assert!(umbrella.get_psa().await.is_ok());
    state.expire_tokens();
    assert!(matches!(umbrella.get_psa().await, Ok(None)));
    assert_eq!(
        calls(&state.requests()),
        vec![
            "POST /auth/v2/token 200",
            "GET /admin/v2/config/psa 404",
            "GET /admin/v2/config/psa 400",
            "POST /auth/v2/token 200",
            "GET /admin/v2/config/psa 404",
        ]
    );
}

#[tokio::test]
async fn a_persistent_invalid_request_is_retried_only_once() {
    let api_calls = Arc::new(AtomicUsize::new(0));
    let counter = api_calls.clone();
    let app = Router::new()
        .route(
            "/auth/v2/token",
            post(|| async {
                axum::Json(
                    serde_json::json!({"token_type":"bearer","access_token":"t","expires_in":3600}),
                )
            }),
        )
        .route(
            "/admin/v2/managed/customers/{id}",
            get(move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    (
                        StatusCode::BAD_REQUEST,
                        axum::Json(serde_json::json!({"error":"invalid_request"})),
                    )
                }
            }),
        );
    let umbrella = client(config(&serve(app).await));
    let result = umbrella.get_customer(1).await;
    assert!(
        matches!(&result, Err(UmbrellaError::Api { status: 400, code, .. }) if code == "invalid_request"),
        "{result:?}"
    );
    assert_eq!(api_calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn backs_off_on_429_until_the_server_accepts() {
    let (state, umbrella) = with_emulator(1).await;
    state.set_rate_limits(vec![(2, Duration::from_millis(300))]);
    let mut cfg = config(umbrella.base_url());
    cfg.retry_base_delay = Duration::from_millis(100);
    cfg.max_retries = 6;
    let umbrella = client(cfg);
    for _ in 0..4 {
        let result = umbrella.get_psa().await;
        assert!(matches!(result, Ok(None)), "{result:?}");
    }
    assert!(state.requests().iter().any(|r| r.status == 429));
}

#[tokio::test]
async fn gives_up_after_max_retries_and_honours_retry_after() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new()
        .route(
            "/auth/v2/token",
            post(|| async {
                axum::Json(
                    serde_json::json!({"token_type":"bearer","access_token":"t","expires_in":3600}),
                )
            }),
        )
        .route(
            "/admin/v2/config/psa",
            get(move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("retry-after", "0")],
                        axum::Json(serde_json::json!({"message":"Too Many Requests"})),
                    )
                        .into_response()
                }
            }),
        );
    let mut cfg = config(&serve(app).await);
    cfg.max_retries = 3;
    // Retry-After: 0 wins over the (long) exponential delay.
    cfg.retry_base_delay = Duration::from_secs(30);
    let umbrella = client(cfg);
    let start = Instant::now();
    let result = umbrella.get_psa().await;
    assert!(
        matches!(&result, Err(UmbrellaError::RateLimited { retry_after: Some(d), call }) if d.is_zero() && call == "GET /admin/v2/config/psa"),
        "{result:?}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 4);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn client_throttle_keeps_under_the_server_limit() {
    let (state, umbrella) = with_emulator(1).await;
    let limit = (3, Duration::from_millis(400));
    state.set_rate_limits(vec![limit]);
    let mut cfg = config(umbrella.base_url());
    cfg.rate_limits = vec![RateLimit {
        max_requests: limit.0,
        period: limit.1,
    }];
    cfg.max_retries = 0;
    let umbrella = client(cfg);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..7 {
        let umbrella = umbrella.clone();
        tasks.push(tokio::spawn(async move { umbrella.get_psa().await }));
    }
    for task in tasks {
        let result = task.await.ok().map(|r| r.is_ok());
        assert_eq!(result, Some(true));
    }
    // 7 calls at 3 per 400 ms need two full windows.
    assert!(start.elapsed() >= Duration::from_millis(800));
    assert!(state.requests().iter().all(|r| r.status != 429));
}

#[tokio::test]
async fn wrong_secret_is_unauthorized() {
    let (_state, umbrella) = with_emulator(1).await;
    let mut cfg = config(umbrella.base_url());
    cfg.api_secret = Secret::new("wrong");
    let result = client(cfg).get_psa().await;
    assert!(
        matches!(result, Err(UmbrellaError::Unauthorized { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn slow_token_endpoint_times_out() {
    let (state, umbrella) = with_emulator(1).await;
    state.set_token_delay(Duration::from_millis(500));
    let mut cfg = config(umbrella.base_url());
    cfg.request_timeout = Duration::from_millis(100);
    let result = client(cfg).get_psa().await;
    assert!(
        matches!(&result, Err(UmbrellaError::Timeout { call }) if call == "POST /auth/v2/token"),
        "{result:?}"
    );
}

#[tokio::test]
async fn psa_settings_and_mappings_round_trip() {
    let (state, umbrella) = with_emulator(2).await;
    assert!(matches!(umbrella.get_psa().await, Ok(None)));
    let stored = umbrella.put_psa(&input("priv")).await;
    let stored = match stored {
        Ok(stored) => stored,
        Err(e) => panic!("put_psa: {e}"),
    };
    assert_eq!(stored.psa_type, "connectwise");
    assert_eq!(stored.connection_status, ConnectionStatus::Ok);
    let read = umbrella.get_psa().await.ok().flatten();
    assert_eq!(
        read.as_ref().map(|s| s.site_url.as_str()),
        Some("https://cw.example")
    );
    // Out-of-band change of the private key shows as a refused connection.
    state.with_console(KEY, |c| {
        if let Some(psa) = c.psa.as_mut() {
            psa.private_key = "rotated".into();
        }
    });
    let read = umbrella.get_psa().await.ok().flatten();
    assert_eq!(
        read.map(|s| s.connection_status),
        Some(ConnectionStatus::Unauthorized)
    );

    assert!(matches!(umbrella.get_mapping(1000).await, Ok(None)));
    let mapped = umbrella.put_mapping(1000, "AcmeDental").await.ok();
    assert_eq!(
        mapped,
        Some(Mapping {
            customer_id: 1000,
            psa_company_id: "AcmeDental".into()
        })
    );
    assert_eq!(
        umbrella.list_mappings().await.map(|m| m.len()).ok(),
        Some(1)
    );
    assert_eq!(
        umbrella
            .get_mapping(1000)
            .await
            .ok()
            .flatten()
            .map(|m| m.psa_company_id),
        Some("AcmeDental".into())
    );
    let missing = umbrella.put_mapping(4242, "X").await;
    assert!(
        matches!(&missing, Err(UmbrellaError::NotFound { id, .. }) if id == "4242"),
        "{missing:?}"
    );
    assert!(matches!(
        umbrella.get_mapping(4242).await,
        Err(UmbrellaError::NotFound { .. })
    ));
    assert!(matches!(
        umbrella.put_mapping(1000, &"x".repeat(31)).await,
        Err(UmbrellaError::InvalidInput(_))
    ));
    assert!(umbrella.delete_mapping(1000).await.is_ok());
    assert!(umbrella.delete_mapping(1000).await.is_ok());
    assert!(matches!(umbrella.get_mapping(1000).await, Ok(None)));

    assert!(umbrella.delete_psa().await.is_ok());
    assert!(matches!(umbrella.get_psa().await, Ok(None)));
    assert!(umbrella.delete_psa().await.is_ok());
    assert!(matches!(
        umbrella.get_customer(4242).await,
        Err(UmbrellaError::NotFound { .. })
    ));
}

#[tokio::test]
async fn lists_customers_page_by_page() {
    let (state, umbrella) = with_emulator(250).await;
    let customers = umbrella.list_customers().await.unwrap_or_default();
    assert_eq!(customers.len(), 250);
    assert_eq!(customers.last().map(|c| c.customer_id), Some(1249));
    let pages: Vec<String> = state
        .requests()
        .iter()
        .filter(|r| r.path == "/admin/v2/managed/customers")
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(
        pages,
        vec!["page=1&limit=100", "page=2&limit=100", "page=3&limit=100"]
    );
}

#[tokio::test]
async fn child_org_token_is_minted_with_the_header() {
    let (state, umbrella) = with_emulator(1).await;
    let child = umbrella.for_org(Some("1000".into()));
    assert_eq!(child.org_id(), Some("1000"));
    let result = child.get_psa().await;
    assert!(
        matches!(result, Err(UmbrellaError::Forbidden { .. })),
        "{result:?}"
    );
    // The parent's token is a separate cache entry.
    assert!(umbrella.get_psa().await.is_ok());
    assert_eq!(token_requests(&state), 2);
    let unknown = umbrella.for_org(Some("77".into())).get_psa().await;
    assert!(
        matches!(unknown, Err(UmbrellaError::Forbidden { .. })),
        "{unknown:?}"
    );
}

#[tokio::test]
async fn psa_calls_on_a_server_without_them_are_not_supported() {
    let app = Router::new()
        .route(
            "/auth/v2/token",
            post(|| async {
                axum::Json(
                    serde_json::json!({"token_type":"bearer","access_token":"t","expires_in":3600}),
                )
            }),
        )
        .route(
            "/admin/v2/config/psa",
            // Only GET exists here, and it answers a generic 404 like an unknown route.
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    axum::Json(serde_json::json!({"message":"Not Found"})),
                )
            }),
        );
    let umbrella = client(config(&serve(app).await));
    let read = umbrella.get_psa().await;
    assert!(
        matches!(&read, Err(UmbrellaError::NotSupported { manual_step, .. }) if manual_step.contains("PSA Integration Details")),
        "{read:?}"
    );
    // PUT on a GET-only route: 405.
    let write = umbrella.put_psa(&input("priv")).await;
    assert!(
        matches!(&write, Err(UmbrellaError::NotSupported { call, .. }) if call == "PUT /admin/v2/config/psa"),
        "{write:?}"
    );
    // Unknown route: axum's empty 404.
    let mapping = umbrella.put_mapping(1, "X").await;
    assert!(
        matches!(&mapping, Err(UmbrellaError::NotSupported { manual_step, .. }) if manual_step.contains("ConnectWise Company ID")),
        "{mapping:?}"
    );
    let message = mapping.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("not in the published Umbrella API specification"));
}

#[tokio::test]
async fn against_the_merged_sandbox() {
    use connectwise_sandbox::{Sandbox, SandboxConfig, TenantConfig};
    let sandbox = match Sandbox::start(SandboxConfig::default()).await {
        Ok(sandbox) => sandbox,
        Err(e) => panic!("sandbox: {e}"),
    };
    let tenant = TenantConfig::default();
    let mut cfg = config(&sandbox.url());
    cfg.api_key = tenant.umbrella_api_key.clone();
    cfg.api_secret = Secret::new(tenant.umbrella_api_secret.clone());
    let umbrella = client(cfg);
    let customers = umbrella.list_customers().await.unwrap_or_default();
    assert_eq!(customers.len(), 3);
    let mut settings = PsaSettingsInput {
        enabled: true,
        site_url: sandbox.url(),
        company_id: tenant.company_id.clone(),
        public_key: tenant.public_key.clone(),
        private_key: Secret::new(tenant.private_key.clone()),
    };
    let stored = umbrella
        .put_psa(&settings)
        .await
        .map(|s| s.connection_status);
    assert_eq!(stored.ok(), Some(ConnectionStatus::Ok));
    settings.private_key = Secret::new("wrong");
    let stored = umbrella
        .put_psa(&settings)
        .await
        .map(|s| s.connection_status);
    assert_eq!(stored.ok(), Some(ConnectionStatus::Unauthorized));
    settings.site_url = "https://nowhere.invalid".into();
    let stored = umbrella
        .put_psa(&settings)
        .await
        .map(|s| s.connection_status);
    assert_eq!(stored.ok(), Some(ConnectionStatus::Unreachable));
    let first = customers.first().map(|c| c.customer_id).unwrap_or_default();
    assert!(umbrella.put_mapping(first, "AcmeDental").await.is_ok());
    let mapped = sandbox
        .umbrella()
        .with_console(&tenant.umbrella_api_key, |c| c.mappings.len());
    assert_eq!(mapped, Some(1));
    // Both request logs saw the Umbrella calls.
    assert!(
        sandbox
            .requests()
            .iter()
            .any(|r| r.path == "/admin/v2/config/psa")
    );
    assert!(
        sandbox
            .umbrella()
            .requests()
            .iter()
            .any(|r| r.path == "/admin/v2/config/psa")
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn retrying_stops_at_the_deadline_and_names_the_call() {
    let api_calls = Arc::new(AtomicUsize::new(0));
    let counter = api_calls.clone();
    let app = Router::new()
        .route(
            "/auth/v2/token",
            post(|| async {
                axum::Json(
                    serde_json::json!({"token_type":"bearer","access_token":"t","expires_in":3600}),
                )
            }),
        )
        .route(
            "/admin/v2/managed/customers/{id}",
            get(move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        axum::Json(serde_json::json!({"message":"busy"})),
                    )
                }
            }),
        );
    let umbrella = client(UmbrellaConfig {
        max_retries: 50,
        retry_base_delay: Duration::from_millis(100),
        retry_deadline: Duration::from_millis(700),
        ..config(&serve(app).await)
    });
    let started = Instant::now();
    let result = umbrella.get_customer(1).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(2),
        "gave up within the deadline: {elapsed:?}"
    );
    let calls = api_calls.load(Ordering::SeqCst);
    assert!(
        (2..50).contains(&calls),
        "retried, but not 50 times: {calls}"
    );
    let text = match result {
        Err(e) => e.to_string(),
        Ok(c) => panic!("expected an error, got {c:?}"),
    };
    assert!(
        text.contains("503") && text.contains("GET /admin/v2/managed/customers/1"),
        "{text}"
    );
    assert!(text.contains("retries are used up"), "{text}");
}
