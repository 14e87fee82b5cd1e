//! Serving resource identity (protocol 6.9): the identity RPCs, the identity of an answered
//! state, and decoding an identity Terraform sends to import by. Terraform 1.11 and older send
//! no identity and ignore the ones we answer, so nothing here changes what they see.

use std::collections::HashMap;
use std::sync::Arc;

use super::convert::{decode, decode_raw, identity_data, identity_schema_to_proto};
use super::diag::{Diagnostics, Severity};
use super::framework::Resource;
use super::identity::{IDENTITY_VERSION, Identity};
use super::proto::tfplugin6 as pb;
use super::server::{Entry, Inner, failure};
use super::value::Value;

impl Entry<dyn Resource> {
    /// The identity of the object `state` describes, for an answer; `None` when the resource
    /// has no identity or the state does not know it yet (see [`Identity::from_state`]).
    pub(crate) fn identity_of(&self, state: &Value) -> Option<pb::ResourceIdentityData> {
        let identity = self.identity.as_ref()?;
        identity_data(identity.from_state(state).as_ref(), &identity.ty())
    }

    /// An identity Terraform sent to import by, decoded and checked; errors name the attribute.
    pub(crate) fn import_identity(
        &self,
        data: pb::ResourceIdentityData,
        type_name: &str,
    ) -> Result<(&Identity, Value), Diagnostics> {
        let Some(identity) = self.identity.as_ref() else {
            return Err(no_identity(type_name, "import it by its import id instead"));
        };
        let mut d = Diagnostics::new();
        let Some(value) = decode(data.identity_data, &identity.ty(), "identity", &mut d) else {
            return Err(d);
        };
        if value.is_null() {
            return Err(failure(
                "Missing identity",
                format!("Terraform asked to import a {type_name} by an identity but sent none."),
            ));
        }
        identity.check(&value, &mut d);
        if d.has_errors() {
            return Err(d);
        }
        Ok((identity, value))
    }
}

/// Says which identity an import that failed was made by, so the message names its attributes.
pub(crate) fn explain_identity_import(identity: &Identity, value: &Value, diags: &mut Diagnostics) {
    for diag in diags.0.iter_mut() {
        if diag.severity == Severity::Error {
            diag.detail.push_str(&format!(
                "\n\nThis import was by the identity {}.",
                identity.show(value)
            ));
        }
    }
}

fn no_identity(type_name: &str, what_to_do: &str) -> Diagnostics {
    failure(
        "Resource identity is not supported",
        format!("The resource type {type_name} has no identity; {what_to_do}."),
    )
}

impl Inner {
    pub(crate) async fn get_resource_identity_schemas(
        self: Arc<Self>,
        _req: pb::get_resource_identity_schemas::Request,
    ) -> Result<pb::get_resource_identity_schemas::Response, Diagnostics> {
        let identity_schemas: HashMap<String, pb::ResourceIdentitySchema> = self
            .resources()
            .filter_map(|(name, e)| {
                let identity = e.identity.as_ref()?;
                Some((name.clone(), identity_schema_to_proto(identity)))
            })
            .collect();
        Ok(pb::get_resource_identity_schemas::Response {
            identity_schemas,
            diagnostics: Vec::new(),
        })
    }

    pub(crate) async fn upgrade_resource_identity(
        self: Arc<Self>,
        req: pb::upgrade_resource_identity::Request,
    ) -> Result<pb::upgrade_resource_identity::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let Some(identity) = r.identity.as_ref() else {
            return Err(no_identity(
                &req.type_name,
                "there is no identity to upgrade",
            ));
        };
        if req.version != IDENTITY_VERSION {
            let newer = if req.version > IDENTITY_VERSION {
                " It was written by a newer provider version: use that version."
            } else {
                ""
            };
            return Err(failure(
                "Unknown identity version",
                format!(
                    "The stored identity of this {} has identity version {}, but this provider \
                     only knows version {IDENTITY_VERSION}.{newer}",
                    req.type_name, req.version
                ),
            ));
        }
        let ty = identity.ty();
        let value = decode_raw(req.raw_identity, &ty, "identity")
            .map_err(|detail| failure("Unreadable identity", detail))?;
        Ok(pb::upgrade_resource_identity::Response {
            upgraded_identity: identity_data(Some(&value).filter(|v| !v.is_null()), &ty),
            diagnostics: Vec::new(),
        })
    }
}
