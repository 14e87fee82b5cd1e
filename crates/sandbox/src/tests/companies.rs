//! `/company/companies` at MSP size: the book named after the Umbrella customers, paging with
//! `Link` headers, conditions, count, single reads, and the Umbrella side of the same config.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

async fn msp(customers: usize) -> Api {
    Api::with(SandboxConfig {
        customers_per_console: customers,
        ..SandboxConfig::default()
    })
    .await
}

fn names(body: &Value) -> Vec<&str> {
    (body.as_array().into_iter().flatten())
        .filter_map(|c| c["name"].as_str())
        .collect()
}

#[tokio::test]
async fn the_default_tenant_has_the_three_customers_companies() {
    let api = Api::start().await;
    let r = api.get("/company/companies").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        names(&r.body),
        [
            "Catchall",
            "sandbox (ConnectWise sandbox)",
            "Cisco Systems, Inc.",
            "Acme Dental",
            "Bolt Legal",
            "Cobalt Clinics"
        ]
    );
    assert!(r.headers.get("link").is_none(), "one page");
    assert_eq!(
        r.body[3],
        json!({
            "id": 250, "identifier": "AcmeDental", "name": "Acme Dental",
            "status": {"id": 1, "name": "Active", "_info": {"status_href": "company/companies/statuses/1"}},
            "types": [{"id": 1, "name": "Client", "_info": {"type_href": "company/companies/types/1"}}],
            "deletedFlag": false,
            "_info": r.body[3]["_info"].clone(),
        })
    );
    let r = api.get("/company/companies/251").await;
    assert_eq!(
        (r.status, r.body["identifier"].as_str()),
        (StatusCode::OK, Some("BoltLegal"))
    );
    let r = api.get("/company/companies/253").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = api.post("/company/companies", json!({"name": "New"})).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "read-only here");
}

#[tokio::test]
async fn five_hundred_companies_page_with_links() {
    let api = msp(500).await;
    let r = api.get("/company/companies/count").await;
    assert_eq!(
        r.body,
        json!({"count": 483}),
        "500 customers, 20 missing, 3 extra"
    );
    let r = api.get("/company/companies?pageSize=1000").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(483));
    assert!(r.headers.get("link").is_none(), "all on one page");
    let r = api.get("/company/companies?pageSize=100&page=2").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(100));
    let link = r.headers["link"].to_str().unwrap_or_default().to_owned();
    assert!(link.contains("page=3>; rel=\"next\""), "{link}");
    assert!(link.contains("page=5>; rel=\"last\""), "{link}");
    let r = api.get("/company/companies?pageSize=100&page=5").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(83));
    assert!(
        !r.headers["link"]
            .to_str()
            .unwrap_or("next")
            .contains("next")
    );
    let r = api.get("/company/companies?pageSize=5000").await;
    assert_eq!(
        r.body.as_array().map(Vec::len),
        Some(483),
        "clamped to 1000"
    );
}

#[tokio::test]
async fn companies_answer_conditions() {
    let api = msp(500).await;
    let q = |conditions: &str| {
        api.send(
            api.req(Method::GET, "/company/companies")
                .query(&[("conditions", conditions), ("pageSize", "1000")]),
        )
    };
    let r = q(r#"identifier="FalconVeterinary""#).await;
    assert_eq!(
        names(&r.body),
        ["Falcon Veterinary, LLC"],
        "spelled differently"
    );
    let r = q(r#"name="Lakeshore Engineering""#).await;
    assert_eq!(r.body, json!([]), "missing in ConnectWise");
    let r = q(r#"name like "Acme*""#).await;
    assert_eq!(
        names(&r.body),
        [
            "Acme Dental",
            "Acme Legal",
            "Acme Clinics",
            "Acme Logistics",
            "Acme Realty",
            "Acme Veterinary",
            "Acme Accounting",
            "Acme Construction",
            "Acme Insurance",
            "Acme Architects"
        ]
    );
    let r = q(r#"status/name="Inactive""#).await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(12));
    let r = q("status/id=1 and id >= 250").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(468));
    let r = q(r#"status/id="1""#).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Expected a numeric value, not a string."),
        "{}",
        r.body
    );
    let r = q("nosuch=1").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let r = api
        .send(
            api.req(Method::GET, "/company/companies/count")
                .query(&[("conditions", "deletedFlag=false and status/name=\"Active\"")]),
        )
        .await;
    assert_eq!(r.body, json!({"count": 471}));
}

#[tokio::test]
async fn the_umbrella_consoles_manage_the_same_customers() {
    let api = Api::with(SandboxConfig {
        customers_per_console: 150,
        ..SandboxConfig::with_tenants(2)
    })
    .await;
    let umbrella = api.sb.umbrella();
    let customers = |key: &str| {
        umbrella
            .with_console(key, |c| c.console.customers.clone())
            .unwrap_or_default()
    };
    let first = customers("umbrella-sandbox-key");
    let second = customers("umbrella-sandbox2-key");
    assert_eq!(first.len(), 150);
    assert_eq!(
        first[..3],
        [
            (2_000_001, "Acme Dental".to_owned()),
            (2_000_002, "Bolt Legal".to_owned()),
            (2_000_003, "Cobalt Clinics".to_owned()),
        ],
        "today's three customers and ids"
    );
    assert_eq!(first[98].0, 2_000_099);
    assert_eq!(
        first[99].0, 3_000_100,
        "past 99 customers ids leave the org's block"
    );
    assert_eq!(second[0].0, 2_000_101);
    assert_eq!(second[99].0, 3_010_100);
    let mut ids: Vec<u64> = first.iter().chain(&second).map(|c| c.0).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 300, "distinct across consoles");
    let r = api.get("/company/companies/count").await;
    assert_eq!(
        r.body,
        json!({"count": 147}),
        "150 customers, 6 missing, 3 extra"
    );
}
