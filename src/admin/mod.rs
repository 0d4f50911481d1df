//! Administration of servers, tenants and meetings: the operations, the servers YAML sync, and the `/scalelite/api` routes.

pub mod http;
pub mod meetings;
pub mod servers;
pub mod sync;
pub mod tenants;
