//! Members: `/system/members` (read) and impersonation tokens.

use serde::{Deserialize, Serialize};

use super::http::{Call, segment};
use super::models::{Info, Reference, de_info, de_string};
use super::security_roles::pick_by_name;
use super::{Conditions, ConnectWise, Error, Secret};

/// A member of any license class (F = Full, A = API, C = StreamlineIT, X = Subcontractor).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Record id.
    pub id: i32,
    /// Member ID used to log in.
    #[serde(default, deserialize_with = "de_string")]
    pub identifier: String,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Display name (API members have a name instead of first/last names).
    #[serde(default)]
    pub name: Option<String>,
    /// License class: `F`, `A`, `C` or `X`.
    #[serde(default)]
    pub license_class: Option<String>,
    /// Whether the member is inactive.
    #[serde(default)]
    pub inactive_flag: Option<bool>,
    /// Security role.
    #[serde(default)]
    pub security_role: Option<Reference>,
    /// Level of the corporate structure.
    #[serde(default)]
    pub structure_level: Option<Reference>,
    /// Default email address.
    #[serde(default)]
    pub primary_email: Option<String>,
    /// ConnectWise metadata; never compared.
    #[serde(rename = "_info", default, deserialize_with = "de_info")]
    pub info: Option<Info>,
}

/// A temporary key pair minted for a member (impersonation).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// Public key of the temporary pair.
    pub public_key: String,
    /// Private key of the temporary pair.
    pub private_key: Secret,
    /// When the pair stops working (as ConnectWise writes it), if sent.
    #[serde(default)]
    pub expiration: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequest<'a> {
    member_identifier: &'a str,
}

/// Calls on `/system/members`; get one with [`ConnectWise::members`].
#[derive(Debug, Clone, Copy)]
pub struct Members<'a> {
    client: &'a ConnectWise,
}

impl ConnectWise {
    /// Members (`/system/members`).
    pub fn members(&self) -> Members<'_> {
        Members { client: self }
    }
}

const RESOURCE: &str = "member";

impl Members<'_> {
    /// Every member matching `conditions` (all pages).
    pub async fn list(&self, conditions: &Conditions) -> Result<Vec<Member>, Error> {
        let call = Call::get("/system/members".into(), RESOURCE, "list").conditions(conditions);
        self.client.list_all(call).await
    }

    /// The member with this id.
    pub async fn get(&self, id: i32) -> Result<Member, Error> {
        let call = Call::get(format!("/system/members/{id}"), RESOURCE, id);
        self.client.fetch(call).await
    }

    /// The member with this identifier (case-insensitive), if any.
    pub async fn find_by_identifier(&self, identifier: &str) -> Result<Option<Member>, Error> {
        segment("member identifier", identifier)?;
        let members = self.list(&Conditions::eq("identifier", identifier)).await?;
        Ok(pick_by_name(members, identifier, |m| &m.identifier))
    }

    /// Mints a temporary key pair for the member
    /// (`POST /system/members/{memberIdentifier}/tokens`, header `x-cw-usertype: member`).
    pub async fn create_token(&self, member_identifier: &str) -> Result<Token, Error> {
        let path = format!(
            "/system/members/{}/tokens",
            segment("member identifier", member_identifier)?
        );
        let call = Call::post(path, RESOURCE, member_identifier)
            .header("x-cw-usertype", "member")
            .secret_response()
            .json(&TokenRequest { member_identifier })?;
        self.client.fetch(call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_member_and_token() {
        let member: Member = serde_json::from_str(
            r#"{"id":3,"identifier":"jdoe","firstName":"J","lastName":"Doe","licenseClass":"F",
                "securityRole":{"id":1,"name":"Admin"},"_info":{}}"#,
        )
        .unwrap();
        assert_eq!(member.license_class.as_deref(), Some("F"));
        let token: Token = serde_json::from_str(
            r#"{"publicKey":"pk","privateKey":"sk","expiration":"2026-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(token.private_key.expose(), "sk");
        assert!(!format!("{token:?}").contains("\"sk\""));
    }
}
