//! The actors: one [`server::ServerActor`] per BBB server polls it; the [`scheduler::Scheduler`] keeps the
//! pool in step with the database and places new meetings.

pub mod health;
pub mod leader;
pub mod messages;
pub mod recordings;
pub mod reservations;
pub mod scheduler;
pub mod server;

use std::cell::RefCell;
use std::sync::Arc;

use crate::bbb::client::BbbClient;
use crate::config::Config;
use crate::db::Pool;
use crate::pool::Shared;

/// What the actors need.
#[derive(Clone)]
pub struct Deps {
    pub config: Arc<Config>,
    pub db: Pool,
    pub shared: Arc<Shared>,
    /// The load-balancer secrets (configured, or generated and kept in the database).
    pub secrets: Arc<[crate::secret::Secret]>,
    /// Whether this instance polls and imports (see [`leader`]).
    pub leadership: Arc<leader::Leadership>,
}

thread_local! {
    static CLIENT: RefCell<Option<BbbClient>> = const { RefCell::new(None) };
}

/// The BBB client of this thread (awc clients are not `Send`: one per thread, shared by its actors).
pub fn client(config: &Config) -> BbbClient {
    CLIENT.with(|cell| {
        cell.borrow_mut().get_or_insert_with(|| BbbClient::new(config.connect_timeout, config.response_timeout)).clone()
    })
}

/// Runs blocking database work from an actor.
pub async fn blocking<T, F>(work: F) -> Result<T, crate::db::DbError>
where
    F: FnOnce() -> Result<T, crate::db::DbError> + Send + 'static,
    T: Send + 'static,
{
    actix_web::rt::task::spawn_blocking(work).await.map_err(|_| crate::db::DbError::Cancelled)?
}
