//! `mint_key` mode: the ConnectWise API keys this resource mints, what its private state keeps of
//! them, and the ConnectWise calls that mint, check and revoke them.

use serde::{Deserialize, Serialize};

use super::schema::{CredentialsModel, MintSpec};
use crate::provider::common::ids::parse_record_id;
use crate::provider::common::private_state::{lenient, lenient_list};
use crate::provider::config::Handle;
use crate::provider::diag::client_error;
use api_client::Secret;
use tfplugin::{AttrPath, Diagnostics, Private};

/// A ConnectWise API key this resource minted (no private key: that is never kept).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MintedKey {
    pub id: i32,
    pub member_id: i32,
    #[serde(skip)]
    pub public_key: String,
}

/// The private state of `connectwise_umbrella_psa_credentials`. The field names are the JSON keys
/// that version 0.1.0 wrote: keep them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MintPrivate {
    /// The key this resource minted and Umbrella holds.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    minted_key_id: Option<i32>,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    minted_member_id: Option<i32>,
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    minted_public_key: Option<String>,
    /// Set when a create failed after minting and the minted key could not be revoked: the
    /// state exists only so that Terraform knows the key (tainted) and revokes it on the next
    /// apply.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "is_false"
    )]
    pub revoke_pending: bool,
    /// Keys minted by failed updates whose revocation failed too (`[{id, member_id}]`): the
    /// state keeps them so that the next apply (planned while any is left) or destroy revokes
    /// them.
    #[serde(
        default,
        deserialize_with = "lenient_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub unrevoked_keys: Vec<MintedKey>,
}

fn is_false(b: &bool) -> bool {
    !b
}

impl MintPrivate {
    pub fn load(private: &Private) -> MintPrivate {
        private.decode()
    }

    pub fn store(&self) -> Private {
        Private::encode(self)
    }

    /// The key this resource minted, as the private state records it.
    pub fn minted(&self) -> Option<MintedKey> {
        Some(MintedKey {
            id: self.minted_key_id?,
            member_id: self.minted_member_id?,
            public_key: self.minted_public_key.clone().unwrap_or_default(),
        })
    }

    pub fn set_minted(&mut self, key: &MintedKey) {
        self.minted_key_id = Some(key.id);
        self.minted_member_id = Some(key.member_id);
        self.minted_public_key = Some(key.public_key.clone());
    }

    pub fn forget_minted(&mut self) {
        self.minted_key_id = None;
        self.minted_member_id = None;
        self.minted_public_key = None;
    }
}

impl MintedKey {
    /// The minted key of a prior state: from the private state, else from the state itself.
    pub fn from_prior(prior: &CredentialsModel, private: &MintPrivate) -> Option<MintedKey> {
        if let Some(k) = private.minted() {
            return Some(k);
        }
        Some(MintedKey {
            id: prior.minted_key_id.as_str().and_then(parse_record_id)?,
            member_id: prior.mint_member_id()?,
            public_key: prior.public_key.as_str().unwrap_or_default().into(),
        })
    }
}

/// Mints a key for `spec`: the key and its private key, or `None` with an error in `diags`.
pub async fn mint(
    handle: &Handle,
    spec: &MintSpec,
    diags: &mut Diagnostics,
) -> Option<(MintedKey, Secret)> {
    let cw = handle.connectwise(diags)?;
    let key = match cw
        .api_keys()
        .create(spec.member_id, &spec.description)
        .await
    {
        Ok(key) => key,
        Err(e) => {
            client_error(
                diags,
                &format!("mint a ConnectWise API key for member {}", spec.member_id),
                &e,
            );
            return None;
        }
    };
    let new = MintedKey {
        id: key.id,
        member_id: spec.member_id,
        public_key: key.public_key,
    };
    let Some(secret) = key.private_key.filter(|s| !s.is_empty()) else {
        let cleanup = revoke(handle, &new).await.err();
        diags.error(
            "Cannot mint a ConnectWise API key",
            format!(
                "ConnectWise created API key {} for member {} but returned no private key.{}",
                new.id,
                new.member_id,
                cleanup
                    .map(|e| format!(" Revoking it failed too ({e}); delete it by hand."))
                    .unwrap_or_default()
            ),
        );
        return None;
    };
    Some((new, secret))
}

/// Revokes a minted key; `Err` says why it could not be, for a diagnostic.
pub async fn revoke(handle: &Handle, key: &MintedKey) -> Result<(), String> {
    let mut d = Diagnostics::new();
    let Some(cw) = handle.connectwise(&mut d) else {
        return Err(d
            .iter()
            .map(|x| x.detail.clone())
            .collect::<Vec<_>>()
            .join("\n"));
    };
    match cw.api_keys().delete(key.member_id, key.id).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Whether ConnectWise no longer has the minted key (revoked out of band). When it still has it,
/// Umbrella is refused for another reason that a new key would not cure: warn instead.
pub async fn minted_key_gone(handle: &Handle, key: &MintedKey, diags: &mut Diagnostics) -> bool {
    let Some(cw) = handle.connectwise(diags) else {
        return false;
    };
    match cw.api_keys().get(key.member_id, key.id).await {
        Err(e) if e.is_not_found() => true,
        Ok(_) => {
            diags.attr_warning(
                AttrPath::root("connection_status"),
                "Umbrella cannot use the ConnectWise credentials",
                format!(
                    "Umbrella reports that ConnectWise refuses the stored credentials \
                     (connection_status \"unauthorized\") although the minted API key {} of \
                     member {} still exists. Check `company_id`, `site` and that the member \
                     is active; change `mint_key.rotation_triggers` to mint a new key.",
                    key.id, key.member_id
                ),
            );
            false
        }
        Err(e) => {
            diags.warning(
                "Cannot check the minted ConnectWise API key",
                format!(
                    "Umbrella reports that ConnectWise refuses the stored credentials, and \
                     looking up the minted API key {} of member {} failed: {e}",
                    key.id, key.member_id
                ),
            );
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::umbrella_psa_credentials::schema::MintKeyModel;
    use serde_json::json;

    fn private(entries: serde_json::Value) -> Private {
        match entries {
            serde_json::Value::Object(m) => Private(m.into_iter().collect()),
            _ => Private::default(),
        }
    }

    #[test]
    fn private_state_keeps_the_keys_of_version_0_1_0() {
        // As 0.1.0 wrote it: a minted key, and one a failed update could not revoke.
        let written = private(json!({
            "minted_key_id": 7,
            "minted_member_id": 150,
            "minted_public_key": "pub",
            "unrevoked_keys": [{"id": 6, "member_id": 150}],
        }));
        let p = MintPrivate::load(&written);
        let key = MintedKey {
            id: 7,
            member_id: 150,
            public_key: "pub".into(),
        };
        assert_eq!(p.minted(), Some(key.clone()));
        assert_eq!(p.unrevoked_keys.len(), 1);
        assert_eq!(
            (p.unrevoked_keys[0].id, p.unrevoked_keys[0].member_id),
            (6, 150)
        );
        assert!(!p.revoke_pending);
        assert_eq!(p.store(), written);

        let mut pending = MintPrivate::default();
        pending.set_minted(&key);
        pending.revoke_pending = true;
        let bytes = String::from_utf8(pending.store().to_bytes()).unwrap_or_default();
        assert_eq!(
            bytes,
            r#"{"minted_key_id":7,"minted_member_id":150,"minted_public_key":"pub","revoke_pending":true}"#
        );
        assert!(MintPrivate::load(&Private::from_bytes(bytes.as_bytes())).revoke_pending);

        let mut forgotten = p;
        forgotten.forget_minted();
        forgotten.unrevoked_keys.clear();
        assert!(forgotten.store().to_bytes().is_empty());
    }

    #[test]
    fn the_prior_state_names_the_key_when_the_private_state_does_not() {
        let prior = CredentialsModel {
            public_key: "pub".to_string().into(),
            minted_key_id: "9".to_string().into(),
            mint_key: tfplugin::Val::Known(MintKeyModel {
                member_id: "150".to_string().into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let key = MintedKey::from_prior(&prior, &MintPrivate::default());
        assert_eq!(
            key,
            Some(MintedKey {
                id: 9,
                member_id: 150,
                public_key: "pub".into()
            })
        );
    }
}
