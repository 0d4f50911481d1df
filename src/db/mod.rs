//! The database: one Diesel schema over SQLite or PostgreSQL, picked by the scheme of `DATABASE_URL`.
//!
//! Connections come from an r2d2 pool whose manager dispatches on the scheme itself (the derived
//! `MultiConnection::establish` would hand any string to SQLite). SQLite connections get foreign keys,
//! a busy timeout and WAL. Migrations of both backends are embedded; [`run`] moves blocking work off the
//! async workers.

pub mod leader;
pub mod models;
pub mod schema;
pub mod single_instance;
mod transaction;
pub mod url;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use self::transaction::write_transaction;
use self::url::DatabaseUrl;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The pool every part of Scalelite shares.
pub type Pool = r2d2::Pool<ConnectionManager>;

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("database connection failed: {0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database work was cancelled")]
    Cancelled,
}

impl DbError {
    /// Whether this is a unique-constraint violation (a row with that key exists).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))
        )
    }
}

/// Opens connections for r2d2, choosing the backend by the URL's scheme.
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        ConnectionManager { url }
    }
}

/// SQLite settings for safe concurrent use: enforced foreign keys, waiting on locks, WAL for readers; and a
/// page cache of 1 MiB per connection (the indexes are small; the operating system caches the file).
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                              PRAGMA synchronous = NORMAL; PRAGMA cache_size = -1024;";

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = DbError;

    fn connect(&self) -> Result<DbConnection, DbError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => Ok(DbConnection::Postgres(PgConnection::establish(url)?)),
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        DbError::Connection(diesel::ConnectionError::BadConnection(format!(
                            "cannot create {}: {e}",
                            parent.display()
                        )))
                    })?;
                }
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(SQLITE_PRAGMAS)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        conn.ping().map_err(DbError::Query)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// One connection outside the pool, for administration commands.
pub fn connect(url: &DatabaseUrl) -> Result<DbConnection, DbError> {
    r2d2::ManageConnection::connect(&ConnectionManager::new(url.clone()))
}

/// Builds the pool. It connects lazily: a database that is down fails requests (and the health check),
/// not the pool itself.
pub fn pool(url: &DatabaseUrl, size: u32) -> Pool {
    let size = match url {
        // One writer at a time anyway; a few readers are enough.
        DatabaseUrl::Sqlite(_) => size.min(4),
        DatabaseUrl::Postgres(_) => size,
    };
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(std::time::Duration::from_secs(5))
        .build_unchecked(ConnectionManager::new(url.clone()))
}

/// Runs the pending migrations of the connection's backend; returns how many ran.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, DbError> {
    let applied = match conn {
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
    };
    applied.map_err(|e| DbError::Migration(e.to_string()))
}

/// SQLite's planner statistics for the recordings index, shaped like a large deployment (a million
/// recordings, ten per meeting, ten metadata rows each). Without statistics, or with sampled ones, SQLite
/// searches by record ID prefix or `meta_*` through the state index and reads every recording; a full
/// `ANALYZE` takes minutes on a big database and holds the write lock meanwhile. Fixed figures keep the plans
/// right at any size (a documented SQLite practice); an operator's full `ANALYZE` replaces them.
const SQLITE_STATISTICS: &str = "
    ANALYZE recording_tokens;
    DELETE FROM sqlite_stat1 WHERE tbl IN ('recordings', 'recording_metadata', 'playback_formats', 'thumbnails');
    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
        ('recordings', 'sqlite_autoindex_recordings_1', '1000000 1'),
        ('recordings', 'recordings_by_meeting', '1000000 1000000 10 1'),
        ('recordings', 'recordings_by_state', '1000000 1000000 250000 1 1'),
        ('recording_metadata', 'recording_metadata', '10000000 10 1'),
        ('recording_metadata', 'recording_metadata_listing', '10000000 1000000 100 100 50 1'),
        ('playback_formats', 'sqlite_autoindex_playback_formats_1', '1000000 2 1'),
        ('thumbnails', 'sqlite_autoindex_thumbnails_1', '3000000 6 3 1');
    ANALYZE sqlite_schema;";

/// Sets SQLite's planner statistics for the recordings tables, unless an `ANALYZE` has set them already.
pub fn pin_statistics(conn: &mut DbConnection) -> Result<(), DbError> {
    if let DbConnection::Sqlite(c) = conn {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let exists = "SELECT count(*) AS n FROM sqlite_schema WHERE name = 'sqlite_stat1'";
        let has_table = diesel::RunQueryDsl::get_result::<Count>(diesel::sql_query(exists), c)?.n > 0;
        let analyzed = has_table && {
            // Both: migration 000007 rebuilt recording_metadata, which dropped its statistics.
            let query =
                "SELECT count(DISTINCT tbl) AS n FROM sqlite_stat1 WHERE tbl IN ('recordings', 'recording_metadata')";
            diesel::RunQueryDsl::get_result::<Count>(diesel::sql_query(query), c)?.n == 2
        };
        if !analyzed {
            c.batch_execute(&format!("BEGIN IMMEDIATE; {SQLITE_STATISTICS} COMMIT;"))?;
        }
    }
    Ok(())
}

/// Whether migrations are pending.
pub fn has_pending_migrations(conn: &mut DbConnection) -> Result<bool, DbError> {
    let pending = match conn {
        DbConnection::Postgres(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
    };
    pending.map_err(|e| DbError::Migration(e.to_string()))
}

/// Reverts every migration (for tests of the migrations themselves).
pub fn revert_all(conn: &mut DbConnection) -> Result<(), DbError> {
    let reverted = match conn {
        DbConnection::Postgres(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
        DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS).map(|_| ()),
    };
    reverted.map_err(|e| DbError::Migration(e.to_string()))
}

/// Runs blocking database work on actix's blocking thread pool, with a pooled connection.
/// Runs blocking work (database work, file work beside it) off the async workers. [`run`] is this with a pooled
/// connection.
pub async fn blocking<T, F>(work: F) -> Result<T, DbError>
where
    F: FnOnce() -> Result<T, DbError> + Send + 'static,
    T: Send + 'static,
{
    actix_web::rt::task::spawn_blocking(work).await.map_err(|_| DbError::Cancelled)?
}

pub async fn run<T, E, F>(pool: &Pool, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get().map_err(DbError::from)?;
        work(&mut conn)
    })
    .await
    .map_err(|_| E::from(DbError::Cancelled))?
}

/// Milliseconds since the Unix epoch, the time type of every table.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
