//! Callbacks to front-ends still to deliver (a GET of a URL, or a POST of a form), kept so that a restart loses
//! none.

use diesel::prelude::*;

use crate::db::schema::callback_deliveries;
use crate::db::{DbConnection, DbError};

/// A row of `callback_deliveries`.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = callback_deliveries)]
pub struct CallbackDelivery {
    pub id: String,
    /// What it is, for the logs (`meeting ended <id>`).
    pub what: String,
    pub url: String,
    /// A form body (`application/x-www-form-urlencoded`) to POST; `None`: a GET.
    pub form: Option<String>,
    pub attempts: i32,
    pub next_attempt_at: i64,
    pub created_at: i64,
}

impl CallbackDelivery {
    /// A GET due now.
    pub fn new(what: String, url: String, now: i64) -> CallbackDelivery {
        let id = uuid::Uuid::new_v4().to_string();
        CallbackDelivery { id, what, url, form: None, attempts: 0, next_attempt_at: now, created_at: now }
    }

    /// A form POST due now.
    pub fn post(what: String, url: String, form: String, now: i64) -> CallbackDelivery {
        CallbackDelivery { form: Some(form), ..CallbackDelivery::new(what, url, now) }
    }

    pub fn insert_all(conn: &mut DbConnection, rows: &[CallbackDelivery]) -> Result<(), DbError> {
        for row in rows {
            diesel::insert_into(callback_deliveries::table).values(row.clone()).execute(conn)?;
        }
        Ok(())
    }

    /// Up to `limit` deliveries due at `now`, the oldest first.
    pub fn due(conn: &mut DbConnection, now: i64, limit: i64) -> Result<Vec<CallbackDelivery>, DbError> {
        Ok(callback_deliveries::table
            .filter(callback_deliveries::next_attempt_at.le(now))
            .order(callback_deliveries::next_attempt_at)
            .limit(limit)
            .select(CallbackDelivery::as_select())
            .load(conn)?)
    }

    /// Done, or given up: gone.
    pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
        diesel::delete(callback_deliveries::table.find(id)).execute(conn)?;
        Ok(())
    }

    /// Failed again: the next attempt at `next`.
    pub fn retry_at(conn: &mut DbConnection, id: &str, attempts: i32, next: i64) -> Result<(), DbError> {
        diesel::update(callback_deliveries::table.find(id))
            .set((callback_deliveries::attempts.eq(attempts), callback_deliveries::next_attempt_at.eq(next)))
            .execute(conn)?;
        Ok(())
    }

    /// How many are waiting.
    pub fn count(conn: &mut DbConnection) -> Result<i64, DbError> {
        Ok(callback_deliveries::table.count().get_result(conn)?)
    }
}
