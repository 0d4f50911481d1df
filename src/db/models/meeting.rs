//! A meeting row: which server a front-end's meeting lives on.

use diesel::prelude::*;

use crate::db::schema::meetings;
use crate::db::{DbConnection, DbError};

/// A row of `meetings`. `tenant_id` is empty without multitenancy.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = meetings)]
pub struct Meeting {
    pub tenant_id: String,
    pub meeting_id: String,
    /// The meeting ID the BBB server knows (tenant meetings get a prefix, so tenants may share IDs).
    pub bbb_meeting_id: String,
    pub server_id: String,
    pub moderator_pw: Option<String>,
    pub voice_bridge: Option<String>,
    pub created_at: i64,
}

impl Meeting {
    /// Inserts the meeting; a second meeting with the same tenant and id is a unique violation.
    pub fn insert(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::insert_into(meetings::table)
            .values(self.clone())
            .execute(conn)?;
        Ok(())
    }

    /// The meetings placed on a server.
    pub fn on_server(conn: &mut DbConnection, server_id: &str) -> Result<Vec<Meeting>, DbError> {
        Ok(meetings::table
            .filter(meetings::server_id.eq(server_id))
            .order(meetings::meeting_id)
            .select(Meeting::as_select())
            .load(conn)?)
    }

    /// How many meetings are placed on a server.
    pub fn count_on_server(conn: &mut DbConnection, server_id: &str) -> Result<i64, DbError> {
        Ok(meetings::table
            .filter(meetings::server_id.eq(server_id))
            .count()
            .get_result(conn)?)
    }

    /// Forgets every meeting of a server and returns them, in one transaction.
    pub fn take_all_on_server(conn: &mut DbConnection, server_id: &str) -> Result<Vec<Meeting>, DbError> {
        conn.transaction(|conn| {
            let taken = Meeting::on_server(conn, server_id)?;
            diesel::delete(meetings::table.filter(meetings::server_id.eq(server_id))).execute(conn)?;
            Ok(taken)
        })
    }
}
