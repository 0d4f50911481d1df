//! Callbacks to front-ends, asked for at create and remembered per meeting: the recording-ready callback and the
//! analytics relay. Both are signed with the secret the front-end created the meeting with, chosen here once.
//!
//! - Recording ready: once a recording is imported, the URL the front-end gave (`meta_bbb-recording-ready-url`
//!   or `meta_bn-recording-ready-url`) gets a form POST `signed_parameters=<JWT {meeting_id, record_id}>`.
//!   It is queued in the database (`callback_deliveries`) and delivered by the `deliveries` actor, which tries
//!   again with growing delays while the front-end answers neither 2xx nor 404/410, across restarts.
//! - Analytics: BBB's learning-analytics data for a meeting (`POST …/analytics_callback`, its token signed with
//!   the secret of one of the pool's servers) is relayed to `meta_analytics-callback-url`, showing the front-end
//!   its own meeting ID.

use serde_json::{json, Value};

use crate::bbb::checksum::{fingerprint, Algorithm};
use crate::context::Deps;
use crate::db::models::callback::MeetingCallback;
use crate::db::models::callback_delivery::CallbackDelivery;
use crate::db::models::meeting::Meeting;
use crate::db::models::recording::Recording;
use crate::db::{self, DbError};
use crate::jwt::{self, JwtAlgorithm};
use crate::pool::PoolView;
use crate::secret::Secret;

/// How long the analytics relay's token is valid.
const ANALYTICS_TOKEN_LIFETIME_SECS: i64 = 24 * 3600;

/// The callbacks a create asked for, which Scalelite makes itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Asked {
    pub recording_ready_url: Option<String>,
    pub analytics_callback_url: Option<String>,
    /// The front-end's `meetingEndedURL` (the server gets Scalelite's).
    pub meeting_ended_url: Option<String>,
    /// A tenant meeting's `meta_endCallbackUrl` (the server would call it with its own meeting ID).
    pub end_callback_url: Option<String>,
}

/// Remembers the callbacks a create asked for, with the fingerprint of the secret that signed the create.
pub async fn remember(deps: &Deps, meeting: &Meeting, asked: Asked, create_secret: &Secret) -> Result<(), DbError> {
    if asked == Asked::default() {
        return Ok(());
    }
    let callback = MeetingCallback {
        bbb_meeting_id: meeting.bbb_meeting_id.clone(),
        tenant_id: meeting.tenant_id.clone(),
        recording_ready_url: asked.recording_ready_url,
        analytics_callback_url: asked.analytics_callback_url,
        secret_fingerprint: Some(fingerprint(create_secret)),
        updated_at: db::now_ms(),
        meeting_ended_url: asked.meeting_ended_url,
        end_callback_url: asked.end_callback_url,
    };
    db::run(&deps.pool, move |conn| callback.store(conn)).await
}

/// The secret that signs a callback to a front-end: of the meeting's tenant's secrets (or, without a tenant, the
/// load-balancer secrets), the one the front-end used at create, else the first (scalelite#1029).
fn signing_secret(view: &PoolView, callback: &MeetingCallback, loadbalancer_secrets: &[Secret]) -> Option<Secret> {
    let secrets = match view.tenants.values().find(|t| t.id == callback.tenant_id) {
        Some(tenant) => &tenant.secrets[..],
        None => loadbalancer_secrets,
    };
    secrets
        .iter()
        .find(|s| callback.secret_fingerprint.as_deref() == Some(fingerprint(s).as_str()))
        .or(secrets.first())
        .cloned()
}

/// The callbacks remembered for a meeting the BBB servers know by this ID.
async fn remembered(deps: &Deps, bbb_meeting_id: &str) -> Result<Option<MeetingCallback>, DbError> {
    let id = bbb_meeting_id.to_string();
    db::run(&deps.pool, move |conn| MeetingCallback::find(conn, &id)).await
}

/// HS256 when SHA256 checksums are accepted, else HS512 when SHA512 are, else HS256 (as Ruby Scalelite).
fn recording_ready_algorithm(accepted: &[Algorithm]) -> JwtAlgorithm {
    if accepted.contains(&Algorithm::Sha256) || !accepted.contains(&Algorithm::Sha512) {
        JwtAlgorithm::Hs256
    } else {
        JwtAlgorithm::Hs512
    }
}

/// Queues the front-end's callback for an imported recording, if it asked: delivered by the `deliveries` actor,
/// which retries while the front-end fails (2xx, 404 and 410 end it), across restarts.
pub async fn recording_ready(deps: Deps, recording: Recording) {
    let callback = match remembered(&deps, &recording.bbb_meeting_id).await {
        Ok(Some(callback)) => callback,
        Ok(None) => return,
        Err(e) => {
            log::warn!("recording-ready callback of {}: {e}", recording.record_id);
            return;
        }
    };
    let Some(url) = callback.recording_ready_url.clone() else { return };
    let Some(secret) = signing_secret(&deps.shared.view(), &callback, &deps.secrets) else { return };
    let claims = json!({ "meeting_id": recording.meeting_id, "record_id": recording.record_id });
    let token = jwt::sign(recording_ready_algorithm(&deps.config.checksum_algorithms), &claims, &secret);
    let form = crate::bbb::params::encode_query([("signed_parameters", token.as_str())]);
    let what = format!("recording {} ready", recording.record_id);
    let delivery = CallbackDelivery::post(what, url, form, db::now_ms());
    let queued =
        db::run(&deps.pool, move |conn| CallbackDelivery::insert_all(conn, std::slice::from_ref(&delivery))).await;
    if let Err(e) = queued {
        log::warn!("recording-ready callback of {}: {e}", recording.record_id);
    }
}

/// Relays BBB's analytics for a meeting (a JSON `body` under BBB's bearer `token`) to the front-end's URL.
pub async fn relay_analytics(deps: &Deps, token: Option<&str>, body: &[u8], form: bool) -> Result<(), String> {
    let token = token.ok_or("no bearer token")?;
    let view = deps.shared.view();
    let server_secrets: Vec<Secret> = view.servers.values().map(|s| s.secret.clone()).collect();
    let now = db::now_ms() / 1000;
    jwt::verify(token, &server_secrets, now).map_err(|e| e.to_string())?;
    let mut payload: Value = if form {
        crate::form_params::to_json(body)
    } else {
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?
    };
    let bbb_meeting_id = payload["meeting_id"].as_str().ok_or("no meeting_id")?.to_string();
    let callback = remembered(deps, &bbb_meeting_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no callback is known for this meeting")?;
    let url = callback.analytics_callback_url.clone().ok_or("the meeting asked for no analytics callback")?;
    match view.tenants.values().find(|t| t.id == callback.tenant_id) {
        Some(tenant) => {
            let own = bbb_meeting_id.strip_prefix(&format!("{}~", tenant.name)).unwrap_or(&bbb_meeting_id);
            payload["meeting_id"] = json!(own);
            payload["customer"] = json!(tenant.name);
        }
        None => payload["customer"] = json!("scalelite"),
    }
    let secret = signing_secret(&view, &callback, &deps.secrets).ok_or("no secret to sign with")?;
    let token = jwt::sign(JwtAlgorithm::Hs512, &json!({ "exp": now + ANALYTICS_TOKEN_LIFETIME_SECS }), &secret);
    let client = deps.config.bbb_client();
    let status = client
        .post_json(&url, &token, "BigBlueButton Analytics Callback", payload.to_string())
        .await
        .map_err(|e| e.to_string())?;
    log::info!("analytics callback of meeting {bbb_meeting_id} relayed: HTTP {status}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_recording_ready_jwt_algorithm_as_ruby_scalelite() {
        assert_eq!(recording_ready_algorithm(&Algorithm::ALL), JwtAlgorithm::Hs256);
        assert_eq!(recording_ready_algorithm(&[Algorithm::Sha1, Algorithm::Sha512]), JwtAlgorithm::Hs512);
        assert_eq!(recording_ready_algorithm(&[Algorithm::Sha1]), JwtAlgorithm::Hs256);
    }
}
