//! REST clients for ConnectWise Manage (PSA) and Cisco Umbrella, with no Terraform types.
//!
//! # Layout
//!
//! - [`connectwise`]: the ConnectWise Manage client — its transport (`http`: auth header, request
//!   building, retries, decoding, paging), its [`Error`], models, one module per API area, and
//!   [`extensions`] (the calls outside the published API). Its public items are re-exported here,
//!   so `api_client::ConnectWise`, `api_client::Error` and `api_client::error::…` are the same
//!   items as under `api_client::connectwise`.
//! - [`umbrella`]: the Cisco Umbrella client (OAuth token cache, per-key throttle, customers, PSA
//!   settings), with its own `UmbrellaError`.
//! - Shared by both, at the crate root: [`secret`] (the one [`Secret`] type, never printed) and
//!   `backoff` (one exponential backoff with jitter and `Retry-After` handling; each client holds
//!   its own policy values).
//!
//! Two pieces stay with the one client that needs them: ConnectWise's `limiter` (a token bucket
//! and an in-flight cap per site and company, shared process-wide) and `coalesce` (one shared read
//! of a role's settings while Terraform refreshes its rows in parallel). Umbrella's documented
//! limits are several sliding windows per key (5/s, 14/min, 350/30 min), which a single bucket
//! cannot express, so it keeps its own `umbrella::throttle`. The reads that hundreds of parallel
//! Umbrella resources repeat (the mapping table, the customer list) and the ConnectWise company
//! list are shared through [`single_flight`], held per provider configuration
//! (`umbrella::psa::ConsoleReads`, `connectwise::companies::CompanyDirectory`).
//!
//! # Why one crate with two modules
//!
//! The two clients share transport pieces (secret, backoff; one `reqwest`/`rustls` stack), have
//! one dependency set, and the provider always needs both: it manages the Umbrella ⇄ ConnectWise
//! PSA integration and builds both clients from one provider block. Two crates would duplicate
//! the shared code or add a third crate for it, for no consumer that wants one client alone.
//! Nothing here knows Terraform; the emulator (`connectwise-sandbox`) is only a dev-dependency.

mod backoff;
pub mod connectwise;
pub mod probe;
mod rest_log;
pub mod secret;
pub mod single_flight;
pub mod transport_error;
pub mod trust;
pub mod umbrella;

pub use connectwise::*;
pub use secret::Secret;
pub use trust::CaCertificates;

#[cfg(test)]
mod tests;
