//! How many recordings a listing holds, from the counts the database's triggers keep (migration 000007): per
//! tenant and state always, per tenant, metadata value and state once a filter on that value was wide.

use diesel::prelude::*;

use crate::db::models::recording_trash::TRASHED;
use crate::db::schema::{recording_metadata, recording_state_counts, recording_value_counts};
use crate::db::{write_transaction, DbConnection, DbError};

/// A value matching at least this many recordings of one state gets a kept count: below it, counting its range
/// of the listing index costs a few milliseconds.
pub const KEPT_FROM: i64 = 20_000;

/// The advisory lock (PostgreSQL) that the metadata triggers take shared and a new kept count exclusive.
const COUNTS_LOCK: i64 = 7_307_001;

/// The states the tenant has recordings in, but the trash's: what getRecordings lists for `state=any`.
pub fn listed_states(conn: &mut DbConnection, tenant_id: &str) -> Result<Vec<String>, DbError> {
    Ok(recording_state_counts::table
        .filter(recording_state_counts::tenant_id.eq(tenant_id))
        .filter(recording_state_counts::n.gt(0))
        .filter(recording_state_counts::state.ne(TRASHED))
        .select(recording_state_counts::state)
        .order(recording_state_counts::state)
        .load(conn)?)
}

/// How many recordings the tenant has in these states.
pub fn in_states(conn: &mut DbConnection, tenant_id: &str, states: &[String]) -> Result<i64, DbError> {
    let counts: Vec<i64> = recording_state_counts::table
        .filter(recording_state_counts::tenant_id.eq(tenant_id))
        .filter(recording_state_counts::state.eq_any(states))
        .select(recording_state_counts::n)
        .load(conn)?;
    Ok(counts.into_iter().sum())
}

/// One value of one state: a range of the listing index.
fn counted(conn: &mut DbConnection, tenant_id: &str, key: &str, value: &str, state: &str) -> Result<i64, DbError> {
    Ok(recording_metadata::table
        .filter(recording_metadata::key.eq(key))
        .filter(recording_metadata::value.eq(value))
        .filter(recording_metadata::tenant_id.eq(tenant_id))
        .filter(recording_metadata::state.eq(state))
        .count()
        .get_result(conn)?)
}

/// How many of the tenant's recordings in these states have one of these values for `key`: kept counts where
/// there are, a count of the index range elsewhere; a range of `KEPT_FROM` or more gets its kept count. `values`
/// and `states` are distinct.
pub fn with_value(
    conn: &mut DbConnection,
    tenant_id: &str,
    key: &str,
    values: &[String],
    states: &[String],
) -> Result<i64, DbError> {
    let kept: Vec<(String, String, i64)> = recording_value_counts::table
        .filter(recording_value_counts::tenant_id.eq(tenant_id))
        .filter(recording_value_counts::key.eq(key))
        .filter(recording_value_counts::value.eq_any(values))
        .filter(recording_value_counts::state.eq_any(states))
        .select((recording_value_counts::value, recording_value_counts::state, recording_value_counts::n))
        .load(conn)?;
    let mut total: i64 = kept.iter().map(|(_, _, n)| n).sum();
    let mut wide = Vec::new();
    for value in values {
        for state in states {
            if kept.iter().any(|(v, s, _)| v == value && s == state) {
                continue;
            }
            let n = counted(conn, tenant_id, key, value, state)?;
            total += n;
            if n >= KEPT_FROM {
                wide.push((value.clone(), state.clone()));
            }
        }
    }
    if !wide.is_empty() {
        keep_pairs(conn, tenant_id, key, &wide)?;
    }
    Ok(total)
}

/// Starts kept counts for these values in these states (those not kept yet).
pub fn keep(
    conn: &mut DbConnection,
    tenant_id: &str,
    key: &str,
    values: &[String],
    states: &[String],
) -> Result<(), DbError> {
    let pairs: Vec<(String, String)> =
        values.iter().flat_map(|value| states.iter().map(move |state| (value.clone(), state.clone()))).collect();
    keep_pairs(conn, tenant_id, key, &pairs)
}

/// Starts kept counts for these (value, state) pairs: counted and inserted while no trigger can change them
/// (SQLite: the write lock; PostgreSQL: the advisory lock every metadata trigger takes shared).
fn keep_pairs(conn: &mut DbConnection, tenant_id: &str, key: &str, pairs: &[(String, String)]) -> Result<(), DbError> {
    write_transaction(conn, |conn| {
        if matches!(conn, DbConnection::Postgres(_)) {
            diesel::sql_query(format!("SELECT pg_advisory_xact_lock({COUNTS_LOCK})")).execute(conn)?;
        }
        for (value, state) in pairs {
            let row = recording_value_counts::table.find((tenant_id, key, value, state));
            if diesel::select(diesel::dsl::exists(row)).get_result(conn)? {
                continue; // kept by another instance meanwhile
            }
            let n = counted(conn, tenant_id, key, value, state)?;
            diesel::insert_into(recording_value_counts::table)
                .values((
                    recording_value_counts::tenant_id.eq(tenant_id),
                    recording_value_counts::key.eq(key),
                    recording_value_counts::value.eq(value),
                    recording_value_counts::state.eq(state),
                    recording_value_counts::n.eq(n),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}
