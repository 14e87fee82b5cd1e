//! `--hand-made` ([`crate::SandboxConfig::hand_made`]): every tenant starts with an Umbrella PSA
//! integration set up the way a person does it in the two consoles, following the manual
//! procedure — and with one mistake, as such setups often have:
//!
//! 1. a security role `Umbrella` with the procedure's permissions (Companies > Company
//!    Maintenance: Inquire All; Companies > Configurations, Service Desk > Service Tickets,
//!    System > Table Setup: Add, Edit, Inquire All) and the Table Setup allow-list
//!    (`Company / Configuration`, `Service / Priority`, `Service / Service Board`), **plus
//!    Finance > Invoicing: Inquire All, ticked by mistake**;
//! 2. an API member `umbrella-psa` with that role and the default location, department, ...;
//! 3. an API key of that member;
//! 4. the Umbrella console's PSA credentials holding that key's public and private key;
//! 5. company mappings of the console's first two customers whose ConnectWise company exists
//!    and is active.
//!
//! Written straight into the emulator's state, as the consoles would store it: nothing here goes
//! through HTTP, and nothing is shared with the client.

use time::OffsetDateTime;

use crate::msp_customers::{FIRST_CUSTOMER_COMPANY_ID, companies};
use crate::state::{ApiKey, Audit, CustomizeItem, Level, Member, TenantStore, random_key};
use crate::umbrella::{StoredPsa, UmbrellaState, sandbox_customer_id};
use crate::{SandboxState, TenantConfig};

/// The person who set it up (the seed's admin member).
const BY: &str = "admin";
pub const ROLE_NAME: &str = "Umbrella";
pub const MEMBER_IDENTIFIER: &str = "umbrella-psa";
pub const MEMBER_NAME: &str = "Umbrella PSA Integration";
pub const KEY_DESCRIPTION: &str = "Umbrella PSA Integration";
/// How many customers get a company mapping.
const MAPPINGS: usize = 2;

/// The procedure's permissions: module and function identifiers, `[add, edit, delete, inquire]`.
const PERMISSIONS: [(&str, &str, [Level; 4]); 4] = {
    use Level::{All, None};
    [
        ("Companies", "CompanyMaintenance", [None, None, None, All]),
        ("Companies", "Configurations", [All, All, None, All]),
        ("ServiceDesk", "ServiceTickets", [All, All, None, All]),
        ("System", "TableSetup", [All, All, None, All]),
    ]
};

/// The Table Setup allow-list of the procedure.
const TABLE_SETUP_ITEMS: [&str; 3] = [
    "Company / Configuration",
    "Service / Priority",
    "Service / Service Board",
];

/// The permission ticked by mistake: module and function identifiers and names, levels.
pub const MISTAKE: (&str, &str, &str, [Level; 4]) = (
    "Finance",
    "Invoicing",
    "Finance > Invoicing",
    [Level::None, Level::None, Level::None, Level::All],
);

/// What was set up for one tenant, for the banner and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandMadeIntegration {
    pub company_id: String,
    pub role_id: i32,
    pub member_id: i32,
    pub key_id: i32,
    pub public_key: String,
    /// `(customer id, customer name, ConnectWise company identifier)`.
    pub mappings: Vec<(u64, String, String)>,
}

/// Sets the integration up in every tenant and its console; `site_url` is the sandbox's own URL
/// (what a person types into the console), so Umbrella's check of the credentials succeeds.
pub(crate) fn set_up(
    state: &SandboxState,
    umbrella: &UmbrellaState,
    site_url: &str,
) -> Vec<HandMadeIntegration> {
    let customers = state.config().customers_per_console;
    let mut made = Vec::new();
    for (index, tenant) in state.config().tenants.iter().enumerate() {
        let Some((mut integration, private_key)) =
            state.with_tenant(&tenant.company_id, |t| connectwise_side(t, customers))
        else {
            continue;
        };
        integration.mappings = integration
            .mappings
            .into_iter()
            .map(|(n, _, company)| (sandbox_customer_id(index, n + 1), company))
            .filter_map(|(customer_id, company)| {
                umbrella_customer_name(umbrella, tenant, customer_id)
                    .map(|name| (customer_id, name, company))
            })
            .collect();
        umbrella_side(umbrella, tenant, site_url, &integration, private_key);
        made.push(integration);
    }
    made
}

/// Steps 1–3 in ConnectWise; returns the integration (mappings as `(customer index, "",
/// company identifier)` until the console names them) and the key's private key.
fn connectwise_side(t: &mut TenantStore, customers: usize) -> (HandMadeIntegration, String) {
    let now = OffsetDateTime::now_utc();
    let role_id = t.create_role(ROLE_NAME, None, false, false, BY, now);
    let (m, f, _, levels) = MISTAKE;
    for (module, function, levels) in PERMISSIONS.into_iter().chain([(m, f, levels)]) {
        let Some(row) = t.setting_for(role_id, module, function) else {
            continue;
        };
        [
            row.add_level,
            row.edit_level,
            row.delete_level,
            row.inquire_level,
        ] = levels;
        row.audit.touch(BY, now);
        let (setting_id, list) = (row.id, row.customize_identifier.clone());
        if let (Some(list), "TableSetup") = (list, function) {
            for item in TABLE_SETUP_ITEMS {
                add_customize_item(t, role_id, setting_id, &list, item, now);
            }
        }
    }
    let member_id = add_api_member(t, role_id, now);
    let private_key = random_key(24);
    let key = ApiKey {
        id: t.next_ids.api_key,
        member_id,
        description: KEY_DESCRIPTION.into(),
        public_key: random_key(16),
        private_key_hash: t.hash_secret(&private_key),
        audit: Audit::new(BY, now),
    };
    t.next_ids.api_key += 1;
    let integration = HandMadeIntegration {
        company_id: t.company_id.clone(),
        role_id,
        member_id,
        key_id: key.id,
        public_key: key.public_key.clone(),
        mappings: mapped_companies(t, customers),
    };
    t.api_keys.insert(key.id, key);
    (integration, private_key)
}

fn add_customize_item(
    t: &mut TenantStore,
    role_id: i32,
    setting_id: i32,
    list: &str,
    item: &str,
    now: OffsetDateTime,
) {
    let id = t.next_ids.item;
    t.next_ids.item += 1;
    let record = CustomizeItem {
        id,
        role_id,
        setting_id,
        customize_identifier: list.into(),
        item_identifier: item.into(),
        audit: Audit::new(BY, now),
    };
    t.customize_items.insert(id, record);
}

/// An API member as the New API Member screen saves it: the role, everything else the defaults.
fn add_api_member(t: &mut TenantStore, role_id: i32, now: OffsetDateTime) -> i32 {
    let id = t.next_ids.member;
    t.next_ids.member += 1;
    let d = t.api_member_defaults.clone();
    let stamp = Audit::new(BY, now);
    let member = Member {
        id,
        identifier: MEMBER_IDENTIFIER.into(),
        license_class: "A".into(),
        name: MEMBER_NAME.into(),
        first_name: MEMBER_NAME.into(),
        security_role_id: Some(role_id),
        structure_level_id: Some(d.structure_level_id),
        security_location_id: Some(d.security_location_id),
        default_location_id: Some(d.default_location_id),
        sales_default_location_id: Some(d.default_location_id),
        default_department_id: Some(d.default_department_id),
        time_zone_id: Some(d.time_zone_id),
        hire_date: stamp.date_entered.clone(),
        audit: stamp,
        ..Member::default()
    };
    t.members.insert(id, member);
    id
}

/// The first [`MAPPINGS`] customers whose ConnectWise company exists and is active: `(customer
/// index, "", company identifier)`.
fn mapped_companies(t: &TenantStore, customers: usize) -> Vec<(u64, String, String)> {
    companies(customers, &t.company_id, &t.company_name)
        .into_iter()
        .filter(|c| c.id >= FIRST_CUSTOMER_COMPANY_ID && c.active)
        .filter_map(|c| {
            let index = u64::try_from(c.id - FIRST_CUSTOMER_COMPANY_ID).ok()?;
            Some((index, String::new(), c.identifier))
        })
        .take(MAPPINGS)
        .collect()
}

fn umbrella_customer_name(
    umbrella: &UmbrellaState,
    tenant: &TenantConfig,
    customer_id: u64,
) -> Option<String> {
    umbrella
        .with_console(&tenant.umbrella_api_key, |c| {
            c.console
                .customers
                .iter()
                .find(|(id, _)| *id == customer_id)
                .map(|(_, name)| name.clone())
        })
        .flatten()
}

/// Steps 4 and 5 in the Umbrella console.
fn umbrella_side(
    umbrella: &UmbrellaState,
    tenant: &TenantConfig,
    site_url: &str,
    integration: &HandMadeIntegration,
    private_key: String,
) {
    let updated_at = OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    umbrella.with_console(&tenant.umbrella_api_key, |c| {
        c.psa = Some(StoredPsa {
            psa_type: "connectwise".into(),
            enabled: true,
            site_url: site_url.into(),
            company_id: tenant.company_id.clone(),
            public_key: integration.public_key.clone(),
            private_key,
            updated_at,
        });
        for (customer_id, _, company) in &integration.mappings {
            c.mappings.insert(*customer_id, company.clone());
        }
    });
}

/// The banner's lines about it.
pub fn describe(made: &[HandMadeIntegration]) -> String {
    let mut out = String::new();
    for h in made {
        let mappings: Vec<String> = h
            .mappings
            .iter()
            .map(|(id, name, company)| format!("{name} ({id}) -> {company}"))
            .collect();
        out.push_str(&format!(
            "  hand-made integration of tenant {}: role {ROLE_NAME} (id {}) with the procedure's \
             permissions plus {} (Inquire All, ticked by mistake); API member {MEMBER_IDENTIFIER} \
             (id {}); its API key {} (public key {}); the Umbrella PSA credentials hold that key; \
             mappings: {}\n",
            h.company_id,
            h.role_id,
            MISTAKE.2,
            h.member_id,
            h.key_id,
            h.public_key,
            if mappings.is_empty() {
                "none (no customer has an active company)".to_string()
            } else {
                mappings.join(", ")
            }
        ));
    }
    out
}
