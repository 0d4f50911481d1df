//! The filters of getRecordings, run against the index: meeting IDs (exact), record ID prefixes, states,
//! `meta_*` (every key must match one of its comma-separated values), tenant, and a page.

use diesel::prelude::*;

use crate::db::models::recording::Recording;
use crate::db::schema::{recording_metadata, recordings};
use crate::db::{DbConnection, DbError};

type Backend = <DbConnection as diesel::Connection>::Backend;

/// What getRecordings asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub tenant_id: String,
    pub meeting_ids: Vec<String>,
    pub record_id_prefixes: Vec<String>,
    /// `None`: any state (but `trashed`).
    pub states: Option<Vec<String>>,
    pub meta: Vec<(String, Vec<String>)>,
    pub offset: i64,
    pub limit: Option<i64>,
}

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

/// Pages reaching past this many recordings are not split by state (each state would read that many).
const SPLIT_DEPTH: i64 = 10_000;

/// A page of the recordings a filter matches, newest first.
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

/// A plain listing of several states (getRecordings' default: published and unpublished), as one page per state
/// merged here: each is a range of the state index read in order up to the page's end, where one query over
/// both states sorts every match first (0.34 s at a million recordings on SQLite, under 1 ms split).
fn split_by_state(filter: &Filter) -> Option<(Vec<Filter>, i64)> {
    let (limit, states) = (filter.limit?, filter.states.as_ref()?);
    let plain = filter.meeting_ids.is_empty() && filter.record_id_prefixes.is_empty() && filter.meta.is_empty();
    let mut distinct = states.clone();
    distinct.sort();
    distinct.dedup();
    if !plain || distinct.len() < 2 || filter.offset.saturating_add(limit) > SPLIT_DEPTH {
        return None;
    }
    let depth = filter.offset + limit;
    let parts = distinct
        .into_iter()
        .map(|state| Filter { states: Some(vec![state]), offset: 0, limit: Some(depth), ..filter.clone() })
        .collect();
    Some((parts, limit))
}

/// How many recordings match, and the requested page of them, newest first.
pub fn search(conn: &mut DbConnection, filter: &Filter) -> Result<(i64, Vec<Recording>), DbError> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let Some((parts, limit)) = split_by_state(filter) else {
        return Ok((total, page_of(conn, filter)?));
    };
    let mut merged = Vec::new();
    for part in &parts {
        merged.extend(page_of(conn, part)?);
    }
    merged.sort_by(|a, b| b.start_time.cmp(&a.start_time).then_with(|| a.record_id.cmp(&b.record_id)));
    let offset = usize::try_from(filter.offset).unwrap_or(usize::MAX);
    let page = merged.into_iter().skip(offset).take(usize::try_from(limit).unwrap_or(usize::MAX)).collect();
    Ok((total, page))
}
