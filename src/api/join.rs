//! `join` (GET only): a 302 to the meeting's server, signed with that server's secret, and the user counted in
//! that server's load at once. The hot path: no database write, and no database read while the meeting is
//! cached.

use actix_web::{web, HttpResponse};

use crate::actors::messages::Joined;
use crate::api::meetings::{find_with_server, not_found};
use crate::api::policy::{ParamList, Policy};
use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::bbb::client::signed_url;
use crate::error::BbbError;

/// Handles `join`.
pub async fn join(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let meeting_id = call.meeting_id()?;
    let (meeting, server) = find_with_server(&state, &call, meeting_id).await?.ok_or_else(not_found)?;
    let server = server
        .filter(|s| s.can_join())
        .ok_or_else(|| BbbError::new("serverUnavailable", "The server for this meeting is disabled/offline."))?;
    let config = &state.config;
    let policy = Policy::join(config, call.tenant.as_deref());
    let mut params = policy.apply(ParamList::from_client(&call.params, &config.join_exclude_params));
    params.set("meetingID", &meeting.bbb_meeting_id);
    let location = signed_url(&server.target(), "join", &params.pairs());
    log::debug!("join of meeting {} goes to server {}", meeting.meeting_id, server.id);
    // A user about to arrive: counted in the server's load at once (a message, no database write).
    state.scheduler.do_send(Joined { server_id: server.id.clone(), bbb_meeting_id: meeting.bbb_meeting_id.clone() });
    Ok(HttpResponse::Found()
        .insert_header(("Location", location))
        .insert_header(("Cache-Control", "no-cache"))
        .finish())
}
