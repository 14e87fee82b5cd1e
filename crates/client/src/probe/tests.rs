//! Unit tests of the report's logic; the probes themselves are tested against the sandbox
//! (`crates/client/tests`, the provider's `tests/check.rs` and acceptance tests).

use super::*;

fn call(area: Option<Area>, support: Support) -> CallProbe {
    CallProbe {
        vendor: Vendor::ConnectWise,
        call: "GET /x".to_owned(),
        area,
        permission: Some("System > Security Roles: Edit"),
        support,
    }
}

fn report(calls: Vec<CallProbe>) -> Report {
    Report {
        connectwise: None,
        umbrella: None,
        calls,
        rate_limit_headers: BTreeMap::new(),
    }
}

#[test]
fn an_area_is_its_first_unsupported_call() {
    let r = report(vec![
        call(Some(Area::ApiKeys), Support::Supported),
        call(Some(Area::ApiKeys), Support::Unsupported { status: 405 }),
    ]);
    assert_eq!(r.area(Area::ApiKeys), Support::Unsupported { status: 405 });
    assert!(!r.supports(Area::ApiKeys));
    assert!(matches!(
        r.area(Area::RolePermissions),
        Support::NotProbed { .. }
    ));
    let steps = r.manual_steps();
    assert_eq!(
        steps.get("api_keys").map(String::as_str),
        Some(Area::ApiKeys.manual_step())
    );
    assert_eq!(
        steps.len(),
        Area::ALL.len(),
        "unprobed areas need their step too"
    );
}

#[test]
fn a_forbidden_area_names_the_permission_and_the_step() {
    let r = report(vec![call(
        Some(Area::RolePermissions),
        Support::Forbidden {
            message: "no".to_owned(),
        },
    )]);
    let step = &r.manual_steps()["role_permissions"];
    assert!(step.contains("System > Security Roles: Edit"), "{step}");
    assert!(step.contains(Area::RolePermissions.manual_step()), "{step}");
}

#[test]
fn complete_needs_both_servers_and_every_call() {
    let mut r = report(vec![call(None, Support::Supported)]);
    assert!(!r.complete(), "no servers configured");
    r.connectwise = Some(ConnectWiseFacts {
        site: "s".into(),
        company_id: "c".into(),
        authentication: Support::Supported,
        company_name: None,
        codebase: None,
        version_code: None,
        version_number: None,
        api_version: "2025.1".into(),
        server_api_version: None,
    });
    r.umbrella = Some(UmbrellaFacts {
        base_url: "u".into(),
        authentication: Support::Supported,
    });
    assert!(r.complete());
    r.calls
        .push(call(None, Support::Unsupported { status: 404 }));
    assert!(!r.complete());
}

#[test]
fn every_area_key_is_distinct_and_has_a_step() {
    let keys: std::collections::BTreeSet<_> = Area::ALL.iter().map(|a| a.key()).collect();
    assert_eq!(keys.len(), Area::ALL.len());
    for area in Area::ALL {
        assert!(area.manual_step().len() > 40, "{area:?}");
    }
}
