//! The Terraform provider binary. Terraform starts it as a plugin; run by hand
//! it offers `generate-imports` (see `connectwise_provider::importer`).

use std::process::ExitCode;
use std::sync::Arc;

use connectwise_provider::importer;
use connectwise_provider::provider::{ConnectWiseProvider, Handle};
use tfplugin::{Diagnostics, Value};

const USAGE: &str = "usage: terraform-provider-connectwise generate-imports [--role NAME]... [--umbrella] [--output FILE]

Finds an Umbrella PSA integration that was set up by hand and writes `import {}` blocks for it:
the role(s) (default \"Umbrella\"), their granted permissions, the API members holding the role and
their API keys, and with --umbrella the Umbrella console's PSA credentials and company mappings.
Credentials come from the provider's environment variables (CONNECTWISE_SITE, CONNECTWISE_COMPANY_ID,
CONNECTWISE_PUBLIC_KEY, CONNECTWISE_PRIVATE_KEY, CONNECTWISE_CLIENT_ID, UMBRELLA_API_KEY,
UMBRELLA_API_SECRET, UMBRELLA_BASE_URL). Then: terraform plan -generate-config-out=generated.tf";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("generate-imports") {
        return generate_imports(&args[1..]).await;
    }
    // The provider's own crates log at the level TF_LOG asks for (the REST clients included).
    tfplugin::log::init(
        "provider.terraform-provider-connectwise",
        &["connectwise_provider", "terraform_provider", "api_client"],
    );
    match tfplugin::serve(Arc::new(ConnectWiseProvider::new())).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn generate_imports(args: &[String]) -> ExitCode {
    let mut what = importer::Discovery {
        roles: Vec::new(),
        umbrella: false,
    };
    let mut output = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--role" => match it.next() {
                Some(r) => what.roles.push(r.clone()),
                None => return usage("--role needs a name"),
            },
            "--umbrella" => what.umbrella = true,
            "--output" => match it.next() {
                Some(f) => output = Some(f.clone()),
                None => return usage("--output needs a file name"),
            },
            "-h" | "--help" => return usage(""),
            other => return usage(&format!("unknown argument {other}")),
        }
    }
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
    if diags.has_errors() || cw.is_none() {
        for d in diags.iter() {
            eprintln!("error: {}: {}", d.summary, d.detail);
        }
        return ExitCode::FAILURE;
    }
    let Some(cw) = cw else {
        return ExitCode::FAILURE;
    };
    match importer::discover(&cw, umbrella.as_ref(), &what).await {
        Ok(blocks) => {
            let text = importer::render(&blocks);
            match output {
                Some(path) => {
                    if let Err(e) = std::fs::write(&path, text) {
                        eprintln!("error: cannot write {path}: {e}");
                        return ExitCode::FAILURE;
                    }
                    eprintln!("wrote {} import blocks to {path}", blocks.len());
                }
                None => print!("{text}"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    if !problem.is_empty() {
        eprintln!("error: {problem}");
    }
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
