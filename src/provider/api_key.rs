//! `connectwise_api_key`: a key pair of a member (System > Members > API Members > member >
//! API Keys). ConnectWise shows the private key only once, in the answer to the create call, so
//! it is kept from state afterwards. Not in the published API specification.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::common::ids::{numeric_but_not_record_id, parse_id_pair, parse_record_id, record_id};
use super::common::members::{get_member, none_if_not_found};
use super::config::Handle;
use super::diag::{bad_import_id, client_error, client_error_on};
use api_client::{ApiKey, ConnectWise, Error};
use tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, Diagnostics, Identity, IdentityAttribute, Model,
    PlanRequest, PlanResponse, Private, ReadRequest, Resource, Schema, Sensitive, StateResponse,
    Type, Val, Validator, Value,
};

/// The most characters the key description may have.
pub const DESCRIPTION_MAX: usize = 100;

const FIELDS: &[(&str, &str)] = &[("description", "description")];

/// The resource's attributes.
#[derive(Model, Clone, Debug, Default, PartialEq)]
struct KeyModel {
    id: Val<String>,
    member_id: Val<String>,
    description: Val<String>,
    rotation_triggers: Val<BTreeMap<String, Val<String>>>,
    key_id: Val<String>,
    public_key: Val<String>,
    private_key: Val<Sensitive>,
}

impl KeyModel {
    /// The state of `key` of `member_id`; `base` (prior or planned state) supplies what the API
    /// does not return: the private key and the rotation triggers.
    fn from_key(member_id: i32, key: &ApiKey, base: Option<&KeyModel>) -> KeyModel {
        let private_key = match &key.private_key {
            Some(secret) => Some(Sensitive(secret.expose().to_string())),
            None => base.and_then(|b| b.private_key.known().cloned()),
        };
        let description = key
            .description
            .clone()
            .or_else(|| base.and_then(|b| b.description.known().cloned()));
        KeyModel {
            id: Val::Known(format!("{member_id}/{}", key.id)),
            member_id: Val::Known(member_id.to_string()),
            description: description.into(),
            rotation_triggers: base.map_or(Val::Null, |b| b.rotation_triggers.clone()),
            key_id: Val::Known(key.id.to_string()),
            public_key: Val::Known(key.public_key.clone()),
            private_key: private_key.into(),
        }
    }

    /// The member and key record ids kept in state.
    fn record_ids(&self) -> Option<(i32, i32)> {
        let member_id = self.member_id.as_str().and_then(parse_record_id)?;
        Some((member_id, self.key_id.as_str().and_then(parse_record_id)?))
    }
}

/// The resource's private state (JSON keys as version 0.1.0 wrote them; data that does not
/// fit reads as the default, as the hand-written reader did).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(default)]
struct KeyPrivate {
    /// The key was imported and has not been through an apply since, so a first
    /// `rotation_triggers` value is recorded without replacing the key.
    #[serde(skip_serializing_if = "is_false")]
    imported: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A change of `rotation_triggers` rotates the key, except on an imported key that has none in
/// state yet: its first value is adopted in place.
fn rotation_replaces_the_key(req: &tfplugin::ReplaceIfRequest) -> bool {
    let private: KeyPrivate = req.prior_private.decode();
    !(private.imported && req.prior.is_null())
}

pub struct ApiKeyResource {
    handle: Handle,
}

impl ApiKeyResource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

fn key_schema() -> Schema {
    Schema::new(
        Block::new(
            "An API key (public and private key pair) of a ConnectWise member, as made in System \
             > Members > API Members > *member* > API Keys: the credentials the Umbrella PSA \
             integration signs in with. ConnectWise has no update for keys, so every argument \
             forces a new key. The private key is returned only when the key is created; it is \
             kept in state (sensitive) from then on. **The calls are not in ConnectWise's \
             published API specification** (see below).",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description("`<member_id>/<key_id>`."),
        )
        .attribute(
            Attribute::string("member_id")
                .required()
                .requires_replace()
                .validate(Validator::Custom(record_id))
                .description(
                    "The record id of the member that owns the key, e.g. \
                     `connectwise_api_member.umbrella.id`.",
                ),
        )
        .attribute(
            Attribute::string("description")
                .required()
                .requires_replace()
                .validate(Validator::Length {
                    min: 1,
                    max: DESCRIPTION_MAX,
                })
                .validate(Validator::NotBlank)
                .description("The key's description, e.g. `Umbrella PSA Integration`."),
        )
        .attribute(
            Attribute::of_type("rotation_triggers", Type::map(Type::String))
                .optional()
                .requires_replace_if(
                    rotation_replaces_the_key,
                    "Any change replaces the key, except the first value recorded for an imported \
                     key.",
                )
                .description(
                    "Arbitrary values; any change makes a new key (a rotation), e.g. \
                     `{ rotated = \"2026-11\" }`. Combine with \
                     `lifecycle { create_before_destroy = true }` so the new key exists before \
                     the old one is revoked.",
                ),
        )
        .attribute(
            Attribute::string("key_id")
                .computed()
                .use_state_for_unknown()
                .description("The key's record id."),
        )
        .attribute(
            Attribute::string("public_key")
                .computed()
                .use_state_for_unknown()
                .description("The public key."),
        )
        .attribute(
            Attribute::string("private_key")
                .computed()
                .sensitive()
                .use_state_for_unknown()
                .description(
                    "The private key (sensitive). Known only from the create call and kept in \
                     state afterwards; `null` for an imported key, whose private key cannot be \
                     recovered.",
                ),
        ),
    )
}

/// Adds a diagnostic for a failed key call; a server without the key calls gets the manual
/// step and the way to hand a hand-made key to Umbrella.
fn key_error(diags: &mut Diagnostics, action: &str, err: &Error) {
    client_error_on(diags, action, err, FIELDS);
    if matches!(err, Error::NotSupported { .. }) {
        diags.warning(
            "Create the API key by hand",
            "This ConnectWise server does not offer the API key calls (they are not in the \
             published API specification). Create the key by hand in ConnectWise Manage: System > \
             Members > API Members > <member> > API Keys, \"+\", a description, Save; copy the \
             public and private key before closing the record. Remove this resource from the \
             configuration and pass the keys to `connectwise_umbrella_psa_credentials` (the \
             private key preferably through its write-only `private_key_wo`), from a sensitive \
             variable.",
        );
    }
}

/// Checks that the member exists (`GET /system/members/{id}`); errors go on `member_id`.
async fn check_member(cw: &ConnectWise, id: i32, diags: &mut Diagnostics) {
    match get_member(cw, id).await {
        Ok(Some(_)) => {}
        Ok(None) => diags.attr_error(
            AttrPath::root("member_id"),
            "Unknown member",
            format!(
                "No ConnectWise member has the id {id}. Use the id of an existing member, e.g. \
                 `connectwise_api_member.<name>.id` or `data.connectwise_member.<name>.id`."
            ),
        ),
        Err(e) => client_error(diags, &format!("look up member {id}"), &e),
    }
}

#[async_trait]
impl Resource for ApiKeyResource {
    fn name(&self) -> &'static str {
        "api_key"
    }

    fn schema(&self) -> Schema {
        key_schema()
    }

    fn identity(&self) -> Option<Identity> {
        Some(
            Identity::new("{member_id}/{key_id}")
                .attribute(
                    IdentityAttribute::string("member_id")
                        .validate(Validator::Custom(record_id))
                        .description("The record id of the member that owns the key."),
                )
                .attribute(
                    IdentityAttribute::string("key_id")
                        .validate(Validator::Custom(record_id))
                        .description("The key's record id."),
                ),
        )
    }

    fn doc_sections(&self) -> &'static str {
        "## The private key\n\n\
         ConnectWise returns the private key only in the answer to the create call (the UI, \
         likewise, shows it only before the new key's record is closed). The provider stores it in \
         state as a sensitive value and never reads it again: protect the state accordingly, or \
         let `connectwise_umbrella_psa_credentials` mint the key itself so the private key never \
         reaches the state. A key revoked outside Terraform is gone from the next plan and is \
         created anew.\n\n\
         An **imported** key has no private key in state (`private_key` is `null`): it cannot be \
         recovered from ConnectWise, and the import says so in a warning. Nothing is replaced \
         because of it; to get a private key into state, rotate the key (change \
         `rotation_triggers`). A `rotation_triggers` map set in the configuration of an imported \
         key is recorded by the next apply without replacing the key.\n\n\
         ## Rotation\n\n\
         Change any value of `rotation_triggers` to replace the key. With \
         `create_before_destroy`, Terraform creates the new key, updates everything that uses it \
         (e.g. the Umbrella PSA credentials), and only then revokes the old key, so the \
         integration never points at a revoked key and exactly one key stays live:\n\n\
         ```terraform\n\
         resource \"connectwise_api_key\" \"umbrella\" {\n\
         \x20 member_id   = connectwise_api_member.umbrella.id\n\
         \x20 description = \"Umbrella PSA Integration\"\n\
         \x20 rotation_triggers = {\n\
         \x20   rotated = \"2026-11\"\n\
         \x20 }\n\n\
         \x20 lifecycle {\n\
         \x20   create_before_destroy = true\n\
         \x20 }\n\
         }\n\
         ```\n\n\
         ## REST calls\n\n\
         **Not in the published API specification**: ConnectWise documents no API for the API \
         Keys tab (request and response bodies: [Calls outside the published APIs](../guides/extension-calls.md)). The provider uses the calls below, shaped like the documented member \
         sub-resources. When a server answers them with 404 or 405, the provider fails with a \
         diagnostic that says to create the key by hand (System > Members > API Members > \
         *member* > API Keys) and hand it to `connectwise_umbrella_psa_credentials` through its \
         write-only private key argument.\n\n\
         | Operation | Call |\n|---|---|\n\
         | plan | `GET /system/members/{memberId}` (the member must exist) [published] |\n\
         | create | `POST /system/members/{memberId}/apiKeys` with `{description}`; the answer holds `privateKey` |\n\
         | read | `GET /system/members/{memberId}/apiKeys/{id}` (404: the key was revoked) |\n\
         | update | none: every argument forces a new key |\n\
         | delete | `DELETE /system/members/{memberId}/apiKeys/{id}` (revokes the key) |\n\
         | import | `GET /system/members/{memberId}/apiKeys/{id}`, or `GET /system/members?conditions=identifier=\"...\"` [published] and `GET /system/members/{memberId}/apiKeys` |\n"
    }

    /// On create, checks that the member exists before anything is made.
    async fn modify_plan(&self, req: &PlanRequest, resp: &mut PlanResponse) {
        if !req.prior.is_null() {
            return;
        }
        let Some(config) = KeyModel::decode_into(&req.config, &mut resp.diags) else {
            return;
        };
        if let Some(id) = config.member_id.as_str().and_then(parse_record_id) {
            let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
                return;
            };
            check_member(&cw, id, &mut resp.diags).await;
        }
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(plan) = KeyModel::decode_into(&req.planned, &mut resp.diags) else {
            return;
        };
        let Some(member_id) = plan.member_id.as_str().and_then(parse_record_id) else {
            resp.diags.attr_error(
                AttrPath::root("member_id"),
                "Invalid member id",
                "member_id must be a numeric member id.",
            );
            return;
        };
        let description = plan.description.as_str().unwrap_or_default();
        match cw.api_keys().create(member_id, description).await {
            Ok(key) => resp.state = KeyModel::from_key(member_id, &key, Some(&plan)).encode(),
            Err(e) if e.is_not_found() => resp.diags.attr_error(
                AttrPath::root("member_id"),
                "Cannot create API key",
                format!("No ConnectWise member has the id {member_id}."),
            ),
            Err(e) => key_error(
                &mut resp.diags,
                &format!("create an API key for member {member_id}"),
                &e,
            ),
        }
    }

    async fn read(&self, req: &ReadRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(state) = KeyModel::decode_into(&req.state, &mut resp.diags) else {
            return;
        };
        let Some((member_id, key_id)) = state.record_ids() else {
            resp.state = Value::Null;
            return;
        };
        match cw.api_keys().get(member_id, key_id).await {
            Ok(key) => resp.state = KeyModel::from_key(member_id, &key, Some(&state)).encode(),
            Err(e) if e.is_not_found() => resp.state = Value::Null,
            Err(e) => key_error(
                &mut resp.diags,
                &format!("read API key {member_id}/{key_id}"),
                &e,
            ),
        }
    }

    async fn update(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        // Every argument forces a new key; only the triggers of an imported key land here.
        let Some(plan) = KeyModel::decode_into(&req.planned, &mut resp.diags) else {
            return;
        };
        resp.state = plan.encode();
        resp.private = Private::encode(&KeyPrivate { imported: false });
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(prior) = KeyModel::decode_into(&req.prior, &mut resp.diags) else {
            return;
        };
        let Some((member_id, key_id)) = prior.record_ids() else {
            return;
        };
        match cw.api_keys().delete(member_id, key_id).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => key_error(
                &mut resp.diags,
                &format!("revoke API key {member_id}/{key_id}"),
                &e,
            ),
        }
    }

    async fn import(&self, id: &str, resp: &mut StateResponse) {
        let expected = "`<member_id>/<key_id>` (two record ids, whole numbers greater than 0) or \
                        `<member identifier>/<public key>`";
        let Some((left, right)) = id
            .split_once('/')
            .map(|(l, r)| (l.trim(), r.trim()))
            .filter(|(l, r)| !l.is_empty() && !r.is_empty() && !r.contains('/'))
            .filter(|(l, r)| !numeric_but_not_record_id(l) && !numeric_but_not_record_id(r))
        else {
            bad_import_id(&mut resp.diags, id, expected);
            return;
        };
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        match find_key(&cw, id, left, right).await {
            Ok(Some((member_id, key))) => {
                resp.state = KeyModel::from_key(member_id, &key, None).encode();
                resp.private = Private::encode(&KeyPrivate { imported: true });
                resp.diags.warning(
                    "The private key cannot be imported",
                    "ConnectWise returns an API key's private key only when the key is created, \
                     so the imported state has no private_key (null). The key itself keeps \
                     working and is not replaced because of this. If Terraform must know the \
                     private key (e.g. to hand it to Umbrella), rotate the key by changing \
                     rotation_triggers.",
                );
            }
            Ok(None) => resp.diags.error(
                "Cannot import API key",
                format!("No API key matches {id:?} (expected {expected})."),
            ),
            Err(e) => key_error(&mut resp.diags, &format!("import API key {id:?}"), &e),
        }
    }
}

/// The key an import id names: `<member_id>/<key_id>`, else `<member identifier>/<public key>`
/// (`left` and `right` are the two halves); `Ok(None)` when there is none.
async fn find_key(
    cw: &ConnectWise,
    id: &str,
    left: &str,
    right: &str,
) -> Result<Option<(i32, ApiKey)>, Error> {
    if let Some((member_id, key_id)) = parse_id_pair(id) {
        let key = none_if_not_found(cw.api_keys().get(member_id, key_id).await)?;
        return Ok(key.map(|k| (member_id, k)));
    }
    let Some(member) = cw.members().find_by_identifier(left).await? else {
        return Ok(None);
    };
    let keys = cw
        .api_keys()
        .list(member.id, &api_client::Conditions::new())
        .await?;
    Ok(keys
        .into_iter()
        .find(|k| k.public_key == right)
        .map(|k| (member.id, k)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use api_client::Secret;
    use tfplugin::model::check_model;

    fn key(private: Option<&str>) -> ApiKey {
        ApiKey {
            id: 7,
            description: Some("Umbrella PSA Integration".into()),
            public_key: "pub".into(),
            private_key: private.map(Secret::new),
            info: None,
        }
    }

    #[test]
    fn private_key_comes_from_create_then_from_state() {
        let secret = |s: &str| Val::Known(Sensitive(s.into()));
        let created = KeyModel::from_key(3, &key(Some("priv")), None);
        assert_eq!(created.id, Val::Known("3/7".to_string()));
        assert_eq!(created.private_key, secret("priv"));
        let read = KeyModel::from_key(3, &key(None), Some(&created));
        assert_eq!(read.private_key, secret("priv"));
        let imported = KeyModel::from_key(3, &key(None), None);
        assert!(imported.private_key.is_null());
    }

    #[test]
    fn import_ids() {
        assert_eq!(parse_id_pair("3/7"), Some((3, 7)));
        assert_eq!(parse_id_pair("umbrella/AbC"), None);
        assert_eq!(parse_id_pair("3"), None);
    }

    #[test]
    fn the_model_matches_the_schema() {
        assert_eq!(check_model::<KeyModel>(&key_schema().block), Ok(()));
    }

    #[test]
    fn private_state_keeps_the_released_key() {
        let imported = Private::encode(&KeyPrivate { imported: true });
        assert_eq!(imported.get("imported"), Some(&serde_json::json!(true)));
        assert!(Private::encode(&KeyPrivate::default()).0.is_empty());
        let mut written_by_0_1_0 = Private::default();
        written_by_0_1_0.set("imported", serde_json::json!(true));
        let read: KeyPrivate = written_by_0_1_0.decode();
        assert!(read.imported);
        written_by_0_1_0.set("imported", serde_json::json!("yes"));
        let read: KeyPrivate = written_by_0_1_0.decode();
        assert!(!read.imported);
    }
}
