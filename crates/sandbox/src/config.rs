//! What a sandbox serves: its tenants (ConnectWise companies with their Umbrella consoles) and how
//! it answers (codebase, clientId, rate limit, latency, faults).

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::FaultConfig;

/// One ConnectWise company (tenant) and the Umbrella console credentials that go with it.
#[derive(Clone, PartialEq, Eq)]
pub struct TenantConfig {
    pub company_id: String,
    pub public_key: String,
    pub private_key: String,
    pub umbrella_api_key: String,
    pub umbrella_api_secret: String,
}

// Secrets stay out of logs and panic messages.
impl fmt::Debug for TenantConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantConfig")
            .field("company_id", &self.company_id)
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .field("umbrella_api_key", &self.umbrella_api_key)
            .field("umbrella_api_secret", &"<redacted>")
            .finish()
    }
}

impl Default for TenantConfig {
    fn default() -> Self {
        TenantConfig {
            company_id: "sandbox".into(),
            public_key: "sandbox-public-key".into(),
            private_key: "sandbox-private-key".into(),
            umbrella_api_key: "umbrella-sandbox-key".into(),
            umbrella_api_secret: "umbrella-sandbox-secret".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub tenants: Vec<TenantConfig>,
    /// The codebase `companyinfo` reports, e.g. `v2025_1/` (`v4_6_release/` is always accepted too).
    pub codebase: String,
    /// Reject API calls without a `clientId` header (401), as ConnectWise documents.
    pub require_client_id: bool,
    /// Requests per minute per company before 429; `None` = unlimited.
    pub rate_limit_per_minute: Option<u32>,
    /// Added to every response.
    pub latency: Duration,
    /// Faults injected into HTTP answers from the start (change them later with
    /// [`crate::Sandbox::set_faults`]); none by default.
    pub faults: FaultConfig,
    /// Keep the objects clients create in this file (format: [`crate::snapshot`]): read on start
    /// when it exists, written when the sandbox starts, shortly after every change, and when it
    /// stops ([`crate::Sandbox::stop`]). `None` (the default): memory only.
    pub state_file: Option<PathBuf>,
    /// Start from this recorded state instead of the seed, e.g. a test's fixture; read once,
    /// never written. With `state_file` too, it is read only while that file does not exist yet.
    pub initial_state: Option<PathBuf>,
    /// Serve HTTPS with a CA made at start ([`crate::Sandbox::ca_pem`]) instead of plain HTTP.
    pub tls: bool,
    /// Calls outside the published API to answer as a server without them would (404/405);
    /// empty (the default): all served. See [`crate::extensions_off`].
    pub extensions_off: Vec<crate::Extension>,
    /// Refuse (403) ConnectWise calls the caller's security role does not allow (System >
    /// Security Roles, System > Member Maintenance), as a real server does; off by default.
    pub enforce_role_permissions: bool,
    /// Managed customers of every Umbrella console (default 3: `Acme Dental`, `Bolt Legal`,
    /// `Cobalt Clinics`), up to [`crate::msp_customers::MAX_CUSTOMERS`]; each tenant's
    /// ConnectWise companies are named after them ([`crate::msp_customers`]). A state file that
    /// holds a console's customers overrides them for that console (the companies still follow
    /// this number).
    pub customers_per_console: usize,
    /// Umbrella's per-key rate limits: off (the default) or the documented ones, optionally
    /// with time compressed.
    pub umbrella_limits: crate::umbrella::UmbrellaLimits,
    /// Start every tenant with an Umbrella PSA integration set up by hand, with one permission
    /// too many ([`crate::hand_made`]); not when the state comes from a file. Off by default.
    pub hand_made: bool,
}

impl TenantConfig {
    /// Tenant `n` (1-based): the first is the default `sandbox` tenant, the
    /// others `sandbox2`, `sandbox3`, ... with keys derived from that name.
    pub fn numbered(n: usize) -> TenantConfig {
        if n <= 1 {
            return TenantConfig::default();
        }
        let name = format!("sandbox{n}");
        TenantConfig {
            public_key: format!("{name}-public-key"),
            private_key: format!("{name}-private-key"),
            umbrella_api_key: format!("umbrella-{name}-key"),
            umbrella_api_secret: format!("umbrella-{name}-secret"),
            company_id: name,
        }
    }
}

impl SandboxConfig {
    /// The default configuration with `count` tenants (see [`TenantConfig::numbered`]).
    pub fn with_tenants(count: usize) -> SandboxConfig {
        SandboxConfig {
            tenants: (1..=count.max(1)).map(TenantConfig::numbered).collect(),
            ..SandboxConfig::default()
        }
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            tenants: vec![TenantConfig::default()],
            codebase: "v2025_1/".into(),
            require_client_id: true,
            rate_limit_per_minute: None,
            latency: Duration::ZERO,
            faults: FaultConfig::default(),
            state_file: None,
            initial_state: None,
            tls: false,
            extensions_off: Vec::new(),
            enforce_role_permissions: false,
            customers_per_console: 3,
            umbrella_limits: crate::umbrella::UmbrellaLimits::Off,
            hand_made: false,
        }
    }
}
