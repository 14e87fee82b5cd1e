//! REST client for ConnectWise Manage (PSA).
//!
//! Modelled on go-tfe and octocrab: one file per API area, typed models, one typed [`Error`].
//! Build a [`ConnectWise`] from a [`ConnectWiseConfig`], then reach each area through a handle:
//!
//! ```no_run
//! # async fn demo() -> Result<(), api_client::Error> {
//! use api_client::{ConnectWise, ConnectWiseConfig, Secret};
//! let config = ConnectWiseConfig::new(
//!     "api-na.myconnectwise.net",
//!     "mycompany",
//!     "public-key",
//!     Secret::new("private-key"),
//!     "0f5b1c8e-4a0e-4c53-9b7e-9d2f3c1a7e11",
//! );
//! let cw = ConnectWise::new(config)?;
//! let role = cw.security_roles().find_by_name("Umbrella").await?;
//! # let _ = role;
//! # Ok(())
//! # }
//! ```
//!
//! - `http` and its submodules: the transport (configuration checks and the auth header, request
//!   building, sending with retries, answer decoding, paging).
//! - [`error`]: the one error type and how ConnectWise's error answers are read.
//! - one module per API area ([`security_roles`], [`role_settings`], [`members`],
//!   [`api_members`], [`api_keys`], [`lookups`], [`companies`], [`companyinfo`]), with [`models`] and
//!   [`conditions`] shared by them.
//! - [`extensions`]: calls marked "not in the published API specification"; a server without
//!   them yields [`Error::NotSupported`] naming the manual step.
//! - `limiter` (requests per minute and in flight, per site and company) and `coalesce` (one
//!   shared read of a role's settings): ConnectWise only, see the crate documentation.

pub mod api_keys;
pub mod api_members;
mod coalesce;
pub mod companies;
pub mod companyinfo;
pub mod conditions;
pub mod error;
pub mod extensions;
pub(crate) mod http;
mod limiter;
pub mod lookups;
pub mod members;
pub mod models;
pub mod role_settings;
pub mod security_roles;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::secret::Secret;

pub use api_keys::{ApiKey, ApiKeys};
pub use api_members::{ApiMember, ApiMembers};
pub use companies::{Companies, Company, CompanyDirectory};
pub use companyinfo::CompanyInfo;
pub use conditions::{ConditionValue, Conditions};
pub use error::{Error, FieldError};
pub use extensions::ExtCall;
pub use lookups::{CorporateStructureLevel, Department, Location, Lookups, TimeZoneSetup};
pub use members::{Member, Members, Token};
pub use models::{Info, PatchOp, PatchOpKind, Reference};
pub use role_settings::{CustomizeItem, Level, LevelField, RoleSettings, SecurityRoleSetting};
pub use security_roles::{NewSecurityRole, SecurityRole, SecurityRoles};

/// The API version pinned in the `Accept` header unless configured otherwise.
pub const DEFAULT_API_VERSION: &str = "2025.1";

/// Requests per minute to one site and company unless configured otherwise. ConnectWise:
/// "partners making over 1,000 requests per minute will likely experience rate limiting".
pub const DEFAULT_REQUESTS_PER_MINUTE: u32 = 1000;

/// Requests in flight at once to one site and company unless configured otherwise.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 16;

/// Time budget of one call and its retries unless configured otherwise.
pub const DEFAULT_RETRY_DEADLINE: Duration = Duration::from_secs(120);

/// Settings of a [`ConnectWise`] client.
#[derive(Debug, Clone)]
pub struct ConnectWiseConfig {
    /// API host such as `api-na.myconnectwise.net` (https implied), or a full base URL such as
    /// `http://127.0.0.1:8080`.
    pub site: String,
    /// The company id typed at login (e.g. `mycompany`).
    pub company_id: String,
    /// Public key of the API member's key pair.
    pub public_key: String,
    /// Private key of the API member's key pair.
    pub private_key: Secret,
    /// The integration's clientId GUID, sent on every call.
    pub client_id: String,
    /// Codebase such as `v2025_1/`; when `None` it is read once, lazily, from
    /// `GET <site>/login/companyinfo/<company_id>`.
    pub codebase: Option<String>,
    /// API version pinned in the `Accept` header, e.g. `2025.1`.
    pub api_version: String,
    /// Time limit of one HTTP attempt.
    pub request_timeout: Duration,
    /// How many times a failed call is retried where retrying cannot duplicate an object
    /// (a create whose answer was lost is retried only after looking the object up).
    pub max_retries: u32,
    /// Time budget of one call including its retries, backoff waits and (for creates) the
    /// look-ups after a lost answer; no new attempt starts after it. Default 2 minutes.
    pub retry_deadline: Duration,
    /// Requests per minute to this site and company, shared by every client in the process
    /// (token bucket); `None` = no client-side limit. Default
    /// [`DEFAULT_REQUESTS_PER_MINUTE`]. The last client built for a site and company sets it.
    pub requests_per_minute: Option<u32>,
    /// Largest burst the limiter lets through at once; `None` = a tenth of
    /// `requests_per_minute` (at least 1).
    pub burst: Option<u32>,
    /// Most requests in flight at once to this site and company, shared like
    /// `requests_per_minute`; 0 = no cap. Default [`DEFAULT_MAX_IN_FLIGHT`].
    pub max_in_flight: usize,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// CA certificates trusted besides the system's store and the bundled roots.
    pub ca_certificates: Option<crate::CaCertificates>,
}

impl ConnectWiseConfig {
    /// A configuration with the defaults: discovered codebase, API version 2025.1, 30 s timeout,
    /// 4 retries within 2 minutes, at most 1000 requests per minute and 16 in flight per site.
    pub fn new(
        site: impl Into<String>,
        company_id: impl Into<String>,
        public_key: impl Into<String>,
        private_key: Secret,
        client_id: impl Into<String>,
    ) -> Self {
        Self {
            site: site.into(),
            company_id: company_id.into(),
            public_key: public_key.into(),
            private_key,
            client_id: client_id.into(),
            codebase: None,
            api_version: DEFAULT_API_VERSION.to_owned(),
            request_timeout: Duration::from_secs(30),
            max_retries: 4,
            retry_deadline: DEFAULT_RETRY_DEADLINE,
            requests_per_minute: Some(DEFAULT_REQUESTS_PER_MINUTE),
            burst: None,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            user_agent: concat!("terraform-provider-connectwise/", env!("CARGO_PKG_VERSION"))
                .to_owned(),
            ca_certificates: None,
        }
    }
}

/// A ConnectWise Manage client; cheap to clone (one shared connection pool).
#[derive(Clone)]
pub struct ConnectWise {
    inner: Arc<http::Inner>,
}

impl fmt::Debug for ConnectWise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectWise")
            .field("site", &self.inner.site)
            .field("company_id", &self.inner.config.company_id)
            .finish_non_exhaustive()
    }
}

impl ConnectWise {
    /// Builds a client; validates the configuration but makes no network call.
    pub fn new(config: ConnectWiseConfig) -> Result<Self, Error> {
        Ok(Self {
            inner: Arc::new(http::Inner::new(config)?),
        })
    }

    /// A client for the same site and company that authenticates with another key pair, sharing
    /// this client's connection pool and discovered codebase.
    pub fn with_keys(
        &self,
        public_key: impl Into<String>,
        private_key: Secret,
    ) -> Result<Self, Error> {
        Ok(Self {
            inner: Arc::new(self.inner.with_keys(public_key.into(), private_key)?),
        })
    }

    /// The configuration the client was built from.
    pub fn config(&self) -> &ConnectWiseConfig {
        &self.inner.config
    }
}
