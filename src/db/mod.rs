//! The database: one Diesel schema over SQLite or PostgreSQL, picked by the scheme of `DATABASE_URL`.
//!
//! Connections come from an r2d2 pool whose manager dispatches on the scheme itself (the derived
//! `MultiConnection::establish` would hand any string to SQLite). SQLite connections get foreign keys,
//! a busy timeout and WAL. Migrations of both backends are embedded; [`run`] moves blocking work off the
//! async workers.

pub mod models;
pub mod schema;
pub mod url;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{self, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

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

/// Refreshes SQLite's planner statistics (`ANALYZE`, sampling at most about 1,000 rows per index, so it
/// stays quick on millions of rows). Without them SQLite guesses, and searches recordings by record ID prefix
/// or `meta_*` through the state index, reading every recording. PostgreSQL's autovacuum does this itself.
pub fn refresh_statistics(conn: &mut DbConnection) -> Result<(), DbError> {
    if let DbConnection::Sqlite(c) = conn {
        c.batch_execute("PRAGMA analysis_limit = 1000; ANALYZE;")?;
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

/// Runs `work` in a write transaction. On SQLite it begins `IMMEDIATE`, taking the write lock first (with the
/// busy timeout), because a transaction that reads first fails at once when another writer went first. `work`
/// must not open transactions of its own.
pub fn write_transaction<T, F>(conn: &mut DbConnection, work: F) -> Result<T, DbError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, DbError>,
{
    if matches!(conn, DbConnection::Postgres(_)) {
        return conn.transaction(work);
    }
    conn.batch_execute("BEGIN IMMEDIATE")?;
    match work(conn) {
        Ok(value) => {
            if let Err(e) = conn.batch_execute("COMMIT") {
                let _ = conn.batch_execute("ROLLBACK");
                return Err(e.into());
            }
            Ok(value)
        }
        Err(e) => {
            let _ = conn.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

/// Milliseconds since the Unix epoch, the time type of every table.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}
