//! A member's API keys (System > Members > member > API Keys).
//!
//! Not in the published API specification (see [`super::extensions`]): a server without these
//! calls yields [`Error::NotSupported`] naming the manual step.

use serde::{Deserialize, Serialize};

use super::extensions::{ExtCall, paths};
use super::http::Call;
use super::models::{Info, de_info, de_string};
use super::{Conditions, ConnectWise, Error, Secret};

/// An API key of a member. Not in the published API specification.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// Key id.
    pub id: i32,
    /// Description typed when the key was made.
    #[serde(default)]
    pub description: Option<String>,
    /// Public key.
    #[serde(default, deserialize_with = "de_string")]
    pub public_key: String,
    /// Private key: present only in the answer to [`ApiKeys::create`].
    #[serde(default)]
    pub private_key: Option<Secret>,
    /// ConnectWise metadata; never compared.
    #[serde(rename = "_info", default, deserialize_with = "de_info")]
    pub info: Option<Info>,
}

#[derive(Serialize)]
struct NewApiKey<'a> {
    description: &'a str,
}

/// Calls on `/system/members/{memberId}/apiKeys`; get one with [`ConnectWise::api_keys`].
/// Not in the published API specification.
#[derive(Debug, Clone, Copy)]
pub struct ApiKeys<'a> {
    client: &'a ConnectWise,
}

impl ConnectWise {
    /// Members' API keys (`/system/members/{memberId}/apiKeys`); not in the published API
    /// specification.
    pub fn api_keys(&self) -> ApiKeys<'_> {
        ApiKeys { client: self }
    }
}

const RESOURCE: &str = "API key";

impl ApiKeys<'_> {
    /// Creates a key pair for the member (201). The answer is the only place the private key
    /// ever appears. Not in the published API specification.
    ///
    /// # A lost answer
    ///
    /// If the answer is lost (server error, timeout, dropped connection) the key may exist on the
    /// server, but its private key can never be read again, so such a key is useless. Before
    /// sending the POST again the client therefore lists the member's keys and **deletes every
    /// key with this description that was not there before the first attempt** (the member's
    /// keys are listed once before creating, to tell them apart), then creates a new one. No
    /// orphan key is left behind, and existing keys with the same description are never touched.
    pub async fn create(&self, member_id: i32, description: &str) -> Result<ApiKey, Error> {
        if description.trim().is_empty() {
            return Err(Error::InvalidInput(
                "API key description must not be empty".into(),
            ));
        }
        let call = Call::post(paths::api_keys(member_id), "member", member_id)
            .ext(ExtCall::CreateApiKey)
            .secret_response()
            .json(&NewApiKey { description })?;
        // Keys that already exist are never deleted by the recovery below.
        let before: Vec<i32> = match self.list(member_id, &Conditions::new()).await {
            Ok(keys) => keys.iter().map(|k| k.id).collect(),
            // No list call on this server: the create fails the same way, naming the manual step.
            Err(Error::NotSupported { .. }) => return self.client.fetch(call).await,
            Err(e) => return Err(e),
        };
        let before = &before;
        self.client
            .create_idempotent(call, || async move {
                let keys = self.list(member_id, &Conditions::new()).await?;
                for orphan in keys.iter().filter(|k| {
                    !before.contains(&k.id) && k.description.as_deref() == Some(description)
                }) {
                    tracing::debug!(
                        target: "connectwise",
                        member_id,
                        key_id = orphan.id,
                        "API key create: deleting the key whose answer (and private key) was lost"
                    );
                    match self.delete(member_id, orphan.id).await {
                        Ok(()) => {}
                        Err(e) if e.is_not_found() => {}
                        Err(e) => return Err(e),
                    }
                }
                Ok(None)
            })
            .await
    }

    /// The member's keys matching `conditions` (no private keys). Not in the published API
    /// specification.
    pub async fn list(
        &self,
        member_id: i32,
        conditions: &Conditions,
    ) -> Result<Vec<ApiKey>, Error> {
        let call = Call::get(paths::api_keys(member_id), "member", member_id)
            .ext(ExtCall::ListApiKeys)
            .secret_response()
            .conditions(conditions);
        self.client.list_all(call).await
    }

    /// One key of the member (no private key). Not in the published API specification.
    pub async fn get(&self, member_id: i32, id: i32) -> Result<ApiKey, Error> {
        let call = Call::get(
            paths::api_key(member_id, id),
            RESOURCE,
            format!("{member_id}/{id}"),
        )
        .ext(ExtCall::GetApiKey)
        .secret_response();
        self.client.fetch(call).await
    }

    /// Deletes a key (204); it stops authenticating at once. Not in the published API
    /// specification.
    pub async fn delete(&self, member_id: i32, id: i32) -> Result<(), Error> {
        let call = Call::delete(
            paths::api_key(member_id, id),
            RESOURCE,
            format!("{member_id}/{id}"),
        )
        .ext(ExtCall::DeleteApiKey);
        self.client.execute_call(call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_with_and_without_private_key() {
        let created: ApiKey = serde_json::from_str(
            r#"{"id":4,"description":"Umbrella PSA Integration","publicKey":"pub","privateKey":"priv","_info":{}}"#,
        )
        .unwrap();
        assert_eq!(
            created.private_key.as_ref().map(Secret::expose),
            Some("priv")
        );
        assert!(!format!("{created:?}").contains("priv\""));
        let read: ApiKey =
            serde_json::from_str(r#"{"id":4,"description":"d","publicKey":"pub"}"#).unwrap();
        assert!(read.private_key.is_none());
    }
}
