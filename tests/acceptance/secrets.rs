//! Secret scan: every secret-bearing path of the provider is exercised with `TF_LOG=trace`, then
//! Terraform's trace log, its stdout/stderr and the sandbox's own tracing output are searched for
//! every secret: the configured ConnectWise private keys and Umbrella API secrets, the private
//! keys the sandbox generated (API keys, the minted key, member tokens), in plain text, inside
//! base64 (Basic authorization headers) and, for the generated ones whose plain text the sandbox
//! never keeps, by hashing every word of the logs the way the sandbox hashes keys. Also: wrong
//! credentials give diagnostics that do not contain them.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use connectwise_sandbox::{SandboxConfig, TenantConfig};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::harness::{CLIENT_ID, Harness, Run, SOURCE};

/// Terraform's output with its line wrapping undone.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Collects every tracing event and span field of this thread (the sandbox runs on it).
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, "{}={value:?} ", field.name());
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut line = String::new();
        event.record(&mut Fields(&mut line));
        let mut out = self.0.lock().unwrap();
        out.push_str(&line);
        out.push('\n');
    }

    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _id: &tracing::span::Id,
        _ctx: Context<'_, S>,
    ) {
        let mut line = String::new();
        attrs.record(&mut Fields(&mut line));
        let mut out = self.0.lock().unwrap();
        out.push_str(&line);
        out.push('\n');
    }
}

impl Capture {
    fn text(&self) -> String {
        self.0.lock().unwrap().clone()
    }
}

/// Three tenants whose keys and secrets are unlike anything else in the logs.
fn sandbox_config() -> SandboxConfig {
    let mut config = SandboxConfig::with_tenants(3);
    for (i, t) in config.tenants.iter_mut().enumerate() {
        *t = TenantConfig {
            private_key: format!("CwPrivKey{i}Q7zLm3Vx9Tr2Kp8"),
            umbrella_api_secret: format!("UmbSecret{i}W4nB6cY1hJ5sD0f"),
            ..t.clone()
        };
    }
    config
}

/// Words of `text` that may be key material (alphanumeric runs of 8+ characters).
fn words(text: &str) -> BTreeSet<&str> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 8)
        .collect()
}

/// `text` plus the decoding of every base64 run in it (Basic credentials, JSON in base64 ...).
fn with_base64_decoded(text: &str) -> String {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let mut out = text.to_string();
    let runs = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || "+/=-_".contains(c)))
        .filter(|w| w.len() >= 12);
    for run in runs {
        // `key=<base64>`: also the pieces between `=` signs.
        let pieces = std::iter::once(run).chain(run.split('=').filter(|p| p.len() >= 12));
        for piece in pieces {
            let piece = piece.trim_end_matches('=');
            for engine in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
                if let Ok(bytes) = engine.decode(piece) {
                    out.push('\n');
                    out.push_str(&String::from_utf8_lossy(&bytes));
                    break;
                }
            }
        }
    }
    out
}

/// `Basic xxx` or `Bearer xxx` with a credential after it.
fn auth_header_values(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for scheme in ["Basic ", "Bearer ", "basic ", "bearer "] {
        for (at, _) in text.match_indices(scheme) {
            let rest = &text[at + scheme.len()..];
            let value: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "+/=-_.".contains(*c))
                .collect();
            if value.len() >= 8 {
                found.push(format!("{scheme}{value}"));
            }
        }
    }
    found
}

/// Secrets found in `text`: known plain values (also inside base64), and generated keys by hash.
fn leaks(h: &Harness, text: &str, secrets: &[(String, String)]) -> Vec<String> {
    let expanded = with_base64_decoded(text);
    let mut out: Vec<String> = secrets
        .iter()
        .filter(|(_, s)| expanded.contains(s.as_str()))
        .map(|(what, _)| what.clone())
        .collect();
    let candidates = words(&expanded);
    for tenant in &h.sandbox.config().tenants {
        let hits = h
            .sandbox
            .state()
            .with_tenant(&tenant.company_id, |store| {
                let mut hits = Vec::new();
                for w in &candidates {
                    let hash = store.hash_secret(w);
                    if store.api_keys.values().any(|k| k.private_key_hash == hash) {
                        hits.push(format!("{} API key private key", tenant.company_id));
                    }
                    if store.tokens.iter().any(|t| t.private_key_hash == hash) {
                        hits.push(format!("{} member token private key", tenant.company_id));
                    }
                }
                hits
            })
            .unwrap_or_default();
        out.extend(hits);
    }
    out.extend(
        auth_header_values(text)
            .into_iter()
            .map(|v| format!("an authorization header ({} chars)", v.len())),
    );
    out
}

/// Role and API member on tenant `index`.
fn role_and_member(index: usize) -> String {
    let p = if index == 0 {
        String::new()
    } else {
        format!("  provider = connectwise.t{index}\n")
    };
    format!(
        r#"
resource "connectwise_security_role" "r{index}" {{
{p}  name = "Secrets role {index}"
}}

resource "connectwise_api_member" "m{index}" {{
{p}  identifier       = "secrets{index}"
  name             = "Secrets member {index}"
  security_role_id = connectwise_security_role.r{index}.id
}}
"#
    )
}

/// Every secret-bearing path: provider keys and Umbrella secrets (three provider instances), an
/// API key's private key handed to Umbrella, a minted key, and (in `with_token`) a member token
/// that signs a provider instance in and whose private key goes to Umbrella write-only.
fn configuration(h: &Harness, with_token: bool) -> String {
    let url = h.sandbox.url();
    let mut text = format!(
        "terraform {{\n  required_providers {{\n    connectwise = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n"
    );
    for i in 0..3 {
        text.push_str(&h.tenant_provider(i, ""));
        text.push_str(&role_and_member(i));
    }
    text.push_str(&format!(
        r#"
resource "connectwise_api_key" "k0" {{
  member_id   = connectwise_api_member.m0.id
  description = "Secrets key"
}}

resource "connectwise_umbrella_psa_credentials" "c0" {{
  site        = "{url}"
  company_id  = "sandbox"
  public_key  = connectwise_api_key.k0.public_key
  private_key = connectwise_api_key.k0.private_key
}}

resource "connectwise_umbrella_psa_credentials" "c1" {{
  provider   = connectwise.t1
  site       = "{url}"
  company_id = "sandbox2"
  mint_key {{
    member_id = connectwise_api_member.m1.id
  }}
}}
"#
    ));
    if with_token {
        text.push_str(&format!(
            r#"
ephemeral "connectwise_member_token" "t2" {{
  provider          = connectwise.t2
  member_identifier = connectwise_api_member.m2.identifier
}}

provider "connectwise" {{
  alias       = "as_member"
  site        = "{url}"
  company_id  = "sandbox3"
  client_id   = "{CLIENT_ID}"
  public_key  = ephemeral.connectwise_member_token.t2.public_key
  private_key = ephemeral.connectwise_member_token.t2.private_key
}}

data "connectwise_member" "me" {{
  provider   = connectwise.as_member
  identifier = connectwise_api_member.m2.identifier
}}

resource "connectwise_umbrella_psa_credentials" "c2" {{
  provider               = connectwise.t2
  site                   = "{url}"
  company_id             = "sandbox3"
  public_key             = "token-public-key"
  private_key_wo         = ephemeral.connectwise_member_token.t2.private_key
  private_key_wo_version = 1
}}
"#
        ));
    }
    text
}

/// Stored PSA private key of console `index` (what Umbrella received).
fn stored_psa_key(h: &Harness, index: usize) -> Option<String> {
    let key = &h.sandbox.config().tenants[index].umbrella_api_key;
    h.sandbox
        .umbrella()
        .with_console(key, |c| c.psa.as_ref().map(|p| p.private_key.clone()))
        .flatten()
}

#[test]
fn no_secret_in_trace_logs_diagnostics_or_sandbox_logs() {
    // Installed process-wide (other tests running at the same time are captured too, which only
    // makes the scan stricter); a thread-local default would miss callsites whose interest
    // another test's thread cached first.
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _guard = match tracing::subscriber::set_global_default(subscriber) {
        Ok(()) => None,
        Err(_) => Some(tracing::subscriber::set_default(
            tracing_subscriber::registry().with(capture.clone()),
        )),
    };
    tracing::callsite::rebuild_interest_cache();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(scan(capture));
}

async fn scan(capture: Capture) {
    let mut h = Harness::with_sandbox(sandbox_config()).await;
    let log = h.path().join("trace.log");
    h.env = vec![
        ("TF_LOG".into(), "trace".into()),
        ("TF_LOG_PATH".into(), log.display().to_string()),
    ];
    let mut runs: Vec<Run> = Vec::new();

    // Plan: sensitive values are shown as such.
    h.raw_config(&configuration(&h, false));
    let plan = h.terraform(&["plan", "-no-color"]).await;
    assert!(plan.ok, "plan failed:\n{}", plan.text());
    let shown = flat(&plan.stdout);
    assert!(
        shown.contains("private_key = (sensitive value)"),
        "the plan hides private keys:\n{shown}"
    );
    runs.push(plan);

    // Apply everything but the token, then with the token (its member must exist when the
    // plan opens it).
    let apply = h.terraform(&["apply", "-auto-approve", "-no-color"]).await;
    assert!(apply.ok, "apply failed:\n{}", apply.text());
    runs.push(apply);
    h.raw_config(&configuration(&h, true));
    let apply = h.terraform(&["apply", "-auto-approve", "-no-color"]).await;
    assert!(apply.ok, "apply with the token failed:\n{}", apply.text());
    assert!(
        !flat(&apply.stdout).contains("private_key_wo = \""),
        "write-only value not shown:\n{}",
        apply.stdout
    );
    runs.push(apply);
    let plan = h.terraform(&["plan", "-no-color"]).await;
    assert!(plan.ok, "plan failed:\n{}", plan.text());
    runs.push(plan);

    // The secrets: configured ones, and the generated ones Terraform or Umbrella hold.
    let mut secrets: Vec<(String, String)> = Vec::new();
    for t in &h.sandbox.config().tenants {
        secrets.push((
            format!("{} ConnectWise private key", t.company_id),
            t.private_key.clone(),
        ));
        secrets.push((
            format!("{} Umbrella API secret", t.company_id),
            t.umbrella_api_secret.clone(),
        ));
    }
    let state = h.state().await;
    let api_key = state["connectwise_api_key.k0"]["private_key"]
        .as_str()
        .expect("the API key's private key is in state")
        .to_string();
    assert_eq!(stored_psa_key(&h, 0).as_deref(), Some(api_key.as_str()));
    secrets.push(("connectwise_api_key.k0.private_key".into(), api_key));
    let minted = stored_psa_key(&h, 1).expect("Umbrella holds the minted key");
    secrets.push(("minted private key".into(), minted));
    let token = stored_psa_key(&h, 2).expect("Umbrella holds the token's private key");
    secrets.push(("member token private key (write-only)".into(), token));
    let tokens = h.sandbox.state().tokens("sandbox3");
    assert!(tokens.len() >= 2, "tokens opened at plan and apply");

    // Terraform's state may hold connectwise_api_key.private_key (sensitive), nothing else.
    let raw_state = std::fs::read_to_string(h.path().join("terraform.tfstate")).expect("state");
    let in_state = leaks(&h, &raw_state, &secrets);
    assert!(
        in_state.iter().all(
            |l| l == "connectwise_api_key.k0.private_key" || l == "sandbox API key private key"
        ),
        "state holds only the API key's private key: {in_state:?}"
    );

    // Nothing in the trace log, the outputs or the sandbox's logs.
    let trace = std::fs::read_to_string(&log).expect("trace log written");
    assert!(
        trace.len() > 100_000,
        "a real trace log ({} bytes)",
        trace.len()
    );
    assert!(
        trace.contains("provider.terraform-provider-connectwise"),
        "the trace log holds the provider's lines"
    );
    let sandbox_log = capture.text();
    assert!(
        sandbox_log.contains("sandbox request"),
        "the sandbox's tracing output was captured: {} bytes: {}",
        sandbox_log.len(),
        &sandbox_log[..sandbox_log.len().min(500)]
    );
    let mut sources = vec![
        ("TF_LOG=trace log".to_string(), trace.clone()),
        ("sandbox tracing".to_string(), sandbox_log),
    ];
    for (i, r) in runs.iter().enumerate() {
        sources.push((format!("run {i} output"), r.text()));
    }
    let mut found = Vec::new();
    for (name, text) in &sources {
        for l in leaks(&h, text, &secrets) {
            found.push(format!("{l} in {name}"));
        }
    }
    assert!(found.is_empty(), "secrets leaked: {found:#?}");

    // The detector finds what it looks for.
    let (what, secret) = &secrets[secrets.len() - 1];
    let planted = format!("x {secret} y");
    assert!(leaks(&h, &planted, &secrets).contains(what));
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("sandbox+pub:{}", secrets[0].1));
    assert!(!leaks(&h, &format!("token={basic};"), &secrets).is_empty());
    let generated = words(&raw_state).into_iter().find(|w| {
        w.len() == 24
            && h.sandbox.state().with_tenant("sandbox", |s| {
                let hash = s.hash_secret(w);
                s.api_keys.values().any(|k| k.private_key_hash == hash)
            }) == Some(true)
    });
    assert!(
        generated.is_some(),
        "the hash detector recognises a generated key"
    );
    eprintln!(
        "secret scan: {} secrets, {} bytes of trace log, {} sources, 0 leaks",
        secrets.len(),
        trace.len(),
        sources.len()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_credentials_are_reported_without_the_secret() {
    let mut h = Harness::new().await;
    let log = h.path().join("trace.log");
    h.env = vec![
        ("TF_LOG".into(), "trace".into()),
        ("TF_LOG_PATH".into(), log.display().to_string()),
    ];
    let t = h.sandbox.config().tenants[0].clone();
    let wrong_cw = "WrongCwPrivateKey8c1d4e7f";
    let wrong_umbrella = "WrongUmbrellaSecret5b9a2f0e";
    let provider = |private: &str, secret: &str| {
        format!(
            r#"terraform {{
  required_providers {{
    connectwise = {{ source = "{SOURCE}" }}
  }}
}}
provider "connectwise" {{
  site        = "{url}"
  company_id  = "{company}"
  public_key  = "{public}"
  private_key = "{private}"
  client_id   = "{CLIENT_ID}"
  umbrella {{
    base_url   = "{url}"
    api_key    = "{ukey}"
    api_secret = "{secret}"
  }}
}}
"#,
            url = h.sandbox.url(),
            company = t.company_id,
            public = t.public_key,
            ukey = t.umbrella_api_key,
        )
    };
    let cases = [
        (
            provider(wrong_cw, &t.umbrella_api_secret),
            "data \"connectwise_security_role\" \"r\" {\n  name = \"Admin\"\n}\n",
            wrong_cw,
            &["rejected the credentials", "private_key"][..],
            "plan",
        ),
        (
            provider(&t.private_key, wrong_umbrella),
            "data \"connectwise_umbrella_customers\" \"all\" {}\n",
            wrong_umbrella,
            &["umbrella.api_secret"][..],
            "plan",
        ),
        (
            provider(&t.private_key, wrong_umbrella),
            "resource \"connectwise_umbrella_psa_credentials\" \"c\" {\n  site = \"x.example\"\n  company_id = \"sandbox\"\n  public_key = \"p\"\n  private_key = \"PsaPrivateKey0a9b8c7d\"\n}\n",
            wrong_umbrella,
            &["umbrella.api_secret"][..],
            "apply",
        ),
    ];
    for (provider, body, secret, phrases, command) in cases {
        h.raw_config(&format!("{provider}\n{body}"));
        let run = if command == "plan" {
            h.terraform(&["plan", "-no-color"]).await
        } else {
            h.terraform(&["apply", "-auto-approve", "-no-color"]).await
        };
        let text = run.text();
        assert!(!run.ok, "plan should fail:\n{text}");
        let out = flat(&text);
        for p in phrases {
            assert!(out.contains(p), "{p:?} in:\n{out}");
        }
        let trace = std::fs::read_to_string(&log).unwrap_or_default();
        for (name, scanned) in [("output", &text), ("trace log", &trace)] {
            let expanded = with_base64_decoded(scanned);
            for s in [
                secret,
                "PsaPrivateKey0a9b8c7d",
                t.private_key.as_str(),
                t.umbrella_api_secret.as_str(),
            ] {
                assert!(!expanded.contains(s), "a secret is in the {name}:\n{out}");
            }
            assert!(
                auth_header_values(scanned).is_empty(),
                "an authorization header is in the {name}"
            );
        }
    }
}
