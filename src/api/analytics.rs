//! `POST /bigbluebutton/api/analytics_callback`: BBB's learning-analytics data for a meeting, relayed to the
//! front-end (`callbacks::relay_analytics`), whether BBB posted it as JSON or as a form (Rails reads both). The
//! answer is always 204, as from Ruby Scalelite.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::api::request::MAX_BODY;
use crate::app::AppState;
use crate::callbacks;

/// Handles the callback: relays it if it checks out, and answers 204 in any case.
pub async fn analytics_callback(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let relayed = match crate::request_body::read(payload, MAX_BODY, state.config.request_body_timeout).await {
        Ok(body) => {
            let form =
                request.headers().get(actix_web::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(
                    |v| v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"),
                );
            callbacks::relay_analytics(&state.context, crate::http::bearer(&request), &body, form).await
        }
        Err(e) => Err(e.to_string()),
    };
    if let Err(reason) = relayed {
        log::info!("analytics callback not relayed: {reason}");
    }
    HttpResponse::NoContent().finish()
}
