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

use async_trait::async_trait;
use serde_json::json;

use super::config::Handle;
use super::diag::{bad_import_id, client_error, umbrella_error};
use api_client::Secret;
use api_client::umbrella::{ConnectionStatus, PsaSettings, PsaSettingsInput};
use tfplugin::{
    ApplyRequest, AttrPath, Attribute, Block, Diagnostics, PlanRequest, PlanResponse, Private,
    ReadRequest, Resource, Schema, StateResponse, Type, Validator, Value,
};

/// The id of the (only) PSA integration of a console; also the import id.
pub const ID: &str = "psa";

/// Description of minted ConnectWise API keys when `mint_key.description` is not set.
pub const DEFAULT_KEY_DESCRIPTION: &str = "Umbrella PSA Integration";

/// Private-state keys describing the key this resource minted.
const P_KEY_ID: &str = "minted_key_id";
const P_MEMBER_ID: &str = "minted_member_id";
const P_PUBLIC_KEY: &str = "minted_public_key";
/// Set when a create failed after minting and the minted key could not be revoked: the state
/// exists only so that Terraform knows the key (tainted) and revokes it on the next apply.
const P_REVOKE_PENDING: &str = "revoke_pending";
/// Keys minted by failed updates whose revocation failed too (`[{id, member_id}]`): the state
/// keeps them so that the next apply (planned while any is left) or destroy revokes them.
const P_UNREVOKED: &str = "unrevoked_keys";

const KEY_ATTRS: [&str; 3] = ["private_key", "private_key_wo", "mint_key"];

pub struct UmbrellaPsaCredentialsResource {
    handle: Handle,
}

impl UmbrellaPsaCredentialsResource {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

/// The schema of `connectwise_umbrella_psa_credentials`.
pub fn credentials_schema() -> Schema {
    let mint_key = Block::new(
        "Let the provider mint the ConnectWise API key itself, for this API member, in the same \
         apply: the private key goes straight to Umbrella and is never stored in plan, state or \
         logs. Instead of `public_key` and `private_key`/`private_key_wo`.",
    )
    .attribute(
        Attribute::string("member_id")
            .required()
            .validate(Validator::Custom(positive_id))
            .description(
                "Record id of the ConnectWise API member the key is minted for (e.g. \
                 `connectwise_api_member.umbrella.id`). Changing it mints a key for the new member \
                 and revokes the old one.",
            ),
    )
    .attribute(
        Attribute::string("description")
            .optional()
            .validate(Validator::Length { min: 1, max: 100 })
            .description(
                "Description of the minted key in ConnectWise (API Keys tab of the member). \
                 Defaults to `Umbrella PSA Integration`.",
            ),
    )
    .attribute(
        Attribute::of_type("rotation_triggers", Type::map(Type::String))
            .optional()
            .description(
                "Arbitrary values; any change mints a new key, hands it to Umbrella and then \
                 revokes the previous one (e.g. `{ rotated = \"2025-06\" }` or a `time_rotating` \
                 id).",
            ),
    )
    .into_single("mint_key");

    Schema::new(
        Block::new(
            "The ConnectWise credentials of the Umbrella MSP/MSSP console's PSA integration (MSP \
             Settings > PSA Integration Details, step 6 of the setup): the ConnectWise site and \
             company and the API member's public and private key. A console has one PSA \
             integration, so there is one such resource per console (the provider's `umbrella` \
             block chooses the console). The private key comes from exactly one of `private_key`, \
             `private_key_wo` or `mint_key`; see \"Handing over the private key\" below. The PSA \
             calls are not in Cisco's published API specification.",
        )
        .attribute(
            Attribute::string("id")
                .computed()
                .use_state_for_unknown()
                .description(
                    "Always `psa`: a console has one PSA integration. Import with this id.",
                ),
        )
        .attribute(
            Attribute::bool("enabled")
                .default(Value::Bool(true))
                .description("Whether the PSA integration is enabled. Defaults to `true`."),
        )
        .attribute(
            Attribute::string("site")
                .required()
                .validate(Validator::Length { min: 1, max: 255 })
                .description(
                    "The ConnectWise site Umbrella calls, e.g. `api-na.myconnectwise.net` or an \
                     on-premises host.",
                ),
        )
        .attribute(
            Attribute::string("company_id")
                .required()
                .validate(Validator::Length { min: 1, max: 255 })
                .description("The ConnectWise company id (the one typed at the login screen)."),
        )
        .attribute(
            Attribute::string("public_key")
                .optional()
                .computed()
                .description(
                    "Public key of the ConnectWise API member (e.g. \
                     `connectwise_api_key.umbrella.public_key`). Required unless `mint_key` is \
                     used; then it is the minted key's public key. A change updates the \
                     credentials in place.",
                ),
        )
        .attribute(
            Attribute::string("private_key")
                .optional()
                .sensitive()
                .description(
                    "Private key of the ConnectWise API member (e.g. \
                     `connectwise_api_key.umbrella.private_key`). Umbrella never returns it: it is \
                     kept in state and sent again when it changes (in place). At most one of \
                     `private_key`, `private_key_wo` or `mint_key`; with none (imported \
                     credentials) Umbrella keeps the key it has, and changes cannot be saved.",
                ),
        )
        .attribute(
            Attribute::string("private_key_wo")
                .optional()
                .sensitive()
                .write_only()
                .description(
                    "Write-only private key (Terraform 1.11 or later): sent to Umbrella but never \
                     stored in plan or state. Needs `private_key_wo_version`. At most one of \
                     `private_key`, `private_key_wo` or `mint_key`.",
                ),
        )
        .attribute(
            Attribute::number("private_key_wo_version")
                .optional()
                .description(
                    "Version of `private_key_wo`: Terraform cannot see a write-only value change, \
                     so change this number whenever the key changes to send it again. Required \
                     with `private_key_wo`.",
                ),
        )
        .attribute(Attribute::string("minted_key_id").computed().description(
            "With `mint_key`: the record id of the minted ConnectWise API key (its private \
                     key is stored nowhere but in Umbrella). Null otherwise.",
        ))
        .attribute(
            Attribute::string("connection_status")
                .computed()
                .description(
                    "Umbrella's last check of the stored credentials against ConnectWise: `ok`, \
                     `unauthorized`, `unreachable` or `unknown`.",
                ),
        )
        .attribute(
            Attribute::string("updated_at")
                .computed()
                .description("When the PSA settings last changed, as Umbrella reports it."),
        )
        .block(mint_key),
    )
}

/// A record id: a positive 32-bit number, written as a string.
fn positive_id(v: &Value) -> Result<(), String> {
    match v.as_str().and_then(|s| s.trim().parse::<i32>().ok()) {
        Some(n) if n > 0 => Ok(()),
        _ => Err("must be the numeric record id of an API member, e.g. \"150\".".into()),
    }
}

/// A record id kept as a string (member or key).
fn parse_record_id(v: &Value) -> Option<i32> {
    v.as_str()
        .and_then(|s| s.trim().parse::<i32>().ok())
        .filter(|n| *n > 0)
}

/// The `mint_key` block of a configuration.
struct MintSpec {
    member_id: i32,
    description: String,
}

fn mint_spec(config: &Value) -> Option<MintSpec> {
    let block = config.get("mint_key");
    if block.is_null() {
        return None;
    }
    let member_id = parse_record_id(block.get("member_id"))?;
    let description = block
        .get("description")
        .as_str()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or(DEFAULT_KEY_DESCRIPTION)
        .to_string();
    Some(MintSpec {
        member_id,
        description,
    })
}

/// A ConnectWise API key this resource minted (no private key: that is never kept).
#[derive(Clone, Debug, PartialEq)]
struct MintedKey {
    id: i32,
    member_id: i32,
    public_key: String,
}

impl MintedKey {
    fn from_private(private: &Private) -> Option<MintedKey> {
        let int = |k: &str| {
            private
                .get(k)
                .and_then(serde_json::Value::as_i64)
                .and_then(|i| i32::try_from(i).ok())
        };
        Some(MintedKey {
            id: int(P_KEY_ID)?,
            member_id: int(P_MEMBER_ID)?,
            public_key: private
                .get(P_PUBLIC_KEY)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
    }

    /// The minted key of a prior state: from the private state, else from the state itself.
    fn from_prior(prior: &Value, private: &Private) -> Option<MintedKey> {
        if let Some(k) = MintedKey::from_private(private) {
            return Some(k);
        }
        let id = parse_record_id(prior.get("minted_key_id"))?;
        let member_id = parse_record_id(prior.get("mint_key").get("member_id"))?;
        Some(MintedKey {
            id,
            member_id,
            public_key: prior.get("public_key").as_str().unwrap_or_default().into(),
        })
    }

    fn store(&self, private: &mut Private) {
        private.set(P_KEY_ID, json!(self.id));
        private.set(P_MEMBER_ID, json!(self.member_id));
        private.set(P_PUBLIC_KEY, json!(self.public_key));
    }

    fn forget(private: &mut Private) {
        private.remove(P_KEY_ID);
        private.remove(P_MEMBER_ID);
        private.remove(P_PUBLIC_KEY);
    }

    /// Minted keys a failed update could not revoke (see [`P_UNREVOKED`]).
    fn unrevoked(private: &Private) -> Vec<MintedKey> {
        let int = |v: &serde_json::Value, k: &str| {
            v.get(k)
                .and_then(serde_json::Value::as_i64)
                .and_then(|i| i32::try_from(i).ok())
        };
        private
            .get(P_UNREVOKED)
            .and_then(serde_json::Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| {
                        Some(MintedKey {
                            id: int(k, "id")?,
                            member_id: int(k, "member_id")?,
                            public_key: String::new(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn set_unrevoked(private: &mut Private, keys: &[MintedKey]) {
        if keys.is_empty() {
            private.remove(P_UNREVOKED);
        } else {
            let keys = keys
                .iter()
                .map(|k| json!({"id": k.id, "member_id": k.member_id}))
                .collect();
            private.set(P_UNREVOKED, serde_json::Value::Array(keys));
        }
    }
}

/// Sites compare without case, a trailing slash or an `https://` prefix.
fn same_site(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
        s.strip_prefix("https://").map(str::to_string).unwrap_or(s)
    }
    norm(a) == norm(b)
}

/// Copies what Umbrella reports onto `state`, keeping the configured spelling of equivalent values.
fn apply_remote(state: &mut Value, s: &PsaSettings) {
    state.set("id", Value::string(ID));
    state.set("enabled", Value::Bool(s.enabled));
    let site = state.get("site").as_str().unwrap_or_default().to_string();
    if !same_site(&site, &s.site_url) {
        state.set("site", Value::string(&s.site_url));
    }
    let company = state.get("company_id").as_str().unwrap_or_default();
    if !company.eq_ignore_ascii_case(s.company_id.trim()) {
        state.set("company_id", Value::string(&s.company_id));
    }
    state.set("public_key", Value::string(&s.public_key));
    state.set(
        "connection_status",
        Value::string(s.connection_status.as_str()),
    );
    state.set("updated_at", Value::opt_string(s.updated_at.clone()));
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

impl UmbrellaPsaCredentialsResource {
    /// Revokes a minted key; `Err` says why it could not be, for a diagnostic.
    async fn revoke(&self, key: &MintedKey) -> Result<(), String> {
        let mut d = Diagnostics::new();
        let Some(cw) = self.handle.connectwise(&mut d) else {
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

    /// Whether ConnectWise no longer has the minted key (revoked out of band). When it still has
    /// it, Umbrella is refused for another reason that a new key would not cure: warn instead.
    async fn minted_key_gone(&self, key: &MintedKey, diags: &mut Diagnostics) -> bool {
        let Some(cw) = self.handle.connectwise(diags) else {
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

    /// Create and update: PUT the settings with the key from wherever the configuration says.
    async fn put(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(umbrella) = self.handle.umbrella(&mut resp.diags) else {
            return;
        };
        let plan = &req.planned;
        let config = &req.config;
        let previous = if req.prior.is_null() {
            None
        } else {
            MintedKey::from_prior(&req.prior, &req.private)
        };

        let mut minted: Option<MintedKey> = None;
        let (public_key, private_key) = if let Some(spec) = mint_spec(config) {
            let Some(cw) = self.handle.connectwise(&mut resp.diags) else {
                return;
            };
            let key = match cw
                .api_keys()
                .create(spec.member_id, &spec.description)
                .await
            {
                Ok(key) => key,
                Err(e) => {
                    client_error(
                        &mut resp.diags,
                        &format!("mint a ConnectWise API key for member {}", spec.member_id),
                        &e,
                    );
                    return;
                }
            };
            let new = MintedKey {
                id: key.id,
                member_id: spec.member_id,
                public_key: key.public_key.clone(),
            };
            let Some(secret) = key.private_key.filter(|s| !s.is_empty()) else {
                let cleanup = self.revoke(&new).await.err();
                resp.diags.error(
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
                return;
            };
            minted = Some(new);
            (key.public_key, secret)
        } else {
            let public = plan
                .get("public_key")
                .as_str()
                .or_else(|| config.get("public_key").as_str())
                .unwrap_or_default()
                .to_string();
            let private = config
                .get("private_key_wo")
                .as_str()
                .or_else(|| config.get("private_key").as_str())
                .or_else(|| plan.get("private_key").as_str());
            let Some(private) = private.filter(|p| !p.is_empty()) else {
                resp.diags.attr_error(
                    AttrPath::root("private_key"),
                    "Missing private key",
                    "Umbrella needs the ConnectWise private key on every change of the PSA \
                     credentials: set `private_key`, `private_key_wo` (with \
                     `private_key_wo_version`) or a `mint_key` block.",
                );
                return;
            };
            (public, Secret::new(private))
        };

        let input = PsaSettingsInput {
            enabled: plan.get("enabled").as_bool().unwrap_or(true),
            site_url: plan.get("site").as_str().unwrap_or_default().to_string(),
            company_id: plan
                .get("company_id")
                .as_str()
                .unwrap_or_default()
                .to_string(),
            public_key: public_key.clone(),
            private_key,
        };
        let settings = match umbrella.put_psa(&input).await {
            Ok(s) => s,
            Err(e) => {
                umbrella_error(&mut resp.diags, "save the Umbrella PSA credentials", &e);
                if let Some(new) = &minted
                    && let Err(why) = self.revoke(new).await
                {
                    if req.prior.is_null() {
                        // Never an orphan: keep a (tainted) state that records the key, so the
                        // next apply replaces this object and its delete revokes the key.
                        let mut state = plan.clone();
                        state.set("id", Value::string(ID));
                        state.set("public_key", Value::string(&new.public_key));
                        state.set("minted_key_id", Value::string(new.id.to_string()));
                        state.set("connection_status", Value::string("unknown"));
                        state.set("updated_at", Value::Null);
                        resp.state = state;
                        new.store(&mut resp.private);
                        resp.private.set(P_REVOKE_PENDING, json!(true));
                    }
                    if !req.prior.is_null() {
                        // The object stays as it was; its private state remembers the key.
                        let mut left = MintedKey::unrevoked(&resp.private);
                        left.push(new.clone());
                        MintedKey::set_unrevoked(&mut resp.private, &left);
                    }
                    resp.diags.warning(
                        "Minted API key left behind",
                        format!(
                            "Umbrella refused the credentials, and revoking the API key {} just \
                             minted for member {} failed: {why}. {}",
                            new.id,
                            new.member_id,
                            if req.prior.is_null() {
                                "Terraform keeps the key in state (minted_key_id, tainted): the \
                                 next apply revokes it and mints a new one."
                            } else {
                                "Terraform keeps the key in state: the next apply (planned until \
                                 then) or destroy revokes it."
                            }
                        ),
                    );
                }
                return;
            }
        };

        let mut state = plan.clone();
        state.set("id", Value::string(ID));
        state.set("public_key", Value::string(&public_key));
        state.set(
            "minted_key_id",
            Value::opt_string(minted.as_ref().map(|k| k.id.to_string())),
        );
        state.set(
            "connection_status",
            Value::string(settings.connection_status.as_str()),
        );
        state.set("updated_at", Value::opt_string(settings.updated_at.clone()));
        resp.state = state;
        match &minted {
            Some(k) => k.store(&mut resp.private),
            None => MintedKey::forget(&mut resp.private),
        }
        status_warning(&mut resp.diags, &settings.connection_status);

        // The key minted before is no longer in Umbrella: revoke it.
        if let Some(old) = previous
            && minted.as_ref().is_none_or(|k| k.id != old.id)
            && let Err(why) = self.revoke(&old).await
        {
            resp.diags.warning(
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
        for key in MintedKey::unrevoked(&req.private) {
            if let Err(why) = self.revoke(&key).await {
                resp.diags.warning(
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
        MintedKey::set_unrevoked(&mut resp.private, &left);
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

    fn doc_sections(&self) -> &'static str {
        DOC_SECTIONS
    }

    async fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        let given: Vec<&str> = KEY_ATTRS
            .iter()
            .copied()
            .filter(|a| !config.get(a).is_null())
            .collect();
        // None at all is allowed for imported credentials whose key Terraform
        // does not know (see modify_plan: creating them still needs a key).
        if given.len() > 1 {
            let detail = format!(
                "At most one of `private_key`, `private_key_wo` (with `private_key_wo_version`) \
                 or a `mint_key` block may be given, to say where the ConnectWise private key \
                 comes from; this configuration sets {}.",
                given
                    .iter()
                    .map(|a| format!("`{a}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            );
            let path = given.get(1).map(|a| AttrPath::root(a));
            match path {
                Some(p) => diags.attr_error(p, "Invalid Attribute Combination", detail),
                None => diags.error("Invalid Attribute Combination", detail),
            }
        }
        let minting = !config.get("mint_key").is_null();
        let public = config.get("public_key");
        if minting && !public.is_null() {
            diags.attr_error(
                AttrPath::root("public_key"),
                "Invalid Attribute Combination",
                "`public_key` must not be set together with `mint_key`: the provider uses the \
                 public key of the key it mints.",
            );
        }
        if !minting && public.is_null() {
            diags.attr_error(
                AttrPath::root("public_key"),
                "Missing required argument",
                "`public_key` is required unless a `mint_key` block is used.",
            );
        }
        let wo = !config.get("private_key_wo").is_null();
        let version = !config.get("private_key_wo_version").is_null();
        if wo && !version {
            diags.attr_error(
                AttrPath::root("private_key_wo_version"),
                "Missing required argument",
                "`private_key_wo_version` is required with `private_key_wo`: Terraform cannot see a \
                 write-only value change, so change this number whenever the key changes.",
            );
        }
        if version && !wo {
            diags.attr_error(
                AttrPath::root("private_key_wo_version"),
                "Invalid Attribute Combination",
                "`private_key_wo_version` applies only together with `private_key_wo`.",
            );
        }
    }

    async fn modify_plan(&self, req: &PlanRequest, resp: &mut PlanResponse) {
        if self.handle.umbrella(&mut resp.diags).is_none() {
            return;
        }
        let minting = !req.config.get("mint_key").is_null();
        if minting && self.handle.connectwise(&mut resp.diags).is_none() {
            return;
        }
        resp.planned.set("id", Value::string(ID));
        let keyless = KEY_ATTRS.iter().all(|a| req.config.get(a).is_null());
        if keyless && req.prior.is_null() {
            resp.diags.attr_error(
                AttrPath::root("private_key"),
                "Missing private key",
                "Umbrella needs the ConnectWise private key to save new PSA credentials: set \
                 `private_key`, `private_key_wo` (with `private_key_wo_version`) or a `mint_key` \
                 block. (Leaving all three out is only for imported credentials whose key stays \
                 as it is in Umbrella.)",
            );
            return;
        }
        let unrevoked = MintedKey::unrevoked(&req.prior_private);
        if !req.prior.is_null() && !unrevoked.is_empty() {
            let ids: Vec<String> = unrevoked.iter().map(|k| k.id.to_string()).collect();
            resp.diags.warning(
                "Minted API keys to revoke",
                format!(
                    "An earlier apply minted ConnectWise API key(s) {} and could not revoke them; \
                     this apply updates the credentials and revokes them.",
                    ids.join(", ")
                ),
            );
            for attr in ["connection_status", "updated_at"] {
                resp.planned.set(attr, Value::Unknown);
            }
            if minting {
                // Every write in this mode mints a fresh key.
                resp.planned.set("public_key", Value::Unknown);
                resp.planned.set("minted_key_id", Value::Unknown);
            }
        }
        if !minting {
            resp.planned.set("minted_key_id", Value::Null);
            if req.prior.get("connection_status").as_str() == Some("unauthorized")
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
        if req.prior.is_null() {
            return;
        }
        // Umbrella no longer holds the key this resource minted (changed out of band), or
        // ConnectWise refuses it (revoked out of band): mint a new one.
        let minted = MintedKey::from_prior(&req.prior, &req.prior_private);
        let public_drifted = minted
            .as_ref()
            .is_some_and(|k| req.prior.get("public_key").as_str() != Some(k.public_key.as_str()));
        let refused = req.prior.get("connection_status").as_str() == Some("unauthorized")
            && match &minted {
                Some(k) => self.minted_key_gone(k, &mut resp.diags).await,
                None => true,
            };
        if public_drifted || refused {
            for attr in [
                "public_key",
                "minted_key_id",
                "connection_status",
                "updated_at",
            ] {
                resp.planned.set(attr, Value::Unknown);
            }
        }
    }

    async fn create(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        self.put(req, resp).await;
    }

    async fn read(&self, req: &ReadRequest, resp: &mut StateResponse) {
        let Some(umbrella) = self.handle.umbrella(&mut resp.diags) else {
            return;
        };
        match umbrella.get_psa().await {
            Ok(Some(settings)) => {
                let mut state = req.state.clone();
                apply_remote(&mut state, &settings);
                resp.state = state;
            }
            Ok(None) => {
                if req.private.get(P_REVOKE_PENDING).is_some()
                    || !MintedKey::unrevoked(&req.private).is_empty()
                {
                    // A minted key still needs revoking: keep it known.
                    resp.state = req.state.clone();
                    return;
                }
                if let Some(k) = MintedKey::from_prior(&req.state, &req.private) {
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
        self.put(req, resp).await;
    }

    async fn delete(&self, req: &ApplyRequest, resp: &mut StateResponse) {
        let Some(umbrella) = self.handle.umbrella(&mut resp.diags) else {
            return;
        };
        if let Err(e) = umbrella.delete_psa().await {
            umbrella_error(&mut resp.diags, "remove the Umbrella PSA credentials", &e);
            return;
        }
        let keys = MintedKey::from_prior(&req.prior, &req.private)
            .into_iter()
            .chain(MintedKey::unrevoked(&req.private));
        for k in keys {
            if let Err(why) = self.revoke(&k).await {
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
                let mut state = Value::object()
                    .with("site", Value::string(&settings.site_url))
                    .with("company_id", Value::string(&settings.company_id))
                    .with("private_key", Value::Null)
                    .with("private_key_wo", Value::Null)
                    .with("private_key_wo_version", Value::Null)
                    .with("minted_key_id", Value::Null)
                    .with("mint_key", Value::Null);
                apply_remote(&mut state, &settings);
                resp.state = state;
                resp.diags.warning(
                    "The private key was not imported",
                    "Umbrella never returns the ConnectWise private key, so the imported state has \
                     none. The next `terraform apply` sends the key the configuration gives \
                     (`private_key`, `private_key_wo` with `private_key_wo_version`, or a freshly \
                     minted one with `mint_key`) as an in-place update; after that the plan is \
                     empty.",
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

const DOC_SECTIONS: &str = r#"## Handing over the private key

Umbrella never returns the ConnectWise private key and needs it on every write. Use one of these three ways (imported credentials may use none until Terraform should send a key):

| | `private_key` | `private_key_wo` + `private_key_wo_version` | `mint_key { member_id }` |
|---|---|---|---|
| Where the key comes from | `connectwise_api_key.x.private_key` (or any value) | anywhere outside this configuration's state: an ephemeral resource, a vault, an ephemeral variable | the provider creates a ConnectWise API key for the member in the same apply |
| In plan | hidden (sensitive) but present | never | never |
| In state | yes, here and in `connectwise_api_key` | never | never (only the key's id and public key) |
| In logs | no | no | no |
| Terraform version | any | 1.11 or later | any |
| Rotation | replace the `connectwise_api_key` (`create_before_destroy`): the credentials are updated in place | put the new key in place and raise `private_key_wo_version` | change `rotation_triggers` (or anything else): a new key is minted and handed over, then the old one revoked |
| Other changes (e.g. `enabled`) | re-send the stored key | re-send the key from the configuration | mint a new key, revoke the old one |
| Trade-off | anyone who can read the state can read the key: use an encrypted state backend with restricted access (e.g. S3 with SSE-KMS, Terraform Cloud/Enterprise, OpenTofu state encryption) | the key must be held somewhere else that Terraform can read at every apply | the key exists only in Umbrella: if Umbrella loses it, mint a new one (any change to `rotation_triggers`); nothing else can use it |

`private_key` is the simplest wiring and works with any Terraform version. `private_key_wo` keeps the key out of Terraform's files, but the key has to live somewhere else. `mint_key` gives the strongest guarantee (no copy outside ConnectWise's hash and Umbrella), at the price that no one can ever read the key again.

## Rotating the key

With `private_key`, replace the API key with `create_before_destroy`, so the new key exists before Umbrella gets it and the old one is revoked only after Umbrella uses the new one. The credentials are updated in place (a change of `public_key` and `private_key` never replaces them), and `connection_status` stays `ok`:

```terraform
resource "connectwise_api_key" "umbrella" {
  member_id         = connectwise_api_member.umbrella.id
  description       = "Umbrella PSA Integration"
  rotation_triggers = { generation = var.key_generation }

  lifecycle {
    create_before_destroy = true
  }
}

resource "connectwise_umbrella_psa_credentials" "this" {
  site        = "api-na.myconnectwise.net"
  company_id  = "examplemsp"
  public_key  = connectwise_api_key.umbrella.public_key
  private_key = connectwise_api_key.umbrella.private_key
}
```

Changing `var.key_generation` (or anything else that replaces the key) rotates it. With `mint_key`, change `rotation_triggers` instead; the provider mints, hands over, then revokes, in that order. If Umbrella refuses the new key, the provider revokes it again; if that fails too, the state keeps the key's id (a failed create leaves a tainted object, a failed update keeps the object as it was) and the next apply or destroy revokes it, so a minted key is never left unknown to Terraform.

## Drift

`terraform plan` reads the settings back: a change of `site`, `company_id`, `public_key` or `enabled` made in the console shows as drift and the next apply puts the configured values back; settings removed in the console are created again. The private key cannot be read back. With `mint_key`, a public key changed in the console, or a `connection_status` of `unauthorized` because the minted key was deleted in ConnectWise, plans a new key.

## REST calls

The PSA calls are **not in Cisco's published API specification**: Cisco documents the PSA integration only as a console feature. This provider follows its own contract for them; a server that does not offer them makes the provider fail with a diagnostic naming the console step to do by hand.

| Operation | Call |
|---|---|
| authentication | `POST /auth/v2/token` (published) |
| create, update | `PUT /admin/v2/config/psa` with `{psaType, enabled, siteUrl, companyId, publicKey, privateKey}` (not in the published API specification) |
| read, import | `GET /admin/v2/config/psa` (not in the published API specification; never returns the private key) |
| delete | `DELETE /admin/v2/config/psa` (not in the published API specification) |
| `mint_key`: mint, check, revoke | ConnectWise `POST /system/members/{memberId}/apiKeys`; `GET /system/members/{memberId}/apiKeys/{id}` (plan, only when Umbrella reports `unauthorized`); `DELETE /system/members/{memberId}/apiKeys/{id}` (not in ConnectWise's published API specification) |
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_compare_loosely() {
        assert!(same_site(
            "api-na.myconnectwise.net",
            "https://API-NA.myconnectwise.net/"
        ));
        assert!(!same_site("http://cw.example", "cw.example"));
        assert!(!same_site("cw.example", "cw2.example"));
    }

    #[tokio::test]
    async fn exactly_one_key_source() {
        let r = UmbrellaPsaCredentialsResource::new(Handle::default());
        let base = Value::object()
            .with("site", Value::string("cw.example"))
            .with("company_id", Value::string("acme"));
        async fn check(r: &UmbrellaPsaCredentialsResource, config: Value) -> Vec<String> {
            let mut d = Diagnostics::new();
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
                .any(|e| e.contains("sets `private_key` and `mint_key`")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("must not be set together"))
        );
    }

    #[test]
    fn mint_spec_defaults_the_description() {
        let config = Value::object().with(
            "mint_key",
            Value::object().with("member_id", Value::string("150")),
        );
        let spec = mint_spec(&config).map(|s| (s.member_id, s.description));
        assert_eq!(spec, Some((150, DEFAULT_KEY_DESCRIPTION.to_string())));
        assert!(mint_spec(&Value::object()).is_none());
    }
}
