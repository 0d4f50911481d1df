//! `POST /bigbluebutton/api/analytics_callback`: BBB's learning-analytics data for a meeting, relayed to the
//! URL the front-end gave at create (`meta_analytics-callback-url`). BBB's token must be signed with the
//! secret of one of the pool's servers; the relay is signed with the secret the front-end created the meeting
//! with, and shows the front-end its own meeting ID. The answer is always 204, as from Ruby Scalelite.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::app::AppState;
use crate::db::models::callback::MeetingCallback;
use crate::db::{self, DbError};
use crate::jwt::{self, JwtAlgorithm};
use crate::recordings::callback::signing_secret;
use crate::secret::Secret;

/// How long the relay's token is valid.
const TOKEN_LIFETIME_SECS: i64 = 24 * 3600;

/// Handles the callback: relays it if it checks out, and answers 204 in any case.
pub async fn analytics_callback(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let body = match crate::request_body::read(payload, super::MAX_BODY, state.config.request_body_timeout).await {
        Ok(body) => body,
        Err(e) => {
            log::info!("analytics callback not relayed: {e}");
            return HttpResponse::NoContent().finish();
        }
    };
    if let Err(reason) = relay(&request, &body, &state).await {
        log::info!("analytics callback not relayed: {reason}");
    }
    HttpResponse::NoContent().finish()
}

async fn relay(request: &HttpRequest, body: &[u8], state: &AppState) -> Result<(), String> {
    let token = crate::http::bearer(request).ok_or("no bearer token")?;
    let view = state.shared.view();
    let server_secrets: Vec<Secret> = view.servers.values().map(|s| s.secret.clone()).collect();
    let now = db::now_ms() / 1000;
    jwt::verify(token, &server_secrets, now).map_err(|e| e.to_string())?;
    let mut payload: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let bbb_meeting_id = payload["meeting_id"].as_str().ok_or("no meeting_id")?.to_string();
    let id = bbb_meeting_id.clone();
    let callback = db::run(&state.pool, move |conn| -> Result<Option<MeetingCallback>, DbError> {
        MeetingCallback::find(conn, &id)
    })
    .await
    .map_err(|e| e.to_string())?
    .ok_or("no callback is known for this meeting")?;
    let url = callback.analytics_callback_url.clone().ok_or("the meeting asked for no analytics callback")?;
    let tenant = view.tenants.values().find(|t| t.id == callback.tenant_id).cloned();
    match &tenant {
        Some(tenant) => {
            let own = bbb_meeting_id.strip_prefix(&format!("{}~", tenant.name)).unwrap_or(&bbb_meeting_id);
            payload["meeting_id"] = json!(own);
            payload["customer"] = json!(tenant.name);
        }
        None => payload["customer"] = json!("scalelite"),
    }
    let secret = signing_secret(&view, &callback, &state.secrets).ok_or("no secret to sign with")?;
    let token = jwt::sign(JwtAlgorithm::Hs512, &json!({ "exp": now + TOKEN_LIFETIME_SECS }), &secret);
    let client = state.config.bbb_client();
    let status = client
        .post_json(&url, &token, "BigBlueButton Analytics Callback", payload.to_string())
        .await
        .map_err(|e| e.to_string())?;
    log::info!("analytics callback of meeting {bbb_meeting_id} relayed: HTTP {status}");
    Ok(())
}
