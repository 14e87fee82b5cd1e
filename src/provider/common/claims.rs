//! Who wants which settings of which security role, and the per-role locks that order the
//! writes to one role. Shared by `connectwise_role_permission` (one key per row) and
//! `connectwise_role_permission_set` (one key per role).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

/// The key of one claim: (role id, catalogue module, catalogue function); a whole role has
/// empty module and function ([`Claims::role_key`]).
pub type ClaimKey = (String, String, String);

/// Who wants which settings of which role, per provider process, shared by
/// `connectwise_role_permission` (one key per (role id, module, function)) and
/// `connectwise_role_permission_set` (one key per role: [`Claims::role_key`]). Two resources that
/// want different settings for the same row, or a set and a single permission on the same role,
/// are an error instead of a silent fight.
///
/// It also orders writes to one role: a set reads and writes the whole role, so it holds the
/// role exclusively, while single permissions (one row each) share it. A set replacing single
/// permissions in one apply (or the reverse) then never decides on a list read before the
/// other resource's reset.
#[derive(Default)]
pub struct Claims {
    claims: Mutex<BTreeMap<ClaimKey, String>>,
    roles: Mutex<HashMap<String, Arc<RwLock<()>>>>,
}

/// Why a claim was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum ClaimConflict {
    /// The same key was claimed with these other settings.
    Differs(String),
    /// The other kind of resource manages the role: for a set, the first row claimed by a
    /// `connectwise_role_permission` (`Module > Function`); for a row, the set's settings.
    OtherKind(String),
}

impl Claims {
    /// The key of a whole role (a `connectwise_role_permission_set`).
    pub fn role_key(role: &str) -> ClaimKey {
        (role.to_string(), String::new(), String::new())
    }

    /// Records `fingerprint` for `key`, unless a different one was recorded for it or the other
    /// kind of resource manages the same role.
    pub fn claim(&self, key: ClaimKey, fingerprint: String) -> Result<(), ClaimConflict> {
        let mut map = self.claims.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = map.get(&key) {
            return if *existing == fingerprint {
                Ok(())
            } else {
                Err(ClaimConflict::Differs(existing.clone()))
            };
        }
        let role_key = Self::role_key(&key.0);
        let other = if key == role_key {
            map.range(role_key..)
                .take_while(|((role, _, _), _)| *role == key.0)
                .find(|((_, module, _), _)| !module.is_empty())
                .map(|((_, module, function), _)| format!("{module} > {function}"))
        } else {
            map.get(&role_key).cloned()
        };
        if let Some(other) = other {
            return Err(ClaimConflict::OtherKind(other));
        }
        map.insert(key, fingerprint);
        Ok(())
    }

    /// Whether some resource planned in this process wants settings for `key`.
    pub fn is_claimed(&self, key: &ClaimKey) -> bool {
        self.claims
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(key)
    }

    fn role_lock(&self, role_id: i32) -> Arc<RwLock<()>> {
        self.roles
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(role_id.to_string())
            .or_default()
            .clone()
    }

    /// Held by a single permission while it reads and writes its row.
    pub async fn lock_row(&self, role_id: i32) -> OwnedRwLockReadGuard<()> {
        self.role_lock(role_id).read_owned().await
    }

    /// Held by a set while it reads and writes the role.
    pub async fn lock_role(&self, role_id: i32) -> OwnedRwLockWriteGuard<()> {
        self.role_lock(role_id).write_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(role: &str) -> ClaimKey {
        (
            role.to_string(),
            "System".to_string(),
            "Table Setup".to_string(),
        )
    }

    #[test]
    fn claims_conflict_only_on_different_settings() {
        let claims = Claims::default();
        assert!(claims.claim(row("1"), "a".into()).is_ok());
        assert!(claims.claim(row("1"), "a".into()).is_ok());
        assert_eq!(
            claims.claim(row("1"), "b".into()),
            Err(ClaimConflict::Differs("a".to_string()))
        );
        assert!(claims.is_claimed(&row("1")));
    }

    #[test]
    fn a_set_and_a_single_permission_on_one_role_conflict_either_way() {
        let claims = Claims::default();
        assert!(claims.claim(row("1"), "a".into()).is_ok());
        assert_eq!(
            claims.claim(Claims::role_key("1"), "set".into()),
            Err(ClaimConflict::OtherKind("System > Table Setup".into()))
        );
        // Another role is unaffected, in both directions.
        assert!(claims.claim(Claims::role_key("2"), "set".into()).is_ok());
        assert_eq!(
            claims.claim(row("2"), "a".into()),
            Err(ClaimConflict::OtherKind("set".into()))
        );
        // Role "1" and role "10" do not share keys.
        assert!(claims.claim(Claims::role_key("10"), "set".into()).is_ok());
    }

    #[tokio::test]
    async fn a_set_waits_for_the_rows_and_rows_share() {
        let claims = Claims::default();
        let a = claims.lock_row(1).await;
        let b = claims.lock_row(1).await;
        let set = claims.role_lock(1);
        assert!(set.try_write().is_err());
        // Another role has its own lock.
        assert!(claims.role_lock(2).try_write().is_ok());
        drop((a, b));
        assert!(set.try_write().is_ok());
    }
}
