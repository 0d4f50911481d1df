//! Write transactions: SQLite's taken `IMMEDIATE`; PostgreSQL's tried again when aborted for a deadlock or a
//! serialization failure.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel::Connection;
use rand::Rng;

use super::{DbConnection, DbError};

/// How many times a PostgreSQL transaction is run at most when the server aborts it to break a conflict.
const ATTEMPTS: u32 = 5;

/// Runs `work` in a write transaction. On SQLite it begins `IMMEDIATE`, taking the write lock first (with the
/// busy timeout), because a transaction that reads first fails at once when another writer went first. On
/// PostgreSQL a transaction the server aborted for a deadlock or a serialization failure — nothing of it was
/// kept — is run again, after a short random pause, up to [`ATTEMPTS`] times in all; `work` therefore may run
/// more than once and must not change anything outside the database. `work` must not open transactions of its
/// own.
pub fn write_transaction<T, F>(conn: &mut DbConnection, mut work: F) -> Result<T, DbError>
where
    F: FnMut(&mut DbConnection) -> Result<T, DbError>,
{
    if !matches!(conn, DbConnection::Postgres(_)) {
        return immediate(conn, work);
    }
    let mut attempt = 1;
    loop {
        match conn.transaction(&mut work) {
            Err(e) if attempt < ATTEMPTS && is_conflict(&e) => {
                log::debug!("database: transaction aborted ({e}); attempt {} of {ATTEMPTS}", attempt + 1);
                std::thread::sleep(pause(attempt));
                attempt += 1;
            }
            result => return result,
        }
    }
}

fn immediate<T, F>(conn: &mut DbConnection, work: F) -> Result<T, DbError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, DbError>,
{
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

/// Whether PostgreSQL aborted the transaction to break a conflict between transactions: SQLSTATE 40001, which
/// Diesel names, or 40P01, which it does not (known by its message; under a translated `lc_messages` a deadlock
/// is not tried again).
fn is_conflict(error: &DbError) -> bool {
    match error {
        DbError::Query(QueryError::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => true,
        DbError::Query(QueryError::DatabaseError(DatabaseErrorKind::Unknown, info)) => {
            info.message().starts_with("deadlock detected")
        }
        _ => false,
    }
}

/// A pause that grows with the attempt and differs between the transactions that collided, so they part.
fn pause(attempt: u32) -> Duration {
    let ceiling = 10 * u64::from(attempt);
    Duration::from_millis(rand::rng().random_range(1..=ceiling))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_stay_bounded() {
        for attempt in 1..ATTEMPTS {
            for _ in 0..100 {
                let pause = pause(attempt);
                assert!(pause >= Duration::from_millis(1) && pause <= Duration::from_millis(10 * u64::from(attempt)));
            }
        }
    }
}
