//! getRecordings' common listings — no filter, or one `meta_` key — read as ranges of one index in order: one
//! range per state (and value), merged by the database as it reads them. A range of the state index
//! (`recordings_by_state`) or of the metadata listing index (`recording_metadata_listing`, which carries each
//! recording's tenant, state and start time) costs the page's depth, however many recordings match.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::models::recording::Recording;
use crate::db::models::recording_counts;
use crate::db::schema::recordings;
use crate::db::{DbConnection, DbError};
use crate::recordings::filter::Filter;

type Backend = <DbConnection as diesel::Connection>::Backend;

/// A listing read from ranges.
#[derive(Debug, PartialEq)]
pub enum Listing<'a> {
    /// The tenant's recordings in some states.
    Plain,
    /// … with one of these values for one metadata key.
    Value { key: &'a str, values: &'a [String] },
}

/// One range: a state, and a value of the listing's key.
struct Range<'a> {
    state: &'a str,
    value: Option<&'a str>,
}

impl<'a> Listing<'a> {
    /// The listing a filter is, if it is one.
    pub fn of(filter: &'a Filter) -> Option<Listing<'a>> {
        if !filter.meeting_ids.is_empty() || !filter.record_id_prefixes.is_empty() {
            return None;
        }
        match filter.meta.as_slice() {
            [] => Some(Listing::Plain),
            [(key, values)] => Some(Listing::Value { key, values }),
            _ => None,
        }
    }

    /// How many recordings it holds, from the kept counts.
    pub fn count(&self, conn: &mut DbConnection, tenant_id: &str, states: &[String]) -> Result<i64, DbError> {
        match self {
            Listing::Plain => recording_counts::in_states(conn, tenant_id, &distinct(states)),
            Listing::Value { key, values } => {
                recording_counts::with_value(conn, tenant_id, key, &distinct(values), &distinct(states))
            }
        }
    }

    /// The filter's page, or `None` without a limit (then read in one query).
    pub fn page(
        &self,
        conn: &mut DbConnection,
        filter: &Filter,
        states: &[String],
    ) -> Result<Option<Vec<Recording>>, DbError> {
        let Some(limit) = filter.limit else { return Ok(None) };
        let (states, values) = (distinct(states), self.values());
        let ranges: Vec<Range> = states
            .iter()
            .flat_map(|state| values.iter().map(move |value| Range { state, value: value.as_deref() }))
            .collect();
        let keys = if ranges.is_empty() {
            Vec::new()
        } else {
            self.read_merged(conn, &filter.tenant_id, &ranges, filter.offset, limit)?
        };
        Ok(Some(in_order(conn, keys)?))
    }

    /// The values to range over: none (`[None]`) for a plain listing.
    fn values(&self) -> Vec<Option<String>> {
        match self {
            Listing::Plain => vec![None],
            Listing::Value { values, .. } => distinct(values).into_iter().map(Some).collect(),
        }
    }

    /// (start time, record ID) of one or several ranges merged, newest first: one `UNION ALL` of the ranges in order,
    /// which both databases merge as they read (SQLite's merge of a compound select, PostgreSQL's Merge Append),
    /// so the page costs its depth, not the ranges' length.
    fn read_merged(
        &self,
        conn: &mut DbConnection,
        tenant_id: &str,
        ranges: &[Range],
        offset: i64,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, DbError> {
        let postgres = matches!(conn, DbConnection::Postgres(_));
        let mut binds: Vec<String> = Vec::new();
        let mut bind = |value: &str| {
            binds.push(value.to_string());
            if postgres {
                format!("${}", binds.len())
            } else {
                "?".to_string()
            }
        };
        let mut arms = Vec::new();
        for (i, range) in ranges.iter().enumerate() {
            let arm = match (self, range.value) {
                (Listing::Value { key, .. }, Some(value)) => format!(
                    "SELECT start_time, record_id FROM recording_metadata WHERE key = {} AND value = {} \
                     AND tenant_id = {} AND state = {}",
                    bind(key),
                    bind(value),
                    bind(tenant_id),
                    bind(range.state)
                ),
                _ => format!(
                    "SELECT start_time, record_id FROM recordings WHERE tenant_id = {} AND state = {}",
                    bind(tenant_id),
                    bind(range.state)
                ),
            };
            arms.push(format!("SELECT * FROM ({arm} ORDER BY start_time DESC, record_id) AS range{i}"));
        }
        let sql = format!("{} ORDER BY 1 DESC, 2 LIMIT {limit} OFFSET {offset}", arms.join(" UNION ALL "));
        let mut query = diesel::sql_query(sql).into_boxed::<Backend>();
        for value in binds {
            query = query.bind::<diesel::sql_types::Text, _>(value);
        }
        Ok(query.load::<Key>(conn)?.into_iter().map(|key| (key.start_time, key.record_id)).collect())
    }
}

/// A merged page's key, as the database returns it.
#[derive(QueryableByName)]
struct Key {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    start_time: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    record_id: String,
}

/// The recordings of these keys, in their order.
fn in_order(conn: &mut DbConnection, keys: Vec<(i64, String)>) -> Result<Vec<Recording>, DbError> {
    let ids: Vec<&str> = keys.iter().map(|(_, id)| id.as_str()).collect();
    let mut rows: HashMap<String, Recording> = recordings::table
        .filter(recordings::record_id.eq_any(&ids))
        .select(Recording::as_select())
        .load::<Recording>(conn)?
        .into_iter()
        .map(|row| (row.record_id.clone(), row))
        .collect();
    Ok(keys.into_iter().filter_map(|(_, id)| rows.remove(&id)).collect())
}

fn distinct(items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    items
}
