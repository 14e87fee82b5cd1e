//! List queries (conditions, orderBy, fields, paging, `Link`), lookups, tenant isolation.

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

/// A sandbox with 9 roles: the 2 seeded ones and `Role 0` ... `Role 6`.
async fn nine_roles() -> Api {
    let api = Api::start().await;
    for i in 0..7 {
        api.create_role(&format!("Role {i}")).await;
    }
    api
}

#[tokio::test]
async fn paging_and_links() {
    let api = nine_roles().await;
    // pageSize 4 -> 3 pages.
    let r = api.get("/system/securityroles?pageSize=4&page=2").await;
    assert_eq!(r.body.as_array().unwrap().len(), 4);
    let link = r.headers["link"].to_str().unwrap();
    for rel in ["first", "prev", "next", "last"] {
        assert!(link.contains(&format!("rel=\"{rel}\"")), "{link}");
    }
    assert!(link.contains("page=3>; rel=\"next\""), "{link}");
    let r = api.get("/system/securityroles?pageSize=4").await;
    let link = r.headers["link"].to_str().unwrap();
    assert!(!link.contains("prev") && link.contains("next"), "{link}");
    let r = api.get("/system/securityroles?pageSize=4&page=3").await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert!(!r.headers["link"].to_str().unwrap().contains("next"));
    assert!(
        api.get("/system/securityroles")
            .await
            .headers
            .get("link")
            .is_none()
    );
    assert_eq!(
        api.get("/system/securityroles?pageSize=5000")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        9
    );
    assert_eq!(
        api.get("/system/securityroles?page=abc").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn conditions_and_count() {
    let api = nine_roles().await;
    let q = |c: &str| {
        api.send(
            api.req(Method::GET, "/system/securityroles")
                .query(&[("conditions", c)]),
        )
    };
    let r = q(r#"name="Umbrella""#).await;
    assert_eq!(r.body, json!([]));
    let r = q(r#"name like "Role*" and (id = 3 or id = 4)"#).await;
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    let r = q("adminFlag = True").await;
    assert_eq!(r.body[0]["name"], "Admin");
    let r = q("id in (1, 2) and not name contains \"tech\"").await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    let r = q("name = Umbrella").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["code"], "InvalidObject");
    assert_eq!(q("nosuchfield = 1").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(q("name = 'Admin'").await.body[0]["name"], "Admin");
    let r = api
        .send(
            api.req(Method::GET, "/system/securityroles/count")
                .query(&[("conditions", "name like \"role%\"")]),
        )
        .await;
    assert_eq!(r.body["count"], 7);
}

/// A literal of another type than its field's is ConnectWise's 400 with the server's own
/// message, on lists and counts of every model.
#[tokio::test]
async fn conditions_with_wrong_literal_types() {
    let api = nine_roles().await;
    let role = api.create_role("Umbrella").await;
    let q = |path: String, c: &'static str| {
        api.send(api.req(Method::GET, &path).query(&[("conditions", c)]))
    };
    let cases = [
        ("/system/securityroles", "adminFlag=1", "boolean", "numeric"),
        (
            "/system/securityroles/count",
            r#"id="1""#,
            "numeric",
            "string",
        ),
        ("/system/securityroles", "name=5", "string", "numeric"),
        (
            "/system/members",
            r#"securityRole/id="1""#,
            "numeric",
            "string",
        ),
        (
            "/system/members",
            r#"hireDate>"2020-01-01""#,
            "datetime",
            "string",
        ),
        (
            "/system/apiMembers",
            r#"inactiveFlag="False""#,
            "boolean",
            "string",
        ),
        ("/system/locations", "name=True", "string", "boolean"),
    ];
    let settings = format!("/system/securityRoles/{role}/settings");
    let settings_case = (settings.as_str(), "sortOrder=True", "numeric", "boolean");
    for (path, conditions, expected, found) in cases.into_iter().chain([settings_case]) {
        let r = q(path.to_owned(), conditions).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}?{conditions}");
        assert_eq!(r.body["code"], "InvalidObject");
        let message = r.body["message"].as_str().unwrap();
        let start = format!("Expected a {expected} value, not a {found}. String values should");
        assert!(
            message.starts_with(&start),
            "{path}?{conditions}: {message}"
        );
    }
    let r = q("/system/securityroles".into(), "adminFlag=1").await;
    assert_eq!(
        r.body,
        json!({
            "code": "InvalidObject",
            "message": "Expected a boolean value, not a numeric. String values should be enclosed \
                with double or single quotes; DateTime values should be enclosed in square \
                brackets; numbers should consist of only digits, and optionally a decimal point \
                and a negation sign; boolean values should be indicated with the keywords true \
                or false; null values should be indicated by the keyword null.",
            "errors": null,
        })
    );
    // The same query with the right literal types passes.
    let ok = q(
        "/system/members".into(),
        "securityRole/id=1 and inactiveFlag=False",
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
}

#[tokio::test]
async fn order_by_and_fields() {
    let api = nine_roles().await;
    let r = api
        .send(
            api.req(Method::GET, "/system/securityroles")
                .query(&[("orderBy", "name desc"), ("fields", "id,name")]),
        )
        .await;
    assert_eq!(r.body[0]["name"], "Technician");
    assert_eq!(r.body[0].as_object().unwrap().len(), 2);
}

/// Forward-only paging follows `Link` by `pageId` and refuses `orderBy`.
#[tokio::test]
async fn forward_only_paging() {
    let api = nine_roles().await;
    let mut seen = 0;
    let mut url = api.url("/system/securityroles?pageSize=4");
    loop {
        let r = api
            .send(
                api.http
                    .get(&url)
                    .header(
                        "Authorization",
                        basic("sandbox", "sandbox-public-key", "sandbox-private-key"),
                    )
                    .header("clientId", CLIENT_ID)
                    .header("pagination-type", "forward-only"),
            )
            .await;
        seen += r.body.as_array().unwrap().len();
        let link = r
            .headers
            .get("link")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or_default();
        if link.is_empty() {
            break;
        }
        assert!(link.contains("pageId="), "{link}");
        url = link
            .trim_start_matches('<')
            .split('>')
            .next()
            .unwrap()
            .to_string();
    }
    assert_eq!(seen, 9);
    let r = api
        .send(
            api.req(Method::GET, "/system/securityroles?orderBy=name")
                .header("pagination-type", "forward-only"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn lookups_and_tenants_are_isolated() {
    let second = TenantConfig {
        company_id: "other".into(),
        public_key: "other-public".into(),
        private_key: "other-private".into(),
        ..TenantConfig::default()
    };
    let config = SandboxConfig {
        tenants: vec![TenantConfig::default(), second],
        ..SandboxConfig::default()
    };
    let mut api = Api::with(config).await;
    for (path, name) in [
        ("/system/locations", "Tampa Office"),
        ("/system/departments", "Administration"),
        ("/system/timeZoneSetups", "US Eastern"),
        (
            "/system/myCompany/corporateStructure",
            "Corporate (Level 1)",
        ),
    ] {
        let r = api.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.body[0]["name"], name);
        assert_eq!(api.get(&format!("{path}/1")).await.body["name"], name);
        assert_eq!(
            api.get(&format!("{path}/99")).await.status,
            StatusCode::NOT_FOUND
        );
        let r = api
            .send(
                api.req(Method::GET, path)
                    .query(&[("conditions", format!("name=\"{name}\""))]),
            )
            .await;
        assert_eq!(r.body.as_array().unwrap().len(), 1);
        assert_eq!(
            api.call(Method::POST, path, Some(json!({}))).await.status,
            StatusCode::METHOD_NOT_ALLOWED
        );
    }
    api.create_role("Only In Sandbox").await;
    (api.company, api.public, api.private) = (
        "other".into(),
        "other-public".into(),
        "other-private".into(),
    );
    assert_eq!(
        api.get("/system/securityroles/count").await.body["count"],
        2
    );
    assert_eq!(api.sb.state().roles("sandbox").len(), 3);
    assert_eq!(
        api.sb.requests().last().unwrap().tenant.as_deref(),
        Some("other")
    );
    api.sb.shutdown().await;
}
