//! A provider process driven over the protocol as Terraform 1.12 drives it, configured for a
//! sandbox: create (plan + apply), read, import by id and by identity.

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
pub const CUSTOMER: i64 = 2_000_001;
pub const COMPANY: &str = "AcmeDental";

pub fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"))
}

/// The resources' schemas under their full type names, from the provider library.
pub fn resource_schemas() -> HashMap<String, Schema> {
    ConnectWiseProvider::new()
        .resources()
        .iter()
        .map(|r| (format!("connectwise_{}", r.name()), r.schema()))
        .collect()
}

pub fn errors(diags: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect()
}

/// The attribute a diagnostic points at, if any.
pub fn attribute_of(d: &pb::Diagnostic) -> Option<String> {
    use pb::attribute_path::step::Selector;
    match d.attribute.as_ref()?.steps.first()?.selector.as_ref()? {
        Selector::AttributeName(name) => Some(name.clone()),
        _ => None,
    }
}

/// One object as the provider answered it.
pub struct Answer {
    pub state: Value,
    pub private: Vec<u8>,
    pub identity: Value,
}

/// A provider process configured for the sandbox's first tenant.
pub struct Session {
    pub sandbox: Sandbox,
    pub p: PluginProcess,
    schemas: HashMap<String, Schema>,
    pub identity_types: HashMap<String, Type>,
}

impl Session {
    pub async fn start() -> Session {
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
    pub async fn restart_provider(&mut self) {
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

    pub fn ty(&self, type_name: &str) -> Type {
        self.schemas[type_name].ty()
    }

    fn value(&self, type_name: &str, dv: Option<pb::DynamicValue>) -> Value {
        let bytes = dv.map(|d| d.msgpack).unwrap_or_default();
        from_msgpack(&bytes, &self.ty(type_name)).expect("a value of the schema's type")
    }

    pub fn identity(&self, type_name: &str, data: Option<&pb::ResourceIdentityData>) -> Value {
        decode_identity(data, &self.identity_types[type_name]).expect("identity decodes")
    }

    /// Plans and applies the creation of `config`, as `terraform apply` does.
    pub async fn create(&mut self, type_name: &str, config: Value) -> Answer {
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
    pub async fn read(&mut self, type_name: &str, object: &Answer) -> Answer {
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
    pub async fn import(&mut self, type_name: &str, id: &str) -> Answer {
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
    pub async fn import_by_identity(
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

    /// A new security role and its record id.
    pub async fn create_role(&mut self, name: &str) -> (Answer, String) {
        let config = Value::object().with("name", Value::string(name));
        let role = self.create("connectwise_security_role", config).await;
        let id = text(&role.state, "id");
        (role, id)
    }

    /// Create, read, import by id and import by identity agree on the object's identity, and
    /// both imports give the same state.
    pub async fn check_lifecycle(&mut self, type_name: &str, created: &Answer, import_id: &str) {
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

pub fn dv(v: &Value, ty: &Type) -> pb::DynamicValue {
    pb::DynamicValue {
        msgpack: to_msgpack(v, ty),
        json: Vec::new(),
    }
}

pub fn text(v: &Value, name: &str) -> String {
    v.get(name).as_str().unwrap_or_default().to_string()
}
