//! Ephemeral resource `connectwise_member_token`: a short-lived key pair to act as a member for
//! one Terraform run (`POST /system/members/{memberIdentifier}/tokens`). Terraform ≥ 1.10 keeps
//! ephemeral values out of plan and state.

use async_trait::async_trait;

use super::config::Handle;
use super::diag::client_error;
use tfplugin::{
    AttrPath, Attribute, Block, Diagnostics, EphemeralOpen, EphemeralResource, Model, Private,
    Schema, Sensitive, Val, Validator, Value,
};

/// The ephemeral resource's attributes: the member given, the pair minted.
#[derive(Model, Clone, Debug, Default, PartialEq)]
struct TokenModel {
    member_identifier: Val<String>,
    public_key: Val<String>,
    private_key: Val<Sensitive>,
    expiration: Val<String>,
}

pub struct MemberTokenEphemeral {
    handle: Handle,
}

impl MemberTokenEphemeral {
    pub fn new(handle: Handle) -> Self {
        Self { handle }
    }
}

fn token_schema() -> Schema {
    Schema::new(
        Block::new(
            "A short-lived public/private key pair to act as a ConnectWise member \
             (impersonation), minted for one Terraform run. Requires Terraform 1.10 or later: \
             the values are never written to the plan or the state, and can be used only \
             where Terraform accepts ephemeral values (provider blocks, write-only arguments, \
             other ephemeral resources, locals).",
        )
        .attribute(
            Attribute::string("member_identifier")
                .required()
                .validate(Validator::Length { min: 1, max: 15 })
                .validate(Validator::NotBlank)
                .description(
                    "The identifier (\"Member ID\") of the member to act as, e.g. \
                     `connectwise_api_member.umbrella.identifier`. The member must be active.",
                ),
        )
        .attribute(
            Attribute::string("public_key")
                .computed()
                .description("The public key of the temporary pair."),
        )
        .attribute(
            Attribute::string("private_key")
                .computed()
                .sensitive()
                .description("The private key of the temporary pair (sensitive)."),
        )
        .attribute(Attribute::string("expiration").computed().description(
            "When the pair stops working, as ConnectWise reports it (ISO 8601); null \
                     when ConnectWise does not say.",
        )),
    )
}

#[async_trait]
impl EphemeralResource for MemberTokenEphemeral {
    fn name(&self) -> &'static str {
        "member_token"
    }

    fn schema(&self) -> Schema {
        token_schema()
    }

    fn doc_sections(&self) -> &'static str {
        "## Lifetime\n\n\
         The pair works until `expiration` (ConnectWise does not document the lifetime; the \
         sandbox uses one hour). Terraform opens the ephemeral resource anew in every plan and \
         apply, so each run gets a fresh pair; nothing revokes a pair early, and nothing needs \
         cleaning up.\n\n\
         ## REST calls\n\n\
         In ConnectWise's published API specification:\n\n\
         | Operation | Call |\n|---|---|\n\
         | open | `POST /system/members/{memberIdentifier}/tokens` with header `x-cw-usertype: member` → `{publicKey, privateKey, expiration}` |\n\
         | renew, close | none |\n"
    }

    async fn open(&self, config: &Value, diags: &mut Diagnostics) -> Option<EphemeralOpen> {
        let cw = self.handle.connectwise(diags)?;
        let config = TokenModel::decode_into(config, diags)?;
        let identifier = config
            .member_identifier
            .as_str()
            .unwrap_or_default()
            .trim()
            .to_string();
        match cw.members().create_token(&identifier).await {
            Ok(token) => Some(EphemeralOpen {
                result: TokenModel {
                    member_identifier: Val::Known(identifier),
                    public_key: Val::Known(token.public_key),
                    private_key: Val::Known(Sensitive(token.private_key.expose().to_string())),
                    expiration: token.expiration.into(),
                }
                .encode(),
                private: Private::default(),
                renew_at: None,
            }),
            Err(e) if e.is_not_found() => {
                diags.attr_error(
                    AttrPath::root("member_identifier"),
                    "Unknown member",
                    format!("No ConnectWise member has the identifier {identifier:?}."),
                );
                None
            }
            Err(e) => {
                client_error(
                    diags,
                    &format!("mint a token for member {identifier:?}"),
                    &e,
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

    #[test]
    fn the_model_matches_the_schema() {
        assert_eq!(check_model::<TokenModel>(&token_schema().block), Ok(()));
    }
}
