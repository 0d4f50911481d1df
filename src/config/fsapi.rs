//! The settings of dial-in through FreeSWITCH (`POST /fsapi`), with Ruby Scalelite's names and defaults: who may
//! ask (`FSAPI_PASSWORD`), how long a call may last (`FSAPI_MAX_DURATION`), and how many digits a PIN has
//! (`VOICE_BRIDGE_MIN`..`VOICE_BRIDGE_MAX`, which must hold `VOICE_BRIDGE_LEN`).

use super::source::Reader;
use super::ConfigError;
use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct Fsapi {
    /// The password of user `fsapi`; `None`: no authentication.
    pub password: Option<Secret>,
    /// Minutes; 0: calls are never hung up.
    pub max_duration: u32,
    pub pin_min_digits: u32,
    pub pin_max_digits: u32,
}

impl Fsapi {
    pub(super) fn load(
        r: &Reader<'_>,
        first_secret: Option<&Secret>,
        max_meeting_duration: u32,
        voice_bridge_len: u32,
    ) -> Result<Fsapi, ConfigError> {
        let password = match r.raw("FSAPI_PASSWORD") {
            Some(empty) if empty.is_empty() => None,
            Some(password) => Some(Secret::new(password)),
            None => first_secret.cloned(),
        };
        let max_duration = match r.given("FSAPI_MAX_DURATION") {
            Some(_) => r.number("FSAPI_MAX_DURATION", 0, "a whole number of minutes (0: never)")?,
            None => max_meeting_duration,
        };
        let pin_min_digits = r.number("VOICE_BRIDGE_MIN", 1, "a number of digits from 1 to 18")?;
        let pin_max_digits = r.number("VOICE_BRIDGE_MAX", 1, "a number of digits from 1 to 18")?;
        if pin_max_digits > 18 || pin_min_digits > pin_max_digits {
            return Err(Reader::error("VOICE_BRIDGE_MAX", &pin_max_digits.to_string(), "VOICE_BRIDGE_MIN..18 digits"));
        }
        if !(pin_min_digits..=pin_max_digits).contains(&voice_bridge_len) {
            let expected = format!("VOICE_BRIDGE_MIN..VOICE_BRIDGE_MAX ({pin_min_digits}..{pin_max_digits}) digits, so that callers can type it");
            return Err(Reader::error("VOICE_BRIDGE_LEN", &voice_bridge_len.to_string(), &expected));
        }
        Ok(Fsapi { password, max_duration, pin_min_digits, pin_max_digits })
    }
}
