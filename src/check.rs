//! `terraform-provider-connectwise check`: what the configured ConnectWise site and Umbrella
//! console support, probed without changing anything (`api_client::probe`), as a table or as
//! JSON. Exit code 0 when everything the provider needs is there, 1 when something is missing or
//! refused, 2 when the configuration is unusable.
//!
//! The JSON shape (`"format": 1`) is stable: fields may be added, none renamed or removed.
//!
//! ```json
//! { "format": 1, "complete": false,
//!   "connectwise": { "site": "...", "company_id": "...", "authentication": {"result": "supported", "status": null, "detail": null},
//!                    "company_name": "...", "codebase": "v2025_1/", "version_code": "v2025.1", "version_number": "...",
//!                    "api_version": "2025.1", "server_api_version": "2025.1" },
//!   "umbrella": { "base_url": "...", "authentication": {"result": "supported", "status": null, "detail": null} },
//!   "calls": [ { "vendor": "connectwise", "call": "GET /system/members/{memberId}/apiKeys", "published": false,
//!                "area": "api_keys", "result": "not_found", "status": 404, "detail": null } ],
//!   "areas": { "role_permissions": true, "customize_items": true, "api_keys": false, "umbrella_psa_credentials": true, "umbrella_mappings": true },
//!   "manual_steps": { "api_keys": "in ConnectWise Manage open System > Members > ..." },
//!   "rate_limit_headers": { "retry-after": "1" },
//!   "objects": [ { "name": "connectwise_api_key", "kind": "resource", "works": false, "steps": ["..."] } ] }
//! ```
//!
//! `result` is one of `supported`, `not_found` (404), `method_not_allowed` (405),
//! `not_implemented` (501), `forbidden` (403), `unauthorized` (401), `failed`, `not_probed`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use api_client::probe::{self, Area, Report, Support, Vendor};
use connectwise_provider::provider::Handle;
use serde_json::{Value, json};
use tfplugin::{Diagnostics, Value as TfValue};

/// Version of the JSON shape.
const FORMAT: u32 = 1;

/// Runs the check with the provider's environment variables; prints the table or JSON.
pub async fn run(as_json: bool) -> ExitCode {
    // The same settings and environment fallbacks as the provider block.
    let handle = Handle::default();
    let mut diags = Diagnostics::new();
    handle.configure(&TfValue::object(), &mut diags);
    let cw = handle.connectwise(&mut diags);
    let Some(cw) = cw.filter(|_| !diags.has_errors()) else {
        for d in diags.iter() {
            eprintln!("error: {}: {}", d.summary, d.detail);
        }
        return ExitCode::from(2);
    };
    // Umbrella is optional here: without it the report says it was not checked.
    let mut umbrella_diags = Diagnostics::new();
    let umbrella = handle.umbrella(&mut umbrella_diags);
    let report = probe::run(Some(&cw), umbrella.as_ref()).await;
    let mut text = if as_json {
        let mut json = serde_json::to_string_pretty(&to_json(&report)).unwrap_or_default();
        json.push('\n');
        json
    } else {
        table(&report)
    };
    if !as_json && umbrella.is_none() {
        for d in umbrella_diags.iter() {
            let _ = writeln!(text, "Umbrella not checked: {}: {}", d.summary, d.detail);
        }
    }
    // A closed pipe (e.g. `| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if report.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The report as one plain-text table.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    facts(report, &mut out);
    let width = report
        .calls
        .iter()
        .map(|c| c.call.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let _ = writeln!(out, "\n{:<width$}  {:<9}  RESULT", "CALL", "API");
    for call in &report.calls {
        let api = if call.area.is_some() {
            "extension"
        } else {
            "published"
        };
        let _ = write!(
            out,
            "{:<width$}  {api:<9}  {}",
            call.call,
            call.support.label()
        );
        if let Some(detail) = call.support.detail() {
            let _ = write!(out, ": {detail}");
        }
        out.push('\n');
    }
    if report.rate_limit_headers.is_empty() {
        out.push_str("\nRate-limit headers seen: none\n");
    } else {
        out.push_str("\nRate-limit headers seen:\n");
        for (name, value) in &report.rate_limit_headers {
            let _ = writeln!(out, "  {name}: {value}");
        }
    }
    objects(report, &mut out);
    out
}

/// Authentication, codebase and versions.
fn facts(report: &Report, out: &mut String) {
    match &report.connectwise {
        Some(cw) => {
            let _ = writeln!(out, "ConnectWise {} (company {})", cw.site, cw.company_id);
            let _ = writeln!(
                out,
                "  authentication and clientId: {}",
                accepted(&cw.authentication)
            );
            let _ = writeln!(out, "  codebase: {}", cw.codebase.as_deref().unwrap_or("-"));
            let _ = writeln!(
                out,
                "  API version: {} (build {}); the provider pins {}, the server answers {}",
                cw.version_code.as_deref().unwrap_or("-"),
                cw.version_number.as_deref().unwrap_or("-"),
                cw.api_version,
                cw.server_api_version.as_deref().unwrap_or("-")
            );
        }
        None => out.push_str("ConnectWise: not configured\n"),
    }
    match &report.umbrella {
        Some(u) => {
            let _ = writeln!(out, "Umbrella {}", u.base_url);
            let _ = writeln!(out, "  authentication: {}", accepted(&u.authentication));
        }
        None => out
            .push_str("Umbrella: not configured (set UMBRELLA_API_KEY and UMBRELLA_API_SECRET)\n"),
    }
}

fn accepted(support: &Support) -> String {
    match support {
        Support::Supported => "accepted".to_owned(),
        other => match other.detail() {
            Some(detail) => format!("{}: {detail}", other.label()),
            None => other.label(),
        },
    }
}

/// Per Terraform object: works, or the steps that replace it; then the verdict.
fn objects(report: &Report, out: &mut String) {
    let verdicts = report.objects();
    let width = verdicts
        .iter()
        .map(|v| v.kind.label().len() + 1 + v.name.len())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "\n{:<width$}  WORKS", "TERRAFORM OBJECT");
    for v in &verdicts {
        let name = format!("{} {}", v.kind.label(), v.name);
        let _ = writeln!(
            out,
            "{name:<width$}  {}",
            if v.works { "yes" } else { "no" }
        );
        for step in &v.steps {
            let _ = writeln!(out, "    instead: {step}");
        }
    }
    if report.complete() {
        out.push_str("\nEverything the provider needs is there.\n");
    } else {
        let missing: Vec<&str> = Area::ALL
            .iter()
            .filter(|a| !report.supports(**a))
            .map(|a| a.key())
            .collect();
        let _ = writeln!(
            out,
            "\nNot everything the provider needs is there{}; the objects above name what to do instead.",
            if missing.is_empty() {
                String::new()
            } else {
                format!(" (missing or refused: {})", missing.join(", "))
            }
        );
    }
}

/// The report in the documented JSON shape.
pub fn to_json(report: &Report) -> Value {
    let calls: Vec<Value> = report
        .calls
        .iter()
        .map(|c| {
            let mut call = support_json(&c.support);
            call["vendor"] = json!(match c.vendor {
                Vendor::ConnectWise => "connectwise",
                Vendor::Umbrella => "umbrella",
            });
            call["call"] = json!(c.call);
            call["published"] = json!(c.area.is_none());
            call["area"] = json!(c.area.map(Area::key));
            call
        })
        .collect();
    let areas: serde_json::Map<String, Value> = Area::ALL
        .iter()
        .map(|a| (a.key().to_owned(), json!(report.supports(*a))))
        .collect();
    let objects: Vec<Value> = report
        .objects()
        .iter()
        .map(
            |v| json!({"name": v.name, "kind": v.kind.label(), "works": v.works, "steps": v.steps}),
        )
        .collect();
    json!({
        "format": FORMAT,
        "complete": report.complete(),
        "connectwise": report.connectwise.as_ref().map(|cw| json!({
            "site": cw.site,
            "company_id": cw.company_id,
            "authentication": support_json(&cw.authentication),
            "company_name": cw.company_name,
            "codebase": cw.codebase,
            "version_code": cw.version_code,
            "version_number": cw.version_number,
            "api_version": cw.api_version,
            "server_api_version": cw.server_api_version,
        })),
        "umbrella": report.umbrella.as_ref().map(|u| json!({
            "base_url": u.base_url,
            "authentication": support_json(&u.authentication),
        })),
        "calls": calls,
        "areas": areas,
        "manual_steps": report.manual_steps(),
        "rate_limit_headers": report.rate_limit_headers,
        "objects": objects,
    })
}

/// `{"result", "status", "detail"}` of one answer.
fn support_json(support: &Support) -> Value {
    let (result, status) = match support {
        Support::Supported => ("supported", None),
        Support::Unsupported { status: 404 } => ("not_found", Some(404)),
        Support::Unsupported { status: 405 } => ("method_not_allowed", Some(405)),
        Support::Unsupported { status } => ("not_implemented", Some(*status)),
        Support::Forbidden { .. } => ("forbidden", Some(403)),
        Support::Unauthorized { .. } => ("unauthorized", Some(401)),
        Support::Failed { .. } => ("failed", None),
        Support::NotProbed { .. } => ("not_probed", None),
    };
    json!({"result": result, "status": status, "detail": support.detail()})
}
