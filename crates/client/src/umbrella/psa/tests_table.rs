//! The mapping table calls against the Umbrella emulator: chunks of 100, paging, the fallback
//! to per-customer calls on a server without the bulk calls, and shared reads.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::super::{Umbrella, UmbrellaConfig};
use super::{ConsoleReads, Mapping};
use connectwise_sandbox::umbrella::{CredentialStatus, UmbrellaConsole, UmbrellaState, router};

const KEY: &str = "key-1";
const SECRET: &str = "secret-1";

fn emulator(customers: u64) -> UmbrellaState {
    UmbrellaState::new(
        vec![UmbrellaConsole {
            api_key: KEY.into(),
            api_secret: SECRET.into(),
            org_id: "9000".into(),
            customers: (0..customers)
                .map(|i| (1000 + i, format!("Customer {i}")))
                .collect(),
        }],
        Arc::new(|_: &str, _: &str, _: &str, _: &str| CredentialStatus::Ok),
    )
}

/// Serves `app` on a free loopback port; answers a client for it.
async fn client_for(app: axum::Router) -> Umbrella {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Umbrella::new(UmbrellaConfig {
        base_url: format!("http://{addr}"),
        request_timeout: Duration::from_secs(5),
        retry_base_delay: Duration::from_millis(10),
        rate_limits: Vec::new(),
        ..UmbrellaConfig::new(KEY, SECRET)
    })
    .expect("client")
}

/// `(method, path)` of every API call the emulator answered, without the token calls.
fn calls(state: &UmbrellaState) -> Vec<(String, String)> {
    state
        .requests()
        .into_iter()
        .filter(|r| r.path != "/auth/v2/token")
        .map(|r| (r.method, r.path))
        .collect()
}

fn count(calls: &[(String, String)], method: &str, path: &str) -> usize {
    calls
        .iter()
        .filter(|(m, p)| m == method && p == path)
        .count()
}

fn table(ids: std::ops::Range<u64>) -> Vec<Mapping> {
    ids.map(|id| Mapping {
        customer_id: id,
        psa_company_id: format!("Company{id}"),
    })
    .collect()
}

#[tokio::test]
async fn the_whole_table_is_written_listed_and_removed_in_chunks_of_100() {
    let state = emulator(250);
    let umbrella = client_for(router(state.clone())).await;
    let wanted = table(1000..1250);

    let stored = umbrella.put_mappings(&wanted).await.expect("bulk upsert");
    assert_eq!(stored, wanted);
    let listed = umbrella.list_mappings().await.expect("paged list");
    assert_eq!(listed, wanted);
    umbrella
        .remove_mappings(&(1000..1250).collect::<Vec<_>>())
        .await
        .expect("bulk remove");
    assert_eq!(umbrella.list_mappings().await.ok(), Some(Vec::new()));

    let calls = calls(&state);
    let mappings = "/admin/v2/config/psa/mappings";
    assert_eq!(count(&calls, "PUT", mappings), 3, "{calls:?}");
    assert_eq!(count(&calls, "GET", mappings), 3 + 1, "{calls:?}");
    assert_eq!(
        count(&calls, "DELETE", "/admin/v2/config/psa/mappings/remove"),
        3,
        "{calls:?}"
    );
    assert_eq!(calls.len(), 3 + 4 + 3, "no per-customer call: {calls:?}");
}

/// A server without the bulk calls: the bulk PUT answers 405 (the route has only GET), the bulk
/// remove 404 (no such route).
async fn refuse_bulk_calls(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if request.method() == Method::PUT && path == "/admin/v2/config/psa/mappings" {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    if path == "/admin/v2/config/psa/mappings/remove" {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"message": "Not Found"})),
        )
            .into_response();
    }
    next.run(request).await
}

#[tokio::test]
async fn without_the_bulk_calls_each_customer_is_written_on_its_own() {
    let state = emulator(150);
    let app = router(state.clone()).layer(axum::middleware::from_fn(refuse_bulk_calls));
    let umbrella = client_for(app).await;
    let wanted = table(1000..1150);

    let stored = umbrella.put_mappings(&wanted).await.expect("upsert");
    assert_eq!(stored, wanted);
    assert_eq!(umbrella.list_mappings().await.ok(), Some(wanted));
    umbrella
        .remove_mappings(&(1000..1150).collect::<Vec<_>>())
        .await
        .expect("remove");
    assert_eq!(umbrella.list_mappings().await.ok(), Some(Vec::new()));

    let calls = calls(&state);
    let per_customer = |method: &str| {
        calls
            .iter()
            .filter(|(m, p)| m == method && p.starts_with("/admin/v2/config/psa/mappings/1"))
            .count()
    };
    // The refused bulk calls never reach the emulator; the fallback is chosen once per call,
    // not once per chunk of 100.
    assert_eq!(per_customer("PUT"), 150, "{calls:?}");
    assert_eq!(per_customer("DELETE"), 150, "{calls:?}");
}

#[tokio::test]
async fn a_bulk_error_names_the_chunk_and_stores_nothing_of_it() {
    let state = emulator(5);
    let umbrella = client_for(router(state.clone())).await;
    let mut wanted = table(1000..1003);
    wanted.push(Mapping {
        customer_id: 4242,
        psa_company_id: "Nobody".into(),
    });
    let err = umbrella
        .put_mappings(&wanted)
        .await
        .expect_err("an unknown customer");
    let text = err.to_string();
    // The server names the bad item by its index in the chunk, with its customer id.
    assert!(
        text.contains("HTTP 400") && text.contains("[3]") && text.contains("4242"),
        "{text}"
    );
    assert_eq!(
        umbrella.list_mappings().await.ok(),
        Some(Vec::new()),
        "all or nothing"
    );
    assert!(matches!(
        umbrella
            .put_mappings(&[Mapping {
                customer_id: 1000,
                psa_company_id: " ".into()
            }])
            .await,
        Err(super::super::UmbrellaError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn console_reads_share_one_list_until_a_write() {
    let state = emulator(120);
    let umbrella = client_for(router(state.clone())).await;
    umbrella
        .put_mappings(&table(1000..1110))
        .await
        .expect("seed mappings");
    state.clear_requests();
    let reads = Arc::new(ConsoleReads::new(umbrella.clone()));
    assert!(reads.is_for(&umbrella));
    assert!(!reads.is_for(&umbrella.for_org(Some("77".into()))));

    let mut tasks = Vec::new();
    for id in 1000..1120 {
        let reads = reads.clone();
        tasks.push(tokio::spawn(async move {
            let mapping = reads.mapping(id).await.expect("mapping");
            let customer = reads.customer(id).await.expect("customer");
            (mapping, customer.map(|c| c.customer_name))
        }));
    }
    for (i, task) in tasks.into_iter().enumerate() {
        let (mapping, name) = task.await.expect("task");
        let id = 1000 + i as u64;
        let expected = (id < 1110).then(|| format!("Company{id}"));
        assert_eq!(mapping, expected);
        assert_eq!(name, Some(format!("Customer {i}")));
    }
    let calls = calls(&state);
    // 110 mappings: pages of 100 and 10; 120 customers: pages of 100 and 20.
    assert_eq!(
        count(&calls, "GET", "/admin/v2/config/psa/mappings"),
        2,
        "{calls:?}"
    );
    assert_eq!(
        count(&calls, "GET", "/admin/v2/managed/customers"),
        2,
        "{calls:?}"
    );
    assert_eq!(calls.len(), 4, "no per-customer GET: {calls:?}");

    // A write through the reads invalidates the table, not the customers.
    reads.put_mapping(1115, "Late").await.expect("write");
    assert_eq!(
        reads.mapping(1115).await.ok().flatten().as_deref(),
        Some("Late")
    );
    reads.delete_mapping(1000).await.expect("delete");
    assert_eq!(reads.mapping(1000).await.ok(), Some(None));
    assert!(reads.customer(1001).await.is_ok());
    let calls = self::calls(&state);
    assert_eq!(
        count(&calls, "GET", "/admin/v2/config/psa/mappings"),
        2 + 2 + 2
    );
    assert_eq!(count(&calls, "GET", "/admin/v2/managed/customers"), 2);
}
