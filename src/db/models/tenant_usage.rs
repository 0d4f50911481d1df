//! What each tenant used, per UTC day: meeting and user time, peaks; sampled from the meetings and the users
//! their servers' polls saw, by the leading instance. And what a tenant runs now, for its limits.

use std::collections::BTreeMap;

use diesel::prelude::*;

use crate::db::models::setting;
use crate::db::schema::{meeting_forecasts, meetings, tenant_usage};
use crate::db::{DbConnection, DbError};

/// A row of `tenant_usage`.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = tenant_usage)]
pub struct TenantUsage {
    /// Empty for the meetings of no tenant (without multitenancy).
    pub tenant_id: String,
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// Meeting time, in milliseconds.
    pub meeting_ms: i64,
    /// User time, in milliseconds.
    pub user_ms: i64,
    pub peak_meetings: i32,
    pub peak_users: i32,
}

/// What a tenant runs now: its meetings, and the users in them (as polled, plus the joins sent there since).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TenantLoad {
    pub meetings: i64,
    pub users: i64,
}

/// The key of `settings` holding when usage was last sampled (milliseconds since the epoch).
const SAMPLED_AT: &str = "usage_sampled_at";

/// The meetings and their users, per tenant; only `tenant` if given.
pub fn loads(conn: &mut DbConnection, tenant: Option<&str>) -> Result<BTreeMap<String, TenantLoad>, DbError> {
    let joined = meeting_forecasts::table.on(meeting_forecasts::bbb_meeting_id
        .eq(meetings::bbb_meeting_id)
        .and(meeting_forecasts::server_id.eq(meetings::server_id)));
    let mut query = meetings::table
        .left_join(joined)
        .select((
            meetings::tenant_id,
            meeting_forecasts::polled_users.nullable(),
            meeting_forecasts::in_flight.nullable(),
        ))
        .into_boxed();
    if let Some(tenant) = tenant {
        query = query.filter(meetings::tenant_id.eq(tenant));
    }
    let rows: Vec<(String, Option<i32>, Option<i32>)> = query.load(conn)?;
    let mut loads: BTreeMap<String, TenantLoad> = BTreeMap::new();
    for (tenant, polled, in_flight) in rows {
        let load = loads.entry(tenant).or_default();
        load.meetings += 1;
        load.users += i64::from(polled.unwrap_or(0)) + i64::from(in_flight.unwrap_or(0));
    }
    Ok(loads)
}

/// Adds the time since the last sample (at most `max_gap_ms`: an instance that was stopped does not bill the
/// gap) to each tenant's day, at its current meetings and users, and raises the day's peaks. One transaction,
/// so that two instances sampling at once (a leadership change) count the time once.
pub fn sample(conn: &mut DbConnection, now_ms: i64, max_gap_ms: i64) -> Result<(), DbError> {
    conn.transaction(|conn| {
        // A write first: it takes SQLite's write lock (waiting for it, where a read first could not) and locks the
        // row on PostgreSQL, so that a second sampler waits and then sees this one's time.
        setting::touch(conn, SAMPLED_AT)?;
        let last = setting::get(conn, SAMPLED_AT)?.and_then(|v| v.parse::<i64>().ok());
        setting::set(conn, SAMPLED_AT, &now_ms.to_string())?;
        let elapsed_ms = last.map_or(0, |last| (now_ms - last).clamp(0, max_gap_ms));
        let day = crate::utc::day(now_ms);
        for (tenant_id, load) in loads(conn, None)? {
            let key = (tenant_id.as_str(), day.as_str());
            let found = tenant_usage::table.find(key).select(TenantUsage::as_select()).first(conn).optional()?;
            let mut row = found.clone().unwrap_or(TenantUsage {
                tenant_id: tenant_id.clone(),
                day: day.clone(),
                meeting_ms: 0,
                user_ms: 0,
                peak_meetings: 0,
                peak_users: 0,
            });
            row.meeting_ms += load.meetings * elapsed_ms;
            row.user_ms += load.users * elapsed_ms;
            row.peak_meetings = row.peak_meetings.max(i32::try_from(load.meetings).unwrap_or(i32::MAX));
            row.peak_users = row.peak_users.max(i32::try_from(load.users).unwrap_or(i32::MAX));
            match found {
                Some(old) if old == row => {}
                Some(_) => {
                    diesel::update(tenant_usage::table.find(key)).set(&row).execute(conn)?;
                }
                None => {
                    diesel::insert_into(tenant_usage::table).values(&row).execute(conn)?;
                }
            }
        }
        Ok(())
    })
}

/// The rows of days `from..=to` (`YYYY-MM-DD`), of one tenant if given, by day then tenant.
pub fn between(
    conn: &mut DbConnection,
    from: &str,
    to: &str,
    tenant: Option<&str>,
) -> Result<Vec<TenantUsage>, DbError> {
    let mut query = tenant_usage::table
        .filter(tenant_usage::day.ge(from))
        .filter(tenant_usage::day.le(to))
        .order((tenant_usage::day, tenant_usage::tenant_id))
        .select(TenantUsage::as_select())
        .into_boxed();
    if let Some(tenant) = tenant {
        query = query.filter(tenant_usage::tenant_id.eq(tenant));
    }
    Ok(query.load(conn)?)
}

#[derive(diesel::QueryableByName)]
struct RecordedDay {
    #[diesel(sql_type = diesel::sql_types::Text)]
    tenant_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    day: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    recordings: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    bytes: i64,
}

/// Recordings that started in `[from, until)` (milliseconds), per tenant and UTC day, with the bytes of their
/// formats; `{day}` is the backend's expression of the day, `{tenant}` an optional condition. Summed in the
/// database: a year of a large pool is millions of rows.
const RECORDED_PER_DAY: &str =
    "SELECT r.tenant_id AS tenant_id, {day} AS day, COUNT(DISTINCT r.record_id) AS recordings, \
     CAST(COALESCE(SUM(f.size), 0) AS BIGINT) AS bytes \
     FROM recordings r LEFT JOIN playback_formats f ON f.record_id = r.record_id \
     WHERE r.start_time >= $1 AND r.start_time < $2 AND r.state <> 'deleted' {tenant} \
     GROUP BY r.tenant_id, {day}";

/// (tenant ID, day, recordings, bytes) of the recordings that started in `[from, until)`, of one tenant if given.
pub fn recorded_per_day(
    conn: &mut DbConnection,
    from: i64,
    until: i64,
    tenant: Option<&str>,
) -> Result<Vec<(String, String, i64, i64)>, DbError> {
    use diesel::sql_types::{BigInt, Text};
    let condition = if tenant.is_some() { "AND r.tenant_id = $3" } else { "" };
    let sql = |day: &str| RECORDED_PER_DAY.replace("{day}", day).replace("{tenant}", condition);
    let rows: Vec<RecordedDay> = match conn {
        DbConnection::Postgres(c) => {
            let day = "to_char(to_timestamp(r.start_time / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
            let query = diesel::sql_query(sql(day)).bind::<BigInt, _>(from).bind::<BigInt, _>(until);
            match tenant {
                Some(t) => query.bind::<Text, _>(t).load(c)?,
                None => query.load(c)?,
            }
        }
        DbConnection::Sqlite(c) => {
            let day = "strftime('%Y-%m-%d', r.start_time / 1000, 'unixepoch')";
            let query = diesel::sql_query(sql(day).replace('$', "?")).bind::<BigInt, _>(from).bind::<BigInt, _>(until);
            match tenant {
                Some(t) => query.bind::<Text, _>(t).load(c)?,
                None => query.load(c)?,
            }
        }
    };
    Ok(rows.into_iter().map(|r| (r.tenant_id, r.day, r.recordings, r.bytes)).collect())
}
