//! Concurrency under faults: 200 resources (60 roles, 100 role permissions, 20 API members, 20
//! API keys) applied with `-parallelism=32` while the sandbox answers 10% of requests with a 5xx,
//! 5% with a 429 and loses the answer of 8% of the POSTs it performed. The apply succeeds (or
//! fails with a clear message and succeeds when run again), the sandbox ends with exactly the
//! declared objects (no duplicates, one live key per member) and the next plan is empty.
//!
//! Takes about 30-40 s on its own, so it runs with the rest of the suite; `CW_SKIP_SLOW_TESTS=1`
//! skips it.

use std::collections::BTreeMap;
use std::time::Instant;

use connectwise_sandbox::FaultConfig;

use crate::harness::Harness;

const ROLES: usize = 60;
/// Roles that get two permissions each (100 permissions).
const ROLES_WITH_PERMISSIONS: usize = 50;
const MEMBERS: usize = 20;

fn configuration(h: &Harness) -> String {
    let mut text = h.provider_block();
    text.push_str(&format!(
        r#"
resource "connectwise_security_role" "r" {{
  count = {ROLES}
  name  = "Concurrency role ${{count.index}}"
}}

resource "connectwise_role_permission" "company" {{
  count         = {ROLES_WITH_PERMISSIONS}
  role_id       = connectwise_security_role.r[count.index].id
  module        = "Companies"
  function      = "Company Maintenance"
  inquire_level = "All"
}}

resource "connectwise_role_permission" "tickets" {{
  count         = {ROLES_WITH_PERMISSIONS}
  role_id       = connectwise_security_role.r[count.index].id
  module        = "Service Desk"
  function      = "Service Tickets"
  add_level     = "All"
  edit_level    = "All"
  inquire_level = "All"
}}

resource "connectwise_api_member" "m" {{
  count            = {MEMBERS}
  identifier       = "conc${{count.index}}"
  name             = "Concurrency member ${{count.index}}"
  security_role_id = connectwise_security_role.r[count.index].id
}}

resource "connectwise_api_key" "k" {{
  count       = {MEMBERS}
  member_id   = connectwise_api_member.m[count.index].id
  description = "Concurrency key ${{count.index}}"
}}
"#
    ));
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_resources_under_faults_converge_without_duplicates() {
    if std::env::var("CW_SKIP_SLOW_TESTS").as_deref() == Ok("1") {
        eprintln!("concurrency: skipped (CW_SKIP_SLOW_TESTS=1)");
        return;
    }
    let started = Instant::now();
    let h = Harness::new().await;
    h.raw_config(&configuration(&h));
    let faults = FaultConfig {
        seed: 7,
        server_error: 0.10,
        rate_limit: 0.05,
        lost_post: 0.08,
        retry_after_secs: 1,
        ..FaultConfig::default()
    };
    h.sandbox.set_faults(faults.clone());

    // Apply; on a failure the message must be clear, and applying again must finish the job.
    let mut applies = 0;
    let mut failures = Vec::new();
    loop {
        applies += 1;
        let run = h
            .terraform(&["apply", "-auto-approve", "-no-color", "-parallelism=32"])
            .await;
        let text = run.text();
        for crash in ["panic", "plugin exited", "Plugin did not respond"] {
            assert!(!text.contains(crash), "provider crashed:\n{text}");
        }
        if run.ok {
            break;
        }
        let errors: Vec<String> = text
            .lines()
            .filter(|l| l.contains("Error:"))
            .map(|l| {
                l.trim_matches(|c: char| c == '│' || c.is_whitespace())
                    .to_string()
            })
            .collect();
        assert!(!errors.is_empty(), "a failed apply says why:\n{text}");
        failures.push(errors);
        assert!(applies < 4, "apply did not converge: {failures:#?}");
    }
    let apply_time = started.elapsed();
    let counts = h.sandbox.fault_counts();
    let requests = h.sandbox.requests();

    // Exactly the declared objects.
    let (roles, members, keys) = h
        .sandbox
        .state()
        .with_tenant("sandbox", |t| {
            let mut roles: BTreeMap<String, usize> = BTreeMap::new();
            for r in t.roles.values() {
                if r.name.starts_with("Concurrency role") {
                    *roles.entry(r.name.clone()).or_default() += 1;
                }
            }
            let mut members: BTreeMap<String, (usize, i32)> = BTreeMap::new();
            for m in t.members.values() {
                if m.identifier.starts_with("conc") {
                    let e = members.entry(m.identifier.clone()).or_default();
                    e.0 += 1;
                    e.1 = m.id;
                }
            }
            let mut keys: BTreeMap<i32, usize> = BTreeMap::new();
            for k in t.api_keys.values() {
                *keys.entry(k.member_id).or_default() += 1;
            }
            (roles, members, keys)
        })
        .expect("tenant");
    let duplicate_roles = roles.values().filter(|n| **n > 1).count();
    let duplicate_members = members.values().filter(|(n, _)| *n > 1).count();
    assert_eq!(roles.len(), ROLES, "every role exists");
    assert_eq!(duplicate_roles, 0, "no duplicate role: {roles:?}");
    assert_eq!(members.len(), MEMBERS, "every member exists");
    assert_eq!(duplicate_members, 0, "no duplicate member: {members:?}");
    let mut extra_keys = 0;
    for (identifier, (_, id)) in &members {
        let n = keys.get(id).copied().unwrap_or(0);
        assert_eq!(
            n, 1,
            "member {identifier} has exactly one live key, not {n}"
        );
        extra_keys += n.saturating_sub(1);
    }
    let granted = h
        .sandbox
        .state()
        .with_tenant("sandbox", |t| {
            t.settings
                .values()
                .filter(|s| {
                    t.roles
                        .get(&s.role_id)
                        .is_some_and(|r| r.name.starts_with("Concurrency role"))
                        && s.inquire_level.as_str() == "All"
                })
                .count()
        })
        .expect("tenant");
    assert_eq!(
        granted,
        2 * ROLES_WITH_PERMISSIONS,
        "every permission granted"
    );
    assert!(counts.server_errors() > 0 && counts.rate_limited > 0 && counts.lost_posts > 0);
    let in_state = h.terraform(&["state", "list"]).await;
    assert_eq!(
        in_state.stdout.lines().count(),
        ROLES + 2 * ROLES_WITH_PERMISSIONS + 2 * MEMBERS,
        "every resource in state"
    );

    // The next plan (faults still on) is empty.
    h.expect_empty_plan().await;
    let total = started.elapsed();
    let lost_posts_recovered = requests
        .iter()
        .filter(|r| {
            r.method == "GET" && r.query.as_deref().is_some_and(|q| q.contains("conditions"))
        })
        .count();
    eprintln!(
        "concurrency: {} objects, {} applies ({} failed: {:?}), {} requests, injected: {} 5xx \
         (500 {}, 502 {}, 503 {}, 504 {}), {} 429, {} lost POSTs; lookups by condition {}; \
         duplicates 0 (roles {duplicate_roles}, members {duplicate_members}, extra keys \
         {extra_keys}); apply {:.1} s, total {:.1} s",
        ROLES + 2 * ROLES_WITH_PERMISSIONS + 2 * MEMBERS,
        applies,
        failures.len(),
        failures,
        requests.len(),
        counts.server_errors(),
        counts.status_500,
        counts.status_502,
        counts.status_503,
        counts.status_504,
        counts.rate_limited,
        counts.lost_posts,
        lost_posts_recovered,
        apply_time.as_secs_f64(),
        total.as_secs_f64(),
    );
}
