//! What a ConnectWise site and an Umbrella console support, found out without changing anything.
//!
//! [`run`] sends only requests that cannot change a server: GETs (lists ask for one record), and
//! where a write path must be detected (role settings), a JSON-Patch with no operations (`[]`),
//! which changes nothing. It never creates, updates or deletes anything. The answer is a typed
//! [`Report`]: authentication, codebase and version, each call the provider uses with how the
//! server answered it, the rate-limit headers seen, and per Terraform object whether it will work
//! or which manual step replaces it. Rendering (table, JSON, data source) is the caller's.
//!
//! How an answer counts: 2xx = supported; for a call outside the published API, a 404 that is a
//! record-not-found answer also shows the route exists, as does a 400 to the empty patch (the
//! server read it). Any other 404, a 405 or a 501 means the server lacks the call; 403 means the
//! API member's security role forbids it; 401 means the credentials or the clientId were refused.

mod connectwise;
mod objects;
mod umbrella;

use std::collections::BTreeMap;

use crate::ConnectWise;
use crate::connectwise::ExtCall;
use crate::umbrella::Umbrella;
use crate::umbrella::psa::{MANUAL_STEP_CREDENTIALS, MANUAL_STEP_MAPPING};

pub use objects::{ObjectKind, ObjectVerdict};

/// One group of calls outside the published API specifications, switched on or off together on
/// a server (the names match the sandbox's `--without-extensions` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    /// `PATCH /system/securityRoles/{roleId}/settings/{settingId}`: permission levels.
    RolePermissions,
    /// `.../settings/{settingId}/customizeItems`: "customize" allow-lists.
    CustomizeItems,
    /// `/system/members/{memberId}/apiKeys`: persistent API keys.
    ApiKeys,
    /// `/admin/v2/config/psa`: the console's PSA credentials.
    UmbrellaPsaCredentials,
    /// `/admin/v2/config/psa/mappings`: per-customer company mappings.
    UmbrellaMappings,
}

impl Area {
    /// Every area, in report order.
    pub const ALL: [Area; 5] = [
        Area::RolePermissions,
        Area::CustomizeItems,
        Area::ApiKeys,
        Area::UmbrellaPsaCredentials,
        Area::UmbrellaMappings,
    ];

    /// Stable snake_case key (JSON output, the data source's attribute and `manual_steps` keys).
    pub fn key(self) -> &'static str {
        match self {
            Area::RolePermissions => "role_permissions",
            Area::CustomizeItems => "customize_items",
            Area::ApiKeys => "api_keys",
            Area::UmbrellaPsaCredentials => "umbrella_psa_credentials",
            Area::UmbrellaMappings => "umbrella_mappings",
        }
    }

    /// The step of the manual procedure that replaces this area's calls.
    pub fn manual_step(self) -> &'static str {
        match self {
            Area::RolePermissions => ExtCall::UpdateRoleSettingLevels.manual_step(),
            Area::CustomizeItems => ExtCall::AddCustomizeItem.manual_step(),
            Area::ApiKeys => ExtCall::CreateApiKey.manual_step(),
            Area::UmbrellaPsaCredentials => MANUAL_STEP_CREDENTIALS,
            Area::UmbrellaMappings => MANUAL_STEP_MAPPING,
        }
    }
}

/// Which vendor's server a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    /// The ConnectWise Manage site.
    ConnectWise,
    /// The Umbrella console.
    Umbrella,
}

/// How a server answered one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// The call exists and the credentials may use it.
    Supported,
    /// The server lacks the call: 404 (no such route), 405 (method not allowed) or 501.
    Unsupported {
        /// The HTTP status.
        status: u16,
    },
    /// The API member's security role (or the API key's scope) does not allow it (HTTP 403).
    Forbidden {
        /// The server's explanation.
        message: String,
    },
    /// The credentials or the clientId were refused (HTTP 401, or the token call failed).
    Unauthorized {
        /// The server's explanation.
        message: String,
    },
    /// No usable answer (server error, timeout, connection failure, unexpected answer).
    Failed {
        /// What went wrong.
        message: String,
    },
    /// Not sent, because an earlier answer made it pointless or impossible.
    NotProbed {
        /// Why.
        reason: String,
    },
}

impl Support {
    /// Whether the server offers the call to these credentials.
    pub fn is_supported(&self) -> bool {
        matches!(self, Support::Supported)
    }

    /// A short label: `supported`, `404`, `405`, `forbidden (403)`, ...
    pub fn label(&self) -> String {
        match self {
            Support::Supported => "supported".to_owned(),
            Support::Unsupported { status } => status.to_string(),
            Support::Forbidden { .. } => "forbidden (403)".to_owned(),
            Support::Unauthorized { .. } => "unauthorized (401)".to_owned(),
            Support::Failed { .. } => "failed".to_owned(),
            Support::NotProbed { .. } => "not probed".to_owned(),
        }
    }

    /// The explanation that goes with the label, if any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Support::Supported | Support::Unsupported { .. } => None,
            Support::Forbidden { message }
            | Support::Unauthorized { message }
            | Support::Failed { message } => Some(message),
            Support::NotProbed { reason } => Some(reason),
        }
    }
}

/// One call the provider uses and how the server answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallProbe {
    /// The server.
    pub vendor: Vendor,
    /// Method and path template, e.g. `GET /system/securityroles`.
    pub call: String,
    /// `None` for a call in the published API; else its area outside it.
    pub area: Option<Area>,
    /// The ConnectWise permission the call needs, e.g. `System > Security Roles: Inquire`.
    pub permission: Option<&'static str>,
    /// The answer.
    pub support: Support,
}

/// What ConnectWise's `login/companyinfo` and the first authenticated call said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectWiseFacts {
    /// The site as configured.
    pub site: String,
    /// The login company id.
    pub company_id: String,
    /// Whether the key pair and the clientId were accepted.
    pub authentication: Support,
    /// The company's display name, from companyinfo.
    pub company_name: Option<String>,
    /// The API path prefix, e.g. `v2025_1/`.
    pub codebase: Option<String>,
    /// The release, e.g. `v2025.1`.
    pub version_code: Option<String>,
    /// The build, e.g. `v4.6.112340`.
    pub version_number: Option<String>,
    /// The version pinned in the client's `Accept` header, e.g. `2025.1`.
    pub api_version: String,
    /// The `api-current-version` header the server sent, if any.
    pub server_api_version: Option<String>,
}

/// What the Umbrella console's token and first call said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UmbrellaFacts {
    /// The API base URL.
    pub base_url: String,
    /// Whether the API key and secret were accepted.
    pub authentication: Support,
}

/// Everything [`run`] found out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The ConnectWise site; `None` when no ConnectWise client was given.
    pub connectwise: Option<ConnectWiseFacts>,
    /// The Umbrella console; `None` when no Umbrella client was given.
    pub umbrella: Option<UmbrellaFacts>,
    /// Every call probed, in order.
    pub calls: Vec<CallProbe>,
    /// Rate-limit headers seen in answers (name lower-case, last value), e.g. `retry-after`.
    pub rate_limit_headers: BTreeMap<String, String>,
}

impl Report {
    /// How the server answered `area`: its first call that is not supported, else supported.
    /// An area whose vendor was not configured is `NotProbed`.
    pub fn area(&self, area: Area) -> Support {
        let mut calls = self
            .calls
            .iter()
            .filter(|c| c.area == Some(area))
            .peekable();
        if calls.peek().is_none() {
            return Support::NotProbed {
                reason: "its server is not configured".to_owned(),
            };
        }
        calls
            .map(|c| c.support.clone())
            .find(|s| !s.is_supported())
            .unwrap_or(Support::Supported)
    }

    /// Whether every call of `area` is supported.
    pub fn supports(&self, area: Area) -> bool {
        self.area(area).is_supported()
    }

    /// Whether the credentials of every configured server were accepted.
    pub fn authenticated(&self) -> bool {
        let cw = self
            .connectwise
            .as_ref()
            .is_none_or(|c| c.authentication.is_supported());
        let umbrella = self
            .umbrella
            .as_ref()
            .is_none_or(|u| u.authentication.is_supported());
        cw && umbrella
    }

    /// Whether everything the provider needs is there: both servers configured and
    /// authenticated, and every call supported.
    pub fn complete(&self) -> bool {
        self.connectwise.is_some()
            && self.umbrella.is_some()
            && self.authenticated()
            && self.calls.iter().all(|c| c.support.is_supported())
    }

    /// For each area that does not work, the step that replaces it (keyed by [`Area::key`]);
    /// for one the role forbids, the permission to grant first.
    pub fn manual_steps(&self) -> BTreeMap<&'static str, String> {
        Area::ALL
            .iter()
            .filter_map(|area| {
                let step = match self.area(*area) {
                    Support::Supported => return None,
                    Support::Forbidden { .. } => format!(
                        "the API member's security role forbids these calls: grant it {} (in ConnectWise Manage: System > Security Roles), or instead: {}",
                        self.permission_of(*area).unwrap_or("the permission"),
                        area.manual_step()
                    ),
                    _ => area.manual_step().to_owned(),
                };
                Some((area.key(), step))
            })
            .collect()
    }

    /// The permission the first call of `area` needs.
    fn permission_of(&self, area: Area) -> Option<&'static str> {
        self.calls
            .iter()
            .find(|c| c.area == Some(area))
            .and_then(|c| c.permission)
    }

    /// Per Terraform object: whether it will work, or what replaces it.
    pub fn objects(&self) -> Vec<ObjectVerdict> {
        objects::verdicts(self)
    }
}

/// Probes `connectwise` and `umbrella` (either may be absent) without changing anything.
pub async fn run(connectwise: Option<&ConnectWise>, umbrella: Option<&Umbrella>) -> Report {
    let mut report = Report {
        connectwise: None,
        umbrella: None,
        calls: Vec::new(),
        rate_limit_headers: BTreeMap::new(),
    };
    if let Some(cw) = connectwise {
        connectwise::probe(cw, &mut report).await;
    }
    if let Some(umbrella) = umbrella {
        umbrella::probe(umbrella, &mut report).await;
    }
    report
}

#[cfg(test)]
mod tests;
