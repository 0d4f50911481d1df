//! The dashboard's accounts and their sessions. A session is kept as the SHA-256 of its cookie's token (a stolen
//! database does not sign anyone in), with its CSRF token and its end; every instance on the database agrees.

use diesel::prelude::*;
use sha2::Digest;

use crate::db::schema::{dashboard_sessions, dashboard_users};
use crate::db::{now_ms, DbConnection, DbError};

/// An account.
#[derive(Queryable, Selectable, Insertable, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = dashboard_users)]
pub struct DashboardUser {
    pub name: String,
    /// The argon2 PHC string.
    pub password_hash: String,
    /// `viewer` or `operator`.
    pub role: String,
    pub created_at: i64,
}

/// A live session and its account.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: String,
    pub role: String,
    pub csrf: String,
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

impl DashboardUser {
    /// Whether any account exists (without one, the dashboard is off).
    pub fn any(conn: &mut DbConnection) -> Result<bool, DbError> {
        Ok(dashboard_users::table.count().get_result::<i64>(conn)? > 0)
    }

    pub fn find(conn: &mut DbConnection, name: &str) -> Result<Option<DashboardUser>, DbError> {
        Ok(dashboard_users::table.find(name).select(DashboardUser::as_select()).first(conn).optional()?)
    }

    pub fn all(conn: &mut DbConnection) -> Result<Vec<DashboardUser>, DbError> {
        Ok(dashboard_users::table.order(dashboard_users::name).select(DashboardUser::as_select()).load(conn)?)
    }

    /// Adds or replaces an account (its sessions end when its password or role changes).
    pub fn save(conn: &mut DbConnection, user: &DashboardUser) -> Result<(), DbError> {
        crate::db::write_transaction(conn, |conn| {
            diesel::delete(dashboard_sessions::table.filter(dashboard_sessions::user_name.eq(&user.name)))
                .execute(conn)?;
            diesel::delete(dashboard_users::table.find(&user.name)).execute(conn)?;
            diesel::insert_into(dashboard_users::table).values(user).execute(conn)?;
            Ok(())
        })
    }

    /// Removes an account and its sessions; false if there was none.
    pub fn remove(conn: &mut DbConnection, name: &str) -> Result<bool, DbError> {
        crate::db::write_transaction(conn, |conn| {
            diesel::delete(dashboard_sessions::table.filter(dashboard_sessions::user_name.eq(name))).execute(conn)?;
            Ok(diesel::delete(dashboard_users::table.find(name)).execute(conn)? == 1)
        })
    }
}

impl Session {
    /// Starts a session for an account, good for `lifetime_ms`; expired sessions are dropped on the way.
    pub fn start(
        conn: &mut DbConnection,
        user: &str,
        token: &str,
        csrf: &str,
        lifetime_ms: i64,
    ) -> Result<(), DbError> {
        let now = now_ms();
        diesel::delete(dashboard_sessions::table.filter(dashboard_sessions::expires_at.lt(now))).execute(conn)?;
        diesel::insert_into(dashboard_sessions::table)
            .values((
                dashboard_sessions::token_hash.eq(token_hash(token)),
                dashboard_sessions::user_name.eq(user),
                dashboard_sessions::csrf.eq(csrf),
                dashboard_sessions::expires_at.eq(now + lifetime_ms),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// The live session of a cookie's token, if any.
    pub fn of_token(conn: &mut DbConnection, token: &str) -> Result<Option<Session>, DbError> {
        let found: Option<(String, String, String)> = dashboard_sessions::table
            .inner_join(dashboard_users::table.on(dashboard_users::name.eq(dashboard_sessions::user_name)))
            .filter(dashboard_sessions::token_hash.eq(token_hash(token)))
            .filter(dashboard_sessions::expires_at.ge(now_ms()))
            .select((dashboard_users::name, dashboard_users::role, dashboard_sessions::csrf))
            .first(conn)
            .optional()?;
        Ok(found.map(|(user, role, csrf)| Session { user, role, csrf }))
    }

    /// Ends the session of a token.
    pub fn end(conn: &mut DbConnection, token: &str) -> Result<(), DbError> {
        diesel::delete(dashboard_sessions::table.find(token_hash(token))).execute(conn)?;
        Ok(())
    }
}
