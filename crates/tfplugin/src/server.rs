//! The `tfplugin6.Provider` gRPC service: decodes requests, runs the
//! framework logic (validation, planning) and calls the provider's hooks.
//!
//! Every handler runs in its own task, so a panic inside a resource becomes an
//! error diagnostic for that one call instead of killing the plugin.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tonic::{Request, Response, Status};
use tracing::{debug, error};

use super::diag::{AttrPath, Diagnostics, Severity, Step};
use super::framework::{
    ApplyRequest, DataSource, EphemeralResource, PlanRequest, PlanResponse, Private, Provider,
    ReadRequest, Resource, StateResponse,
};
use super::proto::tfplugin6 as pb;
use super::schema::{Attribute, Block, Nesting, ReplaceIfRequest, Schema};
use super::value::{self, Type, Value};

struct Entry<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
}

impl<T: ?Sized> Clone for Entry<T> {
    fn clone(&self) -> Self {
        Entry {
            imp: self.imp.clone(),
            schema: self.schema.clone(),
            ty: self.ty.clone(),
        }
    }
}

/// Everything the service needs, shared by all in-flight calls.
pub(crate) struct Inner {
    provider: Arc<dyn Provider>,
    provider_schema: Schema,
    provider_ty: Type,
    resources: HashMap<String, Entry<dyn Resource>>,
    data_sources: HashMap<String, Entry<dyn DataSource>>,
    ephemerals: HashMap<String, Entry<dyn EphemeralResource>>,
    stopping: AtomicBool,
    /// The schema answer, built on first request (not during the handshake).
    schema_answer: std::sync::OnceLock<pb::get_provider_schema::Response>,
}

/// The gRPC service object.
#[derive(Clone)]
pub struct ProviderService {
    inner: Arc<Inner>,
}

impl ProviderService {
    /// Collects the provider's schemas once; later calls only look them up.
    pub fn new(provider: Arc<dyn Provider>) -> ProviderService {
        let prefix = provider.type_name();
        let provider_schema = provider.schema();
        let provider_ty = provider_schema.ty();
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| {
                let schema = r.schema();
                let ty = schema.ty();
                (
                    format!("{prefix}_{}", r.name()),
                    Entry { imp: r, schema, ty },
                )
            })
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| {
                let schema = d.schema();
                let ty = schema.ty();
                (
                    format!("{prefix}_{}", d.name()),
                    Entry { imp: d, schema, ty },
                )
            })
            .collect();
        let ephemerals = provider
            .ephemeral_resources()
            .into_iter()
            .map(|e| {
                let schema = e.schema();
                let ty = schema.ty();
                (
                    format!("{prefix}_{}", e.name()),
                    Entry { imp: e, schema, ty },
                )
            })
            .collect();
        ProviderService {
            inner: Arc::new(Inner {
                provider,
                provider_schema,
                provider_ty,
                resources,
                data_sources,
                ephemerals,
                stopping: AtomicBool::new(false),
                schema_answer: std::sync::OnceLock::new(),
            }),
        }
    }

    /// True once Terraform asked the provider to stop.
    pub fn stopping(&self) -> bool {
        self.inner.stopping.load(Ordering::Relaxed)
    }
}

/// Responses that carry diagnostics, so a failed or panicked call can still answer.
trait WithDiagnostics: Default {
    fn set_diagnostics(&mut self, d: Vec<pb::Diagnostic>);
}

macro_rules! with_diagnostics {
    ($($t:ty),* $(,)?) => {$(
        impl WithDiagnostics for $t {
            fn set_diagnostics(&mut self, d: Vec<pb::Diagnostic>) {
                self.diagnostics = d;
            }
        }
    )*};
}

with_diagnostics!(
    pb::get_metadata::Response,
    pb::get_provider_schema::Response,
    pb::validate_provider_config::Response,
    pb::validate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::validate_ephemeral_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::get_resource_identity_schemas::Response,
    pb::upgrade_resource_identity::Response,
    pb::configure_provider::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::move_resource_state::Response,
    pb::read_data_source::Response,
    pb::open_ephemeral_resource::Response,
    pb::renew_ephemeral_resource::Response,
    pb::close_ephemeral_resource::Response,
    pb::get_functions::Response,
);

/// Runs one call in its own task; a panic becomes an error diagnostic.
async fn guarded<R, F>(rpc: &'static str, type_name: String, fut: F) -> Result<Response<R>, Status>
where
    R: WithDiagnostics + Send + 'static,
    F: Future<Output = R> + Send + 'static,
{
    let started = Instant::now();
    let outcome = tokio::spawn(fut).await;
    let elapsed_us = started.elapsed().as_micros() as u64;
    match outcome {
        Ok(resp) => {
            debug!(rpc, type_name = %type_name, elapsed_us, "handled");
            Ok(Response::new(resp))
        }
        Err(join) => {
            let why = if join.is_panic() {
                let payload = join.into_panic();
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                format!("The provider panicked: {msg}")
            } else {
                "The call was cancelled.".to_string()
            };
            error!(rpc, type_name = %type_name, "{why}");
            let mut d = Diagnostics::new();
            d.error(
                format!("Provider error in {rpc}"),
                format!(
                    "{why}\n\nThis is a bug in terraform-provider-connectwise; please report it with the \
                     steps that led to it. Nothing else was changed by this call."
                ),
            );
            let mut resp = R::default();
            resp.set_diagnostics(diags_to_proto(&d));
            Ok(Response::new(resp))
        }
    }
}

fn answer<R: WithDiagnostics>(d: &Diagnostics) -> R {
    let mut r = R::default();
    r.set_diagnostics(diags_to_proto(d));
    r
}

fn decode(
    dv: Option<pb::DynamicValue>,
    ty: &Type,
    what: &str,
    d: &mut Diagnostics,
) -> Option<Value> {
    let Some(dv) = dv else {
        return Some(Value::Null);
    };
    let result = if !dv.msgpack.is_empty() {
        value::from_msgpack(&dv.msgpack, ty)
    } else if !dv.json.is_empty() {
        serde_json::from_slice::<serde_json::Value>(&dv.json)
            .map_err(|e| value::DecodeError {
                path: "the root".into(),
                message: format!("invalid JSON: {e}"),
            })
            .and_then(|j| value::from_json(&j, ty))
    } else {
        Ok(Value::Null)
    };
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            d.error(
                format!("Could not decode the {what}"),
                format!("Terraform sent a value that does not match the schema: {e}."),
            );
            None
        }
    }
}

fn encode(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: value::to_msgpack(v, ty),
        json: Vec::new(),
    })
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} named {name:?}."),
    );
    d
}

impl Inner {
    fn resource(&self, name: &str) -> Result<Entry<dyn Resource>, Diagnostics> {
        self.resources
            .get(name)
            .cloned()
            .ok_or_else(|| unknown_type("resource", name))
    }
    fn data_source(&self, name: &str) -> Result<Entry<dyn DataSource>, Diagnostics> {
        self.data_sources
            .get(name)
            .cloned()
            .ok_or_else(|| unknown_type("data source", name))
    }
    fn ephemeral(&self, name: &str) -> Result<Entry<dyn EphemeralResource>, Diagnostics> {
        self.ephemerals
            .get(name)
            .cloned()
            .ok_or_else(|| unknown_type("ephemeral resource", name))
    }
}

/// The framework's planning: defaults, write-only nulls, replacement and
/// "known after apply" for computed attributes, from the schema's flags.
pub fn plan_from_schema(
    block: &Block,
    config: &Value,
    prior: &Value,
    proposed: &Value,
) -> (Value, Vec<AttrPath>) {
    let mut planned = proposed.clone();
    for a in &block.attributes {
        if a.write_only {
            planned.set(&a.name, Value::Null);
        } else if let Some(default) = &a.default
            && config.get(&a.name).is_null()
        {
            planned.set(&a.name, default.clone());
        }
    }
    let creating = prior.is_null();
    let mut replace = Vec::new();
    if !creating {
        for a in &block.attributes {
            if changes_need_replacement(a, config, prior, &planned) {
                replace.push(AttrPath::root(&a.name));
            }
        }
        for b in block.blocks.iter().filter(|b| b.requires_replace) {
            if !planned.get(&b.name).same_as(prior.get(&b.name)) {
                replace.push(AttrPath::root(&b.name));
            }
        }
    }
    let changed = creating || !planned.same_as(prior);
    if changed {
        for a in block
            .attributes
            .iter()
            .filter(|a| is_provider_computed(a, config))
        {
            if creating || !a.use_state_for_unknown {
                planned.set(&a.name, Value::Unknown);
            }
        }
    }
    (planned, replace)
}

/// RequiresReplace and RequiresReplaceIf of an existing object's attribute.
fn changes_need_replacement(a: &Attribute, config: &Value, prior: &Value, planned: &Value) -> bool {
    let (before, after) = (prior.get(&a.name), planned.get(&a.name));
    if after.same_as(before) {
        return false;
    }
    let req = ReplaceIfRequest {
        config: config.get(&a.name),
        prior: before,
        planned: after,
        config_object: config,
        prior_object: prior,
        planned_object: planned,
    };
    a.requires_replace || a.requires_replace_if.iter().any(|r| (r.check)(&req))
}

/// Computed attributes the configuration leaves to the provider.
fn is_provider_computed(a: &Attribute, config: &Value) -> bool {
    a.computed && a.default.is_none() && config.get(&a.name).is_null()
}

/// Makes a state safe to hand back: no unknowns, no write-only values.
fn finish_state(block: &Block, state: &mut Value) {
    if state.is_null() {
        return;
    }
    for a in &block.attributes {
        if a.write_only || state.get(&a.name).is_unknown() {
            state.set(&a.name, Value::Null);
        }
    }
}

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _req: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        let i = &self.inner;
        Ok(Response::new(pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            diagnostics: Vec::new(),
            data_sources: i
                .data_sources
                .keys()
                .map(|k| pb::get_metadata::DataSourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            resources: i
                .resources
                .keys()
                .map(|k| pb::get_metadata::ResourceMetadata {
                    type_name: k.clone(),
                })
                .collect(),
            functions: Vec::new(),
            ephemeral_resources: i
                .ephemerals
                .keys()
                .map(|k| pb::get_metadata::EphemeralMetadata {
                    type_name: k.clone(),
                })
                .collect(),
        }))
    }

    async fn get_provider_schema(
        &self,
        _req: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        let i = &self.inner;
        let answer = i
            .schema_answer
            .get_or_init(|| pb::get_provider_schema::Response {
                provider: Some(schema_to_proto(&i.provider_schema)),
                resource_schemas: i
                    .resources
                    .iter()
                    .map(|(k, e)| (k.clone(), schema_to_proto(&e.schema)))
                    .collect(),
                data_source_schemas: i
                    .data_sources
                    .iter()
                    .map(|(k, e)| (k.clone(), schema_to_proto(&e.schema)))
                    .collect(),
                functions: Default::default(),
                ephemeral_resource_schemas: i
                    .ephemerals
                    .iter()
                    .map(|(k, e)| (k.clone(), schema_to_proto(&e.schema)))
                    .collect(),
                diagnostics: Vec::new(),
                provider_meta: None,
                server_capabilities: Some(capabilities()),
            });
        Ok(Response::new(answer.clone()))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        guarded("ValidateProviderConfig", "provider".into(), async move {
            let mut d = Diagnostics::new();
            if let Some(config) = decode(
                req.config,
                &inner.provider_ty,
                "provider configuration",
                &mut d,
            ) {
                inner
                    .provider_schema
                    .block
                    .validate(&config, &AttrPath::default(), &mut d);
                inner.provider.validate(&config, &mut d).await;
            }
            answer(&d)
        })
        .await
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("ValidateResourceConfig", name, async move {
            let mut d = Diagnostics::new();
            match inner.resource(&req.type_name) {
                Err(e) => d = e,
                Ok(r) => {
                    if let Some(config) =
                        decode(req.config, &r.ty, "resource configuration", &mut d)
                    {
                        r.schema
                            .block
                            .validate(&config, &AttrPath::default(), &mut d);
                        r.imp.validate(&config, &mut d).await;
                    }
                }
            }
            answer(&d)
        })
        .await
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("ValidateDataResourceConfig", name, async move {
            let mut d = Diagnostics::new();
            match inner.data_source(&req.type_name) {
                Err(e) => d = e,
                Ok(r) => {
                    if let Some(config) =
                        decode(req.config, &r.ty, "data source configuration", &mut d)
                    {
                        r.schema
                            .block
                            .validate(&config, &AttrPath::default(), &mut d);
                        r.imp.validate(&config, &mut d).await;
                    }
                }
            }
            answer(&d)
        })
        .await
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("UpgradeResourceState", name, async move {
            let mut d = Diagnostics::new();
            let r = match inner.resource(&req.type_name) {
                Ok(r) => r,
                Err(e) => return answer(&e),
            };
            if req.version > r.schema.version {
                d.error(
                    "State written by a newer provider",
                    format!(
                        "The state of this {} was written with schema version {}, but this provider \
                         only knows version {}. Use the newer provider version.",
                        req.type_name, req.version, r.schema.version
                    ),
                );
                return answer(&d);
            }
            let raw = req.raw_state.map(|s| s.json).unwrap_or_default();
            let json: serde_json::Value = if raw.is_empty() {
                serde_json::Value::Null
            } else {
                match serde_json::from_slice(&raw) {
                    Ok(j) => j,
                    Err(e) => {
                        d.error("Unreadable state", format!("The stored state is not valid JSON: {e}."));
                        return answer(&d);
                    }
                }
            };
            match value::from_json(&json, &r.ty) {
                Ok(v) => pb::upgrade_resource_state::Response {
                    upgraded_state: encode(&v, &r.ty),
                    diagnostics: Vec::new(),
                },
                Err(e) => {
                    d.error("Unreadable state", format!("The stored state does not match the schema: {e}."));
                    answer(&d)
                }
            }
        })
        .await
    }

    async fn get_resource_identity_schemas(
        &self,
        _req: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        // No resource declares an identity; import uses ids.
        Ok(Response::new(Default::default()))
    }

    async fn upgrade_resource_identity(
        &self,
        _req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let mut d = Diagnostics::new();
        d.error(
            "Resource identity is not supported",
            "This provider declares no resource identities.",
        );
        Ok(Response::new(answer(&d)))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        guarded("ConfigureProvider", "provider".into(), async move {
            let mut d = Diagnostics::new();
            if let Some(config) = decode(
                req.config,
                &inner.provider_ty,
                "provider configuration",
                &mut d,
            ) {
                inner
                    .provider
                    .configure(&req.terraform_version, &config, &mut d)
                    .await;
            }
            answer(&d)
        })
        .await
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("ReadResource", name, async move {
            let mut d = Diagnostics::new();
            let r = match inner.resource(&req.type_name) {
                Ok(r) => r,
                Err(e) => return answer(&e),
            };
            let Some(state) = decode(req.current_state, &r.ty, "current state", &mut d) else {
                return answer(&d);
            };
            let private = Private::from_bytes(&req.private);
            let mut resp = StateResponse::new(state.clone(), private.clone());
            if !state.is_null() {
                r.imp.read(&ReadRequest { state, private }, &mut resp).await;
            }
            finish_state(&r.schema.block, &mut resp.state);
            pb::read_resource::Response {
                new_state: encode(&resp.state, &r.ty),
                diagnostics: diags_to_proto(&resp.diags),
                private: resp.private.to_bytes(),
                deferred: None,
                new_identity: None,
            }
        })
        .await
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("PlanResourceChange", name, async move {
            let mut d = Diagnostics::new();
            let r = match inner.resource(&req.type_name) {
                Ok(r) => r,
                Err(e) => return answer(&e),
            };
            let (Some(prior), Some(proposed), Some(config)) = (
                decode(req.prior_state, &r.ty, "prior state", &mut d),
                decode(req.proposed_new_state, &r.ty, "proposed new state", &mut d),
                decode(req.config, &r.ty, "configuration", &mut d),
            ) else {
                return answer(&d);
            };
            let private = Private::from_bytes(&req.prior_private);
            if proposed.is_null() {
                // Destroy: nothing to plan.
                return pb::plan_resource_change::Response {
                    planned_state: encode(&Value::Null, &r.ty),
                    planned_private: req.prior_private,
                    ..Default::default()
                };
            }
            let (planned, requires_replace) =
                plan_from_schema(&r.schema.block, &config, &prior, &proposed);
            let mut resp = PlanResponse {
                planned,
                requires_replace,
                private: private.clone(),
                diags: d,
            };
            let plan_req = PlanRequest {
                config,
                prior,
                prior_private: private,
            };
            r.imp.modify_plan(&plan_req, &mut resp).await;
            pb::plan_resource_change::Response {
                planned_state: encode(&resp.planned, &r.ty),
                requires_replace: resp.requires_replace.iter().map(path_to_proto).collect(),
                planned_private: resp.private.to_bytes(),
                diagnostics: diags_to_proto(&resp.diags),
                legacy_type_system: false,
                deferred: None,
                planned_identity: None,
            }
        })
        .await
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("ApplyResourceChange", name, async move {
            let mut d = Diagnostics::new();
            let r = match inner.resource(&req.type_name) {
                Ok(r) => r,
                Err(e) => return answer(&e),
            };
            let (Some(prior), Some(planned), Some(config)) = (
                decode(req.prior_state, &r.ty, "prior state", &mut d),
                decode(req.planned_state, &r.ty, "planned state", &mut d),
                decode(req.config, &r.ty, "configuration", &mut d),
            ) else {
                return answer(&d);
            };
            let private = Private::from_bytes(&req.planned_private);
            let apply = ApplyRequest {
                config,
                planned: planned.clone(),
                prior: prior.clone(),
                private: private.clone(),
            };
            let resp = if planned.is_null() {
                let mut resp = StateResponse::new(prior, private);
                r.imp.delete(&apply, &mut resp).await;
                if !resp.diags.has_errors() {
                    resp.state = Value::Null;
                }
                resp
            } else if prior.is_null() {
                let mut resp = StateResponse::new(Value::Null, private);
                r.imp.create(&apply, &mut resp).await;
                resp
            } else {
                let mut resp = StateResponse::new(Value::Null, private);
                r.imp.update(&apply, &mut resp).await;
                if resp.state.is_null() && resp.diags.has_errors() {
                    // A failed update leaves the object as it was.
                    resp.state = apply.prior.clone();
                }
                resp
            };
            let mut state = resp.state;
            finish_state(&r.schema.block, &mut state);
            pb::apply_resource_change::Response {
                new_state: encode(&state, &r.ty),
                private: resp.private.to_bytes(),
                diagnostics: diags_to_proto(&resp.diags),
                legacy_type_system: false,
                new_identity: None,
            }
        })
        .await
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("ImportResourceState", name, async move {
            let r = match inner.resource(&req.type_name) {
                Ok(r) => r,
                Err(e) => return answer(&e),
            };
            let mut resp = StateResponse::new(Value::Null, Private::default());
            r.imp.import(req.id.trim(), &mut resp).await;
            if resp.diags.has_errors() || resp.state.is_null() {
                if !resp.diags.has_errors() {
                    resp.diags.error(
                        "Cannot import non-existent remote object",
                        format!("No {} matches the import id {:?}.", req.type_name, req.id),
                    );
                }
                return answer(&resp.diags);
            }
            finish_state(&r.schema.block, &mut resp.state);
            pb::import_resource_state::Response {
                imported_resources: vec![pb::import_resource_state::ImportedResource {
                    type_name: req.type_name.clone(),
                    state: encode(&resp.state, &r.ty),
                    private: resp.private.to_bytes(),
                    identity: None,
                }],
                diagnostics: diags_to_proto(&resp.diags),
                deferred: None,
            }
        })
        .await
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let req = req.into_inner();
        let mut d = Diagnostics::new();
        d.error(
            "Move not supported",
            format!(
                "Moving {} into {} is not supported; use `terraform import` instead.",
                req.source_type_name, req.target_type_name
            ),
        );
        Ok(Response::new(answer(&d)))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("ReadDataSource", name, async move {
            let mut d = Diagnostics::new();
            let r = match inner.data_source(&req.type_name) {
                Ok(r) => r,
                Err(e) => return answer(&e),
            };
            let Some(config) = decode(req.config, &r.ty, "data source configuration", &mut d)
            else {
                return answer(&d);
            };
            let mut state = r.imp.read(&config, &mut d).await;
            finish_state(&r.schema.block, &mut state);
            if d.has_errors() {
                return answer(&d);
            }
            pb::read_data_source::Response {
                state: encode(&state, &r.ty),
                diagnostics: diags_to_proto(&d),
                deferred: None,
            }
        })
        .await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("ValidateEphemeralResourceConfig", name, async move {
            let mut d = Diagnostics::new();
            match inner.ephemeral(&req.type_name) {
                Err(e) => d = e,
                Ok(r) => {
                    if let Some(config) = decode(req.config, &r.ty, "configuration", &mut d) {
                        r.schema
                            .block
                            .validate(&config, &AttrPath::default(), &mut d);
                        r.imp.validate(&config, &mut d).await;
                    }
                }
            }
            answer(&d)
        })
        .await
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("OpenEphemeralResource", name, async move {
            let mut d = Diagnostics::new();
            let r = match inner.ephemeral(&req.type_name) {
                Ok(r) => r,
                Err(e) => return answer(&e),
            };
            let Some(config) = decode(req.config, &r.ty, "configuration", &mut d) else {
                return answer(&d);
            };
            match r.imp.open(&config, &mut d).await {
                Some(open) if !d.has_errors() => pb::open_ephemeral_resource::Response {
                    diagnostics: diags_to_proto(&d),
                    renew_at: open.renew_at.map(timestamp),
                    result: encode(&open.result, &r.ty),
                    private: Some(open.private.to_bytes()),
                    deferred: None,
                },
                _ => answer(&d),
            }
        })
        .await
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("RenewEphemeralResource", name, async move {
            let mut d = Diagnostics::new();
            let r = match inner.ephemeral(&req.type_name) {
                Ok(r) => r,
                Err(e) => return answer(&e),
            };
            let private = Private::from_bytes(req.private.as_deref().unwrap_or_default());
            let renew_at = r.imp.renew(&private, &mut d).await;
            pb::renew_ephemeral_resource::Response {
                diagnostics: diags_to_proto(&d),
                renew_at: renew_at.map(timestamp),
                private: req.private,
            }
        })
        .await
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        let inner = self.inner.clone();
        let req = req.into_inner();
        let name = req.type_name.clone();
        guarded("CloseEphemeralResource", name, async move {
            let mut d = Diagnostics::new();
            if let Ok(r) = inner.ephemeral(&req.type_name) {
                let private = Private::from_bytes(req.private.as_deref().unwrap_or_default());
                r.imp.close(&private, &mut d).await;
            }
            answer(&d)
        })
        .await
    }

    async fn get_functions(
        &self,
        _req: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        Ok(Response::new(Default::default()))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: format!(
                    "This provider defines no function {:?}.",
                    req.into_inner().name
                ),
                function_argument: None,
            }),
        }))
    }

    async fn stop_provider(
        &self,
        _req: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        self.inner.stopping.store(true, Ordering::Relaxed);
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: false,
        get_provider_schema_optional: true,
        move_resource_state: false,
    }
}

fn timestamp(t: SystemTime) -> prost_types::Timestamp {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    prost_types::Timestamp {
        seconds: since.as_secs() as i64,
        nanos: since.subsec_nanos() as i32,
    }
}

/// Converts diagnostics to their wire form.
pub fn diags_to_proto(d: &Diagnostics) -> Vec<pb::Diagnostic> {
    d.iter()
        .map(|x| pb::Diagnostic {
            severity: match x.severity {
                Severity::Error => pb::diagnostic::Severity::Error as i32,
                Severity::Warning => pb::diagnostic::Severity::Warning as i32,
            },
            summary: x.summary.clone(),
            detail: x.detail.clone(),
            attribute: x.path.as_ref().map(path_to_proto),
        })
        .collect()
}

fn path_to_proto(p: &AttrPath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: p
            .0
            .iter()
            .map(|s| pb::attribute_path::Step {
                selector: Some(match s {
                    Step::Attribute(a) => Selector::AttributeName(a.clone()),
                    Step::Key(k) => Selector::ElementKeyString(k.clone()),
                    Step::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

/// Converts a schema to its wire form.
pub fn schema_to_proto(s: &Schema) -> pb::Schema {
    pb::Schema {
        version: s.version,
        block: Some(block_to_proto(&s.block, s.version)),
    }
}

fn block_to_proto(b: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: b
            .attributes
            .iter()
            .map(|a| pb::schema::Attribute {
                name: a.name.clone(),
                r#type: a.ty.to_json().to_string().into_bytes(),
                nested_type: None,
                description: a.description.clone(),
                required: a.required,
                optional: a.optional,
                computed: a.computed,
                sensitive: a.sensitive,
                description_kind: pb::StringKind::Markdown as i32,
                deprecated: a.deprecated,
                write_only: a.write_only,
            })
            .collect(),
        block_types: b
            .blocks
            .iter()
            .map(|nb| pb::schema::NestedBlock {
                type_name: nb.name.clone(),
                block: Some(block_to_proto(&nb.block, version)),
                nesting: match nb.nesting {
                    Nesting::Single => pb::schema::nested_block::NestingMode::Single as i32,
                    Nesting::List => pb::schema::nested_block::NestingMode::List as i32,
                    Nesting::Set => pb::schema::nested_block::NestingMode::Set as i32,
                },
                min_items: nb.min_items,
                max_items: nb.max_items,
            })
            .collect(),
        description: b.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: b.deprecated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attribute;

    fn block() -> Block {
        Block::new("test")
            .attribute(Attribute::string("id").computed().use_state_for_unknown())
            .attribute(Attribute::string("name").required().requires_replace())
            .attribute(Attribute::bool("flag").default(Value::Bool(false)))
            .attribute(Attribute::string("updated").computed())
            .attribute(Attribute::string("secret_wo").optional().write_only())
    }

    #[test]
    fn create_marks_computed_unknown_and_applies_defaults() {
        let config = Value::object()
            .with("name", Value::string("a"))
            .with("secret_wo", Value::string("s"));
        let (planned, replace) = plan_from_schema(&block(), &config, &Value::Null, &config);
        assert!(planned.get("id").is_unknown());
        assert!(planned.get("updated").is_unknown());
        assert_eq!(planned.get("flag"), &Value::Bool(false));
        assert!(planned.get("secret_wo").is_null());
        assert!(replace.is_empty());
    }

    #[test]
    fn unchanged_plan_keeps_everything_and_changed_name_replaces() {
        let prior = Value::object()
            .with("id", Value::string("1"))
            .with("name", Value::string("a"))
            .with("flag", Value::Bool(false))
            .with("updated", Value::string("t"));
        let config = Value::object().with("name", Value::string("a"));
        let (planned, replace) = plan_from_schema(&block(), &config, &prior, &prior);
        assert!(planned.same_as(&prior));
        assert!(replace.is_empty());

        let proposed = prior.clone().with("name", Value::string("b"));
        let config = Value::object().with("name", Value::string("b"));
        let (planned, replace) = plan_from_schema(&block(), &config, &prior, &proposed);
        assert_eq!(replace, vec![AttrPath::root("name")]);
        assert_eq!(
            planned.get("id").as_str(),
            Some("1"),
            "UseStateForUnknown keeps the id"
        );
        assert!(planned.get("updated").is_unknown());
    }

    /// Replaced when the number goes down, like a disk that can only grow.
    fn shrinks(req: &ReplaceIfRequest) -> bool {
        assert!(
            !req.prior_object.is_null(),
            "only asked for an existing object"
        );
        assert_eq!(req.config_object.get("size"), req.config);
        assert_eq!(req.planned_object.get("size"), req.planned);
        match (req.prior.as_i64(), req.planned.as_i64()) {
            (Some(before), Some(after)) => after < before,
            _ => false,
        }
    }

    fn sized() -> Block {
        Block::new("test")
            .attribute(Attribute::string("id").computed().use_state_for_unknown())
            .attribute(
                Attribute::number("size")
                    .required()
                    .requires_replace_if(shrinks, "Lowering it replaces the object."),
            )
    }

    #[test]
    fn requires_replace_if_replaces_only_when_the_check_says_so() {
        let prior = Value::object()
            .with("id", Value::string("1"))
            .with("size", Value::int(10));
        let plan = |size: i64| {
            let config = Value::object().with("size", Value::int(size));
            let proposed = prior.clone().with("size", Value::int(size));
            plan_from_schema(&sized(), &config, &prior, &proposed).1
        };
        assert_eq!(plan(5), vec![AttrPath::root("size")]);
        assert!(plan(20).is_empty(), "growing is an update");
        assert!(plan(10).is_empty(), "no change, no question");
    }

    #[test]
    fn requires_replace_if_is_not_asked_on_create_or_without_a_change() {
        fn never_asked(_: &ReplaceIfRequest) -> bool {
            panic!("RequiresReplaceIf consulted")
        }
        let block = Block::new("test").attribute(
            Attribute::number("size")
                .required()
                .requires_replace_if(never_asked, "never"),
        );
        let config = Value::object().with("size", Value::int(1));
        let (_, replace) = plan_from_schema(&block, &config, &Value::Null, &config);
        assert!(replace.is_empty());
        let (_, replace) = plan_from_schema(&block, &config, &config, &config);
        assert!(replace.is_empty());
    }
}
