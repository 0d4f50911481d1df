//! What the instance that polls forecasts for each meeting: the users it expects, why, and the joins no poll
//! has seen yet (kept for `scalelite meetings` and the admin API; written when they change).

use diesel::prelude::*;

use crate::db::schema::meeting_forecasts;
use crate::db::{DbConnection, DbError};

/// A row of `meeting_forecasts`.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = meeting_forecasts)]
pub struct MeetingForecast {
    pub server_id: String,
    /// The meeting ID the BBB server knows.
    pub bbb_meeting_id: String,
    /// The users the meeting is expected to reach.
    pub users: f64,
    /// Where that figure comes from: hint, history, arrivals, typical or default.
    pub source: String,
    /// Joins redirected to it that no poll has seen yet.
    pub in_flight: i32,
    /// What it weighs in placement now, in users (before the server's multiplier).
    pub load: f64,
    pub updated_at: i64,
    /// The users its server's last poll listed.
    pub polled_users: i32,
}

impl MeetingForecast {
    /// Replaces these rows and deletes those of the meetings gone (server, BBB meeting ID), in one transaction.
    pub fn store(conn: &mut DbConnection, rows: &[MeetingForecast], gone: &[(String, String)]) -> Result<(), DbError> {
        conn.transaction(|conn| {
            for (server_id, meeting) in gone {
                diesel::delete(meeting_forecasts::table.find((server_id, meeting))).execute(conn)?;
            }
            for row in rows {
                diesel::delete(meeting_forecasts::table.find((&row.server_id, &row.bbb_meeting_id))).execute(conn)?;
                diesel::insert_into(meeting_forecasts::table).values(row.clone()).execute(conn)?;
            }
            Ok(())
        })
    }

    /// Deletes every row (a new writer replaces them all).
    pub fn clear(conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::delete(meeting_forecasts::table).execute(conn)?;
        Ok(())
    }

    /// Every forecast.
    pub fn all(conn: &mut DbConnection) -> Result<Vec<MeetingForecast>, DbError> {
        Ok(meeting_forecasts::table.select(MeetingForecast::as_select()).load(conn)?)
    }

    /// The forecast of a meeting on its server.
    pub fn find(
        conn: &mut DbConnection,
        server_id: &str,
        bbb_meeting_id: &str,
    ) -> Result<Option<MeetingForecast>, DbError> {
        Ok(meeting_forecasts::table
            .find((server_id, bbb_meeting_id))
            .select(MeetingForecast::as_select())
            .first(conn)
            .optional()?)
    }
}
