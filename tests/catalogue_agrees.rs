//! The provider's catalogue (plan-time validation) against the emulator's own data, read back over
//! REST the way a client sees it: a new role's settings rows (modules, functions, identifiers,
//! flags, order) and the customize allow-lists (every item the provider allows is accepted, under
//! the provider's `customizeIdentifier`). The two are kept apart on purpose, so this is where a
//! change to one without the other shows.
//!
//! The HTTP client is a few lines over `tokio::net::TcpStream` (one request per connection), so
//! the test needs no dependency beyond what the package's tests already use.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use base64::Engine as _;
use connectwise_provider::catalogue;
use connectwise_sandbox::{Sandbox, SandboxConfig, TenantConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const CLIENT_ID: &str = "7d1c2a58-3b0e-4f6a-9c2d-5e8f1a2b3c4d";

/// A ConnectWise caller of one sandbox tenant.
struct Caller {
    addr: SocketAddr,
    authorization: String,
}

impl Caller {
    fn new(sandbox: &Sandbox) -> Caller {
        let tenant = TenantConfig::default();
        let user = format!(
            "{}+{}:{}",
            tenant.company_id, tenant.public_key, tenant.private_key
        );
        Caller {
            addr: sandbox.addr(),
            authorization: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(user)
            ),
        }
    }

    /// `method /v2025_1/apis/3.0{path}` with an optional JSON body: (status, JSON body or null).
    async fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} /v2025_1/apis/3.0{path} HTTP/1.1\r\n\
             Host: {addr}\r\n\
             Authorization: {auth}\r\n\
             clientId: {CLIENT_ID}\r\n\
             Accept: application/vnd.connectwise.com+json; version=2025.1\r\n\
             Content-Type: application/json\r\n\
             Content-Length: {length}\r\n\
             Connection: close\r\n\r\n{body}",
            addr = self.addr,
            auth = self.authorization,
            length = body.len(),
        );
        let mut stream = TcpStream::connect(self.addr).await.expect("connect");
        stream
            .write_all(request.as_bytes())
            .await
            .expect("send request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.expect("read answer");
        let text = String::from_utf8(raw).expect("UTF-8 answer");
        let (head, body) = text.split_once("\r\n\r\n").expect("HTTP head");
        assert!(
            !head.to_ascii_lowercase().contains("transfer-encoding"),
            "this client reads only Content-Length bodies:\n{head}"
        );
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status code");
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{method} {path}: {e}: {body}"))
        };
        (status, body)
    }
}

/// A new role's settings rows, in the order the server lists them.
async fn settings_of_new_role(caller: &Caller) -> (i64, Vec<Value>) {
    let (status, role) = caller
        .call(
            "POST",
            "/system/securityroles",
            Some(&json!({"name": "Catalogue check"})),
        )
        .await;
    assert_eq!(status, 201, "{role}");
    let role_id = role["id"].as_i64().expect("role id");
    let path = format!("/system/securityRoles/{role_id}/settings?pageSize=1000&orderBy=sortOrder");
    let (status, rows) = caller.call("GET", &path, None).await;
    assert_eq!(status, 200, "{rows}");
    (role_id, rows.as_array().cloned().unwrap_or_default())
}

fn text(row: &Value, field: &str) -> String {
    row[field].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn functions_and_modules_agree_with_the_settings_rows() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let caller = Caller::new(&sandbox);
    let (_, rows) = settings_of_new_role(&caller).await;

    let served: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                text(r, "moduleName"),
                text(r, "moduleIdentifier"),
                text(r, "moduleFunctionName"),
                text(r, "moduleFunctionIdentifier"),
                text(r, "moduleFunctionDescription"),
                r["myAllFlag"].as_bool(),
                r["reportFlag"].as_bool(),
                r["customFlag"].as_bool(),
                r["sortOrder"].as_i64(),
            )
        })
        .collect();
    let known: Vec<_> = catalogue::functions()
        .iter()
        .map(|f| {
            (
                f.module.to_owned(),
                f.module_identifier.to_owned(),
                f.function.to_owned(),
                f.function_identifier.to_owned(),
                f.description.to_owned(),
                Some(f.my_all),
                Some(f.report),
                Some(f.customize.is_some()),
                Some(i64::from(f.sort_order)),
            )
        })
        .collect();
    for row in &served {
        assert!(
            known.contains(row),
            "served but not in the provider's catalogue: {row:?}"
        );
    }
    for function in &known {
        assert!(
            served.contains(function),
            "in the provider's catalogue but not served: {function:?}"
        );
    }
    assert_eq!(served, known, "same rows, same order");

    // Modules, as the rows name and describe them, in order of first appearance.
    let mut served_modules: Vec<(String, String, String)> = Vec::new();
    for r in &rows {
        let module = (
            text(r, "moduleName"),
            text(r, "moduleIdentifier"),
            text(r, "moduleDescription"),
        );
        if !served_modules.contains(&module) {
            served_modules.push(module);
        }
    }
    let known_modules: Vec<_> = catalogue::modules()
        .iter()
        .map(|m| {
            (
                m.name.to_owned(),
                m.identifier.to_owned(),
                m.description.to_owned(),
            )
        })
        .collect();
    assert_eq!(served_modules, known_modules);
}

#[tokio::test]
async fn customize_lists_accept_exactly_the_provider_items() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let caller = Caller::new(&sandbox);
    let (role_id, rows) = settings_of_new_role(&caller).await;
    let setting_ids: BTreeMap<(String, String), i64> = rows
        .iter()
        .map(|r| {
            (
                (
                    text(r, "moduleIdentifier"),
                    text(r, "moduleFunctionIdentifier"),
                ),
                r["id"].as_i64().unwrap_or_default(),
            )
        })
        .collect();

    let mut lists = 0;
    for f in catalogue::functions() {
        let Some(customize_id) = f.customize else {
            continue;
        };
        lists += 1;
        let sid = setting_ids[&(
            f.module_identifier.to_owned(),
            f.function_identifier.to_owned(),
        )];
        let path = format!("/system/securityRoles/{role_id}/settings/{sid}/customizeItems");
        for item in catalogue::allowed_items(customize_id) {
            let (status, body) = caller
                .call("POST", &path, Some(&json!({"itemIdentifier": item})))
                .await;
            assert_eq!(status, 201, "{customize_id} refuses {item:?}: {body}");
            assert_eq!(body["customizeIdentifier"], customize_id, "{body}");
            assert_eq!(body["itemIdentifier"], *item, "{body}");
        }
        let (status, body) = caller
            .call(
                "POST",
                &path,
                Some(&json!({"itemIdentifier": "Not an item of any list"})),
            )
            .await;
        assert_eq!(status, 400, "{customize_id} accepts anything: {body}");
        let (status, body) = caller.call("GET", &format!("{path}/count"), None).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["count"].as_u64(),
            Some(catalogue::allowed_items(customize_id).len() as u64)
        );
    }
    assert_eq!(lists, catalogue::CUSTOMIZE_IDENTIFIERS.len());
}

/// REST offers no way to list what an allow-list accepts, only to try items; so the other
/// direction (nothing the server accepts is missing from the provider) reads the emulator's
/// data file, the one the sandbox compiles in.
#[test]
fn the_server_accepts_no_item_the_provider_lacks() {
    let data: Value =
        serde_json::from_str(include_str!("../crates/sandbox/data/security-modules.json"))
            .expect("the sandbox's data file");
    let lists = data["customizeItems"].as_object().expect("customizeItems");
    let mut served: Vec<&str> = lists.keys().map(String::as_str).collect();
    let mut known = catalogue::CUSTOMIZE_IDENTIFIERS.to_vec();
    served.sort_unstable();
    known.sort_unstable();
    assert_eq!(served, known);
    for (customize_id, items) in lists {
        let accepted: Vec<&str> = items
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(
            accepted,
            catalogue::allowed_items(customize_id),
            "{customize_id}"
        );
    }
}
