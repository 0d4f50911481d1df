//! `GET|POST /bigbluebutton/api/meeting_ended`: a meeting's server says it ended (the `meetingEndedURL` every
//! create gives it, signed for that session: `meeting_end`). The meeting is forgotten at once — its ID and its
//! load free — and the front-end's own end callbacks are queued with its own meeting ID (`callback_deliveries`,
//! delivered by the `deliveries` actor, so that a restart loses none). Always 200: the server needs no more.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::actors::messages::Unreserve;
use crate::app::AppState;
use crate::db::models::callback::MeetingCallback;
use crate::db::models::callback_delivery::CallbackDelivery;
use crate::db::models::meeting::Meeting;
use crate::db::{self, now_ms, DbError};
use crate::meeting_end;

/// Handles the call.
pub async fn meeting_ended(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(request.query_string().as_bytes()).into_owned().collect();
    let get = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    let (bbb_meeting_id, token) = (get("meetingID"), get("token"));
    let created: i64 = get("created").parse().unwrap_or(-1);
    let marks = Some(get("recordingmarks")).filter(|m| m == "true").unwrap_or_else(|| "false".into());
    if !meeting_end::verify(&state.secrets, &bbb_meeting_id, created, &token) {
        log::info!("meeting_ended: a token that signs no session; ignored");
        return HttpResponse::Ok().finish();
    }
    let id = bbb_meeting_id.clone();
    let ended = db::run(&state.pool, move |conn| -> Result<Option<Meeting>, DbError> {
        let Some(meeting) = Meeting::find_by_bbb_meeting_id(conn, &id)?.filter(|m| m.created_at == created) else {
            return Ok(None);
        };
        Meeting::delete_on_server(conn, &meeting.tenant_id, &meeting.meeting_id, &meeting.server_id)?;
        let Some(callback) = MeetingCallback::find(conn, &meeting.bbb_meeting_id)? else { return Ok(Some(meeting)) };
        let now = now_ms();
        let what = format!("end of meeting {}", meeting.meeting_id);
        let mut deliveries = Vec::new();
        if let Some(url) = callback.meeting_ended_url {
            deliveries.push(CallbackDelivery::new(what.clone(), url, now));
        }
        if let Some(url) = callback.end_callback_url {
            let own = meeting_end::end_callback(&url, &meeting.meeting_id, &marks);
            deliveries.push(CallbackDelivery::new(what, own, now));
        }
        CallbackDelivery::insert_all(conn, &deliveries)?;
        Ok(Some(meeting))
    })
    .await;
    match ended {
        Ok(Some(meeting)) => {
            log::info!("meeting {} ended on server {}: forgotten", meeting.meeting_id, meeting.server_id);
            state.shared.forget(&meeting.tenant_id, &meeting.meeting_id);
            state.scheduler.do_send(Unreserve { server_id: meeting.server_id, bbb_meeting_id: meeting.bbb_meeting_id });
            state.deliveries.do_send(crate::actors::deliveries::DeliverNow);
        }
        Ok(None) => log::info!("meeting_ended: meeting {bbb_meeting_id} of that session is gone already"),
        Err(e) => log::warn!("meeting_ended of {bbb_meeting_id}: {e}"),
    }
    HttpResponse::Ok().finish()
}
