//! Root-level discovery: every object of the named roles (granted permissions, the API members
//! holding the role and their keys) and, with `--umbrella`, the console's PSA credentials and
//! company mappings, one `import {}` block each.

use api_client::umbrella::Umbrella;
use api_client::{Conditions, ConnectWise, SecurityRole};

use super::adopt::{granted_or_customized, key_owner_role, name_of};
use super::hcl::string;
use super::{Discovery, ImportBlock, dedupe_addresses, slug};

/// Finds the integration's objects and returns their import blocks. With `--umbrella` and no
/// role named, the role is the one whose member's key the Umbrella credentials use.
pub async fn discover(
    cw: &ConnectWise,
    umbrella: Option<&Umbrella>,
    what: &Discovery,
) -> Result<Vec<ImportBlock>, String> {
    let umbrella = match (what.umbrella, umbrella) {
        (true, None) => {
            return Err("--umbrella needs UMBRELLA_API_KEY and UMBRELLA_API_SECRET".into());
        }
        (true, Some(u)) => Some(u),
        (false, _) => None,
    };
    let mut roles = Vec::new();
    for role_name in &what.roles {
        roles.push(
            cw.security_roles()
                .find_by_name(role_name)
                .await
                .map_err(|e| format!("looking up role {}: {e}", string(role_name)))?
                .ok_or_else(|| format!("no security role is named {}", string(role_name)))?,
        );
    }
    if let (true, Some(u)) = (roles.is_empty(), umbrella) {
        roles.push(key_owner_role(cw, u).await?.role);
    }
    let mut blocks = Vec::new();
    for role in &roles {
        role_blocks(cw, role, &mut blocks).await?;
    }
    if let Some(u) = umbrella {
        umbrella_blocks(u, &mut blocks).await?;
    }
    dedupe_addresses(&mut blocks);
    Ok(blocks)
}

/// The role, its granted (or customized) functions, its active API members and their keys.
async fn role_blocks(
    cw: &ConnectWise,
    role: &SecurityRole,
    blocks: &mut Vec<ImportBlock>,
) -> Result<(), String> {
    let role_slug = slug(&role.name);
    let quoted = string(&role.name);
    blocks.push(ImportBlock {
        to: format!("connectwise_security_role.{role_slug}"),
        id: role.id.to_string(),
        comment: format!("security role {quoted}"),
    });
    for s in granted_or_customized(cw, role).await? {
        let (module, function) = name_of(&s);
        blocks.push(ImportBlock {
            to: format!(
                "connectwise_role_permission.{role_slug}_{}",
                slug(&format!("{module} {function}"))
            ),
            id: format!("{}/{}", role.id, s.id),
            comment: format!("{} > {}", string(&module), string(&function)),
        });
    }
    let members = cw
        .api_members()
        .list(&Conditions::eq("securityRole/id", i64::from(role.id)))
        .await
        .map_err(|e| format!("listing the API members of role {quoted}: {e}"))?;
    for m in members
        .into_iter()
        .filter(|m| m.inactive_flag != Some(true))
    {
        let Some(member_id) = m.id else { continue };
        let member_slug = slug(&m.identifier);
        let identifier = string(&m.identifier);
        blocks.push(ImportBlock {
            to: format!("connectwise_api_member.{member_slug}"),
            id: member_id.to_string(),
            comment: format!("API member {identifier}"),
        });
        let keys = cw
            .api_keys()
            .list(member_id, &Conditions::new())
            .await
            .map_err(|e| format!("listing the API keys of member {identifier}: {e}"))?;
        for (i, k) in keys.iter().enumerate() {
            let suffix = if keys.len() > 1 {
                format!("_{}", i + 1)
            } else {
                String::new()
            };
            blocks.push(ImportBlock {
                to: format!("connectwise_api_key.{member_slug}{suffix}"),
                id: format!("{member_id}/{}", k.id),
                comment: format!(
                    "API key {} (public key {})",
                    string(k.description.as_deref().unwrap_or_default()),
                    string(&k.public_key)
                ),
            });
        }
    }
    Ok(())
}

/// The console's PSA credentials (when set) and every company mapping.
async fn umbrella_blocks(u: &Umbrella, blocks: &mut Vec<ImportBlock>) -> Result<(), String> {
    if let Some(psa) = u
        .get_psa()
        .await
        .map_err(|e| format!("reading the Umbrella PSA settings: {e}"))?
    {
        blocks.push(ImportBlock {
            to: "connectwise_umbrella_psa_credentials.this".into(),
            id: "psa".into(),
            comment: format!(
                "Umbrella PSA credentials for company {} (public key {})",
                string(&psa.company_id),
                string(&psa.public_key)
            ),
        });
    }
    for m in super::adopt::mappings(u).await? {
        blocks.push(ImportBlock {
            to: format!(
                "connectwise_umbrella_psa_company_mapping.{}",
                slug(&m.customer_name)
            ),
            id: m.customer_id.to_string(),
            comment: m.comment(),
        });
    }
    Ok(())
}
