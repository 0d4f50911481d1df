//! A tenant's limits on what it runs at once: its meetings (a hard limit) and its users (a soft limit: running
//! meetings keep growing, new ones are refused). Checked when a create would add a meeting, in the transaction that
//! inserts it, with the tenant's row locked, so that instances sharing PostgreSQL never let a tenant past its
//! limit together.

use diesel::prelude::*;

use crate::db::models::tenant_usage::{self, TenantLoad};
use crate::db::schema::tenants;
use crate::db::{DbConnection, DbError};
use crate::error::BbbError;
use crate::metrics::METRICS;

/// Which limit a create would pass, and the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitHit {
    Meetings(i32),
    Users(i32),
}

impl LimitHit {
    /// The BBB error the front-end gets, counted in `/metrics` under the tenant's name.
    pub fn error(self, tenant_name: &str) -> BbbError {
        let (label, error) = match self {
            LimitHit::Meetings(limit) => (
                "meetings",
                BbbError::new(
                    "maxMeetingsReached",
                    format!(
                        "The limit of {limit} concurrent meetings of this account is reached: end a meeting first."
                    ),
                ),
            ),
            LimitHit::Users(limit) => (
                "users",
                BbbError::new(
                    "maxUsersReached",
                    format!("The meetings of this account hold its limit of {limit} users: no new meeting now."),
                ),
            ),
        };
        METRICS.tenant_limit_hits.with_label_values(&[tenant_name, label]).inc();
        error
    }
}

/// Whether one more meeting would pass a limit, given the limits and what the tenant runs.
pub fn over(max_meetings: Option<i32>, max_users: Option<i32>, load: TenantLoad) -> Option<LimitHit> {
    if let Some(limit) = max_meetings {
        if load.meetings >= i64::from(limit) {
            return Some(LimitHit::Meetings(limit));
        }
    }
    match max_users {
        Some(limit) if load.users >= i64::from(limit) => Some(LimitHit::Users(limit)),
        _ => None,
    }
}

/// Locks the tenant's row and says whether one more meeting would pass its limits, as they are now in the
/// database. Must come first in its transaction: on PostgreSQL a `SELECT … FOR UPDATE` (a row lock, no new row
/// version), on SQLite a write that changes nothing (the database's write lock, waited for, which a read first
/// could not wait for).
pub fn lock_and_check(conn: &mut DbConnection, tenant_id: &str) -> Result<Option<LimitHit>, DbError> {
    let limits = tenants::table.find(tenant_id).select((tenants::max_meetings, tenants::max_users));
    let limits: Option<(Option<i32>, Option<i32>)> = match conn {
        DbConnection::Postgres(c) => limits.for_update().first(c).optional()?,
        DbConnection::Sqlite(c) => {
            diesel::update(tenants::table.find(tenant_id))
                .set(tenants::max_meetings.eq(tenants::max_meetings))
                .execute(c)?;
            limits.first(c).optional()?
        }
    };
    let Some((max_meetings, max_users)) = limits else { return Ok(None) };
    if max_meetings.is_none() && max_users.is_none() {
        return Ok(None);
    }
    let load = tenant_usage::loads(conn, Some(tenant_id))?.remove(tenant_id).unwrap_or_default();
    Ok(over(max_meetings, max_users, load))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_refuse_the_meeting_that_would_pass_them() {
        let load = |meetings, users| TenantLoad { meetings, users };
        assert_eq!(over(None, None, load(1000, 100_000)), None);
        assert_eq!(over(Some(3), None, load(2, 0)), None);
        assert_eq!(over(Some(3), None, load(3, 0)), Some(LimitHit::Meetings(3)));
        assert_eq!(over(None, Some(100), load(1, 99)), None, "a soft limit: below it, one more meeting may start");
        assert_eq!(over(None, Some(100), load(1, 100)), Some(LimitHit::Users(100)));
        assert_eq!(over(Some(0), Some(0), load(0, 0)), Some(LimitHit::Meetings(0)), "zero: no meetings at all");
    }
}
