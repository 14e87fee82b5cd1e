//! The Terraform provider binary: started by Terraform, never by hand.

use std::process::ExitCode;
use std::sync::Arc;

use connectwise_provider::plugin;
use connectwise_provider::provider::ConnectWiseProvider;

#[tokio::main]
async fn main() -> ExitCode {
    plugin::log::init("provider.terraform-provider-connectwise");
    match plugin::serve(Arc::new(ConnectWiseProvider::new())).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
