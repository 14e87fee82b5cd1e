//! The Terraform plugin layer: protocol 6.9 over gRPC, written for this project.
//!
//! Why our own and not the `tf-provider` crate: see `docs/design.md`. In short,
//! we need `TCP_NODELAY` (Nagle's algorithm made small replies stall), protocol
//! 6.9 (ephemeral resources and write-only attributes) and logs that reach
//! Terraform's `TF_LOG` output.
//!
//! - [`value`]: values with null/unknown and their msgpack/JSON encodings.
//! - [`schema`]: schema builder with defaults, RequiresReplace, validators and
//!   rules across attributes ([`ConfigRule`]).
//! - [`diag`]: diagnostics with attribute paths.
//! - [`model`]: typed models (`#[derive(Model)]`, [`Val`]) decoded once per operation.
//! - [`framework`]: the traits a provider and its resources implement.
//! - [`identity`]: resource identities (Terraform 1.12 and later), declared per resource.
//! - [`serve`](serve()): the go-plugin handshake (AutoMTLS) and the gRPC server.

extern crate self as tfplugin;

pub mod client;
mod convert;
pub mod diag;
pub mod framework;
mod handlers;
pub mod identity;
mod identity_handlers;
pub mod log;
pub mod model;
mod plan;
mod rules;
pub mod schema;
pub mod serve;
pub mod server;
pub mod value;

/// Generated protocol stubs (server and client).
pub mod proto {
    /// Terraform's plugin protocol, version 6.
    pub mod tfplugin6 {
        tonic::include_proto!("tfplugin6");
    }
    /// go-plugin's controller and stdio services.
    pub mod plugin {
        tonic::include_proto!("plugin");
    }
    /// The gRPC health service.
    pub mod health {
        tonic::include_proto!("grpc.health.v1");
    }
}

pub use diag::{AttrPath, Diagnostic, Diagnostics, Severity};
pub use framework::{
    ApplyRequest, DataSource, EphemeralOpen, EphemeralResource, PlanRequest, PlanResponse, Private,
    Provider, ReadRequest, Resource, StateResponse,
};
pub use identity::{Identity, IdentityAttribute};
pub use model::{Field, Model, Sensitive, Set, Val};
pub use schema::{
    Attribute, Block, ConfigRule, NestedBlock, Nesting, ReplaceIf, ReplaceIfRequest, Schema,
    Validator,
};
pub use serve::serve;
pub use tfplugin_derive::Model;
pub use value::{Type, Value};
