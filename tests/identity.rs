//! Resource identity (plugin protocol 6.9, Terraform 1.12 and later) at the protocol level:
//! the real provider binary driven by the project's protocol client against the sandbox, as
//! Terraform 1.12 would drive it. The Terraform on these machines (1.11) never asks for
//! identities, so these calls are made by hand: identity schemas, the identity answered by
//! apply, read and import, import by identity, identity upgrades and bad identities.

use std::collections::HashMap;
use std::path::Path;

use connectwise_provider::provider::ConnectWiseProvider;
use connectwise_sandbox::{Sandbox, SandboxConfig};
use tfplugin::client::{PluginProcess, decode_identity, identity_type};
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::value::{from_msgpack, to_msgpack};
use tfplugin::{Provider, Schema, Type, Value};

const CLIENT_ID: &str = "3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19";
/// The sandbox's first managed customer and the ConnectWise company named after it.
const CUSTOMER: i64 = 2_000_001;
const COMPANY: &str = "AcmeDental";

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

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"))
}

/// The resources' schemas under their full type names, from the provider library.
fn resource_schemas() -> HashMap<String, Schema> {
    ConnectWiseProvider::new()
        .resources()
        .iter()
        .map(|r| (format!("connectwise_{}", r.name()), r.schema()))
        .collect()
}

fn errors(diags: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect()
}

/// The attribute a diagnostic points at, if any.
fn attribute_of(d: &pb::Diagnostic) -> Option<String> {
    use pb::attribute_path::step::Selector;
    match d.attribute.as_ref()?.steps.first()?.selector.as_ref()? {
        Selector::AttributeName(name) => Some(name.clone()),
        _ => None,
    }
}

/// One object as the provider answered it.
struct Answer {
    state: Value,
    private: Vec<u8>,
    identity: Value,
}

/// A provider process configured for the sandbox's first tenant.
struct Session {
    sandbox: Sandbox,
    p: PluginProcess,
    schemas: HashMap<String, Schema>,
    identity_types: HashMap<String, Type>,
}

impl Session {
    async fn start() -> Session {
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox starts");
        let mut p = PluginProcess::launch(binary(), &[])
            .await
            .expect("provider starts");
        let identity_types = p
            .identity_schemas()
            .await
            .expect("identity schemas")
            .iter()
            .map(|(name, s)| (name.clone(), identity_type(s).expect("known types")))
            .collect();
        let mut session = Session {
            sandbox,
            p,
            schemas: resource_schemas(),
            identity_types,
        };
        session.configure().await;
        session
    }

    /// A new provider process for the same sandbox, as each Terraform command starts one
    /// (plan-time claims on permission rows last for one process).
    async fn restart_provider(&mut self) {
        let fresh = PluginProcess::launch(binary(), &[])
            .await
            .expect("provider starts");
        std::mem::replace(&mut self.p, fresh).shutdown().await;
        self.configure().await;
    }

    async fn configure(&mut self) {
        let t = &self.sandbox.config().tenants[0];
        let url = self.sandbox.url();
        let config = Value::object()
            .with("site", Value::string(&url))
            .with("company_id", Value::string(&t.company_id))
            .with("public_key", Value::string(&t.public_key))
            .with("private_key", Value::string(&t.private_key))
            .with("client_id", Value::string(CLIENT_ID))
            .with("requests_per_minute", Value::int(0))
            .with(
                "umbrella",
                Value::object()
                    .with("base_url", Value::string(&url))
                    .with("api_key", Value::string(&t.umbrella_api_key))
                    .with("api_secret", Value::string(&t.umbrella_api_secret)),
            );
        let ty = connectwise_provider::provider::config::provider_schema().ty();
        let resp = self
            .p
            .provider
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.12.0".into(),
                config: Some(dv(&config, &ty)),
                client_capabilities: None,
            })
            .await
            .expect("configure")
            .into_inner();
        assert!(errors(&resp.diagnostics).is_empty(), "{resp:?}");
    }

    fn ty(&self, type_name: &str) -> Type {
        self.schemas[type_name].ty()
    }

    fn value(&self, type_name: &str, dv: Option<pb::DynamicValue>) -> Value {
        let bytes = dv.map(|d| d.msgpack).unwrap_or_default();
        from_msgpack(&bytes, &self.ty(type_name)).expect("a value of the schema's type")
    }

    fn identity(&self, type_name: &str, data: Option<&pb::ResourceIdentityData>) -> Value {
        decode_identity(data, &self.identity_types[type_name]).expect("identity decodes")
    }

    /// Plans and applies the creation of `config`, as `terraform apply` does.
    async fn create(&mut self, type_name: &str, config: Value) -> Answer {
        let ty = self.ty(type_name);
        let plan = self
            .p
            .provider
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: type_name.into(),
                prior_state: Some(dv(&Value::Null, &ty)),
                proposed_new_state: Some(dv(&config, &ty)),
                config: Some(dv(&config, &ty)),
                ..Default::default()
            })
            .await
            .expect("plan")
            .into_inner();
        assert!(errors(&plan.diagnostics).is_empty(), "{plan:?}");
        let applied = self
            .p
            .provider
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: type_name.into(),
                prior_state: Some(dv(&Value::Null, &ty)),
                planned_state: plan.planned_state,
                config: Some(dv(&config, &ty)),
                planned_private: plan.planned_private,
                planned_identity: plan.planned_identity,
                ..Default::default()
            })
            .await
            .expect("apply")
            .into_inner();
        assert!(errors(&applied.diagnostics).is_empty(), "{applied:?}");
        Answer {
            state: self.value(type_name, applied.new_state),
            private: applied.private,
            identity: self.identity(type_name, applied.new_identity.as_ref()),
        }
    }

    /// Refreshes an object, passing its identity as Terraform 1.12 does.
    async fn read(&mut self, type_name: &str, object: &Answer) -> Answer {
        let ty = self.ty(type_name);
        let resp = self
            .p
            .provider
            .read_resource(pb::read_resource::Request {
                type_name: type_name.into(),
                current_state: Some(dv(&object.state, &ty)),
                private: object.private.clone(),
                current_identity: Some(tfplugin::client::identity_data(
                    &object.identity,
                    &self.identity_types[type_name],
                )),
                ..Default::default()
            })
            .await
            .expect("read")
            .into_inner();
        assert!(errors(&resp.diagnostics).is_empty(), "{resp:?}");
        Answer {
            state: self.value(type_name, resp.new_state),
            private: resp.private,
            identity: self.identity(type_name, resp.new_identity.as_ref()),
        }
    }

    /// Imports by a string id (any Terraform version).
    async fn import(&mut self, type_name: &str, id: &str) -> Answer {
        let resp = self
            .p
            .provider
            .import_resource_state(pb::import_resource_state::Request {
                type_name: type_name.into(),
                id: id.into(),
                ..Default::default()
            })
            .await
            .expect("import")
            .into_inner();
        assert!(errors(&resp.diagnostics).is_empty(), "{resp:?}");
        self.imported(type_name, resp)
    }

    /// Imports by identity (Terraform 1.12 and later); errors are returned.
    async fn import_by_identity(
        &mut self,
        type_name: &str,
        identity: &Value,
    ) -> Result<Answer, Vec<pb::Diagnostic>> {
        let ty = self.identity_types[type_name].clone();
        let resp = self
            .p
            .import_by_identity(type_name, identity, &ty)
            .await
            .expect("import by identity");
        if !errors(&resp.diagnostics).is_empty() {
            return Err(resp.diagnostics);
        }
        Ok(self.imported(type_name, resp))
    }

    fn imported(&self, type_name: &str, resp: pb::import_resource_state::Response) -> Answer {
        assert_eq!(resp.imported_resources.len(), 1, "{resp:?}");
        let r = resp.imported_resources.into_iter().next().unwrap();
        assert_eq!(r.type_name, type_name);
        Answer {
            state: self.value(type_name, r.state),
            private: r.private,
            identity: self.identity(type_name, r.identity.as_ref()),
        }
    }

    /// Create, read, import by id and import by identity agree on the object's identity, and
    /// both imports give the same state.
    async fn check_lifecycle(&mut self, type_name: &str, created: &Answer, import_id: &str) {
        assert!(
            !created.identity.is_null() && created.identity.is_wholly_known(),
            "{type_name}: apply answers an identity: {:?}",
            created.identity
        );
        let read = self.read(type_name, created).await;
        assert_eq!(read.identity, created.identity, "{type_name}: read");
        let by_id = self.import(type_name, import_id).await;
        assert_eq!(by_id.identity, created.identity, "{type_name}: import");
        let by_identity = self
            .import_by_identity(type_name, &created.identity)
            .await
            .unwrap_or_else(|d| panic!("{type_name}: import by identity: {d:?}"));
        assert_eq!(by_identity.state, by_id.state, "{type_name}: same state");
        assert_eq!(by_identity.identity, created.identity, "{type_name}");
    }
}

fn dv(v: &Value, ty: &Type) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: to_msgpack(v, ty),
        json: Vec::new(),
    }
}

fn text(v: &Value, name: &str) -> String {
    v.get(name).as_str().unwrap_or_default().to_string()
}

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

#[tokio::test]
async fn apply_read_and_import_answer_the_same_identity() {
    let mut s = Session::start().await;

    let role_type = "connectwise_security_role";
    let role = s
        .create(
            role_type,
            Value::object().with("name", Value::string("Identity")),
        )
        .await;
    let role_id = text(&role.state, "id");
    assert_eq!(
        role.identity,
        Value::object().with("id", Value::string(&role_id))
    );
    s.check_lifecycle(role_type, &role, &role_id).await;
    // Import by name answers the same identity too.
    assert_eq!(
        s.import(role_type, "Identity").await.identity,
        role.identity
    );

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
    assert_eq!(
        by_format.state,
        s.import(permission_type, &permission_id).await.state
    );

    let set_type = "connectwise_role_permission_set";
    let set = s.import(set_type, &role_id).await;
    assert_eq!(
        set.identity,
        Value::object().with("role_id", Value::string(&role_id))
    );

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

    let credentials_type = "connectwise_umbrella_psa_credentials";
    let company = s.sandbox.config().tenants[0].company_id.clone();
    let credentials = s
        .create(
            credentials_type,
            Value::object()
                .with("site", Value::string(s.sandbox.url()))
                .with("company_id", Value::string(company))
                .with("public_key", key.state.get("public_key").clone())
                .with("private_key", key.state.get("private_key").clone()),
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

#[tokio::test]
async fn plans_know_the_identity_once_the_object_does() {
    let mut s = Session::start().await;
    let role_type = "connectwise_security_role";
    let ty = s.ty(role_type);
    let config = Value::object().with("name", Value::string("Planned"));
    let plan =
        s.p.provider
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: role_type.into(),
                prior_state: Some(dv(&Value::Null, &ty)),
                proposed_new_state: Some(dv(&config, &ty)),
                config: Some(dv(&config, &ty)),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
    assert_eq!(
        plan.planned_identity, None,
        "a create's id is unknown: no identity yet"
    );
    let role = s.create(role_type, config).await;

    // An in-place change of a permission keeps its identity in the plan.
    let permission_type = "connectwise_role_permission";
    let config = Value::object()
        .with("role_id", Value::string(text(&role.state, "id")))
        .with("module", Value::string("Companies"))
        .with("function", Value::string("Company Maintenance"))
        .with("inquire_level", Value::string("All"));
    let permission = s.create(permission_type, config.clone()).await;
    s.restart_provider().await;
    let ty = s.ty(permission_type);
    let changed = config.with("edit_level", Value::string("All"));
    let identity_ty = s.identity_types[permission_type].clone();
    let prior_identity = tfplugin::client::identity_data(&permission.identity, &identity_ty);
    let mut proposed = permission.state.clone();
    proposed.set("edit_level", Value::string("All"));
    let plan =
        s.p.provider
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: permission_type.into(),
                prior_state: Some(dv(&permission.state, &ty)),
                proposed_new_state: Some(dv(&proposed, &ty)),
                config: Some(dv(&changed, &ty)),
                prior_private: permission.private.clone(),
                prior_identity: Some(prior_identity.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
    assert!(errors(&plan.diagnostics).is_empty(), "{plan:?}");
    assert!(plan.requires_replace.is_empty(), "an in-place update");
    assert_eq!(
        s.identity(permission_type, plan.planned_identity.as_ref()),
        permission.identity
    );

    // Destroy: the plan keeps the identity, the applied destroy has none.
    let destroy_plan =
        s.p.provider
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: permission_type.into(),
                prior_state: Some(dv(&permission.state, &ty)),
                proposed_new_state: Some(dv(&Value::Null, &ty)),
                config: Some(dv(&Value::Null, &ty)),
                prior_private: permission.private.clone(),
                prior_identity: Some(prior_identity.clone()),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
    assert_eq!(destroy_plan.planned_identity, Some(prior_identity.clone()));
    let destroyed =
        s.p.provider
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: permission_type.into(),
                prior_state: Some(dv(&permission.state, &ty)),
                planned_state: Some(dv(&Value::Null, &ty)),
                config: Some(dv(&Value::Null, &ty)),
                planned_private: permission.private.clone(),
                planned_identity: Some(prior_identity),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
    assert!(errors(&destroyed.diagnostics).is_empty(), "{destroyed:?}");
    assert_eq!(destroyed.new_identity, None);
    s.p.shutdown().await;
}

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
async fn bad_identities_are_diagnostics_that_name_the_attribute() {
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
        let resp =
            s.p.import_by_identity(type_name, &identity, &sent_as)
                .await
                .unwrap();
        let d = errors(&resp.diagnostics);
        assert_eq!(d.len(), 1, "{resp:?}");
        assert!(d[0].detail.contains(attribute), "{}", d[0].detail);
        assert!(!d[0].detail.contains("panicked"), "{}", d[0].detail);
    }

    // Not a record id, and a record id no role has.
    let role_type = "connectwise_security_role";
    let named = Value::object().with("id", Value::string("Umbrella"));
    let d = s.import_by_identity(role_type, &named).await.err().unwrap();
    assert_eq!(attribute_of(&d[0]).as_deref(), Some("id"), "{d:?}");
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
    let d = s
        .import_by_identity(permission_type, &unknown_role)
        .await
        .err()
        .unwrap();
    assert!(d[0].detail.contains(r#"role_id = "999999""#), "{d:?}");
    let unknown_function = unknown_role
        .clone()
        .with("role_id", Value::string("1"))
        .with("function", Value::string("Table Setpu"));
    let d = s
        .import_by_identity(permission_type, &unknown_function)
        .await
        .err()
        .unwrap();
    assert_eq!(attribute_of(&d[0]).as_deref(), Some("function"), "{d:?}");
    assert!(d[0].detail.contains("System > Table Setpu"), "{d:?}");
    let console = Value::object().with("id", Value::string("other"));
    let d = s
        .import_by_identity("connectwise_umbrella_psa_credentials", &console)
        .await
        .err()
        .unwrap();
    assert_eq!(attribute_of(&d[0]).as_deref(), Some("id"), "{d:?}");

    // The provider keeps serving.
    assert_eq!(s.p.identity_schemas().await.unwrap().len(), EXPECTED.len());
    s.p.shutdown().await;
}
