//! The `connectwise-sandbox` binary's command line: `--help`/`-h` and `--version` exit 0, every
//! flag is listed, bad values are a usage error (exit 2) naming the flag, and a start on port 0
//! prints the banner with its paste block. (Here rather than in the provider package's
//! tests/cli.rs because cargo builds a package's binaries for its own integration tests.)

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use connectwise_sandbox::banner::{PASTE_END, PASTE_START};

const SANDBOX: &str = env!("CARGO_BIN_EXE_connectwise-sandbox");

/// The binary with `args` and none of its `CW_SANDBOX_*` variables from the environment.
fn sandbox_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(SANDBOX);
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("CW_SANDBOX_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

fn run(args: &[&str]) -> Output {
    sandbox_command(args)
        .output()
        .expect("the sandbox binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn help_lists_every_flag_and_exits_0() {
    let flags = [
        "--listen <ADDR>",
        "--tenants <N>",
        "--customers <N>",
        "--umbrella-limits <off|documented|N>",
        "--state <FILE>",
        "--rate-limit <N>",
        "--latency-ms <N>",
        "--no-client-id",
        "--allow-remote",
        "--without-extensions <AREA>",
        "--enforce-role-permissions",
        "--hand-made",
        "--fault-5xx <F>",
        "--fault-429 <F>",
        "--retry-after <S>",
        "--drop <F>",
        "--lost-post <F>",
        "--slow-token-ms <N>",
        "--fault-latency-ms <N>",
        "--fault-seed <N>",
        "--fault-path <TEXT>",
        "--version",
    ];
    for flag in ["--help", "-h"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        for listed in flags {
            assert!(
                text.contains(listed),
                "{flag} does not list {listed}:\n{text}"
            );
        }
    }
}

#[test]
fn version_prints_the_version() {
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("connectwise-sandbox {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_values_are_usage_errors_naming_the_flag() {
    let cases: [(&[&str], &str); 10] = [
        (&["--tenants", "0"], "--tenants"),
        (&["--tenants", "many"], "--tenants"),
        (&["--fault-5xx", "2"], "--fault-5xx"),
        (&["--listen", "localhost"], "--listen"),
        (&["--listen", "0.0.0.0:0"], "--allow-remote"),
        (&["--fault-5xx", "0.6", "--fault-429", "0.6"], "--fault-429"),
        (&["--no-such-flag"], "--no-such-flag"),
        (&["--customers", "10001"], "--customers"),
        (&["--umbrella-limits", "0"], "--umbrella-limits"),
        (&["--umbrella-limits", "fast"], "--umbrella-limits"),
    ];
    for (args, named) in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(named), "{args:?}: {}", stderr(&out));
    }
    // A bad value from the environment is named too.
    let out = sandbox_command(&[])
        .env("CW_SANDBOX_TENANTS", "abc")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--tenants"), "{}", stderr(&out));
}

#[test]
fn port_0_picks_a_port_and_the_banner_has_the_paste_block() {
    let mut child = sandbox_command(&["--listen", "127.0.0.1:0"])
        .env("CW_SANDBOX_TENANTS", "2")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the sandbox starts");
    let stdout = child.stdout.take().expect("piped");
    let mut banner = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("reads the banner");
        banner.push_str(&line);
        banner.push('\n');
        // The banner's last line, so a banner without a paste block cannot hang the test.
        if line == PASTE_END || line.starts_with("Ctrl-C or SIGTERM stops the sandbox") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let first = banner.lines().next().unwrap_or_default();
    let url = first
        .strip_prefix("ConnectWise Manage sandbox listening on ")
        .unwrap_or_else(|| panic!("first line names the URL: {first}"));
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    assert_ne!(port, 0, "a real port in {url}");
    assert!(banner.contains(PASTE_START), "{banner}");
    assert!(banner.contains("alias       = \"sandbox2\""), "{banner}");
    // The provider's directory is the sandbox binary's own: cargo builds both there.
    let dir = Path::new(SANDBOX).parent().expect("a directory");
    assert!(
        banner.contains(&format!(
            "\"registry.terraform.io/umbrella-psa/connectwise\" = \"{}\"",
            dir.display()
        )),
        "{banner}"
    );
}

#[test]
fn hand_made_is_listed_in_the_banner_with_its_mistake_and_works_with_customers() {
    let mut child = sandbox_command(&[
        "--listen",
        "127.0.0.1:0",
        "--hand-made",
        "--customers",
        "500",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("the sandbox starts");
    let stdout = child.stdout.take().expect("piped");
    let mut hand_made = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("reads the banner");
        if line.starts_with("  hand-made integration of tenant sandbox:") {
            hand_made = Some(line);
            break;
        }
        if line.starts_with("To try the provider by hand") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let line = hand_made.expect("the banner lists the hand-made integration");
    for part in [
        "role Umbrella (id 3) with the procedure's permissions plus Finance > Invoicing (Inquire All, ticked by mistake)",
        "API member umbrella-psa",
        "the Umbrella PSA credentials hold that key",
        "mappings: Acme Dental (2000001) -> AcmeDental, Bolt Legal (2000002) -> BoltLegal",
    ] {
        assert!(line.contains(part), "{part} missing from: {line}");
    }
}
