//! What every tenant starts with: reference tables (structure levels, locations, departments,
//! time zones, boards), the roles `Admin` (everything `All`) and `Technician` (a few service and
//! company functions), and three full members.

use std::collections::BTreeMap;

use rand::Rng;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::records::{ApiMemberDefaults, Audit, IdCounters, Level, Lookup, Member};
use super::tenant::TenantStore;
use crate::TenantConfig;

/// Who the seed says created the seeded records.
const SEEDED_BY: &str = "admin";

/// The Technician role's levels `[add, edit, delete, inquire]` by module and function identifier;
/// every other function stays `None`.
const TECHNICIAN_LEVELS: [(&str, &str, [Level; 4]); 6] = {
    use Level::{All, My, None};
    [
        ("ServiceDesk", "ServiceTickets", [All, All, None, All]),
        ("ServiceDesk", "CloseServiceTickets", [My, My, None, All]),
        ("Companies", "CompanyMaintenance", [None, None, None, All]),
        ("Companies", "Configurations", [All, All, None, All]),
        ("Companies", "Contacts", [All, All, None, All]),
        ("TimeAndExpense", "TimeEntry", [My, My, My, My]),
    ]
};

/// The full members: identifier, first and last name, title, and whether they hold Admin (else
/// Technician).
const FULL_MEMBERS: [(&str, &str, &str, &str, bool); 3] = [
    ("admin", "Sandbox", "Admin", "Service Manager", true),
    ("jsmith", "John", "Smith", "Technician", false),
    ("tjones", "Tina", "Jones", "Dispatcher", false),
];

impl TenantStore {
    /// A tenant with the seeded reference data, roles and members.
    pub fn seeded(config: &TenantConfig) -> TenantStore {
        let now = OffsetDateTime::now_utc();
        let mut t = TenantStore::without_records(config);
        let admin = t.create_role("Admin", None, true, false, SEEDED_BY, now);
        let tech = t.create_role("Technician", None, false, false, SEEDED_BY, now);
        for s in t.settings_of_mut(admin) {
            s.add_level = Level::All;
            s.edit_level = Level::All;
            s.delete_level = Level::All;
            s.inquire_level = Level::All;
        }
        for (m, f, [a, e, d, i]) in TECHNICIAN_LEVELS {
            if let Some(s) = t
                .settings_of_mut(tech)
                .find(|s| s.module_identifier == m && s.module_function_identifier == f)
            {
                (s.add_level, s.edit_level, s.delete_level, s.inquire_level) = (a, e, d, i);
            }
        }
        for (identifier, first, last, title, is_admin) in FULL_MEMBERS {
            let role = if is_admin { admin } else { tech };
            let department = if is_admin { 1 } else { 3 };
            t.seed_member(
                config,
                [identifier, first, last, title],
                role,
                department,
                now,
            );
        }
        t
    }

    /// The tenant's reference tables and keys, with no roles or members yet.
    fn without_records(config: &TenantConfig) -> TenantStore {
        TenantStore {
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
            locations: locations(),
            departments: departments(),
            time_zones: time_zones(),
            structure_levels: structure_levels(),
            boards: boards(),
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
        }
    }

    /// A full member (license class `F`) at the first location, board and time zone.
    fn seed_member(
        &mut self,
        config: &TenantConfig,
        [identifier, first, last, title]: [&str; 4],
        role: i32,
        department: i32,
        now: OffsetDateTime,
    ) {
        let id = self.next_ids.member;
        self.next_ids.member += 1;
        let company = config.company_id.to_lowercase();
        let member = Member {
            id,
            identifier: identifier.into(),
            license_class: "F".into(),
            name: format!("{first} {last}"),
            first_name: first.into(),
            last_name: Some(last.into()),
            email_address: Some(format!("{identifier}@{company}.example.com")),
            title: Some(title.into()),
            inactive_flag: false,
            inactive_date: None,
            security_role_id: Some(role),
            structure_level_id: Some(1),
            security_location_id: Some(1),
            default_location_id: Some(1),
            sales_default_location_id: Some(1),
            default_department_id: Some(department),
            time_zone_id: Some(1),
            service_default_board_id: Some(1),
            notes: None,
            excluded_service_board_ids: Vec::new(),
            block_price_flag: false,
            block_cost_flag: false,
            hire_date: "2020-01-06T00:00:00Z".into(),
            audit: Audit::new(SEEDED_BY, now),
        };
        self.members.insert(id, member);
    }
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

fn structure_levels() -> Vec<Lookup> {
    vec![
        lookup(1, "Corporate (Level 1)", None, json!({"level": 1})),
        lookup(2, "Region (Level 2)", None, json!({"level": 2})),
        lookup(3, "Location (Level 3)", None, json!({"level": 3})),
        lookup(4, "Department (Level 4)", None, json!({"level": 4})),
    ]
}

fn locations() -> Vec<Lookup> {
    let sl = |id: i32, name: &str| json!({"id": id, "name": name});
    let location = |id: i32, name: &str, level: Value, place: &str| {
        lookup(
            id,
            name,
            None,
            json!({"ownerLevelId": 1, "structureLevel": level, "where": place, "overrideFlag": false}),
        )
    };
    vec![
        location(1, "Tampa Office", sl(1, "Corporate (Level 1)"), "Tampa, FL"),
        location(
            2,
            "Dallas Office",
            sl(3, "Location (Level 3)"),
            "Dallas, TX",
        ),
        location(3, "Remote", sl(3, "Location (Level 3)"), "Remote"),
    ]
}

fn departments() -> Vec<Lookup> {
    let active = || json!({"inactiveFlag": false});
    vec![
        lookup(1, "Administration", Some("Admin"), active()),
        lookup(2, "Professional Services", Some("Services"), active()),
        lookup(3, "Help Desk", Some("HelpDesk"), active()),
        lookup(4, "Sales", Some("Sales"), active()),
    ]
}

fn time_zones() -> Vec<Lookup> {
    let tz = |offset: f64, dst: bool| json!({"offset": offset, "daylightSavingsFlag": dst});
    vec![
        lookup(1, "US Eastern", None, tz(-5.0, true)),
        lookup(2, "US Central", None, tz(-6.0, true)),
        lookup(3, "US Mountain", None, tz(-7.0, true)),
        lookup(4, "US Pacific", None, tz(-8.0, true)),
        lookup(5, "GMT", None, tz(0.0, false)),
        lookup(6, "Central European", None, tz(1.0, true)),
        lookup(7, "AUS Eastern", None, tz(10.0, true)),
    ]
}

fn boards() -> Vec<Lookup> {
    let active = || json!({"inactiveFlag": false});
    vec![
        lookup(1, "Help Desk", None, active()),
        lookup(2, "Alerts", None, active()),
        lookup(3, "Projects", None, active()),
    ]
}
