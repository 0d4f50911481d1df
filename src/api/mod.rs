//! The BBB API routes: `/bigbluebutton/api/…`, and `/<tenant>/bigbluebutton/api/…` with multitenancy. Each call
//! of the table (`calls::CALLS`) has its resource; its handler takes the checked [`request::ApiCall`].

pub mod analytics;
pub mod calls;
pub mod create;
pub mod get_meetings;
pub mod index;
pub mod join;
pub mod meeting_ended;
pub mod meetings;
pub mod placement;
pub mod policy;
pub mod proxy;
pub mod recording_changes;
pub mod recordings;
pub mod request;
pub mod stand_ins;
pub mod tenant_limits;
pub mod text_tracks;
pub mod upload;

use actix_web::dev::HttpServiceFactory;
use actix_web::{web, HttpResponse, ResponseError, Route};

use crate::error::BbbError;
use crate::ops::api_metrics::metered;
use calls::{Call, CALLS, UNSUPPORTED};

/// Routes of the BBB API. Static paths first, then the tenant prefix: the router tries them in order, and a
/// dynamic one costs a regex match.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(api_scope("/bigbluebutton/api", true)).service(api_scope("/{tenant}/bigbluebutton/api", false));
}

/// The API index, the analytics callback, the recording upload (without a tenant prefix) and every call under
/// one prefix. A path it does not know falls to the app's default (`unsupportedRequest`).
fn api_scope(prefix: &str, uploads: bool) -> actix_web::Scope {
    let mut scope = web::scope(prefix)
        .service(web::resource(["", "/"]).route(web::get().to(index::index)).route(web::post().to(index::index)))
        .route("/analytics_callback", web::post().to(analytics::analytics_callback))
        .service(
            web::resource("/meeting_ended")
                .route(web::get().to(meeting_ended::meeting_ended))
                .route(web::post().to(meeting_ended::meeting_ended)),
        );
    if uploads {
        scope = scope.route("/uploadRecording", web::post().to(upload::upload_recording));
    }
    CALLS.iter().fold(scope, |scope, spec| scope.service(call_resource(spec.name, spec.call))).service(unknown_call())
}

/// The resource of one call: its `Call` as data for the extractor, its handler, and its metrics.
fn call_resource(name: &'static str, call: Call) -> impl HttpServiceFactory {
    web::resource(format!("/{name}"))
        .app_data(call)
        .wrap_fn(move |request, service| metered(name, request, service))
        .route(handler(call))
}

/// A name that is no call of the table: `unsupportedRequest`, counted as `unsupported`.
fn unknown_call() -> impl HttpServiceFactory {
    web::resource("/{call}").wrap_fn(|request, service| metered(UNSUPPORTED, request, service)).to(unsupported_request)
}

/// The handler of each call.
fn handler(call: Call) -> Route {
    match call {
        Call::Create => web::to(create::create),
        Call::Join => web::to(join::join),
        Call::End => web::to(proxy::end),
        Call::IsMeetingRunning => web::to(proxy::is_meeting_running),
        Call::GetMeetingInfo => web::to(proxy::get_meeting_info),
        Call::GetMeetings => web::to(get_meetings::get_meetings),
        Call::InsertDocument => web::to(proxy::insert_document),
        Call::SendChatMessage => web::to(proxy::send_chat_message),
        Call::GetRecordings => web::to(recordings::get_recordings),
        Call::PublishRecordings => web::to(recording_changes::publish),
        Call::UpdateRecordings => web::to(recording_changes::update),
        Call::DeleteRecordings => web::to(recording_changes::delete),
        Call::GetRecordingTextTracks => web::to(text_tracks::get_text_tracks),
        Call::PutRecordingTextTrack => web::to(text_tracks::put_text_track),
    }
}

/// Anything Scalelite does not serve: BBB's `unsupportedRequest`.
pub async fn unsupported_request() -> HttpResponse {
    BbbError::unsupported_request().error_response()
}
