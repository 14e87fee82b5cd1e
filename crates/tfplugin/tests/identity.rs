//! Resource identity served in-process: which resources have an identity schema, when plans
//! and applies carry an identity, and import by identity for resources with and without one.

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::client::{decode_identity, identity_data};
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::proto::tfplugin6::provider_server::Provider as _;
use tfplugin::server::ProviderService;
use tfplugin::value::{from_msgpack, to_msgpack};
use tfplugin::{
    ApplyRequest, Attribute, Block, DataSource, Diagnostics, Identity, IdentityAttribute, Provider,
    ReadRequest, Resource, Schema, StateResponse, Type, Value,
};
use tonic::Request;

struct Fake;

#[async_trait]
impl Provider for Fake {
    fn type_name(&self) -> &'static str {
        "fake"
    }
    fn schema(&self) -> Schema {
        Schema::new(Block::new("fake"))
    }
    async fn configure(&self, _: &str, _: &Value, _: &mut Diagnostics) {}
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![
            Arc::new(Volume { identity: true }),
            Arc::new(Volume { identity: false }),
        ]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
}

/// A volume in a pool; `fake_volume` has the identity `{pool, name}`, `fake_plain` none.
/// Creating one named `fail` fails; importing `gone/...` finds nothing, and importing
/// `nameless/...` finds a volume whose state misses its name.
struct Volume {
    identity: bool,
}

#[async_trait]
impl Resource for Volume {
    fn name(&self) -> &'static str {
        if self.identity { "volume" } else { "plain" }
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("volume")
                .attribute(Attribute::string("id").computed().use_state_for_unknown())
                .attribute(Attribute::string("pool").required().requires_replace())
                .attribute(Attribute::string("name").required().requires_replace())
                .attribute(Attribute::number("size").optional()),
        )
    }
    fn identity(&self) -> Option<Identity> {
        let identity = Identity::new("{pool}/{name}")
            .attribute(IdentityAttribute::string("pool"))
            .attribute(IdentityAttribute::string("name"));
        self.identity.then_some(identity)
    }
    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        if req.planned.get("name").as_str() == Some("fail") {
            resp.diags.error("Cannot create", "The pool is full.");
            return;
        }
        resp.state = req.planned.clone().with("id", Value::string("v1"));
    }
    async fn read(&self, _: &ReadRequest, _: &mut StateResponse) {}
    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        resp.state = req.planned.clone();
    }
    async fn delete(&self, _: &ApplyRequest, _: &mut StateResponse) {}
    async fn import(&self, id: &str, resp: &mut StateResponse) {
        let Some((pool, name)) = id.split_once('/') else {
            resp.diags
                .error("Bad import id", format!("{id:?} is not <pool>/<name>."));
            return;
        };
        if pool == "gone" {
            return;
        }
        let name = if pool == "nameless" {
            Value::Null
        } else {
            Value::string(name)
        };
        resp.state = volume(pool, name).with("id", Value::string("v1"));
    }
}

fn volume(pool: &str, name: Value) -> Value {
    Value::object()
        .with("pool", Value::string(pool))
        .with("name", name)
        .with("size", Value::int(1))
}

fn ty() -> Type {
    Volume { identity: true }.schema().ty()
}

fn identity_ty() -> Type {
    Type::Object(
        [("pool", Type::String), ("name", Type::String)]
            .map(|(n, t)| (n.into(), t))
            .into(),
    )
}

fn identity(pool: &str, name: &str) -> Value {
    Value::object()
        .with("pool", Value::string(pool))
        .with("name", Value::string(name))
}

fn dv(v: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: to_msgpack(v, &ty()),
        json: Vec::new(),
    })
}

fn service() -> ProviderService {
    ProviderService::new(Arc::new(Fake))
}

fn decoded(data: Option<&pb::ResourceIdentityData>) -> Value {
    decode_identity(data, &identity_ty()).unwrap()
}

#[tokio::test]
async fn only_resources_with_an_identity_have_an_identity_schema() {
    let resp = service()
        .get_resource_identity_schemas(Request::new(pb::get_resource_identity_schemas::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        resp.identity_schemas.keys().collect::<Vec<_>>(),
        ["fake_volume"]
    );

    let upgrade = service()
        .upgrade_resource_identity(Request::new(pb::upgrade_resource_identity::Request {
            type_name: "fake_plain".into(),
            version: 0,
            raw_identity: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(
        upgrade.diagnostics[0]
            .detail
            .contains("fake_plain has no identity")
    );
}

async fn plan(
    type_name: &str,
    prior: &Value,
    config: &Value,
) -> pb::plan_resource_change::Response {
    service()
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: type_name.into(),
            prior_state: dv(prior),
            proposed_new_state: dv(&if prior.is_null() {
                config.clone()
            } else {
                prior.clone().with("size", config.get("size").clone())
            }),
            config: dv(config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn plans_carry_the_identity_when_the_object_is_known() {
    let config = volume("fast", Value::string("a"));
    // The identity's attributes come from the configuration: known before the object exists.
    let create = plan("fake_volume", &Value::Null, &config).await;
    assert_eq!(
        decoded(create.planned_identity.as_ref()),
        identity("fast", "a")
    );

    let unknown_name = volume("fast", Value::Unknown);
    let create = plan("fake_volume", &Value::Null, &unknown_name).await;
    assert_eq!(create.planned_identity, None, "not known yet");

    let prior = config.clone().with("id", Value::string("v1"));
    let grow = plan(
        "fake_volume",
        &prior,
        &config.clone().with("size", Value::int(2)),
    )
    .await;
    assert_eq!(
        decoded(grow.planned_identity.as_ref()),
        identity("fast", "a")
    );

    let plain = plan("fake_plain", &prior, &config).await;
    assert_eq!(plain.planned_identity, None, "no identity declared");
}

async fn create(name: &str) -> pb::apply_resource_change::Response {
    let planned = volume("fast", Value::string(name)).with("id", Value::Unknown);
    service()
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "fake_volume".into(),
            prior_state: dv(&Value::Null),
            planned_state: dv(&planned),
            config: dv(&planned),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_created_volume_has_an_identity_and_a_failed_one_none() {
    let made = create("a").await;
    assert_eq!(decoded(made.new_identity.as_ref()), identity("fast", "a"));
    let failed = create("fail").await;
    assert_eq!(failed.new_identity, None);
}

async fn import_by(type_name: &str, identity: &Value) -> pb::import_resource_state::Response {
    service()
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: type_name.into(),
            identity: Some(identity_data(identity, &identity_ty())),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn import_by_identity_goes_through_the_import_id() {
    let found = import_by("fake_volume", &identity("fast", "a")).await;
    assert!(found.diagnostics.is_empty(), "{found:?}");
    let imported = &found.imported_resources[0];
    let state = from_msgpack(&imported.state.as_ref().unwrap().msgpack, &ty()).unwrap();
    assert_eq!(state.get("name").as_str(), Some("a"));
    assert_eq!(decoded(imported.identity.as_ref()), identity("fast", "a"));

    // A state that does not tell the identity: the one asked for is answered.
    let nameless = import_by("fake_volume", &identity("nameless", "b")).await;
    let imported = &nameless.imported_resources[0];
    assert_eq!(
        decoded(imported.identity.as_ref()),
        identity("nameless", "b")
    );

    let gone = import_by("fake_volume", &identity("gone", "c")).await;
    let detail = &gone.diagnostics[0].detail;
    assert!(
        detail.contains("No fake_volume matches this identity")
            && detail.contains(r#"{pool = "gone", name = "c"}"#),
        "{detail}"
    );

    let plain = import_by("fake_plain", &identity("fast", "a")).await;
    assert!(
        plain.diagnostics[0]
            .detail
            .contains("fake_plain has no identity")
    );

    let none = import_by("fake_volume", &Value::Null).await;
    assert_eq!(none.diagnostics[0].summary, "Missing identity");
}
