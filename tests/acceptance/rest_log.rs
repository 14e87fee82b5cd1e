//! Every REST call in `TF_LOG`: real Terraform at `TF_LOG=debug` applies and destroys an
//! integration that touches both vendors (a role, an API member and a key minted for Umbrella's
//! PSA credentials). Terraform's log must hold one "REST call" line per HTTP attempt of each
//! vendor with the method, the path, the status, the attempt and the duration (and ConnectWise's
//! request id), and no secret: no private key, no Umbrella secret, no bearer token, no Basic
//! credentials, no clientId.

use base64::Engine as _;

use crate::harness::{CLIENT_ID, Harness};

fn config(h: &Harness) -> String {
    format!(
        r#"
resource "connectwise_security_role" "umbrella" {{
  name = "Umbrella"
}}

resource "connectwise_api_member" "umbrella" {{
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA"
  security_role_id = connectwise_security_role.umbrella.id
}}

resource "connectwise_umbrella_psa_credentials" "this" {{
  site       = "{site}"
  company_id = "{company}"

  mint_key {{
    member_id = connectwise_api_member.umbrella.id
  }}
}}
"#,
        site = h.sandbox.url(),
        company = h.sandbox.config().tenants[0].company_id,
    )
}

/// The provider's per-call lines of Terraform's log.
fn rest_calls(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.contains("REST call")).collect()
}

/// The value of `name=` in a log line (Terraform writes provider fields as `name=value`).
fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = line.find(&format!(" {name}="))? + name.len() + 2;
    line[start..].split_whitespace().next()
}

/// Whether `line` is a call of `vendor` with a method, a path without a query, a status, an
/// attempt number and a duration.
fn is_complete_call(line: &str, vendor: &str) -> bool {
    field(line, "vendor") == Some(vendor)
        && field(line, "method")
            .is_some_and(|m| ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&m))
        && field(line, "path").is_some_and(|p| p.starts_with('/') && !p.contains('?'))
        && field(line, "status").is_some_and(|s| s.parse::<u16>().is_ok())
        && field(line, "attempt").is_some_and(|a| a.parse::<u32>().is_ok_and(|a| a >= 1))
        && field(line, "duration_ms").is_some_and(|d| d.parse::<u64>().is_ok())
}

/// `umb-` followed by 32 hex digits: a bearer token as the sandbox's Umbrella issues them.
fn holds_bearer_token(log: &str) -> bool {
    log.match_indices("umb-").any(|(at, _)| {
        let rest = &log[at + 4..];
        rest.len() >= 32 && rest[..32].chars().all(|c| c.is_ascii_hexdigit())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rest_call_of_both_vendors_is_in_tf_log_without_secrets() {
    let mut h = Harness::new().await;
    let log_path = h.path().join("debug.log");
    h.env.push(("TF_LOG".into(), "debug".into()));
    h.env
        .push(("TF_LOG_PATH".into(), log_path.display().to_string()));
    h.config(&config(&h));
    h.apply().await;
    let minted = h
        .sandbox
        .umbrella()
        .with_console(&h.sandbox.config().tenants[0].umbrella_api_key, |c| {
            c.psa.clone()
        })
        .flatten()
        .map(|p| p.private_key)
        .expect("Umbrella holds the minted key");
    h.destroy().await;
    let log = std::fs::read_to_string(&log_path).expect("Terraform wrote its log");

    let calls = rest_calls(&log);
    let connectwise: Vec<&str> = calls
        .iter()
        .copied()
        .filter(|l| is_complete_call(l, "ConnectWise"))
        .collect();
    let umbrella: Vec<&str> = calls
        .iter()
        .copied()
        .filter(|l| is_complete_call(l, "Umbrella"))
        .collect();
    let sample = calls.iter().take(5).copied().collect::<Vec<_>>().join("\n");
    assert_eq!(
        calls.len(),
        connectwise.len() + umbrella.len(),
        "every REST call line is complete:\n{sample}"
    );
    // Both vendors, creates and deletes, each with the server's status.
    let has = |lines: &[&str], method: &str, path_end: &str, status: &str| {
        lines.iter().any(|l| {
            field(l, "method") == Some(method)
                && field(l, "path").is_some_and(|p| p.ends_with(path_end))
                && field(l, "status") == Some(status)
        })
    };
    assert!(
        has(&connectwise, "POST", "/system/securityroles", "201"),
        "{sample}"
    );
    assert!(
        has(&connectwise, "POST", "/system/apiMembers", "201"),
        "{sample}"
    );
    assert!(has(&connectwise, "DELETE", "", "204"), "{sample}");
    assert!(has(&umbrella, "POST", "/auth/v2/token", "200"), "{sample}");
    assert!(
        has(&umbrella, "PUT", "/admin/v2/config/psa", "200"),
        "{sample}"
    );
    assert!(
        has(&umbrella, "DELETE", "/admin/v2/config/psa", "204"),
        "{sample}"
    );
    // ConnectWise names each API request; the sandbox, like ConnectWise, sends x-cw-request-id.
    assert!(
        connectwise
            .iter()
            .filter(|l| field(l, "path").is_some_and(|p| p.contains("/apis/3.0/")))
            .all(|l| field(l, "request_id").is_some_and(|id| id.len() == 36)),
        "{sample}"
    );
    // The API calls of the apply and the destroy, not only the first: at least a dozen.
    assert!(
        connectwise.len() >= 12,
        "{} ConnectWise calls",
        connectwise.len()
    );

    let t = &h.sandbox.config().tenants[0];
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}+{}:", t.company_id, t.public_key));
    let secrets = [
        ("the ConnectWise private key", t.private_key.as_str()),
        ("the Umbrella API secret", t.umbrella_api_secret.as_str()),
        ("the minted API key's private key", minted.as_str()),
        ("Basic credentials", &basic[..basic.len() - 4]),
        ("an Authorization header", "Basic "),
        ("an Authorization header", "Bearer "),
        ("the clientId", CLIENT_ID),
    ];
    for (what, secret) in secrets {
        assert!(!log.contains(secret), "{what} is in Terraform's debug log");
    }
    assert!(
        !holds_bearer_token(&log),
        "a bearer token is in Terraform's debug log"
    );
}
