//! PSA integration of the console: ConnectWise credentials and per-customer company mappings.
//!
//! **Not in the published API specification.** Cisco documents the PSA integration only as a
//! console feature (MSP Settings > PSA Integration Details). The paths and shapes here are this
//! project's contract (`shared/api-contract.md`, marked `[ext]`), modelled on the documented
//! `/admin/v2/config/*` endpoints. A server that does not offer them (HTTP 405, 501, or a 404 that
//! is not one of the record-not-found answers below) makes every call here fail with
//! [`UmbrellaError::NotSupported`], naming the console step to do by hand.
//!
//! - this file: the PSA settings, one customer's mapping, and how their answers are read;
//! - [`bulk`]: the whole mapping table — the paged list, bulk upsert and bulk remove in chunks
//!   of 100, falling back to the per-customer calls where the server has no bulk call;
//! - [`reads`]: [`ConsoleReads`], the mapping table and customer list read once and shared by
//!   every resource of one provider configuration.

use std::fmt;

use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use super::error::{ErrorBody, UmbrellaError};
use super::{Answer, Result, Secret, Umbrella, decode};

mod bulk;
mod reads;
#[cfg(test)]
mod tests_table;

pub use bulk::{BULK_LIMIT, MAPPINGS_PAGE_LIMIT, REMOVE_MAPPINGS_PATH};
pub use reads::{ConsoleReads, SharedError};

/// Path of the PSA settings singleton (not in the published API specification).
pub const PSA_PATH: &str = "/admin/v2/config/psa";

/// Path of the company mappings collection (not in the published API specification).
pub const MAPPINGS_PATH: &str = "/admin/v2/config/psa/mappings";

/// 404 message: the console has no PSA integration (not in the published API specification).
pub const PSA_NOT_CONFIGURED: &str = "PSA integration not configured";

/// 404 message: the customer has no company mapping (not in the published API specification).
pub const MAPPING_NOT_FOUND: &str = "Mapping not found";

/// 404 message: no managed customer has this id.
pub const CUSTOMER_NOT_FOUND: &str = "Customer not found";

/// Longest ConnectWise company identifier accepted in a mapping.
pub const MAX_PSA_COMPANY_ID_LEN: usize = 30;

/// Console step replacing the PSA credential calls.
pub const MANUAL_STEP_CREDENTIALS: &str = "In the Umbrella MSP console: MSP Settings > PSA Integration Details > Enabled (under Credentials): enter the ConnectWise site and company, the \"Public API Key\" and the \"Private API Key\", and save (MSSP consoles: MSSP Settings).";

/// Console step replacing the PSA removal call.
pub const MANUAL_STEP_REMOVE: &str = "In the Umbrella MSP console: MSP Settings > PSA Integration Details: disable the integration and remove the ConnectWise credentials (MSSP consoles: MSSP Settings).";

/// Console step replacing the company mapping calls.
pub const MANUAL_STEP_MAPPING: &str = "In the Umbrella MSP console: MSP Settings > PSA Integration Details > company mapping: enter the \"ConnectWise Company ID\" of each managed customer, and save (MSSP consoles: MSSP Settings).";

/// Umbrella's last check of the stored ConnectWise credentials (not in the published API specification).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Option<String>", into = "String")]
pub enum ConnectionStatus {
    /// ConnectWise accepted the credentials.
    Ok,
    /// ConnectWise refused them.
    Unauthorized,
    /// The ConnectWise site did not answer.
    Unreachable,
    /// Any other or missing value.
    #[default]
    Unknown,
}

impl ConnectionStatus {
    /// The wire value: `ok`, `unauthorized`, `unreachable` or `unknown`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Unauthorized => "unauthorized",
            Self::Unreachable => "unreachable",
            Self::Unknown => "unknown",
        }
    }
}

impl From<Option<String>> for ConnectionStatus {
    fn from(value: Option<String>) -> Self {
        match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("ok") => Self::Ok,
            Some("unauthorized") => Self::Unauthorized,
            Some("unreachable") => Self::Unreachable,
            _ => Self::Unknown,
        }
    }
}

impl From<ConnectionStatus> for String {
    fn from(value: ConnectionStatus) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The console's PSA settings as read back; the private key is never returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PsaSettings {
    /// PSA product, `connectwise`.
    #[serde(default)]
    pub psa_type: String,
    /// Whether the integration is enabled.
    #[serde(default)]
    pub enabled: bool,
    /// ConnectWise site, e.g. `https://api-na.myconnectwise.net`.
    #[serde(default)]
    pub site_url: String,
    /// ConnectWise login company id.
    #[serde(default)]
    pub company_id: String,
    /// Public key of the ConnectWise API member.
    #[serde(default)]
    pub public_key: String,
    /// Umbrella's last check of the stored credentials.
    #[serde(default)]
    pub connection_status: ConnectionStatus,
    /// Last change, as Umbrella formats it.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// What `put_psa` sends; `psaType` is always `connectwise`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PsaSettingsInput {
    /// Whether the integration is enabled.
    pub enabled: bool,
    /// ConnectWise site.
    pub site_url: String,
    /// ConnectWise login company id.
    pub company_id: String,
    /// Public key of the ConnectWise API member.
    pub public_key: String,
    /// Private key of the ConnectWise API member (required on every PUT).
    pub private_key: Secret,
}

impl PsaSettingsInput {
    /// Refuses empty fields before anything is sent.
    fn validate(&self) -> Result<()> {
        for (name, value) in [
            ("site_url", self.site_url.as_str()),
            ("company_id", self.company_id.as_str()),
            ("public_key", self.public_key.as_str()),
            ("private_key", self.private_key.expose()),
        ] {
            if value.trim().is_empty() {
                return Err(UmbrellaError::InvalidInput(format!(
                    "the Umbrella PSA setting {name} must not be empty"
                )));
            }
        }
        Ok(())
    }

    /// The PUT body.
    fn to_body(&self) -> serde_json::Value {
        serde_json::json!({
            "psaType": "connectwise",
            "enabled": self.enabled,
            "siteUrl": self.site_url,
            "companyId": self.company_id,
            "publicKey": self.public_key,
            "privateKey": self.private_key.expose(),
        })
    }
}

/// A managed customer's ConnectWise company (not in the published API specification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Mapping {
    /// Managed customer id (child org id).
    pub customer_id: u64,
    /// ConnectWise company identifier ("ConnectWise Company ID" in the console).
    pub psa_company_id: String,
}

/// How a 404 (or similar) answer to a PSA call reads.
#[derive(Debug, PartialEq, Eq)]
enum Missing {
    /// No PSA integration configured.
    Psa,
    /// No mapping for the customer.
    Mapping,
    /// No such customer.
    Customer,
}

/// Classifies a non-success answer to a PSA call: a known record-not-found, or an error
/// (`NotSupported` when the route itself does not exist on this server).
fn classify(call: &str, answer: &Answer, manual_step: &str, id: &str) -> Result<Missing> {
    let not_supported = || UmbrellaError::NotSupported {
        call: call.to_owned(),
        manual_step: manual_step.to_owned(),
    };
    match answer.status {
        StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED => Err(not_supported()),
        StatusCode::NOT_FOUND => match ErrorBody::parse(&answer.body).message.as_str() {
            PSA_NOT_CONFIGURED => Ok(Missing::Psa),
            MAPPING_NOT_FOUND => Ok(Missing::Mapping),
            CUSTOMER_NOT_FOUND => Ok(Missing::Customer),
            _ => Err(not_supported()),
        },
        status => Err(UmbrellaError::from_answer(
            call,
            status,
            &answer.body,
            None,
            "umbrella PSA setting",
            id,
        )),
    }
}

/// Refuses a company identifier the console would not store, before anything is sent.
fn check_psa_company_id(psa_company_id: &str) -> Result<()> {
    if psa_company_id.trim().is_empty() || psa_company_id.chars().count() > MAX_PSA_COMPANY_ID_LEN {
        return Err(UmbrellaError::InvalidInput(format!(
            "psa_company_id must be 1 to {MAX_PSA_COMPANY_ID_LEN} characters"
        )));
    }
    Ok(())
}

/// `NotFound` for a customer id.
fn customer_not_found(customer_id: u64) -> UmbrellaError {
    UmbrellaError::NotFound {
        resource: "umbrella customer".to_owned(),
        id: customer_id.to_string(),
    }
}

/// An answer that contradicts the call (e.g. "no mapping" to a settings call).
fn unexpected(call: &str, what: Missing) -> UmbrellaError {
    UmbrellaError::Decode {
        call: call.to_owned(),
        message: format!("unexpected not-found answer ({what:?})"),
    }
}

impl Umbrella {
    /// The console's PSA settings (`GET /admin/v2/config/psa`); `None` when none are configured.
    ///
    /// Not in the published API specification.
    pub async fn get_psa(&self) -> Result<Option<PsaSettings>> {
        let call = format!("GET {PSA_PATH}");
        let answer = self.execute(Method::GET, PSA_PATH, &[], None).await?;
        if answer.status.is_success() {
            return decode(&call, &answer.body).map(Some);
        }
        match classify(&call, &answer, MANUAL_STEP_CREDENTIALS, "psa")? {
            Missing::Psa => Ok(None),
            other => Err(unexpected(&call, other)),
        }
    }

    /// Creates or replaces the PSA settings (`PUT /admin/v2/config/psa`), returning them as stored.
    ///
    /// Not in the published API specification.
    pub async fn put_psa(&self, input: &PsaSettingsInput) -> Result<PsaSettings> {
        input.validate()?;
        let call = format!("PUT {PSA_PATH}");
        let answer = self
            .execute(Method::PUT, PSA_PATH, &[], Some(&input.to_body()))
            .await?;
        if answer.status.is_success() {
            return decode(&call, &answer.body);
        }
        let missing = classify(&call, &answer, MANUAL_STEP_CREDENTIALS, "psa")?;
        Err(unexpected(&call, missing))
    }

    /// Disables the integration and removes the credentials (`DELETE /admin/v2/config/psa`);
    /// succeeds when none were configured.
    ///
    /// Not in the published API specification.
    pub async fn delete_psa(&self) -> Result<()> {
        let call = format!("DELETE {PSA_PATH}");
        let answer = self.execute(Method::DELETE, PSA_PATH, &[], None).await?;
        if answer.status.is_success() {
            return Ok(());
        }
        match classify(&call, &answer, MANUAL_STEP_REMOVE, "psa")? {
            Missing::Psa => Ok(()),
            other => Err(unexpected(&call, other)),
        }
    }

    /// A customer's mapping (`GET .../mappings/{customerId}`); `None` when it has none,
    /// `NotFound` when the customer does not exist.
    ///
    /// Not in the published API specification.
    pub async fn get_mapping(&self, customer_id: u64) -> Result<Option<Mapping>> {
        let path = format!("{MAPPINGS_PATH}/{customer_id}");
        let call = format!("GET {path}");
        let answer = self.execute(Method::GET, &path, &[], None).await?;
        if answer.status.is_success() {
            return decode(&call, &answer.body).map(Some);
        }
        match classify(
            &call,
            &answer,
            MANUAL_STEP_MAPPING,
            &customer_id.to_string(),
        )? {
            Missing::Mapping => Ok(None),
            Missing::Customer => Err(customer_not_found(customer_id)),
            other => Err(unexpected(&call, other)),
        }
    }

    /// Sets a customer's ConnectWise company (`PUT .../mappings/{customerId}`).
    ///
    /// Not in the published API specification.
    pub async fn put_mapping(&self, customer_id: u64, psa_company_id: &str) -> Result<Mapping> {
        check_psa_company_id(psa_company_id)?;
        let path = format!("{MAPPINGS_PATH}/{customer_id}");
        let call = format!("PUT {path}");
        let body = serde_json::json!({ "customerId": customer_id, "psaCompanyId": psa_company_id });
        let answer = self.execute(Method::PUT, &path, &[], Some(&body)).await?;
        if answer.status.is_success() {
            return decode(&call, &answer.body);
        }
        match classify(
            &call,
            &answer,
            MANUAL_STEP_MAPPING,
            &customer_id.to_string(),
        )? {
            Missing::Customer => Err(customer_not_found(customer_id)),
            other => Err(unexpected(&call, other)),
        }
    }

    /// Removes a customer's mapping (`DELETE .../mappings/{customerId}`); succeeds when there was
    /// none or the customer is gone.
    ///
    /// Not in the published API specification.
    pub async fn delete_mapping(&self, customer_id: u64) -> Result<()> {
        let path = format!("{MAPPINGS_PATH}/{customer_id}");
        let call = format!("DELETE {path}");
        let answer = self.execute(Method::DELETE, &path, &[], None).await?;
        if answer.status.is_success() {
            return Ok(());
        }
        match classify(
            &call,
            &answer,
            MANUAL_STEP_MAPPING,
            &customer_id.to_string(),
        )? {
            Missing::Mapping | Missing::Customer => Ok(()),
            other => Err(unexpected(&call, other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn connection_status_is_tolerant() {
        let parse = |s: &str| serde_json::from_str::<ConnectionStatus>(s).ok();
        assert_eq!(parse(r#""ok""#), Some(ConnectionStatus::Ok));
        assert_eq!(
            parse(r#""UNAUTHORIZED""#),
            Some(ConnectionStatus::Unauthorized)
        );
        assert_eq!(
            parse(r#""unreachable""#),
            Some(ConnectionStatus::Unreachable)
        );
        assert_eq!(parse(r#""pending""#), Some(ConnectionStatus::Unknown));
        assert_eq!(parse("null"), Some(ConnectionStatus::Unknown));
        let settings: Option<PsaSettings> =
            serde_json::from_str(r#"{"psaType":"connectwise","enabled":true}"#).ok();
        assert_eq!(
            settings.map(|s| s.connection_status),
            Some(ConnectionStatus::Unknown)
        );
    }

    #[test]
    fn classify_known_not_found_and_missing_route() {
        let call = "GET /admin/v2/config/psa";
        let step = MANUAL_STEP_CREDENTIALS;
        let ok = |a: &Answer| classify(call, a, step, "psa").ok();
        assert_eq!(
            ok(&answer(
                404,
                r#"{"message":"PSA integration not configured"}"#
            )),
            Some(Missing::Psa)
        );
        assert_eq!(
            ok(&answer(404, r#"{"message":"Customer not found"}"#)),
            Some(Missing::Customer)
        );
        for missing_route in [
            answer(404, r#"{"message":"Not Found"}"#),
            answer(404, "<html>404</html>"),
            answer(405, ""),
        ] {
            let err = classify(call, &missing_route, step, "psa");
            assert!(
                matches!(&err, Err(UmbrellaError::NotSupported { manual_step, .. }) if manual_step.contains("PSA Integration Details")),
                "{err:?}"
            );
        }
        assert!(matches!(
            classify(
                call,
                &answer(403, r#"{"message":"Forbidden"}"#),
                step,
                "psa"
            ),
            Err(UmbrellaError::Forbidden { .. })
        ));
    }

    #[test]
    fn input_body_and_debug() {
        let input = PsaSettingsInput {
            enabled: true,
            site_url: "https://cw.example".into(),
            company_id: "acme".into(),
            public_key: "pub".into(),
            private_key: Secret::new("very-private"),
        };
        assert!(input.validate().is_ok());
        let body = input.to_body();
        assert_eq!(body["psaType"], "connectwise");
        assert_eq!(body["privateKey"], "very-private");
        assert!(!format!("{input:?}").contains("very-private"));
        let empty = PsaSettingsInput {
            public_key: " ".into(),
            ..input
        };
        assert!(matches!(
            empty.validate(),
            Err(UmbrellaError::InvalidInput(m)) if m.contains("public_key")
        ));
    }
}
