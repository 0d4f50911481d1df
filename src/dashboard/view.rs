//! What the dashboard shows, read from the database (any instance shows the same pool) and the spool: servers with
//! their load and its chart, meetings with their server (searched by ID), tenants with their limits and use, and
//! the import queue. Every figure is formatted here; the templates only lay it out.

use std::collections::HashMap;
use std::path::Path;

use crate::admin::meetings;
use crate::dashboard::chart;
use crate::db::models::server::Server;
use crate::db::models::server_figures::ServerFigures;
use crate::db::models::server_load;
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_usage;
use crate::db::DbConnection;
use crate::error::AdminError;
use crate::recordings::spool::{self, FailedTar};

/// The hours the load chart covers.
pub const CHART_HOURS: i64 = 6;
/// The most meetings listed at once (a search narrows them).
pub const MEETINGS_SHOWN: usize = 200;

pub struct ServerRow {
    pub id: String,
    pub url: String,
    pub tag: String,
    pub state: String,
    pub online: bool,
    /// The load placement uses, or why there is none.
    pub load: String,
    pub meetings: i32,
    pub users: i32,
    pub last_poll: String,
    pub version: String,
    /// The polyline of its load over the chart's hours.
    pub chart: String,
}

pub struct MeetingRow {
    pub tenant: String,
    pub meeting_id: String,
    pub server_id: String,
    pub users: i32,
    pub age: String,
}

pub struct TenantRow {
    pub name: String,
    pub enabled: bool,
    pub meetings: i64,
    pub users: i64,
    pub max_meetings: String,
    pub max_users: String,
    pub rate_limit: String,
}

/// Everything the page shows.
pub struct Overview {
    pub servers: Vec<ServerRow>,
    /// The highest load drawn in the charts (their top).
    pub chart_top: String,
    pub meetings: Vec<MeetingRow>,
    pub meetings_total: usize,
    pub search: String,
    pub tenants: Vec<TenantRow>,
    pub waiting: usize,
    pub failed: Vec<FailedTar>,
}

/// A duration in seconds as people read it: `42 s`, `5 min`, `3 h 20 min`.
pub fn ago(seconds: i64) -> String {
    match seconds.max(0) {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

fn limit(value: Option<i32>) -> String {
    value.map_or_else(|| "–".to_string(), |v| v.to_string())
}

/// Reads the overview at `now` (ms); `search` keeps the meetings whose ID contains it (any case).
pub fn collect(conn: &mut DbConnection, spool_dir: &Path, search: &str, now: i64) -> Result<Overview, AdminError> {
    let from = now - CHART_HOURS * 3_600_000;
    let mut samples: HashMap<String, Vec<(i64, Option<f64>)>> = HashMap::new();
    for s in server_load::since(conn, from)? {
        samples.entry(s.server_id).or_default().push((s.sampled_at, s.load));
    }
    let top = samples.values().flatten().filter_map(|(_, l)| *l).fold(0.0_f64, f64::max);
    let figures: HashMap<String, ServerFigures> =
        ServerFigures::all(conn)?.into_iter().map(|f| (f.server_id.clone(), f)).collect();
    let servers = Server::all(conn)?
        .into_iter()
        .map(|s| {
            let used = figures.get(&s.id).map_or(s.load, |f| f.placement_load);
            ServerRow {
                load: used.map_or_else(|| "takes no meeting".to_string(), |l| format!("{l:.1}")),
                chart: chart::points(samples.get(&s.id).map_or(&[][..], Vec::as_slice), from, now, top),
                url: s.url,
                tag: s.tag.unwrap_or_default(),
                state: s.state,
                online: s.online,
                meetings: s.meetings,
                users: s.users,
                last_poll: format!("{} ago", ago((now - s.updated_at) / 1000)),
                version: s.bbb_version.unwrap_or_else(|| "–".to_string()),
                id: s.id,
            }
        })
        .collect();
    let needle = search.trim().to_lowercase();
    let all = meetings::list(conn, None)?;
    let meetings_total = all.len();
    let meetings = all
        .iter()
        .filter(|v| needle.is_empty() || v.meeting.meeting_id.to_lowercase().contains(&needle))
        .take(MEETINGS_SHOWN)
        .map(|v| MeetingRow {
            tenant: v.tenant_name.clone().unwrap_or_else(|| "–".to_string()),
            meeting_id: v.meeting.meeting_id.clone(),
            server_id: v.meeting.server_id.clone(),
            users: v.forecast.as_ref().map_or(0, |f| f.polled_users + f.in_flight),
            age: ago(meetings::age_seconds(v)),
        })
        .collect();
    let loads = tenant_usage::loads(conn, None)?;
    let tenants = Tenant::all(conn)?
        .into_iter()
        .map(|t| {
            let load = loads.get(&t.id).copied().unwrap_or_default();
            TenantRow {
                enabled: t.enabled,
                meetings: load.meetings,
                users: load.users,
                max_meetings: limit(t.max_meetings),
                max_users: limit(t.max_users),
                rate_limit: limit(t.rate_limit),
                name: t.name,
            }
        })
        .collect();
    Ok(Overview {
        servers,
        chart_top: format!("{top:.0}"),
        meetings,
        meetings_total,
        search: search.trim().to_string(),
        tenants,
        waiting: spool::tars(spool_dir).map(|t| t.len()).unwrap_or(0),
        failed: spool::failed(spool_dir).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(ago(-3), "0 s");
        assert_eq!(ago(42), "42 s");
        assert_eq!(ago(600), "10 min");
        assert_eq!(ago(12_000), "3 h 20 min");
    }
}
