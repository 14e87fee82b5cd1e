//! The Umbrella routes alone (no ConnectWise), two consoles and a scripted credential checker,
//! over real HTTP; one file per area.

mod bulk_mappings;
mod customers;
mod limits;
mod mappings;
mod psa;
mod tokens;

use std::sync::Arc;

use serde_json::{Value, json};

use super::*;

const KEY: &str = "key-a";
const SECRET: &str = "secret-a";

struct Harness {
    state: UmbrellaState,
    base: String,
    http: reqwest::Client,
}

async fn harness() -> Harness {
    let state = UmbrellaState::new(
        vec![
            UmbrellaConsole {
                api_key: KEY.into(),
                api_secret: SECRET.into(),
                org_id: "8001".into(),
                customers: vec![(101, "Acme Dental".into()), (102, "Bolt Legal".into())],
            },
            UmbrellaConsole {
                api_key: "key-b".into(),
                api_secret: "secret-b".into(),
                org_id: "8002".into(),
                customers: vec![(201, "Other Co".into())],
            },
        ],
        Arc::new(|site: &str, _company: &str, _public: &str, private: &str| {
            if site.contains("offline") {
                CredentialStatus::Unreachable
            } else if private == "good-private" {
                CredentialStatus::Ok
            } else {
                CredentialStatus::Unauthorized
            }
        }),
    );
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(e) => panic!("bind: {e}"),
    };
    let base = match listener.local_addr() {
        Ok(addr) => format!("http://{addr}"),
        Err(e) => panic!("local_addr: {e}"),
    };
    let app = router(state.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Harness {
        state,
        base,
        http: reqwest::Client::new(),
    }
}

impl Harness {
    async fn token_as(&self, key: &str, secret: &str, org: Option<&str>) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}/auth/v2/token", self.base))
            .basic_auth(key, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials");
        if let Some(org) = org {
            request = request.header("X-Umbrella-OrgId", org);
        }
        send(request).await
    }

    async fn token(&self) -> String {
        let (status, body) = self.token_as(KEY, SECRET, None).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap_or_default().to_owned()
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or_default();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }
}

async fn send(request: reqwest::RequestBuilder) -> (u16, Value) {
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.json::<Value>().await.unwrap_or(Value::Null);
            (status, body)
        }
        Err(e) => panic!("request failed: {e}"),
    }
}

fn psa_body(private_key: Option<&str>) -> Value {
    let mut body = json!({
        "psaType": "connectwise",
        "enabled": true,
        "siteUrl": "https://cw.example",
        "companyId": "acme",
        "publicKey": "pub",
    });
    if let Some(key) = private_key {
        body["privateKey"] = json!(key);
    }
    body
}
