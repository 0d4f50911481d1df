//! Each server's load (the one placement uses), users and meetings sampled over time by the leading instance, for the dashboard's chart;
//! samples older than a day are dropped.

use diesel::prelude::*;

use crate::db::schema::{server_figures, server_load_samples, servers};
use crate::db::{DbConnection, DbError};

/// How long samples are kept.
pub const KEPT_MS: i64 = 24 * 3_600_000;

/// One sample.
#[derive(Queryable, Selectable, Clone, Debug, PartialEq)]
#[diesel(table_name = server_load_samples)]
pub struct LoadSample {
    pub server_id: String,
    pub sampled_at: i64,
    pub load: Option<f64>,
    pub users: i32,
    pub meetings: i32,
}

/// Samples every server's figures as its last poll left them, at `now`; drops samples older than a day.
pub fn sample(conn: &mut DbConnection, now: i64) -> Result<usize, DbError> {
    let placement: std::collections::HashMap<String, Option<f64>> = server_figures::table
        .select((server_figures::server_id, server_figures::placement_load))
        .load::<(String, Option<f64>)>(conn)?
        .into_iter()
        .collect();
    let mut figures: Vec<(String, Option<f64>, i32, i32)> =
        servers::table.select((servers::id, servers::load, servers::users, servers::meetings)).load(conn)?;
    // The load placement uses where the poller has told it, else the server's last polled load.
    for (id, load, _, _) in &mut figures {
        if let Some(used) = placement.get(id) {
            *load = *used;
        }
    }
    diesel::delete(server_load_samples::table.filter(server_load_samples::sampled_at.lt(now - KEPT_MS)))
        .execute(conn)?;
    for (server_id, load, users, meetings) in &figures {
        let inserted = diesel::insert_into(server_load_samples::table)
            .values((
                server_load_samples::server_id.eq(server_id),
                server_load_samples::sampled_at.eq(now),
                server_load_samples::load.eq(load),
                server_load_samples::users.eq(users),
                server_load_samples::meetings.eq(meetings),
            ))
            .execute(conn)
            .map_err(DbError::from);
        // Another instance sampled this very millisecond (a change of leader): its sample stands.
        match inserted {
            Err(e) if !e.is_unique_violation() => return Err(e),
            _ => {}
        }
    }
    Ok(figures.len())
}

/// The samples taken since `since`, by server then time.
pub fn since(conn: &mut DbConnection, since: i64) -> Result<Vec<LoadSample>, DbError> {
    Ok(server_load_samples::table
        .filter(server_load_samples::sampled_at.ge(since))
        .order((server_load_samples::server_id, server_load_samples::sampled_at))
        .select(LoadSample::as_select())
        .load(conn)?)
}
