//! Acceptance tests: the real Terraform CLI drives the provider binary against
//! the in-process sandbox (terraform-provider-http style: real Terraform, fake
//! upstream). One test binary, one module per Terraform object.

mod adopt;
mod api_key;
mod api_member;
mod bad_input;
mod capabilities;
mod concurrency;
mod generate_imports;
mod harness;
mod mappings_table;
mod module;
mod partial_failure;
mod rest_log;
mod role_permission;
mod secrets;
mod security_role;
mod tls;
mod umbrella;
mod upgrade;
