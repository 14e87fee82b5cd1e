//! Every example directory is valid Terraform (`terraform validate` with the
//! freshly built provider) and formatted (`terraform fmt -check`).
//!
//! A resource's import examples (`import-by-string-id.tf`, `import-by-identity.tf`)
//! target the same resource, which Terraform refuses twice in one configuration, so
//! each is validated on its own together with the directory's other files. Terraform
//! before 1.12 does not know `identity` in an `import` block: there the identity
//! example is validated with its `identity` object swapped for an `id` (tests/docs.rs
//! checks the identity's attributes against the resource's identity schema).
//! `validate` does not check that an import's `to` names a declared resource (plan
//! does), so the test checks that itself.

use std::path::{Path, PathBuf};
use std::process::Command;

const IMPORT_BY_ID: &str = "import-by-string-id.tf";
const IMPORT_BY_IDENTITY: &str = "import-by-identity.tf";

fn is_import_example(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == IMPORT_BY_ID || n == IMPORT_BY_IDENTITY)
}

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

/// `terraform get` (local modules only: dev_overrides need no init) and `validate` in `dir`.
fn validate(dir: &Path, cli: &Path, data: &Path) -> Result<(), String> {
    let lock = dir.join(".terraform.lock.hcl");
    let had_lock = lock.exists();
    let (ok, text) = terraform(&["get", "-no-color"], dir, cli, data);
    let (ok, text) = if ok {
        terraform(&["validate", "-no-color"], dir, cli, data)
    } else {
        (ok, text)
    };
    if !had_lock {
        let _ = std::fs::remove_file(&lock);
    }
    if ok { Ok(()) } else { Err(text) }
}

/// Whether this Terraform knows `identity` in `import` blocks (1.12 and later).
fn knows_import_identity() -> bool {
    let out = Command::new("terraform")
        .args(["version", "-json"])
        .output()
        .expect("terraform runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text
        .split("\"terraform_version\"")
        .nth(1)
        .and_then(|rest| rest.split('"').nth(1))
        .unwrap_or("0.0.0");
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (major, minor) >= (1, 12)
}

/// The import block with its `identity = { ... }` object replaced by an `id`, for a
/// Terraform that does not know identities.
fn identity_as_id(text: &str) -> String {
    let Some(start) = text.find("identity = {") else {
        return text.to_string();
    };
    let end = text[start..]
        .find('}')
        .map_or(text.len(), |i| start + i + 1);
    format!("{}id = \"identity\"{}", &text[..start], &text[end..])
}

/// `Err` unless the `to = <type>.<name>` of this import example names a
/// `resource "<type>" "<name>"` of the directory's other files.
fn import_target_declared(dir: &Path, example: &str) -> Result<(), String> {
    let to = example
        .lines()
        .find_map(|l| l.trim().strip_prefix("to = "))
        .ok_or("no `to = ...` line")?;
    let address = to.split('[').next().unwrap_or(to).trim();
    let (ty, name) = address
        .split_once('.')
        .ok_or_else(|| format!("`to = {to}` is not <type>.<name>"))?;
    let declaration = format!("resource \"{ty}\" \"{name}\"");
    let declared = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf") && !is_import_example(p))
        .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(&declaration)));
    if declared {
        Ok(())
    } else {
        Err(format!("`to = {to}`: no {declaration} in this directory"))
    }
}

/// The directory's configuration without its import examples, plus `extra` (name, text).
fn copy_with(dir: &Path, to: &Path, extra: Option<(&str, String)>) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "tf") && !is_import_example(&path) {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
    if let Some((name, text)) = extra {
        std::fs::write(to.join(name), text).unwrap();
    }
}

/// Each import example of `dir` validated with the rest of the directory.
fn validate_import_examples(
    dir: &Path,
    work: &Path,
    cli: &Path,
    identity_known: bool,
) -> Vec<String> {
    let mut failures = Vec::new();
    for name in [IMPORT_BY_ID, IMPORT_BY_IDENTITY] {
        let Ok(mut text) = std::fs::read_to_string(dir.join(name)) else {
            continue;
        };
        if let Err(why) = import_target_declared(dir, &text) {
            failures.push(format!("{}/{name}: {why}", dir.display()));
        }
        if name == IMPORT_BY_IDENTITY && !identity_known {
            text = identity_as_id(&text);
        }
        let copy = work.join(name);
        copy_with(dir, &copy, Some((name, text)));
        if let Err(text) = validate(&copy, cli, &work.join(format!("data-{name}"))) {
            failures.push(format!("{} with {name}:\n{text}", dir.display()));
        }
    }
    failures
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
    let identity_known = knows_import_identity();
    let mut failures = Vec::new();
    let mut import_examples = 0;
    for (i, dir) in dirs.iter().enumerate() {
        let has_imports = [IMPORT_BY_ID, IMPORT_BY_IDENTITY]
            .iter()
            .any(|n| dir.join(n).is_file());
        if !has_imports {
            if let Err(text) = validate(dir, &cli, &tmp.path().join(format!("data{i}"))) {
                failures.push(format!("{}:\n{text}", dir.display()));
            }
            continue;
        }
        import_examples += 1;
        let work = tmp.path().join(format!("dir{i}"));
        failures.extend(validate_import_examples(dir, &work, &cli, identity_known));
    }
    assert!(import_examples > 0, "no import examples found in {dirs:?}");
    assert!(
        failures.is_empty(),
        "examples that do not validate:\n{}",
        failures.join("\n")
    );
}

#[test]
fn identity_swap_keeps_the_import_target() {
    let text = "import {\n  to = a.b\n  identity = {\n    id = \"12\"\n  }\n}\n";
    assert_eq!(
        identity_as_id(text),
        "import {\n  to = a.b\n  id = \"identity\"\n}\n"
    );
}
