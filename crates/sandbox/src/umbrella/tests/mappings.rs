//! Per-customer company mappings.

use serde_json::json;

use super::*;
use crate::umbrella::customers::CUSTOMER_NOT_FOUND;
use crate::umbrella::mappings::MAPPING_NOT_FOUND;

#[tokio::test]
async fn mappings() {
    let h = harness().await;
    let token = h.token().await;
    let path = "/admin/v2/config/psa/mappings/101";
    let (status, body) = h.call("GET", path, &token, None).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some(MAPPING_NOT_FOUND))
    );
    let (status, body) = h
        .call(
            "PUT",
            "/admin/v2/config/psa/mappings/201",
            &token,
            Some(json!({"psaCompanyId": "X"})),
        )
        .await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some(CUSTOMER_NOT_FOUND))
    );
    assert_eq!(
        h.call(
            "PUT",
            path,
            &token,
            Some(json!({"psaCompanyId": "x".repeat(31)}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        h.call("PUT", path, &token, Some(json!({"psaCompanyId": ""})))
            .await
            .0,
        400
    );
    assert_eq!(
        h.call(
            "PUT",
            path,
            &token,
            Some(json!({"customerId": 102, "psaCompanyId": "X"}))
        )
        .await
        .0,
        400
    );
    assert_eq!(
        h.call("GET", "/admin/v2/config/psa/mappings/abc", &token, None)
            .await
            .0,
        400
    );
    let (status, body) = h
        .call(
            "PUT",
            path,
            &token,
            Some(json!({"customerId": 101, "psaCompanyId": "AcmeDental"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"customerId": 101, "psaCompanyId": "AcmeDental"})
    );
    let (_, body) = h
        .call("GET", "/admin/v2/config/psa/mappings", &token, None)
        .await;
    assert_eq!(
        body,
        json!([{"customerId": 101, "psaCompanyId": "AcmeDental"}])
    );
    assert_eq!(h.call("DELETE", path, &token, None).await.0, 204);
    assert_eq!(h.call("DELETE", path, &token, None).await.0, 404);
}
