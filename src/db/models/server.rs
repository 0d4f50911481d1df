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

/// What a poll found, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PollRecord {
    pub online: bool,
    pub load: Option<f64>,
    pub meetings: i32,
    pub users: i32,
    pub largest_meeting: i32,
    pub videos: i32,
    pub bbb_version: Option<String>,
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

    /// The host name of its URL.
    pub fn host(&self) -> Option<String> {
        url::Url::parse(&self.url).ok().and_then(|u| u.host_str().map(String::from))
    }

    /// Every server, ordered by id.
    pub fn all(conn: &mut DbConnection) -> Result<Vec<Server>, DbError> {
        Ok(servers::table.order(servers::id).select(Server::as_select()).load(conn)?)
    }

    /// The server with this id, if any.
    pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<Server>, DbError> {
        Ok(servers::table.find(id).select(Server::as_select()).first(conn).optional()?)
    }

    /// Inserts a new server; a duplicate id is a unique violation.
    pub fn insert(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::insert_into(servers::table).values(self.clone()).execute(conn)?;
        Ok(())
    }

    /// Writes every column of this server back.
    pub fn save(&self, conn: &mut DbConnection) -> Result<(), DbError> {
        diesel::update(servers::table.find(&self.id)).set(self.clone()).execute(conn)?;
        Ok(())
    }

    /// Records a poll's outcome without touching what administrators change. A disabled server has no load.
    pub fn record_poll(conn: &mut DbConnection, id: &str, poll: &PollRecord) -> Result<(), DbError> {
        let now = crate::db::now_ms();
        conn.transaction(|conn| {
            diesel::update(servers::table.find(id))
                .set((
                    servers::online.eq(poll.online),
                    servers::meetings.eq(poll.meetings),
                    servers::users.eq(poll.users),
                    servers::largest_meeting.eq(poll.largest_meeting),
                    servers::videos.eq(poll.videos),
                    servers::updated_at.eq(now),
                ))
                .execute(conn)?;
            diesel::update(servers::table.find(id).filter(servers::state.ne(ServerState::Disabled.as_str())))
                .set(servers::load.eq(poll.load))
                .execute(conn)?;
            if let Some(version) = &poll.bbb_version {
                diesel::update(servers::table.find(id)).set(servers::bbb_version.eq(version)).execute(conn)?;
            }
            Ok(())
        })
    }

    /// Disables a cordoned server (once it is empty); true if it was cordoned.
    pub fn disable_if_cordoned(conn: &mut DbConnection, id: &str) -> Result<bool, DbError> {
        let changed = diesel::update(servers::table.find(id).filter(servers::state.eq(ServerState::Cordoned.as_str())))
            .set((
                servers::state.eq(ServerState::Disabled.as_str()),
                servers::load.eq(None::<f64>),
                servers::updated_at.eq(crate::db::now_ms()),
            ))
            .execute(conn)?;
        Ok(changed > 0)
    }

    /// Deletes the server; true if it existed.
    pub fn delete(conn: &mut DbConnection, id: &str) -> Result<bool, DbError> {
        Ok(diesel::delete(servers::table.find(id)).execute(conn)? > 0)
    }
}
