//! The recording-ready callback: once a recording is imported, the URL the front-end gave at create
//! (`meta_bbb-recording-ready-url` or `meta_bn-recording-ready-url`) gets a form POST
//! `signed_parameters=<JWT {meeting_id, record_id}>`, signed with the secret the front-end created the meeting
//! with. While the front-end answers neither 2xx nor 404/410 (or cannot be reached), it is tried again with
//! growing delays.

use std::time::Duration;

use serde_json::json;

use crate::bbb::checksum::{fingerprint, Algorithm};
use crate::context::Deps;
use crate::db::models::callback::MeetingCallback;
use crate::db::models::recording::Recording;
use crate::db::{self, DbError};
use crate::jwt::{self, JwtAlgorithm};
use crate::pool::PoolView;
use crate::secret::Secret;

/// Attempts before giving up, the first delay, and the longest one.
const ATTEMPTS: u32 = 10;
const FIRST_DELAY: Duration = Duration::from_secs(1);
const LONGEST_DELAY: Duration = Duration::from_secs(600);

/// HS256 when SHA256 checksums are accepted, else HS512 when SHA512 are, else HS256 (as Ruby Scalelite).
fn algorithm(accepted: &[Algorithm]) -> JwtAlgorithm {
    if accepted.contains(&Algorithm::Sha256) || !accepted.contains(&Algorithm::Sha512) {
        JwtAlgorithm::Hs256
    } else {
        JwtAlgorithm::Hs512
    }
}

/// The secret that signs a callback to a front-end: of the meeting's tenant's secrets (or, without a tenant, the
/// load-balancer secrets), the one the front-end used at create, else the first (scalelite#1029).
pub fn signing_secret(view: &PoolView, callback: &MeetingCallback, loadbalancer_secrets: &[Secret]) -> Option<Secret> {
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

/// Calls the front-end back for an imported recording, if it asked; retries while it fails.
pub async fn notify(deps: Deps, recording: Recording) {
    let id = recording.bbb_meeting_id.clone();
    let found = db::run(&deps.pool, move |conn| -> Result<Option<MeetingCallback>, DbError> {
        MeetingCallback::find(conn, &id)
    })
    .await;
    let callback = match found {
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
    let token = jwt::sign(algorithm(&deps.config.checksum_algorithms), &claims, &secret);
    let mut delay = FIRST_DELAY;
    for attempt in 1..=ATTEMPTS {
        match deps.config.bbb_client().post_form(&url, &[("signed_parameters", &token)]).await {
            Ok(status) if (200..300).contains(&status) || status == 404 || status == 410 => {
                log::info!("recording-ready callback of {}: HTTP {status}", recording.record_id);
                return;
            }
            Ok(status) => {
                log::warn!("recording-ready callback of {} (attempt {attempt}): HTTP {status}", recording.record_id)
            }
            Err(e) => log::warn!("recording-ready callback of {} (attempt {attempt}): {e}", recording.record_id),
        }
        actix_web::rt::time::sleep(delay).await;
        delay = (delay * 2).min(LONGEST_DELAY);
    }
    log::error!("recording-ready callback of {} given up after {ATTEMPTS} attempts", recording.record_id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_jwt_algorithm_as_ruby_scalelite() {
        assert_eq!(algorithm(&Algorithm::ALL), JwtAlgorithm::Hs256);
        assert_eq!(algorithm(&[Algorithm::Sha1, Algorithm::Sha512]), JwtAlgorithm::Hs512);
        assert_eq!(algorithm(&[Algorithm::Sha1]), JwtAlgorithm::Hs256);
    }
}
