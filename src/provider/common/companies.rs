//! The plan-time check of ConnectWise company identifiers (`psa_company_id` of
//! `connectwise_umbrella_psa_company_mapping`, the values of `connectwise_umbrella_psa_company_mappings`)
//! against the companies of the ConnectWise site: an identifier no company has is an error on
//! its attribute, with the closest identifiers (or the identifier of a company with that name)
//! as "did you mean".

use std::sync::{Arc, Mutex};

use api_client::{Company, CompanyDirectory, ConnectWise};
use tfplugin::{AttrPath, Diagnostics};

use crate::catalogue::edit_distance;
use crate::provider::config::Handle;
use crate::provider::diag::client_error;

/// Suggestions offered at most.
const MAX_SUGGESTIONS: usize = 3;

/// The company list of the current provider configuration, shared by every mapping resource;
/// a new configuration (a new Terraform operation) gets a new one.
#[derive(Default)]
pub struct CompanySlot(Mutex<Option<Arc<CompanyDirectory>>>);

impl CompanySlot {
    /// The directory reading through `client`, made anew when the provider was configured again.
    fn directory(&self, client: &ConnectWise) -> Arc<CompanyDirectory> {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match slot.as_ref() {
            Some(d) if d.is_for(client) => d.clone(),
            _ => {
                let d = Arc::new(CompanyDirectory::new(client.clone()));
                *slot = Some(d.clone());
                d
            }
        }
    }

    /// Checks each `(attribute, identifier)` against the site's companies (one shared read).
    /// Without ConnectWise settings (an Umbrella-only configuration) nothing is checked; when
    /// the list cannot be read, a warning says so and the plan goes on.
    pub async fn check(
        &self,
        handle: &Handle,
        wanted: &[(AttrPath, String)],
        diags: &mut Diagnostics,
    ) {
        if wanted.is_empty() {
            return;
        }
        let Some(client) = handle.connectwise(&mut Diagnostics::default()) else {
            return;
        };
        let companies = match self.directory(&client).all().await {
            Ok(c) => c,
            Err(e) => {
                let mut problem = Diagnostics::default();
                client_error(&mut problem, "list the ConnectWise companies", &e);
                for d in problem.0 {
                    diags.warning(
                        "ConnectWise company identifiers not checked",
                        format!(
                            "{}: {}\n\nThe mappings are applied without checking that their \
                             companies exist. The API member needs inquire access to Companies \
                             > Company Maintenance for the check.",
                            d.summary, d.detail
                        ),
                    );
                }
                return;
            }
        };
        for (path, identifier) in wanted {
            // ConnectWise compares identifiers without regard to case (SQL Server's collation;
            // `identifier="acmedental"` finds `AcmeDental`), and so does the PSA integration.
            if !companies
                .iter()
                .any(|c| c.identifier.eq_ignore_ascii_case(identifier))
            {
                diags.attr_error(
                    path.clone(),
                    "Unknown ConnectWise company",
                    unknown_company_detail(identifier, &companies),
                );
            }
        }
    }
}

/// Why `identifier` is refused, with what the user probably meant.
fn unknown_company_detail(identifier: &str, companies: &[Company]) -> String {
    let suggestions = suggest(identifier, companies);
    let hint = if suggestions.is_empty() {
        String::new()
    } else {
        format!(" Did you mean {}?", suggestions.join(" or "))
    };
    format!(
        "No company of the ConnectWise site has the identifier {identifier:?} (its \"Company \
         ID\"; GET /company/companies, {} companies).{hint} The connectwise_companies data \
         source lists them.",
        companies.len()
    )
}

/// The identifiers closest to `wanted`: a company whose name matches it ignoring case first,
/// then those within a few edits.
fn suggest(wanted: &str, companies: &[Company]) -> Vec<String> {
    let quote = |c: &Company| format!("{:?} ({})", c.identifier, c.name);
    let lower = wanted.to_lowercase();
    let exactish: Vec<String> = companies
        .iter()
        .filter(|c| c.identifier.to_lowercase() == lower || c.name.to_lowercase() == lower)
        .map(quote)
        .take(MAX_SUGGESTIONS)
        .collect();
    if !exactish.is_empty() {
        return exactish;
    }
    let limit = (wanted.chars().count() / 3).clamp(1, 4);
    let mut near: Vec<(usize, &Company)> = companies
        .iter()
        .map(|c| (edit_distance(&lower, &c.identifier.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .collect();
    near.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.identifier.cmp(&b.1.identifier))
    });
    near.into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, c)| quote(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn company(identifier: &str, name: &str) -> Company {
        serde_json::from_value(serde_json::json!({
            "id": 1, "identifier": identifier, "name": name
        }))
        .expect("company")
    }

    #[test]
    fn suggestions_by_case_name_and_edit_distance() {
        let companies = [
            company("AcmeDental", "Acme Dental, LLC"),
            company("BetaLaw", "Beta Law"),
            company("Contoso", "Contoso Ltd"),
        ];
        assert_eq!(
            suggest("acmedental", &companies),
            [r#""AcmeDental" (Acme Dental, LLC)"#]
        );
        assert_eq!(suggest("Beta Law", &companies), [r#""BetaLaw" (Beta Law)"#]);
        assert_eq!(
            suggest("AcmeDentl", &companies),
            [r#""AcmeDental" (Acme Dental, LLC)"#]
        );
        assert!(suggest("Zebra", &companies).is_empty());
        let detail = unknown_company_detail("Contosso", &companies);
        assert!(
            detail.contains(r#"Did you mean "Contoso" (Contoso Ltd)?"#),
            "{detail}"
        );
        assert!(detail.contains("3 companies"), "{detail}");
    }
}
