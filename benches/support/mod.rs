//! What the benchmarks share: a Terraform working directory with a private CLI configuration
//! whose `dev_overrides` point at the provider build being measured, and where results go.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The provider's source address in the benchmarks' configurations.
pub const SOURCE: &str = "umbrella-psa/connectwise";

pub struct Workdir {
    pub dir: tempfile::TempDir,
    cli_config: PathBuf,
}

impl Workdir {
    pub fn new(provider_dir: &Path) -> Workdir {
        let dir = tempfile::tempdir().expect("temp dir");
        let cli_config = dir.path().join("terraform.tfrc");
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/{SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                provider_dir.display()
            ),
        )
        .expect("cli config");
        Workdir { dir, cli_config }
    }

    pub fn write(&self, text: &str) {
        std::fs::write(self.dir.path().join("main.tf"), text).expect("main.tf");
    }

    /// Runs terraform and returns its wall time; panics on failure.
    pub fn run(&self, args: &[&str]) -> Duration {
        let started = Instant::now();
        let out = std::process::Command::new("terraform")
            .args(args)
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG")
            .output()
            .expect("terraform runs");
        let elapsed = started.elapsed();
        if !out.status.success() {
            panic!(
                "terraform {args:?} failed:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        elapsed
    }
}

/// Prints a benchmark's result and keeps a copy in `target/bench/<name>-<unix seconds>.md`.
pub fn publish(name: &str, text: &str) {
    println!("{text}");
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    let _ = std::fs::create_dir_all(&out_dir);
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let file = out_dir.join(format!("{name}-{stamp}.md"));
    if std::fs::write(&file, text).is_ok() {
        println!("written to {}", file.display());
    }
}
