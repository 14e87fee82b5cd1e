//! Every example directory is valid Terraform (`terraform validate` with the
//! freshly built provider) and formatted (`terraform fmt -check`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn example_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut has_tf = false;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == ".terraform") {
                continue;
            }
            example_dirs(&path, out);
        } else if path.extension().is_some_and(|e| e == "tf") {
            has_tf = true;
        }
    }
    if has_tf {
        out.push(dir.to_path_buf());
    }
}

fn cli_config(dir: &Path) -> PathBuf {
    let provider_dir = Path::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = dir.join("terraform.tfrc");
    std::fs::write(
        &path,
        format!(
            // Snippets without a `required_providers` block resolve to
            // hashicorp/connectwise; point both at the build.
            "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/umbrella-psa/connectwise\" = \"{0}\"\n    \"registry.terraform.io/hashicorp/connectwise\" = \"{0}\"\n  }}\n  direct {{}}\n}}\n",
            provider_dir.display()
        ),
    )
    .unwrap();
    path
}

fn terraform(args: &[&str], dir: &Path, cli: &Path, data: &Path) -> (bool, String) {
    let out = Command::new("terraform")
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", cli)
        .env("TF_DATA_DIR", data)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .expect("terraform runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn examples_are_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("terraform")
        .args(["fmt", "-check", "-recursive", "-diff", "examples"])
        .current_dir(root)
        .output()
        .expect("terraform runs");
    assert!(
        out.status.success(),
        "terraform fmt -check -recursive examples failed (run `make fmt`):\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn every_example_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = Vec::new();
    example_dirs(&root.join("examples"), &mut dirs);
    assert!(dirs.len() > 3, "examples found: {dirs:?}");
    let tmp = tempfile::tempdir().unwrap();
    let cli = cli_config(tmp.path());
    let mut failures = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let data = tmp.path().join(format!("data{i}"));
        let lock = dir.join(".terraform.lock.hcl");
        let had_lock = lock.exists();
        // With dev_overrides there is nothing to init but local modules.
        let (ok, text) = terraform(&["get", "-no-color"], dir, &cli, &data);
        let (ok, text) = if ok {
            terraform(&["validate", "-no-color"], dir, &cli, &data)
        } else {
            (ok, text)
        };
        if !had_lock {
            let _ = std::fs::remove_file(&lock);
        }
        if !ok {
            failures.push(format!("{}:\n{text}", dir.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "examples that do not validate:\n{}",
        failures.join("\n")
    );
}
