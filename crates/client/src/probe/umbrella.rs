//! The Umbrella half of the probe: the token (through the first call), the managed customers
//! list, and GETs of the PSA settings and the company mappings. Three API calls: well inside the
//! documented 14 per minute.

use reqwest::Method;

use super::{Area, CallProbe, Report, Support, UmbrellaFacts, Vendor};
use crate::umbrella::error::ErrorBody;
use crate::umbrella::psa::{
    CUSTOMER_NOT_FOUND, MAPPING_NOT_FOUND, MAPPINGS_PATH, PSA_NOT_CONFIGURED, PSA_PATH,
};
use crate::umbrella::{Umbrella, UmbrellaError};

/// The record-not-found answers of the PSA routes: they show that the route exists.
const RECORD_ANSWERS: [&str; 3] = [PSA_NOT_CONFIGURED, MAPPING_NOT_FOUND, CUSTOMER_NOT_FOUND];

/// Probes the console; adds the facts and the calls to `report`.
pub(super) async fn probe(umbrella: &Umbrella, report: &mut Report) {
    let customers = send(umbrella, "/admin/v2/managed/customers").await;
    let authentication = match &customers {
        Support::Unauthorized { .. } | Support::Failed { .. } => customers.clone(),
        _ => Support::Supported,
    };
    let stop = match &customers {
        Support::Unauthorized { message } => {
            Some(format!("the Umbrella credentials were refused: {message}"))
        }
        _ => None,
    };
    push(report, "GET /admin/v2/managed/customers", None, customers);
    for (label, path, area) in [
        (
            "GET /admin/v2/config/psa",
            PSA_PATH,
            Area::UmbrellaPsaCredentials,
        ),
        (
            "GET /admin/v2/config/psa/mappings",
            MAPPINGS_PATH,
            Area::UmbrellaMappings,
        ),
    ] {
        let support = match &stop {
            Some(reason) => Support::NotProbed {
                reason: reason.clone(),
            },
            None => send(umbrella, path).await,
        };
        push(report, label, Some(area), support);
    }
    report.umbrella = Some(UmbrellaFacts {
        base_url: umbrella.base_url().to_owned(),
        authentication,
    });
}

/// One GET (lists ask for one record) and how it counts.
async fn send(umbrella: &Umbrella, path: &str) -> Support {
    let query = [("limit", "1".to_owned())];
    let answer = match umbrella.execute(Method::GET, path, &query, None).await {
        Ok(answer) => answer,
        Err(UmbrellaError::Unauthorized { message }) => return Support::Unauthorized { message },
        Err(e) => {
            return Support::Failed {
                message: e.to_string(),
            };
        }
    };
    let message = || ErrorBody::parse(&answer.body).message;
    match answer.status.as_u16() {
        200..=299 => Support::Supported,
        404 if RECORD_ANSWERS.contains(&message().as_str()) => Support::Supported,
        status @ (404 | 405 | 501) => Support::Unsupported { status },
        401 => Support::Unauthorized { message: message() },
        403 => Support::Forbidden { message: message() },
        status => Support::Failed {
            message: format!("Umbrella answered HTTP {status}: {}", message()),
        },
    }
}

fn push(report: &mut Report, call: &str, area: Option<Area>, support: Support) {
    report.calls.push(CallProbe {
        vendor: Vendor::Umbrella,
        call: call.to_owned(),
        area,
        permission: None,
        support,
    });
}
