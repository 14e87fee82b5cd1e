//! Resource identity (plugin protocol 6.9, Terraform 1.12 and later) at the protocol level:
//! the real provider binary driven by the project's protocol client against the sandbox, as
//! Terraform 1.12 would drive it. The Terraform on these machines (1.11) never asks for
//! identities, so these calls are made by hand: identity schemas (here), the identity answered
//! by apply, read and import and import by identity (`lifecycle`), planned identities
//! (`plans`), identity upgrades and bad identities (`refusals`).

mod lifecycle;
mod plans;
mod refusals;
mod session;

use connectwise_provider::provider::ConnectWiseProvider;
use session::binary;
use tfplugin::Provider;
use tfplugin::client::PluginProcess;

/// The identity attributes (name, type) each resource must declare.
const EXPECTED: &[(&str, &[(&str, &str)])] = &[
    ("connectwise_security_role", &[("id", "string")]),
    (
        "connectwise_role_permission",
        &[
            ("role_id", "string"),
            ("module", "string"),
            ("function", "string"),
        ],
    ),
    ("connectwise_role_permission_set", &[("role_id", "string")]),
    ("connectwise_api_member", &[("id", "string")]),
    (
        "connectwise_api_key",
        &[("member_id", "string"), ("key_id", "string")],
    ),
    ("connectwise_umbrella_psa_credentials", &[("id", "string")]),
    (
        "connectwise_umbrella_psa_company_mapping",
        &[("customer_id", "number")],
    ),
    (
        "connectwise_umbrella_psa_company_mappings",
        &[("id", "string")],
    ),
];

#[test]
fn every_identity_reads_state_attributes_of_its_type() {
    for r in ConnectWiseProvider::new().resources() {
        let identity = r
            .identity()
            .unwrap_or_else(|| panic!("{} declares an identity", r.name()));
        assert_eq!(
            identity.matches_schema(&r.schema().block),
            Ok(()),
            "{}",
            r.name()
        );
    }
}

#[tokio::test]
async fn identity_schemas_name_every_resource() {
    let mut p = PluginProcess::launch(binary(), &[])
        .await
        .expect("provider starts");
    let schemas = p.identity_schemas().await.expect("identity schemas");
    assert_eq!(schemas.len(), EXPECTED.len(), "{:?}", schemas.keys());
    for (type_name, attributes) in EXPECTED {
        let schema = &schemas[*type_name];
        assert_eq!(schema.version, 0, "{type_name}");
        let found: Vec<(String, String, bool, bool)> = schema
            .identity_attributes
            .iter()
            .map(|a| {
                assert!(!a.description.is_empty(), "{type_name}.{}", a.name);
                let ty: String = serde_json::from_slice(&a.r#type).expect("a type");
                (
                    a.name.clone(),
                    ty,
                    a.required_for_import,
                    a.optional_for_import,
                )
            })
            .collect();
        let wanted: Vec<(String, String, bool, bool)> = attributes
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string(), true, false))
            .collect();
        assert_eq!(found, wanted, "{type_name}");
    }
    p.shutdown().await;
}
