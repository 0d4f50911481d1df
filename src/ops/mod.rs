//! What operators use: the health checks (`/health_check`, `/`, `/readyz`, `/livez`), the Prometheus
//! `/metrics`, and the middleware that counts each BBB API call and times it.

pub mod api_metrics;
pub mod health;
pub mod metrics;

use actix_web::web;

/// Routes of the health checks and the metrics.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health_check", web::get().to(health::health_check))
        .route("/", web::to(health::health_check))
        .route("/readyz", web::get().to(health::health_check))
        .route("/livez", web::get().to(health::live))
        .route("/metrics", web::get().to(metrics::metrics));
}
