//! The rows of the trash: recordings moved there (state `trashed`, their former state in `trashed_from`, when in
//! `trashed_at`), the recordings past their retention, and those whose grace period in the trash is over.

use diesel::prelude::*;

use crate::db::models::recording::Recording;
use crate::db::schema::recordings;
use crate::db::{now_ms, DbConnection, DbError};

/// The state of a trashed recording.
pub const TRASHED: &str = "trashed";

/// A recording in the trash.
#[derive(Debug, Clone, PartialEq)]
pub struct Trashed {
    pub recording: Recording,
    pub trashed_at: i64,
    /// `published` or `unpublished`: what a restore gives back.
    pub from: String,
}

/// Marks a recording trashed (not published), remembering its state; false if it is not published or unpublished.
pub fn mark_trashed(conn: &mut DbConnection, record_id: &str, at: i64) -> Result<bool, DbError> {
    let Some(state) = recordings::table.find(record_id).select(recordings::state).first::<String>(conn).optional()?
    else {
        return Ok(false);
    };
    if state != "published" && state != "unpublished" {
        return Ok(false);
    }
    let changed = diesel::update(recordings::table.find(record_id).filter(recordings::state.eq(&state)))
        .set((
            recordings::state.eq(TRASHED),
            recordings::trashed_from.eq(Some(&state)),
            recordings::trashed_at.eq(Some(at)),
            recordings::published.eq(false),
            recordings::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    Ok(changed > 0)
}

/// Gives a trashed recording its former state back; returns that state (`None`: it was not in the trash).
pub fn mark_restored(conn: &mut DbConnection, record_id: &str) -> Result<Option<String>, DbError> {
    let Some(trashed) = find(conn, record_id)? else { return Ok(None) };
    diesel::update(recordings::table.find(record_id).filter(recordings::state.eq(TRASHED)))
        .set((
            recordings::state.eq(&trashed.from),
            recordings::published.eq(trashed.from == "published"),
            recordings::trashed_from.eq(None::<String>),
            recordings::trashed_at.eq(None::<i64>),
            recordings::updated_at.eq(now_ms()),
        ))
        .execute(conn)?;
    Ok(Some(trashed.from))
}

fn trashed_query<'a>() -> recordings::BoxedQuery<'a, <DbConnection as Connection>::Backend> {
    recordings::table.filter(recordings::state.eq(TRASHED)).into_boxed()
}

fn load(
    query: recordings::BoxedQuery<'_, <DbConnection as Connection>::Backend>,
    conn: &mut DbConnection,
) -> Result<Vec<Trashed>, DbError> {
    let rows: Vec<(Recording, Option<i64>, Option<String>)> = query
        .order((recordings::trashed_at, recordings::record_id))
        .select((Recording::as_select(), recordings::trashed_at, recordings::trashed_from))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(recording, at, from)| Trashed {
            recording,
            trashed_at: at.unwrap_or(0),
            from: from.unwrap_or_else(|| "unpublished".into()),
        })
        .collect())
}

/// A trashed recording.
pub fn find(conn: &mut DbConnection, record_id: &str) -> Result<Option<Trashed>, DbError> {
    Ok(load(trashed_query().filter(recordings::record_id.eq(record_id)), conn)?.pop())
}

/// The trash, oldest first; of one tenant if given.
pub fn all(conn: &mut DbConnection, tenant_id: Option<&str>) -> Result<Vec<Trashed>, DbError> {
    let mut query = trashed_query();
    if let Some(tenant_id) = tenant_id {
        query = query.filter(recordings::tenant_id.eq(tenant_id.to_string()));
    }
    load(query, conn)
}

/// The trashed recordings put there before `before` (their grace period is over), at most `limit`.
pub fn due_for_purge(conn: &mut DbConnection, before: i64, limit: i64) -> Result<Vec<Trashed>, DbError> {
    load(trashed_query().filter(recordings::trashed_at.lt(before)).limit(limit), conn)
}

/// A tenant's published and unpublished recordings that ended before `before`, at most `limit`. Bounded by the
/// start time too (a recording starts before it ends), so that the search is a range of the state index
/// (`recordings_by_state`: tenant, state, start time), not a scan; no index of its own (one more index on
/// recordings could draw getRecordings' plans away from that one).
pub fn past_retention(
    conn: &mut DbConnection,
    tenant_id: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<Recording>, DbError> {
    Ok(recordings::table
        .filter(recordings::tenant_id.eq(tenant_id))
        .filter(recordings::state.eq_any(["published", "unpublished"]))
        .filter(recordings::start_time.lt(before))
        .filter(recordings::end_time.lt(before))
        .order((recordings::start_time, recordings::record_id))
        .limit(limit)
        .select(Recording::as_select())
        .load(conn)?)
}

/// The tenants that have recordings (their IDs; `""`: no tenant).
pub fn tenants_with_recordings(conn: &mut DbConnection) -> Result<Vec<String>, DbError> {
    Ok(recordings::table.select(recordings::tenant_id).distinct().load(conn)?)
}

#[derive(diesel::QueryableByName)]
struct StorageRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    tenant_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    state: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    recordings: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    bytes: i64,
}

/// Per tenant and state, in the database: recordings and the bytes of their formats (one pass, no rows loaded).
const STORAGE: &str = "SELECT r.tenant_id AS tenant_id, r.state AS state, \
     COUNT(DISTINCT r.record_id) AS recordings, CAST(COALESCE(SUM(f.size), 0) AS BIGINT) AS bytes \
     FROM recordings r LEFT JOIN playback_formats f ON f.record_id = r.record_id \
     WHERE r.state <> 'deleted' GROUP BY r.tenant_id, r.state";

/// Per tenant: recordings kept (listed or in the trash) and the bytes of their formats, and of those in the trash.
pub fn storage(conn: &mut DbConnection) -> Result<Vec<Storage>, DbError> {
    let rows: Vec<StorageRow> = diesel::sql_query(STORAGE).load(conn)?;
    let mut per_tenant: std::collections::BTreeMap<String, Storage> = std::collections::BTreeMap::new();
    for row in rows {
        let entry = per_tenant
            .entry(row.tenant_id.clone())
            .or_insert_with(|| Storage { tenant_id: row.tenant_id.clone(), ..Storage::default() });
        entry.recordings += row.recordings;
        entry.bytes += row.bytes;
        if row.state == TRASHED {
            entry.trashed += row.recordings;
            entry.trashed_bytes += row.bytes;
        }
    }
    Ok(per_tenant.into_values().collect())
}

/// What a tenant's recordings take.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Storage {
    pub tenant_id: String,
    pub recordings: i64,
    pub bytes: i64,
    pub trashed: i64,
    pub trashed_bytes: i64,
}
