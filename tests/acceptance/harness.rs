//! The test harness: a sandbox on 127.0.0.1, a private Terraform CLI config
//! with `dev_overrides` pointing at the freshly built provider, and a working
//! directory per test. Steps read like terraform-plugin-testing's: write a
//! config, apply, expect an empty plan, import and verify, expect an error.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use connectwise_sandbox::{Sandbox, SandboxConfig};
use serde_json::Value as Json;

/// The provider's source address in test configurations.
pub const SOURCE: &str = "umbrella-psa/connectwise";
/// The clientId the tests send (any GUID works with the sandbox).
pub const CLIENT_ID: &str = "3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19";

/// One test's world: sandbox + Terraform working directory.
pub struct Harness {
    pub sandbox: Sandbox,
    pub dir: tempfile::TempDir,
    cli_config: PathBuf,
    /// Extra environment for the Terraform process (e.g. TF_LOG).
    pub env: Vec<(String, String)>,
}

/// The result of one Terraform command.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(out: Output) -> Run {
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
    /// Everything Terraform printed.
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A planned change of one resource instance.
#[derive(Debug, Clone)]
pub struct Change {
    pub address: String,
    pub actions: Vec<String>,
    pub after: Json,
    pub before: Json,
}

impl Harness {
    /// A sandbox with the default tenant and an empty working directory.
    pub async fn new() -> Harness {
        Harness::with_sandbox(SandboxConfig::default()).await
    }

    pub async fn with_sandbox(config: SandboxConfig) -> Harness {
        let sandbox = Sandbox::start(config).await.expect("sandbox starts");
        Harness::with_started_sandbox(sandbox)
    }

    /// A working directory for a sandbox the test started itself (e.g. on a chosen port).
    pub fn with_started_sandbox(sandbox: Sandbox) -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let cli_config = dir.path().join("terraform.tfrc");
        let provider_dir = provider_dir();
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"registry.terraform.io/{SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                provider_dir.display()
            ),
        )
        .expect("write CLI config");
        Harness {
            sandbox,
            dir,
            cli_config,
            env: Vec::new(),
        }
    }

    /// The provider block for the sandbox's first tenant, plus `required_providers`.
    pub fn provider_block(&self) -> String {
        self.provider_block_with("")
    }

    /// [`Harness::provider_block`] with extra provider arguments (e.g. `max_retries = 1`).
    pub fn provider_block_with(&self, extra_arguments: &str) -> String {
        format!(
            "terraform {{\n  required_providers {{\n    connectwise = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n{}",
            self.tenant_provider(0, extra_arguments)
        )
    }

    /// The provider block of sandbox tenant `index`, aliased `t<index>` after the first.
    pub fn tenant_provider(&self, index: usize, extra_arguments: &str) -> String {
        let t = &self.sandbox.config().tenants[index];
        let alias = if index == 0 {
            String::new()
        } else {
            format!("  alias       = \"t{index}\"\n")
        };
        format!(
            r#"
provider "connectwise" {{
{alias}  site        = "{url}"
  company_id  = "{company}"
  public_key  = "{public}"
  private_key = "{private}"
  client_id   = "{CLIENT_ID}"
  # The sandbox has no rate limit unless a test sets one.
  requests_per_minute = 0
{extra_arguments}
  umbrella {{
    base_url   = "{url}"
    api_key    = "{ukey}"
    api_secret = "{usecret}"
  }}
}}
"#,
            url = self.sandbox.url(),
            company = t.company_id,
            public = t.public_key,
            private = t.private_key,
            ukey = t.umbrella_api_key,
            usecret = t.umbrella_api_secret,
        )
    }

    /// Writes `main.tf` = provider block + `body`.
    pub fn config(&self, body: &str) {
        let text = format!("{}\n{}", self.provider_block(), body);
        std::fs::write(self.dir.path().join("main.tf"), text).expect("write main.tf");
    }

    /// Writes `main.tf` exactly as given (for provider-config tests).
    pub fn raw_config(&self, text: &str) {
        std::fs::write(self.dir.path().join("main.tf"), text).expect("write main.tf");
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `terraform <args>` in the working directory.
    pub async fn terraform(&self, args: &[&str]) -> Run {
        let mut cmd = tokio::process::Command::new(terraform_bin());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env_remove("TF_LOG")
            .env_remove("TF_LOG_PATH")
            .env_remove("TF_LOG_PROVIDER");
        for (k, _) in std::env::vars() {
            if k.starts_with("CONNECTWISE_")
                || k.starts_with("UMBRELLA_")
                || k.starts_with("TF_VAR_")
            {
                cmd.env_remove(k);
            }
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = cmd
            .output()
            .await
            .expect("terraform runs (is it installed?)");
        Run::from(out)
    }

    /// `terraform apply`; panics with Terraform's output when it fails.
    pub async fn apply(&self) -> Run {
        let run = self
            .terraform(&["apply", "-auto-approve", "-no-color"])
            .await;
        assert!(run.ok, "terraform apply failed:\n{}", run.text());
        run
    }

    /// `terraform apply` that must fail; returns the output.
    pub async fn apply_fails(&self) -> String {
        let run = self
            .terraform(&["apply", "-auto-approve", "-no-color"])
            .await;
        assert!(
            !run.ok,
            "terraform apply succeeded but should have failed:\n{}",
            run.text()
        );
        run.text()
    }

    /// `terraform plan` that must fail; returns the output.
    pub async fn plan_fails(&self) -> String {
        let run = self.terraform(&["plan", "-no-color"]).await;
        assert!(
            !run.ok,
            "terraform plan succeeded but should have failed:\n{}",
            run.text()
        );
        run.text()
    }

    /// The managed resource changes of `terraform plan -out` as `terraform show -json` gives
    /// them (refresh included; imports in `change.importing`).
    pub async fn plan_json(&self) -> Vec<Json> {
        let run = self.terraform(&["plan", "-no-color", "-out=tfplan"]).await;
        assert!(run.ok, "terraform plan failed:\n{}", run.text());
        let show = self.terraform(&["show", "-json", "tfplan"]).await;
        assert!(show.ok, "terraform show failed:\n{}", show.text());
        let plan: Json = serde_json::from_str(&show.stdout).expect("plan JSON");
        plan["resource_changes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c["mode"] == "managed")
            .collect()
    }

    /// The planned changes (refresh included), from `terraform show -json`.
    pub async fn plan(&self) -> Vec<Change> {
        self.plan_json()
            .await
            .into_iter()
            .map(|c| Change {
                address: c["address"].as_str().unwrap_or_default().to_string(),
                actions: c["change"]["actions"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect(),
                after: c["change"]["after"].clone(),
                before: c["change"]["before"].clone(),
            })
            .collect()
    }

    /// Asserts that a plan changes nothing (ExpectEmptyPlan).
    pub async fn expect_empty_plan(&self) {
        let changes: Vec<Change> = self
            .plan()
            .await
            .into_iter()
            .filter(|c| c.actions != ["no-op"] && c.actions != ["read"])
            .collect();
        assert!(
            changes.is_empty(),
            "expected an empty plan, got {changes:#?}"
        );
    }

    /// The actions planned for `address` (e.g. `["update"]`, `["delete","create"]`).
    pub async fn planned_actions(&self, address: &str) -> Vec<String> {
        self.plan()
            .await
            .into_iter()
            .find(|c| c.address == address)
            .map(|c| c.actions)
            .unwrap_or_else(|| vec!["no-op".to_string()])
    }

    /// All resources in state: address → attribute values.
    pub async fn state(&self) -> BTreeMap<String, Json> {
        let show = self.terraform(&["show", "-json"]).await;
        assert!(show.ok, "terraform show failed:\n{}", show.text());
        let state: Json = serde_json::from_str(&show.stdout).unwrap_or(Json::Null);
        let mut out = BTreeMap::new();
        collect_resources(&state["values"]["root_module"], &mut out);
        out
    }

    /// The attributes of one resource in state.
    pub async fn resource(&self, address: &str) -> Json {
        self.state()
            .await
            .remove(address)
            .unwrap_or_else(|| panic!("{address} is not in state"))
    }

    /// ImportStateVerify: forgets `address`, imports it by `id`, and checks that
    /// every attribute except `ignore` reads back equal.
    pub async fn import_verify(&self, address: &str, id: &str, ignore: &[&str]) {
        let before = self.resource(address).await;
        let rm = self.terraform(&["state", "rm", "-no-color", address]).await;
        assert!(rm.ok, "state rm failed:\n{}", rm.text());
        let run = self.terraform(&["import", "-no-color", address, id]).await;
        assert!(
            run.ok,
            "terraform import {address} {id} failed:\n{}",
            run.text()
        );
        let after = self.resource(address).await;
        let (Json::Object(b), Json::Object(a)) = (&before, &after) else {
            panic!("unexpected state shape: {before} / {after}");
        };
        for (k, v) in b {
            if ignore.contains(&k.as_str()) {
                continue;
            }
            assert_eq!(
                a.get(k),
                Some(v),
                "attribute {k} differs after importing {address} by {id:?}"
            );
        }
    }

    /// `terraform destroy`; panics when it fails.
    pub async fn destroy(&self) {
        let run = self
            .terraform(&["destroy", "-auto-approve", "-no-color"])
            .await;
        assert!(run.ok, "terraform destroy failed:\n{}", run.text());
    }
}

fn collect_resources(module: &Json, out: &mut BTreeMap<String, Json>) {
    for r in module["resources"].as_array().into_iter().flatten() {
        if r["mode"] == "managed"
            && let Some(addr) = r["address"].as_str()
        {
            out.insert(addr.to_string(), r["values"].clone());
        }
    }
    for child in module["child_modules"].as_array().into_iter().flatten() {
        collect_resources(child, out);
    }
}

/// The directory holding the provider binary Cargo built for these tests.
pub fn provider_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"));
    bin.parent().expect("binary has a directory").to_path_buf()
}

/// The Terraform CLI: `TERRAFORM` if set, else `terraform` on PATH.
pub fn terraform_bin() -> String {
    std::env::var("TERRAFORM").unwrap_or_else(|_| "terraform".to_string())
}

impl Harness {
    /// A REST client for the sandbox's first tenant, for out-of-band changes.
    pub fn client(&self) -> api_client::ConnectWise {
        use api_client::{ConnectWise, ConnectWiseConfig, Secret};
        let t = &self.sandbox.config().tenants[0];
        ConnectWise::new(ConnectWiseConfig::new(
            self.sandbox.url(),
            t.company_id.clone(),
            t.public_key.clone(),
            Secret::new(t.private_key.clone()),
            CLIENT_ID,
        ))
        .expect("client")
    }
}

impl Harness {
    /// `terraform plan -generate-config-out=generated.tf` (for `import {}` blocks
    /// without a resource block); returns the generated configuration.
    pub async fn generate_config(&self) -> String {
        let out = self.path().join("generated.tf");
        let _ = std::fs::remove_file(&out);
        let run = self
            .terraform(&["plan", "-no-color", "-generate-config-out=generated.tf"])
            .await;
        assert!(
            run.ok,
            "terraform plan -generate-config-out failed:\n{}",
            run.text()
        );
        std::fs::read_to_string(&out).expect("generated.tf was written")
    }

    /// `terraform output -json <name>`.
    pub async fn output(&self, name: &str) -> Json {
        let run = self.terraform(&["output", "-json", name]).await;
        assert!(run.ok, "terraform output {name} failed:\n{}", run.text());
        serde_json::from_str(&run.stdout).expect("output JSON")
    }
}
