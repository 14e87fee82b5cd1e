//! Helpers shared by the client-level test binaries (`faults`, `log_secrets`): a client
//! configured for the in-process sandbox, a sandbox, a new API member and the Umbrella side.

use std::time::Duration;

use api_client::umbrella::{PsaSettingsInput, Umbrella, UmbrellaConfig};
use api_client::{ApiMember, ConnectWise, ConnectWiseConfig, Error, Reference, Secret};
use connectwise_sandbox::{Sandbox, SandboxConfig};

pub const CLIENT_ID: &str = "2f8a6a3e-0c4b-4d6e-9c1f-0a1b2c3d4e5f";
pub const KEY_DESCRIPTION: &str = "Umbrella PSA Integration";

pub fn config(url: &str) -> ConnectWiseConfig {
    let mut config = ConnectWiseConfig::new(
        url,
        "sandbox",
        "sandbox-public-key",
        Secret::new("sandbox-private-key"),
        CLIENT_ID,
    );
    config.request_timeout = Duration::from_secs(10);
    config.max_retries = 6;
    config.retry_deadline = Duration::from_secs(30);
    // The limiter has its own test; the other tests must not wait for it.
    config.requests_per_minute = None;
    config.max_in_flight = 0;
    config
}

pub async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

pub async fn new_member(
    cw: &ConnectWise,
    identifier: &str,
    role_id: i32,
) -> Result<ApiMember, Error> {
    let mut member = cw.api_members().default().await?;
    member.identifier = identifier.into();
    member.name = Some(format!("{identifier} member"));
    member.security_role = Some(Reference::id(role_id));
    cw.api_members().create(&member).await
}

pub fn umbrella(sandbox: &Sandbox) -> Umbrella {
    let mut cfg = UmbrellaConfig::new("umbrella-sandbox-key", "umbrella-sandbox-secret");
    cfg.base_url = sandbox.url();
    cfg.rate_limits = Vec::new();
    cfg.retry_base_delay = Duration::from_millis(20);
    cfg.max_retries = 8;
    Umbrella::new(cfg).unwrap()
}

pub fn psa_input(sandbox: &Sandbox) -> PsaSettingsInput {
    PsaSettingsInput {
        enabled: true,
        site_url: sandbox.url(),
        company_id: "sandbox".into(),
        public_key: "sandbox-public-key".into(),
        private_key: Secret::new("sandbox-private-key"),
    }
}
