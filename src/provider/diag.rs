//! Client errors → Terraform diagnostics, in one place.
//!
//! Summaries say what failed ("Cannot create security role"); details say why,
//! in the API's own words, and what to do. Field errors from ConnectWise are
//! put on the Terraform attribute they concern, so Terraform points at the
//! configuration line.

use api_client::Error;
use api_client::umbrella::UmbrellaError;
use tfplugin::{AttrPath, Diagnostics};

/// How ConnectWise field names map onto this object's attribute names.
pub type FieldMap<'a> = &'a [(&'a str, &'a str)];

/// Adds an error for `err`, which happened while trying to `action` (e.g.
/// "create the security role \"Umbrella\"").
pub fn client_error(diags: &mut Diagnostics, action: &str, err: &Error) {
    client_error_on(diags, action, err, &[]);
}

/// Like [`client_error`], and puts ConnectWise's field errors on attributes.
pub fn client_error_on(diags: &mut Diagnostics, action: &str, err: &Error, fields: FieldMap<'_>) {
    let summary = format!("Cannot {action}");
    let hint = match err.root() {
        Error::Unauthorized { .. } => {
            "\n\nCheck the provider's company_id, public_key, private_key and client_id (or the \
             CONNECTWISE_* environment variables)."
        }
        Error::Forbidden { .. } => {
            "\n\nThe API member the provider acts as needs a security role that allows this call."
        }
        Error::RateLimited { .. } => {
            "\n\nConnectWise is throttling requests. Run again later or with a lower -parallelism."
        }
        _ if matches!(err, Error::OutcomeUnknown { .. }) => {
            "\n\nThe server may or may not have created the object, and looking it up failed too. \
             Run `terraform plan` again: if the object exists it must be imported, not created twice."
        }
        Error::Timeout { .. } | Error::Transport { .. } => {
            "\n\nCheck the provider's site and the network path to it; raise request_timeout if the \
             server is slow."
        }
        _ => "",
    };
    let mut placed = false;
    for fe in err.field_errors() {
        if let Some((_, attr)) = fields
            .iter()
            .find(|(api, _)| api.eq_ignore_ascii_case(&fe.field))
        {
            diags.attr_error(
                AttrPath::root(attr),
                summary.clone(),
                format!("{} ({})", fe.message, err),
            );
            placed = true;
        }
    }
    if !placed {
        diags.error(summary, format!("{err}{hint}"));
    }
}

/// An import id that does not have the expected form.
pub fn bad_import_id(diags: &mut Diagnostics, id: &str, expected: &str) {
    diags.error(
        "Invalid import id",
        format!("The import id {id:?} does not have the expected form. Expected {expected}."),
    );
}

/// Adds an error for the Umbrella failure `err`, which happened while trying to `action`.
/// Umbrella's messages never carry the API secret or a private key, and neither do the hints.
pub fn umbrella_error(diags: &mut Diagnostics, action: &str, err: &UmbrellaError) {
    umbrella_error_on(diags, None, action, err);
}

/// Like [`umbrella_error`], on the attribute `attr` when given.
pub fn umbrella_error_on(
    diags: &mut Diagnostics,
    attr: Option<AttrPath>,
    action: &str,
    err: &UmbrellaError,
) {
    let summary = format!("Cannot {action}");
    let hint = match err {
        UmbrellaError::Unauthorized { .. } => {
            "\n\nCheck the provider's umbrella.api_key and umbrella.api_secret (or the \
             UMBRELLA_API_KEY and UMBRELLA_API_SECRET environment variables): the key must be an \
             Umbrella API key of the MSP/MSSP console, and the secret the one shown when it was \
             created."
        }
        UmbrellaError::Forbidden { .. } => {
            "\n\nThe Umbrella API key needs the admin scope (read and write), and the PSA settings \
             belong to the MSP/MSSP console itself: leave umbrella.org_id unset."
        }
        UmbrellaError::RateLimited { .. } => {
            "\n\nUmbrella is throttling this API key (admin scope: 5 requests per second, 14 per \
             minute). Run again later or with a lower -parallelism."
        }
        UmbrellaError::Timeout { .. } | UmbrellaError::Transport { .. } => {
            "\n\nCheck the provider's umbrella.base_url and the network path to it."
        }
        _ => "",
    };
    let detail = format!("{err}{hint}");
    match attr {
        Some(path) => diags.attr_error(path, summary, detail),
        None => diags.error(summary, detail),
    }
}
