//! Terraform provider for the Cisco Umbrella ⇄ ConnectWise Manage PSA integration.
//!
//! The crates of the workspace, and which may use which (see `docs/design.md`):
//! - `tfplugin`: the Terraform plugin protocol 6 server (handshake, gRPC, values, schema,
//!   diagnostics); knows nothing about ConnectWise or Umbrella.
//! - `api_client`: REST clients for ConnectWise Manage and Cisco Umbrella (no Terraform types).
//! - this package: [`provider`] (the `connectwise` provider, one module per resource and data
//!   source), [`importer`] (`generate-imports`), [`docs`] (Registry pages from the schema).
//! - `connectwise_sandbox`: the emulator of both APIs, a dev-dependency only: the oracle the
//!   tests trust shares no code with what it tests.

pub mod catalogue;
pub mod docs;
pub mod importer;
pub mod provider;
