//! The BBB API calls a fake server answers, as bbb-web answers them: create, join, end, isMeetingRunning,
//! getMeetingInfo, getMeetings, insertDocument, sendChatMessage and the API index.

use std::fmt::Write;

use actix_web::{web, HttpRequest, HttpResponse};

use crate::checksum;
use crate::xml::{element, escape, failed, xml};
use crate::{faults, FakeMeeting, FakeState, Servers};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/{name}/bigbluebutton/api", web::to(handle))
        .route("/{name}/bigbluebutton/api/", web::to(handle))
        .route("/{name}/bigbluebutton/api/{call}", web::to(handle));
}

/// Decoded parameters of the query and, for form posts, of the body.
fn params(request: &HttpRequest, body: &[u8]) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> =
        url::form_urlencoded::parse(request.query_string().as_bytes()).into_owned().collect();
    let form = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        all.extend(url::form_urlencoded::parse(body).into_owned());
    }
    all
}

fn get<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

async fn handle(request: HttpRequest, body: web::Bytes, servers: web::Data<Servers>) -> HttpResponse {
    let name = request.match_info().get("name").unwrap_or_default();
    let call = request.match_info().get("call").unwrap_or_default().to_string();
    let Some(server) = servers.get(name).cloned() else {
        return HttpResponse::NotFound().body("no such fake server");
    };
    if let Some(fault) = faults::play(&server).await {
        return fault;
    }
    let accepted = server.state().accepted.clone();
    if !checksum::verify(&call, request.query_string(), &server.secret, accepted.as_deref()) {
        return failed("checksumError", "Checksums do not match");
    }
    let params = params(&request, &body);
    let mut state = server.state();
    state.calls.push((call.clone(), request.query_string().to_string()));
    let meeting = get(&params, "meetingID").and_then(|id| state.meetings.get(id));
    match call.as_str() {
        "" => xml("<response><returncode>SUCCESS</returncode><version>2.0</version><apiVersion>2.0</apiVersion><bbbVersion>3.0.4</bbbVersion></response>".into()),
        "create" => create(&mut state, &params),
        "join" => join(&mut state, &params),
        "end" => match get(&params, "meetingID").and_then(|id| state.meetings.remove(id)) {
            Some(ended) => {
                call_meeting_ended_url(&ended);
                xml("<response><returncode>SUCCESS</returncode><messageKey>sentEndMeetingRequest</messageKey><message>A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended.</message></response>".into())
            }
            None => failed("notFound", "A meeting with that ID does not exist"),
        },
        "isMeetingRunning" => {
            let running = meeting.is_some_and(|m| m.participants > 0);
            xml(format!("<response><returncode>SUCCESS</returncode><running>{running}</running></response>"))
        }
        "getMeetingInfo" => match meeting {
            Some(meeting) => {
                let mut out = String::from("<response><returncode>SUCCESS</returncode>");
                meeting_fields(&mut out, meeting);
                out.push_str("</response>");
                xml(out)
            }
            None => failed("notFound", "A meeting with that ID does not exist"),
        },
        "getMeetings" => get_meetings(&state),
        "insertDocument" => match meeting {
            Some(_) if !body.is_empty() => xml("<response><returncode>SUCCESS</returncode></response>".into()),
            Some(_) => failed("missingParamDocument", "No document was supplied"),
            None => failed("notFound", "A meeting with that ID does not exist"),
        },
        "sendChatMessage" => match meeting {
            Some(_) => xml("<response><returncode>SUCCESS</returncode><messageKey>messageSent</messageKey><message>Message successfully sent</message></response>".into()),
            None => failed("meetingNotFound", "Meeting not found"),
        },
        _ => failed("unsupportedRequest", "This request is not supported."),
    }
}

fn get_meetings(state: &FakeState) -> HttpResponse {
    if state.meetings.is_empty() {
        return xml("<response><returncode>SUCCESS</returncode><meetings/><messageKey>noMeetings</messageKey><message>no meetings were found on this server</message></response>".into());
    }
    let mut out = String::from("<response><returncode>SUCCESS</returncode><meetings>");
    for meeting in state.meetings.values() {
        out.push_str("<meeting>");
        meeting_fields(&mut out, meeting);
        out.push_str("</meeting>");
    }
    out.push_str("</meetings></response>");
    xml(out)
}

fn create(state: &mut FakeState, params: &[(String, String)]) -> HttpResponse {
    let Some(id) = get(params, "meetingID").filter(|id| !id.is_empty()) else {
        return failed("missingParamMeetingID", "You must specify a meeting ID for the meeting.");
    };
    if let Some(existing) = state.meetings.get(id) {
        let same_password = get(params, "moderatorPW").is_none_or(|pw| pw == existing.moderator_pw);
        if !same_password {
            return failed(
                "idNotUnique",
                "A meeting already exists with that meeting ID.  Please use a different meeting ID.",
            );
        }
        let mut out = String::from("<response><returncode>SUCCESS</returncode>");
        create_fields(&mut out, existing);
        out.push_str("<messageKey>duplicateWarning</messageKey><message>This conference was already in existence and may currently be in progress.</message></response>");
        return xml(out);
    }
    let now = crate::now_ms();
    let metadata = params
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("meta_").map(|k| (k.to_ascii_lowercase(), v.clone())))
        .filter(|(k, _)| {
            k.starts_with(|c: char| c.is_ascii_alphabetic()) && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .collect();
    let meeting = FakeMeeting {
        id: id.to_string(),
        name: get(params, "name").unwrap_or(id).to_string(),
        internal_id: format!("{}-{now}", checksum::sha1_hex(id)),
        create_time: now,
        voice_bridge: get(params, "voiceBridge").unwrap_or("70000").to_string(),
        attendee_pw: get(params, "attendeePW").unwrap_or("ap").to_string(),
        moderator_pw: get(params, "moderatorPW").unwrap_or("mp").to_string(),
        metadata,
        is_breakout: get(params, "isBreakout") == Some("true"),
        create_params: params.to_vec(),
        ..Default::default()
    };
    let mut out = String::from("<response><returncode>SUCCESS</returncode>");
    create_fields(&mut out, &meeting);
    out.push_str("<messageKey></messageKey><message></message></response>");
    state.meetings.insert(id.to_string(), meeting);
    xml(out)
}

fn join(state: &mut FakeState, params: &[(String, String)]) -> HttpResponse {
    let Some(meeting) = get(params, "meetingID").and_then(|id| state.meetings.get_mut(id)) else {
        return failed("invalidMeetingIdentifier", "A meeting with that ID does not exist");
    };
    if get(params, "fullName").is_none_or(str::is_empty) {
        return failed("missingParamFullName", "You must provide your name");
    }
    let role = get(params, "role").map(str::to_ascii_uppercase);
    let moderator = match (role.as_deref(), get(params, "password")) {
        (Some("MODERATOR"), _) => true,
        (Some("VIEWER"), _) => false,
        (_, Some(pw)) if pw == meeting.moderator_pw => true,
        (_, Some(pw)) if pw == meeting.attendee_pw => false,
        _ => return failed("invalidPassword", "The password you submitted is not valid."),
    };
    meeting.participants += 1;
    meeting.moderators += u32::from(moderator);
    HttpResponse::Found()
        .insert_header((
            "Location",
            format!("https://fake-bbb.invalid/html5client?sessionToken=t{}", meeting.participants),
        ))
        .finish()
}

fn create_fields(out: &mut String, m: &FakeMeeting) {
    element(out, "meetingID", &m.id);
    element(out, "internalMeetingID", &m.internal_id);
    out.push_str("<parentMeetingID>bbb-none</parentMeetingID>");
    element(out, "attendeePW", &m.attendee_pw);
    element(out, "moderatorPW", &m.moderator_pw);
    let _ = write!(out, "<createTime>{}</createTime>", m.create_time);
    element(out, "voiceBridge", &m.voice_bridge);
    out.push_str("<dialNumber>613-555-1234</dialNumber><createDate>Mon Jul 09 17:03:29 UTC 2018</createDate>");
    let _ = write!(
        out,
        "<hasUserJoined>{}</hasUserJoined><duration>0</duration><hasBeenForciblyEnded>false</hasBeenForciblyEnded>",
        m.participants > 0
    );
}

fn meeting_fields(out: &mut String, m: &FakeMeeting) {
    element(out, "meetingName", &m.name);
    element(out, "meetingID", &m.id);
    element(out, "internalMeetingID", &m.internal_id);
    let _ =
        write!(out, "<createTime>{}</createTime><createDate>Mon Jul 09 17:03:29 UTC 2018</createDate>", m.create_time);
    element(out, "voiceBridge", &m.voice_bridge);
    out.push_str("<dialNumber>613-555-1234</dialNumber>");
    element(out, "attendeePW", &m.attendee_pw);
    element(out, "moderatorPW", &m.moderator_pw);
    let running = m.participants > 0;
    let _ = write!(
        out,
        "<running>{running}</running><duration>0</duration><hasUserJoined>{running}</hasUserJoined><recording>false</recording>\
         <hasBeenForciblyEnded>false</hasBeenForciblyEnded><startTime>{}</startTime><endTime>0</endTime>\
         <participantCount>{}</participantCount><listenerCount>0</listenerCount><voiceParticipantCount>0</voiceParticipantCount>\
         <videoCount>{}</videoCount><maxUsers>0</maxUsers><moderatorCount>{}</moderatorCount><attendees></attendees><metadata>",
        m.create_time, m.participants, m.videos, m.moderators
    );
    for (key, value) in &m.metadata {
        let _ = write!(out, "<{key}>{}</{key}>", escape(value));
    }
    let _ = write!(out, "</metadata><isBreakout>{}</isBreakout>", m.is_breakout);
}

/// As bbb-web does when a meeting ends: a GET of the `meetingEndedURL` its create gave, if any.
fn call_meeting_ended_url(meeting: &crate::FakeMeeting) {
    let Some(url) = meeting.create_params.iter().rev().find(|(k, _)| k == "meetingEndedURL").map(|(_, v)| v.clone())
    else {
        return;
    };
    actix_web::rt::spawn(async move {
        if let Err(e) = awc::Client::default().get(url.as_str()).send().await {
            eprintln!("fake-bbb: meetingEndedURL {url}: {e}");
        }
    });
}
