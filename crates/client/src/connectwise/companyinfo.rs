//! `GET <site>/login/companyinfo/<companyId>`: the company's codebase and version.

use serde::{Deserialize, Deserializer};

use super::http::{decode, encode_component};
use super::{ConnectWise, Error};

/// What `login/companyinfo` says about a company (PascalCase on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CompanyInfo {
    /// Display name of the company.
    #[serde(default)]
    pub company_name: Option<String>,
    /// Path prefix of the API, e.g. `v2025_1/` (cloud) or `v4_6_release/` (on-premise).
    pub codebase: String,
    /// Release code, e.g. `v2025.1`.
    #[serde(default)]
    pub version_code: Option<String>,
    /// Build number, e.g. `v4.6.38842`.
    #[serde(default)]
    pub version_number: Option<String>,
    /// The company id as ConnectWise spells it.
    #[serde(default, rename = "CompanyID")]
    pub company_id: Option<String>,
    /// Whether the company is hosted by ConnectWise (sent as `true` or as `"True"`).
    #[serde(default, deserialize_with = "de_bool_or_string")]
    pub is_cloud: Option<bool>,
    /// The site URL, when sent.
    #[serde(default)]
    pub site_url: Option<String>,
}

/// Accepts `true`, `"True"`, `"false"`, `null`; other values count as unknown (`None`).
fn de_bool_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Bool(b) => Some(b),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    })
}

impl ConnectWise {
    /// Reads `GET <site>/login/companyinfo/<company_id>` (no credentials needed).
    ///
    /// ConnectWise answers JSON `null` for an unknown company; that is an
    /// [`Error::InvalidInput`] naming the company id.
    pub async fn company_info(&self) -> Result<CompanyInfo, Error> {
        self.fetch_company_info().await
    }

    /// The codebase in use (configured, or discovered once through [`ConnectWise::company_info`]).
    pub async fn codebase(&self) -> Result<String, Error> {
        self.codebase_ref().await.map(str::to_owned)
    }

    pub(crate) async fn fetch_company_info(&self) -> Result<CompanyInfo, Error> {
        let company = self.config().company_id.trim().to_owned();
        let label = format!("GET /login/companyinfo/{company}");
        let url = format!(
            "{}/login/companyinfo/{}",
            self.site(),
            encode_component(&company)
        );
        let raw = self.get_unauthenticated(&url, &label).await?;
        if !(200..300).contains(&raw.status) {
            let target = super::error::Target {
                resource: "ConnectWise company",
                id: company,
            };
            let content_type = raw
                .headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok());
            return Err(super::error::from_response(
                raw.status,
                content_type,
                &raw.body,
                &label,
                &target,
                raw.retry_after,
            ));
        }
        let info: Option<CompanyInfo> = decode(&raw, &label, false)?;
        match info {
            Some(info) => Ok(info),
            None => Err(Error::InvalidInput(format!(
                "unknown company {company:?}: {} has no ConnectWise company with that id (check company_id and site)",
                self.site()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_documented_sample_with_string_is_cloud() {
        let info: CompanyInfo = serde_json::from_str(
            r#"{"CompanyName":"ConnectWise","Codebase":"v2017_3/","VersionCode":"v2017.3","VersionNumber":"v4.6.38842","CompanyID":"CW","IsCloud":"True"}"#,
        )
        .unwrap();
        assert_eq!(info.codebase, "v2017_3/");
        assert_eq!(info.is_cloud, Some(true));
        assert_eq!(info.company_id.as_deref(), Some("CW"));
    }

    #[test]
    fn decodes_bool_is_cloud_and_extra_fields() {
        let info: CompanyInfo = serde_json::from_str(
            r#"{"Codebase":"v4_6_release/","IsCloud":false,"SiteUrl":"na.myconnectwise.net","Other":1}"#,
        )
        .unwrap();
        assert_eq!(info.is_cloud, Some(false));
        assert_eq!(info.site_url.as_deref(), Some("na.myconnectwise.net"));
        let null: Option<CompanyInfo> = serde_json::from_str("null").unwrap();
        assert!(null.is_none());
    }
}
