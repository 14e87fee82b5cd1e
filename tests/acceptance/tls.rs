//! Trust, end to end: real Terraform against the sandbox serving HTTPS with a CA of its own, as
//! an operator behind a company CA or a TLS-inspecting proxy sees it. Untrusted: the plan fails
//! at once, naming the certificate problem and the ways to trust the CA, without retrying.
//! Trusted through `ca_certificate_pem` or `CONNECTWISE_CA_CERTIFICATE_FILE`: ConnectWise and
//! Umbrella objects apply, plan empty and destroy; through `SSL_CERT_FILE` or `SSL_CERT_DIR`
//! (the system store): both vendors' reads plan.

use std::path::PathBuf;
use std::time::Duration;

use crate::harness::Harness;
use connectwise_sandbox::SandboxConfig;

/// Terraform's output with its line wrapping undone.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn tls_harness() -> Harness {
    let h = Harness::with_sandbox(SandboxConfig {
        tls: true,
        ..SandboxConfig::default()
    })
    .await;
    assert!(h.sandbox.url().starts_with("https://"), "a TLS sandbox");
    h
}

/// Writes the sandbox's CA into the working directory; returns its path.
fn write_ca(h: &Harness) -> PathBuf {
    let path = h.path().join("sandbox-ca.pem");
    let pem = h.sandbox.ca_pem().expect("a TLS sandbox has a CA");
    std::fs::write(&path, pem).expect("write the CA");
    path
}

/// Reads on both sides: a plan has to talk to ConnectWise and to Umbrella.
const READS: &str = r#"
data "connectwise_security_role" "admin" {
  name = "Admin"
}

data "connectwise_umbrella_customers" "all" {}
"#;

/// A role, its API member and key, and the PSA credentials in Umbrella built from the key.
fn objects(h: &Harness) -> String {
    format!(
        r#"
resource "connectwise_security_role" "umbrella" {{
  name = "Umbrella TLS"
}}

resource "connectwise_api_member" "umbrella" {{
  identifier       = "umbrella-tls"
  name             = "Umbrella TLS"
  security_role_id = connectwise_security_role.umbrella.id
}}

resource "connectwise_api_key" "umbrella" {{
  member_id   = connectwise_api_member.umbrella.id
  description = "Umbrella PSA Integration"
}}

resource "connectwise_umbrella_psa_credentials" "this" {{
  site        = "{site}"
  company_id  = "{company}"
  public_key  = connectwise_api_key.umbrella.public_key
  private_key = connectwise_api_key.umbrella.private_key
}}
"#,
        site = h.sandbox.url(),
        company = h.sandbox.config().tenants[0].company_id,
    )
}

/// Handshake failures are counted by the sandbox's handshake tasks: let them finish.
async fn settled_handshake_failures(h: &Harness) -> u64 {
    let mut last = h.sandbox.tls_handshake_failures();
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = h.sandbox.tls_handshake_failures();
        if now == last {
            break;
        }
        last = now;
    }
    last
}

#[tokio::test]
async fn an_untrusted_certificate_fails_the_plan_once_with_the_fix() {
    let h = tls_harness().await;
    h.raw_config(&format!(
        "{}{READS}",
        h.provider_block_with("  max_retries = 4")
    ));
    let out = flat(&h.plan_fails().await);
    for phrase in [
        "certificate is not trusted (unknown issuer)",
        "ca_certificate_pem",
        "CONNECTWISE_CA_CERTIFICATE_FILE",
        "SSL_CERT_FILE",
    ] {
        assert!(out.contains(phrase), "lacks {phrase:?}:\n{out}");
    }
    // The text shown to the operator, for the test log (`--nocapture`).
    println!("{out}");
    for crash in ["panic", "plugin exited"] {
        assert!(!out.contains(crash), "shows {crash:?}:\n{out}");
    }
    // One attempt per vendor: with retries (max_retries = 4) there would be up to ten.
    let failures = settled_handshake_failures(&h).await;
    assert_eq!(
        failures, 2,
        "failed handshakes: a certificate error must not be retried"
    );
    assert!(h.sandbox.requests().is_empty(), "nothing reached the API");
}

#[tokio::test]
async fn trusted_through_ca_certificate_pem_applies_plans_empty_and_destroys() {
    let h = tls_harness().await;
    write_ca(&h);
    let provider =
        h.provider_block_with("  ca_certificate_pem = file(\"${path.module}/sandbox-ca.pem\")");
    h.raw_config(&format!("{provider}{READS}{}", objects(&h)));
    h.apply().await;
    let state = h.state().await;
    for address in [
        "connectwise_security_role.umbrella",
        "connectwise_api_key.umbrella",
        "connectwise_umbrella_psa_credentials.this",
    ] {
        assert!(state.contains_key(address), "{address} not in state");
    }
    let creds = h
        .resource("connectwise_umbrella_psa_credentials.this")
        .await;
    assert_eq!(creds["connection_status"], "ok", "{creds}");
    h.expect_empty_plan().await;
    h.destroy().await;
    assert_eq!(h.sandbox.tls_handshake_failures(), 0);
}

#[tokio::test]
async fn trusted_through_the_ca_file_variable() {
    let mut h = tls_harness().await;
    let ca = write_ca(&h);
    h.env.push((
        "CONNECTWISE_CA_CERTIFICATE_FILE".into(),
        ca.display().to_string(),
    ));
    h.raw_config(&format!("{}{READS}{}", h.provider_block(), objects(&h)));
    h.apply().await;
    h.expect_empty_plan().await;
    h.destroy().await;
}

#[tokio::test]
async fn the_system_store_honours_ssl_cert_file_and_ssl_cert_dir() {
    for variable in ["SSL_CERT_FILE", "SSL_CERT_DIR"] {
        let mut h = tls_harness().await;
        let ca = write_ca(&h);
        let dir = h.path().join("certs");
        std::fs::create_dir(&dir).expect("certificate directory");
        std::fs::copy(&ca, dir.join("sandbox-ca.pem")).expect("copy the CA");
        let value = if variable == "SSL_CERT_FILE" { ca } else { dir };
        h.env.push((variable.into(), value.display().to_string()));
        h.raw_config(&format!("{}{READS}", h.provider_block()));
        let run = h.terraform(&["plan", "-no-color"]).await;
        assert!(run.ok, "plan with {variable} failed:\n{}", run.text());
    }
}

#[tokio::test]
async fn an_unreadable_ca_file_is_a_plan_error_naming_the_variable() {
    let mut h = tls_harness().await;
    let missing = h.path().join("no-such-ca.pem");
    h.env.push((
        "CONNECTWISE_CA_CERTIFICATE_FILE".into(),
        missing.display().to_string(),
    ));
    h.raw_config(&format!("{}{READS}", h.provider_block()));
    let out = flat(&h.plan_fails().await);
    for phrase in [
        "Cannot read the CA certificate file",
        "CONNECTWISE_CA_CERTIFICATE_FILE",
        "no-such-ca.pem",
        "ca_certificate_pem",
    ] {
        assert!(out.contains(phrase), "lacks {phrase:?}:\n{out}");
    }
    assert!(h.sandbox.requests().is_empty());
}

/// The clear-text rule holds for values from the environment too (the block's own are checked
/// at validate, see the bad-input table): a remote `http://` site or Umbrella base URL fails the
/// plan, naming the argument and its variable, before any credential is sent anywhere.
#[tokio::test]
async fn remote_plain_http_from_the_environment_is_refused_at_plan() {
    let cases = [
        (
            "  site        = ",
            "CONNECTWISE_SITE",
            "http://api-na.myconnectwise.net",
            "Invalid site",
        ),
        (
            "    base_url   = ",
            "UMBRELLA_BASE_URL",
            "http://api.umbrella.com",
            "Invalid umbrella.base_url",
        ),
    ];
    for (line, variable, value, summary) in cases {
        let mut h = Harness::new().await;
        let url = h.sandbox.url();
        let provider = h
            .provider_block()
            .replace(&format!("{line}\"{url}\"\n"), "");
        h.env.push((variable.into(), value.into()));
        h.raw_config(&format!("{provider}{READS}"));
        let out = flat(&h.plan_fails().await);
        for phrase in [summary, variable, "clear text", "https://"] {
            assert!(out.contains(phrase), "{variable}: lacks {phrase:?}:\n{out}");
        }
    }
}
