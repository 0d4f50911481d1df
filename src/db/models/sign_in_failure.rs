//! Failed dashboard sign-ins per account name, in the database so that every instance counts the same failures.

use diesel::prelude::*;

use crate::db::schema::dashboard_sign_in_failures as failures;
use crate::db::{DbConnection, DbError};

/// A name's failures within its window: how many, and when the first of them was (ms since the epoch).
#[derive(Queryable, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failures {
    pub count: i32,
    pub first_at: i64,
}

/// The failures of `name` in the window that is open at `now`, if any.
pub fn find(conn: &mut DbConnection, name: &str, now: i64, window_ms: i64) -> Result<Option<Failures>, DbError> {
    Ok(failures::table
        .find(name)
        .filter(failures::first_at.gt(now - window_ms))
        .select((failures::failures, failures::first_at))
        .first(conn)
        .optional()?)
}

/// Counts one failure of `name` at `now`; a window that has passed is dropped first (so are all others that
/// have: the table holds the names failed within one window). Each step is one statement, so instances counting
/// the same name at once lose no failure.
pub fn record(conn: &mut DbConnection, name: &str, now: i64, window_ms: i64) -> Result<(), DbError> {
    diesel::delete(failures::table.filter(failures::first_at.le(now - window_ms))).execute(conn)?;
    for _ in 0..2 {
        let row = failures::table.find(name);
        if diesel::update(row).set(failures::failures.eq(failures::failures + 1)).execute(conn)? > 0 {
            return Ok(());
        }
        let added = diesel::insert_into(failures::table)
            .values((failures::name.eq(name), failures::first_at.eq(now), failures::failures.eq(1)))
            .execute(conn);
        match added.map_err(DbError::from) {
            Err(e) if e.is_unique_violation() => continue, // another instance's came first: count on it
            added => return added.map(|_| ()),
        }
    }
    Ok(())
}

/// Forgets the failures of `name` (it signed in).
pub fn forget(conn: &mut DbConnection, name: &str) -> Result<(), DbError> {
    diesel::delete(failures::table.find(name)).execute(conn)?;
    Ok(())
}
