//! Administration of servers and tenants: the operations, the servers YAML sync, and the `/scalelite/api` routes.

pub mod http;
pub mod servers;
pub mod sync;
pub mod tenants;
