//! How the console judges stored ConnectWise credentials (`connectionStatus`): a checker given to
//! [`UmbrellaState::new`]; inside a [`crate::Sandbox`], the sandbox's own ConnectWise.

use std::sync::Arc;

use super::UmbrellaState;
use super::customers::sandbox_console;

/// Result of checking ConnectWise credentials, as the checker reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialStatus {
    /// ConnectWise accepts them.
    Ok,
    /// ConnectWise refuses them.
    Unauthorized,
    /// The site does not answer.
    Unreachable,
}

impl CredentialStatus {
    /// The `connectionStatus` wire value.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unauthorized => "unauthorized",
            Self::Unreachable => "unreachable",
        }
    }
}

/// Checks stored credentials: `(site_url, company_id, public_key, private_key)`.
pub type CredentialChecker = Arc<dyn Fn(&str, &str, &str, &str) -> CredentialStatus + Send + Sync>;

impl UmbrellaState {
    /// The emulator of a [`crate::Sandbox`]: one console per tenant (see [`sandbox_console`]);
    /// `connectionStatus` is [`crate::SandboxState::check_credentials`] against its ConnectWise.
    pub fn for_sandbox(sandbox: &crate::SandboxState) -> Self {
        let config = sandbox.config();
        let consoles = (config.tenants.iter().enumerate())
            .map(|(index, tenant)| {
                let (key, secret) = (&tenant.umbrella_api_key, &tenant.umbrella_api_secret);
                sandbox_console(index, key, secret, config.customers_per_console)
            })
            .collect();
        let connectwise = sandbox.clone();
        let state = Self::new(
            consoles,
            Arc::new(move |site, company, public, private| {
                match connectwise.check_credentials(site, company, public, private) {
                    crate::CredentialCheck::Ok => CredentialStatus::Ok,
                    crate::CredentialCheck::Unauthorized => CredentialStatus::Unauthorized,
                    crate::CredentialCheck::Unreachable => CredentialStatus::Unreachable,
                }
            }),
        );
        state.set_limits(config.umbrella_limits);
        state
    }
}
