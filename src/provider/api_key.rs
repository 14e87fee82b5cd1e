//! `connectwise_api_key`: a key pair of a member (System > Members > API Members > member >
//! API Keys). ConnectWise shows the private key only once, in the answer to the create call, so
//! it is kept from state afterwards. Not in the published API specification.

use async_trait::async_trait;

use super::api_member::{numeric_id, parse_id};
use super::config::Handle;
use super::diag::{bad_import_id, client_error, client_error_on};
use api_client::{ApiKey, ConnectWise, Error};
use tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, Diagnostics, PlanRequest, PlanResponse, ReadRequest,
    Resource, Schema, StateResponse, Type, Validator, Value,
};

/// The most characters the key description may have.
pub const DESCRIPTION_MAX: usize = 100;

/// Private-state flag: the key was imported and has not been through an apply since, so a
/// first `rotation_triggers` value is recorded without replacing the key.
const IMPORTED: &str = "imported";

const FIELDS: &[(&str, &str)] = &[("description", "description")];

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
                .validate(Validator::Custom(numeric_id))
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
                .description("The key's description, e.g. `Umbrella PSA Integration`."),
        )
        .attribute(
            Attribute::of_type("rotation_triggers", Type::map(Type::String))
                .optional()
                .requires_replace()
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

/// The state of `key` of `member_id`; `base` (prior or planned state) supplies what the API
/// does not return: the private key and the rotation triggers.
fn key_state(member_id: i32, key: &ApiKey, base: &Value) -> Value {
    let private_key = match &key.private_key {
        Some(secret) => Value::string(secret.expose()),
        None => match base.get("private_key") {
            Value::String(s) => Value::string(s.clone()),
            _ => Value::Null,
        },
    };
    let description = key
        .description
        .clone()
        .or_else(|| base.get("description").as_str().map(str::to_string));
    Value::object()
        .with("id", Value::string(format!("{member_id}/{}", key.id)))
        .with("member_id", Value::string(member_id.to_string()))
        .with("description", Value::opt_string(description))
        .with("rotation_triggers", base.get("rotation_triggers").clone())
        .with("key_id", Value::string(key.id.to_string()))
        .with("public_key", Value::string(&key.public_key))
        .with("private_key", private_key)
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
    match cw.members().get(id).await {
        Ok(_) => {}
        Err(e) if e.is_not_found() => diags.attr_error(
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

/// The two numbers of `<member_id>/<key_id>`.
pub fn parse_key_ids(id: &str) -> Option<(i32, i32)> {
    let (m, k) = id.split_once('/')?;
    Some((m.trim().parse().ok()?, k.trim().parse().ok()?))
}

#[async_trait]
impl Resource for ApiKeyResource {
    fn name(&self) -> &'static str {
        "api_key"
    }

    fn schema(&self) -> Schema {
        key_schema()
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
         Keys tab. The provider uses the calls below, shaped like the documented member \
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

    async fn modify_plan(&self, req: &PlanRequest, resp: &mut PlanResponse) {
        if req.prior.is_null() {
            let member = req.config.get("member_id");
            if let Some(id) = parse_id(member) {
                let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
                    return;
                };
                check_member(&cw, id, &mut resp.diags).await;
            }
            return;
        }
        // An imported key has no triggers in state: adopt the configured ones in place.
        let imported = req
            .prior_private
            .get(IMPORTED)
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false);
        if imported && req.prior.get("rotation_triggers").is_null() {
            resp.requires_replace
                .retain(|p| *p != AttrPath::root("rotation_triggers"));
        }
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let Some(member_id) = parse_id(req.planned.get("member_id")) else {
            resp.diags.attr_error(
                AttrPath::root("member_id"),
                "Invalid member id",
                "member_id must be a numeric member id.",
            );
            return;
        };
        let description = req
            .planned
            .get("description")
            .as_str()
            .unwrap_or_default()
            .to_string();
        match cw.api_keys().create(member_id, &description).await {
            Ok(key) => resp.state = key_state(member_id, &key, &req.planned),
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
        let (Some(member_id), Some(key_id)) = (
            parse_id(req.state.get("member_id")),
            parse_id(req.state.get("key_id")),
        ) else {
            resp.state = Value::Null;
            return;
        };
        match cw.api_keys().get(member_id, key_id).await {
            Ok(key) => resp.state = key_state(member_id, &key, &req.state),
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
        resp.state = req.planned.clone();
        resp.private.remove(IMPORTED);
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let (Some(member_id), Some(key_id)) = (
            parse_id(req.prior.get("member_id")),
            parse_id(req.prior.get("key_id")),
        ) else {
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
        let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
            return;
        };
        let expected = "`<member_id>/<key_id>` (two numbers) or `<member identifier>/<public key>`";
        let Some((left, right)) = id
            .split_once('/')
            .map(|(l, r)| (l.trim(), r.trim()))
            .filter(|(l, r)| !l.is_empty() && !r.is_empty() && !r.contains('/'))
        else {
            bad_import_id(&mut resp.diags, id, expected);
            return;
        };
        let found: Result<Option<(i32, ApiKey)>, Error> = match parse_key_ids(id) {
            Some((member_id, key_id)) => match cw.api_keys().get(member_id, key_id).await {
                Ok(k) => Ok(Some((member_id, k))),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            },
            None => match cw.members().find_by_identifier(left).await {
                Ok(Some(member)) => cw
                    .api_keys()
                    .list(member.id, &api_client::Conditions::new())
                    .await
                    .map(|keys| {
                        keys.into_iter()
                            .find(|k| k.public_key == right)
                            .map(|k| (member.id, k))
                    }),
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            },
        };
        match found {
            Ok(Some((member_id, key))) => {
                resp.state = key_state(member_id, &key, &Value::Null);
                resp.private.set(IMPORTED, serde_json::Value::Bool(true));
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

#[cfg(test)]
mod tests {
    use super::*;
    use api_client::Secret;

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
        let created = key_state(3, &key(Some("priv")), &Value::Null);
        assert_eq!(created.get("id"), &Value::string("3/7"));
        assert_eq!(created.get("private_key"), &Value::string("priv"));
        let read = key_state(3, &key(None), &created);
        assert_eq!(read.get("private_key"), &Value::string("priv"));
        let imported = key_state(3, &key(None), &Value::Null);
        assert!(imported.get("private_key").is_null());
    }

    #[test]
    fn import_ids() {
        assert_eq!(parse_key_ids("3/7"), Some((3, 7)));
        assert_eq!(parse_key_ids("umbrella/AbC"), None);
        assert_eq!(parse_key_ids("3"), None);
    }
}
