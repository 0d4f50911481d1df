//! `create`: place the meeting (or keep it where it lives, `placement`), then forward the create, with the
//! parameters its policy gives (`policy::create_params`), to its server.

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};

use crate::api::meetings::{relay, server_of, timeout_for, unreachable};
use crate::api::placement::locate;
use crate::api::policy::{CreateParams, Policy};
use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::balancer::forecast;
use crate::balancer::TagRequest;
use crate::error::BbbError;
use crate::{callbacks, meeting_end};

/// The users a create says its meeting will have: `meta_bbb-meeting-size-hint` (the hint other load balancers
/// read), else `maxParticipants`.
fn size_hint(call: &ApiCall) -> Option<u32> {
    let number = |key: &str| call.get(key).and_then(|v| v.trim().parse::<u32>().ok()).filter(|n| *n > 0);
    number("meta_bbb-meeting-size-hint").or_else(|| number("maxParticipants"))
}

/// Where the meeting's server reaches Scalelite: `https://URL_HOST` when set, else as the front-end did.
fn own_base_url(state: &AppState, request: &HttpRequest) -> String {
    match &state.config.url_host {
        Some(host) => format!("https://{host}"),
        None => crate::http::base_url(request),
    }
}

/// Handles `create`.
pub async fn create(state: web::Data<AppState>, call: ApiCall, request: HttpRequest) -> Result<HttpResponse, BbbError> {
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

    let CreateParams { mut params, asked } =
        policy.create_params(&call.params, call.tenant.as_deref(), &meeting, server.tag.as_deref(), config);
    if let Some(secret) = state.secrets.first() {
        params.set("meetingEndedURL", &meeting_end::url(&own_base_url(&state, &request), secret, &meeting));
    }
    if call.tenant.as_deref().is_some_and(|t| !t.recording_enabled) {
        // The tenant may not record: nothing in the meeting can start a recording.
        for key in ["record", "autoStartRecording", "allowStartStopRecording"] {
            params.set(key, "false");
        }
    }
    let client = config.bbb_client();
    if let Some(lrs) = call.tenant.as_deref().and_then(|t| t.lrs.as_ref()) {
        if let Some(payload) = lrs.payload(&server.secret, &client).await {
            params.set("meta_secret-lrs-payload", &payload);
        }
    }
    callbacks::remember(&state.context, &meeting, asked, &call.secret).await?;

    let sent = client
        .call(&server.target(), "create", &params.pairs(), call.xml_body.clone(), timeout_for(&state, &server))
        .await;
    match sent {
        Ok(document) => Ok(relay(&call, document)),
        Err(e) => Err(unreachable(e, "Unable to create meeting on server.")),
    }
}
