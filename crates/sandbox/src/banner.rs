//! The text `connectwise-sandbox` prints once it listens: where it listens and how it answers, each
//! tenant's (fixed, public) credentials, and a block to paste into a shell in an empty directory
//! that writes a complete `main.tf` header (the `required_providers` block and a provider block
//! per tenant) and a CLI configuration whose `dev_overrides` use the provider built next to the
//! sandbox, then exports the two variables Terraform needs. A library function so that a test
//! can paste the same block into a shell and apply a configuration with real Terraform.

use std::fmt::Write as _;
use std::path::Path;

use crate::{FaultConfig, Sandbox, SandboxConfig, TenantConfig};

/// The provider's source address, as the provider's documentation gives it.
const PROVIDER_SOURCE: &str = "umbrella-psa/connectwise";
/// The name cargo gives the provider binary (plus `.exe` on Windows).
const PROVIDER_BINARY: &str = "terraform-provider-connectwise";
/// A clientId the sandbox accepts (a GUID, as ConnectWise requires).
pub const SANDBOX_CLIENT_ID: &str = "00000000-0000-4000-8000-000000000000";
/// The line that opens the paste block, and the one that closes it.
pub const PASTE_START: &str = "# --- paste from here into a shell, in an empty directory ---";
pub const PASTE_END: &str = "# --- to here ---";

/// The banner for `sandbox`; `provider_dir` is where the provider binary is (or will be) built:
/// the sandbox binary's own directory, where cargo puts both.
pub fn banner(sandbox: &Sandbox, provider_dir: &Path) -> String {
    let mut out = String::new();
    let url = sandbox.url();
    let config = sandbox.config();
    server_lines(&mut out, &url, config);
    let _ = writeln!(
        out,
        "  (sandbox credentials below are fixed test values, not secrets)"
    );
    for t in &config.tenants {
        let _ = writeln!(
            out,
            "  tenant {}: ConnectWise public key {}, private key {}; Umbrella API key {}, secret {}",
            t.company_id, t.public_key, t.private_key, t.umbrella_api_key, t.umbrella_api_secret
        );
    }
    if config.hand_made {
        match sandbox.hand_made() {
            [] => out.push_str(
                "  --hand-made: nothing added, the state came from a file (it holds what was there)\n",
            ),
            made => out.push_str(&crate::hand_made::describe(made)),
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "To try the provider by hand, paste this block into a shell in an empty directory, then add a"
    );
    let _ = writeln!(
        out,
        "resource (e.g. examples/resources/connectwise_security_role/resource.tf) and run `terraform apply`:"
    );
    let _ = writeln!(out);
    out.push_str(&paste_block(&url, &config.tenants, provider_dir));
    let binary = format!("{PROVIDER_BINARY}{}", std::env::consts::EXE_SUFFIX);
    if !provider_dir.join(&binary).exists() {
        let _ = writeln!(
            out,
            "(No {binary} in {} yet: build it with `cargo build --release --bins`.)",
            provider_dir.display()
        );
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
    out
}

/// Where the sandbox listens and how it answers.
fn server_lines(out: &mut String, url: &str, config: &SandboxConfig) {
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
            "required (a GUID)"
        } else {
            "optional"
        },
        config
            .rate_limit_per_minute
            .map_or("none".to_string(), |n| format!("{n}/min")),
        config.latency.as_millis()
    );
    if config.faults.is_active() {
        let _ = writeln!(out, "  {}", fault_line(&config.faults));
    }
}

fn fault_line(f: &FaultConfig) -> String {
    format!(
        "faults (seed {}): 5xx {}, 429 {} (Retry-After {} s), drop {}, lost POST {}, latency {} ms, slow token {} ms{}",
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
    )
}

/// Shell lines that write `main.tf` and `terraform.tfrc` and export what Terraform needs.
fn paste_block(url: &str, tenants: &[TenantConfig], provider_dir: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{PASTE_START}");
    let _ = writeln!(out, "cat > main.tf <<'EOF'");
    out.push_str(&main_tf_header(url, tenants));
    let _ = writeln!(out, "EOF");
    let _ = writeln!(out, "cat > terraform.tfrc <<'EOF'");
    out.push_str(&cli_config(provider_dir));
    let _ = writeln!(out, "EOF");
    let _ = writeln!(out, "export TF_CLI_CONFIG_FILE=\"$PWD/terraform.tfrc\"");
    // The examples' sandbox_url variable (examples/umbrella-psa-integration) then points here.
    let _ = writeln!(out, "export TF_VAR_sandbox_url=\"{url}\"");
    let _ = writeln!(out, "{PASTE_END}");
    out
}

/// The `terraform` block and a provider block per tenant: the first tenant is the default
/// provider, the others are aliased by company id.
pub fn main_tf_header(url: &str, tenants: &[TenantConfig]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "terraform {{");
    let _ = writeln!(out, "  required_providers {{");
    let _ = writeln!(out, "    connectwise = {{");
    let _ = writeln!(out, "      source = \"{PROVIDER_SOURCE}\"");
    let _ = writeln!(out, "    }}");
    let _ = writeln!(out, "  }}");
    let _ = writeln!(out, "}}");
    for (i, t) in tenants.iter().enumerate() {
        let alias = (i > 0).then_some(t.company_id.as_str());
        let _ = writeln!(out);
        out.push_str(&provider_block(url, t, alias));
    }
    out
}

fn provider_block(url: &str, t: &TenantConfig, alias: Option<&str>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "provider \"connectwise\" {{");
    if let Some(alias) = alias {
        let _ = writeln!(out, "  alias       = \"{alias}\"");
    }
    let _ = writeln!(out, "  site        = \"{url}\"");
    let _ = writeln!(out, "  company_id  = \"{}\"", t.company_id);
    let _ = writeln!(out, "  public_key  = \"{}\"", t.public_key);
    let _ = writeln!(out, "  private_key = \"{}\"", t.private_key);
    let _ = writeln!(out, "  client_id   = \"{SANDBOX_CLIENT_ID}\"");
    let _ = writeln!(out, "  umbrella {{");
    let _ = writeln!(out, "    base_url   = \"{url}\"");
    let _ = writeln!(out, "    api_key    = \"{}\"", t.umbrella_api_key);
    let _ = writeln!(out, "    api_secret = \"{}\"", t.umbrella_api_secret);
    let _ = writeln!(out, "  }}");
    let _ = writeln!(out, "}}");
    out
}

/// A CLI configuration that makes Terraform use the provider in `provider_dir` without
/// `terraform init` (Terraform's development overrides).
pub fn cli_config(provider_dir: &Path) -> String {
    format!(
        "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/{PROVIDER_SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
        provider_dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_paste_block_writes_both_files_and_exports() {
        let sandbox = Sandbox::start(SandboxConfig::with_tenants(2))
            .await
            .expect("starts");
        let text = banner(&sandbox, Path::new("/opt/cw/bin"));
        let url = sandbox.url();
        let start = text.find(PASTE_START).expect("paste block opens");
        let end = text.find(PASTE_END).expect("paste block closes");
        let block = &text[start..end];
        assert!(block.contains("source = \"umbrella-psa/connectwise\""));
        assert!(block.contains(&format!("  site        = \"{url}\"")));
        assert!(block.contains("  alias       = \"sandbox2\""));
        assert_eq!(block.matches("provider \"connectwise\" {").count(), 2);
        assert!(
            block.contains("\"registry.terraform.io/umbrella-psa/connectwise\" = \"/opt/cw/bin\"")
        );
        assert!(block.contains("export TF_CLI_CONFIG_FILE=\"$PWD/terraform.tfrc\""));
        assert!(block.contains(&format!("export TF_VAR_sandbox_url=\"{url}\"")));
        // The provider is not in that directory: the banner says how to build it.
        assert!(text.contains("cargo build --release --bins"));
        sandbox.stop().await.expect("stops");
    }
}
