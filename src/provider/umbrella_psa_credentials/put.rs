//! Create and update: PUT the settings with the private key from wherever the configuration
//! says, then retire the keys this resource minted before.

use api_client::Secret;
use api_client::umbrella::{ConnectionStatus, PsaSettings, PsaSettingsInput};
use tfplugin::{ApplyRequest, AttrPath, Diagnostics, Model, StateResponse, Val};

use super::minted::{MintPrivate, MintedKey, mint, revoke};
use super::schema::CredentialsModel;
use crate::provider::common::nullable::decode_nullable;
use crate::provider::config::Handle;
use crate::provider::diag::umbrella_error;

/// The key to hand to Umbrella.
struct KeyChoice {
    public_key: String,
    secret: Secret,
    /// The key minted for this write (`mint_key` mode).
    minted: Option<MintedKey>,
}

/// The minted keys this resource had before this write.
struct Before {
    /// The one Umbrella held.
    previous: Option<MintedKey>,
    /// Those that earlier failed applies minted and could not revoke.
    unrevoked: Vec<MintedKey>,
}

/// Create and update: PUT the settings with the key from wherever the configuration says.
pub async fn put(handle: &Handle, req: &ApplyRequest, resp: &mut StateResponse) {
    let Some(umbrella) = handle.umbrella(&mut resp.diags) else {
        return;
    };
    let diags = &mut resp.diags;
    let (Some(plan), Some(config), Some(prior)) = (
        CredentialsModel::decode_into(&req.planned, diags),
        CredentialsModel::decode_into(&req.config, diags),
        decode_nullable::<CredentialsModel>(&req.prior, diags),
    ) else {
        return;
    };
    let earlier = MintPrivate::load(&req.private);
    let before = Before {
        previous: prior
            .as_ref()
            .and_then(|p| MintedKey::from_prior(p, &earlier)),
        unrevoked: earlier.unrevoked_keys,
    };
    let Some(key) = key_for(handle, &plan, &config, &mut resp.diags).await else {
        return;
    };
    let input = PsaSettingsInput {
        enabled: plan.enabled.get().unwrap_or(true),
        site_url: plan.site.as_str().unwrap_or_default().to_string(),
        company_id: plan.company_id.as_str().unwrap_or_default().to_string(),
        public_key: key.public_key.clone(),
        private_key: key.secret,
    };
    let settings = match umbrella.put_psa(&input).await {
        Ok(s) => s,
        Err(e) => {
            umbrella_error(&mut resp.diags, "save the Umbrella PSA credentials", &e);
            if let Some(new) = &key.minted {
                refused(handle, plan, prior.is_none(), new, resp).await;
            }
            return;
        }
    };

    resp.state = saved_state(plan, key.public_key, key.minted.as_ref(), &settings).encode();
    let mut private = MintPrivate::load(&resp.private);
    match &key.minted {
        Some(k) => private.set_minted(k),
        None => private.forget_minted(),
    }
    status_warning(&mut resp.diags, &settings.connection_status);
    private.unrevoked_keys = retire(handle, key.minted.as_ref(), before, &mut resp.diags).await;
    resp.private = private.store();
}

/// The public and private key: freshly minted, or from the configuration (or the state).
async fn key_for(
    handle: &Handle,
    plan: &CredentialsModel,
    config: &CredentialsModel,
    diags: &mut Diagnostics,
) -> Option<KeyChoice> {
    if let Some(spec) = config.mint_spec() {
        let (minted, secret) = mint(handle, &spec, diags).await?;
        return Some(KeyChoice {
            public_key: minted.public_key.clone(),
            secret,
            minted: Some(minted),
        });
    }
    let public_key = plan
        .public_key
        .as_str()
        .or_else(|| config.public_key.as_str())
        .unwrap_or_default()
        .to_string();
    let private = config
        .private_key_wo
        .known()
        .or_else(|| config.private_key.known())
        .or_else(|| plan.private_key.known())
        .map(|s| s.0.as_str());
    let Some(private) = private.filter(|p| !p.is_empty()) else {
        diags.attr_error(
            AttrPath::root("private_key"),
            "Missing private key",
            "Umbrella needs the ConnectWise private key on every change of the PSA \
             credentials: set `private_key`, `private_key_wo` (with \
             `private_key_wo_version`) or a `mint_key` block.",
        );
        return None;
    };
    Some(KeyChoice {
        public_key,
        secret: Secret::new(private),
        minted: None,
    })
}

/// Umbrella refused the credentials after a key was minted for them: revoke that key, and when
/// that fails too, keep it known to Terraform so that the next apply (or destroy) revokes it.
async fn refused(
    handle: &Handle,
    plan: CredentialsModel,
    creating: bool,
    new: &MintedKey,
    resp: &mut StateResponse,
) {
    let Err(why) = revoke(handle, new).await else {
        return;
    };
    let mut private = MintPrivate::load(&resp.private);
    if creating {
        // Never an orphan: keep a (tainted) state that records the key, so the next apply
        // replaces this object and its delete revokes the key.
        let mut state = plan;
        state.set_id();
        state.public_key = Val::Known(new.public_key.clone());
        state.minted_key_id = Val::Known(new.id.to_string());
        state.connection_status = Val::Known("unknown".to_string());
        state.updated_at = Val::Null;
        resp.state = state.encode();
        private.set_minted(new);
        private.revoke_pending = true;
    } else {
        // The object stays as it was; its private state remembers the key.
        private.unrevoked_keys.push(new.clone());
    }
    resp.private = private.store();
    resp.diags.warning(
        "Minted API key left behind",
        format!(
            "Umbrella refused the credentials, and revoking the API key {} just \
             minted for member {} failed: {why}. {}",
            new.id,
            new.member_id,
            if creating {
                "Terraform keeps the key in state (minted_key_id, tainted): the \
                 next apply revokes it and mints a new one."
            } else {
                "Terraform keeps the key in state: the next apply (planned until \
                 then) or destroy revokes it."
            }
        ),
    );
}

/// The state after Umbrella accepted the credentials.
fn saved_state(
    plan: CredentialsModel,
    public_key: String,
    minted: Option<&MintedKey>,
    settings: &PsaSettings,
) -> CredentialsModel {
    let mut state = plan;
    state.set_id();
    state.public_key = Val::Known(public_key);
    state.minted_key_id = minted.map(|k| k.id.to_string()).into();
    state.connection_status = Val::Known(settings.connection_status.as_str().to_string());
    state.updated_at = settings.updated_at.clone().into();
    state
}

/// Revokes the keys minted before that Umbrella no longer uses; answers those still left.
async fn retire(
    handle: &Handle,
    minted: Option<&MintedKey>,
    before: Before,
    diags: &mut Diagnostics,
) -> Vec<MintedKey> {
    // The key minted before is no longer in Umbrella: revoke it.
    if let Some(old) = before.previous
        && minted.is_none_or(|k| k.id != old.id)
        && let Err(why) = revoke(handle, &old).await
    {
        diags.warning(
            "Previous minted API key not revoked",
            format!(
                "Umbrella now uses the new credentials, but revoking the previously minted API \
                 key {} of member {} failed: {why}. Delete it by hand (System > Members > API \
                 Members > the member > API Keys).",
                old.id, old.member_id
            ),
        );
    }
    // Keys that earlier failed updates minted and could not revoke.
    let mut left = Vec::new();
    for key in before.unrevoked {
        if let Err(why) = revoke(handle, &key).await {
            diags.warning(
                "Minted API key still not revoked",
                format!(
                    "Revoking API key {} of member {}, minted by an earlier failed apply, \
                     failed again: {why}. The next apply tries again.",
                    key.id, key.member_id
                ),
            );
            left.push(key);
        }
    }
    left
}

/// Warns when Umbrella reports that ConnectWise refuses or cannot be reached with the credentials.
fn status_warning(diags: &mut Diagnostics, status: &ConnectionStatus) {
    let detail = match status {
        ConnectionStatus::Unauthorized => {
            "Umbrella reports connectionStatus \"unauthorized\": ConnectWise does not accept the \
             stored company_id, public key and private key. Check that the key belongs to an \
             active API member of that company and that the private key matches the public key."
        }
        ConnectionStatus::Unreachable => {
            "Umbrella reports connectionStatus \"unreachable\": it cannot reach the ConnectWise \
             site. Check `site` (the host Umbrella calls, e.g. api-na.myconnectwise.net)."
        }
        _ => return,
    };
    diags.attr_warning(
        AttrPath::root("connection_status"),
        "Umbrella cannot use the ConnectWise credentials",
        detail,
    );
}
