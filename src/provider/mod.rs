//! The `connectwise` provider: its configuration, and one module per resource
//! and data source (schema, plan, create, read, update, delete, import).

pub mod api_key;
pub mod api_member;
pub mod common;
pub mod config;
pub mod data_sources;
pub mod diag;
pub mod member_token;
pub mod role_permission;
pub mod role_permission_set;
pub mod security_role;
pub mod umbrella_psa_company_mapping;
pub mod umbrella_psa_company_mappings;
pub mod umbrella_psa_credentials;

use std::sync::Arc;

use async_trait::async_trait;

pub use config::Handle;
use tfplugin::{DataSource, Diagnostics, Provider, Resource, Schema, Value};

/// The provider; resources share its [`Handle`] to the configured clients.
#[derive(Default)]
pub struct ConnectWiseProvider {
    handle: Handle,
    /// The console reads and claims of both mapping resources and the customers data source:
    /// one customer list per operation, whoever asks first.
    mappings: Arc<common::mappings::MappingShared>,
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
        let claims = Arc::new(role_permission::Claims::default());
        let mappings = self.mappings.clone();
        vec![
            Arc::new(security_role::SecurityRoleResource::new(h.clone())),
            Arc::new(api_member::ApiMemberResource::new(h.clone())),
            Arc::new(api_key::ApiKeyResource::new(h.clone())),
            Arc::new(role_permission::RolePermissionResource::new(
                h.clone(),
                claims.clone(),
            )),
            Arc::new(role_permission_set::RolePermissionSetResource::new(
                h.clone(),
                claims,
            )),
            Arc::new(umbrella_psa_credentials::UmbrellaPsaCredentialsResource::new(h.clone())),
            Arc::new(
                umbrella_psa_company_mapping::UmbrellaPsaCompanyMappingResource::new(
                    h.clone(),
                    mappings.clone(),
                ),
            ),
            Arc::new(
                umbrella_psa_company_mappings::UmbrellaPsaCompanyMappingsResource::new(
                    h.clone(),
                    mappings,
                ),
            ),
        ]
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        let h = &self.handle;
        vec![
            Arc::new(data_sources::security_role::SecurityRoleDataSource::new(
                h.clone(),
            )),
            Arc::new(data_sources::member::MemberDataSource::new(h.clone())),
            Arc::new(data_sources::security_modules::SecurityModulesDataSource::new()),
            Arc::new(data_sources::role_permissions::RolePermissionsDataSource::new(h.clone())),
            Arc::new(
                data_sources::umbrella_customers::UmbrellaCustomersDataSource::new(
                    h.clone(),
                    self.mappings.clone(),
                ),
            ),
            Arc::new(data_sources::companies::CompaniesDataSource::new(h.clone())),
            Arc::new(data_sources::capabilities::CapabilitiesDataSource::new(
                h.clone(),
            )),
        ]
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn tfplugin::EphemeralResource>> {
        vec![Arc::new(member_token::MemberTokenEphemeral::new(
            self.handle.clone(),
        ))]
    }
}
