//! `GET /metrics`: the Prometheus text format. Server, tenant, spool and pool gauges are read now, from the
//! database, the spool and the scheduler (users in flight, forecast and placement load); counters and histograms come from [`crate::metrics::METRICS`]. With
//! `METRICS_TOKEN` set, the scraper must send `Authorization: Bearer <token>`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::actors::messages::Figures;
use crate::app::AppState;
use crate::db::models::meeting::Meeting;
use crate::db::models::recording_trash;
use crate::db::models::server::Server;
use crate::db::models::tenant::Tenant;
use crate::db::{self, DbError};
use crate::metrics::METRICS;
use crate::recordings::importer::waiting;

/// Whether the request carries the configured token (constant-time comparison).
fn authorized(request: &HttpRequest, state: &AppState) -> bool {
    let Some(token) = &state.config.metrics_token else {
        return true;
    };
    let given = crate::http::bearer(request).unwrap_or("");
    bool::from(subtle::ConstantTimeEq::ct_eq(given.as_bytes(), token.expose().as_bytes()))
}

/// How long the recordings' storage figures are reused: summing every format of a million recordings takes a
/// while, and they change slowly.
const STORAGE_FRESH: std::time::Duration = std::time::Duration::from_secs(300);

/// The last storage figures: of which database, when.
type LastStorage = (String, std::time::Instant, Vec<recording_trash::Storage>);

/// The recordings' storage per tenant, summed at most every [`STORAGE_FRESH`] (per database: tests run several).
fn recording_storage(
    conn: &mut crate::db::DbConnection,
    database: &str,
) -> Result<Vec<recording_trash::Storage>, DbError> {
    static LAST: std::sync::Mutex<Option<LastStorage>> = std::sync::Mutex::new(None);
    if let Some((of, at, storage)) = LAST.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
        if of == database && at.elapsed() < STORAGE_FRESH {
            return Ok(storage.clone());
        }
    }
    let storage = recording_trash::storage(conn)?;
    *LAST.lock().unwrap_or_else(|e| e.into_inner()) =
        Some((database.to_string(), std::time::Instant::now(), storage.clone()));
    Ok(storage)
}

/// Reads the gauges that describe the pool now.
async fn read_gauges(state: &AppState) -> Result<(), DbError> {
    let spool = state.config.recording_spool_dir.clone();
    let database = state.config.database_url.describe();
    let (servers, per_tenant, backlog, tenants, storage) = db::run(&state.pool, move |conn| -> Result<_, DbError> {
        let servers = Server::all(conn)?;
        let storage = recording_storage(conn, &database)?;
        Ok((servers, Meeting::count_per_tenant(conn)?, waiting(&spool).len(), Tenant::all(conn)?, storage))
    })
    .await?;
    let m = &*METRICS;
    for gauge in [&m.server_online, &m.server_meetings, &m.server_users, &m.server_videos, &m.server_state] {
        gauge.reset();
    }
    for gauge in [&m.server_load, &m.server_forecast_load] {
        gauge.reset();
    }
    m.server_users_in_flight.reset();
    let figures = state.scheduler.send(Figures).await.unwrap_or_default();
    for s in &servers {
        let id = s.id.as_str();
        m.server_online.with_label_values(&[id]).set(i64::from(s.online));
        m.server_state.with_label_values(&[id, &s.state]).set(1);
        match figures.iter().find(|f| f.server_id == s.id) {
            Some(f) => {
                m.server_load.with_label_values(&[id]).set(f.placement_load.unwrap_or(0.0));
                m.server_forecast_load.with_label_values(&[id]).set(f.ledger.load);
                m.server_users_in_flight
                    .with_label_values(&[id])
                    .set(i64::try_from(f.ledger.in_flight).unwrap_or(i64::MAX));
            }
            None => m.server_load.with_label_values(&[id]).set(s.load.unwrap_or(0.0)),
        }
        m.server_meetings.with_label_values(&[id]).set(i64::from(s.meetings));
        m.server_users.with_label_values(&[id]).set(i64::from(s.users));
        m.server_videos.with_label_values(&[id]).set(i64::from(s.videos));
    }
    m.tenant_meetings.reset();
    let view = state.shared.view();
    for (tenant_id, count) in per_tenant {
        let name = view.tenants.values().find(|t| t.id == tenant_id).map_or(tenant_id.as_str(), |t| t.name.as_str());
        m.tenant_meetings.with_label_values(&[name]).set(count);
    }
    m.tenant_limit.reset();
    let default_rate = state.config.limits.tenant_rate;
    for t in &tenants {
        let rate = t.rate_limit.or_else(|| i32::try_from(default_rate).ok().filter(|r| *r > 0));
        for (kind, limit) in [("meetings", t.max_meetings), ("users", t.max_users), ("rate", rate)] {
            if let Some(limit) = limit {
                m.tenant_limit.with_label_values(&[&t.name, kind]).set(i64::from(limit));
            }
        }
    }
    let limits = &state.config.limits;
    m.client_limit.with_label_values(&["rate"]).set(i64::from(limits.client_rate));
    m.client_limit.with_label_values(&["checksum_failures"]).set(i64::from(limits.checksum_failures));
    m.tenant_recording_bytes.reset();
    for s in &storage {
        let name = tenants.iter().find(|t| t.id == s.tenant_id).map_or("", |t| t.name.as_str());
        m.tenant_recording_bytes.with_label_values(&[name, "listed"]).set(s.bytes - s.trashed_bytes);
        m.tenant_recording_bytes.with_label_values(&[name, "trash"]).set(s.trashed_bytes);
    }
    m.spool_backlog.set(i64::try_from(backlog).unwrap_or(i64::MAX));
    let pool = state.pool.state();
    m.db_connections.with_label_values(&["idle"]).set(i64::from(pool.idle_connections));
    m.db_connections.with_label_values(&["in_use"]).set(i64::from(pool.connections - pool.idle_connections));
    m.db_connections.with_label_values(&["max"]).set(i64::from(state.pool.max_size()));
    Ok(())
}

/// `GET /metrics`.
pub async fn metrics(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !authorized(&request, &state) {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer"))
            .body("metrics need the METRICS_TOKEN bearer token\n");
    }
    if let Err(e) = read_gauges(&state).await {
        log::warn!("metrics: the database did not answer: {e}");
    }
    HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(METRICS.render())
}
