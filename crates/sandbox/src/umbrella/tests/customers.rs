//! Managed customers: paging, lookup, and the request log.

use serde_json::json;

use super::*;

#[tokio::test]
async fn customers_paging_and_records() {
    let h = harness().await;
    h.state.with_console(KEY, |c| {
        c.console
            .customers
            .extend((0..150).map(|i| (1000 + i, format!("Extra {i}"))));
    });
    let token = h.token().await;
    h.state.clear_requests();
    let (status, body) = h
        .call("GET", "/admin/v2/managed/customers", &token, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().map(Vec::len), Some(100));
    assert_eq!(
        body[0],
        json!({"customerId": 101, "customerName": "Acme Dental", "seats": CUSTOMER_SEATS})
    );
    let (_, body) = h
        .call(
            "GET",
            "/admin/v2/managed/customers?page=2&limit=100",
            &token,
            None,
        )
        .await;
    assert_eq!(body.as_array().map(Vec::len), Some(52));
    let (_, body) = h
        .call("GET", "/admin/v2/managed/customers?page=9", &token, None)
        .await;
    assert_eq!(body, json!([]));
    assert_eq!(
        h.call("GET", "/admin/v2/managed/customers?limit=101", &token, None)
            .await
            .0,
        400
    );
    assert_eq!(
        h.call("GET", "/admin/v2/managed/customers?page=0", &token, None)
            .await
            .0,
        400
    );
    let (status, body) = h
        .call("GET", "/admin/v2/managed/customers/102", &token, None)
        .await;
    assert_eq!(
        (status, body["customerName"].as_str()),
        (200, Some("Bolt Legal"))
    );
    assert_eq!(
        h.call("GET", "/admin/v2/managed/customers/201", &token, None)
            .await
            .0,
        404
    );
    let records = h.state.requests();
    assert_eq!(records.len(), 7);
    assert_eq!(
        records[1],
        RequestRecord {
            method: "GET".into(),
            path: "/admin/v2/managed/customers".into(),
            query: "page=2&limit=100".into(),
            status: 200,
        }
    );
}
