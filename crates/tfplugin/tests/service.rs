//! The gRPC service called in-process: config rules reach ValidateResourceConfig,
//! RequiresReplaceIf reaches PlanResourceChange, private state survives apply,
//! and a panicking resource answers with a diagnostic.

use std::sync::Arc;

use async_trait::async_trait;
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::proto::tfplugin6::provider_server::Provider as _;
use tfplugin::server::ProviderService;
use tfplugin::value::{from_msgpack, to_msgpack};
use tfplugin::{
    ApplyRequest, Attribute, Block, DataSource, Diagnostics, Private, Provider, ReadRequest,
    Resource, Schema, StateResponse, Type, Value,
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
        vec![Arc::new(Disk)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
}

/// A disk that can grow in place; shrinking it replaces it. Created with
/// `label = "panic"`, it panics.
struct Disk;

fn shrinks(req: &tfplugin::schema::ReplaceIfRequest) -> bool {
    matches!((req.prior.as_i64(), req.planned.as_i64()), (Some(a), Some(b)) if b < a)
}

#[async_trait]
impl Resource for Disk {
    fn name(&self) -> &'static str {
        "disk"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("disk")
                .attribute(Attribute::string("id").computed().use_state_for_unknown())
                .attribute(
                    Attribute::number("size")
                        .required()
                        .requires_replace_if(shrinks, "Shrinking it replaces the disk."),
                )
                .attribute(Attribute::string("label").optional())
                .attribute(Attribute::string("image").optional())
                .exactly_one_of(&["label", "image"]),
        )
    }
    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        if req.planned.get("label").as_str() == Some("panic") {
            panic!("disk exploded");
        }
        resp.state = req.planned.clone().with("id", Value::string("d1"));
        resp.private = Private::encode(&serde_json::json!({"generation": 1}));
    }
    async fn read(&self, _: &ReadRequest, _: &mut StateResponse) {}
    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        resp.state = req.planned.clone();
    }
    async fn delete(&self, _: &ApplyRequest, _: &mut StateResponse) {}
    async fn import(&self, _: &str, _: &mut StateResponse) {}
}

fn ty() -> Type {
    Disk.schema().ty()
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

fn disk(size: i64) -> Value {
    Value::object()
        .with("size", Value::int(size))
        .with("label", Value::string("data"))
}

#[tokio::test]
async fn config_rules_are_checked_by_validate_resource_config() {
    let both = disk(1).with("image", Value::string("debian"));
    let resp = service()
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "fake_disk".into(),
            config: dv(&both),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.diagnostics.len(), 1);
    assert_eq!(resp.diagnostics[0].summary, "Invalid Attribute Combination");
    assert_eq!(
        resp.diagnostics[0].detail,
        "Exactly one of `label`, `image` must be set; got `label`, `image`."
    );
}

async fn plan(prior: &Value, config: &Value) -> pb::plan_resource_change::Response {
    service()
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "fake_disk".into(),
            prior_state: dv(prior),
            proposed_new_state: dv(&prior.clone().with("size", config.get("size").clone())),
            config: dv(config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn requires_replace_if_is_asked_by_plan_resource_change() {
    let prior = disk(10).with("id", Value::string("d1"));
    let grow = plan(&prior, &disk(20)).await;
    assert!(grow.requires_replace.is_empty(), "{grow:?}");
    let planned = from_msgpack(&grow.planned_state.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(planned.get("id").as_str(), Some("d1"));

    let shrink = plan(&prior, &disk(5)).await;
    assert_eq!(shrink.requires_replace.len(), 1);
}

async fn apply(planned: &Value) -> pb::apply_resource_change::Response {
    service()
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "fake_disk".into(),
            prior_state: dv(&Value::Null),
            planned_state: dv(planned),
            config: dv(planned),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn apply_creates_and_keeps_the_private_state() {
    let resp = apply(&disk(1).with("id", Value::Unknown)).await;
    assert!(resp.diagnostics.is_empty(), "{:?}", resp.diagnostics);
    let state = from_msgpack(&resp.new_state.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(state.get("id").as_str(), Some("d1"));
    let private = Private::from_bytes(&resp.private);
    assert_eq!(private.get("generation"), Some(&serde_json::json!(1)));
}

#[tokio::test]
async fn a_panicking_resource_answers_with_a_diagnostic() {
    let resp = apply(&disk(1).with("label", Value::string("panic"))).await;
    assert_eq!(resp.diagnostics.len(), 1);
    assert_eq!(
        resp.diagnostics[0].summary,
        "Provider error in ApplyResourceChange"
    );
    assert!(resp.diagnostics[0].detail.contains("disk exploded"));
}

#[tokio::test]
async fn an_unknown_type_is_an_error_not_a_panic() {
    let resp = service()
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: "fake_nothing".into(),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resp.diagnostics[0].summary, "Unknown resource type");
}
