//! The calls that go to the meeting's server as they are: `end`, `isMeetingRunning`, `getMeetingInfo`,
//! `insertDocument`, `sendChatMessage`.

use actix_web::{web, HttpResponse};

use crate::api::meetings::{find_with_server, not_found, relay, timeout_for, unreachable};
use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::bbb::xml;
use crate::db::models::meeting::Meeting;
use crate::db::{self, DbError};
use crate::error::BbbError;
use crate::pool::ServerView;

/// Finds the meeting and its server.
async fn meeting_and_server(
    state: &AppState,
    call: &ApiCall,
) -> Result<Option<(std::sync::Arc<Meeting>, std::sync::Arc<ServerView>)>, BbbError> {
    let meeting_id = call.meeting_id()?;
    match find_with_server(state, call, meeting_id).await? {
        Some((meeting, Some(server))) => Ok(Some((meeting, server))),
        _ => Ok(None),
    }
}

/// Sends a call to the meeting's server and relays the answer.
async fn forward(
    state: &AppState,
    call: &ApiCall,
    server: &ServerView,
    name: &str,
    params: &[(&str, &str)],
    failure: &str,
) -> Result<HttpResponse, BbbError> {
    let client = state.config.bbb_client();
    let body = if name == "insertDocument" { call.xml_body.clone() } else { None };
    match client.call(&server.target(), name, params, body, timeout_for(state, server)).await {
        Ok(document) => Ok(relay(call, document)),
        Err(e) => Err(unreachable(e, failure)),
    }
}

/// `isMeetingRunning`: an unknown meeting is simply not running.
pub async fn is_meeting_running(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let Some((meeting, server)) = meeting_and_server(&state, &call).await? else {
        return Ok(xml::response(
            "<response><returncode>SUCCESS</returncode><running>false</running></response>".into(),
        ));
    };
    let params = [("meetingID", meeting.bbb_meeting_id.as_str())];
    forward(&state, &call, &server, "isMeetingRunning", &params, "Unable to access meeting on server.").await
}

/// `getMeetingInfo`.
pub async fn get_meeting_info(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let (meeting, server) = meeting_and_server(&state, &call).await?.ok_or_else(not_found)?;
    let params = [("meetingID", meeting.bbb_meeting_id.as_str())];
    forward(&state, &call, &server, "getMeetingInfo", &params, "Unable to access meeting on server.").await
}

/// `end`: the meeting is forgotten first, then the server is told.
pub async fn end(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let (meeting, server) = meeting_and_server(&state, &call).await?.ok_or_else(not_found)?;
    let forgotten = meeting.clone();
    db::run(&state.pool, move |conn| -> Result<bool, DbError> {
        Meeting::delete_on_server(conn, &forgotten.tenant_id, &forgotten.meeting_id, &forgotten.server_id)
    })
    .await?;
    state.shared.forget(&meeting.tenant_id, &meeting.meeting_id);
    let mut params = vec![("meetingID", meeting.bbb_meeting_id.as_str())];
    if let Some(password) = call.get("password") {
        params.push(("password", password));
    }
    forward(&state, &call, &server, "end", &params, "Unable to access meeting on server.").await
}

/// `insertDocument` (POST with an XML body).
pub async fn insert_document(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let (meeting, server) = meeting_and_server(&state, &call).await?.ok_or_else(not_found)?;
    let params = [("meetingID", meeting.bbb_meeting_id.as_str())];
    forward(&state, &call, &server, "insertDocument", &params, "Unable to insert document on server.").await
}

/// `sendChatMessage`: every parameter goes to the meeting's server.
pub async fn send_chat_message(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let (meeting, server) = meeting_and_server(&state, &call)
        .await?
        .ok_or_else(|| BbbError::new("meetingNotFound", "Meeting not found"))?;
    let mut params: Vec<(&str, &str)> =
        call.params.iter().filter(|(k, _)| k != "meetingID").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    params.insert(0, ("meetingID", meeting.bbb_meeting_id.as_str()));
    forward(&state, &call, &server, "sendChatMessage", &params, "Unable to access meeting on server.").await
}
