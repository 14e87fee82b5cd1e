//! The schema of `connectwise_umbrella_psa_credentials` and the models its operations decode
//! config, plan and state into.

use std::collections::BTreeMap;

use crate::provider::common::ids::{parse_record_id, record_id};
use crate::provider::common::validators::site;
use api_client::umbrella::PsaSettings;
use tfplugin::{Attribute, Block, Model, Schema, Sensitive, Type, Val, Validator, Value};

use super::{DEFAULT_KEY_DESCRIPTION, ID};

/// The resource's attributes, as config, plan and state have them.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct CredentialsModel {
    pub id: Val<String>,
    pub enabled: Val<bool>,
    pub site: Val<String>,
    pub company_id: Val<String>,
    pub public_key: Val<String>,
    pub private_key: Val<Sensitive>,
    pub private_key_wo: Val<Sensitive>,
    /// Any number: only compared and stored as written, so it is kept as Terraform sent it.
    pub private_key_wo_version: Val<Value>,
    pub minted_key_id: Val<String>,
    pub connection_status: Val<String>,
    pub updated_at: Val<String>,
    pub mint_key: Val<MintKeyModel>,
}

/// The `mint_key` block.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct MintKeyModel {
    pub member_id: Val<String>,
    pub description: Val<String>,
    pub rotation_triggers: Val<BTreeMap<String, Val<String>>>,
}

/// What a `mint_key` block asks for.
pub struct MintSpec {
    pub member_id: i32,
    pub description: String,
}

impl CredentialsModel {
    /// The attributes that say where the private key comes from, those that are set.
    pub fn key_sources(&self) -> Vec<&'static str> {
        [
            ("private_key", self.private_key.is_null()),
            ("private_key_wo", self.private_key_wo.is_null()),
            ("mint_key", self.mint_key.is_null()),
        ]
        .into_iter()
        .filter(|(_, null)| !null)
        .map(|(name, _)| name)
        .collect()
    }

    /// The `mint_key` block of a configuration, when it names a member.
    pub fn mint_spec(&self) -> Option<MintSpec> {
        let block = self.mint_key.known()?;
        let member_id = block.member_id.as_str().and_then(parse_record_id)?;
        let description = block
            .description
            .as_str()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(DEFAULT_KEY_DESCRIPTION)
            .to_string();
        Some(MintSpec {
            member_id,
            description,
        })
    }

    /// The record id of the `mint_key` member kept in state.
    pub fn mint_member_id(&self) -> Option<i32> {
        self.mint_key
            .known()
            .and_then(|m| m.member_id.as_str())
            .and_then(parse_record_id)
    }

    /// Sets `id`, which is always [`ID`]: a console has one PSA integration.
    pub fn set_id(&mut self) {
        self.id = Val::Known(ID.to_string());
    }

    /// Copies what Umbrella reports, keeping the configured spelling of equivalent values.
    pub fn apply_remote(&mut self, s: &PsaSettings) {
        self.set_id();
        self.enabled = Val::Known(s.enabled);
        if !same_site(self.site.as_str().unwrap_or_default(), &s.site_url) {
            self.site = Val::Known(s.site_url.clone());
        }
        let company = self.company_id.as_str().unwrap_or_default();
        if !company.eq_ignore_ascii_case(s.company_id.trim()) {
            self.company_id = Val::Known(s.company_id.clone());
        }
        self.public_key = Val::Known(s.public_key.clone());
        self.connection_status = Val::Known(s.connection_status.as_str().to_string());
        self.updated_at = s.updated_at.clone().into();
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
            .validate(Validator::Custom(record_id))
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
            .validate(Validator::NotBlank)
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
                .validate(Validator::Custom(site))
                .description(
                    "The ConnectWise site Umbrella calls, e.g. `api-na.myconnectwise.net` or an \
                     on-premises host: a host (`https://` implied) or an `https://` URL. Plain \
                     `http://` is accepted only for a loopback host (127.0.0.0/8, ::1, \
                     localhost), such as the sandbox: anywhere else Umbrella would send the \
                     ConnectWise keys in clear text.",
                ),
        )
        .attribute(
            Attribute::string("company_id")
                .required()
                .validate(Validator::Length { min: 1, max: 255 })
                .validate(Validator::NotBlank)
                .description("The ConnectWise company id (the one typed at the login screen)."),
        )
        .attribute(
            Attribute::string("public_key")
                .optional()
                .computed()
                .validate(Validator::NotBlank)
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
                .validate(Validator::NotBlank)
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
                .validate(Validator::NotBlank)
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
        .block(mint_key)
        // Where the ConnectWise private key comes from. None at all is allowed for imported
        // credentials whose key Terraform does not know (modify_plan asks for one on create).
        .conflicts_with(&["private_key", "private_key_wo", "mint_key"])
        .because("They say where the ConnectWise private key comes from: give one of them.")
        .conflicts_with(&["public_key", "mint_key"])
        .because(
            "`public_key` must not be set together with `mint_key`: the provider uses the public \
             key of the key it mints.",
        )
        .at_least_one_of(&["public_key", "mint_key"])
        .because("`public_key` is required unless a `mint_key` block is used.")
        .required_together(&["private_key_wo", "private_key_wo_version"])
        .because(
            "`private_key_wo_version` is required with `private_key_wo`: Terraform cannot see a \
             write-only value change, so change this number whenever the key changes.",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_models_match_the_schema() {
        let schema = credentials_schema();
        assert_eq!(check_model::<CredentialsModel>(&schema.block), Ok(()));
        let mint_key = schema.block.blocks.iter().find(|b| b.name == "mint_key");
        assert_eq!(
            mint_key.map(|b| check_model::<MintKeyModel>(&b.block)),
            Some(Ok(()))
        );
    }

    #[test]
    fn blank_keys_and_remote_plain_http_sites_fail_validation() {
        let schema = credentials_schema();
        let check = |config: Value| {
            let mut d = tfplugin::Diagnostics::new();
            schema
                .block
                .validate(&config, &tfplugin::AttrPath::default(), &mut d);
            d.iter().map(|x| x.detail.clone()).collect::<Vec<_>>()
        };
        let base = Value::object()
            .with("site", Value::string("api-na.myconnectwise.net"))
            .with("company_id", Value::string("acme"))
            .with("public_key", Value::string("p"))
            .with("private_key", Value::string("s"));
        assert!(check(base.clone()).is_empty());
        for (attr, value, phrase) in [
            ("public_key", " ", "only blanks"),
            ("private_key", "  ", "only blanks"),
            ("company_id", " ", "only blanks"),
            ("site", "http://api-na.myconnectwise.net", "clear text"),
            ("site", "ftp://cw.example.com", "scheme"),
        ] {
            let errors = check(base.clone().with(attr, Value::string(value)));
            assert!(
                errors.len() == 1 && errors[0].contains(attr) && errors[0].contains(phrase),
                "{attr} = {value:?}: {errors:?}"
            );
        }
        let minted = Value::object()
            .with("site", Value::string("http://127.0.0.1:8080"))
            .with("company_id", Value::string("acme"))
            .with(
                "mint_key",
                Value::object().with("member_id", Value::string("0")),
            );
        let errors = check(minted);
        assert!(
            errors.len() == 1 && errors[0].contains("mint_key.member_id"),
            "{errors:?}"
        );
    }

    #[test]
    fn sites_compare_loosely() {
        assert!(same_site(
            "api-na.myconnectwise.net",
            "https://API-NA.myconnectwise.net/"
        ));
        assert!(!same_site("http://cw.example", "cw.example"));
        assert!(!same_site("cw.example", "cw2.example"));
    }

    #[test]
    fn mint_spec_defaults_the_description() {
        let config = Value::object().with(
            "mint_key",
            Value::object().with("member_id", Value::string("150")),
        );
        let spec = CredentialsModel::decode(&config)
            .ok()
            .and_then(|m| m.mint_spec())
            .map(|s| (s.member_id, s.description));
        assert_eq!(spec, Some((150, DEFAULT_KEY_DESCRIPTION.to_string())));
        let none = CredentialsModel::decode(&Value::object()).ok();
        assert!(none.is_some_and(|m| m.mint_spec().is_none()));
    }
}
