//! The BBB API routes (`/bigbluebutton/api/…`, and `/<tenant>/bigbluebutton/api/…` with multitenancy) and the
//! health check. Every call is checked by [`request::check`], then handled by its module.

pub mod analytics;
pub mod create;
pub mod get_meetings;
pub mod health;
pub mod index;
pub mod join;
pub mod meetings;
pub mod metrics;
pub mod policy;
pub mod proxy;
pub mod recording_changes;
pub mod recordings;
pub mod request;
pub mod text_tracks;
pub mod upload;

use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use bytes::Bytes;

use crate::app::AppState;
use crate::error::BbbError;
use crate::metrics::METRICS;
use crate::request_body;
use request::BodyKind;

/// Routes of the BBB API and the health check.
pub fn configure(cfg: &mut web::ServiceConfig) {
    // Static paths first, then `{call}`, then the tenant prefixes: the router tries patterns in order, and
    // the dynamic ones cost a regex match each.
    cfg.route("/health_check", web::get().to(health::health_check))
        .route("/", web::to(health::health_check))
        .route("/readyz", web::get().to(health::health_check))
        .route("/livez", web::get().to(health::live))
        .route("/metrics", web::get().to(metrics::metrics))
        .service(
            web::resource(["/bigbluebutton/api", "/bigbluebutton/api/"])
                .route(web::get().to(index::index))
                .route(web::post().to(index::index)),
        )
        .route("/bigbluebutton/api/analytics_callback", web::post().to(analytics::analytics_callback))
        .route("/bigbluebutton/api/uploadRecording", web::post().to(upload::upload_recording))
        .route("/bigbluebutton/api/{call}", web::to(call))
        .service(
            web::resource(["/{tenant}/bigbluebutton/api", "/{tenant}/bigbluebutton/api/"])
                .route(web::get().to(index::index))
                .route(web::post().to(index::index)),
        )
        .route("/{tenant}/bigbluebutton/api/analytics_callback", web::post().to(analytics::analytics_callback))
        .route("/{tenant}/bigbluebutton/api/{call}", web::to(call));
}

/// Anything Scalelite does not serve: BBB's `unsupportedRequest`.
pub async fn unsupported_request() -> HttpResponse {
    BbbError::unsupported_request().error_response()
}

/// The largest body of a BBB API call (a form, a create's XML, a text track).
pub const MAX_BODY: usize = 1 << 20;

const FORM: &[BodyKind] = &[BodyKind::Form];
const FORM_OR_XML: &[BodyKind] = &[BodyKind::Form, BodyKind::Xml];
const XML: &[BodyKind] = &[BodyKind::Xml];

/// The calls Scalelite answers, as metric labels (anything else counts as `unsupported`).
const CALLS: &[&str] = &[
    "create",
    "join",
    "end",
    "isMeetingRunning",
    "getMeetingInfo",
    "getMeetings",
    "insertDocument",
    "sendChatMessage",
    "getRecordings",
    "publishRecordings",
    "updateRecordings",
    "deleteRecordings",
    "getRecordingTextTracks",
    "putRecordingTextTrack",
];

/// Answers one BBB API call and counts it (by call and returncode, with its latency).
async fn call(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    let started = std::time::Instant::now();
    let name = request.match_info().get("call").unwrap_or_default();
    let label = CALLS.iter().find(|c| **c == name).copied().unwrap_or("unsupported");
    let answer = match request_body::read(payload, MAX_BODY, state.config.request_body_timeout).await {
        Ok(body) => checked_call(&request, body, &state).await,
        Err(e) => Err(e.into()),
    };
    let returncode = if answer.is_ok() { "SUCCESS" } else { "FAILED" };
    METRICS.api_requests.with_label_values(&[label, returncode]).inc();
    METRICS.api_duration.with_label_values(&[label]).observe(started.elapsed().as_secs_f64());
    answer.unwrap_or_else(|e| e.error_response())
}

/// Checks and dispatches one BBB API call.
async fn checked_call(request: &HttpRequest, body: Bytes, state: &AppState) -> Result<HttpResponse, BbbError> {
    let name = request.match_info().get("call").unwrap_or_default().to_string();
    let path_tenant = request.match_info().get("tenant").map(String::from);
    if path_tenant.is_some() && !state.config.multitenancy_enabled {
        return Err(BbbError::unsupported_request());
    }
    let method = request.method().clone();
    let get_or_post = method == Method::GET || method == Method::POST;
    let accepts = match name.as_str() {
        "create" if get_or_post => FORM_OR_XML,
        "join" | "sendChatMessage" if method == Method::GET => FORM,
        "insertDocument" if method == Method::POST => XML,
        "end" | "isMeetingRunning" | "getMeetingInfo" | "getMeetings" | "getRecordings" | "updateRecordings"
            if get_or_post =>
        {
            FORM
        }
        "publishRecordings" | "deleteRecordings" if method == Method::GET => FORM,
        "getRecordingTextTracks" if get_or_post => FORM,
        "putRecordingTextTrack" if method == Method::POST => FORM,
        _ => return Err(BbbError::unsupported_request()),
    };
    if name == "getMeetings" && state.config.get_meetings_api_disabled {
        return Ok(get_meetings::no_meetings());
    }
    if state.config.recording_disabled {
        match name.as_str() {
            "getRecordings" => return Ok(recordings::no_recordings()),
            "publishRecordings" | "updateRecordings" | "deleteRecordings" => return Ok(recording_changes::disabled()),
            "getRecordingTextTracks" | "putRecordingTextTrack" => return Ok(text_tracks::disabled()),
            _ => {}
        }
    }
    let upload = (name == "putRecordingTextTrack").then(|| body.clone());
    let checked = request::check(&name, request, body, state, path_tenant.as_deref(), accepts).await?;
    let tenant = checked.tenant.as_ref().map_or("", |t| t.name.as_str());
    METRICS.tenant_requests.with_label_values(&[tenant]).inc();
    match name.as_str() {
        "create" => create::create(state, checked).await,
        "join" => join::join(state, checked).await,
        "end" => proxy::end(state, checked).await,
        "isMeetingRunning" => proxy::is_meeting_running(state, checked).await,
        "getMeetingInfo" => proxy::get_meeting_info(state, checked).await,
        "getMeetings" => get_meetings::get_meetings(state, checked).await,
        "insertDocument" => proxy::insert_document(state, checked).await,
        "getRecordings" => recordings::get_recordings(state, checked, request).await,
        "publishRecordings" => recording_changes::publish(state, checked).await,
        "updateRecordings" => recording_changes::update(state, checked).await,
        "deleteRecordings" => recording_changes::delete(state, checked).await,
        "getRecordingTextTracks" => text_tracks::get_text_tracks(state, checked, &crate::http::base_url(request)).await,
        "putRecordingTextTrack" => {
            let content_type = request.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
            text_tracks::put_text_track(state, checked, content_type, upload.unwrap_or_default()).await
        }
        _ => proxy::send_chat_message(state, checked).await,
    }
}
