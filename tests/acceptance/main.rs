//! Acceptance tests: the real Terraform CLI drives the provider binary against
//! the in-process sandbox (terraform-provider-http style: real Terraform, fake
//! upstream). One test binary, one module per Terraform object.

mod harness;
mod security_role;
