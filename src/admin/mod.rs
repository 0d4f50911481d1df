//! Administration of servers, tenants and meetings: the operations, the servers YAML sync, and the `/scalelite/api` routes.

pub mod api;
pub mod meetings;
pub mod servers;
pub mod state_file;
pub mod sync;
pub mod tenant_sync;
pub mod tenants;
pub mod usage;
