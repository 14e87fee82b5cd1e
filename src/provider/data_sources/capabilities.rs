//! Data source `connectwise_capabilities`: what the configured ConnectWise site and Umbrella
//! console support (the probe of `terraform-provider-connectwise check`, which changes nothing),
//! so that a configuration can adapt, e.g. `count = data.connectwise_capabilities.this.api_keys ?
//! 1 : 0`, with an output naming the manual step otherwise.

use std::collections::BTreeMap;

use api_client::probe::{self, Area, Support};
use async_trait::async_trait;

use crate::provider::config::Handle;
use tfplugin::{Attribute, Block, DataSource, Diagnostics, Model, Schema, Type, Val, Value};

/// The data source's attributes (all computed).
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct CapabilitiesModel {
    pub complete: Val<bool>,
    pub role_permissions: Val<bool>,
    pub customize_items: Val<bool>,
    pub api_keys: Val<bool>,
    pub umbrella_psa_credentials: Val<bool>,
    pub umbrella_mappings: Val<bool>,
    pub codebase: Val<String>,
    pub api_version: Val<String>,
    pub manual_steps: Val<BTreeMap<String, String>>,
}

pub struct CapabilitiesDataSource {
    handle: Handle,
}

impl CapabilitiesDataSource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

/// One boolean per area outside the published API: (attribute, area, what it enables).
const AREAS: [(&str, Area, &str); 5] = [
    (
        "role_permissions",
        Area::RolePermissions,
        "the server lets the provider set a role's permission levels (`connectwise_role_permission`, `connectwise_role_permission_set`)",
    ),
    (
        "customize_items",
        Area::CustomizeItems,
        "the server lets the provider manage \"customize\" allow-lists (`allowed_tables` of role permissions)",
    ),
    (
        "api_keys",
        Area::ApiKeys,
        "the server lets the provider create API keys (`connectwise_api_key`)",
    ),
    (
        "umbrella_psa_credentials",
        Area::UmbrellaPsaCredentials,
        "the Umbrella console lets the provider store the PSA credentials (`connectwise_umbrella_psa_credentials`)",
    ),
    (
        "umbrella_mappings",
        Area::UmbrellaMappings,
        "the Umbrella console lets the provider map customers to companies (`connectwise_umbrella_psa_company_mapping`)",
    ),
];

#[async_trait]
impl DataSource for CapabilitiesDataSource {
    fn name(&self) -> &'static str {
        "capabilities"
    }

    fn schema(&self) -> Schema {
        let mut block = Block::new(
            "What the configured ConnectWise site and Umbrella console support, found out with \
             requests that change nothing (GETs and an empty JSON-Patch), the same probe as \
             `terraform-provider-connectwise check`. Use it to adapt a configuration to a server \
             that lacks calls outside the published API: `count = \
             data.connectwise_capabilities.this.api_keys ? 1 : 0`, with `manual_steps` naming what \
             to do by hand instead. A `false` also means the API member's security role forbids \
             the calls, or that the Umbrella block is not configured.",
        )
        .attribute(
            Attribute::bool("complete")
                .computed()
                .description("Whether everything the provider needs is there (`check` exits 0)."),
        );
        for (name, _, enables) in AREAS {
            block = block.attribute(
                Attribute::bool(name)
                    .computed()
                    .description(&format!("Whether {enables}.")),
            );
        }
        Schema::new(
            block
                .attribute(
                    Attribute::string("codebase").computed().description(
                        "The API path prefix from `login/companyinfo`, e.g. `v2025_1/`.",
                    ),
                )
                .attribute(Attribute::string("api_version").computed().description(
                    "The ConnectWise release from `login/companyinfo`, e.g. `v2025.1`.",
                ))
                .attribute(
                    Attribute::of_type("manual_steps", Type::Map(Box::new(Type::String)))
                        .computed()
                        .description(
                            "For each of the booleans above that is `false`, keyed by its name: \
                             the step of the manual procedure that replaces it.",
                        ),
                ),
        )
    }

    async fn read(&self, _config: &Value, diags: &mut Diagnostics) -> Value {
        let Some(cw) = self.handle.connectwise(diags) else {
            return Value::Null;
        };
        // Without an Umbrella block the Umbrella areas are `false`, with their manual steps.
        let umbrella = self.handle.umbrella(&mut Diagnostics::new());
        let report = probe::run(Some(&cw), umbrella.as_ref()).await;
        if let Some(facts) = &report.connectwise
            && !facts.authentication.is_supported()
        {
            diags.error(
                "Cannot probe ConnectWise",
                format!(
                    "The site {} did not accept the provider's credentials: {}. Check company_id, \
                     public_key, private_key and client_id (or the CONNECTWISE_* environment \
                     variables).",
                    facts.site,
                    describe(&facts.authentication)
                ),
            );
            return Value::Null;
        }
        let supports = |area| Val::Known(report.supports(area));
        let facts = report.connectwise.as_ref();
        CapabilitiesModel {
            complete: Val::Known(report.complete()),
            role_permissions: supports(Area::RolePermissions),
            customize_items: supports(Area::CustomizeItems),
            api_keys: supports(Area::ApiKeys),
            umbrella_psa_credentials: supports(Area::UmbrellaPsaCredentials),
            umbrella_mappings: supports(Area::UmbrellaMappings),
            codebase: facts.and_then(|f| f.codebase.clone()).into(),
            api_version: facts.and_then(|f| f.version_code.clone()).into(),
            manual_steps: Val::Known(
                report
                    .manual_steps()
                    .into_iter()
                    .map(|(key, step)| (key.to_owned(), step))
                    .collect(),
            ),
        }
        .encode()
    }
}

/// `unauthorized (401): <message>` and the like.
fn describe(support: &Support) -> String {
    match support.detail() {
        Some(detail) => format!("{}: {detail}", support.label()),
        None => support.label(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_model_matches_the_schema() {
        let schema = CapabilitiesDataSource::new(Handle::default()).schema();
        assert_eq!(check_model::<CapabilitiesModel>(&schema.block), Ok(()));
    }

    /// The probe names every Terraform object of the provider, so `check` judges them all.
    #[test]
    fn the_probe_knows_every_object() {
        use api_client::probe::{ObjectKind, Report};
        use tfplugin::Provider;
        let report = Report {
            connectwise: None,
            umbrella: None,
            calls: Vec::new(),
            rate_limit_headers: BTreeMap::new(),
        };
        let mut probed: Vec<(ObjectKind, String)> = report
            .objects()
            .iter()
            .map(|o| (o.kind, o.name.to_owned()))
            .collect();
        let provider = crate::provider::ConnectWiseProvider::new();
        let name = |n: &str| format!("connectwise_{n}");
        let mut served: Vec<(ObjectKind, String)> = provider
            .resources()
            .iter()
            .map(|r| (ObjectKind::Resource, name(r.name())))
            .chain(
                provider
                    .data_sources()
                    .iter()
                    .map(|d| (ObjectKind::DataSource, name(d.name()))),
            )
            .chain(
                provider
                    .ephemeral_resources()
                    .iter()
                    .map(|e| (ObjectKind::EphemeralResource, name(e.name()))),
            )
            .collect();
        let key = |o: &(ObjectKind, String)| (o.0.label(), o.1.clone());
        probed.sort_by_key(key);
        served.sort_by_key(key);
        assert_eq!(probed, served);
    }

    #[test]
    fn every_area_has_its_attribute() {
        for area in Area::ALL {
            assert!(
                AREAS
                    .iter()
                    .any(|(name, a, _)| *a == area && *name == area.key())
            );
        }
    }
}
