//! The joins each instance redirected, per meeting and server, as running totals: how the instances sharing a
//! PostgreSQL database learn each other's joins within a second, without a write per join.

use diesel::prelude::*;

use crate::db::schema::meeting_joins;
use crate::db::{DbConnection, DbError};

/// A row of `meeting_joins`.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = meeting_joins)]
pub struct MeetingJoins {
    pub instance_id: String,
    pub bbb_meeting_id: String,
    pub server_id: String,
    /// Joins this instance redirected to the meeting on that server, since it started.
    pub joins: i32,
    pub updated_at: i64,
}

impl MeetingJoins {
    /// Writes an instance's totals that changed, in one transaction.
    pub fn store(conn: &mut DbConnection, rows: &[MeetingJoins]) -> Result<(), DbError> {
        conn.transaction(|conn| {
            for row in rows {
                let key = (&row.instance_id, &row.bbb_meeting_id, &row.server_id);
                diesel::delete(meeting_joins::table.find(key)).execute(conn)?;
                diesel::insert_into(meeting_joins::table).values(row.clone()).execute(conn)?;
            }
            Ok(())
        })
    }

    /// The other instances' totals written since `since` (ms).
    pub fn of_others(conn: &mut DbConnection, instance_id: &str, since: i64) -> Result<Vec<MeetingJoins>, DbError> {
        Ok(meeting_joins::table
            .filter(meeting_joins::instance_id.ne(instance_id))
            .filter(meeting_joins::updated_at.ge(since))
            .select(MeetingJoins::as_select())
            .load(conn)?)
    }

    /// Forgets totals not written since `before` (ms): their meetings are long past their first minutes.
    pub fn forget_before(conn: &mut DbConnection, before: i64) -> Result<usize, DbError> {
        Ok(diesel::delete(meeting_joins::table.filter(meeting_joins::updated_at.lt(before))).execute(conn)?)
    }
}
