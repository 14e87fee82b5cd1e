//! Code the resources, data sources and ephemeral resources share. A resource file never
//! imports another resource file: what two of them need lives here.

pub mod claims;
pub mod companies;
pub mod ids;
pub mod mappings;
pub mod members;
pub mod nullable;
pub mod permissions;
pub mod private_state;
pub mod roles;
pub mod settings;
pub mod validators;
