//! When a meeting ends, its BBB server says so at once: every create asks the server to call Scalelite's
//! `meetingEndedURL`, signed for that meeting's session (an HMAC of its BBB meeting ID and creation time with the
//! first load-balancer secret), so that nobody else can end a meeting through it and an old session's URL ends no
//! new one. Pure functions; the handler is `api::meeting_ended`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::bbb::params::encode_query;
use crate::db::models::meeting::Meeting;
use crate::secret::Secret;

/// The token of a meeting's session.
pub fn token(secret: &Secret, bbb_meeting_id: &str, created_at: i64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(b"meeting-ended\0");
    mac.update(bbb_meeting_id.as_bytes());
    mac.update(b"\0");
    mac.update(created_at.to_string().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether a token is the one of this session, under any of the secrets (they may have been rotated).
pub fn verify(secrets: &[Secret], bbb_meeting_id: &str, created_at: i64, given: &str) -> bool {
    secrets.iter().any(|s| bool::from(token(s, bbb_meeting_id, created_at).as_bytes().ct_eq(given.as_bytes())))
}

/// The URL a meeting's server calls when it ends: `<base>/bigbluebutton/api/meeting_ended?…`.
pub fn url(base: &str, secret: &Secret, meeting: &Meeting) -> String {
    let created = meeting.created_at.to_string();
    let token = token(secret, &meeting.bbb_meeting_id, meeting.created_at);
    let query =
        encode_query([("meetingID", meeting.bbb_meeting_id.as_str()), ("created", &created), ("token", &token)]);
    format!("{}/bigbluebutton/api/meeting_ended?{query}", base.trim_end_matches('/'))
}

/// A front-end's end callback with its own meeting ID (and BBB's `recordingmarks`), as BBB calls it.
pub fn end_callback(url: &str, meeting_id: &str, recording_marks: &str) -> String {
    let join = if url.contains('?') { '&' } else { '?' };
    let query = encode_query([("meetingID", meeting_id), ("recordingmarks", recording_marks)]);
    format!("{url}{join}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_of_one_session_and_one_secret() {
        let (a, b) = (Secret::new("a"), Secret::new("b"));
        let t = token(&a, "t1~m", 1000);
        assert_eq!(t.len(), 64);
        assert!(verify(&[b.clone(), a.clone()], "t1~m", 1000, &t));
        assert!(!verify(&[b], "t1~m", 1000, &t));
        assert!(!verify(std::slice::from_ref(&a), "t1~m", 1001, &t), "another session");
        assert!(!verify(std::slice::from_ref(&a), "t2~m", 1000, &t), "another meeting");
        assert!(!verify(&[a], "t1~m", 1000, ""));
    }

    #[test]
    fn end_callbacks_carry_the_front_ends_meeting_id() {
        assert_eq!(end_callback("https://gl/end", "m 1", "false"), "https://gl/end?meetingID=m+1&recordingmarks=false");
        assert_eq!(
            end_callback("https://gl/end?x=1", "m", "true"),
            "https://gl/end?x=1&meetingID=m&recordingmarks=true"
        );
    }
}
