//! Apply, read, import by id and import by identity answer one identity per object, and
//! import by identity gives the state import by id gives.

use tfplugin::Value;

use crate::session::{COMPANY, CUSTOMER, Session, text};

#[tokio::test]
async fn a_role_and_its_permissions_keep_their_identity() {
    let mut s = Session::start().await;
    let role_type = "connectwise_security_role";
    let (role, role_id) = s.create_role("Identity").await;
    assert_eq!(
        role.identity,
        Value::object().with("id", Value::string(&role_id))
    );
    s.check_lifecycle(role_type, &role, &role_id).await;
    // Import by name answers the same identity too.
    let by_name = s.import(role_type, "Identity").await;
    assert_eq!(by_name.identity, role.identity);

    let permission_type = "connectwise_role_permission";
    let permission = s
        .create(
            permission_type,
            Value::object()
                .with("role_id", Value::string(&role_id))
                .with("module", Value::string("System"))
                .with("function", Value::string("Table Setup"))
                .with("inquire_level", Value::string("All")),
        )
        .await;
    assert_eq!(
        permission.identity,
        Value::object()
            .with("role_id", Value::string(&role_id))
            .with("module", Value::string("System"))
            .with("function", Value::string("Table Setup"))
    );
    let permission_id = text(&permission.state, "id");
    s.check_lifecycle(permission_type, &permission, &permission_id)
        .await;
    // The identity's import id form names the same row.
    let by_format = s
        .import(permission_type, &format!("{role_id}/System/Table Setup"))
        .await;
    let by_id = s.import(permission_type, &permission_id).await;
    assert_eq!(by_format.state, by_id.state);

    let set_type = "connectwise_role_permission_set";
    let set = s.import(set_type, &role_id).await;
    assert_eq!(
        set.identity,
        Value::object().with("role_id", Value::string(&role_id))
    );
    let by_identity = s.import_by_identity(set_type, &set.identity).await;
    assert_eq!(by_identity.ok().map(|a| a.state), Some(set.state));
    s.p.shutdown().await;
}

#[tokio::test]
async fn a_member_and_its_key_keep_their_identity() {
    let mut s = Session::start().await;
    let (_, role_id) = s.create_role("Identity").await;
    let member_type = "connectwise_api_member";
    let member = s
        .create(
            member_type,
            Value::object()
                .with("identifier", Value::string("IdentityApi"))
                .with("name", Value::string("Identity API"))
                .with("security_role_id", Value::string(&role_id)),
        )
        .await;
    let member_id = text(&member.state, "id");
    assert_eq!(
        member.identity,
        Value::object().with("id", Value::string(&member_id))
    );
    s.check_lifecycle(member_type, &member, &member_id).await;

    let key_type = "connectwise_api_key";
    let key = s
        .create(
            key_type,
            Value::object()
                .with("member_id", Value::string(&member_id))
                .with("description", Value::string("Identity")),
        )
        .await;
    let key_id = text(&key.state, "key_id");
    assert_eq!(
        key.identity,
        Value::object()
            .with("member_id", Value::string(&member_id))
            .with("key_id", Value::string(&key_id))
    );
    s.check_lifecycle(key_type, &key, &format!("{member_id}/{key_id}"))
        .await;
    // Import by `<member identifier>/<public key>` answers the same identity.
    let public_key = text(&key.state, "public_key");
    let by_names = s
        .import(key_type, &format!("IdentityApi/{public_key}"))
        .await;
    assert_eq!(by_names.identity, key.identity);
    s.p.shutdown().await;
}

#[tokio::test]
async fn the_umbrella_objects_keep_their_identity() {
    let mut s = Session::start().await;
    let credentials_type = "connectwise_umbrella_psa_credentials";
    let tenant = s.sandbox.config().tenants[0].clone();
    let credentials = s
        .create(
            credentials_type,
            Value::object()
                .with("site", Value::string(s.sandbox.url()))
                .with("company_id", Value::string(&tenant.company_id))
                .with("public_key", Value::string(&tenant.public_key))
                .with("private_key", Value::string(&tenant.private_key)),
        )
        .await;
    assert_eq!(
        credentials.identity,
        Value::object().with("id", Value::string("psa"))
    );
    s.check_lifecycle(credentials_type, &credentials, "psa")
        .await;

    let mapping_type = "connectwise_umbrella_psa_company_mapping";
    let mapping = s
        .create(
            mapping_type,
            Value::object()
                .with("customer_id", Value::int(CUSTOMER))
                .with("psa_company_id", Value::string(COMPANY)),
        )
        .await;
    assert_eq!(
        mapping.identity,
        Value::object().with("customer_id", Value::int(CUSTOMER))
    );
    s.check_lifecycle(mapping_type, &mapping, &CUSTOMER.to_string())
        .await;

    let table_type = "connectwise_umbrella_psa_company_mappings";
    let table = s.import(table_type, "psa").await;
    assert_eq!(
        table.identity,
        Value::object().with("id", Value::string("psa"))
    );
    let by_identity = s.import_by_identity(table_type, &table.identity).await;
    assert_eq!(by_identity.ok().map(|a| a.state), Some(table.state));
    s.p.shutdown().await;
}
