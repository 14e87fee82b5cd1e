//! HTTP-level tests of the ConnectWise emulator (reqwest against `Sandbox::start`), one file per
//! API area; the client helpers are here.

mod api_keys;
mod auth;
mod companies;
mod hand_made;
mod lists;
mod members;
mod role_settings;
mod security_roles;
mod state_file;

use base64::Engine;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;

const CLIENT_ID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

struct Api {
    sb: Sandbox,
    http: reqwest::Client,
    company: String,
    public: String,
    private: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

fn basic(company: &str, public: &str, private: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{company}+{public}:{private}"))
    )
}

impl Api {
    async fn start() -> Api {
        Api::with(SandboxConfig::default()).await
    }

    async fn with(config: SandboxConfig) -> Api {
        let sb = Sandbox::start(config).await.unwrap();
        Api {
            sb,
            http: reqwest::Client::new(),
            company: "sandbox".into(),
            public: "sandbox-public-key".into(),
            private: "sandbox-private-key".into(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/v2025_1/apis/3.0{path}", self.sb.url())
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header(
                "Authorization",
                basic(&self.company, &self.public, &self.private),
            )
            .header("clientId", CLIENT_ID)
            .header(
                "Accept",
                "application/vnd.connectwise.com+json; version=2025.1",
            )
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self.req(method, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    async fn create_role(&self, name: &str) -> i64 {
        let r = self
            .post("/system/securityroles", json!({"name": name}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["id"].as_i64().unwrap()
    }

    /// The settings row of a role for `module > function`.
    async fn setting(&self, role: i64, module: &str, function: &str) -> Value {
        let cond = format!("moduleName=\"{module}\" and moduleFunctionName=\"{function}\"");
        let r = self
            .send(
                self.req(
                    Method::GET,
                    &format!("/system/securityRoles/{role}/settings"),
                )
                .query(&[("conditions", cond)]),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body[0].clone()
    }

    async fn create_api_member(&self, identifier: &str, role: i64) -> Value {
        let r = self.post("/system/apiMembers", json!({"identifier": identifier, "name": "Umbrella PSA", "securityRole": {"id": role}})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body
    }
}

fn field_of(body: &Value) -> &str {
    body["errors"][0]["field"].as_str().unwrap_or("")
}

fn code_of(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or("")
}
