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
    /// With --umbrella the integration is found from the Umbrella side: the PSA credentials name
    /// the public key in use, whose API key leads to the member and its role.
    ///
    /// With --module NAME the blocks import into the shipped module instead
    /// (module.NAME.connectwise_security_role.this, ...), and --root FILE writes the root
    /// configuration calling it with the discovered values, so that `terraform plan` shows only
    /// imports (and real drift).
    ///
    /// Credentials come from the provider's environment variables (CONNECTWISE_SITE,
    /// CONNECTWISE_COMPANY_ID, CONNECTWISE_PUBLIC_KEY, CONNECTWISE_PRIVATE_KEY,
    /// CONNECTWISE_CLIENT_ID, UMBRELLA_API_KEY, UMBRELLA_API_SECRET, UMBRELLA_BASE_URL).
    ///
    /// Then run: terraform plan -generate-config-out=generated.tf (root level), or terraform plan
    /// (--module with --root)
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
    /// A security role to import, by name; repeat for several (with --module: one) [default:
    /// Umbrella, or with --umbrella the role of the member whose key the PSA credentials use]
    #[arg(long = "role", value_name = "NAME")]
    roles: Vec<String>,
    /// Also import the Umbrella console's PSA credentials and company mappings, and find the
    /// integration from them: PSA credentials -> public key -> API key -> member -> role
    #[arg(long)]
    umbrella: bool,
    /// Write the blocks to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Import into the shipped module (examples/modules/umbrella-psa-integration) called NAME:
    /// addresses module.NAME.<type>.this, key_mode = "adopted" (the hand-made key stays)
    #[arg(long, value_name = "NAME")]
    module: Option<String>,
    /// With --module and --umbrella: also write a root configuration to FILE (terraform and
    /// provider blocks without secrets, the module call with the discovered values); FILE must
    /// not exist yet
    #[arg(long, value_name = "FILE", requires_all = ["module", "umbrella"])]
    root: Option<PathBuf>,
    /// The module call's source in the --root file
    #[arg(
        long,
        value_name = "SOURCE",
        default_value = "./modules/umbrella-psa-integration",
        requires = "module"
    )]
    module_source: String,
    /// Use the aliased provider configuration connectwise.ALIAS: at root level `provider =` in
    /// every import block; with --module the module call's `providers` and the --root provider
    /// block's alias (Terraform takes no `provider =` in imports of configured resources)
    #[arg(long, value_name = "ALIAS")]
    provider: Option<String>,
}

impl GenerateImports {
    /// Names that end up as HCL identifiers must be identifiers.
    fn check_names(&self) -> Result<(), String> {
        let names = [("--module", &self.module), ("--provider", &self.provider)];
        for (flag, name) in names {
            if let Some(name) = name.as_deref().filter(|n| !importer::hcl::is_identifier(n)) {
                return Err(format!(
                    "{flag} {name:?} is not a Terraform name: use letters, digits, `_` and `-`, starting with a letter or `_`"
                ));
            }
        }
        if self.module.is_some() && self.roles.len() > 1 {
            return Err("--module adopts one role: give --role once".into());
        }
        Ok(())
    }
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
    if let Err(e) = args.check_names() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    // The same settings and environment fallbacks as the provider block.
    let handle = Handle::default();
    let mut diags = Diagnostics::new();
    handle.configure(&Value::object(), &mut diags);
    let cw = handle.connectwise(&mut diags);
    let umbrella = if args.umbrella {
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
    let written = match &args.module {
        Some(name) => module_files(&args, name, &cw, umbrella.as_ref()).await,
        None => root_level_blocks(&args, &cw, umbrella.as_ref()).await,
    };
    let (text, count) = match written {
        Ok(written) => written,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            eprintln!("wrote {count} import blocks to {}", path.display());
        }
        None => print!("{text}"),
    }
    ExitCode::SUCCESS
}

/// Today's root-level blocks: the import file's text and its number of blocks.
async fn root_level_blocks(
    args: &GenerateImports,
    cw: &api_client::ConnectWise,
    umbrella: Option<&api_client::umbrella::Umbrella>,
) -> Result<(String, usize), String> {
    let mut what = importer::Discovery {
        roles: args.roles.clone(),
        umbrella: args.umbrella,
    };
    if what.roles.is_empty() && !what.umbrella {
        what.roles.push("Umbrella".into());
    }
    let blocks = importer::discover(cw, umbrella, &what).await?;
    let provider = args.provider.as_ref().map(|a| format!("connectwise.{a}"));
    Ok((importer::render(&blocks, provider.as_deref()), blocks.len()))
}

/// The module's import file (returned) and, with --root, the root configuration (written).
async fn module_files(
    args: &GenerateImports,
    name: &str,
    cw: &api_client::ConnectWise,
    umbrella: Option<&api_client::umbrella::Umbrella>,
) -> Result<(String, usize), String> {
    if args.umbrella && umbrella.is_none() {
        return Err("--umbrella needs UMBRELLA_API_KEY and UMBRELLA_API_SECRET".into());
    }
    let found = importer::adopt(cw, umbrella, args.roles.first().map(String::as_str)).await?;
    let target = importer::ModuleTarget {
        name: name.to_string(),
        source: args.module_source.clone(),
        provider_alias: args.provider.clone(),
    };
    if let Some(path) = &args.root {
        let text = importer::render_root(&found, &target, &provider_settings());
        write_new(path, &text)?;
        eprintln!("wrote the root configuration to {}", path.display());
    }
    let count = importer::module_blocks(&found, &target).len();
    Ok((importer::render_module_imports(&found, &target), count))
}

/// The provider settings that are not secret, from the environment the provider reads.
fn provider_settings() -> importer::ProviderSettings {
    let env = |name: &str| {
        std::env::var(name)
            .ok()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    importer::ProviderSettings {
        site: env("CONNECTWISE_SITE"),
        company_id: env("CONNECTWISE_COMPANY_ID"),
        client_id: env("CONNECTWISE_CLIENT_ID"),
        umbrella_base_url: env("UMBRELLA_BASE_URL"),
        umbrella_org_id: env("UMBRELLA_ORG_ID"),
    }
}

/// Writes a file that must not exist yet: a root configuration is never written over one.
fn write_new(path: &std::path::Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => format!(
                "{} exists already: generate-imports does not write over a configuration; remove it or choose another --root",
                path.display()
            ),
            _ => format!("cannot write {}: {e}", path.display()),
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
