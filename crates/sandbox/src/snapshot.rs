//! State files: everything a client created, so a sandbox that is restarted keeps its objects and a
//! test can start from a recorded state ([`crate::SandboxConfig::state_file`],
//! [`crate::SandboxConfig::initial_state`], [`crate::Sandbox::save_state`]).
//!
//! The file is JSON:
//!
//! ```json
//! {
//!   "format": 1,
//!   "savedAt": "2026-05-09T10:00:00Z",
//!   "tenants": [{
//!     "companyId": "sandbox",
//!     "salt": 8121629410405735931,
//!     "nextIds": {"role": 4, "setting": 328, "item": 2, "member": 5, "apiKey": 2},
//!     "roles": [{"id": 3, "name": "Umbrella", "roleType": null, "adminFlag": false,
//!                "inactiveFlag": false, "audit": {"dateEntered": "...", "enteredBy": "admin",
//!                "lastUpdated": "...", "updatedBy": "admin"}}],
//!     "settings": [{"id": 219, "roleId": 3, "addLevel": "All", "editLevel": "None", "...": "..."}],
//!     "customizeItems": [{"id": 1, "roleId": 3, "settingId": 327,
//!                         "customizeIdentifier": "SystemTableSetup",
//!                         "itemIdentifier": "Service / Priority", "audit": {}}],
//!     "members": [{"id": 4, "identifier": "umbrella-psa", "licenseClass": "A", "...": "..."}],
//!     "apiKeys": [{"id": 1, "memberId": 4, "description": "Umbrella",
//!                  "publicKey": "...", "privateKeyHash": 1234, "audit": {}}],
//!     "tokens": [{"memberId": 4, "publicKey": "...", "privateKeyHash": 5678,
//!                 "expiration": "2026-05-09T11:00:00Z"}]
//!   }],
//!   "umbrellaConsoles": [{
//!     "apiKey": "umbrella-sandbox-key", "apiSecret": "umbrella-sandbox-secret", "orgId": "2000000",
//!     "customers": [{"customerId": 2000001, "customerName": "Acme Dental"}],
//!     "psa": {"psaType": "connectwise", "enabled": true, "siteUrl": "http://127.0.0.1:8080",
//!             "companyId": "sandbox", "publicKey": "...", "privateKey": "...",
//!             "updatedAt": "..."},
//!     "mappings": [{"customerId": 2000001, "psaCompanyId": "AcmeDental"}]
//!   }]
//! }
//! ```
//!
//! Every role's settings rows are kept (not only those that differ from the catalogue), so rows a
//! test changed out of band come back as they were. Private keys of ConnectWise API keys and
//! tokens are kept as the emulator keeps them, salted hashes with the tenant's salt; Umbrella's
//! stored PSA credentials and console secrets in clear, as the console holds them (the file is
//! written readable by its owner only). Not kept: reference tables and API member defaults (the
//! seed's), the request logs, Umbrella bearer tokens (clients ask for new ones), fault settings.
//!
//! Reading: every field but `format` may be missing, and unknown fields are ignored, so files
//! written by other versions of this format load. A missing list of a tenant (roles, members,
//! ...) keeps what the seed made; other missing fields take their defaults. The tenants come from
//! the configuration (their keys live there); the file's records replace the seed's, and a tenant
//! of the file that the configuration lacks is an error. Umbrella consoles of the file replace the
//! configured console with the same API key (fields the file lacks keep its values), or are added. Id counters continue past the highest
//! id of each kind even if the file's counters are lower.
//!
//! Writing is atomic: a temporary file in the same directory, flushed, then renamed over the old.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::state::{
    ApiKey, CustomizeItem, IdCounters, Member, MemberToken, RoleSetting, SandboxState,
    SecurityRole, TenantStore, lock,
};
use crate::umbrella::{StoredPsa, UmbrellaState};

/// The format this sandbox writes and reads.
pub const FORMAT: u32 = 1;

/// How long the autosaver waits after a change before it writes, so that a burst of changes (a
/// Terraform apply) is one write.
pub const AUTOSAVE_DELAY: Duration = Duration::from_millis(200);

/// A state file that cannot be read, understood or written.
#[derive(Debug)]
pub struct StateFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, e.g. `line 3 column 5: expected value`.
    pub problem: String,
}

impl fmt::Display for StateFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state file {}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for StateFileError {}

impl StateFileError {
    fn io(path: &Path, kind: std::io::ErrorKind, problem: String) -> std::io::Error {
        let path = path.to_path_buf();
        std::io::Error::new(kind, StateFileError { path, problem })
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    /// Required: a JSON file without it is not a state file.
    format: Option<u32>,
    #[serde(default)]
    saved_at: String,
    #[serde(default)]
    tenants: Vec<TenantSnapshot>,
    #[serde(default)]
    umbrella_consoles: Vec<ConsoleSnapshot>,
}

/// One tenant's records; a missing one keeps what the seed made.
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct TenantSnapshot {
    company_id: String,
    salt: Option<u64>,
    next_ids: Option<IdCounters>,
    roles: Option<Vec<SecurityRole>>,
    settings: Option<Vec<RoleSetting>>,
    customize_items: Option<Vec<CustomizeItem>>,
    members: Option<Vec<Member>>,
    api_keys: Option<Vec<ApiKey>>,
    tokens: Option<Vec<MemberToken>>,
}

/// One Umbrella console; a missing field keeps the configured console's value (`psa`: none).
#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ConsoleSnapshot {
    api_key: String,
    api_secret: Option<String>,
    org_id: Option<String>,
    customers: Option<Vec<Customer>>,
    psa: Option<StoredPsa>,
    mappings: Option<Vec<Mapping>>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Customer {
    customer_id: u64,
    customer_name: String,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Mapping {
    customer_id: u64,
    psa_company_id: String,
}

/// Writes the state of both emulators to `path`, atomically.
pub(crate) fn save(
    path: &Path,
    state: &SandboxState,
    umbrella: &UmbrellaState,
) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(&capture(state, umbrella))
        .map_err(|e| StateFileError::io(path, std::io::ErrorKind::InvalidData, e.to_string()))?;
    write_atomically(path, text.as_bytes())
        .map_err(|e| StateFileError::io(path, e.kind(), format!("cannot write it: {e}")))
}

/// Reads `path` into both emulators; an error names the file and the problem.
pub(crate) fn load(
    path: &Path,
    state: &SandboxState,
    umbrella: &UmbrellaState,
) -> std::io::Result<()> {
    let invalid =
        |problem: String| StateFileError::io(path, std::io::ErrorKind::InvalidData, problem);
    let text = std::fs::read_to_string(path)
        .map_err(|e| StateFileError::io(path, e.kind(), format!("cannot read it: {e}")))?;
    let snapshot: Snapshot = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    match snapshot.format {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(invalid(format!(
                "format {other} is not one this sandbox reads (it reads format {FORMAT})"
            )));
        }
        None => {
            return Err(invalid(format!(
                "no \"format\" field: not a sandbox state file (format {FORMAT})"
            )));
        }
    }
    restore(snapshot, state, umbrella).map_err(invalid)
}

fn capture(state: &SandboxState, umbrella: &UmbrellaState) -> Snapshot {
    let tenants = lock(&state.shared.tenants)
        .values()
        .map(|t| TenantSnapshot {
            company_id: t.company_id.clone(),
            salt: Some(t.salt),
            next_ids: Some(t.next_ids.clone()),
            roles: Some(t.roles.values().cloned().collect()),
            settings: Some(t.settings.values().cloned().collect()),
            customize_items: Some(t.customize_items.values().cloned().collect()),
            members: Some(t.members.values().cloned().collect()),
            api_keys: Some(t.api_keys.values().cloned().collect()),
            tokens: Some(t.tokens.clone()),
        })
        .collect();
    let umbrella_consoles = umbrella
        .consoles()
        .into_iter()
        .map(|c| ConsoleSnapshot {
            api_key: c.console.api_key,
            api_secret: Some(c.console.api_secret),
            org_id: Some(c.console.org_id),
            customers: Some(
                (c.console.customers.into_iter())
                    .map(|(customer_id, customer_name)| Customer {
                        customer_id,
                        customer_name,
                    })
                    .collect(),
            ),
            psa: c.psa,
            mappings: Some(
                (c.mappings.into_iter())
                    .map(|(customer_id, psa_company_id)| Mapping {
                        customer_id,
                        psa_company_id,
                    })
                    .collect(),
            ),
        })
        .collect();
    Snapshot {
        format: Some(FORMAT),
        saved_at: crate::http::iso(time::OffsetDateTime::now_utc()),
        tenants,
        umbrella_consoles,
    }
}

/// Replaces the seeded data with the file's; checks everything before changing anything.
fn restore(
    snapshot: Snapshot,
    state: &SandboxState,
    umbrella: &UmbrellaState,
) -> Result<(), String> {
    let mut tenants = lock(&state.shared.tenants);
    let mut restored = Vec::new();
    for saved in snapshot.tenants {
        let key = saved.company_id.to_lowercase();
        let Some(seeded) = tenants.get(&key) else {
            let known: Vec<&str> = tenants.values().map(|t| t.company_id.as_str()).collect();
            return Err(format!(
                "it holds tenant {:?}, which this sandbox does not serve (its tenants: {}); configure that tenant (e.g. --tenants N) or remove it from the file",
                saved.company_id,
                known.join(", ")
            ));
        };
        let mut tenant = seeded.clone();
        apply(&mut tenant, saved)?;
        restored.push((key, tenant));
    }
    tenants.extend(restored);
    drop(tenants);
    let configured = umbrella.consoles();
    for saved in snapshot.umbrella_consoles {
        let mut console = configured
            .iter()
            .find(|c| c.console.api_key == saved.api_key)
            .cloned()
            .unwrap_or_default();
        console.console.api_key = saved.api_key;
        console.console.api_secret = saved.api_secret.unwrap_or(console.console.api_secret);
        console.console.org_id = saved.org_id.unwrap_or(console.console.org_id);
        if let Some(customers) = saved.customers {
            console.console.customers = (customers.into_iter())
                .map(|c| (c.customer_id, c.customer_name))
                .collect();
        }
        console.psa = saved.psa;
        if let Some(mappings) = saved.mappings {
            console.mappings = (mappings.into_iter())
                .map(|m| (m.customer_id, m.psa_company_id))
                .collect();
        }
        umbrella.put_console(console);
    }
    Ok(())
}

/// A tenant's records from the file (those it has), with the settings index and the counters
/// that go with them.
fn apply(t: &mut TenantStore, saved: TenantSnapshot) -> Result<(), String> {
    fn by_id<T>(records: Vec<T>, id: impl Fn(&T) -> i32) -> BTreeMap<i32, T> {
        records.into_iter().map(|r| (id(&r), r)).collect()
    }
    if let Some(roles) = saved.roles {
        t.roles = by_id(roles, |r| r.id);
    }
    if let Some(settings) = saved.settings {
        t.settings = by_id(settings, |s| s.id);
    }
    if let Some(items) = saved.customize_items {
        t.customize_items = by_id(items, |i| i.id);
    }
    if let Some(members) = saved.members {
        t.members = by_id(members, |m| m.id);
    }
    if let Some(keys) = saved.api_keys {
        t.api_keys = by_id(keys, |k| k.id);
    }
    t.tokens = saved.tokens.unwrap_or(std::mem::take(&mut t.tokens));
    t.salt = saved.salt.unwrap_or(t.salt);
    t.settings_ids = settings_ranges(t, &saved.company_id)?;
    let after = |ids: Vec<i32>| ids.into_iter().max().map_or(1, |id| id + 1);
    let next = saved.next_ids.unwrap_or_else(|| t.next_ids.clone());
    t.next_ids = IdCounters {
        role: next.role.max(after(t.roles.keys().copied().collect())),
        setting: next
            .setting
            .max(after(t.settings.keys().copied().collect())),
        item: next
            .item
            .max(after(t.customize_items.keys().copied().collect())),
        member: next.member.max(after(t.members.keys().copied().collect())),
        api_key: next
            .api_key
            .max(after(t.api_keys.keys().copied().collect())),
    };
    Ok(())
}

/// Each role's settings rows are one contiguous range of ids (they are created together), which
/// is how a role's rows are found; a file that breaks this is refused.
fn settings_ranges(
    t: &TenantStore,
    company: &str,
) -> Result<BTreeMap<i32, std::ops::Range<i32>>, String> {
    let mut ranges: BTreeMap<i32, std::ops::Range<i32>> = BTreeMap::new();
    for s in t.settings.values() {
        let range = ranges.entry(s.role_id).or_insert(s.id..s.id);
        if range.start < range.end && range.end != s.id {
            return Err(format!(
                "tenant {company:?}: the settings rows of role {} are not numbered one after the other (row {} follows row {})",
                s.role_id,
                s.id,
                range.end - 1
            ));
        }
        range.end = s.id + 1;
    }
    Ok(ranges)
}

/// Writes `bytes` to a temporary file beside `path`, flushes it, and renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "state".into(), |n| n.to_string_lossy().into_owned());
    // Unique per write: an autosave and a `save_state` may write the same file at once.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Saves to `path` [`AUTOSAVE_DELAY`] after each change until `stop` fires. A failed save is
/// logged and retried at the next change (and at shutdown, which reports it).
pub(crate) async fn autosave(
    path: PathBuf,
    state: SandboxState,
    umbrella: UmbrellaState,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = state.shared.changed.notified() => {}
            _ = &mut stop => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(AUTOSAVE_DELAY) => {}
            _ = &mut stop => return,
        }
        let (path, state, umbrella) = (path.clone(), state.clone(), umbrella.clone());
        let saved = tokio::task::spawn_blocking(move || save(&path, &state, &umbrella)).await;
        match saved {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!("sandbox autosave failed: {e}"),
            Err(e) => tracing::warn!("sandbox autosave failed: {e}"),
        }
    }
}
