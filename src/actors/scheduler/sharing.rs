//! What the scheduler shares through the database: its join totals with the other instances (and theirs into
//! its ledger), and its servers' and meetings' figures for `scalelite status`, `scalelite meetings` and the admin
//! API.

use actix::prelude::*;

use super::Scheduler;
use crate::actors::join_sync::KEEP_MS;
use crate::db::models::meeting_forecast::MeetingForecast;
use crate::db::models::meeting_joins::MeetingJoins;
use crate::db::models::server_figures::ServerFigures;
use crate::db::{blocking, now_ms, DbError};

impl Scheduler {
    /// Writes this instance's join totals that changed and counts the other instances' new joins in the ledger.
    pub(super) fn sync_joins(&mut self, ctx: &mut Context<Self>) {
        let Some(sync) = self.joins.as_mut() else { return };
        if self.syncing {
            return;
        }
        self.syncing = true;
        self.syncs = self.syncs.wrapping_add(1);
        let now = now_ms();
        let rows = sync.changed_rows(now);
        // Rows commit a little after they are stamped: read a few seconds back (counting is by difference).
        let since = sync.read_since - 5_000;
        sync.read_since = now;
        let instance = sync.instance_id.clone();
        let clean = self.syncs.is_multiple_of(120);
        let db = self.deps.pool.clone();
        let work = blocking(move || -> Result<Vec<MeetingJoins>, DbError> {
            let mut conn = db.get()?;
            if !rows.is_empty() {
                MeetingJoins::store(&mut conn, &rows)?;
            }
            if clean {
                MeetingJoins::forget_before(&mut conn, now - KEEP_MS)?;
            }
            MeetingJoins::of_others(&mut conn, &instance, since)
        });
        ctx.spawn(work.into_actor(self).map(move |read, act, _| {
            act.syncing = false;
            let (at, weights) = (act.now(), act.deps.config.load_weights());
            let (Some(sync), Ok(read)) = (act.joins.as_mut(), read.inspect_err(|e| log::warn!("sharing joins: {e}")))
            else {
                return;
            };
            if clean {
                sync.forget_old(now);
            }
            for (meeting, server, count) in sync.new_joins(read, now) {
                act.ledger.joined(&meeting, &server, at, count, &weights);
            }
        }));
    }

    /// Writes the figures that changed, for `scalelite status` (only the instance that polls sees every join).
    pub(super) fn write_figures(&mut self) {
        if !self.deps.leadership.is_leader() {
            // Should it lead again, it writes everything afresh.
            self.written.clear();
            self.forecasts = super::forecasts::ForecastWriter::new();
            return;
        }
        let now = now_ms();
        let rounded = |x: f64| (x * 10.0).round() as i64;
        let mut rows = Vec::new();
        for f in self.figures() {
            let in_flight = i32::try_from(f.ledger.in_flight).unwrap_or(i32::MAX);
            let key = (in_flight, rounded(f.ledger.load), f.placement_load.map(rounded));
            if self.written.get(&f.server_id) != Some(&key) {
                self.written.insert(f.server_id.clone(), key);
                rows.push(ServerFigures {
                    server_id: f.server_id,
                    users_in_flight: in_flight,
                    forecast_load: f.ledger.load,
                    placement_load: f.placement_load,
                    updated_at: now,
                });
            }
        }
        self.written.retain(|id, _| self.slots.contains_key(id));
        let (at, weights) = (self.now(), self.deps.config.load_weights());
        let replace_all = std::mem::take(&mut self.forecasts.fresh);
        let (forecasts, gone) = self.forecasts.changes(self.ledger.meetings(at, &weights), now);
        if rows.is_empty() && forecasts.is_empty() && gone.is_empty() && !replace_all {
            return;
        }
        let db = self.deps.pool.clone();
        actix_web::rt::spawn(async move {
            let stored = blocking(move || -> Result<(), DbError> {
                let mut conn = db.get()?;
                ServerFigures::store(&mut conn, &rows)?;
                if replace_all {
                    MeetingForecast::clear(&mut conn)?;
                }
                MeetingForecast::store(&mut conn, &forecasts, &gone)
            })
            .await;
            if let Err(e) = stored {
                log::warn!("the servers' and meetings' figures were not written: {e}");
            }
        });
    }
}
