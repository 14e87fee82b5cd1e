//! The ConnectWise client against the in-process sandbox (every call), plus a few tiny fake
//! servers for the failure paths the sandbox does not produce (missing extension endpoints,
//! 503 retries, HTML answers, multi-page lists).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use api_client::{
    ApiMember, Conditions, ConnectWise, ConnectWiseConfig, Error, Level, LevelField,
    NewSecurityRole, PatchOp, Reference, Secret,
};
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use connectwise_sandbox::{Sandbox, SandboxConfig};
use serde_json::json;

const CLIENT_ID: &str = "2f8a6a3e-0c4b-4d6e-9c1f-0a1b2c3d4e5f";

fn config(url: &str) -> ConnectWiseConfig {
    let mut config = ConnectWiseConfig::new(
        url,
        "sandbox",
        "sandbox-public-key",
        Secret::new("sandbox-private-key"),
        CLIENT_ID,
    );
    config.request_timeout = Duration::from_secs(10);
    config.max_retries = 3;
    config
}

async fn sandbox() -> (Sandbox, ConnectWise) {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let client = ConnectWise::new(config(&sandbox.url())).expect("client builds");
    (sandbox, client)
}

#[tokio::test]
async fn company_info_and_codebase_discovery() {
    let (sandbox, cw) = sandbox().await;
    let info = cw.company_info().await.unwrap();
    assert_eq!(info.codebase, "v2025_1/");
    assert_eq!(info.is_cloud, Some(true));
    assert_eq!(cw.codebase().await.unwrap(), "v2025_1/");

    let mut unknown = config(&sandbox.url());
    unknown.company_id = "nosuchcompany".into();
    let cw = ConnectWise::new(unknown).unwrap();
    let err = cw
        .security_roles()
        .list(&Conditions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert!(err.to_string().contains("unknown company"), "{err}");
}

#[tokio::test]
async fn configured_codebase_skips_discovery() {
    let (sandbox, _) = sandbox().await;
    let mut cfg = config(&sandbox.url());
    cfg.codebase = Some("v4_6_release/".into());
    let cw = ConnectWise::new(cfg).unwrap();
    cw.security_roles().list(&Conditions::new()).await.unwrap();
    assert!(
        sandbox
            .requests()
            .iter()
            .all(|r| !r.path.contains("companyinfo")),
        "companyinfo was called"
    );
}

#[tokio::test]
async fn wrong_private_key_is_unauthorized() {
    let (_sandbox, cw) = sandbox().await;
    let bad = cw
        .with_keys("sandbox-public-key", Secret::new("wrong"))
        .unwrap();
    let err = bad
        .security_roles()
        .list(&Conditions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(!err.to_string().contains("wrong"), "{err}");
}

#[tokio::test]
async fn security_role_lifecycle() {
    let (_sandbox, cw) = sandbox().await;
    let roles = cw.security_roles();
    let created = roles
        .create(&NewSecurityRole {
            name: "Umbrella \"PSA\"".into(),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap();
    assert_eq!(created.name, "Umbrella \"PSA\"");

    let listed = roles
        .list(&Conditions::eq("name", "Umbrella \"PSA\""))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].id, created.id);

    let found = roles
        .find_by_name("Umbrella \"PSA\"")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, created.id);
    assert!(roles.find_by_name("No such role").await.unwrap().is_none());
    assert_eq!(roles.get(created.id).await.unwrap().name, created.name);

    let dup = roles
        .create(&NewSecurityRole {
            name: "Umbrella \"PSA\"".into(),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap_err();
    assert_eq!(dup.status(), Some(400), "{dup:?}");

    roles.delete(created.id).await.unwrap();
    let gone = roles.get(created.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    assert!(roles.delete(created.id).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn role_settings_levels_and_customize_items() {
    let (sandbox, cw) = sandbox().await;
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "Umbrella".into(),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap();
    let settings = cw.role_settings();

    sandbox.clear_requests();
    let all = settings.list(role.id).await.unwrap();
    let list_calls: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/settings"))
        .collect();
    assert_eq!(list_calls.len(), 1, "one request for all settings");
    assert!(
        list_calls[0]
            .query
            .as_deref()
            .unwrap_or("")
            .contains("pageSize=1000")
    );
    assert!(!all.is_empty());
    assert!(
        all.iter().all(|s| LevelField::ALL
            .iter()
            .all(|f| s.level(*f) == Some(Level::None))),
        "a new role has every level None"
    );

    let table_setup = all
        .iter()
        .find(|s| {
            s.module_name.as_deref() == Some("System")
                && s.module_function_name.as_deref() == Some("Table Setup")
        })
        .expect("System > Table Setup exists");
    let updated = settings
        .update_levels(
            role.id,
            table_setup.id,
            &[
                (LevelField::Add, Level::All),
                (LevelField::Edit, Level::All),
                (LevelField::Inquire, Level::All),
            ],
        )
        .await
        .unwrap();
    assert_eq!(updated.add_level, Some(Level::All));
    assert_eq!(updated.edit_level, Some(Level::All));
    assert_eq!(updated.delete_level, Some(Level::None));
    assert_eq!(updated.inquire_level, Some(Level::All));
    let read = settings.get(role.id, table_setup.id).await.unwrap();
    assert_eq!(read.inquire_level, Some(Level::All));

    assert!(
        settings
            .list_customize_items(role.id, table_setup.id)
            .await
            .unwrap()
            .is_empty()
    );
    let item = settings
        .add_customize_item(role.id, table_setup.id, "Service / Priority")
        .await
        .unwrap();
    assert_eq!(item.item_identifier, "Service / Priority");
    let items = settings
        .list_customize_items(role.id, table_setup.id)
        .await
        .unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].id, item.id);

    let bad = settings
        .add_customize_item(role.id, table_setup.id, "No / Such Table")
        .await
        .unwrap_err();
    assert_eq!(bad.status(), Some(400), "{bad:?}");
    assert!(!bad.field_errors().is_empty(), "{bad:?}");

    settings
        .delete_customize_item(role.id, table_setup.id, item.id)
        .await
        .unwrap();
    assert!(
        settings
            .list_customize_items(role.id, table_setup.id)
            .await
            .unwrap()
            .is_empty()
    );
    let gone = settings
        .delete_customize_item(role.id, table_setup.id, item.id)
        .await
        .unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    assert!(settings.list(987_654).await.unwrap_err().is_not_found());
}

async fn create_api_member(cw: &ConnectWise, identifier: &str) -> ApiMember {
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: format!("Role {identifier}"),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap();
    let mut member = cw.api_members().default().await.unwrap();
    member.identifier = identifier.into();
    member.name = Some(format!("{identifier} member"));
    member.security_role = Some(Reference::id(role.id));
    cw.api_members().create(&member).await.unwrap()
}

#[tokio::test]
async fn api_member_lifecycle() {
    let (_sandbox, cw) = sandbox().await;
    let template = cw.api_members().default().await.unwrap();
    assert!(template.structure_level.is_some(), "{template:?}");

    let created = create_api_member(&cw, "umbrella-psa").await;
    let id = created.id.expect("created member has an id");
    assert_eq!(created.identifier, "umbrella-psa");
    assert_eq!(created.inactive_flag, Some(false));

    let found = cw
        .api_members()
        .find_by_identifier("umbrella-psa")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, Some(id));
    assert!(
        cw.api_members()
            .find_by_identifier("nobody")
            .await
            .unwrap()
            .is_none()
    );
    let listed = cw
        .api_members()
        .list(&Conditions::eq("identifier", "umbrella-psa"))
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    let patched = cw
        .api_members()
        .patch(
            id,
            vec![
                PatchOp::replace("name", json!("Umbrella Integration")),
                PatchOp::replace_with(
                    "timeZone",
                    &Reference::id(template.time_zone.and_then(|t| t.id).unwrap_or(1)),
                )
                .unwrap(),
            ],
        )
        .await
        .unwrap();
    assert_eq!(patched.name.as_deref(), Some("Umbrella Integration"));
    assert_eq!(cw.api_members().get(id).await.unwrap().name, patched.name);

    let member = cw
        .members()
        .find_by_identifier("umbrella-psa")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.id, id);
    assert_eq!(member.license_class.as_deref(), Some("A"));
    assert_eq!(
        cw.members().get(id).await.unwrap().identifier,
        "umbrella-psa"
    );
    assert!(
        !cw.members()
            .list(&Conditions::new())
            .await
            .unwrap()
            .is_empty()
    );

    let deactivated = cw.api_members().deactivate(id).await.unwrap();
    assert_eq!(deactivated.inactive_flag, Some(true));
    assert!(
        cw.api_members()
            .get(999_999)
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn api_key_lifecycle_authenticates_until_deleted() {
    let (_sandbox, cw) = sandbox().await;
    let member = create_api_member(&cw, "umbrella-keys").await;
    let member_id = member.id.unwrap();

    let key = cw
        .api_keys()
        .create(member_id, "Umbrella PSA Integration")
        .await
        .unwrap();
    let private_key = key.private_key.clone().expect("private key on create");
    assert!(!format!("{key:?}").contains(private_key.expose()));

    let listed = cw
        .api_keys()
        .list(member_id, &Conditions::new())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].private_key.is_none());
    let read = cw.api_keys().get(member_id, key.id).await.unwrap();
    assert_eq!(read.public_key, key.public_key);
    assert_eq!(
        read.description.as_deref(),
        Some("Umbrella PSA Integration")
    );
    assert!(read.private_key.is_none());

    let as_member = cw.with_keys(key.public_key.clone(), private_key).unwrap();
    as_member
        .security_roles()
        .list(&Conditions::new())
        .await
        .unwrap();

    cw.api_keys().delete(member_id, key.id).await.unwrap();
    let err = as_member
        .security_roles()
        .list(&Conditions::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");

    let gone = cw.api_keys().get(member_id, key.id).await.unwrap_err();
    assert!(
        gone.is_not_found(),
        "a deleted key is NotFound, not NotSupported: {gone:?}"
    );
}

#[tokio::test]
async fn member_token_authenticates() {
    let (_sandbox, cw) = sandbox().await;
    create_api_member(&cw, "umbrella-tok").await;
    let token = cw.members().create_token("umbrella-tok").await.unwrap();
    assert!(!token.public_key.is_empty());
    assert!(token.expiration.is_some());
    let as_member = cw.with_keys(token.public_key, token.private_key).unwrap();
    as_member
        .security_roles()
        .list(&Conditions::new())
        .await
        .unwrap();
    let err = cw.members().create_token("nobody-here").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn lookups() {
    let (_sandbox, cw) = sandbox().await;
    let lookups = cw.lookups();

    let locations = lookups.locations(&Conditions::new()).await.unwrap();
    let first = locations.first().expect("seeded locations");
    assert_eq!(lookups.location(first.id).await.unwrap().name, first.name);
    assert_eq!(
        lookups
            .find_location(&first.name)
            .await
            .unwrap()
            .map(|l| l.id),
        Some(first.id)
    );
    assert!(lookups.find_location("Atlantis").await.unwrap().is_none());

    let departments = lookups.departments(&Conditions::new()).await.unwrap();
    let dep = departments.first().expect("seeded departments");
    assert_eq!(lookups.department(dep.id).await.unwrap().id, dep.id);
    assert_eq!(
        lookups
            .find_department(&dep.name)
            .await
            .unwrap()
            .map(|d| d.id),
        Some(dep.id)
    );
    if let Some(identifier) = &dep.identifier {
        assert_eq!(
            lookups
                .find_department(identifier)
                .await
                .unwrap()
                .map(|d| d.id),
            Some(dep.id)
        );
    }

    let zones = lookups.time_zones().await.unwrap();
    let zone = zones.first().expect("seeded time zones");
    assert_eq!(lookups.time_zone(zone.id).await.unwrap().name, zone.name);
    assert_eq!(
        lookups
            .find_time_zone(&zone.name)
            .await
            .unwrap()
            .map(|z| z.id),
        Some(zone.id)
    );

    let levels = lookups.structure_levels().await.unwrap();
    let level = levels.first().expect("seeded structure levels");
    assert_eq!(
        lookups.structure_level(level.id).await.unwrap().id,
        level.id
    );
    assert_eq!(
        lookups
            .find_structure_level(&level.name)
            .await
            .unwrap()
            .map(|l| l.id),
        Some(level.id)
    );
    assert!(lookups.location(424_242).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn rate_limit_without_retries_reports_retry_after() {
    let sandbox = Sandbox::start(SandboxConfig {
        rate_limit_per_minute: Some(2),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let mut cfg = config(&sandbox.url());
    cfg.max_retries = 0;
    let cw = ConnectWise::new(cfg).unwrap();
    let mut last = None;
    for _ in 0..4 {
        if let Err(e) = cw.security_roles().list(&Conditions::new()).await {
            last = Some(e);
            break;
        }
    }
    match last {
        Some(Error::RateLimited { retry_after, call }) => {
            assert!(retry_after.is_some());
            assert_eq!(call, "GET /system/securityroles");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// A tiny fake server for failures the sandbox does not produce.

#[derive(Default)]
struct Fake {
    role_list_calls: AtomicUsize,
    role_post_calls: AtomicUsize,
    headers: std::sync::Mutex<Option<HeaderMap>>,
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

async fn fake() -> (String, Arc<Fake>) {
    let state = Arc::new(Fake::default());
    let base = "/v2025_1/apis/3.0";
    let app = Router::new()
        .route(
            "/login/companyinfo/{company}",
            get(|| async { axum::Json(json!({"Codebase": "v2025_1/", "IsCloud": "True"})) }),
        )
        .route(
            &format!("{base}/system/securityroles"),
            get(|State(s): State<Arc<Fake>>, headers: HeaderMap| async move {
                *s.headers.lock().unwrap() = Some(headers);
                if s.role_list_calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response()
                } else {
                    json_response(StatusCode::OK, json!([{"id": 1, "name": "Admin"}]))
                }
            })
            .post(|State(s): State<Arc<Fake>>| async move {
                s.role_post_calls.fetch_add(1, Ordering::SeqCst);
                (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response()
            }),
        )
        .route(
            &format!("{base}/system/securityRoles/{{role}}/settings/{{setting}}"),
            patch(|| async {
                json_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    json!({"code": "MethodNotAllowed", "message": "The requested resource does not support http method 'PATCH'."}),
                )
            }),
        )
        .route(
            &format!("{base}/system/members/{{member}}/apiKeys/{{id}}"),
            get(|axum::extract::Path((member, _id)): axum::extract::Path<(i32, i32)>| async move {
                if member == 5 {
                    let mut r = (StatusCode::NOT_FOUND, "<html><body>404 - File or directory not found.</body></html>").into_response();
                    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                    r
                } else {
                    json_response(StatusCode::NOT_FOUND, json!({"code": "NotFound", "message": "apiKey with id 9 was not found."}))
                }
            }),
        )
        .route(
            &format!("{base}/system/members"),
            get(|| async {
                let mut r = (StatusCode::OK, "<!DOCTYPE html><html><title>Sign in</title></html>").into_response();
                r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
                r
            }),
        )
        .route(
            &format!("{base}/system/departments"),
            get(|Query(q): Query<HashMap<String, String>>| async move {
                let page: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
                let size: usize = q.get("pageSize").and_then(|p| p.parse().ok()).unwrap_or(25);
                let total = 1003;
                let start = (page - 1) * size;
                let items: Vec<_> = (start..total.min(start + size))
                    .map(|i| json!({"id": i + 1, "name": format!("Dept {}", i + 1)}))
                    .collect();
                let mut r = json_response(StatusCode::OK, json!(items));
                if start + size < total {
                    let link = format!(
                        "<http://elsewhere.invalid/v2025_1/apis/3.0/system/departments?pageSize={size}&page={}>; rel=\"next\", <http://elsewhere.invalid/x?page=99>; rel=\"last\"",
                        page + 1
                    );
                    if let Ok(v) = HeaderValue::from_str(&link) {
                        r.headers_mut().insert(header::LINK, v);
                    }
                }
                r
            }),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), state)
}

#[tokio::test]
async fn get_is_retried_on_503_and_sends_the_documented_headers() {
    let (url, state) = fake().await;
    let cw = ConnectWise::new(config(&url)).unwrap();
    let roles = cw.security_roles().list(&Conditions::new()).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(state.role_list_calls.load(Ordering::SeqCst), 3);

    let headers = state.headers.lock().unwrap().clone().unwrap();
    // base64("sandbox+sandbox-public-key:sandbox-private-key")
    assert_eq!(
        headers.get("authorization").unwrap(),
        "Basic c2FuZGJveCtzYW5kYm94LXB1YmxpYy1rZXk6c2FuZGJveC1wcml2YXRlLWtleQ=="
    );
    assert_eq!(headers.get("clientid").unwrap(), CLIENT_ID);
    assert_eq!(
        headers.get("accept").unwrap(),
        "application/vnd.connectwise.com+json; version=2025.1"
    );
}

#[tokio::test]
async fn post_is_retried_on_503_only_after_looking_the_object_up() {
    let (url, state) = fake().await;
    let cw = ConnectWise::new(config(&url)).unwrap();
    let err = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "X".into(),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("busy"), "{text}");
    assert!(
        text.starts_with("POST /system/securityroles: gave up after 4 attempts"),
        "{text}"
    );
    // 1 + max_retries POSTs, each retry after a lookup by name found nothing.
    assert_eq!(state.role_post_calls.load(Ordering::SeqCst), 4);
    assert!(state.role_list_calls.load(Ordering::SeqCst) >= 3);
}

#[tokio::test]
async fn missing_extension_endpoints_name_the_manual_step() {
    let (url, _state) = fake().await;
    let cw = ConnectWise::new(config(&url)).unwrap();

    let err = cw
        .role_settings()
        .update_levels(1, 2, &[(LevelField::Inquire, Level::All)])
        .await
        .unwrap_err();
    match &err {
        Error::NotSupported { call, manual_step } => {
            assert_eq!(call, "PATCH /system/securityRoles/1/settings/2");
            assert!(
                manual_step.contains("System > Security Roles"),
                "{manual_step}"
            );
        }
        other => panic!("expected NotSupported, got {other:?}"),
    }
    assert!(
        err.to_string()
            .contains("not in the published API specification")
    );

    let err = cw.api_keys().get(5, 9).await.unwrap_err();
    assert!(
        matches!(err, Error::NotSupported { .. }),
        "HTML 404: {err:?}"
    );
    let err = cw.api_keys().get(6, 9).await.unwrap_err();
    assert!(err.is_not_found(), "record 404: {err:?}");
}

#[tokio::test]
async fn html_answer_is_a_decode_error() {
    let (url, _state) = fake().await;
    let cw = ConnectWise::new(config(&url)).unwrap();
    let err = cw.members().list(&Conditions::new()).await.unwrap_err();
    match &err {
        Error::Decode { call, message } => {
            assert_eq!(call, "GET /system/members");
            assert!(message.contains("HTML page"), "{message}");
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn list_follows_next_links_on_our_own_host() {
    let (url, _state) = fake().await;
    let cw = ConnectWise::new(config(&url)).unwrap();
    let departments = cw.lookups().departments(&Conditions::new()).await.unwrap();
    assert_eq!(departments.len(), 1003);
    assert_eq!(departments.last().map(|d| d.id), Some(1003));
}
