//! The table of BBB API calls Scalelite answers: each call's name, the methods it takes, and the bodies it
//! accepts. Routing registers one resource per row, the `ApiCall` extractor checks method and body against it,
//! and its name labels the call's metrics.

use actix_web::http::Method;

/// A BBB API call Scalelite answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Create,
    Join,
    End,
    IsMeetingRunning,
    GetMeetingInfo,
    GetMeetings,
    InsertDocument,
    SendChatMessage,
    GetRecordings,
    PublishRecordings,
    UpdateRecordings,
    DeleteRecordings,
    GetRecordingTextTracks,
    PutRecordingTextTrack,
}

/// What a POST body may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// `application/x-www-form-urlencoded` or `multipart/form-data`.
    Form,
    /// `application/xml`, `text/xml`, `application/x-xml`.
    Xml,
}

/// The methods a call takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Methods {
    Get,
    Post,
    GetOrPost,
}

impl Methods {
    pub fn allow(self, method: &Method) -> bool {
        match self {
            Methods::Get => method == Method::GET,
            Methods::Post => method == Method::POST,
            Methods::GetOrPost => method == Method::GET || method == Method::POST,
        }
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct Spec {
    pub call: Call,
    /// The call's name in the URL, and its metrics label.
    pub name: &'static str,
    pub methods: Methods,
    /// The bodies a POST may carry.
    pub bodies: &'static [BodyKind],
}

const FORM: &[BodyKind] = &[BodyKind::Form];
const FORM_OR_XML: &[BodyKind] = &[BodyKind::Form, BodyKind::Xml];
const XML: &[BodyKind] = &[BodyKind::Xml];

const fn row(call: Call, name: &'static str, methods: Methods, bodies: &'static [BodyKind]) -> Spec {
    Spec { call, name, methods, bodies }
}

/// Every call, in the order of `Call`.
pub const CALLS: [Spec; 14] = [
    row(Call::Create, "create", Methods::GetOrPost, FORM_OR_XML),
    row(Call::Join, "join", Methods::Get, FORM),
    row(Call::End, "end", Methods::GetOrPost, FORM),
    row(Call::IsMeetingRunning, "isMeetingRunning", Methods::GetOrPost, FORM),
    row(Call::GetMeetingInfo, "getMeetingInfo", Methods::GetOrPost, FORM),
    row(Call::GetMeetings, "getMeetings", Methods::GetOrPost, FORM),
    row(Call::InsertDocument, "insertDocument", Methods::Post, XML),
    row(Call::SendChatMessage, "sendChatMessage", Methods::Get, FORM),
    row(Call::GetRecordings, "getRecordings", Methods::GetOrPost, FORM),
    row(Call::PublishRecordings, "publishRecordings", Methods::Get, FORM),
    row(Call::UpdateRecordings, "updateRecordings", Methods::GetOrPost, FORM),
    row(Call::DeleteRecordings, "deleteRecordings", Methods::Get, FORM),
    row(Call::GetRecordingTextTracks, "getRecordingTextTracks", Methods::GetOrPost, FORM),
    row(Call::PutRecordingTextTrack, "putRecordingTextTrack", Methods::Post, FORM),
];

/// The metrics label of a name that is no call of the table.
pub const UNSUPPORTED: &str = "unsupported";

impl Call {
    pub fn spec(self) -> &'static Spec {
        &CALLS[self as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_sits_at_its_calls_place() {
        for (index, spec) in CALLS.iter().enumerate() {
            assert_eq!(spec.call as usize, index, "{}", spec.name);
            assert_eq!(spec.call.spec().name, spec.name);
        }
    }
}
