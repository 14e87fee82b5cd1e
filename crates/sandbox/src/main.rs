//! `connectwise-sandbox`: runs the ConnectWise Manage (and Umbrella) emulator until Ctrl-C or
//! SIGTERM, and prints the credentials and what to paste to point Terraform at it
//! ([`connectwise_sandbox::banner`]).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser, error::ErrorKind};
use connectwise_sandbox::msp_customers::MAX_CUSTOMERS;
use connectwise_sandbox::umbrella::UmbrellaLimits;
use connectwise_sandbox::{Extension, FaultConfig, Sandbox, SandboxConfig, StateFileError};

/// A stateful emulator of the ConnectWise Manage and Cisco Umbrella REST APIs on loopback, for
/// trying and testing the Terraform provider without a real server.
#[derive(Parser)]
#[command(name = "connectwise-sandbox", version, after_help = FAULTS_HELP)]
struct Cli {
    /// Address to bind; port 0 picks a free port (the banner prints the URL)
    #[arg(
        long,
        value_name = "ADDR",
        env = "CW_SANDBOX_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    listen: SocketAddr,
    /// How many tenants (companies with their Umbrella consoles), from 1 to 100
    #[arg(long, value_name = "N", env = "CW_SANDBOX_TENANTS", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=100))]
    tenants: u16,
    /// Managed customers of every Umbrella console, from 0 to 10000 (realistic, distinct names);
    /// each tenant's ConnectWise companies are named after them: most the same, a few spelled
    /// differently ("Acme Dental, LLC") or missing, as a real MSP's data looks
    #[arg(long, value_name = "N", env = "CW_SANDBOX_CUSTOMERS", default_value_t = 3,
          value_parser = clap::value_parser!(u16).range(0..=MAX_CUSTOMERS as i64))]
    customers: u16,
    /// Umbrella's per-key rate limits: off, documented (API calls 5/s, 14/min, 350/30 min;
    /// tokens 20/min; 429 without Retry-After), or a time scale N: the documented limits with
    /// time running N times faster (60: a minute lasts a second)
    #[arg(
        long,
        value_name = "off|documented|N",
        env = "CW_SANDBOX_UMBRELLA_LIMITS",
        default_value = "off"
    )]
    umbrella_limits: UmbrellaLimits,
    /// Keep the objects clients create in FILE across restarts (default: in memory only)
    ///
    /// FILE is JSON ("format": 1): read on start if it exists (an unreadable file stops the
    /// start), written atomically on start, shortly after each change, and on Ctrl-C/SIGTERM; it
    /// holds every tenant's roles, settings, allow-lists, members, API keys (hashed) and the
    /// Umbrella consoles' PSA credentials (in clear) and mappings.
    #[arg(long, value_name = "FILE", env = "CW_SANDBOX_STATE")]
    state: Option<PathBuf>,
    /// Answer 429 after N requests per minute per company
    #[arg(long, value_name = "N", env = "CW_SANDBOX_RATE_LIMIT")]
    rate_limit: Option<u32>,
    /// Delay every response by N ms
    #[arg(
        long,
        value_name = "N",
        env = "CW_SANDBOX_LATENCY_MS",
        default_value_t = 0
    )]
    latency_ms: u64,
    /// Do not require the clientId header
    #[arg(long)]
    no_client_id: bool,
    /// Allow a non-loopback listen address (the sandbox's credentials are fixed and public)
    #[arg(long)]
    allow_remote: bool,
    /// Play a server without calls outside the published API: all, role-settings (PATCH → 405),
    /// customize-items, api-keys, umbrella-psa, umbrella-mappings (→ 404) or
    /// umbrella-bulk-mappings (bulk PUT → 405, bulk remove → 404); repeatable
    #[arg(long, value_name = "AREA", value_parser = extensions)]
    without_extensions: Vec<Vec<Extension>>,
    /// Refuse (403) ConnectWise calls the caller's security role does not allow (System >
    /// Security Roles, System > Member Maintenance), as a real server does
    #[arg(long)]
    enforce_role_permissions: bool,
    /// Serve HTTPS with a CA made at start, as a server behind a company CA would; clients must
    /// trust its certificate (written to --tls-ca-out; the banner says how)
    #[arg(long)]
    tls: bool,
    /// Where --tls writes its CA certificate (PEM) [default: a file in the temp directory]
    #[arg(long, value_name = "FILE", requires = "tls")]
    tls_ca_out: Option<PathBuf>,
    /// Start with an Umbrella PSA integration set up by hand in every tenant, as a person does it
    /// in the consoles (role, permissions plus one ticked by mistake, API member, key, PSA
    /// credentials, two mappings), to try adopting it with `generate-imports`; the banner lists
    /// it. Not added to a state that --state reads from its file
    #[arg(long)]
    hand_made: bool,
    #[command(flatten)]
    faults: FaultArgs,
}

fn extensions(value: &str) -> Result<Vec<Extension>, String> {
    Extension::parse_list(value)
}

const FAULTS_HELP: &str =
    "Fault flags take fractions from 0 to 1 per request and are off by default.";

/// Fault injection, off by default.
#[derive(clap::Args)]
#[command(next_help_heading = "Fault injection")]
struct FaultArgs {
    /// Answer F of requests 500/502/503/504 (ConnectWise error body) without acting
    #[arg(long = "fault-5xx", value_name = "F", value_parser = fraction, default_value_t = 0.0)]
    fault_5xx: f64,
    /// Answer F of requests 429 (ConnectWise: Retry-After; Umbrella: no header)
    #[arg(long = "fault-429", value_name = "F", value_parser = fraction, default_value_t = 0.0)]
    fault_429: f64,
    /// Retry-After seconds of injected ConnectWise 429s
    #[arg(long, value_name = "S", default_value_t = 1)]
    retry_after: u64,
    /// Close the connection mid-response for F of requests (after acting)
    #[arg(long, value_name = "F", value_parser = fraction, default_value_t = 0.0)]
    drop: f64,
    /// Perform F of POSTs but answer 5xx or drop the connection
    #[arg(long, value_name = "F", value_parser = fraction, default_value_t = 0.0)]
    lost_post: f64,
    /// Delay the Umbrella token endpoint by N ms
    #[arg(long, value_name = "N", default_value_t = 0)]
    slow_token_ms: u64,
    /// Delay every request by N ms before handling it
    #[arg(long, value_name = "N", default_value_t = 0)]
    fault_latency_ms: u64,
    /// Seed of the fault generator
    #[arg(long, value_name = "N", default_value_t = 1)]
    fault_seed: u64,
    /// Inject faults only into paths containing TEXT
    #[arg(long, value_name = "TEXT")]
    fault_path: Option<String>,
}

fn fraction(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(f) if (0.0..=1.0).contains(&f) => Ok(f),
        _ => Err("expected a fraction from 0 to 1".into()),
    }
}

impl FaultArgs {
    fn config(self) -> FaultConfig {
        FaultConfig {
            seed: self.fault_seed,
            server_error: self.fault_5xx,
            rate_limit: self.fault_429,
            retry_after_secs: self.retry_after,
            latency: Duration::from_millis(self.fault_latency_ms),
            drop: self.drop,
            lost_post: self.lost_post,
            slow_token: Duration::from_millis(self.slow_token_ms),
            path_contains: self.fault_path,
            ..FaultConfig::default()
        }
    }
}

/// The configuration the arguments ask for; a combination clap cannot check exits 2 as a
/// usage error does.
fn sandbox_config(cli: Cli) -> (SandboxConfig, SocketAddr) {
    if !cli.listen.ip().is_loopback() && !cli.allow_remote {
        Cli::command()
            .error(
                ErrorKind::ArgumentConflict,
                format!(
                    "refusing to listen on {} (not loopback): the sandbox has fixed, public credentials; pass --allow-remote to do it anyway",
                    cli.listen
                ),
            )
            .exit();
    }
    if cli.faults.fault_5xx + cli.faults.fault_429 > 1.0 {
        Cli::command()
            .error(
                ErrorKind::ArgumentConflict,
                "--fault-5xx and --fault-429 together must not exceed 1",
            )
            .exit();
    }
    let faults = cli.faults.config();
    if let Err(e) = faults.validate() {
        Cli::command()
            .error(ErrorKind::ValueValidation, format!("fault flags: {e}"))
            .exit();
    }
    let config = SandboxConfig {
        require_client_id: !cli.no_client_id,
        rate_limit_per_minute: cli.rate_limit,
        latency: Duration::from_millis(cli.latency_ms),
        faults,
        state_file: cli.state,
        extensions_off: cli.without_extensions.into_iter().flatten().collect(),
        enforce_role_permissions: cli.enforce_role_permissions,
        tls: cli.tls,
        customers_per_console: usize::from(cli.customers),
        umbrella_limits: cli.umbrella_limits,
        hand_made: cli.hand_made,
        ..SandboxConfig::with_tenants(usize::from(cli.tenants))
    };
    (config, cli.listen)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let ca_out = cli.tls_ca_out.clone();
    let (config, listen) = sandbox_config(cli);
    let sandbox = match Sandbox::start_on(config, listen).await {
        Ok(s) => s,
        Err(e) if is_state_file_error(&e) => {
            eprintln!("connectwise-sandbox: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("connectwise-sandbox: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let text = connectwise_sandbox::banner::banner(&sandbox, &provider_dir());
    // A closed stdout (e.g. piped into `head`) must not stop the sandbox.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes());
    if let Some(pem) = sandbox.ca_pem() {
        match write_ca(pem, ca_out, sandbox.addr().port()) {
            Ok(note) => {
                let _ = std::io::Write::write_all(&mut std::io::stdout(), note.as_bytes());
            }
            Err(e) => {
                eprintln!("connectwise-sandbox: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
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

/// Where cargo put the provider: beside this binary (both are built into one target directory).
fn provider_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Writes the `--tls` CA to `out` (default: the temp directory) and says how to trust it.
fn write_ca(pem: &str, out: Option<PathBuf>, port: u16) -> Result<String, String> {
    let path = out
        .unwrap_or_else(|| std::env::temp_dir().join(format!("connectwise-sandbox-ca-{port}.pem")));
    std::fs::write(&path, pem)
        .map_err(|e| format!("cannot write the CA certificate to {}: {e}", path.display()))?;
    let path = path.display();
    Ok(format!(
        "TLS: the sandbox serves HTTPS with its own CA, whose certificate is in {path}\n\
         Trust it before running Terraform, with either:\n\
         \x20 export CONNECTWISE_CA_CERTIFICATE_FILE={path}\n\
         \x20 ca_certificate_pem = file(\"{path}\")   # in the provider block\n"
    ))
}

fn is_state_file_error(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<StateFileError>())
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        // clap checks names, defaults and parsers here rather than on a user's first run.
        super::Cli::command().debug_assert();
    }
}
