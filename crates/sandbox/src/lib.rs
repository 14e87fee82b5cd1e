//! A stateful, in-memory emulator of the ConnectWise Manage REST API (and, merged into the same
//! server, the Cisco Umbrella API from [`umbrella`]), used in-process by every test and shipped
//! as the `connectwise-sandbox` binary.
//!
//! Fidelity follows `shared/research/connectwise-api.md`; calls marked `[ext]` in
//! `shared/api-contract.md` (role settings PATCH, customize items, API keys) use the project's
//! contract. Tests change state out of band through [`SandboxState::with_tenant`]. State files
//! ([`snapshot`]) keep what clients created across restarts, or start a sandbox from a recorded
//! state.

mod api_keys;
mod api_members;
pub mod banner;
mod catalogue;
mod companies;
pub mod conditions;
mod config;
mod connectwise;
pub mod extensions_off;
pub mod faults;
pub mod hand_made;
mod http;
mod lookups;
mod members;
pub mod msp_customers;
mod role_settings;
mod security_roles;
pub mod snapshot;
mod state;
mod tls;
pub mod umbrella;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use state::{
    ApiKey, ApiMemberDefaults, Audit, CredentialCheck, CustomizeItem, IdCounters, Level, Lookup,
    Member, MemberToken, Principal, RequestRecord, RoleSetting, SandboxState, SecurityRole,
    TenantStore,
};

pub use config::{SandboxConfig, TenantConfig};
pub use connectwise::connectwise_router;
pub use extensions_off::Extension;
pub use faults::{FaultConfig, FaultCounts};
pub use snapshot::StateFileError;

use connectwise::TenantTag;
use faults::FaultState;

/// The `api-current-version` every response carries.
pub const API_VERSION: &str = "2025.1";

/// A running sandbox server.
pub struct Sandbox {
    addr: SocketAddr,
    state: SandboxState,
    umbrella: umbrella::UmbrellaState,
    faults: Arc<FaultState>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    /// With a state file: stops the autosaver, and its task.
    autosave: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
    /// With [`SandboxConfig::tls`]: the CA clients must trust (PEM).
    ca_pem: Option<String>,
    /// TLS handshakes that failed (e.g. a client that does not trust the CA).
    tls_failures: Arc<AtomicU64>,
    /// With [`SandboxConfig::hand_made`]: what was set up.
    hand_made: Vec<hand_made::HandMadeIntegration>,
}

impl Sandbox {
    /// Starts on `127.0.0.1` with a free port.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Sandbox::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts on `addr`. With [`SandboxConfig::state_file`] or
    /// [`SandboxConfig::initial_state`], the state is read first: a file that cannot be read or
    /// understood is an error ([`snapshot::StateFileError`] inside the `io::Error`), and nothing
    /// is served.
    pub async fn start_on(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<Sandbox> {
        config
            .faults
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let faults = FaultState::new(config.faults.clone());
        let state = SandboxState::new(config);
        // Umbrella emulator: one console per tenant, credentials checked against this ConnectWise.
        let umbrella = umbrella::UmbrellaState::for_sandbox(&state);
        let config = state.config();
        let state_file = config.state_file.as_deref();
        let source = state_file
            .filter(|f| f.exists())
            .or(config.initial_state.as_deref());
        if let Some(source) = source {
            snapshot::load(source, &state, &umbrella)?;
        }
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        state.set_addr(addr);
        // A recorded state holds whatever was set up already; the console needs the site's URL.
        let hand_made = if config.hand_made && source.is_none() {
            let scheme = if config.tls { "https" } else { "http" };
            hand_made::set_up(&state, &umbrella, &format!("{scheme}://{addr}"))
        } else {
            Vec::new()
        };
        if let Some(file) = state_file {
            // At once, so that an unwritable file is reported now rather than at shutdown.
            snapshot::save(file, &state, &umbrella)?;
        }
        // The two route sets do not overlap; the layers below then record and delay both.
        let app = connectwise_router(state.clone()).merge(umbrella::router(umbrella.clone()));
        // Playing a server without the `[ext]` calls, or one that enforces roles (off by default).
        let app = app.layer(middleware::from_fn_with_state(
            state.clone(),
            extensions_off::gate,
        ));
        // Faults sit inside the recorder, so injected answers are recorded too.
        let app = app.layer(middleware::from_fn_with_state(
            faults.clone(),
            faults::inject,
        ));
        let app = app.layer(middleware::from_fn_with_state(
            state.clone(),
            record_and_delay,
        ));
        let (stop, stopped) = oneshot::channel::<()>();
        let tls_failures = Arc::new(AtomicU64::new(0));
        let (task, ca_pem) = if state.config().tls {
            let identity = tls::TlsIdentity::generate()?;
            let listener = tls::TlsListener::new(listener, &identity, tls_failures.clone())?;
            let task = tokio::spawn(serve_on(listener, app, stopped));
            (task, Some(identity.ca_pem))
        } else {
            (tokio::spawn(serve(listener, app, stopped)), None)
        };
        let autosave = state.config().state_file.clone().map(|file| {
            let (stop, stopped) = oneshot::channel::<()>();
            let saver = snapshot::autosave(file, state.clone(), umbrella.clone(), stopped);
            (stop, tokio::spawn(saver))
        });
        Ok(Sandbox {
            addr,
            state,
            umbrella,
            faults,
            stop: Some(stop),
            task,
            autosave,
            ca_pem,
            tls_failures,
            hand_made,
        })
    }

    /// With [`SandboxConfig::hand_made`], per tenant: the integration set up at start (empty when
    /// the state came from a file).
    pub fn hand_made(&self) -> &[hand_made::HandMadeIntegration] {
        &self.hand_made
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://…` with [`SandboxConfig::tls`].
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// With [`SandboxConfig::tls`]: the PEM of the CA that signed the server's certificate.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// How many TLS handshakes failed so far (they never reach [`Sandbox::requests`]).
    pub fn tls_handshake_failures(&self) -> u64 {
        self.tls_failures.load(Ordering::Relaxed)
    }

    pub fn config(&self) -> &SandboxConfig {
        self.state.config()
    }

    pub fn state(&self) -> SandboxState {
        self.state.clone()
    }

    /// The Umbrella emulator's state (consoles, tokens, PSA settings, its own request log).
    pub fn umbrella(&self) -> umbrella::UmbrellaState {
        self.umbrella.clone()
    }

    /// Every HTTP request answered so far (ConnectWise and Umbrella).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests()
    }

    pub fn clear_requests(&self) {
        self.state.clear_requests()
    }

    /// Replaces the injected faults from the next request on (and restarts the seeded
    /// generator); [`FaultConfig::default`] turns them off. Panics on an invalid configuration.
    pub fn set_faults(&self, faults: FaultConfig) {
        if let Err(e) = faults.validate() {
            panic!("invalid fault configuration: {e}");
        }
        self.faults.set(faults);
    }

    /// The faults currently injected.
    pub fn faults(&self) -> FaultConfig {
        self.faults.config()
    }

    /// How many faults were injected so far, by kind.
    pub fn fault_counts(&self) -> FaultCounts {
        self.faults.counts()
    }

    /// Sets the fault counters to zero.
    pub fn reset_fault_counts(&self) {
        self.faults.reset_counts()
    }

    /// Writes the state of both emulators to `path` (format in [`snapshot`]), atomically; the
    /// file can be given to [`SandboxConfig::initial_state`] or [`SandboxConfig::state_file`].
    pub fn save_state(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        snapshot::save(path.as_ref(), &self.state, &self.umbrella)
    }

    /// Stops serving (requests in progress finish first); with a state file, saves it a last
    /// time. A failed save is logged; [`Sandbox::stop`] returns it instead.
    pub async fn shutdown(self) {
        if let Err(e) = self.stop().await {
            tracing::error!("{e}");
        }
    }

    /// Stops serving like [`Sandbox::shutdown`] and returns the error of the last save of the
    /// state file, if one is configured and could not be written.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
        if let Some((stop, task)) = self.autosave.take() {
            let _ = stop.send(());
            let _ = task.await;
        }
        match &self.state.config().state_file {
            Some(file) => snapshot::save(file, &self.state, &self.umbrella),
            None => Ok(()),
        }
    }
}

/// Serves until `stopped` fires.
async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    stopped: oneshot::Receiver<()>,
) {
    // TCP_NODELAY: without it Nagle's algorithm and delayed ACKs stall
    // multi-segment answers (e.g. a role's settings list) by ~40 ms.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    serve_on(listener, app, stopped).await
}

/// Serves connections from `listener` (plain TCP or [`tls::TlsListener`]) until `stopped` fires.
async fn serve_on<L>(listener: L, app: axum::Router, stopped: oneshot::Receiver<()>)
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let served = axum::serve(listener, app).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    if let Err(e) = served.await {
        tracing::error!("sandbox server stopped: {e}");
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // A dropped sandbox must not keep serving (tests start many).
        if self.stop.is_some() {
            self.task.abort();
        }
        // Nor save: dropping is not stopping (no last save; the autosaver stops too).
        if let Some((_, task)) = &self.autosave {
            task.abort();
        }
    }
}

/// Records every request, adds the configured latency, and tells the autosaver about changes.
async fn record_and_delay(State(state): State<SandboxState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    tracing::debug!(%method, %path, "sandbox request");
    // Whatever the answer: a "lost" POST (faults) changes state behind an error. Bearer tokens
    // are not kept in state files.
    let changes =
        !matches!(req.method().as_str(), "GET" | "HEAD" | "OPTIONS") && path != "/auth/v2/token";
    let resp = next.run(req).await;
    if changes {
        state.shared.changed.notify_one();
    }
    let latency = state.config().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    state.record(RequestRecord {
        method,
        path,
        query,
        status: resp.status().as_u16(),
        tenant: resp.extensions().get::<TenantTag>().map(|t| t.0.clone()),
        at: SystemTime::now(),
    });
    resp
}

#[cfg(test)]
mod tests;
