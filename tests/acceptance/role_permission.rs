//! `connectwise_role_permission`, `connectwise_role_permission_set` and the
//! `connectwise_security_modules` / `connectwise_role_permissions` data sources:
//! steps 2 and 3 of the Umbrella PSA setup, against the sandbox.

use std::collections::BTreeMap;

use crate::harness::Harness;
use api_client::{Level as ClientLevel, LevelField, NewSecurityRole};
use connectwise_sandbox::{Level, RequestRecord};

/// The seed's Table Setup allow-list.
const SEED_TABLES: [&str; 3] = [
    "Company / Configuration",
    "Service / Priority",
    "Service / Service Board",
];

/// (module, function) → (add, edit, delete, inquire) of the seed table.
const SEED: [(&str, &str, [&str; 4]); 4] = [
    (
        "Companies",
        "Company Maintenance",
        ["None", "None", "None", "All"],
    ),
    ("Companies", "Configurations", ["All", "All", "None", "All"]),
    (
        "Service Desk",
        "Service Tickets",
        ["All", "All", "None", "All"],
    ),
    ("System", "Table Setup", ["All", "All", "None", "All"]),
];

const ROLE: &str = r#"
resource "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}
"#;

/// The seed's four permissions as one `connectwise_role_permission_set`.
fn seed_set() -> &'static str {
    r#"
resource "connectwise_role_permission_set" "umbrella" {
  role_id = connectwise_security_role.umbrella.id

  permission {
    module        = "Companies"
    function      = "Company Maintenance"
    add_level     = "None"
    edit_level    = "None"
    delete_level  = "None"
    inquire_level = "All"
  }
  permission {
    module        = "Companies"
    function      = "Configurations"
    add_level     = "All"
    edit_level    = "All"
    delete_level  = "None"
    inquire_level = "All"
  }
  permission {
    module        = "Service Desk"
    function      = "Service Tickets"
    add_level     = "All"
    edit_level    = "All"
    delete_level  = "None"
    inquire_level = "All"
  }
  permission {
    module         = "System"
    function       = "Table Setup"
    add_level      = "All"
    edit_level     = "All"
    delete_level   = "None"
    inquire_level  = "All"
    allowed_tables = ["Company / Configuration", "Service / Priority", "Service / Service Board"]
  }
}
"#
}

/// The seed's four permissions as `connectwise_role_permission` resources.
fn seed_permissions(role_id: &str) -> String {
    format!(
        r#"
resource "connectwise_role_permission" "company_maintenance" {{
  role_id       = {role_id}
  module        = "Companies"
  function      = "Company Maintenance"
  inquire_level = "All"
}}

resource "connectwise_role_permission" "configurations" {{
  role_id       = {role_id}
  module        = "Companies"
  function      = "Configurations"
  add_level     = "All"
  edit_level    = "All"
  inquire_level = "All"
}}

resource "connectwise_role_permission" "service_tickets" {{
  role_id       = {role_id}
  module        = "Service Desk"
  function      = "Service Tickets"
  add_level     = "All"
  edit_level    = "All"
  inquire_level = "All"
}}

resource "connectwise_role_permission" "table_setup" {{
  role_id        = {role_id}
  module         = "System"
  function       = "Table Setup"
  add_level      = "All"
  edit_level     = "All"
  inquire_level  = "All"
  allowed_tables = ["Company / Configuration", "Service / Priority", "Service / Service Board"]
}}
"#
    )
}

fn seed_config() -> String {
    format!(
        "{ROLE}{}",
        seed_permissions("connectwise_security_role.umbrella.id")
    )
}

/// One row of a role as the sandbox holds it.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    id: i32,
    levels: [&'static str; 4],
    items: Vec<String>,
}

/// Every row of `role_id` in the sandbox: (module, function) → row.
fn rows(h: &Harness, role_id: i32) -> BTreeMap<(String, String), Row> {
    h.sandbox
        .state()
        .with_tenant("sandbox", |t| {
            t.settings
                .values()
                .filter(|s| s.role_id == role_id)
                .map(|s| {
                    let mut items: Vec<String> = t
                        .customize_items
                        .values()
                        .filter(|i| i.role_id == role_id && i.setting_id == s.id)
                        .map(|i| i.item_identifier.clone())
                        .collect();
                    items.sort();
                    (
                        (s.module_name.clone(), s.module_function_name.clone()),
                        Row {
                            id: s.id,
                            levels: [
                                s.add_level.as_str(),
                                s.edit_level.as_str(),
                                s.delete_level.as_str(),
                                s.inquire_level.as_str(),
                            ],
                            items,
                        },
                    )
                })
                .collect()
        })
        .expect("sandbox tenant")
}

fn row(h: &Harness, role_id: i32, module: &str, function: &str) -> Row {
    rows(h, role_id)
        .remove(&(module.to_string(), function.to_string()))
        .unwrap_or_else(|| panic!("role {role_id} has no row {module} > {function}"))
}

/// Sets one level of a row out of band, straight in the sandbox.
fn set_level_out_of_band(h: &Harness, role_id: i32, function: &str, level: Level) {
    h.sandbox
        .state()
        .with_tenant("sandbox", |t| {
            let s = t
                .settings
                .values_mut()
                .find(|s| s.role_id == role_id && s.module_function_name == function)
                .expect("row exists");
            s.add_level = level;
        })
        .expect("sandbox tenant");
}

/// Asserts the seed's rows and that every other row of the role is `None`.
fn assert_seed_rows(h: &Harness, role_id: i32) {
    let all = rows(h, role_id);
    assert!(
        all.len() > 50,
        "the role has a row per function: {}",
        all.len()
    );
    for ((module, function), r) in &all {
        match SEED.iter().find(|(m, f, _)| m == module && f == function) {
            Some((_, _, levels)) => assert_eq!(&r.levels, levels, "{module} > {function}"),
            None => assert_eq!(
                r.levels, ["None"; 4],
                "{module} > {function} must stay None"
            ),
        }
        if function == "Table Setup" {
            assert_eq!(r.items, SEED_TABLES, "Table Setup allow-list");
        } else {
            assert!(r.items.is_empty(), "{module} > {function}: {:?}", r.items);
        }
    }
}

fn assert_all_none(h: &Harness, role_id: i32) {
    for ((module, function), r) in rows(h, role_id) {
        assert_eq!(r.levels, ["None"; 4], "{module} > {function}");
        assert!(r.items.is_empty(), "{module} > {function}: {:?}", r.items);
    }
}

async fn role_id(h: &Harness) -> i32 {
    h.resource("connectwise_security_role.umbrella").await["id"]
        .as_str()
        .expect("role id")
        .parse()
        .expect("numeric role id")
}

/// A role made outside Terraform (so that destroying permissions leaves it).
async fn out_of_band_role(h: &Harness, name: &str) -> i32 {
    h.client()
        .security_roles()
        .create(&NewSecurityRole {
            name: name.to_string(),
            role_type: None,
            admin_flag: None,
            inactive_flag: None,
        })
        .await
        .expect("create role")
        .id
}

/// Terraform's output on one line (it wraps long diagnostics).
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// REST calls by kind.
#[derive(Debug, Default)]
struct Counts {
    settings_list: usize,
    setting_get: usize,
    patch: usize,
    items_get: usize,
    items_post: usize,
    items_delete: usize,
    /// Every other call, as `METHOD path`.
    other: Vec<String>,
}

fn count(requests: &[RequestRecord]) -> Counts {
    let mut c = Counts::default();
    for r in requests {
        let p = r.path.to_lowercase();
        let other = format!("{} {}", r.method, r.path);
        let Some((_, rest)) = p.split_once("/system/securityroles/") else {
            c.other.push(other);
            continue;
        };
        let parts: Vec<&str> = rest.split('/').collect();
        match (r.method.as_str(), parts.as_slice()) {
            ("GET", [_, "settings"]) => c.settings_list += 1,
            ("GET", [_, "settings", _]) => c.setting_get += 1,
            ("PATCH", [_, "settings", _]) => c.patch += 1,
            ("GET", [_, "settings", _, "customizeitems"]) => c.items_get += 1,
            ("POST", [_, "settings", _, "customizeitems"]) => c.items_post += 1,
            ("DELETE", [_, "settings", _, "customizeitems", _]) => c.items_delete += 1,
            _ => c.other.push(other),
        }
    }
    c
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_seed_role_applies_with_few_calls() {
    let h = Harness::new().await;
    h.config(&seed_config());
    h.sandbox.clear_requests();
    h.apply().await;
    let first = count(&h.sandbox.requests());
    eprintln!(
        "REST calls, seed role first apply ({} in all): {first:?}",
        h.sandbox.requests().len()
    );
    let id = role_id(&h).await;
    assert_seed_rows(&h, id);
    // At most one settings GET per resource (concurrent reads of the role's
    // list are shared; a PATCH makes the next read fetch again), never a GET
    // per row; a PATCH per granted row; items read only for the two
    // customizable functions; three POSTs.
    assert!((1..=4).contains(&first.settings_list), "{first:?}");
    assert_eq!(first.setting_get, 0, "no per-row GETs: {first:?}");
    assert_eq!(first.patch, 4, "{first:?}");
    assert_eq!(first.items_get, 2, "{first:?}");
    assert_eq!(first.items_post, 3, "{first:?}");
    assert_eq!(first.items_delete, 0, "{first:?}");

    // The state holds the computed attributes.
    let ts = h.resource("connectwise_role_permission.table_setup").await;
    let setting_id = row(&h, id, "System", "Table Setup").id;
    assert_eq!(ts["id"], format!("{id}/{setting_id}"));
    assert_eq!(ts["setting_id"], setting_id.to_string());
    assert_eq!(ts["module_identifier"], "System");
    assert_eq!(ts["function_identifier"], "TableSetup");
    let cm = h
        .resource("connectwise_role_permission.company_maintenance")
        .await;
    assert_eq!(cm["add_level"], "None");
    assert!(cm["allowed_tables"].is_null());

    // A no-op plan reads each resource once and writes nothing.
    h.sandbox.clear_requests();
    let run = h
        .terraform(&["plan", "-no-color", "-detailed-exitcode"])
        .await;
    assert!(run.ok, "no changes expected:\n{}", run.text());
    let noop = count(&h.sandbox.requests());
    eprintln!(
        "REST calls, seed role no-op plan ({} in all): {noop:?}",
        h.sandbox.requests().len()
    );
    // The four rows' refreshes share one read of the role's settings.
    assert_eq!(noop.settings_list, 1, "{noop:?}");
    assert_eq!(noop.setting_get, 0, "{noop:?}");
    assert_eq!(noop.items_get, 2, "{noop:?}");
    assert_eq!(
        noop.patch + noop.items_post + noop.items_delete,
        0,
        "{noop:?}"
    );
    h.expect_empty_plan().await;

    // An apply with nothing to change writes nothing.
    h.sandbox.clear_requests();
    h.apply().await;
    let again = count(&h.sandbox.requests());
    assert_eq!(
        again.patch + again.items_post + again.items_delete,
        0,
        "{again:?}"
    );

    // Data sources: the catalogue and the role's rows.
    h.config(&format!(
        r#"{}
data "connectwise_security_modules" "system" {{
  module = "System"
}}

data "connectwise_security_modules" "all" {{}}

data "connectwise_role_permissions" "umbrella" {{
  role_id = connectwise_security_role.umbrella.id
}}

data "connectwise_role_permissions" "granted" {{
  role_id      = connectwise_security_role.umbrella.id
  granted_only = true
}}

output "system" {{
  value = data.connectwise_security_modules.system.functions
}}

output "all_count" {{
  value = length(data.connectwise_security_modules.all.functions)
}}

output "rows" {{
  value = data.connectwise_role_permissions.umbrella.permissions
}}

output "granted" {{
  value = data.connectwise_role_permissions.granted.permissions
}}
"#,
        seed_config()
    ));
    h.sandbox.clear_requests();
    h.apply().await;
    let system = h.output("system").await;
    let system = system.as_array().expect("list");
    assert!(system.iter().all(|f| f["module"] == "System"));
    let ts = system
        .iter()
        .find(|f| f["function"] == "Table Setup")
        .expect("Table Setup listed");
    assert_eq!(ts["customizable"], true);
    assert_eq!(ts["my_all"], false);
    assert_eq!(ts["customize_identifier"], "SystemTableSetup");
    let items = ts["allowed_items"].as_array().expect("items");
    for t in SEED_TABLES {
        assert!(items.iter().any(|i| i == t), "{t} in {items:?}");
    }
    let all_count = h.output("all_count").await.as_u64().expect("number");
    assert_eq!(all_count as usize, rows(&h, id).len());
    let all_rows = h.output("rows").await;
    assert_eq!(all_rows.as_array().expect("list").len(), rows(&h, id).len());
    let granted = h.output("granted").await;
    let mut granted: Vec<(String, String, [String; 4])> = granted
        .as_array()
        .expect("list")
        .iter()
        .map(|r| {
            (
                r["module"].as_str().unwrap_or_default().to_string(),
                r["function"].as_str().unwrap_or_default().to_string(),
                ["add_level", "edit_level", "delete_level", "inquire_level"]
                    .map(|a| r[a].as_str().unwrap_or_default().to_string()),
            )
        })
        .collect();
    granted.sort();
    let mut want: Vec<(String, String, [String; 4])> = SEED
        .iter()
        .map(|(m, f, l)| (m.to_string(), f.to_string(), l.map(str::to_string)))
        .collect();
    want.sort();
    assert_eq!(granted, want);
    // Each role_permissions data source is one settings GET.
    let ds = count(&h.sandbox.requests());
    assert!(ds.setting_get == 0, "{ds:?}");

    // Removing the permission resources sets the rows back to None and empties
    // the allow-list; the role stays.
    h.config(ROLE);
    h.apply().await;
    assert_all_none(&h, id);
    h.expect_empty_plan().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_update_replace_and_drift() {
    let h = Harness::new().await;
    let service_tickets = |add: &str| {
        format!(
            r#"{ROLE}
resource "connectwise_role_permission" "p" {{
  role_id       = connectwise_security_role.umbrella.id
  module        = "Service Desk"
  function      = "Service Tickets"
  add_level     = "{add}"
  inquire_level = "All"
}}
"#
        )
    };
    h.config(&service_tickets("My"));
    h.apply().await;
    let id = role_id(&h).await;
    assert_eq!(
        row(&h, id, "Service Desk", "Service Tickets").levels,
        ["My", "None", "None", "All"]
    );
    h.expect_empty_plan().await;

    // Level change: update in place.
    h.config(&service_tickets("All"));
    assert_eq!(
        h.planned_actions("connectwise_role_permission.p").await,
        ["update"]
    );
    h.apply().await;
    assert_eq!(
        row(&h, id, "Service Desk", "Service Tickets").levels,
        ["All", "None", "None", "All"]
    );
    h.expect_empty_plan().await;

    // A level changed out of band shows as drift and is corrected.
    set_level_out_of_band(&h, id, "Service Tickets", Level::None);
    assert_eq!(
        h.planned_actions("connectwise_role_permission.p").await,
        ["update"]
    );
    h.apply().await;
    assert_eq!(
        row(&h, id, "Service Desk", "Service Tickets").levels,
        ["All", "None", "None", "All"]
    );
    h.expect_empty_plan().await;

    // Function change: replace; the old row goes back to None.
    let table_setup = |tables: &str| {
        format!(
            r#"{ROLE}
resource "connectwise_role_permission" "p" {{
  role_id        = connectwise_security_role.umbrella.id
  module         = "System"
  function       = "Table Setup"
  add_level      = "All"
  inquire_level  = "All"
  allowed_tables = [{tables}]
}}
"#
        )
    };
    h.config(&table_setup(r#""Service / Priority""#));
    assert_eq!(
        h.planned_actions("connectwise_role_permission.p").await,
        ["delete", "create"]
    );
    h.apply().await;
    assert_eq!(
        row(&h, id, "Service Desk", "Service Tickets").levels,
        ["None"; 4]
    );
    let ts = row(&h, id, "System", "Table Setup");
    assert_eq!(ts.levels, ["All", "None", "None", "All"]);
    assert_eq!(ts.items, ["Service / Priority"]);
    h.expect_empty_plan().await;

    // A table added out of band (REST) shows as drift and is removed.
    h.client()
        .role_settings()
        .add_customize_item(id, ts.id, "Company / Country")
        .await
        .expect("add item out of band");
    assert_eq!(
        h.planned_actions("connectwise_role_permission.p").await,
        ["update"]
    );
    h.apply().await;
    assert_eq!(
        row(&h, id, "System", "Table Setup").items,
        ["Service / Priority"]
    );
    h.expect_empty_plan().await;

    // Allow-list changes are updates; `[]` and null both mean empty and stay as written.
    h.config(&table_setup(""));
    assert_eq!(
        h.planned_actions("connectwise_role_permission.p").await,
        ["update"]
    );
    h.apply().await;
    assert!(row(&h, id, "System", "Table Setup").items.is_empty());
    h.expect_empty_plan().await;

    // Module change: replace.
    h.config(&format!(
        r#"{ROLE}
resource "connectwise_role_permission" "p" {{
  role_id       = connectwise_security_role.umbrella.id
  module        = "Companies"
  function      = "Configurations"
  inquire_level = "All"
}}
"#
    ));
    assert_eq!(
        h.planned_actions("connectwise_role_permission.p").await,
        ["delete", "create"]
    );
    h.apply().await;
    assert_eq!(row(&h, id, "System", "Table Setup").levels, ["None"; 4]);
    assert_eq!(
        row(&h, id, "Companies", "Configurations").levels,
        ["None", "None", "None", "All"]
    );
    h.expect_empty_plan().await;

    // Destroy: every row None, every allow-list empty.
    h.config(ROLE);
    h.apply().await;
    assert_all_none(&h, id);
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_destroy_resets_rows() {
    let h = Harness::new().await;
    let id = out_of_band_role(&h, "Umbrella").await;
    h.config(&seed_permissions(&format!("\"{id}\"")));
    h.apply().await;
    assert_seed_rows(&h, id);
    h.destroy().await;
    assert_all_none(&h, id);
    // The role itself is untouched.
    h.client()
        .security_roles()
        .get(id)
        .await
        .expect("role still exists");
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_import_by_both_id_forms() {
    let h = Harness::new().await;
    h.config(&seed_config());
    h.apply().await;
    let id = role_id(&h).await;
    for (name, module, function) in [
        ("table_setup", "System", "Table Setup"),
        ("configurations", "Companies", "Configurations"),
        ("company_maintenance", "Companies", "Company Maintenance"),
    ] {
        let addr = format!("connectwise_role_permission.{name}");
        let sid = row(&h, id, module, function).id;
        h.import_verify(&addr, &format!("{id}/{sid}"), &[]).await;
        h.import_verify(&addr, &format!("Umbrella/{module}/{function}"), &[])
            .await;
    }
    h.expect_empty_plan().await;

    // Bad forms name the expected ones.
    h.config(&format!(
        r#"{}
resource "connectwise_role_permission" "x" {{
  role_id  = connectwise_security_role.umbrella.id
  module   = "Service Desk"
  function = "Service Tickets"
}}
"#,
        seed_config()
    ));
    for bad in ["Umbrella/Service Tickets", "12", "Umbrella/Nope/Nothing"] {
        let run = h
            .terraform(&["import", "-no-color", "connectwise_role_permission.x", bad])
            .await;
        assert!(!run.ok, "{bad}");
        let text = flat(&run.text());
        assert!(text.contains("Invalid import id"), "{text}");
        assert!(
            text.contains("<role_id>/<setting_id>")
                && text.contains("<role name>/<module>/<function>"),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_generated_config_plans_empty() {
    let h = Harness::new().await;
    // The role and its permission are set up by hand (outside Terraform).
    let id = out_of_band_role(&h, "PSA/Umbrella").await;
    let cw = h.client();
    let sid = row(&h, id, "System", "Table Setup").id;
    cw.role_settings()
        .update_levels(
            id,
            sid,
            &[
                (LevelField::Add, ClientLevel::All),
                (LevelField::Edit, ClientLevel::All),
                (LevelField::Inquire, ClientLevel::All),
            ],
        )
        .await
        .expect("levels");
    for t in SEED_TABLES {
        cw.role_settings()
            .add_customize_item(id, sid, t)
            .await
            .expect("item");
    }
    // A second role, granted by hand, for the authoritative set.
    let audit = out_of_band_role(&h, "Audit").await;
    let sr = row(&h, audit, "System", "Security Roles").id;
    cw.role_settings()
        .update_levels(audit, sr, &[(LevelField::Inquire, ClientLevel::All)])
        .await
        .expect("levels");
    // `import {}` blocks: the `<role name>/<module>/<function>` form (the role
    // name holds a '/'), and a set imported by role name.
    let import = r#"
import {
  to = connectwise_role_permission.table_setup
  id = "PSA/Umbrella/System/Table Setup"
}

import {
  to = connectwise_role_permission_set.audit
  id = "Audit"
}
"#;
    h.config(import);
    let generated = h.generate_config().await;
    eprintln!("generated.tf:\n{generated}");
    assert!(generated.contains("Service / Priority"), "{generated}");
    assert!(
        generated.contains("connectwise_role_permission_set")
            && generated.contains("\"Security Roles\""),
        "{generated}"
    );
    // With the import blocks kept: only the imports, no change.
    h.expect_empty_plan().await;
    h.apply().await;
    // Without them.
    h.config("");
    h.expect_empty_plan().await;
    let state = h.resource("connectwise_role_permission.table_setup").await;
    assert_eq!(state["id"], format!("{id}/{sid}"));
    let mut tables: Vec<String> = state["allowed_tables"]
        .as_array()
        .expect("tables")
        .iter()
        .filter_map(|t| t.as_str().map(str::to_string))
        .collect();
    tables.sort();
    assert_eq!(tables, SEED_TABLES);
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_bad_input_is_rejected_at_plan_time() {
    let h = Harness::new().await;
    let one = |module: &str, function: &str, extra: &str| {
        format!(
            r#"
resource "connectwise_role_permission" "bad" {{
  role_id  = "1"
  module   = "{module}"
  function = "{function}"
  {extra}
}}
"#
        )
    };
    let cases: [(String, &str, &[&str]); 6] = [
        (
            one("Service Desk", "Service Tickets", r#"add_level = "all""#),
            "add_level",
            &[r#"Did you mean "All""#],
        ),
        (
            one(
                "Service Desk",
                "Service Tickets",
                r#"inquire_level = "Mine""#,
            ),
            "inquire_level",
            &["must be one of"],
        ),
        (
            one("Service Desk", "Service Tikets", ""),
            "function",
            &[
                "Service Desk > Service Tickets",
                "is not a ConnectWise module function",
            ],
        ),
        (
            one("System", "Table Setup", r#"edit_level = "My""#),
            "edit_level",
            &["no My/All distinction"],
        ),
        (
            one(
                "Service Desk",
                "Service Tickets",
                r#"allowed_tables = ["Service / Priority"]"#,
            ),
            "allowed_tables",
            &["has no \"customize\" allow-list"],
        ),
        (
            one(
                "System",
                "Table Setup",
                r#"allowed_tables = ["Service / Priorty"]"#,
            ),
            "allowed_tables",
            &[
                "\"Service / Priorty\" is not an entry",
                "Service / Priority",
            ],
        ),
    ];
    for (config, attr, needles) in cases {
        h.config(&config);
        let out = flat(&h.plan_fails().await);
        assert!(out.contains(attr), "names {attr}:\n{out}");
        for n in needles {
            assert!(out.contains(n), "{n:?} in:\n{out}");
        }
    }
    // The authoritative set checks its blocks the same way.
    h.config(
        r#"
resource "connectwise_role_permission_set" "bad" {
  role_id = "1"
  permission {
    module    = "System"
    function  = "Table Setup"
    add_level = "My"
  }
}
"#,
    );
    let out = flat(&h.plan_fails().await);
    assert!(out.contains("no My/All distinction"), "{out}");
    let writes: Vec<_> = h
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect();
    assert!(writes.is_empty(), "nothing may be written: {writes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_two_resources_for_one_function_conflict() {
    let h = Harness::new().await;
    let pair = |role: &str| {
        format!(
            r#"
resource "connectwise_role_permission" "a" {{
  role_id       = {role}
  module        = "Service Desk"
  function      = "Service Tickets"
  inquire_level = "All"
}}

resource "connectwise_role_permission" "b" {{
  role_id       = {role}
  module        = "Service Desk"
  function      = "Service Tickets"
  inquire_level = "My"
}}
"#
        )
    };
    // Role known at plan time: the plan fails.
    let id = out_of_band_role(&h, "Known").await;
    h.config(&pair(&format!("\"{id}\"")));
    let out = flat(&h.plan_fails().await);
    assert!(out.contains("Conflicting role permissions"), "{out}");
    assert!(
        out.contains("inquire_level=All") && out.contains("inquire_level=My"),
        "{out}"
    );
    // Role created in the same run: the apply fails instead of a silent fight.
    h.config(&format!(
        "{ROLE}{}",
        pair("connectwise_security_role.umbrella.id")
    ));
    let out = flat(&h.apply_fails().await);
    assert!(out.contains("Conflicting role permissions"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_set_is_authoritative() {
    let h = Harness::new().await;
    let set = format!("{ROLE}{}", seed_set());
    h.config(&set);
    h.sandbox.clear_requests();
    h.apply().await;
    let first = count(&h.sandbox.requests());
    eprintln!("REST calls, seed role as a permission set, first apply: {first:?}");
    assert_eq!(first.settings_list, 1, "{first:?}");
    assert_eq!(first.setting_get, 0, "{first:?}");
    let id = role_id(&h).await;
    assert_seed_rows(&h, id);
    h.expect_empty_plan().await;

    // A function granted out of band is planned back to None and corrected.
    set_level_out_of_band(&h, id, "Security Roles", Level::All);
    let changes = h.plan().await;
    let change = changes
        .iter()
        .find(|c| c.address == "connectwise_role_permission_set.umbrella")
        .expect("the set is planned");
    assert_eq!(change.actions, ["update"]);
    assert!(
        change.before["permission"]
            .as_array()
            .expect("set")
            .iter()
            .any(|p| p["function"] == "Security Roles" && p["add_level"] == "All"),
        "{:#}",
        change.before
    );
    h.apply().await;
    assert_seed_rows(&h, id);
    h.expect_empty_plan().await;

    // A listed level and a table changed out of band are corrected too.
    set_level_out_of_band(&h, id, "Service Tickets", Level::None);
    let ts = row(&h, id, "System", "Table Setup").id;
    h.client()
        .role_settings()
        .add_customize_item(id, ts, "Company / Country")
        .await
        .expect("add item");
    assert_eq!(
        h.planned_actions("connectwise_role_permission_set.umbrella")
            .await,
        ["update"]
    );
    h.apply().await;
    assert_seed_rows(&h, id);

    // Import by role name and by id reads back the same state.
    h.import_verify("connectwise_role_permission_set.umbrella", "Umbrella", &[])
        .await;
    h.import_verify(
        "connectwise_role_permission_set.umbrella",
        &id.to_string(),
        &[],
    )
    .await;
    h.expect_empty_plan().await;

    // Removing the set resets the role.
    h.config(ROLE);
    h.apply().await;
    assert_all_none(&h, id);
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_moves_between_single_resources_and_a_set() {
    // Moving a role from four connectwise_role_permission resources to one set (and back) in one
    // apply: the resources being destroyed must not reset rows the new ones write.
    let h = Harness::new().await;
    let singles = format!(
        "{ROLE}{}",
        seed_permissions("connectwise_security_role.umbrella.id")
    );
    let set = format!("{ROLE}{}", seed_set());
    h.config(&singles);
    h.apply().await;
    let id = role_id(&h).await;
    assert_seed_rows(&h, id);
    for (to, what) in [(&set, "set"), (&singles, "single resources"), (&set, "set")] {
        h.config(to);
        h.apply().await;
        assert_seed_rows(&h, id);
        h.expect_empty_plan().await;
        eprintln!("moved to the {what}: seed rows intact, plan empty");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn role_permission_examples_apply() {
    let h = Harness::new().await;
    let ex = |rel: &str| {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples")
                .join(rel),
        )
        .expect("example exists")
    };
    let resources = ex("resources/connectwise_role_permission/resource.tf");
    h.config(&resources);
    h.apply().await;
    let id = role_id(&h).await;
    assert_seed_rows(&h, id);
    // The audit example's check block passes on the seed role ...
    h.config(&format!(
        "{resources}\n{}\n{}",
        ex("data-sources/connectwise_role_permissions/data-source.tf"),
        ex("data-sources/connectwise_security_modules/data-source.tf")
    ));
    let run = h.apply().await;
    assert!(
        !run.text().contains("Check block assertion failed"),
        "{}",
        run.text()
    );
    let tables = h.output("table_setup_tables").await;
    assert!(
        tables
            .as_array()
            .expect("list")
            .iter()
            .any(|t| t == "Service / Priority")
    );
    // ... and warns once something else is granted.
    set_level_out_of_band(&h, id, "Security Roles", Level::All);
    let run = h.terraform(&["plan", "-no-color"]).await;
    assert!(run.ok, "{}", run.text());
    let text = flat(&run.text());
    assert!(
        text.contains("Check block assertion failed") && text.contains("System > Security Roles"),
        "{text}"
    );
    h.destroy().await;

    // The authoritative example applies the same rows.
    h.config(&ex("resources/connectwise_role_permission_set/resource.tf"));
    h.apply().await;
    let id = role_id(&h).await;
    assert_seed_rows(&h, id);
    h.expect_empty_plan().await;
}
