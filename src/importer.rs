//! `terraform-provider-connectwise generate-imports`: finds an Umbrella PSA
//! integration that was set up by hand and writes the `import {}` blocks that
//! bring it under management. Then `terraform plan -generate-config-out=...`
//! writes the configuration, which plans with no changes (the private keys
//! excepted: no API ever returns them).

use std::fmt::Write as _;

use api_client::umbrella::Umbrella;
use api_client::{Conditions, ConnectWise, Level};

/// One `import {}` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportBlock {
    /// The resource address, e.g. `connectwise_security_role.umbrella`.
    pub to: String,
    pub id: String,
    /// A one-line comment saying what was found.
    pub comment: String,
}

/// What to look for.
#[derive(Clone, Debug)]
pub struct Discovery {
    /// Role names ("Role ID"), e.g. `Umbrella`.
    pub roles: Vec<String>,
    /// Also import the Umbrella console's PSA credentials and company mappings.
    pub umbrella: bool,
}

/// A Terraform name from free text: lower case, `_` for anything else.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_matches('_').to_string();
    match out.chars().next() {
        None => "item".to_string(),
        Some(c) if c.is_ascii_digit() => format!("n{out}"),
        Some(_) => out,
    }
}

/// Finds the integration's objects and returns their import blocks.
pub async fn discover(
    cw: &ConnectWise,
    umbrella: Option<&Umbrella>,
    what: &Discovery,
) -> Result<Vec<ImportBlock>, String> {
    let mut blocks = Vec::new();
    for role_name in &what.roles {
        let role = cw
            .security_roles()
            .find_by_name(role_name)
            .await
            .map_err(|e| format!("looking up role {role_name:?}: {e}"))?
            .ok_or_else(|| format!("no security role is named {role_name:?}"))?;
        let role_slug = slug(&role.name);
        blocks.push(ImportBlock {
            to: format!("connectwise_security_role.{role_slug}"),
            id: role.id.to_string(),
            comment: format!("security role {:?}", role.name),
        });
        let settings = cw
            .role_settings()
            .list(role.id)
            .await
            .map_err(|e| format!("reading the settings of role {:?}: {e}", role.name))?;
        for s in settings.iter() {
            let granted = [s.add_level, s.edit_level, s.delete_level, s.inquire_level]
                .iter()
                .any(|l| matches!(l, Some(Level::My) | Some(Level::All)));
            // A customizable function with an allow-list but no levels is
            // still configuration worth keeping.
            let has_items = !granted
                && s.custom_flag == Some(true)
                && !cw
                    .role_settings()
                    .list_customize_items(role.id, s.id)
                    .await
                    .unwrap_or_default()
                    .is_empty();
            if granted || has_items {
                let module = s.module_name.clone().unwrap_or_default();
                let function = s.module_function_name.clone().unwrap_or_default();
                blocks.push(ImportBlock {
                    to: format!(
                        "connectwise_role_permission.{role_slug}_{}",
                        slug(&format!("{module} {function}"))
                    ),
                    id: format!("{}/{}", role.id, s.id),
                    comment: format!("{module} > {function}"),
                });
            }
        }
        let members = cw
            .api_members()
            .list(&Conditions::eq("securityRole/id", i64::from(role.id)))
            .await
            .map_err(|e| format!("listing the API members of role {:?}: {e}", role.name))?;
        for m in members
            .into_iter()
            .filter(|m| m.inactive_flag != Some(true))
        {
            let Some(member_id) = m.id else { continue };
            let identifier = m.identifier.clone();
            let member_slug = slug(&identifier);
            blocks.push(ImportBlock {
                to: format!("connectwise_api_member.{member_slug}"),
                id: member_id.to_string(),
                comment: format!("API member {identifier:?}"),
            });
            let keys = cw
                .api_keys()
                .list(member_id, &Conditions::new())
                .await
                .map_err(|e| format!("listing the API keys of member {identifier:?}: {e}"))?;
            for (i, k) in keys.iter().enumerate() {
                let suffix = if keys.len() > 1 {
                    format!("_{}", i + 1)
                } else {
                    String::new()
                };
                blocks.push(ImportBlock {
                    to: format!("connectwise_api_key.{member_slug}{suffix}"),
                    id: format!("{member_id}/{}", k.id),
                    comment: format!("API key {:?} ({})", k.description, k.public_key),
                });
            }
        }
    }
    if what.umbrella {
        let Some(u) = umbrella else {
            return Err("--umbrella needs UMBRELLA_API_KEY and UMBRELLA_API_SECRET".into());
        };
        if let Some(psa) = u
            .get_psa()
            .await
            .map_err(|e| format!("reading the Umbrella PSA settings: {e}"))?
        {
            blocks.push(ImportBlock {
                to: "connectwise_umbrella_psa_credentials.this".into(),
                id: "psa".into(),
                comment: format!(
                    "Umbrella PSA credentials for {} (public key {})",
                    psa.company_id, psa.public_key
                ),
            });
        }
        let customers = u.list_customers().await.unwrap_or_default();
        for m in u
            .list_mappings()
            .await
            .map_err(|e| format!("reading the Umbrella company mappings: {e}"))?
        {
            let name = customers
                .iter()
                .find(|c| c.customer_id == m.customer_id)
                .map(|c| c.customer_name.clone())
                .unwrap_or_else(|| m.customer_id.to_string());
            blocks.push(ImportBlock {
                to: format!("connectwise_umbrella_psa_company_mapping.{}", slug(&name)),
                id: m.customer_id.to_string(),
                comment: format!(
                    "customer {name:?} -> ConnectWise company {:?}",
                    m.psa_company_id
                ),
            });
        }
    }
    dedupe_addresses(&mut blocks);
    Ok(blocks)
}

/// Two objects must not get the same address; later ones get `_2`, `_3`...
fn dedupe_addresses(blocks: &mut [ImportBlock]) {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for b in blocks.iter_mut() {
        let n = seen.entry(b.to.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            b.to = format!("{}_{}", b.to, n);
        }
    }
}

/// The blocks as Terraform configuration.
pub fn render(blocks: &[ImportBlock]) -> String {
    let mut out = String::from(
        "# Generated by `terraform-provider-connectwise generate-imports`.\n\
         # Next: terraform plan -generate-config-out=generated.tf\n\
         # Private keys cannot be read back from ConnectWise or Umbrella: after the import,\n\
         # give connectwise_umbrella_psa_credentials a key (private_key, private_key_wo or mint_key).\n",
    );
    for b in blocks {
        let _ = write!(
            out,
            "\n# {}\nimport {{\n  to = {}\n  id = {:?}\n}}\n",
            b.comment, b.to, b.id
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_terraform_names() {
        assert_eq!(slug("Umbrella PSA"), "umbrella_psa");
        assert_eq!(slug("System > Table Setup"), "system_table_setup");
        assert_eq!(slug("2000001"), "n2000001");
        assert_eq!(slug("--"), "item");
    }

    #[test]
    fn duplicate_addresses_get_suffixes() {
        let b = |to: &str| ImportBlock {
            to: to.into(),
            id: "1".into(),
            comment: String::new(),
        };
        let mut blocks = vec![b("a.x"), b("a.x"), b("a.y")];
        dedupe_addresses(&mut blocks);
        assert_eq!(blocks[1].to, "a.x_2");
        assert!(render(&blocks).contains("to = a.x_2"));
    }
}
