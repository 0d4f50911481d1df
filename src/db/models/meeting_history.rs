//! The peaks of meetings' earlier sessions: a recurring class's next session is forecast from them.

use diesel::prelude::*;

use crate::db::schema::meeting_history;
use crate::db::{DbConnection, DbError};

/// A row of `meeting_history`, keyed by the meeting ID the BBB servers know (tenant-scoped).
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = meeting_history)]
pub struct MeetingHistory {
    pub bbb_meeting_id: String,
    pub sessions: i32,
    pub mean_peak: f64,
    pub updated_at: i64,
}

impl MeetingHistory {
    /// The mean peak of a meeting's earlier sessions, if it had any.
    pub fn mean_peak(conn: &mut DbConnection, bbb_meeting_id: &str) -> Result<Option<f64>, DbError> {
        Ok(meeting_history::table.find(bbb_meeting_id).select(meeting_history::mean_peak).first(conn).optional()?)
    }

    /// Adds a session that ended with `peak` users at most.
    pub fn record(conn: &mut DbConnection, bbb_meeting_id: &str, peak: u32, now: i64) -> Result<(), DbError> {
        conn.transaction(|conn| {
            let earlier: Option<MeetingHistory> = meeting_history::table
                .find(bbb_meeting_id)
                .select(MeetingHistory::as_select())
                .first(conn)
                .optional()?;
            let (sessions, mean) = earlier.map_or((0, 0.0), |h| (h.sessions, h.mean_peak));
            let row = MeetingHistory {
                bbb_meeting_id: bbb_meeting_id.to_string(),
                sessions: sessions.saturating_add(1),
                mean_peak: (mean * f64::from(sessions) + f64::from(peak)) / f64::from(sessions.saturating_add(1)),
                updated_at: now,
            };
            diesel::delete(meeting_history::table.find(bbb_meeting_id)).execute(conn)?;
            diesel::insert_into(meeting_history::table).values(row).execute(conn)?;
            Ok(())
        })
    }
}
