//! What a provider, resource, data source or ephemeral resource implements.
//!
//! The server (see `server.rs`) does the protocol work around these traits in
//! the HashiCorp framework's way: it decodes values against the schema, runs
//! validators, plans defaults, unknowns and replacements from the schema's
//! attribute flags, and then calls the hooks below.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use super::diag::{AttrPath, Diagnostics};
use super::identity::Identity;
use super::schema::Schema;
use super::value::Value;

/// Provider-private data kept in state beside a resource (never shown to users).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Private(pub BTreeMap<String, serde_json::Value>);

impl Private {
    /// Decodes the bytes Terraform hands back (empty or JSON).
    pub fn from_bytes(bytes: &[u8]) -> Private {
        if bytes.is_empty() {
            return Private::default();
        }
        serde_json::from_slice(bytes)
            .map(Private)
            .unwrap_or_default()
    }
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.0.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(&self.0).unwrap_or_default()
    }
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }
    pub fn set(&mut self, key: &str, value: serde_json::Value) {
        self.0.insert(key.to_string(), value);
    }
    pub fn remove(&mut self, key: &str) {
        self.0.remove(key);
    }
    /// The whole map read as one struct, e.g. a `#[derive(Deserialize)]` type
    /// with `#[serde(default)]` so missing keys take their defaults. Data that
    /// does not fit (written by another provider version) gives `T::default()`.
    pub fn decode<T: serde::de::DeserializeOwned + Default>(&self) -> T {
        let object = self.0.clone().into_iter().collect();
        serde_json::from_value(serde_json::Value::Object(object)).unwrap_or_default()
    }
    /// A struct as the whole map, one key per field; fields the struct skips
    /// (`#[serde(skip_serializing_if = "Option::is_none")]`) are left out. A
    /// value that is not a struct or map with string keys gives an empty map.
    pub fn encode<T: serde::Serialize>(value: &T) -> Private {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(object)) => Private(object.into_iter().collect()),
            _ => Private::default(),
        }
    }
}

/// The provider itself: its schema, its configuration and what it offers.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider type name, e.g. `connectwise`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Extra checks of the provider block beyond the schema's validators.
    async fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Builds the API clients from the provider block.
    async fn configure(&self, terraform_version: &str, config: &Value, diags: &mut Diagnostics);
    fn resources(&self) -> Vec<Arc<dyn Resource>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>>;
    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource>> {
        Vec::new()
    }
}

/// Input of [`Resource::modify_plan`].
pub struct PlanRequest {
    pub config: Value,
    /// Null when the object is being created.
    pub prior: Value,
    pub prior_private: Private,
}

/// Output of [`Resource::modify_plan`]; `planned` already has the schema's
/// defaults, unknowns and write-only nulls applied.
pub struct PlanResponse {
    pub planned: Value,
    pub requires_replace: Vec<AttrPath>,
    pub private: Private,
    pub diags: Diagnostics,
}

/// Input of create, update and delete.
pub struct ApplyRequest {
    /// The configuration, with write-only values (which are null in `planned`).
    pub config: Value,
    pub planned: Value,
    /// Null on create.
    pub prior: Value,
    pub private: Private,
}

/// Input of read.
pub struct ReadRequest {
    pub state: Value,
    pub private: Private,
}

/// What a resource operation answers. `state` starts as the prior state for
/// read and delete and as null for create, update and import.
pub struct StateResponse {
    /// The object's new state; null means "does not exist".
    pub state: Value,
    pub private: Private,
    pub diags: Diagnostics,
}

impl StateResponse {
    pub fn new(state: Value, private: Private) -> Self {
        StateResponse {
            state,
            private,
            diags: Diagnostics::new(),
        }
    }
}

/// A managed resource, in the order its file implements it: schema, plan,
/// create, read, update, delete, import.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The type name without the provider prefix, e.g. `security_role`.
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Extra Markdown for the documentation page (e.g. the REST calls used).
    fn doc_sections(&self) -> &'static str {
        ""
    }
    /// Checks across attributes, after the schema's validators ran.
    async fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Adjusts the plan the schema produced (look-ups, cross-attribute rules).
    async fn modify_plan(&self, _req: &PlanRequest, _resp: &mut PlanResponse) {}
    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse);
    /// Refreshes `resp.state`; sets it to null when the object is gone.
    async fn read(&self, req: &ReadRequest, resp: &mut StateResponse);
    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse);
    /// Deletes the object; a missing object is not an error.
    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse);
    /// Turns an import id into a full state (Terraform reads it right after).
    async fn import(&self, id: &str, resp: &mut StateResponse);
    /// The resource's identity (Terraform 1.12 and later), if it has one. The server derives
    /// the identity from every known state it answers with (see [`Identity::from_state`]).
    fn identity(&self) -> Option<Identity> {
        None
    }
    /// Imports the object an identity names (`import { identity = {...} }`); `identity` has
    /// passed [`Identity::check`]. By default its import id ([`Identity::import_id`]) goes to
    /// [`Resource::import`]; a resource whose import ids cannot say the same overrides this.
    async fn import_by_identity(&self, identity: &Value, resp: &mut StateResponse) {
        match self.identity() {
            Some(declared) => self.import(&declared.import_id(identity), resp).await,
            None => resp.diags.error(
                "Import by identity is not supported",
                format!(
                    "The {} resource has no identity; import it by its import id instead.",
                    self.name()
                ),
            ),
        }
    }
}

/// A data source.
#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Extra Markdown for the documentation page.
    fn doc_sections(&self) -> &'static str {
        ""
    }
    async fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Fills in the computed attributes of `config`.
    async fn read(&self, config: &Value, diags: &mut Diagnostics) -> Value;
}

/// What opening an ephemeral resource answers.
pub struct EphemeralOpen {
    pub result: Value,
    pub private: Private,
    /// When Terraform should call renew, if ever.
    pub renew_at: Option<std::time::SystemTime>,
}

/// An ephemeral resource (Terraform ≥ 1.10): never stored in plan or state.
#[async_trait]
pub trait EphemeralResource: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    /// Extra Markdown for the documentation page.
    fn doc_sections(&self) -> &'static str {
        ""
    }
    async fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn open(&self, config: &Value, diags: &mut Diagnostics) -> Option<EphemeralOpen>;
    async fn renew(
        &self,
        _private: &Private,
        _diags: &mut Diagnostics,
    ) -> Option<std::time::SystemTime> {
        None
    }
    async fn close(&self, _private: &Private, _diags: &mut Diagnostics) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default)]
    struct Minted {
        #[serde(skip_serializing_if = "Option::is_none")]
        key_id: Option<String>,
        imported: bool,
        unrevoked: Vec<String>,
    }

    #[test]
    fn typed_private_state_round_trips_through_the_bytes() {
        let minted = Minted {
            key_id: Some("k1".into()),
            imported: true,
            unrevoked: vec!["k0".into()],
        };
        let private = Private::encode(&minted);
        assert_eq!(private.get("key_id"), Some(&serde_json::json!("k1")));
        let back = Private::from_bytes(&private.to_bytes());
        assert_eq!(back.decode::<Minted>(), minted);
    }

    #[test]
    fn skipped_fields_are_left_out_and_missing_keys_default() {
        let private = Private::encode(&Minted::default());
        assert_eq!(private.get("key_id"), None);
        assert_eq!(private.get("imported"), Some(&serde_json::json!(false)));

        let mut partial = Private::default();
        partial.set("imported", serde_json::json!(true));
        partial.set("written_by_a_later_version", serde_json::json!(1));
        let decoded: Minted = partial.decode();
        assert_eq!(
            decoded,
            Minted {
                imported: true,
                ..Minted::default()
            }
        );
        assert_eq!(Private::default().decode::<Minted>(), Minted::default());
    }

    #[test]
    fn undecodable_private_state_gives_the_default() {
        let mut wrong = Private::default();
        wrong.set("imported", serde_json::json!("not a bool"));
        assert_eq!(wrong.decode::<Minted>(), Minted::default());
        assert_eq!(Private::encode(&42), Private::default());
    }
}
