//! Company mappings many at once: the paged list, bulk PUT and bulk remove, all or nothing.

use serde_json::json;

use super::*;

const LIST: &str = "/admin/v2/config/psa/mappings";
const REMOVE: &str = "/admin/v2/config/psa/mappings/remove";

/// The `index` of each entry of a 400's `errors`.
fn indexes(body: &Value) -> Vec<u64> {
    (body["errors"].as_array().into_iter().flatten())
        .filter_map(|e| e["index"].as_u64())
        .collect()
}

#[tokio::test]
async fn bulk_put_stores_every_item_and_answers_them() {
    let h = harness().await;
    let token = h.token().await;
    let items = json!([
        {"customerId": 101, "psaCompanyId": "AcmeDental"},
        {"customerId": "102", "psaCompanyId": " BoltLegal "},
    ]);
    let (status, body) = h.call("PUT", LIST, &token, Some(items)).await;
    assert_eq!(status, 200, "{body}");
    let stored = json!([
        {"customerId": 101, "psaCompanyId": "AcmeDental"},
        {"customerId": 102, "psaCompanyId": "BoltLegal"},
    ]);
    assert_eq!(body, stored);
    assert_eq!(h.call("GET", LIST, &token, None).await.1, stored);
    let (status, body) = h
        .call(
            "PUT",
            LIST,
            &token,
            Some(json!([{"customerId": 101, "psaCompanyId": "AcmeDentalLLC"}])),
        )
        .await;
    assert_eq!(
        (status, &body[0]["psaCompanyId"]),
        (200, &json!("AcmeDentalLLC"))
    );
    let (_, one) = h.call("GET", &format!("{LIST}/101"), &token, None).await;
    assert_eq!(
        one["psaCompanyId"], "AcmeDentalLLC",
        "the per-customer read agrees"
    );
}

#[tokio::test]
async fn a_bad_item_stores_nothing_and_every_bad_index_is_named() {
    let h = harness().await;
    let token = h.token().await;
    let items = json!([
        {"customerId": 101, "psaCompanyId": "Fine"},
        {"customerId": 201, "psaCompanyId": "OtherConsole"},
        "not an object",
        {"customerId": 102, "psaCompanyId": "x".repeat(31)},
        {"customerId": "abc", "psaCompanyId": ""},
        {"customerId": 101, "psaCompanyId": "Twice"},
        {"psaCompanyId": 7},
    ]);
    let (status, body) = h.call("PUT", LIST, &token, Some(items)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(indexes(&body), [1, 2, 3, 4, 4, 5, 6, 6]);
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("6 of 7 items are invalid, so none was applied"),
        "{message}"
    );
    for part in [
        "[1] customerId 201: Customer not found",
        "[2] must be an object",
        "[3] psaCompanyId must be at most 30 characters",
        "[4] customerId is required and must be an integer",
        "[4] psaCompanyId is required",
        "[5] customerId 101 appears more than once (also at index 0)",
        "[6] customerId is required",
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
    let fields: Vec<&Value> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["field"])
        .collect();
    assert_eq!(fields[..2], [&json!("customerId"), &Value::Null]);
    assert_eq!(
        h.call("GET", LIST, &token, None).await.1,
        json!([]),
        "nothing stored"
    );
}

#[tokio::test]
async fn bulk_bodies_must_be_arrays_of_1_to_100() {
    let h = harness().await;
    let token = h.token().await;
    let many: Vec<Value> = (0..101)
        .map(|_| json!({"customerId": 101, "psaCompanyId": "X"}))
        .collect();
    let ids: Vec<Value> = (0..101).map(|_| json!(101)).collect();
    for (method, path, body, text) in [
        (
            "PUT",
            LIST,
            json!({"customerId": 101, "psaCompanyId": "X"}),
            "must be a JSON array",
        ),
        ("PUT", LIST, json!([]), "it holds 0"),
        ("PUT", LIST, json!(many), "it holds 101"),
        ("DELETE", REMOVE, json!(101), "must be a JSON array"),
        ("DELETE", REMOVE, json!([]), "it holds 0"),
        ("DELETE", REMOVE, json!(ids), "it holds 101"),
    ] {
        let (status, answer) = h.call(method, path, &token, Some(body)).await;
        assert_eq!(status, 400, "{method} {path}: {answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.contains(text), "{text} in {message}");
        assert!(answer.get("errors").is_none(), "{answer}");
    }
    let raw = (h.http.put(format!("{}{LIST}", h.base)))
        .bearer_auth(&token)
        .body("not json");
    assert_eq!(send(raw).await.0, 400, "not JSON at all");
}

#[tokio::test]
async fn bulk_remove_is_all_or_nothing_and_tolerates_absent_mappings() {
    let h = harness().await;
    let token = h.token().await;
    let items = json!([
        {"customerId": 101, "psaCompanyId": "AcmeDental"},
        {"customerId": 102, "psaCompanyId": "BoltLegal"},
    ]);
    assert_eq!(h.call("PUT", LIST, &token, Some(items)).await.0, 200);
    let (status, body) = h
        .call("DELETE", REMOVE, &token, Some(json!([101, 201, "x"])))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(indexes(&body), [1, 2]);
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("[1] customerId 201: Customer not found"),
        "{message}"
    );
    assert!(message.contains("[2] must be a customer id"), "{message}");
    assert_eq!(
        h.call("GET", LIST, &token, None)
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(2),
        "nothing removed"
    );
    let (status, body) = h.call("DELETE", REMOVE, &token, Some(json!([101]))).await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(
        h.call("GET", LIST, &token, None).await.1,
        json!([{"customerId": 102, "psaCompanyId": "BoltLegal"}])
    );
    // 101 has no mapping any more: removing it again is already done, not an error.
    let (status, _) = h
        .call("DELETE", REMOVE, &token, Some(json!(["101", 102])))
        .await;
    assert_eq!(status, 204);
    assert_eq!(h.call("GET", LIST, &token, None).await.1, json!([]));
    let (status, _) = h.call("DELETE", &format!("{LIST}/101"), &token, None).await;
    assert_eq!(
        status, 404,
        "the per-customer delete still says the mapping is gone"
    );
}

#[tokio::test]
async fn the_mapping_list_pages_like_the_customer_list() {
    let h = harness().await;
    h.state.with_console(KEY, |c| {
        c.console
            .customers
            .extend((0..150).map(|i| (1000 + i, format!("Extra {i}"))));
    });
    let token = h.token().await;
    let item = |id: u64| json!({"customerId": id, "psaCompanyId": format!("Co{id}")});
    let first: Vec<Value> = (1000..1100).map(item).collect();
    let rest: Vec<Value> = (1100..1150)
        .map(item)
        .chain([item(101), item(102)])
        .collect();
    assert_eq!(h.call("PUT", LIST, &token, Some(json!(first))).await.0, 200);
    assert_eq!(h.call("PUT", LIST, &token, Some(json!(rest))).await.0, 200);
    let (status, page1) = h.call("GET", LIST, &token, None).await;
    assert_eq!((status, page1.as_array().map(Vec::len)), (200, Some(100)));
    assert_eq!(page1[0], item(101), "ordered by customer id");
    let (_, page2) = h
        .call("GET", &format!("{LIST}?page=2&limit=100"), &token, None)
        .await;
    assert_eq!(page2.as_array().map(Vec::len), Some(52));
    assert_eq!(page2[51], item(1149));
    let (_, small) = h
        .call("GET", &format!("{LIST}?page=3&limit=7"), &token, None)
        .await;
    assert_eq!(small.as_array().map(Vec::len), Some(7));
    assert_eq!(small[0], page1[14]);
    let (_, past) = h.call("GET", &format!("{LIST}?page=4"), &token, None).await;
    assert_eq!(past, json!([]));
    for bad in ["limit=0", "limit=101", "page=0", "page=x"] {
        let (status, body) = h.call("GET", &format!("{LIST}?{bad}"), &token, None).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("must be an integer from 1")),
            "{body}"
        );
    }
}
