//! A BBB server row: where it is, its secret, its state and its last poll's figures.

use diesel::prelude::*;

use crate::db::schema::servers;
use crate::db::{DbConnection, DbError};
use crate::secret::Secret;

/// Whether a server takes new meetings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerState {
    /// Takes new meetings (once online).
    Enabled,
    /// Keeps its meetings, takes no new ones; becomes disabled when empty.
    Cordoned,
    /// Takes nothing; cannot be joined.
    Disabled,
}

impl ServerState {
    pub fn as_str(self) -> &'static str {
        match self {
            ServerState::Enabled => "enabled",
            ServerState::Cordoned => "cordoned",
            ServerState::Disabled => "disabled",
        }
    }

    pub fn parse(text: &str) -> Option<ServerState> {
        match text {
            "enabled" => Some(ServerState::Enabled),
            "cordoned" => Some(ServerState::Cordoned),
            "disabled" => Some(ServerState::Disabled),
            _ => None,
        }
    }
}

/// A row of `servers`.
#[derive(Queryable, Selectable, Identifiable, Insertable, AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = servers, treat_none_as_null = true)]
pub struct Server {
    pub id: String,
    pub url: String,
    #[diesel(deserialize_as = String, serialize_as = String)]
    pub secret: Secret,
    pub tag: Option<String>,
    pub state: String,
    pub online: bool,
    pub load: Option<f64>,
    pub load_multiplier: f64,
    pub meetings: i32,
    pub users: i32,
    pub largest_meeting: i32,
    pub videos: i32,
    pub bbb_version: Option<String>,
    pub checksum_algorithm: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Server {
    /// The state; an unknown stored value reads as disabled, the safe choice.
    pub fn state(&self) -> ServerState {
        ServerState::parse(&self.state).unwrap_or(ServerState::Disabled)
    }

    /// Every server, ordered by id.
    pub fn all(conn: &mut DbConnection) -> Result<Vec<Server>, DbError> {
        Ok(servers::table
            .order(servers::id)
            .select(Server::as_select())
            .load(conn)?)
    }

    /// The server with this id, if any.
    pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Server>, DbError> {
        Ok(servers::table
            .find(id)
            .select(Server::as_select())
            .first(conn)
            .optional()?)
    }

    /// Inserts a new server; a duplicate id is a unique violation.
    pub fn insert(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::insert_into(servers::table).values(self.clone()).execute(conn)?;
        Ok(())
    }

    /// Writes every column of this server back.
    pub fn save(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::update(servers::table.find(&self.id))
            .set(self.clone())
            .execute(conn)?;
        Ok(())
    }

    /// Deletes the server; true if it existed.
    pub fn delete(conn: &mut DbConnection, id: &str) -> Result<bool, DbError> {
        Ok(diesel::delete(servers::table.find(id)).execute(conn)? > 0)
    }
}
