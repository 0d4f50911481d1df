//! What a meeting's create asked for callbacks, kept after the meeting ends (recording-ready, analytics).

use diesel::prelude::*;

use crate::db::schema::meeting_callbacks;
use crate::db::{DbConnection, DbError};

/// A row of `meeting_callbacks`, keyed by the meeting ID the BBB server knows (the recordings' meetingId).
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = meeting_callbacks)]
pub struct MeetingCallback {
    pub bbb_meeting_id: String,
    pub tenant_id: String,
    pub recording_ready_url: Option<String>,
    pub analytics_callback_url: Option<String>,
    /// Which secret the front-end signed the create with, to sign callbacks with the same one.
    pub secret_fingerprint: Option<String>,
    pub updated_at: i64,
    /// The front-end's own `meetingEndedURL` (Scalelite gives the server its own).
    pub meeting_ended_url: Option<String>,
    /// A tenant meeting's `meta_endCallbackUrl`, called with the front-end's meeting ID.
    pub end_callback_url: Option<String>,
}

impl MeetingCallback {
    /// Stores the callbacks of a create, replacing those of an earlier create of the same meeting.
    pub fn store(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        conn.transaction(|conn| {
            diesel::delete(meeting_callbacks::table.find(&self.bbb_meeting_id)).execute(conn)?;
            diesel::insert_into(meeting_callbacks::table).values(self.clone()).execute(conn)?;
            Ok(())
        })
    }

    /// The callbacks of a meeting.
    pub fn find(conn: &mut DbConnection, bbb_meeting_id: &str) -> Result<Option<MeetingCallback>, DbError> {
        Ok(meeting_callbacks::table.find(bbb_meeting_id).select(MeetingCallback::as_select()).first(conn).optional()?)
    }
}
