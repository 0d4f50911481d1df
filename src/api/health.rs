//! `GET /health_check` (and `/`): `success` while the database answers and is migrated, 503 otherwise.

use actix_web::{web, HttpResponse};
use diesel::RunQueryDsl;

use crate::app::AppState;
use crate::db::{self, DbError};

/// Checks the database: a query and no pending migration.
pub async fn health_check(state: web::Data<AppState>) -> HttpResponse {
    let checked = db::run(&state.pool, |conn| {
        diesel::sql_query("SELECT 1").execute(conn)?;
        if db::has_pending_migrations(conn)? {
            return Err(DbError::Migration("migrations are pending".into()));
        }
        Ok(())
    })
    .await;
    match checked {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("success"),
        Err(error) => {
            log::warn!("health check failed: {error}");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body(format!("Health Check Failure: {error}"))
        }
    }
}
