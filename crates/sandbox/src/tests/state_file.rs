//! State files: what clients created comes back after a restart, ids continue, the file is
//! written atomically after changes, and a file that cannot be used is a clear error.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::*;

/// A directory of its own under the system's temporary directory, removed afterwards.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "connectwise-sandbox-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The directory's entries, by name.
    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn from_file(file: &Path) -> SandboxConfig {
    SandboxConfig {
        initial_state: Some(file.to_path_buf()),
        ..SandboxConfig::default()
    }
}

/// An Umbrella bearer token of the default console.
async fn umbrella_token(api: &Api) -> String {
    let r = api
        .http
        .post(format!("{}/auth/v2/token", api.sb.url()))
        .basic_auth("umbrella-sandbox-key", Some("umbrella-sandbox-secret"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_string()
}

/// `method` on an Umbrella path with a bearer token: (status, JSON body or null).
async fn umbrella(api: &Api, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let token = umbrella_token(api).await;
    let mut request = api
        .http
        .request(method, format!("{}{path}", api.sb.url()))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// What `objects` made, as the API shows it.
struct Made {
    role: i64,
    setting: i64,
    item: i64,
    member: i64,
    key: i64,
    key_pair: (String, String),
}

/// One object of every kind a state file keeps, made over the API.
async fn objects(api: &Api) -> Made {
    let role = api.create_role("Umbrella").await;
    let setting = api.setting(role, "System", "Table Setup").await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/system/securityRoles/{role}/settings/{setting}");
    let r = api
        .patch(
            &path,
            json!([{"op": "replace", "path": "inquireLevel", "value": "All"}]),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api
        .post(
            &format!("{path}/customizeItems"),
            json!({"itemIdentifier": "Service / Priority"}),
        )
        .await;
    let item = r.body["id"].as_i64().unwrap();
    let member = api.create_api_member("umbrella-psa", role).await["id"]
        .as_i64()
        .unwrap();
    let r = api
        .post(
            &format!("/system/members/{member}/apiKeys"),
            json!({"description": "Umbrella"}),
        )
        .await;
    let key = r.body["id"].as_i64().unwrap();
    let key_pair = (
        r.body["publicKey"].as_str().unwrap().to_string(),
        r.body["privateKey"].as_str().unwrap().to_string(),
    );
    let psa = json!({"psaType": "connectwise", "enabled": true, "siteUrl": api.sb.url(),
        "companyId": "sandbox", "publicKey": key_pair.0, "privateKey": key_pair.1});
    assert_eq!(
        umbrella(api, Method::PUT, "/admin/v2/config/psa", Some(psa))
            .await
            .0,
        200
    );
    let mapping = json!({"psaCompanyId": "AcmeDental"});
    let path = "/admin/v2/config/psa/mappings/2000001";
    assert_eq!(umbrella(api, Method::PUT, path, Some(mapping)).await.0, 200);
    Made {
        role,
        setting,
        item,
        member,
        key,
        key_pair,
    }
}

/// The ConnectWise reads that must answer the same before and after a restart.
fn reads(made: &Made) -> Vec<String> {
    let (role, setting, member, key) = (made.role, made.setting, made.member, made.key);
    vec![
        "/system/securityroles".into(),
        format!("/system/securityRoles/{role}/settings?pageSize=1000"),
        format!("/system/securityRoles/{role}/settings/{setting}/customizeItems"),
        "/system/apiMembers".into(),
        "/system/members?pageSize=1000".into(),
        format!("/system/members/{member}/apiKeys/{key}"),
    ]
}

#[tokio::test]
async fn saved_state_reads_back_the_same_and_ids_continue() {
    let scratch = Scratch::new("round-trip");
    let file = scratch.file("state.json");
    let before = Api::start().await;
    let made = objects(&before).await;
    before.sb.save_state(&file).unwrap();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(saved["format"], 1);
    let key = &saved["tenants"][0]["apiKeys"][0];
    assert!(
        key["privateKeyHash"].is_u64() && key.get("privateKey").is_none(),
        "{key}"
    );
    // Umbrella holds the PSA credentials in clear, and so does the file.
    let psa = &saved["umbrellaConsoles"][0]["psa"];
    assert_eq!(psa["privateKey"].as_str(), Some(made.key_pair.1.as_str()));

    let mut after = Api::with(from_file(&file)).await;
    for path in reads(&made) {
        let (old, new) = (before.get(&path).await, after.get(&path).await);
        assert_eq!(new.status, StatusCode::OK, "{path}: {}", new.body);
        assert_eq!(old.body, new.body, "{path}");
    }
    let console = |api: &Api| {
        api.sb
            .umbrella()
            .with_console("umbrella-sandbox-key", |c| c.clone())
    };
    assert_eq!(console(&before), console(&after), "PSA settings, mappings");
    let (status, mappings) =
        umbrella(&after, Method::GET, "/admin/v2/config/psa/mappings", None).await;
    assert_eq!(
        (status, mappings),
        (
            200,
            json!([{"customerId": 2000001, "psaCompanyId": "AcmeDental"}])
        )
    );

    // Ids continue from the counters; the kept API key still authenticates.
    assert_eq!(after.create_role("Next").await, made.role + 1);
    let r = after
        .post(
            &format!("/system/members/{}/apiKeys", made.member),
            json!({"description": "second"}),
        )
        .await;
    assert_eq!(r.body["id"].as_i64(), Some(made.key + 1));
    let item_path = format!(
        "/system/securityRoles/{}/settings/{}/customizeItems",
        made.role, made.setting
    );
    let r = after
        .post(
            &item_path,
            json!({"itemIdentifier": "Service / Service Board"}),
        )
        .await;
    assert_eq!(r.body["id"].as_i64(), Some(made.item + 1));
    (after.public, after.private) = made.key_pair.clone();
    assert_eq!(after.get("/system/info").await.status, StatusCode::OK);
}

#[tokio::test]
async fn state_file_keeps_objects_across_restarts() {
    let scratch = Scratch::new("restart");
    let file = scratch.file("sandbox-state.json");
    let config = SandboxConfig {
        state_file: Some(file.clone()),
        ..SandboxConfig::default()
    };
    let api = Api::with(config.clone()).await;
    assert!(file.exists(), "written at start");
    let role = api.create_role("Kept").await;
    // Saved shortly after the change, without stopping.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&file).unwrap().contains("\"Kept\"") {
        assert!(Instant::now() < deadline, "no autosave");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let later = api.create_role("Made last").await;
    api.sb.stop().await.unwrap();
    assert_eq!(
        scratch.entries(),
        ["sandbox-state.json"],
        "no temporary files left"
    );

    let api = Api::with(config).await;
    for (id, name) in [(role, "Kept"), (later, "Made last")] {
        let r = api.get(&format!("/system/securityroles/{id}")).await;
        assert_eq!(r.body["name"], name, "{}", r.body);
    }
}

#[tokio::test]
async fn an_unusable_state_file_is_a_clear_error() {
    let scratch = Scratch::new("corrupt");
    let file = scratch.file("state.json");
    let cases = [
        ("{\"format\": 1, \"tenants\": [", "EOF while parsing"),
        ("{\"tenants\": []}", "no \"format\" field"),
        ("{\"format\": 2}", "format 2 is not one this sandbox reads"),
        (
            "{\"format\": 1, \"tenants\": [{\"companyId\": \"other\"}]}",
            "tenant \"other\", which this sandbox does not serve",
        ),
        (
            "{\"format\": 1, \"tenants\": [{\"companyId\": \"sandbox\", \"settings\": [{\"id\": 1, \"roleId\": 1}, {\"id\": 2, \"roleId\": 2}, {\"id\": 3, \"roleId\": 1}]}]}",
            "settings rows of role 1 are not numbered one after the other",
        ),
    ];
    for (text, problem) in cases {
        std::fs::write(&file, text).unwrap();
        for config in [
            from_file(&file),
            SandboxConfig {
                state_file: Some(file.clone()),
                ..SandboxConfig::default()
            },
        ] {
            let Err(e) = Sandbox::start(config).await else {
                panic!("{text} was accepted");
            };
            let message = e.to_string();
            assert!(
                message.starts_with(&format!("state file {}: ", file.display())),
                "{message}"
            );
            assert!(message.contains(problem), "{message}");
            assert!(e.get_ref().is_some_and(|i| i.is::<StateFileError>()));
            assert_eq!(std::fs::read_to_string(&file).unwrap(), text, "left alone");
        }
    }
}

/// Files of other versions load: missing fields take defaults (a missing list keeps the seed's
/// records), unknown ones are ignored, and id counters never fall behind the ids in the file.
#[tokio::test]
async fn missing_and_unknown_fields_are_tolerated() {
    let scratch = Scratch::new("defaults");
    let file = scratch.file("state.json");
    let text = json!({
        "format": 1,
        "writtenBy": "a later sandbox",
        "tenants": [{"companyId": "SANDBOX", "roles": [{"id": 7, "name": "Old", "colour": "red"}]}],
        "umbrellaConsoles": [{"apiKey": "umbrella-sandbox-key",
            "mappings": [{"customerId": 2000001, "psaCompanyId": "X"}]}],
    });
    std::fs::write(&file, text.to_string()).unwrap();
    let api = Api::with(from_file(&file)).await;
    let r = api.get("/system/securityroles").await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1), "{}", r.body);
    assert_eq!(r.body[0]["name"], "Old");
    assert_eq!(r.body[0]["adminFlag"], false);
    assert_eq!(api.create_role("New").await, 8);
    let members = api.get("/system/members").await;
    assert_eq!(
        members.body.as_array().map(Vec::len),
        Some(3),
        "the seeded members"
    );
    let console = api.sb.umbrella().with_console("umbrella-sandbox-key", |c| {
        (c.psa.clone(), c.mappings.len(), c.console.customers.len())
    });
    assert_eq!(
        console,
        Some((None, 1, 3)),
        "the configured customers are kept"
    );
}
