//! What the actors, the background work and the handlers share: configuration, the database pool, the cached
//! pool view, the load-balancer secrets and this instance's leadership. `AppState` is this and the actors'
//! addresses.

use std::sync::Arc;

use crate::config::Config;
use crate::db::leader::Leadership;
use crate::db::Pool;
use crate::pool::Shared;
use crate::recordings::storage::Storage;
use crate::secret::Secret;

/// The shared context.
#[derive(Clone)]
pub struct Deps {
    pub config: Arc<Config>,
    pub pool: Pool,
    pub shared: Arc<Shared>,
    /// The load-balancer secrets (configured, or generated and kept in the database).
    pub secrets: Arc<[Secret]>,
    /// Whether this instance polls and imports (see [`crate::db::leader`]).
    pub leadership: Arc<Leadership>,
    /// Where the recordings' files are (folders or a bucket).
    pub storage: Storage,
}
