//! `connectwise_umbrella_psa_credentials`: the ConnectWise credentials of the Umbrella MSP/MSSP
//! console's PSA integration (MSP Settings > PSA Integration Details), one per console.
//!
//! Umbrella never returns the private key and wants it on every write, so it comes from one of
//! three places, exactly one per configuration:
//! - `private_key`: kept in state (sensitive) and re-sent when the configuration changes;
//! - `private_key_wo` + `private_key_wo_version`: write-only, read from the configuration at apply
//!   time and never stored; a new version re-sends it;
//! - `mint_key { member_id, ... }`: the provider creates a ConnectWise API key for the member in
//!   the same apply, hands it to Umbrella and forgets the private key. State (and the provider's
//!   private state) keeps the minted key's id and public key only. Because Umbrella needs the
//!   private key on every write, every change in this mode mints a fresh key and revokes the
//!   previous one after Umbrella accepted the new one; destroy revokes it.

mod minted;
mod put;
mod schema;

use async_trait::async_trait;

use super::common::nullable::decode_nullable;
use super::config::Handle;
use super::diag::{bad_import_id, umbrella_error};
use minted::{MintPrivate, MintedKey, minted_key_gone, revoke};
use tfplugin::{
    ApplyRequest, AttrPath, Diagnostics, Identity, IdentityAttribute, Model, PlanRequest,
    PlanResponse, ReadRequest, Resource, Schema, StateResponse, Val, Validator, Value,
};

pub use schema::{CredentialsModel, MintKeyModel, credentials_schema};

/// The id of the (only) PSA integration of a console; also the import id.
pub const ID: &str = "psa";

/// Description of minted ConnectWise API keys when `mint_key.description` is not set.
pub const DEFAULT_KEY_DESCRIPTION: &str = "Umbrella PSA Integration";

const DOC_SECTIONS: &str = include_str!("doc_sections.md");

pub struct UmbrellaPsaCredentialsResource {
    handle: Handle,
}

impl UmbrellaPsaCredentialsResource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }

    /// In `mint_key` mode, with a prior state: plans a new key when Umbrella no longer holds the
    /// key this resource minted (changed out of band), or ConnectWise refuses it (revoked out of
    /// band).
    async fn plan_lost_key(
        &self,
        prior: &CredentialsModel,
        private: &MintPrivate,
        planned: &mut CredentialsModel,
        diags: &mut Diagnostics,
    ) {
        let minted = MintedKey::from_prior(prior, private);
        let public_drifted = minted
            .as_ref()
            .is_some_and(|k| prior.public_key.as_str() != Some(k.public_key.as_str()));
        let refused = prior.connection_status.as_str() == Some("unauthorized")
            && match &minted {
                Some(k) => minted_key_gone(&self.handle, k, diags).await,
                None => true,
            };
        if public_drifted || refused {
            planned.public_key = Val::Unknown;
            planned.minted_key_id = Val::Unknown;
            planned.connection_status = Val::Unknown;
            planned.updated_at = Val::Unknown;
        }
    }
}

/// The warning and plan of an update that revokes keys earlier failed applies left behind.
fn plan_unrevoked(
    unrevoked: &[MintedKey],
    minting: bool,
    planned: &mut CredentialsModel,
    diags: &mut Diagnostics,
) {
    let ids: Vec<String> = unrevoked.iter().map(|k| k.id.to_string()).collect();
    diags.warning(
        "Minted API keys to revoke",
        format!(
            "An earlier apply minted ConnectWise API key(s) {} and could not revoke them; \
             this apply updates the credentials and revokes them.",
            ids.join(", ")
        ),
    );
    planned.connection_status = Val::Unknown;
    planned.updated_at = Val::Unknown;
    if minting {
        // Every write in this mode mints a fresh key.
        planned.public_key = Val::Unknown;
        planned.minted_key_id = Val::Unknown;
    }
}

#[async_trait]
impl Resource for UmbrellaPsaCredentialsResource {
    fn name(&self) -> &'static str {
        "umbrella_psa_credentials"
    }

    fn schema(&self) -> Schema {
        credentials_schema()
    }

    fn identity(&self) -> Option<Identity> {
        Some(
            Identity::new("{id}").attribute(
                IdentityAttribute::string("id")
                    .validate(Validator::OneOf(&[ID]))
                    .description(
                        "Always `psa`: a console has one PSA integration, and the provider's \
                         `umbrella` block chooses the console.",
                    ),
            ),
        )
    }

    fn doc_sections(&self) -> &'static str {
        DOC_SECTIONS
    }

    async fn modify_plan(&self, req: &PlanRequest, resp: &mut PlanResponse) {
        if self.handle.umbrella(&mut resp.diags).is_none() {
            return;
        }
        let diags = &mut resp.diags;
        let (Some(config), Some(prior), Some(mut planned)) = (
            CredentialsModel::decode_into(&req.config, diags),
            decode_nullable::<CredentialsModel>(&req.prior, diags),
            CredentialsModel::decode_into(&resp.planned, diags),
        ) else {
            return;
        };
        let minting = !config.mint_key.is_null();
        if minting && self.handle.connectwise(&mut resp.diags).is_none() {
            return;
        }
        planned.set_id();
        resp.planned = planned.encode();
        let Some(prior) = prior else {
            if config.key_sources().is_empty() {
                resp.diags.attr_error(
                    AttrPath::root("private_key"),
                    "Missing private key",
                    "Umbrella needs the ConnectWise private key to save new PSA credentials: set \
                     `private_key`, `private_key_wo` (with `private_key_wo_version`) or a \
                     `mint_key` block. (Leaving all three out is only for imported credentials \
                     whose key stays as it is in Umbrella.)",
                );
            } else if !minting {
                planned.minted_key_id = Val::Null;
                resp.planned = planned.encode();
            }
            return;
        };
        let private = MintPrivate::load(&req.prior_private);
        if !private.unrevoked_keys.is_empty() {
            plan_unrevoked(
                &private.unrevoked_keys,
                minting,
                &mut planned,
                &mut resp.diags,
            );
        }
        if !minting {
            planned.minted_key_id = Val::Null;
            resp.planned = planned.encode();
            if prior.connection_status.as_str() == Some("unauthorized")
                && resp.planned.same_as(&req.prior)
            {
                resp.diags.attr_warning(
                    AttrPath::root("connection_status"),
                    "Umbrella cannot use the ConnectWise credentials",
                    "Umbrella reports that ConnectWise refuses the stored credentials \
                     (connection_status \"unauthorized\"). Give it a valid key: change \
                     `public_key`/`private_key`, or `private_key_wo` with a new \
                     `private_key_wo_version`.",
                );
            }
            return;
        }
        self.plan_lost_key(&prior, &private, &mut planned, &mut resp.diags)
            .await;
        resp.planned = planned.encode();
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        put::put(&self.handle, req, resp).await;
    }

    async fn read(&self, req: &ReadRequest, resp: &mut StateResponse) {
        let Some(umbrella) = self.handle.umbrella(&mut resp.diags) else {
            return;
        };
        let Some(mut state) = CredentialsModel::decode_into(&req.state, &mut resp.diags) else {
            return;
        };
        match umbrella.get_psa().await {
            Ok(Some(settings)) => {
                state.apply_remote(&settings);
                resp.state = state.encode();
            }
            Ok(None) => {
                let private = MintPrivate::load(&req.private);
                if private.revoke_pending || !private.unrevoked_keys.is_empty() {
                    // A minted key still needs revoking: keep it known.
                    resp.state = req.state.clone();
                    return;
                }
                if let Some(k) = MintedKey::from_prior(&state, &private) {
                    resp.diags.warning(
                        "Umbrella PSA credentials removed outside Terraform",
                        format!(
                            "The PSA integration is no longer configured in Umbrella. The next \
                             apply mints a new ConnectWise API key; the one minted before (key {} \
                             of member {}) is no longer used by Umbrella: delete it by hand \
                             (System > Members > API Members > the member > API Keys).",
                            k.id, k.member_id
                        ),
                    );
                }
                resp.state = Value::Null;
            }
            Err(e) => umbrella_error(&mut resp.diags, "read the Umbrella PSA credentials", &e),
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        put::put(&self.handle, req, resp).await;
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(umbrella) = self.handle.umbrella(&mut resp.diags) else {
            return;
        };
        let Some(prior) = CredentialsModel::decode_into(&req.prior, &mut resp.diags) else {
            return;
        };
        if let Err(e) = umbrella.delete_psa().await {
            umbrella_error(&mut resp.diags, "remove the Umbrella PSA credentials", &e);
            return;
        }
        let private = MintPrivate::load(&req.private);
        let keys = MintedKey::from_prior(&prior, &private)
            .into_iter()
            .chain(private.unrevoked_keys);
        for k in keys {
            if let Err(why) = revoke(&self.handle, &k).await {
                resp.diags.error(
                    "Cannot revoke the minted ConnectWise API key",
                    format!(
                        "The PSA credentials were removed from Umbrella, but revoking API key {} \
                         of member {} failed: {why}. Run destroy again, or delete the key by hand.",
                        k.id, k.member_id
                    ),
                );
            }
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        if !id.eq_ignore_ascii_case(ID) {
            bad_import_id(
                &mut resp.diags,
                id,
                "`psa`: a console has one PSA integration, and the provider's `umbrella` block \
                 chooses the console",
            );
            return;
        }
        let Some(umbrella) = self.handle.umbrella(&mut resp.diags) else {
            return;
        };
        match umbrella.get_psa().await {
            Ok(Some(settings)) => {
                let mut state = CredentialsModel {
                    site: Val::Known(settings.site_url.clone()),
                    company_id: Val::Known(settings.company_id.clone()),
                    ..CredentialsModel::default()
                };
                state.apply_remote(&settings);
                resp.state = state.encode();
                resp.diags.warning(
                    "The private key was not imported",
                    "Umbrella never returns the ConnectWise private key, so the imported state has \
                     none. If the configuration gives a key (`private_key`, `private_key_wo` with \
                     `private_key_wo_version`, or a freshly minted one with `mint_key`), the next \
                     `terraform apply` sends it as an in-place update; if it gives none (as the \
                     module's key_mode = \"adopted\" does), Umbrella keeps the key it holds and \
                     nothing is sent.",
                );
            }
            Ok(None) => resp.diags.error(
                "Cannot import the Umbrella PSA credentials",
                "The PSA integration of this Umbrella console is not configured (MSP Settings > \
                 PSA Integration Details): there is nothing to import. Apply the resource to \
                 create it.",
            ),
            Err(e) => umbrella_error(&mut resp.diags, "import the Umbrella PSA credentials", &e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn exactly_one_key_source() {
        let r = UmbrellaPsaCredentialsResource::new(Handle::default());
        let base = Value::object()
            .with("site", Value::string("cw.example"))
            .with("company_id", Value::string("acme"));
        // The key-source rules are declared on the schema, which checks them at validate time.
        async fn check(r: &UmbrellaPsaCredentialsResource, config: Value) -> Vec<String> {
            let mut d = Diagnostics::new();
            r.schema()
                .block
                .validate(&config, &tfplugin::AttrPath::default(), &mut d);
            r.validate(&config, &mut d).await;
            d.iter().map(|x| x.detail.clone()).collect()
        }
        let ok = base
            .clone()
            .with("public_key", Value::string("p"))
            .with("private_key", Value::Unknown);
        assert!(check(&r, ok).await.is_empty());
        let minted = base.clone().with(
            "mint_key",
            Value::object().with("member_id", Value::string("150")),
        );
        assert!(check(&r, minted).await.is_empty());
        let both = base
            .clone()
            .with("public_key", Value::string("p"))
            .with("private_key", Value::string("s"))
            .with(
                "mint_key",
                Value::object().with("member_id", Value::string("150")),
            );
        let errors = check(&r, both).await;
        assert!(
            errors
                .iter()
                .any(|e| e.contains("got `private_key`, `mint_key`")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("must not be set together"))
        );
    }
}
