//! Company info, Basic auth and clientId, member tokens, PSA credential checks, the rate limit.

use reqwest::{Method, StatusCode};

use super::*;

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
    // A string, as ConnectWise documents it ("IsCloud":"True"), not a JSON boolean.
    assert_eq!(r.body["IsCloud"], "True");
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

/// A clientId that is not a GUID is refused like a missing one (401), without echoing it; the
/// forms .NET reads as a GUID pass.
#[tokio::test]
async fn client_id_must_be_a_guid() {
    let api = Api::start().await;
    let call = |client_id: &'static str| {
        api.send(
            api.http
                .get(api.url("/system/securityroles"))
                .header("clientId", client_id)
                .header(
                    "Authorization",
                    basic("sandbox", "sandbox-public-key", "sandbox-private-key"),
                ),
        )
    };
    for bad in [
        "my-integration",
        "3fa85f64-5717-4562-b3fc-2c963f66afa",
        "3fa85f64-5717-4562-b3fc-2c963f66afa6-1",
        "3fa85f6457174562b3fc2c963f66afag",
        "{3fa85f64-5717-4562-b3fc-2c963f66afa6",
    ] {
        let r = call(bad).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(r.body["code"], "Unauthorized", "{bad}");
        let message = r.body["message"].as_str().unwrap();
        assert!(message.contains("not a valid GUID"), "{bad}: {message}");
        assert!(!message.contains(bad), "the clientId is echoed: {message}");
        assert!(r.body.get("errors").is_some_and(Value::is_null));
    }
    for good in [
        "3FA85F64-5717-4562-B3FC-2C963F66AFA6",
        "3fa85f6457174562b3fc2c963f66afa6",
        "{3fa85f64-5717-4562-b3fc-2c963f66afa6}",
        "(3fa85f64-5717-4562-b3fc-2c963f66afa6)",
    ] {
        assert_eq!(call(good).await.status, StatusCode::OK, "{good}");
    }
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
