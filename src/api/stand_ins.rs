//! The answers of calls whose feature is switched off (`GET_MEETINGS_API_DISABLED`, `RECORDING_DISABLED`),
//! given before the checksum is checked, as Ruby Scalelite does; and the empty `getMeetings` answer.

use actix_web::HttpResponse;
use serde_json::json;

use super::calls::Call;
use crate::bbb::xml;
use crate::config::Config;
use crate::recordings::xml::{recordings_document, Presentation, Tokens};

/// The stand-in answer of a call whose feature is switched off, if it is.
pub fn stand_in(call: Call, config: &Config) -> Option<HttpResponse> {
    match call {
        Call::GetMeetings if config.get_meetings_api_disabled => Some(no_meetings()),
        _ if !config.recording_disabled => None,
        Call::GetRecordings => Some(no_recordings()),
        Call::PublishRecordings | Call::UpdateRecordings | Call::DeleteRecordings => {
            Some(xml::response(xml::error_document("notFound", "We could not find recordings")))
        }
        Call::GetRecordingTextTracks | Call::PutRecordingTextTrack => {
            Some(HttpResponse::Ok().content_type("application/json").json(json!({ "response": {
                "returncode": "FAILED", "messageKey": "noRecordings", "message": "Recordings are disabled."
            }})))
        }
        _ => None,
    }
}

/// `getMeetings` when there is nothing to show.
pub fn no_meetings() -> HttpResponse {
    xml::response(
        "<response><returncode>SUCCESS</returncode><messageKey>noMeetings</messageKey>\
         <message>no meetings were found on this server</message><meetings/></response>"
            .into(),
    )
}

/// `getRecordings` while recordings are disabled: an empty list.
fn no_recordings() -> HttpResponse {
    let how = Presentation { base_url: "", show_protected: false, tokens: &Tokens::new() };
    xml::response(recordings_document(&[], &how, None))
}
