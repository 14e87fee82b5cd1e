//! `connectwise-sandbox`: runs the ConnectWise Manage (and Umbrella) emulator until Ctrl-C or
//! SIGTERM, and prints the credentials and the provider block to point Terraform at it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use connectwise_sandbox::{FaultConfig, Sandbox, SandboxConfig, StateFileError, TenantConfig};

const USAGE: &str = "usage: connectwise-sandbox [--listen 127.0.0.1:PORT] [--tenants N] [--state FILE] [--rate-limit N] [--latency-ms N] [--no-client-id] [--allow-remote] [fault flags]

  --listen ADDR     address to bind (default 127.0.0.1:8080; env CW_SANDBOX_LISTEN)
  --tenants N       how many tenants (companies with their Umbrella consoles); default 1 (env CW_SANDBOX_TENANTS)
  --state FILE      keep the objects clients create in FILE (JSON, \"format\": 1) across restarts:
                    read on start if it exists (an unreadable file stops the start), written
                    atomically on start, shortly after each change, and on Ctrl-C/SIGTERM; it
                    holds every tenant's roles, settings, allow-lists, members, API keys (hashed)
                    and the Umbrella consoles' PSA credentials (in clear) and mappings; without
                    it all data is in memory (env CW_SANDBOX_STATE)
  --rate-limit N    answer 429 after N requests per minute per company (env CW_SANDBOX_RATE_LIMIT)
  --latency-ms N    delay every response by N ms (env CW_SANDBOX_LATENCY_MS)
  --no-client-id    do not require the clientId header
  --allow-remote    allow a non-loopback listen address

Fault injection (fractions from 0 to 1 per request; off by default):
  --fault-5xx F         answer F of requests 500/502/503/504 (ConnectWise error body) without acting
  --fault-429 F         answer F of requests 429 (ConnectWise: Retry-After; Umbrella: no header)
  --retry-after S       Retry-After seconds of injected ConnectWise 429s (default 1)
  --drop F              close the connection mid-response for F of requests (after acting)
  --lost-post F         perform F of POSTs but answer 5xx or drop the connection
  --slow-token-ms N     delay the Umbrella token endpoint by N ms
  --fault-latency-ms N  delay every request by N ms before handling it
  --fault-seed N        seed of the fault generator (default 1)
  --fault-path TEXT     inject faults only into paths containing TEXT";

struct Args {
    listen: SocketAddr,
    rate_limit: Option<u32>,
    tenants: usize,
    latency_ms: u64,
    require_client_id: bool,
    allow_remote: bool,
    faults: FaultConfig,
    state: Option<PathBuf>,
}

fn fraction(flag: &str, value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err(format!("{flag} {value}: expected a fraction from 0 to 1")),
    }
}

fn number(flag: &str, value: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .map_err(|e| format!("{flag} {value}: {e}"))
}

fn tenant_count(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if (1..=100).contains(&n) => Ok(n),
        _ => Err(format!(
            "--tenants {value}: expected a number from 1 to 100"
        )),
    }
}

fn parse_args() -> Result<Args, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut listen = env("CW_SANDBOX_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into());
    let mut rate_limit = env("CW_SANDBOX_RATE_LIMIT");
    let mut latency = env("CW_SANDBOX_LATENCY_MS");
    let mut tenants = env("CW_SANDBOX_TENANTS");
    let mut state = env("CW_SANDBOX_STATE").map(PathBuf::from);
    let mut require_client_id = true;
    let mut allow_remote = false;
    let mut faults = FaultConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--listen" => listen = value("--listen")?,
            "--rate-limit" => rate_limit = Some(value("--rate-limit")?),
            "--tenants" => tenants = Some(value("--tenants")?),
            "--state" => state = Some(PathBuf::from(value("--state")?)),
            "--latency-ms" => latency = Some(value("--latency-ms")?),
            "--no-client-id" => require_client_id = false,
            "--allow-remote" => allow_remote = true,
            "--fault-5xx" => faults.server_error = fraction(&flag, &value(&flag)?)?,
            "--fault-429" => faults.rate_limit = fraction(&flag, &value(&flag)?)?,
            "--retry-after" => faults.retry_after_secs = number(&flag, &value(&flag)?)?,
            "--drop" => faults.drop = fraction(&flag, &value(&flag)?)?,
            "--lost-post" => faults.lost_post = fraction(&flag, &value(&flag)?)?,
            "--slow-token-ms" => {
                faults.slow_token = Duration::from_millis(number(&flag, &value(&flag)?)?)
            }
            "--fault-latency-ms" => {
                faults.latency = Duration::from_millis(number(&flag, &value(&flag)?)?)
            }
            "--fault-seed" => faults.seed = number(&flag, &value(&flag)?)?,
            "--fault-path" => faults.path_contains = Some(value(&flag)?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(Args {
        listen: listen
            .parse()
            .map_err(|e| format!("--listen {listen}: {e}"))?,
        rate_limit: rate_limit
            .map(|r| {
                r.parse::<u32>()
                    .map_err(|e| format!("--rate-limit {r}: {e}"))
            })
            .transpose()?,
        latency_ms: latency
            .map(|l| number("--latency-ms", &l))
            .transpose()?
            .unwrap_or(0),
        tenants: tenants.map_or(Ok(1), |t| tenant_count(&t))?,
        require_client_id,
        allow_remote,
        faults: {
            faults.validate()?;
            faults
        },
        state,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("connectwise-sandbox: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !args.listen.ip().is_loopback() && !args.allow_remote {
        eprintln!(
            "connectwise-sandbox: refusing to listen on {} (not loopback): the sandbox has fixed, public credentials; pass --allow-remote to do it anyway",
            args.listen
        );
        return ExitCode::from(2);
    }
    let config = SandboxConfig {
        require_client_id: args.require_client_id,
        rate_limit_per_minute: args.rate_limit,
        latency: Duration::from_millis(args.latency_ms),
        faults: args.faults,
        state_file: args.state,
        ..SandboxConfig::with_tenants(args.tenants)
    };
    let sandbox = match Sandbox::start_on(config, args.listen).await {
        Ok(s) => s,
        Err(e) if is_state_file_error(&e) => {
            eprintln!("connectwise-sandbox: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("connectwise-sandbox: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    print_banner(&sandbox);
    wait_for_stop().await;
    eprintln!("stopping");
    match sandbox.stop().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("connectwise-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

fn is_state_file_error(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<StateFileError>())
}

fn print_banner(sandbox: &Sandbox) {
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

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
