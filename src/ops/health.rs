//! Health: `GET /health_check`, `/` and `/readyz` (readiness): `success` while the database answers and is
//! migrated, 503 otherwise; `GET /livez` (liveness): 200 while the process serves requests at all.

use std::time::Duration;

use actix_web::{web, HttpResponse};
use diesel::RunQueryDsl;

use crate::app::AppState;
use crate::db::{self, DbError};

/// How long the check waits for a database connection: a health check must answer quickly.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Checks the database: a query and no pending migration.
pub async fn health_check(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let checked = web::block(move || {
        let mut conn = pool.get_timeout(CHECK_TIMEOUT)?;
        diesel::sql_query("SELECT 1").execute(&mut conn)?;
        if db::has_pending_migrations(&mut conn)? {
            return Err(DbError::Migration("migrations are pending".into()));
        }
        Ok(())
    })
    .await
    .unwrap_or(Err(DbError::Cancelled));
    match checked {
        Ok(()) => HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("success"),
        Err(error) => {
            log::warn!("health check failed: {error}");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body(format!("Health Check Failure: {error}"))
        }
    }
}

/// Liveness: the process answers; it says nothing of the database (a restart would not mend that).
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("alive")
}
