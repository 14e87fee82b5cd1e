//! Users' state keeps working: state written by an earlier release for the seed module (and the
//! sandbox objects it describes, recorded in the same run by `scripts/record-upgrade-fixture.sh`)
//! plans empty with this build. One fixture per release; they stay for every later release.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;

use connectwise_sandbox::{Sandbox, SandboxConfig};

use crate::harness::Harness;

/// The sandbox URL the fixtures were recorded with (replaced by this test's own).
const RECORDED_URL: &str = "http://127.0.0.1:47613";

fn fixture_dir(version: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("upgrade-{version}"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy fixture file");
        }
    }
}

/// Starts the sandbox from the recorded state on a free loopback port, and lays out the recorded
/// configuration and Terraform state for it.
async fn recorded_world(version: &str) -> Harness {
    let fixture = fixture_dir(version);
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let scratch = tempfile::tempdir().expect("temp dir");
    let state_text = std::fs::read_to_string(fixture.join("sandbox-state.json"))
        .expect("recorded sandbox state")
        .replace(RECORDED_URL, &url);
    let state_path = scratch.path().join("sandbox-state.json");
    std::fs::write(&state_path, state_text).expect("write sandbox state");
    let config = SandboxConfig {
        initial_state: Some(state_path),
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start_on(config, SocketAddr::from(([127, 0, 0, 1], port)))
        .await
        .expect("sandbox starts from the recorded state");
    let mut h = Harness::with_started_sandbox(sandbox);
    std::fs::copy(fixture.join("main.tf"), h.path().join("main.tf")).expect("copy main.tf");
    copy_dir(&fixture.join("module"), &h.path().join("module"));
    let tfstate = std::fs::read_to_string(fixture.join("terraform.tfstate"))
        .expect("recorded Terraform state")
        .replace(RECORDED_URL, &url);
    std::fs::write(h.path().join("terraform.tfstate"), tfstate).expect("write tfstate");
    h.env.push(("TF_VAR_sandbox_url".into(), url));
    let get = h.terraform(&["get", "-no-color"]).await;
    assert!(get.ok, "terraform get failed:\n{}", get.text());
    h
}

#[tokio::test]
async fn state_written_by_0_1_0_plans_empty() {
    let h = recorded_world("0.1.0").await;
    let state = h.state().await;
    assert!(
        state.len() >= 12,
        "the fixture should hold the seed module's objects, got {:?}",
        state.keys().collect::<Vec<_>>()
    );
    // The refresh reads every object with the new build; nothing may change.
    h.sandbox.clear_requests();
    h.expect_empty_plan().await;
    let read = |path: &str| {
        h.sandbox
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.path.contains(path) && r.status == 200)
    };
    for path in [
        "/system/securityroles/",
        "/settings",
        "/apiKeys/",
        "/admin/v2/config/psa",
    ] {
        assert!(
            read(path),
            "the plan did not refresh {path} from the recorded sandbox"
        );
    }
    // An apply with this build rewrites the state in its own form; it still plans empty.
    h.apply().await;
    h.expect_empty_plan().await;
}
