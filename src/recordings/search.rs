//! The filters of getRecordings, run against the index: meeting IDs (exact), record ID prefixes, states,
//! `meta_*` (every key must match one of its comma-separated values), tenant, and a page.

use diesel::prelude::*;

use crate::db::models::recording::Recording;
use crate::db::models::recording_counts;
use crate::db::schema::{recording_metadata, recordings};
use crate::db::{DbConnection, DbError};
pub use crate::recordings::filter::Filter;
use crate::recordings::listing::Listing;

type Backend = <DbConnection as diesel::Connection>::Backend;

/// The smallest string greater than every string that starts with `prefix` (bytewise).
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}{}", char::MAX)
}

fn filtered(filter: &Filter) -> recordings::BoxedQuery<'_, Backend> {
    let mut query = recordings::table.into_boxed::<Backend>().filter(recordings::tenant_id.eq(&filter.tenant_id));
    if !filter.meeting_ids.is_empty() {
        query = query.filter(recordings::meeting_id.eq_any(&filter.meeting_ids));
    }
    // One range per prefix, ORed (no constant first term: SQLite then searches each range in the primary key).
    let mut ranges = filter.record_id_prefixes.iter().map(|prefix| {
        let range: Box<dyn BoxableExpression<recordings::table, Backend, SqlType = diesel::sql_types::Bool>> =
            Box::new(recordings::record_id.ge(prefix.clone()).and(recordings::record_id.lt(prefix_end(prefix))));
        range
    });
    if let Some(first) = ranges.next() {
        let any = ranges.fold(first, |any, range| Box::new(any.or(range)));
        query = query.filter(any);
    }
    match &filter.states {
        Some(states) => query = query.filter(recordings::state.eq_any(states)),
        // Any state but the trash's: trashed recordings are unlisted.
        None => query = query.filter(recordings::state.ne(crate::db::models::recording_trash::TRASHED)),
    }
    // `record_id IN (SELECT … BY key, value)`: both databases drive the search from the metadata index, so a
    // selective filter costs its matches, not a scan of every recording (as a correlated EXISTS did).
    for (key, values) in &filter.meta {
        query = query.filter(
            recordings::record_id.eq_any(
                recording_metadata::table
                    .filter(recording_metadata::key.eq(key.clone()))
                    .filter(recording_metadata::value.eq_any(values.clone()))
                    .select(recording_metadata::record_id),
            ),
        );
    }
    query
}

/// A page of the recordings a filter matches, newest first, in one query (any filter).
fn page_of(conn: &mut DbConnection, filter: &Filter) -> Result<Vec<Recording>, DbError> {
    let mut page = filtered(filter)
        .order((recordings::start_time.desc(), recordings::record_id.asc()))
        .select(Recording::as_select());
    // SQLite takes OFFSET only after LIMIT.
    match (filter.limit, filter.offset) {
        (Some(limit), offset) => page = page.limit(limit).offset(offset),
        (None, offset) if offset > 0 => page = page.limit(i64::MAX).offset(offset),
        (None, _) => {}
    }
    Ok(page.load(conn)?)
}

/// How many recordings match, and the requested page of them, newest first. A listing with no filter or one
/// `meta_` key is counted from the kept counts and read from ranges of one index (`listing`); others in one
/// query each.
pub fn search(conn: &mut DbConnection, filter: &Filter) -> Result<(i64, Vec<Recording>), DbError> {
    let Some(shape) = Listing::of(filter) else {
        let total: i64 = filtered(filter).count().get_result(conn)?;
        return Ok((total, page_of(conn, filter)?));
    };
    let states = match &filter.states {
        Some(states) => states.clone(),
        None => recording_counts::listed_states(conn, &filter.tenant_id)?,
    };
    let total = shape.count(conn, &filter.tenant_id, &states)?;
    let page = match shape.page(conn, filter, &states)? {
        Some(page) => page,
        None => page_of(conn, filter)?,
    };
    Ok((total, page))
}
