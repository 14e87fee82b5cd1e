//! The text `connectwise-sandbox` prints once it listens: where it listens, how it answers and,
//! per tenant, the credentials and the provider block to point Terraform at it. (Part of the
//! binary, not of the library.)

use connectwise_sandbox::{Sandbox, TenantConfig};

pub fn print_banner(sandbox: &Sandbox) {
    use std::fmt::Write as _;
    let mut out = String::new();
    let url = sandbox.url();
    let config = sandbox.config();
    let _ = writeln!(out, "ConnectWise Manage sandbox listening on {url}");
    let _ = writeln!(out, "  companyinfo: {url}/login/companyinfo/<companyId>");
    let _ = writeln!(
        out,
        "  API base:    {url}/{}apis/3.0 (v4_6_release/ accepted too)",
        config.codebase
    );
    let _ = writeln!(
        out,
        "  clientId header {}; rate limit {}; latency {} ms",
        if config.require_client_id {
            "required"
        } else {
            "optional"
        },
        config
            .rate_limit_per_minute
            .map_or("none".to_string(), |n| format!("{n}/min")),
        config.latency.as_millis()
    );
    if config.faults.is_active() {
        let f = &config.faults;
        let _ = writeln!(
            out,
            "  faults (seed {}): 5xx {}, 429 {} (Retry-After {} s), drop {}, lost POST {}, latency {} ms, slow token {} ms{}",
            f.seed,
            f.server_error,
            f.rate_limit,
            f.retry_after_secs,
            f.drop,
            f.lost_post,
            f.latency.as_millis(),
            f.slow_token.as_millis(),
            f.path_contains
                .as_deref()
                .map(|p| format!(", only paths containing {p:?}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(
        out,
        "  (sandbox credentials below are fixed test values, not secrets)"
    );
    for t in &config.tenants {
        tenant_block(&mut out, &url, t);
    }
    let _ = writeln!(out);
    let _ = match &config.state_file {
        Some(file) => writeln!(
            out,
            "Ctrl-C or SIGTERM stops the sandbox; its data is kept in {} (saved after every change and on stop).",
            file.display()
        ),
        None => writeln!(
            out,
            "Ctrl-C or SIGTERM stops the sandbox (all data is in memory; --state FILE keeps it)."
        ),
    };
    // A closed stdout (e.g. piped into `head`) must not stop the sandbox.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), out.as_bytes());
}

/// A tenant's credentials and the provider block that uses them.
fn tenant_block(out: &mut String, url: &str, t: &TenantConfig) {
    use std::fmt::Write as _;
    let _ = writeln!(out);
    let _ = writeln!(out, "Tenant {}:", t.company_id);
    let _ = writeln!(out, "  ConnectWise company id: {}", t.company_id);
    let _ = writeln!(out, "  ConnectWise public key: {}", t.public_key);
    let _ = writeln!(out, "  ConnectWise private key: {}", t.private_key);
    let _ = writeln!(out, "  Umbrella API key: {}", t.umbrella_api_key);
    let _ = writeln!(out, "  Umbrella API secret: {}", t.umbrella_api_secret);
    let _ = writeln!(out);
    let _ = writeln!(out, "provider \"connectwise\" {{");
    let _ = writeln!(out, "  site        = \"{url}\"");
    let _ = writeln!(out, "  company_id  = \"{}\"", t.company_id);
    let _ = writeln!(out, "  public_key  = \"{}\"", t.public_key);
    let _ = writeln!(out, "  private_key = \"{}\"", t.private_key);
    let _ = writeln!(
        out,
        "  client_id   = \"00000000-0000-4000-8000-000000000000\""
    );
    let _ = writeln!(out, "  umbrella {{");
    let _ = writeln!(out, "    base_url   = \"{url}\"");
    let _ = writeln!(out, "    api_key    = \"{}\"", t.umbrella_api_key);
    let _ = writeln!(out, "    api_secret = \"{}\"", t.umbrella_api_secret);
    let _ = writeln!(out, "  }}");
    let _ = writeln!(out, "}}");
}
