//! Data sources, one module each.

pub mod security_role;
