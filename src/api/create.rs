//! `create`: place the meeting (or keep it where it lives, `placement`), then forward the create, with the
//! parameters its policy gives (`policy::create_params`), to its server.

use std::sync::Arc;

use actix_web::{web, HttpResponse};

use crate::api::meetings::{relay, server_of, timeout_for, unreachable};
use crate::api::placement::locate;
use crate::api::policy::{CreateParams, Policy};
use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::balancer::forecast::{self, Forecast};
use crate::balancer::TagRequest;
use crate::callbacks;
use crate::db;
use crate::db::models::meeting_history::MeetingHistory;
use crate::error::BbbError;

/// The users a create says its meeting will have: `meta_bbb-meeting-size-hint` (the hint other load balancers
/// read), else `maxParticipants`.
fn size_hint(call: &ApiCall) -> Option<u32> {
    let number = |key: &str| call.get(key).and_then(|v| v.trim().parse::<u32>().ok()).filter(|n| *n > 0);
    number("meta_bbb-meeting-size-hint").or_else(|| number("maxParticipants"))
}

/// What the meeting is expected to reach: its size hint, else the mean peak of its earlier sessions, else the
/// default (`balancer::forecast::prior`).
async fn prior(state: &AppState, call: &ApiCall, meeting_id: &str) -> Forecast {
    let weights = state.config.load_weights();
    let hint = size_hint(call);
    if hint.is_some() {
        return forecast::prior(&weights, hint, None);
    }
    let bbb_meeting_id = call.bbb_meeting_id(meeting_id);
    let history = db::run(&state.pool, move |conn| MeetingHistory::mean_peak(conn, &bbb_meeting_id)).await;
    // The forecast only steers placement: without the history, the meeting is placed all the same.
    let history = history.unwrap_or_else(|e| {
        log::warn!("the history of meeting {meeting_id} is not known: {e}");
        None
    });
    forecast::prior(&weights, None, history)
}

/// Handles `create`.
pub async fn create(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let meeting_id = call.meeting_id()?.to_string();
    let config = &state.config;
    let policy = Policy::create(config, call.tenant.as_deref());
    let tag = TagRequest::parse(policy.server_tag(call.get("meta_server-tag")));
    let prior = prior(&state, &call, &meeting_id).await;
    let meeting = locate(&state, &call, &meeting_id, tag, prior).await?;
    let meeting = Arc::new(meeting);
    state.shared.remember(meeting.clone());
    let server = server_of(&state, &meeting.server_id)
        .await?
        .ok_or_else(|| BbbError::internal("Could not find any available servers."))?;

    let CreateParams { params, recording_ready_url, analytics_callback_url } =
        policy.create_params(&call.params, call.tenant.as_deref(), &meeting, server.tag.as_deref(), config);
    callbacks::remember(&state.context, &meeting, recording_ready_url, analytics_callback_url, &call.secret).await?;

    let client = config.bbb_client();
    let sent = client
        .call(&server.target(), "create", &params.pairs(), call.xml_body.clone(), timeout_for(&state, &server))
        .await;
    match sent {
        Ok(document) => Ok(relay(&call, document)),
        Err(e) => Err(unreachable(e, "Unable to create meeting on server.")),
    }
}
