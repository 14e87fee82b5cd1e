//! The sandbox's shared state: one isolated [`TenantStore`] per ConnectWise company, typed
//! records with pub fields (tests read and change them out of band), seeding, and credential
//! checks.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::http::{RateLimiter, iso};
use super::{SandboxConfig, TenantConfig};
use crate::catalogue;

/// A permission level of a role setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    None,
    My,
    All,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::My => "My",
            Level::All => "All",
        }
    }

    /// Exact API spelling only (`None`, `My`, `All`).
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "None" => Some(Level::None),
            "My" => Some(Level::My),
            "All" => Some(Level::All),
            _ => None,
        }
    }
}

/// `_info` bookkeeping of a record.
#[derive(Debug, Clone)]
pub struct Audit {
    pub date_entered: String,
    pub entered_by: String,
    pub last_updated: String,
    pub updated_by: String,
}

impl Audit {
    pub fn new(by: &str, now: OffsetDateTime) -> Audit {
        let at = iso(now);
        Audit {
            date_entered: at.clone(),
            entered_by: by.into(),
            last_updated: at,
            updated_by: by.into(),
        }
    }

    pub fn touch(&mut self, by: &str, now: OffsetDateTime) {
        self.last_updated = iso(now);
        self.updated_by = by.into();
    }

    pub fn json(&self) -> Value {
        json!({
            "lastUpdated": self.last_updated,
            "updatedBy": self.updated_by,
            "dateEntered": self.date_entered,
            "enteredBy": self.entered_by,
        })
    }
}

#[derive(Debug, Clone)]
pub struct SecurityRole {
    pub id: i32,
    pub name: String,
    pub role_type: Option<String>,
    pub admin_flag: bool,
    pub inactive_flag: bool,
    pub audit: Audit,
}

/// One row of a role's settings (one catalogue function), catalogue data copied in so tests can
/// simulate a server whose rows differ from the catalogue.
#[derive(Debug, Clone)]
pub struct RoleSetting {
    pub id: i32,
    pub role_id: i32,
    pub add_level: Level,
    pub edit_level: Level,
    pub delete_level: Level,
    pub inquire_level: Level,
    pub module_identifier: String,
    pub module_name: String,
    pub module_description: String,
    pub module_function_identifier: String,
    pub module_function_name: String,
    pub module_function_description: String,
    pub my_all_flag: bool,
    pub report_flag: bool,
    pub restrict_flag: bool,
    pub custom_flag: bool,
    /// The customize list this row owns (e.g. `SystemTableSetup`), if any.
    pub customize_identifier: Option<String>,
    pub sort_order: i32,
    pub audit: Audit,
}

/// One entry of a customize allow-list ("Allow access to these").
#[derive(Debug, Clone)]
pub struct CustomizeItem {
    pub id: i32,
    pub role_id: i32,
    pub setting_id: i32,
    pub customize_identifier: String,
    pub item_identifier: String,
    pub audit: Audit,
}

/// A member: full (`license_class` "F") or API member ("A").
#[derive(Debug, Clone)]
pub struct Member {
    pub id: i32,
    pub identifier: String,
    pub license_class: String,
    /// API members: the member name; full members: "First Last".
    pub name: String,
    pub first_name: String,
    pub last_name: Option<String>,
    pub email_address: Option<String>,
    pub title: Option<String>,
    pub inactive_flag: bool,
    pub inactive_date: Option<String>,
    pub security_role_id: Option<i32>,
    pub structure_level_id: Option<i32>,
    pub security_location_id: Option<i32>,
    pub default_location_id: Option<i32>,
    pub sales_default_location_id: Option<i32>,
    pub default_department_id: Option<i32>,
    pub time_zone_id: Option<i32>,
    pub service_default_board_id: Option<i32>,
    pub notes: Option<String>,
    pub excluded_service_board_ids: Vec<i32>,
    pub block_price_flag: bool,
    pub block_cost_flag: bool,
    pub hire_date: String,
    pub audit: Audit,
}

impl Member {
    pub fn is_api(&self) -> bool {
        self.license_class == "A"
    }
}

/// A member's API key. The private key is kept only as a salted hash.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: i32,
    pub member_id: i32,
    pub description: String,
    pub public_key: String,
    pub private_key_hash: u64,
    pub audit: Audit,
}

/// A temporary key pair from `POST /system/members/{identifier}/tokens`.
#[derive(Debug, Clone)]
pub struct MemberToken {
    pub member_id: i32,
    pub public_key: String,
    pub private_key_hash: u64,
    pub expiration: OffsetDateTime,
}

/// A row of a reference table (locations, departments, time zones, structure levels, boards).
#[derive(Debug, Clone)]
pub struct Lookup {
    pub id: i32,
    pub name: String,
    /// Departments have an identifier besides the name.
    pub identifier: Option<String>,
    /// Model-specific fields, rendered as-is.
    pub extra: Map<String, Value>,
}

impl Lookup {
    pub fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        if let Some(ident) = &self.identifier {
            m.insert("identifier".into(), json!(ident));
        }
        m.insert("name".into(), json!(self.name));
        m.extend(self.extra.clone());
        m.insert(
            "_info".into(),
            json!({"lastUpdated": "2024-01-15T09:00:00Z", "updatedBy": "admin"}),
        );
        Value::Object(m)
    }

    /// `{id, name, _info}` (plus `identifier` for departments).
    pub fn reference(&self) -> Value {
        let mut r = json!({"id": self.id, "name": self.name, "_info": {}});
        if let Some(ident) = &self.identifier {
            r["identifier"] = json!(ident);
        }
        r
    }
}

/// Values `GET /system/apiMembers/default` offers and that omitted references take.
#[derive(Debug, Clone)]
pub struct ApiMemberDefaults {
    pub structure_level_id: i32,
    pub security_location_id: i32,
    pub default_location_id: i32,
    pub default_department_id: i32,
    pub time_zone_id: i32,
}

/// Next ids per record kind (ids are unique per tenant and kind).
#[derive(Debug, Clone)]
pub struct IdCounters {
    pub role: i32,
    pub setting: i32,
    pub item: i32,
    pub member: i32,
    pub api_key: i32,
}

/// The caller an API request authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub member_id: i32,
    pub identifier: String,
}

/// All data of one ConnectWise company.
#[derive(Debug, Clone)]
pub struct TenantStore {
    pub company_id: String,
    pub company_name: String,
    /// The keys from [`TenantConfig`]; they always authenticate, as `key_owner_member_id`.
    pub config_public_key: String,
    pub config_private_key: String,
    pub key_owner_member_id: i32,
    pub roles: BTreeMap<i32, SecurityRole>,
    pub settings: BTreeMap<i32, RoleSetting>,
    /// The ids of each role's settings rows: created together, so one contiguous range. Lets a
    /// role's settings be read without scanning every role's rows.
    pub settings_ids: BTreeMap<i32, std::ops::Range<i32>>,
    pub customize_items: BTreeMap<i32, CustomizeItem>,
    pub members: BTreeMap<i32, Member>,
    pub api_keys: BTreeMap<i32, ApiKey>,
    pub tokens: Vec<MemberToken>,
    pub locations: Vec<Lookup>,
    pub departments: Vec<Lookup>,
    pub time_zones: Vec<Lookup>,
    pub structure_levels: Vec<Lookup>,
    pub boards: Vec<Lookup>,
    pub api_member_defaults: ApiMemberDefaults,
    pub next_ids: IdCounters,
    /// Salt of the key hashes (random per tenant).
    pub salt: u64,
}

fn lookup(id: i32, name: &str, identifier: Option<&str>, extra: Value) -> Lookup {
    Lookup {
        id,
        name: name.into(),
        identifier: identifier.map(str::to_string),
        extra: match extra {
            Value::Object(m) => m,
            _ => Map::new(),
        },
    }
}

impl TenantStore {
    /// A tenant with the seeded reference data, roles and members.
    pub fn seeded(config: &TenantConfig) -> TenantStore {
        let now = OffsetDateTime::now_utc();
        let structure_levels = vec![
            lookup(1, "Corporate (Level 1)", None, json!({"level": 1})),
            lookup(2, "Region (Level 2)", None, json!({"level": 2})),
            lookup(3, "Location (Level 3)", None, json!({"level": 3})),
            lookup(4, "Department (Level 4)", None, json!({"level": 4})),
        ];
        let sl = |id: i32, name: &str| json!({"id": id, "name": name});
        let locations = vec![
            lookup(
                1,
                "Tampa Office",
                None,
                json!({"ownerLevelId": 1, "structureLevel": sl(1, "Corporate (Level 1)"), "where": "Tampa, FL", "overrideFlag": false}),
            ),
            lookup(
                2,
                "Dallas Office",
                None,
                json!({"ownerLevelId": 1, "structureLevel": sl(3, "Location (Level 3)"), "where": "Dallas, TX", "overrideFlag": false}),
            ),
            lookup(
                3,
                "Remote",
                None,
                json!({"ownerLevelId": 1, "structureLevel": sl(3, "Location (Level 3)"), "where": "Remote", "overrideFlag": false}),
            ),
        ];
        let departments = vec![
            lookup(
                1,
                "Administration",
                Some("Admin"),
                json!({"inactiveFlag": false}),
            ),
            lookup(
                2,
                "Professional Services",
                Some("Services"),
                json!({"inactiveFlag": false}),
            ),
            lookup(
                3,
                "Help Desk",
                Some("HelpDesk"),
                json!({"inactiveFlag": false}),
            ),
            lookup(4, "Sales", Some("Sales"), json!({"inactiveFlag": false})),
        ];
        let tz = |offset: f64, dst: bool| json!({"offset": offset, "daylightSavingsFlag": dst});
        let time_zones = vec![
            lookup(1, "US Eastern", None, tz(-5.0, true)),
            lookup(2, "US Central", None, tz(-6.0, true)),
            lookup(3, "US Mountain", None, tz(-7.0, true)),
            lookup(4, "US Pacific", None, tz(-8.0, true)),
            lookup(5, "GMT", None, tz(0.0, false)),
            lookup(6, "Central European", None, tz(1.0, true)),
            lookup(7, "AUS Eastern", None, tz(10.0, true)),
        ];
        let boards = vec![
            lookup(1, "Help Desk", None, json!({"inactiveFlag": false})),
            lookup(2, "Alerts", None, json!({"inactiveFlag": false})),
            lookup(3, "Projects", None, json!({"inactiveFlag": false})),
        ];
        let mut t = TenantStore {
            company_id: config.company_id.clone(),
            company_name: format!("{} (ConnectWise sandbox)", config.company_id),
            config_public_key: config.public_key.clone(),
            config_private_key: config.private_key.clone(),
            key_owner_member_id: 1,
            roles: BTreeMap::new(),
            settings: BTreeMap::new(),
            settings_ids: BTreeMap::new(),
            customize_items: BTreeMap::new(),
            members: BTreeMap::new(),
            api_keys: BTreeMap::new(),
            tokens: Vec::new(),
            locations,
            departments,
            time_zones,
            structure_levels,
            boards,
            api_member_defaults: ApiMemberDefaults {
                structure_level_id: 1,
                security_location_id: 1,
                default_location_id: 1,
                default_department_id: 2,
                time_zone_id: 1,
            },
            next_ids: IdCounters {
                role: 1,
                setting: 1,
                item: 1,
                member: 1,
                api_key: 1,
            },
            salt: rand::rng().random(),
        };
        let admin = t.create_role("Admin", None, true, false, "admin", now);
        let tech = t.create_role("Technician", None, false, false, "admin", now);
        for s in t.settings_of_mut(admin) {
            s.add_level = Level::All;
            s.edit_level = Level::All;
            s.delete_level = Level::All;
            s.inquire_level = Level::All;
        }
        let tech_levels: [(&str, &str, [Level; 4]); 6] = [
            (
                "ServiceDesk",
                "ServiceTickets",
                [Level::All, Level::All, Level::None, Level::All],
            ),
            (
                "ServiceDesk",
                "CloseServiceTickets",
                [Level::My, Level::My, Level::None, Level::All],
            ),
            (
                "Companies",
                "CompanyMaintenance",
                [Level::None, Level::None, Level::None, Level::All],
            ),
            (
                "Companies",
                "Configurations",
                [Level::All, Level::All, Level::None, Level::All],
            ),
            (
                "Companies",
                "Contacts",
                [Level::All, Level::All, Level::None, Level::All],
            ),
            (
                "TimeAndExpense",
                "TimeEntry",
                [Level::My, Level::My, Level::My, Level::My],
            ),
        ];
        for (m, f, [a, e, d, i]) in tech_levels {
            if let Some(s) = t
                .settings_of_mut(tech)
                .find(|s| s.module_identifier == m && s.module_function_identifier == f)
            {
                (s.add_level, s.edit_level, s.delete_level, s.inquire_level) = (a, e, d, i);
            }
        }
        let full = [
            ("admin", "Sandbox", "Admin", "Service Manager", admin),
            ("jsmith", "John", "Smith", "Technician", tech),
            ("tjones", "Tina", "Jones", "Dispatcher", tech),
        ];
        for (identifier, first, last, title, role) in full {
            let id = t.next_ids.member;
            t.next_ids.member += 1;
            t.members.insert(
                id,
                Member {
                    id,
                    identifier: identifier.into(),
                    license_class: "F".into(),
                    name: format!("{first} {last}"),
                    first_name: first.into(),
                    last_name: Some(last.into()),
                    email_address: Some(format!(
                        "{identifier}@{}.example.com",
                        config.company_id.to_lowercase()
                    )),
                    title: Some(title.into()),
                    inactive_flag: false,
                    inactive_date: None,
                    security_role_id: Some(role),
                    structure_level_id: Some(1),
                    security_location_id: Some(1),
                    default_location_id: Some(1),
                    sales_default_location_id: Some(1),
                    default_department_id: Some(if role == admin { 1 } else { 3 }),
                    time_zone_id: Some(1),
                    service_default_board_id: Some(1),
                    notes: None,
                    excluded_service_board_ids: Vec::new(),
                    block_price_flag: false,
                    block_cost_flag: false,
                    hire_date: "2020-01-06T00:00:00Z".into(),
                    audit: Audit::new("admin", now),
                },
            );
        }
        t
    }

    /// Creates a role and its settings rows (one per catalogue function, all `None`).
    pub fn create_role(
        &mut self,
        name: &str,
        role_type: Option<String>,
        admin_flag: bool,
        inactive_flag: bool,
        by: &str,
        now: OffsetDateTime,
    ) -> i32 {
        let id = self.next_ids.role;
        self.next_ids.role += 1;
        self.roles.insert(
            id,
            SecurityRole {
                id,
                name: name.into(),
                role_type,
                admin_flag,
                inactive_flag,
                audit: Audit::new(by, now),
            },
        );
        let first_setting = self.next_ids.setting;
        for (module, function) in catalogue::functions() {
            let sid = self.next_ids.setting;
            self.next_ids.setting += 1;
            self.settings.insert(
                sid,
                RoleSetting {
                    id: sid,
                    role_id: id,
                    add_level: Level::None,
                    edit_level: Level::None,
                    delete_level: Level::None,
                    inquire_level: Level::None,
                    module_identifier: module.module_identifier.clone(),
                    module_name: module.module_name.clone(),
                    module_description: module.module_description.clone(),
                    module_function_identifier: function.module_function_identifier.clone(),
                    module_function_name: function.module_function_name.clone(),
                    module_function_description: function.module_function_description.clone(),
                    my_all_flag: function.my_all_flag,
                    report_flag: function.report_flag,
                    restrict_flag: false,
                    custom_flag: function.customize_identifier.is_some(),
                    customize_identifier: function.customize_identifier.clone(),
                    sort_order: function.sort_order,
                    audit: Audit::new(by, now),
                },
            );
        }
        self.settings_ids
            .insert(id, first_setting..self.next_ids.setting);
        id
    }

    /// Deletes a role with its settings and customize items.
    pub fn delete_role(&mut self, role_id: i32) -> Option<SecurityRole> {
        for sid in self.settings_ids.remove(&role_id).unwrap_or_default() {
            self.settings.remove(&sid);
        }
        self.customize_items.retain(|_, i| i.role_id != role_id);
        self.roles.remove(&role_id)
    }

    /// The settings rows of a role, by id.
    pub fn settings_of(&self, role_id: i32) -> impl Iterator<Item = &RoleSetting> {
        let ids = self.settings_ids.get(&role_id).cloned().unwrap_or_default();
        self.settings.range(ids).map(|(_, s)| s)
    }

    pub fn settings_of_mut(&mut self, role_id: i32) -> impl Iterator<Item = &mut RoleSetting> {
        let ids = self.settings_ids.get(&role_id).cloned().unwrap_or_default();
        self.settings.range_mut(ids).map(|(_, s)| s)
    }

    pub fn role_by_name(&self, name: &str) -> Option<&SecurityRole> {
        self.roles
            .values()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// The settings row of `role_id` for a module/function (names or identifiers).
    pub fn setting_for(
        &mut self,
        role_id: i32,
        module: &str,
        function: &str,
    ) -> Option<&mut RoleSetting> {
        self.settings_of_mut(role_id).find(|s| {
            (s.module_identifier == module || s.module_name == module)
                && (s.module_function_identifier == function || s.module_function_name == function)
        })
    }

    pub fn member_by_identifier(&self, identifier: &str) -> Option<&Member> {
        self.members
            .values()
            .find(|m| m.identifier.eq_ignore_ascii_case(identifier))
    }

    pub fn hash_secret(&self, secret: &str) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.salt.hash(&mut h);
        secret.hash(&mut h);
        h.finish()
    }

    /// Who a key pair authenticates as: the configured keys, an API key of an active member,
    /// or an unexpired token of an active member.
    pub fn authenticate(
        &self,
        public_key: &str,
        private_key: &str,
        now: OffsetDateTime,
    ) -> Option<Principal> {
        let active = |member_id: i32| {
            self.members
                .get(&member_id)
                .filter(|m| !m.inactive_flag)
                .map(|m| Principal {
                    member_id,
                    identifier: m.identifier.clone(),
                })
        };
        if public_key == self.config_public_key && private_key == self.config_private_key {
            return Some(active(self.key_owner_member_id).unwrap_or(Principal {
                member_id: self.key_owner_member_id,
                identifier: "admin".into(),
            }));
        }
        let hash = self.hash_secret(private_key);
        if let Some(k) = self
            .api_keys
            .values()
            .find(|k| k.public_key == public_key && k.private_key_hash == hash)
        {
            return active(k.member_id);
        }
        self.tokens
            .iter()
            .find(|t| {
                t.public_key == public_key && t.private_key_hash == hash && t.expiration > now
            })
            .and_then(|t| active(t.member_id))
    }
}

/// Random alphanumeric key material.
pub fn random_key(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

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
