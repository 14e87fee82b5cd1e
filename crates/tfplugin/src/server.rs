//! The `tfplugin6.Provider` gRPC service: the registry of the provider's
//! types, the panic guard and the RPC methods. Each RPC hands its request to
//! a handler in `handlers.rs`, which decodes it (`convert.rs`), runs the
//! framework logic (validation; planning in `plan.rs`) and calls the
//! provider's hooks.
//!
//! Every handler runs in its own task, so a panic inside a resource becomes an
//! error diagnostic for that one call instead of killing the plugin.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tonic::{Request, Response, Status};
use tracing::{debug, error};

use super::convert::{decode, encode};
use super::diag::{AttrPath, Diagnostics};
use super::framework::{DataSource, EphemeralResource, Provider, Resource};
use super::identity::Identity;
use super::plan::finish_state;
use super::proto::tfplugin6 as pb;
use super::schema::Schema;
use super::value::{Type, Value};

pub use super::convert::{diags_to_proto, schema_to_proto};
pub use super::plan::plan_from_schema;

/// The provider, a resource, a data source or an ephemeral resource, with its
/// schema and the type of its values.
pub(crate) struct Entry<T: ?Sized> {
    pub(crate) imp: Arc<T>,
    pub(crate) schema: Schema,
    pub(crate) ty: Type,
    /// A resource's identity, if it declares one (always `None` for other kinds).
    pub(crate) identity: Option<Identity>,
}

impl<T: ?Sized> Clone for Entry<T> {
    fn clone(&self) -> Self {
        Entry {
            imp: self.imp.clone(),
            schema: self.schema.clone(),
            ty: self.ty.clone(),
            identity: self.identity.clone(),
        }
    }
}

impl<T: ?Sized> Entry<T> {
    fn new(imp: Arc<T>, schema: Schema) -> Entry<T> {
        let ty = schema.ty();
        Entry {
            imp,
            schema,
            ty,
            identity: None,
        }
    }
    /// Decodes a value of this entry's type (see [`decode`]).
    pub(crate) fn decode(
        &self,
        dv: Option<pb::DynamicValue>,
        what: &str,
        d: &mut Diagnostics,
    ) -> Option<Value> {
        decode(dv, &self.ty, what, d)
    }
    pub(crate) fn encode(&self, v: &Value) -> Option<pb::DynamicValue> {
        encode(v, &self.ty)
    }
    /// Decodes a configuration and runs the schema's validators and rules on it.
    pub(crate) fn validated(
        &self,
        dv: Option<pb::DynamicValue>,
        what: &str,
        d: &mut Diagnostics,
    ) -> Option<Value> {
        let config = self.decode(dv, what, d)?;
        self.schema.block.validate(&config, &AttrPath::default(), d);
        Some(config)
    }
    /// Makes a state safe to hand back (see [`finish_state`]).
    pub(crate) fn finish(&self, state: &mut Value) {
        finish_state(&self.schema.block, state);
    }
}

/// Entries under their full type names, e.g. `connectwise_security_role`.
fn register<T: ?Sized>(
    prefix: &str,
    items: Vec<Arc<T>>,
    describe: fn(&T) -> (&'static str, Schema),
) -> HashMap<String, Entry<T>> {
    items
        .into_iter()
        .map(|imp| {
            let (name, schema) = describe(&imp);
            (format!("{prefix}_{name}"), Entry::new(imp, schema))
        })
        .collect()
}

/// Everything the service needs, shared by all in-flight calls.
pub(crate) struct Inner {
    pub(crate) provider: Entry<dyn Provider>,
    resources: HashMap<String, Entry<dyn Resource>>,
    data_sources: HashMap<String, Entry<dyn DataSource>>,
    ephemerals: HashMap<String, Entry<dyn EphemeralResource>>,
    stopping: AtomicBool,
    /// The schema answer, built on first request (not during the handshake).
    schema_answer: std::sync::OnceLock<pb::get_provider_schema::Response>,
}

impl Inner {
    /// Every resource under its full type name.
    pub(crate) fn resources(&self) -> impl Iterator<Item = (&String, &Entry<dyn Resource>)> {
        self.resources.iter()
    }
    pub(crate) fn resource(&self, name: &str) -> Result<Entry<dyn Resource>, Diagnostics> {
        self.resources
            .get(name)
            .cloned()
            .ok_or_else(|| unknown_type("resource", name))
    }
    pub(crate) fn data_source(&self, name: &str) -> Result<Entry<dyn DataSource>, Diagnostics> {
        self.data_sources
            .get(name)
            .cloned()
            .ok_or_else(|| unknown_type("data source", name))
    }
    pub(crate) fn ephemeral(
        &self,
        name: &str,
    ) -> Result<Entry<dyn EphemeralResource>, Diagnostics> {
        self.ephemerals
            .get(name)
            .cloned()
            .ok_or_else(|| unknown_type("ephemeral resource", name))
    }
}

fn unknown_type(kind: &str, name: &str) -> Diagnostics {
    failure(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} named {name:?}."),
    )
}

/// Diagnostics holding one error.
pub(crate) fn failure(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(summary, detail);
    d
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
        let mut resources = register(prefix, provider.resources(), |r| (r.name(), r.schema()));
        for entry in resources.values_mut() {
            entry.identity = entry.imp.identity();
        }
        let data_sources = register(prefix, provider.data_sources(), |d| (d.name(), d.schema()));
        let ephemerals = register(prefix, provider.ephemeral_resources(), |e| {
            (e.name(), e.schema())
        });
        let schema = provider.schema();
        ProviderService {
            inner: Arc::new(Inner {
                provider: Entry::new(provider, schema),
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
pub(crate) trait WithDiagnostics: Default {
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

/// A request answered by a [`guarded`] handler: the RPC's name and the type
/// the call is about, for the logs.
trait Rpc {
    const NAME: &'static str;
    fn about(&self) -> String;
}

macro_rules! rpc {
    ($($msg:ident: $name:literal about $about:ident),* $(,)?) => {$(
        impl Rpc for pb::$msg::Request {
            const NAME: &'static str = $name;
            fn about(&self) -> String {
                rpc!(@about self $about)
            }
        }
    )*};
    (@about $req:ident provider) => { "provider".to_string() };
    (@about $req:ident type_name) => { $req.type_name.clone() };
}

rpc!(
    get_resource_identity_schemas: "GetResourceIdentitySchemas" about provider,
    upgrade_resource_identity: "UpgradeResourceIdentity" about type_name,
    validate_provider_config: "ValidateProviderConfig" about provider,
    configure_provider: "ConfigureProvider" about provider,
    validate_resource_config: "ValidateResourceConfig" about type_name,
    validate_data_resource_config: "ValidateDataResourceConfig" about type_name,
    upgrade_resource_state: "UpgradeResourceState" about type_name,
    read_resource: "ReadResource" about type_name,
    plan_resource_change: "PlanResourceChange" about type_name,
    apply_resource_change: "ApplyResourceChange" about type_name,
    import_resource_state: "ImportResourceState" about type_name,
    read_data_source: "ReadDataSource" about type_name,
    validate_ephemeral_resource_config: "ValidateEphemeralResourceConfig" about type_name,
    open_ephemeral_resource: "OpenEphemeralResource" about type_name,
    renew_ephemeral_resource: "RenewEphemeralResource" about type_name,
    close_ephemeral_resource: "CloseEphemeralResource" about type_name,
);

impl ProviderService {
    /// Runs `handler` (see `handlers.rs`) as one [`guarded`] call; an `Err`
    /// answers with its diagnostics.
    async fn call<Q, R, F>(
        &self,
        req: Request<Q>,
        handler: fn(Arc<Inner>, Q) -> F,
    ) -> Result<Response<R>, Status>
    where
        Q: Rpc,
        R: WithDiagnostics + Send + 'static,
        F: Future<Output = Result<R, Diagnostics>> + Send + 'static,
    {
        let req = req.into_inner();
        let about = req.about();
        let handled = handler(self.inner.clone(), req);
        guarded(Q::NAME, about, async move {
            handled.await.unwrap_or_else(|d| answer(&d))
        })
        .await
    }
}

pub(crate) fn answer<R: WithDiagnostics>(d: &Diagnostics) -> R {
    let mut r = R::default();
    r.set_diagnostics(diags_to_proto(d));
    r
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
                provider: Some(schema_to_proto(&i.provider.schema)),
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
        self.call(req, Inner::validate_provider_config).await
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        self.call(req, Inner::validate_resource_config).await
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        self.call(req, Inner::validate_data_resource_config).await
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        self.call(req, Inner::upgrade_resource_state).await
    }

    async fn get_resource_identity_schemas(
        &self,
        req: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        self.call(req, Inner::get_resource_identity_schemas).await
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        self.call(req, Inner::upgrade_resource_identity).await
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        self.call(req, Inner::configure_provider).await
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        self.call(req, Inner::read_resource).await
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        self.call(req, Inner::plan_resource_change).await
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        self.call(req, Inner::apply_resource_change).await
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        self.call(req, Inner::import_resource_state).await
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let req = req.into_inner();
        let d = failure(
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
        self.call(req, Inner::read_data_source).await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        self.call(req, Inner::validate_ephemeral_resource_config)
            .await
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        self.call(req, Inner::open_ephemeral_resource).await
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        self.call(req, Inner::renew_ephemeral_resource).await
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        self.call(req, Inner::close_ephemeral_resource).await
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
