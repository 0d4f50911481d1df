//! The per-day usage report of tenants, for the CLI (`scalelite tenants usage`) and the admin API
//! (`getTenantUsage`): meeting-minutes, user-minutes and peaks as sampled (`tenant_usage`), and the recordings
//! started that day with the bytes of their formats, as CSV or JSON.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::admin::tenants;
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_usage;
use crate::db::{now_ms, DbConnection};
use crate::error::AdminError;
use crate::utc;

/// The days of a report when none are asked for: the last 31, today included.
const DEFAULT_DAYS: i64 = 31;
/// The longest report: about ten years.
const MAX_DAYS: i64 = 3700;

/// One tenant's day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageRow {
    pub day: String,
    pub tenant_id: String,
    pub tenant_name: String,
    pub meeting_minutes: f64,
    pub user_minutes: f64,
    pub peak_meetings: i32,
    pub peak_users: i32,
    pub recordings: i64,
    pub recording_bytes: i64,
}

/// Which days and which tenant (name or ID).
#[derive(Debug, Clone, Default)]
pub struct UsageQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub tenant: Option<String>,
}

fn parse_day(text: Option<&str>, key: &str, default: i64) -> Result<i64, AdminError> {
    match text {
        None => Ok(default),
        Some(text) => utc::day_start(text.trim())
            .ok_or_else(|| AdminError::bad_request(format!("'{key}' must be a date as YYYY-MM-DD, not '{text}'"))),
    }
}

/// The report of these days, by day then tenant name.
pub fn report(conn: &mut DbConnection, query: &UsageQuery) -> Result<Vec<UsageRow>, AdminError> {
    let today = utc::day_start(&utc::day(now_ms())).unwrap_or(0);
    let to = parse_day(query.to.as_deref(), "to", today)?;
    let from = parse_day(query.from.as_deref(), "from", to - (DEFAULT_DAYS - 1) * 86_400_000)?;
    if from > to || (to - from) / 86_400_000 >= MAX_DAYS {
        return Err(AdminError::bad_request(format!(
            "'from' must be on or before 'to', at most {MAX_DAYS} days apart"
        )));
    }
    let tenant = match &query.tenant {
        Some(name_or_id) => Some(tenants::get_by_name_or_id(conn, name_or_id)?),
        None => None,
    };
    let names: BTreeMap<String, String> = Tenant::all(conn)?.into_iter().map(|t| (t.id, t.name)).collect();
    let tenant_id = tenant.as_ref().map(|t| t.id.as_str());
    let sampled = tenant_usage::between(conn, &utc::day(from), &utc::day(to), tenant_id)?;
    let mut rows: BTreeMap<(String, String), UsageRow> = BTreeMap::new();
    let blank = |day: &str, tenant_id: &str| UsageRow {
        day: day.to_string(),
        tenant_id: tenant_id.to_string(),
        tenant_name: names.get(tenant_id).cloned().unwrap_or_default(),
        meeting_minutes: 0.0,
        user_minutes: 0.0,
        peak_meetings: 0,
        peak_users: 0,
        recordings: 0,
        recording_bytes: 0,
    };
    for s in sampled {
        let r = rows.entry((s.day.clone(), s.tenant_id.clone())).or_insert_with(|| blank(&s.day, &s.tenant_id));
        r.meeting_minutes = (s.meeting_ms as f64 / 6_000.0).round() / 10.0;
        r.user_minutes = (s.user_ms as f64 / 6_000.0).round() / 10.0;
        r.peak_meetings = s.peak_meetings;
        r.peak_users = s.peak_users;
    }
    for (tenant_id, day, recordings, bytes) in tenant_usage::recorded_per_day(conn, from, to + 86_400_000, tenant_id)? {
        let r = rows.entry((day.clone(), tenant_id.clone())).or_insert_with(|| blank(&day, &tenant_id));
        r.recordings = recordings;
        r.recording_bytes = bytes;
    }
    let mut rows: Vec<UsageRow> = rows.into_values().collect();
    rows.sort_by(|a, b| (&a.day, &a.tenant_name, &a.tenant_id).cmp(&(&b.day, &b.tenant_name, &b.tenant_id)));
    Ok(rows)
}

/// The rows as CSV, with a header line.
pub fn to_csv(rows: &[UsageRow]) -> String {
    let field = |text: &str| {
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    };
    let mut out = String::from(
        "day,tenant_id,tenant_name,meeting_minutes,user_minutes,peak_meetings,peak_users,recordings,recording_bytes\n",
    );
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            r.day,
            field(&r.tenant_id),
            field(&r.tenant_name),
            r.meeting_minutes,
            r.user_minutes,
            r.peak_meetings,
            r.peak_users,
            r.recordings,
            r.recording_bytes
        ));
    }
    out
}

/// The rows as a JSON array.
pub fn to_json(rows: &[UsageRow]) -> Value {
    serde_json::to_value(rows).unwrap_or(Value::Null)
}
