//! Terraform provider for the Cisco Umbrella ⇄ ConnectWise Manage PSA integration.
//!
//! - [`plugin`]: the Terraform plugin protocol 6 server (handshake, gRPC, values, schema, diagnostics).
//! - [`client`]: REST clients for ConnectWise Manage and Cisco Umbrella (no Terraform types).
//! - [`provider`]: the `connectwise` provider, one module per resource and data source.
//! - [`sandbox`]: a stateful emulator of both REST APIs, used by the demo and every test.

pub mod catalogue;
pub mod client;
pub mod docs;
pub mod importer;
pub mod plugin;
pub mod provider;
pub mod sandbox;
