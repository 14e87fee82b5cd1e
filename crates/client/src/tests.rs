//! Tests of the crate as a whole, across both clients.

use base64::Engine as _;

use crate::connectwise::http::basic_auth_value;
use crate::umbrella::{PsaSettingsInput, Umbrella, UmbrellaConfig};
use crate::{ApiKey, ConnectWise, ConnectWiseConfig, Error, Secret, Token};

const PRIVATE: &str = "PRIVATE-KEY-1f3c";
const OTHER_PRIVATE: &str = "OTHER-PRIVATE-9a7e";
const API_SECRET: &str = "UMBRELLA-SECRET-77b2";
const TOKEN_PRIVATE: &str = "TOKEN-PRIVATE-c0de";
const ACCESS_TOKEN: &str = "ACCESS-TOKEN-5e5e";

/// `Debug` of every ConnectWise type that holds a key or a token (the configuration first).
fn connectwise_dumps() -> Vec<String> {
    let config = ConnectWiseConfig::new(
        "api-na.myconnectwise.net",
        "acme",
        "pub",
        Secret::new(PRIVATE),
        "0f5b1c8e-4a0e-4c53-9b7e-9d2f3c1a7e11",
    );
    let client = ConnectWise::new(config.clone()).unwrap();
    let other = client
        .with_keys("pub2", Secret::new(OTHER_PRIVATE))
        .unwrap();
    let key: ApiKey = serde_json::from_str(&format!(
        r#"{{"id":1,"description":"d","publicKey":"pk","privateKey":"{OTHER_PRIVATE}"}}"#
    ))
    .unwrap();
    let token: Token = serde_json::from_str(&format!(
        r#"{{"publicKey":"tp","privateKey":"{TOKEN_PRIVATE}"}}"#
    ))
    .unwrap();
    let auth = basic_auth_value("acme", "pub", &Secret::new(PRIVATE)).unwrap();
    let unauthorized = Error::Unauthorized {
        message: "UserNotAuthenticated".into(),
    };
    vec![
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{client:?}"),
        format!("{other:?}"),
        format!("{:?}", other.config()),
        format!("{key:?}"),
        format!("{token:?}"),
        format!("{auth:?}"),
        format!("{unauthorized:?} {unauthorized}"),
    ]
}

/// `Debug` of every Umbrella type that holds a secret or a token.
fn umbrella_dumps() -> Vec<String> {
    let psa = PsaSettingsInput {
        enabled: true,
        site_url: "https://api-na.myconnectwise.net".into(),
        company_id: "acme".into(),
        public_key: "pub".into(),
        private_key: Secret::new(PRIVATE),
    };
    let config = UmbrellaConfig::new("key-id", Secret::new(API_SECRET));
    let umbrella = Umbrella::new(config.clone()).unwrap();
    let answer: crate::umbrella::auth::TokenAnswer =
        serde_json::from_str(&format!(r#"{{"access_token":"{ACCESS_TOKEN}"}}"#)).unwrap();
    vec![
        format!("{psa:?}"),
        format!("{config:?}"),
        format!("{umbrella:?}"),
        format!("{answer:?}"),
    ]
}

/// `Debug` of the emulator's configuration, which the tests fill with the same secrets.
fn sandbox_dumps() -> Vec<String> {
    let tenant = connectwise_sandbox::TenantConfig {
        private_key: PRIVATE.into(),
        umbrella_api_secret: API_SECRET.into(),
        ..connectwise_sandbox::TenantConfig::default()
    };
    let config = connectwise_sandbox::SandboxConfig {
        tenants: vec![tenant.clone()],
        ..connectwise_sandbox::SandboxConfig::default()
    };
    vec![format!("{tenant:?}"), format!("{config:?}")]
}

/// `Debug` of every client type that holds a key, secret or token prints none of them.
#[test]
fn debug_of_client_types_redacts_secrets() {
    let dumps: Vec<String> = [connectwise_dumps(), umbrella_dumps(), sandbox_dumps()].concat();
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("acme+pub:{PRIVATE}").as_bytes());
    for dump in &dumps {
        for secret in [
            PRIVATE,
            OTHER_PRIVATE,
            API_SECRET,
            TOKEN_PRIVATE,
            ACCESS_TOKEN,
            encoded.as_str(),
        ] {
            assert!(!dump.contains(secret), "{secret} printed in {dump}");
        }
    }
    // The non-secret parts are still there to help debugging.
    assert!(
        dumps[0].contains("acme") && dumps[0].contains("***"),
        "{}",
        dumps[0]
    );
}
