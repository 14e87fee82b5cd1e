//! Discovery for the shipped module: one role, its one API member, the key Umbrella uses, the
//! console's PSA credentials and mappings — found from the Umbrella side (the credentials name
//! the public key in use: key → member → role) or, without Umbrella, by role name.

use api_client::umbrella::{PsaSettings, Umbrella};
use api_client::{
    ApiKey, ApiMember, Conditions, ConnectWise, Level, SecurityRole, SecurityRoleSetting,
};

use super::hcl::string;

/// Everything the module call and its imports need.
#[derive(Clone, Debug)]
pub struct Adoption {
    pub role: SecurityRole,
    /// `Module > Function` of every function the role grants (or customizes), for the comment.
    pub granted: Vec<String>,
    pub member: ApiMember,
    pub member_id: i32,
    /// The key Umbrella uses (found from the credentials), or with no Umbrella every key of the
    /// member.
    pub keys: Vec<FoundKey>,
    /// `None` without `--umbrella`.
    pub psa: Option<PsaSettings>,
    pub mappings: Vec<FoundMapping>,
}

/// An API key of the adopted member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundKey {
    pub id: i32,
    pub description: String,
    pub public_key: String,
}

/// A company mapping of the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundMapping {
    pub customer_id: u64,
    /// The customer's name, or its id when the console does not list it.
    pub customer_name: String,
    pub psa_company_id: String,
}

impl FoundMapping {
    pub fn comment(&self) -> String {
        format!(
            "customer {} ({}) -> ConnectWise company {}",
            string(&self.customer_name),
            self.customer_id,
            string(&self.psa_company_id)
        )
    }
}

impl From<&ApiKey> for FoundKey {
    fn from(k: &ApiKey) -> Self {
        FoundKey {
            id: k.id,
            description: k.description.clone().unwrap_or_default(),
            public_key: k.public_key.clone(),
        }
    }
}

/// Finds the integration for the module: from the Umbrella credentials when `umbrella` is given
/// (then a `role_name` must be the role found), else by `role_name` (default `Umbrella`).
pub async fn adopt(
    cw: &ConnectWise,
    umbrella: Option<&Umbrella>,
    role_name: Option<&str>,
) -> Result<Adoption, String> {
    let Some(u) = umbrella else {
        return adopt_by_role_name(cw, role_name.unwrap_or("Umbrella")).await;
    };
    let owner = key_owner_role(cw, u).await?;
    if let Some(wanted) = role_name.filter(|name| *name != owner.role.name) {
        return Err(format!(
            "the key the Umbrella PSA credentials use belongs to API member {}, whose role is {}, \
             not {}: leave out --role to adopt that role, or drop --umbrella to adopt {} by name",
            string(&owner.member.identifier),
            string(&owner.role.name),
            string(wanted),
            string(wanted)
        ));
    }
    Ok(Adoption {
        granted: granted_names(cw, &owner.role).await?,
        role: owner.role,
        member: owner.member,
        member_id: owner.member_id,
        keys: vec![owner.key],
        psa: Some(owner.psa),
        mappings: mappings(u).await?,
    })
}

async fn adopt_by_role_name(cw: &ConnectWise, role_name: &str) -> Result<Adoption, String> {
    let quoted = string(role_name);
    let role = cw
        .security_roles()
        .find_by_name(role_name)
        .await
        .map_err(|e| format!("looking up role {quoted}: {e}"))?
        .ok_or_else(|| {
            format!(
                "no security role is named {quoted}: name the role with --role, or give --umbrella \
                 to find it from the key the Umbrella PSA credentials use"
            )
        })?;
    let members: Vec<ApiMember> = cw
        .api_members()
        .list(&Conditions::eq("securityRole/id", i64::from(role.id)))
        .await
        .map_err(|e| format!("listing the API members of role {quoted}: {e}"))?
        .into_iter()
        .filter(|m| m.inactive_flag != Some(true) && m.id.is_some())
        .collect();
    let (member, member_id) = match members.as_slice() {
        [m] => (m.clone(), m.id.unwrap_or_default()),
        [] => {
            return Err(format!(
                "no active API member holds role {quoted}: the module adopts a role together with its API member"
            ));
        }
        several => {
            let names: Vec<String> = several.iter().map(|m| string(&m.identifier)).collect();
            return Err(format!(
                "{} active API members hold role {quoted} ({}): the module manages one; give \
                 --umbrella to take the one whose key the Umbrella PSA credentials use",
                several.len(),
                names.join(", ")
            ));
        }
    };
    let keys = cw
        .api_keys()
        .list(member_id, &Conditions::new())
        .await
        .map_err(|e| {
            format!(
                "listing the API keys of member {}: {e}",
                string(&member.identifier)
            )
        })?;
    Ok(Adoption {
        granted: granted_names(cw, &role).await?,
        role,
        member,
        member_id,
        keys: keys.iter().map(FoundKey::from).collect(),
        psa: None,
        mappings: Vec::new(),
    })
}

/// What the Umbrella credentials lead to.
pub(super) struct KeyOwner {
    pub role: SecurityRole,
    pub member: ApiMember,
    pub member_id: i32,
    pub key: FoundKey,
    pub psa: PsaSettings,
}

/// The chain from the Umbrella side: PSA credentials → their public key → the API key with that
/// public key (searched among the API members' keys) → its member → the member's role.
pub(super) async fn key_owner_role(cw: &ConnectWise, u: &Umbrella) -> Result<KeyOwner, String> {
    let psa = u
        .get_psa()
        .await
        .map_err(|e| format!("reading the Umbrella PSA credentials: {e}"))?
        .ok_or(
            "the Umbrella console has no PSA credentials (MSP Settings > PSA Integration Details \
             is empty), so there is no integration to adopt from the Umbrella side; without \
             --umbrella, generate-imports looks for the role by name (--role)",
        )?;
    let public = string(&psa.public_key);
    let (member, key) = find_key(cw, &psa.public_key).await?.ok_or_else(|| {
        format!(
            "no ConnectWise API member has an API key with public key {public}, the key the \
             Umbrella PSA credentials use (for company {}): the credentials use a key of another \
             member (a full member's key, or one of another ConnectWise company) or a key that was \
             deleted. Make a key for the integration's API member, save it in Umbrella (MSP \
             Settings > PSA Integration Details), and run generate-imports again",
            string(&psa.company_id)
        )
    })?;
    let member_id = member.id.unwrap_or_default();
    let identifier = string(&member.identifier);
    if member.inactive_flag == Some(true) {
        return Err(format!(
            "the key with public key {public} belongs to API member {identifier}, which is \
             inactive: the integration cannot work; activate the member in ConnectWise first"
        ));
    }
    let role_id = member
        .security_role
        .as_ref()
        .and_then(|r| r.id)
        .ok_or_else(|| format!("API member {identifier} has no security role"))?;
    let role =
        cw.security_roles().get(role_id).await.map_err(|e| {
            format!("reading security role {role_id} of API member {identifier}: {e}")
        })?;
    Ok(KeyOwner {
        role,
        member,
        member_id,
        key,
        psa,
    })
}

/// The API member whose key has `public_key`, and that key.
async fn find_key(
    cw: &ConnectWise,
    public_key: &str,
) -> Result<Option<(ApiMember, FoundKey)>, String> {
    let members = cw
        .api_members()
        .list(&Conditions::new())
        .await
        .map_err(|e| format!("listing the API members: {e}"))?;
    for m in members {
        let Some(member_id) = m.id else { continue };
        let keys = cw
            .api_keys()
            .list(member_id, &Conditions::eq("publicKey", public_key))
            .await
            .map_err(|e| {
                format!(
                    "listing the API keys of member {}: {e}",
                    string(&m.identifier)
                )
            })?;
        // The condition narrows the list; the comparison decides.
        if let Some(k) = keys.iter().find(|k| k.public_key == public_key) {
            return Ok(Some((m, FoundKey::from(k))));
        }
    }
    Ok(None)
}

/// The rows of the role that grant a level, or whose allow-list has entries without a level.
pub(super) async fn granted_or_customized(
    cw: &ConnectWise,
    role: &SecurityRole,
) -> Result<Vec<SecurityRoleSetting>, String> {
    let settings = cw
        .role_settings()
        .list(role.id)
        .await
        .map_err(|e| format!("reading the settings of role {}: {e}", string(&role.name)))?;
    let mut out = Vec::new();
    for s in settings.iter().cloned() {
        let granted = [s.add_level, s.edit_level, s.delete_level, s.inquire_level]
            .iter()
            .any(|l| matches!(l, Some(Level::My) | Some(Level::All)));
        // A customizable function with an allow-list but no levels is still configuration.
        let customized = !granted
            && s.custom_flag == Some(true)
            && !cw
                .role_settings()
                .list_customize_items(role.id, s.id)
                .await
                .unwrap_or_default()
                .is_empty();
        if granted || customized {
            out.push(s);
        }
    }
    Ok(out)
}

/// `(module, function)` names of a settings row.
pub(super) fn name_of(s: &SecurityRoleSetting) -> (String, String) {
    (
        s.module_name.clone().unwrap_or_default(),
        s.module_function_name.clone().unwrap_or_default(),
    )
}

async fn granted_names(cw: &ConnectWise, role: &SecurityRole) -> Result<Vec<String>, String> {
    Ok(granted_or_customized(cw, role)
        .await?
        .iter()
        .map(|s| {
            let (module, function) = name_of(s);
            format!("{module} > {function}")
        })
        .collect())
}

/// Every company mapping of the console, with the customer's name when the console lists it.
pub(super) async fn mappings(u: &Umbrella) -> Result<Vec<FoundMapping>, String> {
    // Names only label comments and addresses: without them the ids do.
    let customers = u.list_customers().await.unwrap_or_default();
    let mappings = u
        .list_mappings()
        .await
        .map_err(|e| format!("reading the Umbrella company mappings: {e}"))?;
    Ok(mappings
        .into_iter()
        .map(|m| FoundMapping {
            customer_name: customers
                .iter()
                .find(|c| c.customer_id == m.customer_id)
                .map_or_else(|| m.customer_id.to_string(), |c| c.customer_name.clone()),
            customer_id: m.customer_id,
            psa_company_id: m.psa_company_id,
        })
        .collect())
}
