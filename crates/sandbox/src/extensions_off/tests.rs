//! A sandbox playing a server without the `[ext]` calls, and one enforcing security roles.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::Extension;
use crate::{Sandbox, SandboxConfig};

const ADMIN: (&str, &str) = ("sandbox-public-key", "sandbox-private-key");

struct Client {
    sb: Sandbox,
    http: reqwest::Client,
}

impl Client {
    async fn start(config: SandboxConfig) -> Client {
        Client {
            sb: Sandbox::start(config).await.unwrap(),
            http: reqwest::Client::new(),
        }
    }

    /// A ConnectWise call with `keys`; returns status, `Allow` and body.
    async fn cw(
        &self,
        keys: (&str, &str),
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Option<String>, Value) {
        let auth = base64::engine::general_purpose::STANDARD
            .encode(format!("sandbox+{}:{}", keys.0, keys.1));
        let mut req = self
            .http
            .request(method, format!("{}/v2025_1/apis/3.0{path}", self.sb.url()))
            .header("Authorization", format!("Basic {auth}"))
            .header("clientId", "3fa85f64-5717-4562-b3fc-2c963f66afa6");
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let allow = resp
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.json().await.unwrap_or(Value::Null);
        (status, allow, body)
    }

    /// An Umbrella GET with the tenant's console token.
    async fn umbrella_get(&self, path: &str) -> (StatusCode, Value) {
        let token: Value = self
            .http
            .post(format!("{}/auth/v2/token", self.sb.url()))
            .basic_auth("umbrella-sandbox-key", Some("umbrella-sandbox-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let resp = self
            .http
            .get(format!("{}{path}", self.sb.url()))
            .bearer_auth(token["access_token"].as_str().unwrap_or_default())
            .send()
            .await
            .unwrap();
        (resp.status(), resp.json().await.unwrap_or(Value::Null))
    }
}

fn without(off: Vec<Extension>) -> SandboxConfig {
    SandboxConfig {
        extensions_off: off,
        ..SandboxConfig::default()
    }
}

#[test]
fn flag_values_parse() {
    assert_eq!(
        Extension::parse_list("all").unwrap(),
        Extension::ALL.to_vec()
    );
    assert_eq!(
        Extension::parse_list("api-keys").unwrap(),
        vec![Extension::ApiKeys]
    );
    let err = Extension::parse_list("keys").unwrap_err();
    assert!(
        err.contains("role-settings") && err.contains("umbrella-mappings"),
        "{err}"
    );
    for e in Extension::ALL {
        assert_eq!(e.name().parse::<Extension>(), Ok(e));
    }
}

#[tokio::test]
async fn switched_off_connectwise_calls_answer_404_or_405() {
    let c = Client::start(without(Extension::ALL.to_vec())).await;
    // Published calls still work.
    let (status, _, roles) = c
        .cw(ADMIN, Method::GET, "/system/securityroles", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let role = roles[0]["id"].as_i64().unwrap();
    let (status, _, rows) = c
        .cw(
            ADMIN,
            Method::GET,
            &format!("/system/securityRoles/{role}/settings"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let setting = rows[0]["id"].as_i64().unwrap();
    let one = format!("/system/securityRoles/{role}/settings/{setting}");
    assert_eq!(c.cw(ADMIN, Method::GET, &one, None).await.0, StatusCode::OK);
    // The write path: 405 with Allow: GET.
    let (status, allow, body) = c.cw(ADMIN, Method::PATCH, &one, Some(json!([]))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(allow.as_deref(), Some("GET"));
    // No route: ASP.NET's 404 body, not ConnectWise's record answer.
    for path in [
        format!("{one}/customizeItems"),
        "/system/members/1/apiKeys/3".to_owned(),
    ] {
        let (status, _, body) = c.cw(ADMIN, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(body.get("code").is_none(), "{body}");
        assert!(
            body["Message"]
                .as_str()
                .unwrap_or_default()
                .contains("No HTTP resource"),
            "{body}"
        );
    }
    let (status, _, _) = c
        .cw(
            ADMIN,
            Method::POST,
            "/system/members/1/apiKeys",
            Some(json!({"description": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        c.sb.state()
            .with_tenant("sandbox", |t| t.api_keys.is_empty())
            .unwrap()
    );
}

#[tokio::test]
async fn switched_off_umbrella_calls_answer_404() {
    let c = Client::start(without(vec![Extension::UmbrellaMappings])).await;
    let (status, body) = c.umbrella_get("/admin/v2/config/psa/mappings").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"message": "Not Found"}));
    // The credentials route stays; unconfigured it answers its own record-not-found.
    let (status, body) = c.umbrella_get("/admin/v2/config/psa").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_ne!(body, json!({"message": "Not Found"}));
    let c = Client::start(without(vec![Extension::UmbrellaPsa])).await;
    assert_eq!(
        c.umbrella_get("/admin/v2/config/psa").await,
        (StatusCode::NOT_FOUND, json!({"message": "Not Found"}))
    );
    assert_eq!(
        c.umbrella_get("/admin/v2/config/psa/mappings").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn everything_on_by_default() {
    let c = Client::start(SandboxConfig::default()).await;
    let (status, _, body) = c
        .cw(ADMIN, Method::GET, "/system/members/1/apiKeys", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A member whose role lacks System > Security Roles gets 403 there, and works elsewhere.
#[tokio::test]
async fn an_enforced_role_refuses_what_it_lacks() {
    let c = Client::start(SandboxConfig {
        enforce_role_permissions: true,
        ..SandboxConfig::default()
    })
    .await;
    let (_, _, role) = c
        .cw(
            ADMIN,
            Method::POST,
            "/system/securityroles",
            Some(json!({"name": "Narrow"})),
        )
        .await;
    let role = role["id"].as_i64().unwrap();
    // Member Maintenance: Inquire only.
    let setting =
        c.sb.state()
            .with_tenant("sandbox", |t| {
                let s = t
                    .setting_for(role as i32, "System", "MemberMaintenance")
                    .unwrap();
                s.inquire_level = crate::Level::All;
                s.id
            })
            .unwrap();
    assert!(setting > 0);
    let body = json!({"identifier": "narrow", "name": "Narrow", "securityRole": {"id": role}});
    let (status, _, member) = c
        .cw(ADMIN, Method::POST, "/system/apiMembers", Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    let path = format!("/system/members/{}/apiKeys", member["id"]);
    let (_, _, key) = c
        .cw(
            ADMIN,
            Method::POST,
            &path,
            Some(json!({"description": "k"})),
        )
        .await;
    let keys = (
        key["publicKey"].as_str().unwrap().to_owned(),
        key["privateKey"].as_str().unwrap().to_owned(),
    );
    let narrow = (keys.0.as_str(), keys.1.as_str());
    let (status, _, body) = c
        .cw(narrow, Method::GET, "/system/securityroles", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("'Narrow'") && message.contains("Security Roles"),
        "{message}"
    );
    assert_eq!(
        c.cw(narrow, Method::GET, "/system/members", None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        c.cw(narrow, Method::POST, "/system/apiMembers", Some(json!({})))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // The admin's role has admin_flag: never refused.
    assert_eq!(
        c.cw(ADMIN, Method::GET, "/system/securityroles", None)
            .await
            .0,
        StatusCode::OK
    );
}
