//! Code the resources, data sources and ephemeral resources share. A resource file never
//! imports another resource file: what two of them need lives here.

pub mod ids;
pub mod roles;
pub mod claims;
pub mod permissions;
pub mod settings;
pub mod private_state;
pub mod nullable;
pub mod members;
pub mod validators;
pub mod companies;
pub mod mappings;
