//! The `connectwise` provider: its configuration, and one module per resource
//! and data source (schema, plan, create, read, update, delete, import).

pub mod config;
pub mod data_sources;
pub mod diag;
pub mod security_role;

use std::sync::Arc;

use async_trait::async_trait;

use crate::plugin::{DataSource, Diagnostics, Provider, Resource, Schema, Value};
pub use config::Handle;

/// The provider; resources share its [`Handle`] to the configured clients.
#[derive(Default)]
pub struct ConnectWiseProvider {
    handle: Handle,
}

impl ConnectWiseProvider {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Provider for ConnectWiseProvider {
    fn type_name(&self) -> &'static str {
        "connectwise"
    }

    fn schema(&self) -> Schema {
        config::provider_schema()
    }

    async fn configure(&self, _terraform_version: &str, config: &Value, diags: &mut Diagnostics) {
        self.handle.configure(config, diags);
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        let h = &self.handle;
        vec![Arc::new(security_role::SecurityRoleResource::new(
            h.clone(),
        ))]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        let h = &self.handle;
        vec![Arc::new(
            data_sources::security_role::SecurityRoleDataSource::new(h.clone()),
        )]
    }
}
