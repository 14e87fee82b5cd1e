//! Data sources, one module each.

pub mod capabilities;
pub mod companies;
pub mod member;
pub mod role_permissions;
pub mod security_modules;
pub mod security_role;
pub mod umbrella_customers;
