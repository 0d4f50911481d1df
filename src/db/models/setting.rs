//! Scalelite's own key/value settings kept in the database (the generated load-balancer secret, when usage was
//! last sampled).

use diesel::prelude::*;

use crate::db::schema::settings;
use crate::db::{DbConnection, DbError};

/// The key of the load-balancer secret generated at the first start.
pub const GENERATED_SECRET: &str = "loadbalancer_secret";

/// The key that signs playback cookies when `SECRET_KEY_BASE` is unset, generated at the first start.
pub const COOKIE_KEY: &str = "secret_key_base";

/// The value of a setting, if set.
pub fn get(conn: &mut DbConnection, key: &str) -> Result<Option<String>, DbError> {
    Ok(settings::table.find(key).select(settings::value).first(conn).optional()?)
}

/// Sets a setting, replacing its value.
pub fn set(conn: &mut DbConnection, key: &str, value: &str) -> Result<(), DbError> {
    let updated = diesel::update(settings::table.find(key)).set(settings::value.eq(value)).execute(conn)?;
    if updated == 0 {
        diesel::insert_into(settings::table)
            .values((settings::key.eq(key), settings::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes a setting's value back unchanged: in a transaction, a lock on it (and on SQLite, the write lock).
pub fn touch(conn: &mut DbConnection, key: &str) -> Result<(), DbError> {
    diesel::update(settings::table.find(key)).set(settings::value.eq(settings::value)).execute(conn)?;
    Ok(())
}

/// Sets a setting unless it is set already, and returns the value that holds, so that concurrent
/// instances agree on one value.
pub fn get_or_insert(conn: &mut DbConnection, key: &str, value: &str) -> Result<String, DbError> {
    if let Some(existing) = get(conn, key)? {
        return Ok(existing);
    }
    let inserted =
        diesel::insert_into(settings::table).values((settings::key.eq(key), settings::value.eq(value))).execute(conn);
    match inserted {
        // Another instance may have won the race: its value holds.
        Ok(_) | Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {}
        Err(e) => return Err(e.into()),
    }
    get(conn, key)?.ok_or(DbError::Query(diesel::result::Error::NotFound))
}
