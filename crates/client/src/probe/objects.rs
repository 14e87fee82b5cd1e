//! Per Terraform object of the provider: which probed calls it needs, and from the report whether
//! it will work or what to do instead. The names are the provider's type names; this crate knows
//! no Terraform types, only this table.

use super::{Area, Report, Support};

/// What kind of Terraform object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A managed resource.
    Resource,
    /// A data source.
    DataSource,
    /// An ephemeral resource.
    EphemeralResource,
}

impl ObjectKind {
    /// `resource`, `data source`, `ephemeral resource`.
    pub fn label(self) -> &'static str {
        match self {
            ObjectKind::Resource => "resource",
            ObjectKind::DataSource => "data source",
            ObjectKind::EphemeralResource => "ephemeral resource",
        }
    }
}

/// Whether one Terraform object will work against the probed servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectVerdict {
    /// The type name, e.g. `connectwise_api_key`.
    pub name: &'static str,
    /// Resource, data source or ephemeral resource.
    pub kind: ObjectKind,
    /// Whether every call it needs is supported.
    pub works: bool,
    /// What to do instead (or first), one entry per call or area that is not supported.
    pub steps: Vec<String>,
}

/// One object and what it needs: published calls (by label) and areas outside the API.
struct Needs {
    name: &'static str,
    kind: ObjectKind,
    calls: &'static [&'static str],
    areas: &'static [Area],
}

const ROLES: &str = "GET /system/securityroles";
const SETTINGS: &str = "GET /system/securityRoles/{roleId}/settings";
const API_MEMBERS: &str = "GET /system/apiMembers";
const MEMBERS: &str = "GET /system/members";
const CUSTOMERS: &str = "GET /admin/v2/managed/customers";
const COMPANIES: &str = "GET /company/companies";

/// Every object of the provider. Role permissions need the customize items only for
/// allow-lists; they are listed, since the Umbrella procedure uses one (System > Table Setup).
const OBJECTS: &[Needs] = &[
    Needs {
        name: "connectwise_security_role",
        kind: ObjectKind::Resource,
        calls: &[ROLES],
        areas: &[],
    },
    Needs {
        name: "connectwise_role_permission",
        kind: ObjectKind::Resource,
        calls: &[ROLES, SETTINGS],
        areas: &[Area::RolePermissions, Area::CustomizeItems],
    },
    Needs {
        name: "connectwise_role_permission_set",
        kind: ObjectKind::Resource,
        calls: &[ROLES, SETTINGS],
        areas: &[Area::RolePermissions, Area::CustomizeItems],
    },
    Needs {
        name: "connectwise_api_member",
        kind: ObjectKind::Resource,
        calls: &[API_MEMBERS],
        areas: &[],
    },
    Needs {
        name: "connectwise_api_key",
        kind: ObjectKind::Resource,
        calls: &[MEMBERS],
        areas: &[Area::ApiKeys],
    },
    Needs {
        name: "connectwise_umbrella_psa_credentials",
        kind: ObjectKind::Resource,
        calls: &[],
        areas: &[Area::UmbrellaPsaCredentials],
    },
    Needs {
        name: "connectwise_umbrella_psa_company_mapping",
        kind: ObjectKind::Resource,
        calls: &[CUSTOMERS, COMPANIES],
        areas: &[Area::UmbrellaMappings],
    },
    Needs {
        name: "connectwise_umbrella_psa_company_mappings",
        kind: ObjectKind::Resource,
        calls: &[CUSTOMERS, COMPANIES],
        areas: &[Area::UmbrellaMappings],
    },
    Needs {
        name: "connectwise_member_token",
        kind: ObjectKind::EphemeralResource,
        calls: &[MEMBERS],
        areas: &[],
    },
    Needs {
        name: "connectwise_security_role",
        kind: ObjectKind::DataSource,
        calls: &[ROLES],
        areas: &[],
    },
    Needs {
        name: "connectwise_role_permissions",
        kind: ObjectKind::DataSource,
        calls: &[ROLES, SETTINGS],
        areas: &[],
    },
    Needs {
        name: "connectwise_member",
        kind: ObjectKind::DataSource,
        calls: &[MEMBERS, API_MEMBERS],
        areas: &[],
    },
    Needs {
        name: "connectwise_umbrella_customers",
        kind: ObjectKind::DataSource,
        calls: &[CUSTOMERS],
        areas: &[],
    },
    Needs {
        name: "connectwise_companies",
        kind: ObjectKind::DataSource,
        calls: &[COMPANIES],
        areas: &[],
    },
    // Served from the provider's own catalogue: no call.
    Needs {
        name: "connectwise_security_modules",
        kind: ObjectKind::DataSource,
        calls: &[],
        areas: &[],
    },
    // The probe itself.
    Needs {
        name: "connectwise_capabilities",
        kind: ObjectKind::DataSource,
        calls: &[],
        areas: &[],
    },
];

/// The verdict for every object, in [`OBJECTS`] order.
pub(super) fn verdicts(report: &Report) -> Vec<ObjectVerdict> {
    let area_steps = report.manual_steps();
    OBJECTS
        .iter()
        .map(|needs| {
            let mut steps: Vec<String> = needs
                .calls
                .iter()
                .filter_map(|label| call_step(report, label))
                .collect();
            steps.extend(
                needs
                    .areas
                    .iter()
                    .filter_map(|area| area_steps.get(area.key()).cloned()),
            );
            steps.dedup();
            ObjectVerdict {
                name: needs.name,
                kind: needs.kind,
                works: steps.is_empty(),
                steps,
            }
        })
        .collect()
}

/// What to do about a published call that is not supported; `None` when it is.
fn call_step(report: &Report, label: &str) -> Option<String> {
    let Some(probe) = report.calls.iter().find(|c| c.call == label) else {
        return Some(format!(
            "{label} was not probed: its server is not configured"
        ));
    };
    let permission = probe.permission.unwrap_or("the permission this call needs");
    Some(match &probe.support {
        Support::Supported => return None,
        Support::Forbidden { message } => format!(
            "{label} is forbidden ({message}): in ConnectWise Manage, System > Security Roles, give the API member's role {permission}"
        ),
        Support::Unsupported { status } => format!(
            "{label} answered HTTP {status} although it is in the published API: check the site, the codebase and the API version"
        ),
        Support::Unauthorized { message } => {
            format!("{label} was refused (HTTP 401: {message}): check the keys and the clientId")
        }
        Support::Failed { message } => format!("{label} failed: {message}"),
        Support::NotProbed { reason } => format!("{label} was not probed: {reason}"),
    })
}
