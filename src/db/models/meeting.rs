//! A meeting row: which server a front-end's meeting lives on.

use diesel::prelude::*;

use crate::db::schema::meetings;
use crate::db::{DbConnection, DbError};

/// The outcome of [`Meeting::insert_new`].
#[derive(Debug, Clone, PartialEq)]
pub enum Placement {
    /// This meeting is now stored.
    Inserted(Meeting),
    /// Another create stored this meeting first.
    Existing(Meeting),
    /// Another row holds the BBB meeting ID (a leftover of a deleted tenant of the same name): nothing stored.
    BbbIdTaken(Meeting),
    /// The chosen server is no longer enabled (cordoned, disabled or removed since it was chosen): nothing
    /// stored; place the meeting again.
    ServerNotEnabled,
}

/// The insert of a new meeting, done only while its server is enabled, in one statement. On PostgreSQL the
/// server's row is share-locked for it, so a state change waits for the insert, and an insert that comes after
/// a committed state change sees it: once `scalelite servers cordon` returns, no instance places a meeting there.
const INSERT_ON_ENABLED_SERVER: &str = "INSERT INTO meetings \
     (tenant_id, meeting_id, bbb_meeting_id, server_id, moderator_pw, voice_bridge, created_at) \
     SELECT $1, $2, $3, $4, $5, $6, $7 FROM servers WHERE id = $4 AND state = 'enabled'";

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
        diesel::insert_into(meetings::table).values(self.clone()).execute(conn)?;
        Ok(())
    }

    /// What an `end` call of each meeting needs: the ID its BBB server knows and the moderator password.
    pub fn end_calls(meetings: &[Meeting]) -> Vec<(&str, Option<&str>)> {
        meetings.iter().map(|m| (m.bbb_meeting_id.as_str(), m.moderator_pw.as_deref())).collect()
    }

    /// Inserts the meeting if its server is enabled (see [`INSERT_ON_ENABLED_SERVER`]); false if it is not.
    /// A second meeting with the same tenant and id is a unique violation, as with [`Meeting::insert`].
    pub fn insert_on_enabled_server(&self, conn: &mut DbConnection) -> Result<bool, DbError> {
        use diesel::sql_types::{BigInt, Nullable, Text};
        // The same values, bound once for either backend's placeholders.
        macro_rules! with_values {
            ($query:expr) => {
                $query
                    .bind::<Text, _>(&self.tenant_id)
                    .bind::<Text, _>(&self.meeting_id)
                    .bind::<Text, _>(&self.bbb_meeting_id)
                    .bind::<Text, _>(&self.server_id)
                    .bind::<Nullable<Text>, _>(&self.moderator_pw)
                    .bind::<Nullable<Text>, _>(&self.voice_bridge)
                    .bind::<BigInt, _>(self.created_at)
            };
        }
        let inserted = match conn {
            DbConnection::Postgres(c) => {
                with_values!(diesel::sql_query(format!("{INSERT_ON_ENABLED_SERVER} FOR SHARE"))).execute(c)?
            }
            // SQLite: one writer at a time, and each statement is atomic; `?N` are its numbered parameters.
            DbConnection::Sqlite(c) => {
                with_values!(diesel::sql_query(INSERT_ON_ENABLED_SERVER.replace('$', "?"))).execute(c)?
            }
        };
        Ok(inserted > 0)
    }

    /// Every meeting, by tenant then ID.
    pub fn all(conn: &mut DbConnection) -> Result<Vec<Meeting>, DbError> {
        Ok(meetings::table
            .order((meetings::tenant_id, meetings::meeting_id))
            .select(Meeting::as_select())
            .load(conn)?)
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
        Ok(meetings::table.filter(meetings::server_id.eq(server_id)).count().get_result(conn)?)
    }

    /// How many meetings each tenant has (tenant id, count); `""` for meetings of no tenant.
    pub fn count_per_tenant(conn: &mut DbConnection) -> Result<Vec<(String, i64)>, DbError> {
        use diesel::dsl::count_star;
        Ok(meetings::table.group_by(meetings::tenant_id).select((meetings::tenant_id, count_star())).load(conn)?)
    }

    /// The meeting of a tenant with this ID.
    pub fn find(conn: &mut DbConnection, tenant_id: &str, meeting_id: &str) -> Result<Option<Meeting>, DbError> {
        Ok(meetings::table.find((tenant_id, meeting_id)).select(Meeting::as_select()).first(conn).optional()?)
    }

    /// The meeting that the BBB servers know by this ID.
    pub fn find_by_bbb_meeting_id(conn: &mut DbConnection, bbb_meeting_id: &str) -> Result<Option<Meeting>, DbError> {
        Ok(meetings::table
            .filter(meetings::bbb_meeting_id.eq(bbb_meeting_id))
            .select(Meeting::as_select())
            .first(conn)
            .optional()?)
    }

    /// The meeting that holds this voice bridge.
    pub fn find_by_voice_bridge(conn: &mut DbConnection, voice_bridge: &str) -> Result<Option<Meeting>, DbError> {
        Ok(meetings::table
            .filter(meetings::voice_bridge.eq(voice_bridge))
            .select(Meeting::as_select())
            .first(conn)
            .optional()?)
    }

    /// Deletes a meeting; true if it existed.
    pub fn delete(conn: &mut DbConnection, tenant_id: &str, meeting_id: &str) -> Result<bool, DbError> {
        Ok(diesel::delete(meetings::table.find((tenant_id, meeting_id))).execute(conn)? > 0)
    }

    /// Deletes a meeting only if it still lives on `server_id` (so a concurrent re-placement is kept).
    pub fn delete_on_server(
        conn: &mut DbConnection,
        tenant_id: &str,
        meeting_id: &str,
        server_id: &str,
    ) -> Result<bool, DbError> {
        let target = meetings::table.find((tenant_id, meeting_id)).filter(meetings::server_id.eq(server_id));
        Ok(diesel::delete(target).execute(conn)? > 0)
    }

    /// Forgets the meetings of a server that its server no longer lists (`listed`, BBB meeting IDs), except
    /// those created after `created_before` (still in their grace period), and those older than `expired_before`
    /// whatever is listed. Returns the forgotten meetings.
    pub fn forget_unlisted(
        conn: &mut DbConnection,
        server_id: &str,
        listed: &std::collections::HashSet<String>,
        created_before: i64,
        expired_before: i64,
    ) -> Result<Vec<Meeting>, DbError> {
        // No enclosing transaction: each delete is conditional and atomic by itself, and an SQLite transaction
        // that reads first cannot wait for the write lock (it fails at once if another writer went first).
        let mut forgotten = Vec::new();
        for meeting in Meeting::on_server(conn, server_id)? {
            let ended = !listed.contains(&meeting.bbb_meeting_id) && meeting.created_at < created_before;
            let expired = meeting.created_at < expired_before;
            if (ended || expired)
                && Meeting::delete_on_server(conn, &meeting.tenant_id, &meeting.meeting_id, server_id)?
            {
                forgotten.push(meeting);
            }
        }
        Ok(forgotten)
    }

    /// Inserts a new meeting with a voice bridge from `voice_bridges` (the first one free) on its server, if that
    /// server is still enabled, unless a meeting with the same tenant and ID exists, which is then returned
    /// instead (someone else created it first). `None`: every voice bridge offered is taken. Inside a transaction,
    /// pass `in_transaction`: each try gets a savepoint (a failed statement would end a PostgreSQL transaction).
    pub fn insert_new(
        &self,
        conn: &mut DbConnection,
        voice_bridges: impl Iterator<Item = String>,
        in_transaction: bool,
    ) -> Result<Option<Placement>, DbError> {
        for voice_bridge in voice_bridges {
            let meeting = Meeting { voice_bridge: Some(voice_bridge), ..self.clone() };
            let inserted = if in_transaction {
                conn.transaction(|conn| meeting.insert_on_enabled_server(conn))
            } else {
                meeting.insert_on_enabled_server(conn)
            };
            match inserted {
                Ok(true) => return Ok(Some(Placement::Inserted(meeting))),
                Ok(false) => {
                    return Ok(Some(match Meeting::find(conn, &self.tenant_id, &self.meeting_id)? {
                        Some(existing) => Placement::Existing(existing),
                        None => Placement::ServerNotEnabled,
                    }))
                }
                Err(e) if e.is_unique_violation() => {
                    if let Some(existing) = Meeting::find(conn, &self.tenant_id, &self.meeting_id)? {
                        return Ok(Some(Placement::Existing(existing)));
                    }
                    if let Some(holder) = Meeting::find_by_bbb_meeting_id(conn, &self.bbb_meeting_id)? {
                        return Ok(Some(Placement::BbbIdTaken(holder)));
                    }
                    // The voice bridge is taken: try the next one.
                }
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Forgets every meeting of a server and returns those it forgot (each delete conditional, as above).
    pub fn take_all_on_server(conn: &mut DbConnection, server_id: &str) -> Result<Vec<Meeting>, DbError> {
        let mut taken = Vec::new();
        for meeting in Meeting::on_server(conn, server_id)? {
            if Meeting::delete_on_server(conn, &meeting.tenant_id, &meeting.meeting_id, server_id)? {
                taken.push(meeting);
            }
        }
        Ok(taken)
    }
}
