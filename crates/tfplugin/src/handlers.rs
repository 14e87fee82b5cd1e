//! What each guarded RPC does in its own task: find the type, decode the
//! values, run the framework logic (validation, planning, finishing states),
//! call the provider's hooks and encode the answer. `Err` diagnostics are the
//! whole answer (see `server.rs`).

use std::sync::Arc;

use super::convert::{decode_raw, diags_to_proto, identity_data, path_to_proto, timestamp};
use super::diag::Diagnostics;
use super::framework::{ApplyRequest, PlanRequest, Private, ReadRequest, Resource, StateResponse};
use super::identity_handlers::explain_identity_import;
use super::plan::plan_change;
use super::proto::tfplugin6 as pb;
use super::server::{Inner, answer, failure};
use super::value::Value;

impl Inner {
    pub(crate) async fn validate_provider_config(
        self: Arc<Self>,
        req: pb::validate_provider_config::Request,
    ) -> Result<pb::validate_provider_config::Response, Diagnostics> {
        let p = &self.provider;
        let mut d = Diagnostics::new();
        if let Some(config) = p.validated(req.config, "provider configuration", &mut d) {
            p.imp.validate(&config, &mut d).await;
        }
        Ok(answer(&d))
    }

    pub(crate) async fn validate_resource_config(
        self: Arc<Self>,
        req: pb::validate_resource_config::Request,
    ) -> Result<pb::validate_resource_config::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let mut d = Diagnostics::new();
        if let Some(config) = r.validated(req.config, "resource configuration", &mut d) {
            r.imp.validate(&config, &mut d).await;
        }
        Ok(answer(&d))
    }

    pub(crate) async fn validate_data_resource_config(
        self: Arc<Self>,
        req: pb::validate_data_resource_config::Request,
    ) -> Result<pb::validate_data_resource_config::Response, Diagnostics> {
        let r = self.data_source(&req.type_name)?;
        let mut d = Diagnostics::new();
        if let Some(config) = r.validated(req.config, "data source configuration", &mut d) {
            r.imp.validate(&config, &mut d).await;
        }
        Ok(answer(&d))
    }

    pub(crate) async fn upgrade_resource_state(
        self: Arc<Self>,
        req: pb::upgrade_resource_state::Request,
    ) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        if req.version > r.schema.version {
            return Err(failure(
                "State written by a newer provider",
                format!(
                    "The state of this {} was written with schema version {}, but this provider \
                     only knows version {}. Use the newer provider version.",
                    req.type_name, req.version, r.schema.version
                ),
            ));
        }
        let state = decode_raw(req.raw_state, &r.ty, "state")
            .map_err(|detail| failure("Unreadable state", detail))?;
        Ok(pb::upgrade_resource_state::Response {
            upgraded_state: r.encode(&state),
            diagnostics: Vec::new(),
        })
    }

    pub(crate) async fn configure_provider(
        self: Arc<Self>,
        req: pb::configure_provider::Request,
    ) -> Result<pb::configure_provider::Response, Diagnostics> {
        let p = &self.provider;
        let mut d = Diagnostics::new();
        if let Some(config) = p.decode(req.config, "provider configuration", &mut d) {
            p.imp
                .configure(&req.terraform_version, &config, &mut d)
                .await;
        }
        Ok(answer(&d))
    }

    pub(crate) async fn read_resource(
        self: Arc<Self>,
        req: pb::read_resource::Request,
    ) -> Result<pb::read_resource::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let mut d = Diagnostics::new();
        let Some(state) = r.decode(req.current_state, "current state", &mut d) else {
            return Err(d);
        };
        let private = Private::from_bytes(&req.private);
        let mut resp = StateResponse::new(state.clone(), private.clone());
        if !state.is_null() {
            r.imp.read(&ReadRequest { state, private }, &mut resp).await;
        }
        r.finish(&mut resp.state);
        Ok(pb::read_resource::Response {
            new_state: r.encode(&resp.state),
            diagnostics: diags_to_proto(&resp.diags),
            private: resp.private.to_bytes(),
            deferred: None,
            new_identity: r.identity_of(&resp.state),
        })
    }

    pub(crate) async fn plan_resource_change(
        self: Arc<Self>,
        req: pb::plan_resource_change::Request,
    ) -> Result<pb::plan_resource_change::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let mut d = Diagnostics::new();
        let (Some(prior), Some(proposed), Some(config)) = (
            r.decode(req.prior_state, "prior state", &mut d),
            r.decode(req.proposed_new_state, "proposed new state", &mut d),
            r.decode(req.config, "configuration", &mut d),
        ) else {
            return Err(d);
        };
        if proposed.is_null() {
            // Destroy: nothing to plan; the object keeps its identity until it is gone.
            return Ok(pb::plan_resource_change::Response {
                planned_state: r.encode(&Value::Null),
                planned_private: req.prior_private,
                planned_identity: req.prior_identity,
                ..Default::default()
            });
        }
        let plan_req = PlanRequest {
            config,
            prior,
            prior_private: Private::from_bytes(&req.prior_private),
        };
        let resp = plan_change(&*r.imp, &r.schema.block, plan_req, &proposed, d).await;
        Ok(pb::plan_resource_change::Response {
            planned_state: r.encode(&resp.planned),
            requires_replace: resp.requires_replace.iter().map(path_to_proto).collect(),
            planned_private: resp.private.to_bytes(),
            diagnostics: diags_to_proto(&resp.diags),
            legacy_type_system: false,
            deferred: None,
            // Absent while the plan does not know it yet (a create, a replacement).
            planned_identity: r.identity_of(&resp.planned),
        })
    }

    pub(crate) async fn apply_resource_change(
        self: Arc<Self>,
        req: pb::apply_resource_change::Request,
    ) -> Result<pb::apply_resource_change::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        let mut d = Diagnostics::new();
        let (Some(prior), Some(planned), Some(config)) = (
            r.decode(req.prior_state, "prior state", &mut d),
            r.decode(req.planned_state, "planned state", &mut d),
            r.decode(req.config, "configuration", &mut d),
        ) else {
            return Err(d);
        };
        let apply = ApplyRequest {
            config,
            planned,
            prior,
            private: Private::from_bytes(&req.planned_private),
        };
        let mut resp = apply_change(&*r.imp, &apply).await;
        r.finish(&mut resp.state);
        Ok(pb::apply_resource_change::Response {
            new_state: r.encode(&resp.state),
            private: resp.private.to_bytes(),
            diagnostics: diags_to_proto(&resp.diags),
            legacy_type_system: false,
            new_identity: r.identity_of(&resp.state),
        })
    }

    pub(crate) async fn import_resource_state(
        self: Arc<Self>,
        req: pb::import_resource_state::Request,
    ) -> Result<pb::import_resource_state::Response, Diagnostics> {
        let r = self.resource(&req.type_name)?;
        // Terraform 1.12 and later import by identity when no id is given.
        let by_identity = match req.identity {
            Some(data) if req.id.trim().is_empty() => {
                Some(r.import_identity(data, &req.type_name)?)
            }
            _ => None,
        };
        let mut resp = StateResponse::new(Value::Null, Private::default());
        match &by_identity {
            Some((_, identity)) => r.imp.import_by_identity(identity, &mut resp).await,
            None => r.imp.import(req.id.trim(), &mut resp).await,
        }
        if resp.diags.has_errors() || resp.state.is_null() {
            if !resp.diags.has_errors() {
                let by = match by_identity {
                    Some(_) => "this identity".to_string(),
                    None => format!("the import id {:?}", req.id),
                };
                resp.diags.error(
                    "Cannot import non-existent remote object",
                    format!("No {} matches {by}.", req.type_name),
                );
            }
            if let Some((declared, identity)) = &by_identity {
                explain_identity_import(declared, identity, &mut resp.diags);
            }
            return Err(resp.diags);
        }
        r.finish(&mut resp.state);
        let identity = r.identity_of(&resp.state).or_else(|| {
            // Terraform insists on an identity after an import by identity.
            let (declared, identity) = by_identity.as_ref()?;
            identity_data(Some(identity), &declared.ty())
        });
        Ok(pb::import_resource_state::Response {
            imported_resources: vec![pb::import_resource_state::ImportedResource {
                type_name: req.type_name.clone(),
                state: r.encode(&resp.state),
                private: resp.private.to_bytes(),
                identity,
            }],
            diagnostics: diags_to_proto(&resp.diags),
            deferred: None,
        })
    }

    pub(crate) async fn read_data_source(
        self: Arc<Self>,
        req: pb::read_data_source::Request,
    ) -> Result<pb::read_data_source::Response, Diagnostics> {
        let r = self.data_source(&req.type_name)?;
        let mut d = Diagnostics::new();
        let Some(config) = r.decode(req.config, "data source configuration", &mut d) else {
            return Err(d);
        };
        let mut state = r.imp.read(&config, &mut d).await;
        r.finish(&mut state);
        if d.has_errors() {
            return Err(d);
        }
        Ok(pb::read_data_source::Response {
            state: r.encode(&state),
            diagnostics: diags_to_proto(&d),
            deferred: None,
        })
    }

    pub(crate) async fn validate_ephemeral_resource_config(
        self: Arc<Self>,
        req: pb::validate_ephemeral_resource_config::Request,
    ) -> Result<pb::validate_ephemeral_resource_config::Response, Diagnostics> {
        let r = self.ephemeral(&req.type_name)?;
        let mut d = Diagnostics::new();
        if let Some(config) = r.validated(req.config, "configuration", &mut d) {
            r.imp.validate(&config, &mut d).await;
        }
        Ok(answer(&d))
    }

    pub(crate) async fn open_ephemeral_resource(
        self: Arc<Self>,
        req: pb::open_ephemeral_resource::Request,
    ) -> Result<pb::open_ephemeral_resource::Response, Diagnostics> {
        let r = self.ephemeral(&req.type_name)?;
        let mut d = Diagnostics::new();
        let Some(config) = r.decode(req.config, "configuration", &mut d) else {
            return Err(d);
        };
        match r.imp.open(&config, &mut d).await {
            Some(open) if !d.has_errors() => Ok(pb::open_ephemeral_resource::Response {
                diagnostics: diags_to_proto(&d),
                renew_at: open.renew_at.map(timestamp),
                result: r.encode(&open.result),
                private: Some(open.private.to_bytes()),
                deferred: None,
            }),
            _ => Err(d),
        }
    }

    pub(crate) async fn renew_ephemeral_resource(
        self: Arc<Self>,
        req: pb::renew_ephemeral_resource::Request,
    ) -> Result<pb::renew_ephemeral_resource::Response, Diagnostics> {
        let r = self.ephemeral(&req.type_name)?;
        let mut d = Diagnostics::new();
        let private = Private::from_bytes(req.private.as_deref().unwrap_or_default());
        let renew_at = r.imp.renew(&private, &mut d).await;
        Ok(pb::renew_ephemeral_resource::Response {
            diagnostics: diags_to_proto(&d),
            renew_at: renew_at.map(timestamp),
            private: req.private,
        })
    }

    pub(crate) async fn close_ephemeral_resource(
        self: Arc<Self>,
        req: pb::close_ephemeral_resource::Request,
    ) -> Result<pb::close_ephemeral_resource::Response, Diagnostics> {
        let mut d = Diagnostics::new();
        if let Ok(r) = self.ephemeral(&req.type_name) {
            let private = Private::from_bytes(req.private.as_deref().unwrap_or_default());
            r.imp.close(&private, &mut d).await;
        }
        Ok(answer(&d))
    }
}

/// Create, update or delete, as the plan says; the state is not finished yet.
async fn apply_change(resource: &dyn Resource, apply: &ApplyRequest) -> StateResponse {
    let private = apply.private.clone();
    if apply.planned.is_null() {
        let mut resp = StateResponse::new(apply.prior.clone(), private);
        resource.delete(apply, &mut resp).await;
        if !resp.diags.has_errors() {
            resp.state = Value::Null;
        }
        resp
    } else if apply.prior.is_null() {
        let mut resp = StateResponse::new(Value::Null, private);
        resource.create(apply, &mut resp).await;
        resp
    } else {
        let mut resp = StateResponse::new(Value::Null, private);
        resource.update(apply, &mut resp).await;
        if resp.state.is_null() && resp.diags.has_errors() {
            // A failed update leaves the object as it was.
            resp.state = apply.prior.clone();
        }
        resp
    }
}
