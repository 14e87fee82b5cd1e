//! A stateful, in-memory emulator of the ConnectWise Manage REST API (and, merged into the same
//! server, the Cisco Umbrella API from [`umbrella`]), used in-process by every test and shipped
//! as the `connectwise-sandbox` binary.
//!
//! Fidelity follows `shared/research/connectwise-api.md`; calls marked `[ext]` in
//! `shared/api-contract.md` (role settings PATCH, customize items, API keys) use the project's
//! contract. Tests change state out of band through [`SandboxState::with_tenant`].

mod api_keys;
mod api_members;
mod catalogue;
pub mod conditions;
mod config;
mod connectwise;
pub mod faults;
mod http;
mod lookups;
mod members;
mod role_settings;
mod security_roles;
mod state;
pub mod umbrella;

use std::net::SocketAddr;
use std::sync::Arc;
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
pub use faults::{FaultConfig, FaultCounts};

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
}

impl Sandbox {
    /// Starts on `127.0.0.1` with a free port.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Sandbox::start_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn start_on(config: SandboxConfig, addr: SocketAddr) -> std::io::Result<Sandbox> {
        config
            .faults
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let faults = FaultState::new(config.faults.clone());
        let state = SandboxState::new(config);
        state.set_addr(addr);
        let app = connectwise_router(state.clone());
        // Umbrella emulator: one console per tenant, credentials checked against this ConnectWise.
        // The two route sets do not overlap; the layer below then records and delays both.
        let umbrella = umbrella::UmbrellaState::for_sandbox(&state);
        let app = app.merge(umbrella::router(umbrella.clone()));
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
        let task = tokio::spawn(async move {
            // TCP_NODELAY: without it Nagle's algorithm and delayed ACKs stall
            // multi-segment answers (e.g. a role's settings list) by ~40 ms.
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let served = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = served.await {
                tracing::error!("sandbox server stopped: {e}");
            }
        });
        Ok(Sandbox {
            addr,
            state,
            umbrella,
            faults,
            stop: Some(stop),
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
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

    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // A dropped sandbox must not keep serving (tests start many).
        if self.stop.is_some() {
            self.task.abort();
        }
    }
}

/// Records every request and adds the configured latency.
async fn record_and_delay(State(state): State<SandboxState>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    tracing::debug!(%method, %path, "sandbox request");
    let resp = next.run(req).await;
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
