//! The plugin layer on its own, without the Terraform CLI: the real binary's
//! handshake and schema over mTLS, plans with unknown values, and a panic in a
//! resource turned into a diagnostic.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::client::PluginProcess;
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::value::{from_msgpack, to_msgpack};
use tfplugin::{
    ApplyRequest, Attribute, Block, DataSource, Diagnostics, Provider, ReadRequest, Resource,
    Schema, StateResponse, Value,
};

fn binary() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"))
}

fn dv(v: &Value, schema: &Schema) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: to_msgpack(v, &schema.ty()),
        json: vec![],
    })
}

#[tokio::test]
async fn handshake_schema_and_validation_over_mtls() {
    let mut p = PluginProcess::launch(binary(), &[])
        .await
        .expect("provider starts");
    assert_eq!(p.handshake.core_version, 1);
    assert_eq!(p.handshake.protocol_version, 6);
    assert_eq!(p.handshake.network, "tcp");
    assert!(p.handshake.address.starts_with("127.0.0.1:"));
    assert!(
        !p.handshake.certificate.is_empty(),
        "AutoMTLS certificate announced"
    );

    let schema = p
        .provider
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .expect("schema")
        .into_inner();
    let role = &schema.resource_schemas["connectwise_security_role"];
    let block = role.block.as_ref().unwrap();
    let name = block.attributes.iter().find(|a| a.name == "name").unwrap();
    assert!(name.required && !name.description.is_empty());
    let provider_block = schema.provider.unwrap().block.unwrap();
    let private_key = provider_block
        .attributes
        .iter()
        .find(|a| a.name == "private_key")
        .unwrap();
    assert!(private_key.sensitive, "private_key is sensitive");

    // A 31-character name is rejected with a diagnostic on `name`.
    let role_schema = connectwise_provider::provider::security_role::role_schema();
    let config = Value::object().with("name", Value::string("x".repeat(31)));
    let resp = p
        .provider
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "connectwise_security_role".into(),
            config: dv(&config, &role_schema),
            client_capabilities: None,
        })
        .await
        .unwrap()
        .into_inner();
    let diag = resp.diagnostics.first().expect("a diagnostic");
    let step = &diag.attribute.as_ref().unwrap().steps[0];
    assert_eq!(
        step.selector,
        Some(pb::attribute_path::step::Selector::AttributeName(
            "name".into()
        ))
    );
    assert!(
        p.shutdown().await.is_some_and(|s| s.success()),
        "clean exit after Shutdown"
    );
}

#[tokio::test]
async fn plan_with_unknown_values_stays_unknown() {
    let mut p = PluginProcess::launch(binary(), &[])
        .await
        .expect("provider starts");
    let schema = connectwise_provider::provider::security_role::role_schema();
    let config = Value::object().with("name", Value::Unknown);
    let resp = p
        .provider
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "connectwise_security_role".into(),
            prior_state: dv(&Value::Null, &schema),
            proposed_new_state: dv(&config, &schema),
            config: dv(&config, &schema),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let planned = from_msgpack(&resp.planned_state.unwrap().msgpack, &schema.ty()).unwrap();
    assert!(planned.get("name").is_unknown());
    assert!(planned.get("id").is_unknown());
    assert_eq!(
        planned.get("admin_flag"),
        &Value::Bool(false),
        "default applied"
    );
    p.shutdown().await;
}

/// A provider whose only resource panics on read.
struct Panicky;

struct PanickyResource;

#[async_trait]
impl Resource for PanickyResource {
    fn name(&self) -> &'static str {
        "thing"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block::new("test").attribute(Attribute::string("id").computed()))
    }
    async fn create(&self, _req: &ApplyRequest, _resp: &mut StateResponse) {}
    async fn read(&self, _req: &ReadRequest, _resp: &mut StateResponse) {
        let items: Vec<u8> = Vec::new();
        let _ = items[3];
    }
    async fn update(&self, _req: &ApplyRequest, _resp: &mut StateResponse) {}
    async fn delete(&self, _req: &ApplyRequest, _resp: &mut StateResponse) {}
    async fn import(&self, _id: &str, _resp: &mut StateResponse) {}
}

#[async_trait]
impl Provider for Panicky {
    fn type_name(&self) -> &'static str {
        "test"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block::new("test"))
    }
    async fn configure(&self, _v: &str, _c: &Value, _d: &mut Diagnostics) {}
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(PanickyResource)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![]
    }
}

#[tokio::test]
async fn panic_in_a_resource_becomes_an_error_diagnostic() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let (addr, running) = tfplugin::serve::serve_inner(Arc::new(Panicky), None, Some(tx))
        .await
        .expect("serve");
    tokio::spawn(running);
    let line = rx.await.unwrap();
    assert!(line.starts_with("1|6|tcp|127.0.0.1:"), "{line}");
    let mut client = pb::provider_client::ProviderClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let schema = PanickyResource.schema();
    let state = Value::object().with("id", Value::string("1"));
    let resp = client
        .read_resource(pb::read_resource::Request {
            type_name: "test_thing".into(),
            current_state: dv(&state, &schema),
            ..Default::default()
        })
        .await
        .expect("the call itself succeeds")
        .into_inner();
    let d = resp.diagnostics.first().expect("a diagnostic");
    assert_eq!(d.severity, pb::diagnostic::Severity::Error as i32);
    assert!(d.detail.contains("panicked"), "{}", d.detail);
    // The provider keeps serving after the panic.
    let again = client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await
        .unwrap()
        .into_inner();
    assert!(again.resource_schemas.contains_key("test_thing"));
}
