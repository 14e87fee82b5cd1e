//! What is refused, as a diagnostic that says why and names the attribute, never a panic:
//! identities of an unknown version or shape, identities missing or mistyping an attribute,
//! and identities that name no object.

use tfplugin::client::{PluginProcess, decode_identity, identity_type};
use tfplugin::{Type, Value};

use crate::session::{CUSTOMER, Session, attribute_of, binary, errors};

#[tokio::test]
async fn stored_identities_of_version_0_upgrade_and_others_are_refused() {
    let mut p = PluginProcess::launch(binary(), &[])
        .await
        .expect("provider starts");
    let schemas = p.identity_schemas().await.unwrap();
    let key_type = "connectwise_api_key";
    let ty = identity_type(&schemas[key_type]).unwrap();
    let resp = p
        .upgrade_identity(key_type, 0, br#"{"member_id": "150", "key_id": "7"}"#)
        .await
        .unwrap();
    assert!(resp.diagnostics.is_empty(), "{resp:?}");
    assert_eq!(
        decode_identity(resp.upgraded_identity.as_ref(), &ty).unwrap(),
        Value::object()
            .with("member_id", Value::string("150"))
            .with("key_id", Value::string("7"))
    );

    let mapping_type = "connectwise_umbrella_psa_company_mapping";
    let ty = identity_type(&schemas[mapping_type]).unwrap();
    let resp = p
        .upgrade_identity(mapping_type, 0, br#"{"customer_id": 2000001}"#)
        .await
        .unwrap();
    assert_eq!(
        decode_identity(resp.upgraded_identity.as_ref(), &ty).unwrap(),
        Value::object().with("customer_id", Value::int(CUSTOMER))
    );

    let newer = p
        .upgrade_identity(key_type, 1, br#"{"member_id": "150", "key_id": "7"}"#)
        .await
        .unwrap();
    let d = errors(&newer.diagnostics);
    assert_eq!(d.len(), 1, "{newer:?}");
    assert!(
        d[0].detail.contains("identity version 1") && d[0].detail.contains("newer provider"),
        "{}",
        d[0].detail
    );
    assert_eq!(newer.upgraded_identity, None);

    let wrong = p
        .upgrade_identity(mapping_type, 0, br#"{"customer_id": "acme"}"#)
        .await
        .unwrap();
    let d = errors(&wrong.diagnostics);
    assert!(
        d.len() == 1 && d[0].detail.contains("customer_id"),
        "{wrong:?}"
    );
    let not_json = p.upgrade_identity(key_type, 0, b"{").await.unwrap();
    assert!(
        errors(&not_json.diagnostics)[0]
            .detail
            .contains("not valid JSON")
    );
    p.shutdown().await;
}

#[tokio::test]
async fn identities_missing_or_mistyping_an_attribute_are_refused() {
    let mut s = Session::start().await;
    let key_type = "connectwise_api_key";

    // A required attribute left out.
    let missing = Value::object().with("member_id", Value::string("150"));
    let d = s
        .import_by_identity(key_type, &missing)
        .await
        .err()
        .unwrap();
    assert_eq!(attribute_of(&d[0]).as_deref(), Some("key_id"), "{d:?}");
    assert!(d[0].detail.contains("\"key_id\" is required"), "{d:?}");

    // The wrong type: a bool where a string belongs, a word where a number belongs.
    let wrong_types = [
        (
            key_type,
            Value::object()
                .with("member_id", Value::Bool(true))
                .with("key_id", Value::string("7")),
            [("member_id", Type::Bool), ("key_id", Type::String)],
            "member_id",
        ),
        (
            "connectwise_umbrella_psa_company_mapping",
            Value::object().with("customer_id", Value::string("acme")),
            [("customer_id", Type::String), ("unused", Type::String)],
            "customer_id",
        ),
    ];
    for (type_name, identity, fields, attribute) in wrong_types {
        let sent_as = Type::Object(fields.map(|(n, t)| (n.to_string(), t)).into());
        let resp = s.p.import_by_identity(type_name, &identity, &sent_as).await;
        let resp = resp.unwrap();
        let d = errors(&resp.diagnostics);
        assert_eq!(d.len(), 1, "{resp:?}");
        assert!(d[0].detail.contains(attribute), "{}", d[0].detail);
        assert!(!d[0].detail.contains("panicked"), "{}", d[0].detail);
    }

    // A role id that is a name, a console that is not `psa`.
    let role_type = "connectwise_security_role";
    let named = Value::object().with("id", Value::string("Umbrella"));
    let d = s.import_by_identity(role_type, &named).await.err().unwrap();
    assert_eq!(attribute_of(&d[0]).as_deref(), Some("id"), "{d:?}");
    let console = Value::object().with("id", Value::string("other"));
    let credentials_type = "connectwise_umbrella_psa_credentials";
    let d = s.import_by_identity(credentials_type, &console).await.err();
    assert_eq!(attribute_of(&d.unwrap()[0]).as_deref(), Some("id"));

    // The provider keeps serving.
    assert_eq!(s.p.identity_schemas().await.unwrap().len(), 8);
    s.p.shutdown().await;
}

#[tokio::test]
async fn identities_that_name_no_object_are_refused() {
    let mut s = Session::start().await;
    let role_type = "connectwise_security_role";
    let unknown = Value::object().with("id", Value::string("999999"));
    let d = s
        .import_by_identity(role_type, &unknown)
        .await
        .err()
        .unwrap();
    assert!(
        d[0].detail.contains("999999") && d[0].detail.contains(r#"{id = "999999"}"#),
        "{d:?}"
    );

    let permission_type = "connectwise_role_permission";
    let unknown_role = Value::object()
        .with("role_id", Value::string("999999"))
        .with("module", Value::string("System"))
        .with("function", Value::string("Table Setup"));
    let d = s.import_by_identity(permission_type, &unknown_role).await;
    let d = d.err().unwrap();
    assert!(d[0].detail.contains(r#"role_id = "999999""#), "{d:?}");

    let (_, role_id) = s.create_role("Refusals").await;
    let unknown_function = unknown_role
        .with("role_id", Value::string(role_id))
        .with("function", Value::string("Table Setpu"));
    let d = s
        .import_by_identity(permission_type, &unknown_function)
        .await;
    let d = d.err().unwrap();
    assert_eq!(attribute_of(&d[0]).as_deref(), Some("function"), "{d:?}");
    assert!(d[0].detail.contains("System > Table Setpu"), "{d:?}");
    let unknown_module = unknown_function.with("module", Value::string("Sytem"));
    let d = s.import_by_identity(permission_type, &unknown_module).await;
    let d = d.err().unwrap();
    assert_eq!(attribute_of(&d[0]).as_deref(), Some("module"), "{d:?}");
    assert!(d[0].detail.contains("Did you mean \"System\"?"), "{d:?}");

    let mapping_type = "connectwise_umbrella_psa_company_mapping";
    let no_customer = Value::object().with("customer_id", Value::int(CUSTOMER + 999));
    let d = s.import_by_identity(mapping_type, &no_customer).await;
    let d = d.err().unwrap();
    assert!(
        d[0].detail
            .contains(&format!("customer_id = {}", CUSTOMER + 999)),
        "{d:?}"
    );
    s.p.shutdown().await;
}
