//! The Terraform provider binary. Terraform starts it as a plugin (no arguments, its magic
//! cookie in the environment); run by hand it offers `generate-imports` (see
//! `connectwise_provider::importer`), `--help` and `--version`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

mod check;

use clap::{Args, Parser, Subcommand};
use connectwise_provider::importer;
use connectwise_provider::provider::{ConnectWiseProvider, Handle};
use tfplugin::serve::ServeError;
use tfplugin::{Diagnostics, Value};

const BIN: &str = "terraform-provider-connectwise";

/// Terraform provider for the Cisco Umbrella <-> ConnectWise Manage PSA integration.
///
/// Terraform starts this binary as a plugin (see the README); run by hand it offers the
/// commands below.
#[derive(Parser)]
#[command(
    name = BIN,
    // The plugin protocol matters when matching the binary with a Terraform version.
    version = concat!(env!("CARGO_PKG_VERSION"), " (Terraform plugin protocol 6.9)"),
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Write `import {}` blocks for an Umbrella PSA integration that was set up by hand
    ///
    /// Finds an Umbrella PSA integration that was set up by hand and writes `import {}` blocks for
    /// it: the role(s), their granted permissions, the API members holding the role and their API
    /// keys, and with --umbrella the Umbrella console's PSA credentials and company mappings.
    ///
    /// Credentials come from the provider's environment variables (CONNECTWISE_SITE,
    /// CONNECTWISE_COMPANY_ID, CONNECTWISE_PUBLIC_KEY, CONNECTWISE_PRIVATE_KEY,
    /// CONNECTWISE_CLIENT_ID, UMBRELLA_API_KEY, UMBRELLA_API_SECRET, UMBRELLA_BASE_URL).
    ///
    /// Then run: terraform plan -generate-config-out=generated.tf
    GenerateImports(GenerateImports),
    /// Probe the configured ConnectWise site and Umbrella console without changing anything
    ///
    /// Sends only GETs (and one empty JSON-Patch, which changes nothing) and prints one table:
    /// authentication and clientId, codebase and API version, each call the provider uses
    /// (supported / 404 / 405 / forbidden by the member's role), the rate-limit headers seen, and
    /// for each Terraform object whether it will work or which manual step replaces it.
    /// Same environment variables as generate-imports. Exit code 0 when everything the provider
    /// needs is there, 1 when something is missing or refused, 2 when the configuration is unusable.
    Check(CheckArgs),
}

/// The `check` options.
#[derive(Args)]
struct CheckArgs {
    /// Print JSON (a stable shape, "format": 1) instead of the table
    #[arg(long)]
    json: bool,
}

/// The `generate-imports` options (its help text is on [`Command::GenerateImports`]).
#[derive(Args)]
struct GenerateImports {
    /// A security role to import, by name; repeat for several [default: Umbrella]
    #[arg(long = "role", value_name = "NAME")]
    roles: Vec<String>,
    /// Also import the Umbrella console's PSA credentials and company mappings
    #[arg(long)]
    umbrella: bool,
    /// Write the blocks to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    // Terraform runs the plugin with no arguments, so this parse never gets in its way.
    let cli = Cli::parse();
    match cli.command {
        Some(Command::GenerateImports(args)) => generate_imports(args).await,
        Some(Command::Check(args)) => check::run(args.json).await,
        None => serve().await,
    }
}

async fn serve() -> ExitCode {
    // The provider's own crates log at the level TF_LOG asks for (the REST clients included).
    tfplugin::log::init(
        "provider.terraform-provider-connectwise",
        &["connectwise_provider", "terraform_provider", "api_client"],
    );
    match tfplugin::serve(Arc::new(ConnectWiseProvider::new())).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e @ ServeError::NotLaunchedByTerraform) => {
            eprintln!("{e}\nRun `{BIN} --help` for what it does when run by hand.");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn generate_imports(args: GenerateImports) -> ExitCode {
    let mut what = importer::Discovery {
        roles: args.roles,
        umbrella: args.umbrella,
    };
    if what.roles.is_empty() {
        what.roles.push("Umbrella".into());
    }
    // The same settings and environment fallbacks as the provider block.
    let handle = Handle::default();
    let mut diags = Diagnostics::new();
    handle.configure(&Value::object(), &mut diags);
    let cw = handle.connectwise(&mut diags);
    let umbrella = if what.umbrella {
        handle.umbrella(&mut diags)
    } else {
        None
    };
    let Some(cw) = cw.filter(|_| !diags.has_errors()) else {
        for d in diags.iter() {
            eprintln!("error: {}: {}", d.summary, d.detail);
        }
        return ExitCode::FAILURE;
    };
    let blocks = match importer::discover(&cw, umbrella.as_ref(), &what).await {
        Ok(blocks) => blocks,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let text = importer::render(&blocks);
    match args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!("wrote {} import blocks to {}", blocks.len(), path.display());
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}
