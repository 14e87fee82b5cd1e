//! Packaging: `scripts/release.sh` produces the Registry artifacts, and
//! `terraform init` installs the provider offline from the filesystem mirror
//! it lays out (no dev_overrides).

use std::path::Path;
use std::process::Command;

#[test]
fn release_artifacts_install_from_a_filesystem_mirror() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dist = tempfile::tempdir().unwrap();
    let out = Command::new("bash")
        .arg(root.join("scripts/release.sh"))
        .env("BIN", env!("CARGO_BIN_EXE_terraform-provider-connectwise"))
        .env("DIST", dist.path())
        .output()
        .expect("release script runs");
    assert!(
        out.status.success(),
        "release.sh failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let version = env!("CARGO_PKG_VERSION");
    let names: Vec<String> = std::fs::read_dir(dist.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let zip = names
        .iter()
        .find(|n| {
            n.starts_with(&format!("terraform-provider-connectwise_{version}_"))
                && n.ends_with(".zip")
        })
        .unwrap_or_else(|| panic!("no zip in {names:?}"));
    let sums = std::fs::read_to_string(dist.path().join(format!(
        "terraform-provider-connectwise_{version}_SHA256SUMS"
    )))
    .unwrap();
    assert!(sums.contains(zip.as_str()), "{sums}");
    let manifest = std::fs::read_to_string(dist.path().join(format!(
        "terraform-provider-connectwise_{version}_manifest.json"
    )))
    .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["metadata"]["protocol_versions"][0], "6.0");

    // terraform init from the mirror only, fully offline.
    let work = tempfile::tempdir().unwrap();
    let cli = work.path().join("terraform.tfrc");
    std::fs::write(
        &cli,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/umbrella-psa/connectwise\"]\n  }}\n}}\n",
            dist.path().join("mirror").display()
        ),
    )
    .unwrap();
    std::fs::write(
        work.path().join("main.tf"),
        format!(
            "terraform {{\n  required_providers {{\n    connectwise = {{\n      source  = \"umbrella-psa/connectwise\"\n      version = \"{version}\"\n    }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let init = Command::new("terraform")
        .args(["init", "-no-color", "-input=false"])
        .current_dir(work.path())
        .env("TF_CLI_CONFIG_FILE", &cli)
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("terraform runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&init.stdout),
        String::from_utf8_lossy(&init.stderr)
    );
    assert!(init.status.success(), "terraform init failed:\n{text}");
    assert!(
        text.contains(&format!("Installed umbrella-psa/connectwise v{version}")),
        "{text}"
    );
    // The installed provider answers Terraform (schema load through `providers schema`).
    let schema = Command::new("terraform")
        .args(["providers", "schema", "-json"])
        .current_dir(work.path())
        .env("TF_CLI_CONFIG_FILE", &cli)
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("terraform runs");
    assert!(
        schema.status.success(),
        "{}",
        String::from_utf8_lossy(&schema.stderr)
    );
    assert!(String::from_utf8_lossy(&schema.stdout).contains("connectwise_security_role"));
}
