//! The world of the module tests: the shipped module copied beside a root configuration that
//! calls it, and what the sandbox holds, read straight from the emulator.

use std::path::Path;

use connectwise_sandbox::umbrella::StoredPsa;
use connectwise_sandbox::{ApiKey, CredentialCheck, Level, Member, TenantConfig};

use super::module_source;
use crate::harness::{CLIENT_ID, Harness};

/// A sandbox with its default tenant and an empty working directory.
pub async fn new() -> Harness {
    Harness::new().await
}

fn tenant(h: &Harness) -> &TenantConfig {
    &h.sandbox.config().tenants[0]
}

/// Copies a module's `.tf` files and its `tests/` (nothing Terraform made in it) into `to`.
pub fn copy_module(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create module dir");
    for entry in std::fs::read_dir(from).expect("read module dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name == "tests" {
            copy_module(&path, &to.join(&name));
        } else if path.extension().is_some_and(|e| e == "tf" || e == "hcl")
            && name != ".terraform.lock.hcl"
        {
            std::fs::copy(&path, to.join(&name)).expect("copy module file");
        }
    }
}

/// Writes `main.tf`: the provider block and `module "umbrella"` from `source` (a directory
/// beside it: `./module` is the shipped module, copied on first use) with the tenant's site and
/// company, one customer mapping and `extra` arguments; then installs the module.
pub async fn configure(h: &Harness, source: &str, extra: &str) {
    let shipped = h.path().join("module");
    if source == "./module" && !shipped.exists() {
        copy_module(&module_source(), &shipped);
    }
    h.config(&format!(
        r#"
module "umbrella" {{
  source = "{source}"

  connectwise_site       = "{site}"
  connectwise_company_id = "{company}"
  customer_company_ids   = {{ "2000001" = "AcmeDental" }}
{extra}}}

output "public_key" {{
  value = module.umbrella.public_key
}}

output "connection_status" {{
  value = module.umbrella.connection_status
}}
"#,
        site = h.sandbox.url(),
        company = tenant(h).company_id,
    ));
    let get = h.terraform(&["get", "-no-color"]).await;
    assert!(get.ok, "terraform get failed:\n{}", get.text());
}

/// Root variables for the write-only key: the private key ephemeral, as a vault would give it.
pub fn append_key_variables(h: &Harness) {
    let text = r#"
variable "public_key" {
  type = string
}

variable "private_key_wo" {
  type      = string
  sensitive = true
  ephemeral = true
}
"#;
    std::fs::write(h.path().join("variables.tf"), text).expect("write variables.tf");
}

/// The provider settings as environment variables, for configurations without a provider
/// block (the module's `terraform test` files); `TF_VAR_connectwise_site` is the site Umbrella
/// calls.
pub fn provider_environment(h: &Harness) -> Vec<(String, String)> {
    let t = tenant(h);
    let url = h.sandbox.url();
    [
        ("CONNECTWISE_SITE", url.as_str()),
        ("CONNECTWISE_COMPANY_ID", &t.company_id),
        ("CONNECTWISE_PUBLIC_KEY", &t.public_key),
        ("CONNECTWISE_PRIVATE_KEY", &t.private_key),
        ("CONNECTWISE_CLIENT_ID", CLIENT_ID),
        ("CONNECTWISE_REQUESTS_PER_MINUTE", "0"),
        ("UMBRELLA_BASE_URL", &url),
        ("UMBRELLA_API_KEY", &t.umbrella_api_key),
        ("UMBRELLA_API_SECRET", &t.umbrella_api_secret),
        ("UMBRELLA_REQUESTS_PER_MINUTE", "0"),
        ("TF_VAR_connectwise_site", &url),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The PSA settings the Umbrella emulator stores (private key included).
pub fn stored_psa(h: &Harness) -> Option<StoredPsa> {
    h.sandbox
        .umbrella()
        .with_console(&tenant(h).umbrella_api_key, |c| c.psa.clone())
        .flatten()
}

/// Asserts that Umbrella holds PSA credentials whose key ConnectWise accepts (the sandbox checks
/// them against its own key store); returns them.
pub fn assert_umbrella_accepts(h: &Harness) -> StoredPsa {
    let psa = stored_psa(h).expect("Umbrella holds PSA credentials");
    let check = h.sandbox.state().check_credentials(
        &psa.site_url,
        &psa.company_id,
        &psa.public_key,
        &psa.private_key,
    );
    assert_eq!(
        check,
        CredentialCheck::Ok,
        "ConnectWise refuses the key Umbrella holds ({})",
        psa.public_key
    );
    psa
}

/// The member's API keys in ConnectWise.
pub fn keys_of(h: &Harness, member_id: i32) -> Vec<ApiKey> {
    h.sandbox.state().api_keys(&tenant(h).company_id, member_id)
}

pub fn api_member(h: &Harness, id: i32) -> Member {
    h.sandbox
        .state()
        .api_members(&tenant(h).company_id)
        .into_iter()
        .find(|m| m.id == id)
        .unwrap_or_else(|| panic!("API member {id} is in the sandbox"))
}

pub fn role_names(h: &Harness) -> Vec<String> {
    let mut names: Vec<String> = h
        .sandbox
        .state()
        .roles(&tenant(h).company_id)
        .into_iter()
        .map(|r| r.name)
        .collect();
    names.sort();
    names
}

/// The rows of role `role_id` that grant anything, as `Module > Function: levels; allow-list`.
pub fn granted_rows(h: &Harness, role_id: i32) -> Vec<String> {
    h.sandbox
        .state()
        .with_tenant(&tenant(h).company_id, |t| {
            let mut rows: Vec<String> = t
                .settings_of(role_id)
                .map(|s| {
                    let levels = [s.add_level, s.edit_level, s.delete_level, s.inquire_level];
                    let mut items: Vec<&str> = t
                        .customize_items
                        .values()
                        .filter(|i| i.setting_id == s.id)
                        .map(|i| i.item_identifier.as_str())
                        .collect();
                    items.sort();
                    (
                        levels,
                        format!(
                            "{} > {}: {levels:?}; {items:?}",
                            s.module_name, s.module_function_name
                        ),
                    )
                })
                .filter(|(levels, _)| levels.iter().any(|l| *l != Level::None))
                .map(|(_, row)| row)
                .collect();
            rows.sort();
            rows
        })
        .unwrap_or_default()
}

/// `terraform.tfstate` as Terraform wrote it (empty when there is none yet).
pub fn raw_state_of(h: &Harness) -> String {
    std::fs::read_to_string(h.path().join("terraform.tfstate")).unwrap_or_default()
}

/// Whether `terraform.tfstate` marks `attribute` of the `resource_type` instances sensitive.
pub fn sensitive_in_raw_state(h: &Harness, resource_type: &str, attribute: &str) -> bool {
    let state: serde_json::Value = serde_json::from_str(&raw_state_of(h)).unwrap_or_default();
    let needle = format!("\"{attribute}\"");
    state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["type"] == resource_type)
        .flat_map(|r| r["instances"].as_array().cloned().unwrap_or_default())
        .any(|i| i["sensitive_attributes"].to_string().contains(&needle))
}

/// What the tests may change in the sandbox: roles with their granted rows, active API members,
/// API keys, the PSA credentials and the mappings.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    roles: Vec<(String, Vec<String>)>,
    active_api_members: Vec<String>,
    api_keys: Vec<(i32, i32)>,
    psa: Option<String>,
    mappings: Vec<(u64, String)>,
}

impl Snapshot {
    pub fn take(h: &Harness) -> Snapshot {
        let company = &tenant(h).company_id;
        let state = h.sandbox.state();
        let mut roles: Vec<(String, Vec<String>)> = state
            .roles(company)
            .into_iter()
            .map(|r| (r.name, granted_rows(h, r.id)))
            .collect();
        roles.sort();
        let members = state.api_members(company);
        let mut active_api_members: Vec<String> = members
            .iter()
            .filter(|m| !m.inactive_flag)
            .map(|m| m.identifier.clone())
            .collect();
        active_api_members.sort();
        let mut api_keys: Vec<(i32, i32)> = members
            .iter()
            .flat_map(|m| state.api_keys(company, m.id))
            .map(|k| (k.member_id, k.id))
            .collect();
        api_keys.sort();
        let mappings = h
            .sandbox
            .umbrella()
            .with_console(&tenant(h).umbrella_api_key, |c| {
                c.mappings.iter().map(|(k, v)| (*k, v.clone())).collect()
            })
            .unwrap_or_default();
        Snapshot {
            roles,
            active_api_members,
            api_keys,
            psa: stored_psa(h).map(|p| p.public_key),
            mappings,
        }
    }

    /// Asserts that the sandbox is back where it was (after a destroy).
    pub fn assert_same_as(&self, before: &Snapshot) {
        assert_eq!(self, before, "the sandbox is not as clean as before");
    }
}
