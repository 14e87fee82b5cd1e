//! The provider binary run by hand: `--help`, `--version`, `generate-imports --help`, usage
//! errors and the plugin-only message, each with its exit code; and the by-hand path the
//! sandbox's banner prints, pasted into a shell and applied with real Terraform.
//! (The sandbox binary's own command line is tested in crates/sandbox/tests/cli.rs, where cargo
//! builds it.)

use std::path::Path;
use std::process::{Command, Output};

use connectwise_sandbox::banner::{PASTE_END, PASTE_START, banner};
use connectwise_sandbox::{Sandbox, SandboxConfig};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-connectwise");

/// Runs the provider binary with `args`, outside Terraform (no magic cookie).
fn provider(args: &[&str]) -> Output {
    Command::new(PROVIDER)
        .args(args)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .expect("the provider binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_lists_generate_imports_and_exits_0() {
    for flag in ["--help", "-h"] {
        let out = provider(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains(
                "generate-imports  Write `import {}` blocks for an Umbrella PSA integration"
            ),
            "{flag} lists generate-imports with its description:\n{text}"
        );
        assert!(text.contains("--version"), "{flag}:\n{text}");
    }
}

#[test]
fn version_names_the_plugin_protocol() {
    for flag in ["--version", "-V"] {
        let out = provider(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!(
                "terraform-provider-connectwise {} (Terraform plugin protocol 6.9)\n",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
}

#[test]
fn generate_imports_help_exits_0_and_lists_its_options() {
    let out = provider(&["generate-imports", "--help"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for option in [
        "--role <NAME>",
        "--umbrella",
        "--output <FILE>",
        "--module <NAME>",
        "--root <FILE>",
        "--module-source <SOURCE>",
        "[default: ./modules/umbrella-psa-integration]",
        "--provider <ALIAS>",
        "CONNECTWISE_SITE",
    ] {
        assert!(text.contains(option), "missing {option}:\n{text}");
    }
}

#[test]
fn usage_errors_exit_2_naming_the_argument() {
    for (args, named) in [
        (&["generate-import"][..], "generate-import"),
        (&["--bogus"][..], "--bogus"),
        (&["generate-imports", "--role"][..], "--role"),
    ] {
        let out = provider(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn generate_imports_refuses_bad_combinations_and_names_before_reading_anything() {
    // clap: --root needs --module and --umbrella; --module-source needs --module.
    for (args, named) in [
        (&["generate-imports", "--root", "main.tf"][..], "--module"),
        (
            &["generate-imports", "--module", "psa", "--root", "main.tf"][..],
            "--umbrella",
        ),
        (
            &["generate-imports", "--module-source", "./m"][..],
            "--module",
        ),
    ] {
        let out = provider(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{args:?}: {}", stderr(&out));
    }
    // Names that become HCL identifiers; nothing is read from a server (none is configured).
    for (args, message) in [
        (
            &["generate-imports", "--module", "9psa"][..],
            "--module \"9psa\" is not a Terraform name",
        ),
        (
            &["generate-imports", "--provider", "tenant a"][..],
            "--provider \"tenant a\" is not a Terraform name",
        ),
        (
            &[
                "generate-imports",
                "--module",
                "psa",
                "--role",
                "a",
                "--role",
                "b",
            ][..],
            "--module adopts one role",
        ),
    ] {
        let out = provider(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn run_by_hand_without_arguments_it_says_it_is_a_plugin() {
    let out = provider(&[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stderr(&out);
    assert!(
        text.contains("This binary is a Terraform provider plugin: Terraform starts it"),
        "{text}"
    );
    assert!(
        text.contains("terraform-provider-connectwise --help"),
        "{text}"
    );
}

/// The banner's paste block, as a user would copy it.
fn paste_block(text: &str) -> &str {
    let start = text
        .find(PASTE_START)
        .expect("the banner has a paste block");
    let end = text[start..].find(PASTE_END).expect("the paste block ends") + start;
    &text[start..end + PASTE_END.len()]
}

/// Runs `script` with bash in `dir` with a clean Terraform environment.
fn bash(dir: &Path, script: &str) -> Output {
    let mut cmd = Command::new("bash");
    cmd.arg("-euc").arg(script).current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("TF_") || k.starts_with("CONNECTWISE_") || k.starts_with("UMBRELLA_") {
            cmd.env_remove(k);
        }
    }
    if let Ok(terraform) = std::env::var("TERRAFORM") {
        cmd.env("PATH", prefix_path(&terraform));
    }
    cmd.env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("bash runs")
}

/// PATH with the directory of the `TERRAFORM` binary first, so the script's `terraform` is it.
fn prefix_path(terraform: &str) -> String {
    let dir = Path::new(terraform).parent().unwrap_or(Path::new("."));
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_banners_paste_block_gets_to_an_applied_example() {
    let sandbox = Sandbox::start(SandboxConfig::with_tenants(2))
        .await
        .expect("sandbox starts");
    let provider_dir = Path::new(PROVIDER).parent().expect("a directory");
    let text = banner(&sandbox, provider_dir);
    let dir = tempfile::tempdir().expect("temp dir");
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/resources/connectwise_security_role/resource.tf"
    );
    // Exactly what a user pastes, then the example and one command.
    let script = format!(
        "{}\ncp '{example}' .\nterraform apply -auto-approve -no-color\nterraform plan -detailed-exitcode -no-color\n",
        paste_block(&text)
    );
    let dir_path = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || bash(&dir_path, &script))
        .await
        .expect("joins");
    assert!(
        out.status.success(),
        "the pasted block did not apply cleanly:\n{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("Apply complete! Resources: 1 added"));
    assert!(stdout(&out).contains("No changes."));
    let created = sandbox.requests().into_iter().any(|r| {
        r.method == "POST" && r.path.ends_with("/system/securityroles") && r.status == 201
    });
    assert!(created, "the role was created in the sandbox");
    sandbox.stop().await.expect("sandbox stops");
}
