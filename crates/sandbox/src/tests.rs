//! HTTP-level tests of the ConnectWise emulator (reqwest against `Sandbox::start`).

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

#[tokio::test]
async fn company_info_known_and_unknown() {
    let api = Api::start().await;
    let r = api
        .send(
            api.http
                .get(format!("{}/login/companyinfo/sandbox", api.sb.url())),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["Codebase"], "v2025_1/");
    assert_eq!(r.body["CompanyID"], "sandbox");
    assert_eq!(r.body["IsCloud"], true);
    assert_eq!(r.body["VersionCode"], "v2025.1");
    let r = api
        .send(
            api.http
                .get(format!("{}/login/companyinfo/nobody", api.sb.url())),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, Value::Null);
}

#[tokio::test]
async fn auth_failures_and_client_id() {
    let api = Api::start().await;
    let url = api.url("/system/securityroles");
    // No Authorization header.
    let r = api
        .send(api.http.get(&url).header("clientId", CLIENT_ID))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.body["code"], "Unauthorized");
    assert!(r.body.get("errors").is_some_and(Value::is_null));
    assert_eq!(r.headers["api-current-version"], "2025.1");
    // Wrong private key, unknown company, malformed header.
    for auth in [
        basic("sandbox", "sandbox-public-key", "wrong"),
        basic("other", "sandbox-public-key", "sandbox-private-key"),
        "Basic !!!".to_string(),
        "Bearer abc".to_string(),
    ] {
        let r = api
            .send(
                api.http
                    .get(&url)
                    .header("clientId", CLIENT_ID)
                    .header("Authorization", auth),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Missing clientId.
    let r = api
        .send(api.http.get(&url).header(
            "Authorization",
            basic("sandbox", "sandbox-public-key", "sandbox-private-key"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body["message"].as_str().unwrap().contains("clientId"));
    // Company id is case-insensitive; v4_6_release codebase accepted; paths case-insensitive.
    let r = api
        .send(
            api.http
                .get(format!(
                    "{}/v4_6_release/apis/3.0/System/SecurityRoles",
                    api.sb.url()
                ))
                .header("clientId", CLIENT_ID)
                .header(
                    "Authorization",
                    basic("SANDBOX", "sandbox-public-key", "sandbox-private-key"),
                ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let reqs = api.sb.requests();
    assert_eq!(reqs.last().unwrap().tenant.as_deref(), Some("sandbox"));
    assert_eq!(reqs.last().unwrap().status, 200);
    assert!(reqs.iter().any(|r| r.status == 401 && r.tenant.is_none()));
    // Unknown codebase.
    let r = api
        .send(api.http.get(format!(
            "{}/v2019_1/apis/3.0/system/securityroles",
            api.sb.url()
        )))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn client_id_optional_when_configured() {
    let api = Api::with(SandboxConfig {
        require_client_id: false,
        ..SandboxConfig::default()
    })
    .await;
    let r = api
        .send(api.http.get(api.url("/system/securityroles")).header(
            "Authorization",
            basic("sandbox", "sandbox-public-key", "sandbox-private-key"),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn security_roles_create_validate_delete() {
    let api = Api::start().await;
    let r = api.get("/system/securityroles").await;
    let names: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Admin", "Technician"]);

    let r = api
        .post("/system/securityroles", json!({"name": "Umbrella"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.body["adminFlag"], false);
    assert_eq!(r.body["inactiveFlag"], false);
    assert_eq!(r.body["roleType"], Value::Null);
    let id = r.body["id"].as_i64().unwrap();
    assert_eq!(
        api.get(&format!("/system/securityroles/{id}")).await.body["name"],
        "Umbrella"
    );

    let dup = api
        .post("/system/securityroles", json!({"name": "UMBRELLA"}))
        .await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    assert_eq!(dup.body["code"], "InvalidObject");
    assert_eq!(code_of(&dup.body), "ObjectExists");
    assert_eq!(field_of(&dup.body), "name");

    let long = api
        .post("/system/securityroles", json!({"name": "x".repeat(31)}))
        .await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert_eq!(field_of(&long.body), "name");
    let long = api
        .post(
            "/system/securityroles",
            json!({"name": "ok", "roleType": "y".repeat(31)}),
        )
        .await;
    assert_eq!(field_of(&long.body), "roleType");
    let missing = api
        .post("/system/securityroles", json!({"adminFlag": true}))
        .await;
    assert_eq!(code_of(&missing.body), "MissingRequiredField");

    // No PUT/PATCH on roles.
    for m in [Method::PUT, Method::PATCH] {
        let r = api
            .call(
                m,
                &format!("/system/securityroles/{id}"),
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(r.headers["allow"].to_str().unwrap().contains("DELETE"));
    }

    // Malformed JSON and missing content type.
    let r = api
        .send(
            api.req(Method::POST, "/system/securityroles")
                .header("Content-Type", "application/json")
                .body("{"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .send(
            api.req(Method::POST, "/system/securityroles")
                .body(r#"{"name":"x"}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    assert_eq!(
        api.get("/system/securityroles/count").await.body["count"],
        3
    );
    let r = api
        .call(Method::DELETE, &format!("/system/securityroles/{id}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api.get(&format!("/system/securityroles/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        json!({"code": "NotFound", "message": format!("securityRole with id {id} was not found.")})
    );
    assert!(
        api.sb
            .state()
            .role_settings("sandbox", id as i32)
            .is_empty()
    );
}

#[tokio::test]
async fn role_in_use_cannot_be_deleted() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let m = api.create_api_member("umbrella-psa", role).await;
    let r = api
        .call(
            Method::DELETE,
            &format!("/system/securityroles/{role}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body["message"].as_str().unwrap().contains("umbrella-psa"));
    let p = api
        .patch(
            &format!("/system/apiMembers/{}", m["id"]),
            json!([{"op": "replace", "path": "inactiveFlag", "value": true}]),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK);
    let r = api
        .call(
            Method::DELETE,
            &format!("/system/securityroles/{role}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn settings_created_per_role_and_patched() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let n = crate::catalogue::functions().count();
    let all = api
        .get(&format!(
            "/system/securityRoles/{role}/settings?pageSize=1000"
        ))
        .await;
    let rows = all.body.as_array().unwrap();
    assert_eq!(rows.len(), n);
    let keys: Vec<&String> = rows[0].as_object().unwrap().keys().collect();
    let mut expected = super::role_settings::FIELDS.to_vec();
    expected.sort();
    let mut got: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
    got.sort();
    assert_eq!(got, expected);
    assert!(
        rows.iter()
            .all(|r| r["addLevel"] == "None" && r["inquireLevel"] == "None")
    );
    assert_eq!(
        api.get(&format!("/system/securityRoles/{role}/settings/count"))
            .await
            .body["count"],
        n
    );

    let tickets = api.setting(role, "Service Desk", "Service Tickets").await;
    assert_eq!(tickets["myAllFlag"], true);
    let sid = tickets["id"].as_i64().unwrap();
    let path = format!("/system/securityRoles/{role}/settings/{sid}");
    let r = api
        .patch(
            &path,
            json!([
                {"op": "replace", "path": "addLevel", "value": "All"},
                {"op": "replace", "path": "/editLevel", "value": "My"},
                {"op": "replace", "path": "inquireLevel", "value": "All"}
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["addLevel"].as_str(), r.body["editLevel"].as_str()),
        (Some("All"), Some("My"))
    );
    assert_eq!(r.body["deleteLevel"], "None");
    assert_eq!(api.get(&path).await.body["inquireLevel"], "All");

    // Errors: bad enum, other path, other op, My where myAllFlag is false; nothing applied.
    let cases = [
        (
            json!([{"op": "replace", "path": "addLevel", "value": "Some"}]),
            "addLevel",
        ),
        (
            json!([{"op": "replace", "path": "moduleName", "value": "x"}]),
            "moduleName",
        ),
        (json!([{"op": "remove", "path": "addLevel"}]), "addLevel"),
        (json!([{"op": "copy", "path": "addLevel"}]), "op"),
    ];
    for (body, field) in cases {
        let r = api.patch(&path, body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(field_of(&r.body), field);
    }
    let table = api.setting(role, "System", "Table Setup").await;
    assert_eq!(table["myAllFlag"], false);
    assert_eq!(table["customFlag"], true);
    let tpath = format!("/system/securityRoles/{role}/settings/{}", table["id"]);
    let r = api
        .patch(&tpath, json!([{"op": "replace", "path": "addLevel", "value": "All"}, {"op": "replace", "path": "editLevel", "value": "My"}]))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(field_of(&r.body), "editLevel");
    assert_eq!(
        api.get(&tpath).await.body["addLevel"],
        "None",
        "patch is atomic"
    );
    let r = api
        .send(
            api.req(Method::PATCH, &tpath)
                .header("Content-Type", "application/json")
                .body("{nope"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // PUT on a setting is not offered; settings of another role are not found.
    assert_eq!(
        api.call(Method::PUT, &tpath, Some(json!({}))).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(
        api.get(&format!("/system/securityRoles/1/settings/{sid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Out-of-band view agrees.
    let rows = api.sb.state().role_settings("sandbox", role as i32);
    let row = rows.iter().find(|s| s.id == sid as i32).unwrap();
    assert_eq!(row.add_level, Level::All);
}

#[tokio::test]
async fn customize_items() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let table = api.setting(role, "System", "Table Setup").await;
    let base = format!(
        "/system/securityRoles/{role}/settings/{}/customizeItems",
        table["id"]
    );
    let mut ids = Vec::new();
    for item in [
        "Company / Configuration",
        "Service / Priority",
        "Service / Service Board",
    ] {
        let r = api.post(&base, json!({"itemIdentifier": item})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["customizeIdentifier"], "SystemTableSetup");
        assert_eq!(r.body["itemIdentifier"], item);
        ids.push(r.body["id"].as_i64().unwrap());
    }
    let r = api.get(&base).await;
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    let r = api
        .post(&base, json!({"itemIdentifier": "Service / Priority"}))
        .await;
    assert_eq!(
        (r.status, code_of(&r.body)),
        (StatusCode::BAD_REQUEST, "ObjectExists")
    );
    let r = api
        .post(&base, json!({"itemIdentifier": "Service / Priorty"}))
        .await;
    assert_eq!(
        (r.status, field_of(&r.body)),
        (StatusCode::BAD_REQUEST, "itemIdentifier")
    );
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Service / Priority")
    );
    let r = api
        .post(
            &base,
            json!({"itemIdentifier": "Backup", "customizeIdentifier": "CompanyConfigurations"}),
        )
        .await;
    assert_eq!(
        (r.status, field_of(&r.body)),
        (StatusCode::BAD_REQUEST, "customizeIdentifier")
    );

    let tickets = api.setting(role, "Service Desk", "Service Tickets").await;
    let r = api
        .post(
            &format!(
                "/system/securityRoles/{role}/settings/{}/customizeItems",
                tickets["id"]
            ),
            json!({"itemIdentifier": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = api
        .call(Method::DELETE, &format!("{base}/{}", ids[1]), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = api
        .send(
            api.req(Method::GET, &base)
                .query(&[("conditions", "itemIdentifier like \"Service*\"")]),
        )
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    let state = api.sb.state();
    assert_eq!(
        state
            .customize_items("sandbox", role as i32, table["id"].as_i64().unwrap() as i32)
            .len(),
        2
    );

    api.call(
        Method::DELETE,
        &format!("/system/securityroles/{role}"),
        None,
    )
    .await;
    assert!(
        state
            .with_tenant("sandbox", |t| t.customize_items.is_empty())
            .unwrap()
    );
}

#[tokio::test]
async fn conditions_paging_and_links() {
    let api = Api::start().await;
    for i in 0..7 {
        api.create_role(&format!("Role {i}")).await;
    }
    // 9 roles in all; pageSize 4 -> 3 pages.
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
    let r = api
        .send(
            api.req(Method::GET, "/system/securityroles/count")
                .query(&[("conditions", "name like \"role%\"")]),
        )
        .await;
    assert_eq!(r.body["count"], 7);

    // orderBy and fields.
    let r = api
        .send(
            api.req(Method::GET, "/system/securityroles")
                .query(&[("orderBy", "name desc"), ("fields", "id,name")]),
        )
        .await;
    assert_eq!(r.body[0]["name"], "Technician");
    assert_eq!(r.body[0].as_object().unwrap().len(), 2);

    // Forward-only paging.
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
async fn api_members_lifecycle() {
    let api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let d = api.get("/system/apiMembers/default").await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.body["structureLevel"]["name"], "Corporate (Level 1)");
    assert_eq!(d.body["securityRole"], Value::Null);

    let m = api.create_api_member("umbrella-psa", role).await;
    assert_eq!(m["securityRole"]["name"], "Umbrella");
    assert_eq!(m["structureLevel"], d.body["structureLevel"]);
    assert_eq!(m["defaultLocation"]["name"], "Tampa Office");
    assert_eq!(m["timeZone"]["name"], "US Eastern");
    assert_eq!(m["inactiveFlag"], false);
    let id = m["id"].as_i64().unwrap();

    let r = api
        .post(
            "/system/apiMembers",
            json!({"identifier": "UMBRELLA-PSA", "securityRole": {"id": role}}),
        )
        .await;
    assert_eq!(
        (code_of(&r.body), field_of(&r.body)),
        ("ObjectExists", "identifier")
    );
    let r = api
        .post(
            "/system/apiMembers",
            json!({"identifier": "jsmith", "securityRole": {"id": role}}),
        )
        .await;
    assert_eq!(
        code_of(&r.body),
        "ObjectExists",
        "full members' identifiers are taken too"
    );
    let r = api
        .post(
            "/system/apiMembers",
            json!({"identifier": "x".repeat(16), "securityRole": {"id": role}}),
        )
        .await;
    assert_eq!(field_of(&r.body), "identifier");
    let r = api
        .post("/system/apiMembers", json!({"identifier": "nosec"}))
        .await;
    assert_eq!(
        (code_of(&r.body), field_of(&r.body)),
        ("MissingRequiredField", "securityRole")
    );
    let r = api.post("/system/apiMembers", json!({"identifier": "badloc", "securityRole": {"id": role}, "defaultLocation": {"id": 99}})).await;
    assert_eq!(
        (r.status, field_of(&r.body)),
        (StatusCode::BAD_REQUEST, "defaultLocation")
    );
    let r = api.post("/system/apiMembers", json!({"identifier": "byname", "securityRole": {"name": "umbrella"}, "defaultDepartment": {"identifier": "HelpDesk"}})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["defaultDepartment"]["name"], "Help Desk");

    // PATCH and PUT.
    let path = format!("/system/apiMembers/{id}");
    let r = api
        .patch(&path, json!([{"op": "replace", "path": "name", "value": "Umbrella Sync"}, {"op": "replace", "path": "timeZone", "value": {"id": 4}}]))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["name"].as_str(), r.body["timeZone"]["name"].as_str()),
        (Some("Umbrella Sync"), Some("US Pacific"))
    );
    let r = api
        .patch(
            &path,
            json!([{"op": "replace", "path": "securityRole/id", "value": 1}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .patch(
            &path,
            json!([{"op": "replace", "path": "inactiveFlag", "value": true}]),
        )
        .await;
    assert!(r.body["inactiveDate"].is_string());
    let r = api
        .call(Method::PUT, &path, Some(json!({"identifier": "umbrella-psa", "name": "Umbrella PSA", "securityRole": {"id": role}})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["inactiveFlag"], false);
    assert_eq!(r.body["inactiveDate"], Value::Null);
    let r = api
        .call(
            Method::PUT,
            &path,
            Some(json!({"identifier": "umbrella-psa", "securityRole": {"id": role}})),
        )
        .await;
    assert_eq!(field_of(&r.body), "name", "name is required on updates");

    // No DELETE; list shows inactive members; /system/members shows them as class A.
    assert_eq!(
        api.call(Method::DELETE, &path, None).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    api.patch(
        &path,
        json!([{"op": "replace", "path": "inactiveFlag", "value": true}]),
    )
    .await;
    let list = api.get("/system/apiMembers").await;
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    assert_eq!(api.get("/system/apiMembers/count").await.body["count"], 2);
    let r = api.get(&format!("/system/members/{id}")).await;
    assert_eq!(r.body["licenseClass"], "A");
    let r = api
        .send(
            api.req(Method::GET, "/system/members")
                .query(&[("conditions", "licenseClass=\"F\"")]),
        )
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 3);
    assert_eq!(
        api.get("/system/apiMembers/1").await.status,
        StatusCode::NOT_FOUND,
        "member 1 is a full member"
    );
    assert_eq!(api.sb.state().api_members("sandbox").len(), 2);
}

#[tokio::test]
async fn api_keys_authenticate_and_revoke() {
    let mut api = Api::start().await;
    let role = api.create_role("Umbrella").await;
    let m = api.create_api_member("umbrella-psa", role).await;
    let mid = m["id"].as_i64().unwrap();
    let base = format!("/system/members/{mid}/apiKeys");
    let r = api
        .post(&base, json!({"description": "Umbrella PSA Integration"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (kid, public, private) = (
        r.body["id"].as_i64().unwrap(),
        r.body["publicKey"].as_str().unwrap().to_string(),
        r.body["privateKey"].as_str().unwrap().to_string(),
    );
    assert_eq!(public.len(), 16);
    assert!(private.len() >= 16);
    let r = api.get(&format!("{base}/{kid}")).await;
    assert!(r.body.get("privateKey").is_none());
    let r = api
        .send(
            api.req(Method::GET, &base)
                .query(&[("conditions", format!("publicKey=\"{public}\""))]),
        )
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert!(r.body[0].get("privateKey").is_none());
    assert_eq!(
        api.post(&base, json!({})).await.body["errors"][0]["code"],
        "MissingRequiredField"
    );
    assert_eq!(
        field_of(
            &api.post(&base, json!({"description": "d".repeat(101)}))
                .await
                .body
        ),
        "description"
    );
    assert_eq!(
        api.get("/system/members/999/apiKeys").await.status,
        StatusCode::NOT_FOUND
    );

    // The new key authenticates as the member.
    let admin = (api.public.clone(), api.private.clone());
    (api.public, api.private) = (public.clone(), private.clone());
    assert_eq!(
        api.get("/system/securityroles").await.status,
        StatusCode::OK
    );
    // Inactive member: its keys stop working.
    api.sb.state().with_tenant("sandbox", |t| {
        t.members.get_mut(&(mid as i32)).unwrap().inactive_flag = true
    });
    assert_eq!(
        api.get("/system/securityroles").await.status,
        StatusCode::UNAUTHORIZED
    );
    api.sb.state().with_tenant("sandbox", |t| {
        t.members.get_mut(&(mid as i32)).unwrap().inactive_flag = false
    });
    assert_eq!(
        api.get("/system/securityroles").await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.sb
            .state()
            .check_credentials(&api.sb.url(), "sandbox", &public, &private),
        CredentialCheck::Ok
    );

    // Revoke with the admin keys.
    (api.public, api.private) = admin;
    assert_eq!(
        api.call(Method::DELETE, &format!("{base}/{kid}"), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("{base}/{kid}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.sb
            .state()
            .check_credentials(&api.sb.url(), "sandbox", &public, &private),
        CredentialCheck::Unauthorized
    );
    (api.public, api.private) = (public, private);
    assert_eq!(
        api.get("/system/securityroles").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn credential_checks() {
    let api = Api::start().await;
    let s = api.sb.state();
    let port = api.sb.addr().port();
    assert_eq!(
        s.check_credentials(
            &api.sb.url(),
            "sandbox",
            "sandbox-public-key",
            "sandbox-private-key"
        ),
        CredentialCheck::Ok
    );
    assert_eq!(
        s.check_credentials(
            &format!("https://api-localhost:{port}/"),
            "Sandbox",
            "sandbox-public-key",
            "sandbox-private-key"
        ),
        CredentialCheck::Ok
    );
    assert_eq!(
        s.check_credentials(&api.sb.url(), "sandbox", "sandbox-public-key", "nope"),
        CredentialCheck::Unauthorized
    );
    assert_eq!(
        s.check_credentials(
            &api.sb.url(),
            "other",
            "sandbox-public-key",
            "sandbox-private-key"
        ),
        CredentialCheck::Unauthorized
    );
    assert_eq!(
        s.check_credentials(
            "https://na.myconnectwise.net",
            "sandbox",
            "sandbox-public-key",
            "sandbox-private-key"
        ),
        CredentialCheck::Unreachable
    );
}

#[tokio::test]
async fn tokens_authenticate_until_expiry() {
    let mut api = Api::start().await;
    let r = api
        .send(
            api.req(Method::POST, "/system/members/jsmith/tokens")
                .header("x-cw-usertype", "member"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let exp = time::OffsetDateTime::parse(
        r.body["expiration"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let left = exp - time::OffsetDateTime::now_utc();
    assert!(
        left > time::Duration::minutes(59) && left <= time::Duration::hours(1),
        "{left}"
    );
    assert_eq!(
        api.send(api.req(Method::POST, "/system/members/nobody/tokens"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.get("/system/members/jsmith/tokens").await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );

    (api.public, api.private) = (
        r.body["publicKey"].as_str().unwrap().to_string(),
        r.body["privateKey"].as_str().unwrap().to_string(),
    );
    assert_eq!(api.get("/system/info").await.status, StatusCode::OK);
    api.sb.state().with_tenant("sandbox", |t| {
        for tok in &mut t.tokens {
            tok.expiration = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
        }
    });
    assert_eq!(
        api.get("/system/info").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn rate_limit() {
    let api = Api::with(SandboxConfig {
        rate_limit_per_minute: Some(3),
        ..SandboxConfig::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(api.get("/system/info").await.status, StatusCode::OK);
    }
    let r = api.get("/system/info").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let secs: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs));
    assert_eq!(r.body["error"], "ConnectWiseAPI");
    assert_eq!(
        r.body["message"],
        format!("Too many requests. Please try again in {secs} seconds.")
    );
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
