//! What the instance that polls sees of each server between polls, kept for `scalelite status`: the joins no
//! poll has seen yet, the forecast load and the load placement uses.

use diesel::prelude::*;

use crate::db::schema::server_figures;
use crate::db::{DbConnection, DbError};

/// A row of `server_figures`.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = server_figures)]
pub struct ServerFigures {
    pub server_id: String,
    pub users_in_flight: i32,
    /// The server's meetings' weights (before its multiplier).
    pub forecast_load: f64,
    /// The load placement uses (multiplier applied); `None` when the server takes no new meeting.
    pub placement_load: Option<f64>,
    pub updated_at: i64,
}

impl ServerFigures {
    /// Replaces the figures of these servers, in one transaction.
    pub fn store(conn: &mut DbConnection, rows: &[ServerFigures]) -> Result<(), DbError> {
        conn.transaction(|conn| {
            for row in rows {
                diesel::delete(server_figures::table.find(&row.server_id)).execute(conn)?;
                diesel::insert_into(server_figures::table).values(row.clone()).execute(conn)?;
            }
            Ok(())
        })
    }

    pub fn all(conn: &mut DbConnection) -> Result<Vec<ServerFigures>, DbError> {
        Ok(server_figures::table.select(ServerFigures::as_select()).load(conn)?)
    }
}
