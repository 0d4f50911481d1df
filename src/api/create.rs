//! `create`: place the meeting (or keep it where it lives, `placement`), then forward the create, with the
//! parameters its policy gives (`policy::create_params`), to its server.

use std::sync::Arc;

use actix_web::{web, HttpResponse};

use crate::api::meetings::{relay, server_of, timeout_for, unreachable};
use crate::api::placement::locate;
use crate::api::policy::{CreateParams, Policy};
use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::balancer::forecast;
use crate::balancer::TagRequest;
use crate::callbacks;
use crate::error::BbbError;

/// The users a create says its meeting will have: `meta_bbb-meeting-size-hint` (the hint other load balancers
/// read), else `maxParticipants`.
fn size_hint(call: &ApiCall) -> Option<u32> {
    let number = |key: &str| call.get(key).and_then(|v| v.trim().parse::<u32>().ok()).filter(|n| *n > 0);
    number("meta_bbb-meeting-size-hint").or_else(|| number("maxParticipants"))
}

/// Handles `create`.
pub async fn create(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let meeting_id = call.meeting_id()?.to_string();
    let config = &state.config;
    let policy = Policy::create(config, call.tenant.as_deref());
    let tag = TagRequest::parse(policy.server_tag(call.get("meta_server-tag")));
    // A hint is known now; the history, if any, is read with the meeting's insert (`placement::locate`).
    let prior = forecast::prior(&config.load_weights(), size_hint(&call), None);
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
