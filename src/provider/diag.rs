//! Client errors → Terraform diagnostics, in one place.
//!
//! Summaries say what failed ("Cannot create security role"); details say why,
//! in the API's own words, and what to do. Field errors from ConnectWise are
//! put on the Terraform attribute they concern, so Terraform points at the
//! configuration line. A failure to reach a server carries its whole cause
//! chain (TLS, DNS, refused connection, timeout), not only its first line.

use std::error::Error as StdError;

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
        Error::Transport { source, .. }
            if api_client::transport_error::is_certificate_error(source) =>
        {
            ""
        }
        Error::Transport { source, .. } if api_client::transport_error::is_dns_error(source) => {
            "\n\nCheck the provider's site: its host name does not resolve from this machine."
        }
        Error::Timeout { .. } | Error::Transport { .. } => {
            "\n\nCheck the provider's site and the network path to it; raise request_timeout if the \
             server is slow."
        }
        _ => "",
    };
    let message = err.to_string();
    let causes = cause_chain(connectwise_sources(err), &message);
    let mut placed = false;
    for fe in err.field_errors() {
        if let Some((_, attr)) = fields
            .iter()
            .find(|(api, _)| api.eq_ignore_ascii_case(&fe.field))
        {
            diags.attr_error(
                AttrPath::root(attr),
                summary.clone(),
                format!("{} ({message})", fe.message),
            );
            placed = true;
        }
    }
    if !placed {
        diags.error(summary, format!("{message}{causes}{hint}"));
    }
}

/// The lower-level errors under a ConnectWise failure: the last attempt's, and both failures
/// of a create whose outcome is unknown.
fn connectwise_sources(err: &Error) -> Vec<&(dyn StdError + 'static)> {
    match err.root() {
        Error::OutcomeUnknown { cause, lookup, .. } => [cause, lookup]
            .into_iter()
            .filter_map(|e| e.root().source())
            .collect(),
        root => root.source().into_iter().collect(),
    }
}

/// "Caused by: a → b → c" for every cause under `sources` whose words `message` does not
/// already hold, so a diagnostic shows the whole chain (e.g. down to "Connection refused (os
/// error 111)") without repeating itself; empty when there is nothing to add.
fn cause_chain(sources: Vec<&(dyn StdError + 'static)>, message: &str) -> String {
    let mut causes: Vec<String> = Vec::new();
    for top in sources {
        let mut next = Some(top);
        while let Some(cause) = next {
            let text = cause.to_string();
            if !text.is_empty() && !message.contains(&text) && !causes.contains(&text) {
                causes.push(text);
            }
            next = cause.source();
        }
    }
    if causes.is_empty() {
        String::new()
    } else {
        format!("\n\nCaused by: {}", causes.join(" → "))
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
        UmbrellaError::Transport { source, .. }
            if api_client::transport_error::is_certificate_error(source) =>
        {
            ""
        }
        UmbrellaError::Transport { source, .. }
            if api_client::transport_error::is_dns_error(source) =>
        {
            "\n\nCheck the provider's umbrella.base_url: its host name does not resolve from this \
             machine."
        }
        UmbrellaError::Timeout { .. } | UmbrellaError::Transport { .. } => {
            "\n\nCheck the provider's umbrella.base_url and the network path to it."
        }
        _ => "",
    };
    let message = err.to_string();
    let causes = cause_chain(err.source().into_iter().collect(), &message);
    let detail = format!("{message}{causes}{hint}");
    match attr {
        Some(path) => diags.attr_error(path, summary, detail),
        None => diags.error(summary, detail),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use api_client::{Conditions, ConnectWise, ConnectWiseConfig, Secret};

    use super::*;

    /// The error of listing roles on `site` with one attempt.
    async fn failure(site: &str) -> Error {
        let mut config = ConnectWiseConfig::new(
            site,
            "acme",
            "public-key",
            Secret::new("private-key"),
            "0f5b1c8e-4a0e-4c53-9b7e-9d2f3c1a7e11",
        );
        config.codebase = Some("v2025_1/".into());
        config.max_retries = 0;
        config.request_timeout = Duration::from_secs(5);
        let cw = ConnectWise::new(config).expect("a valid configuration");
        cw.security_roles()
            .list(&Conditions::new())
            .await
            .expect_err("nothing answers")
    }

    fn detail(err: &Error) -> String {
        let mut diags = Diagnostics::new();
        client_error(&mut diags, "read the security role", err);
        let diag = diags.iter().next().expect("one diagnostic");
        assert_eq!(diag.summary, "Cannot read the security role");
        diag.detail.clone()
    }

    #[tokio::test]
    async fn a_refused_connection_shows_its_whole_cause_chain() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        let detail = detail(&failure(&format!("http://127.0.0.1:{port}")).await);
        assert!(
            detail.starts_with(
                "GET /system/securityroles failed: could not talk to ConnectWise: the connection was refused"
            ),
            "{detail}"
        );
        // The layers under the summary line, down to the operating system's words, once each.
        let causes = detail
            .split("\n\nCaused by: ")
            .nth(1)
            .expect("a cause chain");
        assert!(causes.contains("error sending request"), "{detail}");
        assert!(causes.contains("os error"), "{detail}");
        assert!(
            detail.ends_with("raise request_timeout if the server is slow."),
            "{detail}"
        );
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_says_so_and_what_to_check() {
        let detail = detail(&failure("https://nonexistent.invalid").await);
        assert!(
            detail.contains("the host name could not be resolved (DNS)"),
            "{detail}"
        );
        assert!(detail.contains("Caused by: "), "{detail}");
        assert!(
            detail.ends_with(
                "Check the provider's site: its host name does not resolve from this machine."
            ),
            "{detail}"
        );
    }

    #[test]
    fn an_answer_error_has_no_cause_line() {
        let err = Error::Api {
            status: 400,
            code: "InvalidObject".into(),
            message: "Expected a boolean value, not a numeric.".into(),
            errors: Vec::new(),
        };
        assert_eq!(
            detail(&err),
            "ConnectWise answered HTTP 400 InvalidObject: Expected a boolean value, not a numeric."
        );
    }
}
