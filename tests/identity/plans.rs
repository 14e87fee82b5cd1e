//! Planned identities: absent while a create does not know the object's id, the object's own
//! identity for an in-place update and a destroy; none once the object is destroyed.

use tfplugin::Value;
use tfplugin::client::identity_data;
use tfplugin::proto::tfplugin6 as pb;

use crate::session::{Answer, Session, dv, errors, text};

/// PlanResourceChange of `prior` (null for a create) towards `proposed`, as Terraform 1.12
/// sends it (with the prior identity).
async fn plan(
    s: &mut Session,
    type_name: &str,
    prior: Option<&Answer>,
    proposed: &Value,
    config: &Value,
) -> pb::plan_resource_change::Response {
    let ty = s.ty(type_name);
    let identity_ty = s.identity_types[type_name].clone();
    let req = pb::plan_resource_change::Request {
        type_name: type_name.into(),
        prior_state: Some(dv(prior.map_or(&Value::Null, |p| &p.state), &ty)),
        proposed_new_state: Some(dv(proposed, &ty)),
        config: Some(dv(config, &ty)),
        prior_private: prior.map(|p| p.private.clone()).unwrap_or_default(),
        prior_identity: prior.map(|p| identity_data(&p.identity, &identity_ty)),
        ..Default::default()
    };
    let resp = s.p.provider.plan_resource_change(req).await.unwrap();
    let resp = resp.into_inner();
    assert!(errors(&resp.diagnostics).is_empty(), "{resp:?}");
    resp
}

#[tokio::test]
async fn a_create_plans_no_identity_until_it_knows_the_id() {
    let mut s = Session::start().await;
    let config = Value::object().with("name", Value::string("Planned"));
    let role_plan = plan(&mut s, "connectwise_security_role", None, &config, &config).await;
    assert_eq!(
        role_plan.planned_identity, None,
        "a new role's id is unknown: no identity yet"
    );
    // A mapping is named by its customer id, known from the configuration.
    let mapping_type = "connectwise_umbrella_psa_company_mapping";
    let config = Value::object()
        .with("customer_id", Value::int(crate::session::CUSTOMER))
        .with("psa_company_id", Value::string(crate::session::COMPANY));
    let mapping_plan = plan(&mut s, mapping_type, None, &config, &config).await;
    assert_eq!(
        s.identity(mapping_type, mapping_plan.planned_identity.as_ref()),
        Value::object().with("customer_id", Value::int(crate::session::CUSTOMER))
    );
    s.p.shutdown().await;
}

#[tokio::test]
async fn updates_and_destroys_keep_the_identity_until_the_object_is_gone() {
    let mut s = Session::start().await;
    let (role, _) = s.create_role("Planned").await;
    let permission_type = "connectwise_role_permission";
    let config = Value::object()
        .with("role_id", Value::string(text(&role.state, "id")))
        .with("module", Value::string("Companies"))
        .with("function", Value::string("Company Maintenance"))
        .with("inquire_level", Value::string("All"));
    let permission = s.create(permission_type, config.clone()).await;
    s.restart_provider().await;

    // An in-place change keeps the identity in the plan.
    let changed = config.with("edit_level", Value::string("All"));
    let mut proposed = permission.state.clone();
    proposed.set("edit_level", Value::string("All"));
    let update = plan(
        &mut s,
        permission_type,
        Some(&permission),
        &proposed,
        &changed,
    )
    .await;
    assert!(update.requires_replace.is_empty(), "an in-place update");
    assert_eq!(
        s.identity(permission_type, update.planned_identity.as_ref()),
        permission.identity
    );

    // Destroy: the plan keeps the identity, the applied destroy answers none.
    let null = Value::Null;
    let destroy = plan(&mut s, permission_type, Some(&permission), &null, &null).await;
    assert_eq!(
        s.identity(permission_type, destroy.planned_identity.as_ref()),
        permission.identity
    );
    let ty = s.ty(permission_type);
    let req = pb::apply_resource_change::Request {
        type_name: permission_type.into(),
        prior_state: Some(dv(&permission.state, &ty)),
        planned_state: Some(dv(&null, &ty)),
        config: Some(dv(&null, &ty)),
        planned_private: permission.private.clone(),
        planned_identity: destroy.planned_identity,
        ..Default::default()
    };
    let destroyed = s.p.provider.apply_resource_change(req).await.unwrap();
    let destroyed = destroyed.into_inner();
    assert!(errors(&destroyed.diagnostics).is_empty(), "{destroyed:?}");
    assert_eq!(destroyed.new_identity, None);
    s.p.shutdown().await;
}
