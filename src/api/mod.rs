//! The BBB API routes (`/bigbluebutton/api/…`) and the health check.

pub mod health;
pub mod index;

use actix_web::web;

use crate::error::BbbError;

/// Routes of the BBB API and the health check.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/health_check", web::get().to(health::health_check))
        .route("/", web::to(health::health_check))
        .service(
            web::resource(["/bigbluebutton/api", "/bigbluebutton/api/"])
                .route(web::get().to(index::index))
                .route(web::post().to(index::index)),
        );
}

/// Anything Scalelite does not serve: BBB's `unsupportedRequest`.
pub async fn unsupported_request() -> actix_web::HttpResponse {
    actix_web::ResponseError::error_response(&BbbError::unsupported_request())
}
