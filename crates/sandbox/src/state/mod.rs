//! The sandbox's shared state: one isolated [`TenantStore`] per ConnectWise company, typed
//! records with pub fields (tests read and change them out of band), seeding, and credential
//! checks. Records in `records`, a tenant's data and its operations in `tenant`, the seed in
//! `seed`; here the handle every route and test shares.

mod records;
mod seed;
mod tenant;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use time::OffsetDateTime;

use crate::SandboxConfig;
use crate::http::RateLimiter;

pub use records::{
    ApiKey, ApiMemberDefaults, Audit, CustomizeItem, IdCounters, Level, Lookup, Member,
    MemberToken, Principal, RoleSetting, SecurityRole,
};
pub use tenant::{TenantStore, random_key};

/// One HTTP request the sandbox answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The company the request authenticated as (ConnectWise API calls only).
    pub tenant: Option<String>,
    pub at: SystemTime,
}

/// Result of [`SandboxState::check_credentials`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialCheck {
    Ok,
    Unauthorized,
    Unreachable,
}

pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub tenants: Mutex<BTreeMap<String, TenantStore>>,
    pub requests: Mutex<Vec<RequestRecord>>,
    pub addr: Mutex<Option<SocketAddr>>,
    pub rate: Mutex<RateLimiter>,
    /// Woken after each request that changed something (see `crate::snapshot::autosave`).
    pub changed: tokio::sync::Notify,
}

/// Cheap clone handle to the sandbox's shared state.
#[derive(Clone)]
pub struct SandboxState {
    pub(crate) shared: Arc<Shared>,
}

/// Locks a mutex, recovering from poisoning (a panicking test must not wedge the sandbox).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SandboxState {
    pub fn new(config: SandboxConfig) -> SandboxState {
        let tenants = config
            .tenants
            .iter()
            .map(|t| (t.company_id.to_lowercase(), TenantStore::seeded(t)))
            .collect();
        SandboxState {
            shared: Arc::new(Shared {
                config,
                tenants: Mutex::new(tenants),
                requests: Mutex::new(Vec::new()),
                addr: Mutex::new(None),
                rate: Mutex::new(RateLimiter::default()),
                changed: tokio::sync::Notify::new(),
            }),
        }
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// The address the server listens on (once started).
    pub fn addr(&self) -> Option<SocketAddr> {
        *lock(&self.shared.addr)
    }

    pub(crate) fn set_addr(&self, addr: SocketAddr) {
        *lock(&self.shared.addr) = Some(addr);
    }

    /// Runs `f` with mutable access to one company's data (company id case-insensitive);
    /// `None` if there is no such tenant. Do not call back into the state from `f`.
    pub fn with_tenant<R>(
        &self,
        company_id: &str,
        f: impl FnOnce(&mut TenantStore) -> R,
    ) -> Option<R> {
        lock(&self.shared.tenants)
            .get_mut(&company_id.to_lowercase())
            .map(f)
    }

    /// Company ids of all tenants.
    pub fn tenant_ids(&self) -> Vec<String> {
        lock(&self.shared.tenants)
            .values()
            .map(|t| t.company_id.clone())
            .collect()
    }

    pub fn roles(&self, company_id: &str) -> Vec<SecurityRole> {
        self.with_tenant(company_id, |t| t.roles.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn role_settings(&self, company_id: &str, role_id: i32) -> Vec<RoleSetting> {
        self.with_tenant(company_id, |t| t.settings_of(role_id).cloned().collect())
            .unwrap_or_default()
    }

    pub fn customize_items(
        &self,
        company_id: &str,
        role_id: i32,
        setting_id: i32,
    ) -> Vec<CustomizeItem> {
        self.with_tenant(company_id, |t| {
            t.customize_items
                .values()
                .filter(|i| i.role_id == role_id && i.setting_id == setting_id)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
    }

    /// API members (license class "A"), inactive ones included.
    pub fn api_members(&self, company_id: &str) -> Vec<Member> {
        self.with_tenant(company_id, |t| {
            t.members.values().filter(|m| m.is_api()).cloned().collect()
        })
        .unwrap_or_default()
    }

    /// All members, full and API.
    pub fn members(&self, company_id: &str) -> Vec<Member> {
        self.with_tenant(company_id, |t| t.members.values().cloned().collect())
            .unwrap_or_default()
    }

    pub fn api_keys(&self, company_id: &str, member_id: i32) -> Vec<ApiKey> {
        self.with_tenant(company_id, |t| {
            t.api_keys
                .values()
                .filter(|k| k.member_id == member_id)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
    }

    pub fn tokens(&self, company_id: &str) -> Vec<MemberToken> {
        self.with_tenant(company_id, |t| t.tokens.clone())
            .unwrap_or_default()
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.requests).clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    pub(crate) fn record(&self, r: RequestRecord) {
        lock(&self.shared.requests).push(r);
    }

    /// Whether PSA credentials stored elsewhere (the Umbrella emulator) would work here:
    /// `Unreachable` when `site_url` does not point at this sandbox, `Unauthorized` when the
    /// company or keys are wrong.
    pub fn check_credentials(
        &self,
        site_url: &str,
        company_id: &str,
        public_key: &str,
        private_key: &str,
    ) -> CredentialCheck {
        if !self.addr().is_some_and(|addr| site_matches(site_url, addr)) {
            return CredentialCheck::Unreachable;
        }
        let now = OffsetDateTime::now_utc();
        match self.with_tenant(company_id.trim(), |t| {
            t.authenticate(public_key, private_key, now).is_some()
        }) {
            Some(true) => CredentialCheck::Ok,
            _ => CredentialCheck::Unauthorized,
        }
    }
}

/// Loose site comparison: ignores scheme, path, trailing slash, an `api-` host prefix, and
/// treats `localhost` and loopback addresses alike.
fn site_matches(site_url: &str, addr: SocketAddr) -> bool {
    let lower = site_url.trim().to_ascii_lowercase();
    let default_port = if lower.starts_with("https") { 443 } else { 80 };
    let rest = lower
        .split_once("://")
        .map_or(lower.as_str(), |(_, rest)| rest);
    let hostport = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = hostport.strip_prefix("api-").unwrap_or(hostport);
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let Some((h, after)) = v6.split_once(']') else {
            return false;
        };
        (h, after.strip_prefix(':').map(str::parse::<u16>))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse::<u16>())),
            None => (hostport, None),
        }
    };
    let port = match port {
        None => default_port,
        Some(Ok(p)) => p,
        Some(Err(_)) => return false,
    };
    if port != addr.port() {
        return false;
    }
    let bound = addr.ip();
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip == bound || (ip.is_loopback() && bound.is_unspecified()),
        Err(_) => host == "localhost" && (bound.is_loopback() || bound.is_unspecified()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_matching() {
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/",
            "127.0.0.1:8080",
            "https://localhost:8080/v4_6_release/apis/3.0",
            "http://api-localhost:8080",
        ] {
            assert!(site_matches(ok, addr), "{ok}");
        }
        for bad in [
            "http://127.0.0.1:8081",
            "https://na.myconnectwise.net",
            "http://10.0.0.1:8080",
            "",
        ] {
            assert!(!site_matches(bad, addr), "{bad}");
        }
    }
}
