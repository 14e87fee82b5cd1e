//! All data of one ConnectWise company and the operations several routes share: roles with their
//! settings rows, lookups by name, key hashing and authentication.

use std::collections::BTreeMap;

use rand::Rng;
use rand::distr::Alphanumeric;
use time::OffsetDateTime;

use super::records::{
    ApiKey, ApiMemberDefaults, Audit, CustomizeItem, IdCounters, Level, Lookup, Member,
    MemberToken, Principal, RoleSetting, SecurityRole,
};
use crate::catalogue;

/// All data of one ConnectWise company.
#[derive(Debug, Clone)]
pub struct TenantStore {
    pub company_id: String,
    pub company_name: String,
    /// The keys from [`crate::TenantConfig`]; they always authenticate, as `key_owner_member_id`.
    pub config_public_key: String,
    pub config_private_key: String,
    pub key_owner_member_id: i32,
    pub roles: BTreeMap<i32, SecurityRole>,
    pub settings: BTreeMap<i32, RoleSetting>,
    /// The ids of each role's settings rows: created together, so one contiguous range. Lets a
    /// role's settings be read without scanning every role's rows.
    pub settings_ids: BTreeMap<i32, std::ops::Range<i32>>,
    pub customize_items: BTreeMap<i32, CustomizeItem>,
    pub members: BTreeMap<i32, Member>,
    pub api_keys: BTreeMap<i32, ApiKey>,
    pub tokens: Vec<MemberToken>,
    pub locations: Vec<Lookup>,
    pub departments: Vec<Lookup>,
    pub time_zones: Vec<Lookup>,
    pub structure_levels: Vec<Lookup>,
    pub boards: Vec<Lookup>,
    pub api_member_defaults: ApiMemberDefaults,
    pub next_ids: IdCounters,
    /// Salt of the key hashes (random per tenant).
    pub salt: u64,
}

impl TenantStore {
    /// Creates a role and its settings rows (one per catalogue function, all `None`).
    pub fn create_role(
        &mut self,
        name: &str,
        role_type: Option<String>,
        admin_flag: bool,
        inactive_flag: bool,
        by: &str,
        now: OffsetDateTime,
    ) -> i32 {
        let id = self.next_ids.role;
        self.next_ids.role += 1;
        self.roles.insert(
            id,
            SecurityRole {
                id,
                name: name.into(),
                role_type,
                admin_flag,
                inactive_flag,
                audit: Audit::new(by, now),
            },
        );
        let first_setting = self.next_ids.setting;
        for (module, function) in catalogue::functions() {
            let sid = self.next_ids.setting;
            self.next_ids.setting += 1;
            self.settings.insert(
                sid,
                RoleSetting {
                    id: sid,
                    role_id: id,
                    add_level: Level::None,
                    edit_level: Level::None,
                    delete_level: Level::None,
                    inquire_level: Level::None,
                    module_identifier: module.module_identifier.clone(),
                    module_name: module.module_name.clone(),
                    module_description: module.module_description.clone(),
                    module_function_identifier: function.module_function_identifier.clone(),
                    module_function_name: function.module_function_name.clone(),
                    module_function_description: function.module_function_description.clone(),
                    my_all_flag: function.my_all_flag,
                    report_flag: function.report_flag,
                    restrict_flag: false,
                    custom_flag: function.customize_identifier.is_some(),
                    customize_identifier: function.customize_identifier.clone(),
                    sort_order: function.sort_order,
                    audit: Audit::new(by, now),
                },
            );
        }
        self.settings_ids
            .insert(id, first_setting..self.next_ids.setting);
        id
    }

    /// Deletes a role with its settings and customize items.
    pub fn delete_role(&mut self, role_id: i32) -> Option<SecurityRole> {
        for sid in self.settings_ids.remove(&role_id).unwrap_or_default() {
            self.settings.remove(&sid);
        }
        self.customize_items.retain(|_, i| i.role_id != role_id);
        self.roles.remove(&role_id)
    }

    /// The settings rows of a role, by id.
    pub fn settings_of(&self, role_id: i32) -> impl Iterator<Item = &RoleSetting> {
        let ids = self.settings_ids.get(&role_id).cloned().unwrap_or_default();
        self.settings.range(ids).map(|(_, s)| s)
    }

    pub fn settings_of_mut(&mut self, role_id: i32) -> impl Iterator<Item = &mut RoleSetting> {
        let ids = self.settings_ids.get(&role_id).cloned().unwrap_or_default();
        self.settings.range_mut(ids).map(|(_, s)| s)
    }

    pub fn role_by_name(&self, name: &str) -> Option<&SecurityRole> {
        self.roles
            .values()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// The settings row of `role_id` for a module/function (names or identifiers).
    pub fn setting_for(
        &mut self,
        role_id: i32,
        module: &str,
        function: &str,
    ) -> Option<&mut RoleSetting> {
        self.settings_of_mut(role_id).find(|s| {
            (s.module_identifier == module || s.module_name == module)
                && (s.module_function_identifier == function || s.module_function_name == function)
        })
    }

    pub fn member_by_identifier(&self, identifier: &str) -> Option<&Member> {
        self.members
            .values()
            .find(|m| m.identifier.eq_ignore_ascii_case(identifier))
    }

    /// FNV-1a over the salt and the secret. Written out rather than `DefaultHasher`, whose
    /// algorithm may change between Rust releases: state files keep these hashes.
    pub fn hash_secret(&self, secret: &str) -> u64 {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        self.salt
            .to_le_bytes()
            .iter()
            .chain(secret.as_bytes())
            .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME))
    }

    /// Who a key pair authenticates as: the configured keys, an API key of an active member,
    /// or an unexpired token of an active member.
    pub fn authenticate(
        &self,
        public_key: &str,
        private_key: &str,
        now: OffsetDateTime,
    ) -> Option<Principal> {
        let active = |member_id: i32| {
            self.members
                .get(&member_id)
                .filter(|m| !m.inactive_flag)
                .map(|m| Principal {
                    member_id,
                    identifier: m.identifier.clone(),
                })
        };
        if public_key == self.config_public_key && private_key == self.config_private_key {
            return Some(active(self.key_owner_member_id).unwrap_or(Principal {
                member_id: self.key_owner_member_id,
                identifier: "admin".into(),
            }));
        }
        let hash = self.hash_secret(private_key);
        if let Some(k) = self
            .api_keys
            .values()
            .find(|k| k.public_key == public_key && k.private_key_hash == hash)
        {
            return active(k.member_id);
        }
        self.tokens
            .iter()
            .find(|t| {
                t.public_key == public_key && t.private_key_hash == hash && t.expiration > now
            })
            .and_then(|t| active(t.member_id))
    }
}

/// Random alphanumeric key material.
pub fn random_key(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}
