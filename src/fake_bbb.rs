//! A stand-in BBB server for tests and benchmarks (`fake-bbb` binary). It behaves like bbb-web where a load
//! balancer can tell: it checks checksums with its own secret (SHA-1/256/384/512 by length), keeps meetings,
//! answers with BBB's XML, and counts a participant on each join. Each fake server lives under
//! `/<name>/bigbluebutton/api`, so one listener can play many servers.
//!
//! Faults on demand, per server: hang (never answer), slow (answer after a delay), garbage (not XML),
//! HTTP 500, stall (headers and a first chunk, then nothing), drip (a byte at a time, without end), endless (a
//! body without end, as fast as it is read), deep (20,000 nested elements). To play a server that is down,
//! stop its listener.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};

use crate::bbb::checksum::{self, Algorithm};
use crate::bbb::xml::{element, escape};
use crate::secret::Secret;

/// How a fake server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Never answers (until the mode changes).
    Hang,
    /// Answers after this delay.
    Slow(Duration),
    /// Answers with text that is not XML.
    Garbage,
    /// Answers HTTP 500 with an HTML page.
    Http500,
    /// Set while the listener stops: a worker still finishing a connection refuses it.
    Down,
    /// Sends its headers and the start of a document, then nothing more (until the mode changes).
    Stall,
    /// Sends a byte every 100 ms, without end (until the mode changes).
    Drip,
    /// Sends a body without end, 64 KiB at a time, as fast as it is read (until the mode changes).
    Endless,
    /// Answers SUCCESS with 20,000 nested elements.
    Deep,
}

/// A streamed body: `first`, then `chunk` every `pause` while the server stays in `mode`.
fn streamed(
    server: Arc<FakeServer>,
    mode: Mode,
    first: &'static str,
    chunk: web::Bytes,
    pause: Duration,
) -> HttpResponse {
    let start =
        futures_util::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from_static(first.as_bytes())) });
    let rest = futures_util::stream::unfold((), move |()| {
        let (server, chunk) = (server.clone(), chunk.clone());
        async move {
            if pause.is_zero() {
                actix_web::rt::task::yield_now().await;
            } else {
                actix_web::rt::time::sleep(pause).await;
            }
            (server.mode() == mode).then_some((Ok(chunk), ()))
        }
    });
    let rest = futures_util::StreamExt::filter(rest, move |_| {
        let stalled = mode == Mode::Stall;
        async move { !stalled }
    });
    HttpResponse::Ok().content_type("text/xml;charset=utf-8").streaming(futures_util::StreamExt::chain(start, rest))
}

/// A meeting on a fake server.
#[derive(Clone, Debug, Default)]
pub struct FakeMeeting {
    pub id: String,
    pub name: String,
    pub internal_id: String,
    pub create_time: i64,
    pub voice_bridge: String,
    pub attendee_pw: String,
    pub moderator_pw: String,
    pub participants: u32,
    pub moderators: u32,
    pub videos: u32,
    pub metadata: BTreeMap<String, String>,
    pub is_breakout: bool,
    /// Every parameter of the create call, decoded.
    pub create_params: Vec<(String, String)>,
}

/// What a fake server holds.
#[derive(Default)]
pub struct FakeState {
    pub meetings: BTreeMap<String, FakeMeeting>,
    /// Every call that passed the checksum: (call, raw query).
    pub calls: Vec<(String, String)>,
    mode: Option<Mode>,
}

/// One fake BBB server.
pub struct FakeServer {
    pub name: String,
    pub secret: Secret,
    state: Mutex<FakeState>,
}

impl FakeServer {
    pub fn new(name: &str, secret: &str) -> Arc<FakeServer> {
        Arc::new(FakeServer { name: name.into(), secret: Secret::new(secret), state: Mutex::default() })
    }

    /// The server's state, locked.
    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state().mode = Some(mode);
    }

    fn mode(&self) -> Mode {
        self.state().mode.unwrap_or(Mode::Normal)
    }

    /// The number of meetings it holds.
    pub fn meeting_count(&self) -> usize {
        self.state().meetings.len()
    }

    /// How many calls of this name it answered.
    pub fn calls_of(&self, call: &str) -> usize {
        self.state().calls.iter().filter(|(c, _)| c == call).count()
    }
}

/// A listener playing some fake servers.
pub struct FakeBbb {
    pub port: u16,
    servers: Arc<HashMap<String, Arc<FakeServer>>>,
    handle: Option<actix_web::dev::ServerHandle>,
}

impl FakeBbb {
    /// Starts a listener on `127.0.0.1:port` (0: any free port) for these servers, in the current actix system.
    pub fn start(servers: Vec<Arc<FakeServer>>, port: u16, workers: usize) -> std::io::Result<FakeBbb> {
        let servers: Arc<HashMap<String, Arc<FakeServer>>> =
            Arc::new(servers.into_iter().map(|s| (s.name.clone(), s)).collect());
        let mut fake = FakeBbb { port, servers, handle: None };
        fake.listen(workers)?;
        Ok(fake)
    }

    fn listen(&mut self, workers: usize) -> std::io::Result<()> {
        let servers = self.servers.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::from(servers.clone()))
                .app_data(web::PayloadConfig::new(16 << 20))
                .route("/_control/counts", web::get().to(counts))
                .route("/_control/calls/{name}/{call}", web::get().to(calls))
                .route("/_control/{name}/{mode}", web::post().to(control))
                .route("/ceiling/bigbluebutton/api/join", web::get().to(ceiling))
                .route("/{name}/bigbluebutton/api", web::to(handle))
                .route("/{name}/bigbluebutton/api/", web::to(handle))
                .route("/{name}/bigbluebutton/api/{call}", web::to(handle))
        })
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(0)
        .bind(("127.0.0.1", self.port))?;
        self.port = server.addrs()[0].port();
        let server = server.run();
        self.handle = Some(server.handle());
        actix_web::rt::spawn(server);
        Ok(())
    }

    /// The API URL of one of its servers.
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}/bigbluebutton/api", self.port)
    }

    /// Stops listening: connections are refused, as from a server that is down. (Stopping does not wait for
    /// the workers, so the servers refuse whatever reaches them meanwhile.)
    pub async fn stop(&mut self) {
        for server in self.servers.values() {
            server.set_mode(Mode::Down);
        }
        if let Some(handle) = self.handle.take() {
            handle.stop(false).await;
        }
    }

    /// Listens again on the same port, keeping the servers' meetings.
    pub fn restart(&mut self) -> std::io::Result<()> {
        for server in self.servers.values() {
            server.set_mode(Mode::Normal);
        }
        self.listen(1)
    }
}

/// The reference for benchmarks: a bare handler answering a join with a fixed 302, doing nothing else.
async fn ceiling() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((
            "Location",
            "http://127.0.0.1:1/bbb0/bigbluebutton/api/join?fullName=Ada&meetingID=bench-join&role=VIEWER&checksum=0123456789abcdef0123456789abcdef01234567",
        ))
        .insert_header(("Cache-Control", "no-cache"))
        .finish()
}

/// `GET /_control/calls/<name>/<call>`: how many times the server answered that call, as plain text.
async fn calls(
    path: web::Path<(String, String)>,
    servers: web::Data<HashMap<String, Arc<FakeServer>>>,
) -> HttpResponse {
    let (name, call) = path.into_inner();
    match servers.get(&name) {
        Some(server) => HttpResponse::Ok().body(server.calls_of(&call).to_string()),
        None => HttpResponse::NotFound().body("no such fake server"),
    }
}

/// `GET /_control/counts`: meetings per server, as JSON.
async fn counts(servers: web::Data<HashMap<String, Arc<FakeServer>>>) -> HttpResponse {
    let counts: BTreeMap<&String, usize> = servers.iter().map(|(name, s)| (name, s.meeting_count())).collect();
    HttpResponse::Ok().json(counts)
}

/// `POST /_control/<name>/<mode>`: `normal`, `hang`, `garbage`, `http500`, `stall`, `drip`, `endless`, `deep`,
/// or `slow-<ms>`.
async fn control(
    path: web::Path<(String, String)>,
    servers: web::Data<HashMap<String, Arc<FakeServer>>>,
) -> HttpResponse {
    let (name, mode) = path.into_inner();
    let Some(server) = servers.get(&name) else { return HttpResponse::NotFound().body("no such fake server") };
    let mode = match mode.as_str() {
        "normal" => Mode::Normal,
        "hang" => Mode::Hang,
        "garbage" => Mode::Garbage,
        "http500" => Mode::Http500,
        "stall" => Mode::Stall,
        "drip" => Mode::Drip,
        "endless" => Mode::Endless,
        "deep" => Mode::Deep,
        other => match other.strip_prefix("slow-").and_then(|ms| ms.parse().ok()) {
            Some(ms) => Mode::Slow(Duration::from_millis(ms)),
            None => {
                return HttpResponse::BadRequest()
                    .body("modes: normal, hang, garbage, http500, stall, drip, endless, deep, slow-<ms>")
            }
        },
    };
    server.set_mode(mode);
    HttpResponse::Ok().body("ok")
}

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/xml;charset=utf-8").insert_header(("Cache-Control", "no-cache")).body(body)
}

fn failed(key: &str, message: &str) -> HttpResponse {
    xml(crate::bbb::xml::error_document(key, message))
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

async fn handle(
    request: HttpRequest,
    body: web::Bytes,
    servers: web::Data<HashMap<String, Arc<FakeServer>>>,
) -> HttpResponse {
    let name = request.match_info().get("name").unwrap_or_default();
    let call = request.match_info().get("call").unwrap_or_default().to_string();
    let Some(server) = servers.get(name).cloned() else {
        return HttpResponse::NotFound().body("no such fake server");
    };
    match server.mode() {
        Mode::Normal => {}
        Mode::Hang => loop {
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
            if server.mode() != Mode::Hang {
                break;
            }
        },
        Mode::Slow(delay) => actix_web::rt::time::sleep(delay).await,
        Mode::Garbage => return HttpResponse::Ok().content_type("text/html").body("<html><body>Welcome to nginx"),
        Mode::Http500 => return HttpResponse::InternalServerError().content_type("text/html").body("<h1>500</h1>"),
        Mode::Down => return HttpResponse::ServiceUnavailable().force_close().finish(),
        Mode::Stall => {
            let nothing = web::Bytes::new();
            return streamed(server, Mode::Stall, "<response><returncode>SUCCESS", nothing, Duration::from_millis(100));
        }
        Mode::Drip => {
            let byte = web::Bytes::from_static(b" ");
            return streamed(server, Mode::Drip, "<response><returncode>SUCCESS", byte, Duration::from_millis(100));
        }
        Mode::Endless => {
            let chunk = web::Bytes::from(vec![b' '; 64 << 10]);
            return streamed(server, Mode::Endless, "<response><returncode>SUCCESS", chunk, Duration::ZERO);
        }
        Mode::Deep => {
            let levels = 20_000;
            let mut out = String::from("<response><returncode>SUCCESS</returncode><meetings>");
            out.push_str(&"<meeting>".repeat(levels));
            out.push_str(&"</meeting>".repeat(levels));
            out.push_str("</meetings></response>");
            return xml(out);
        }
    }
    if checksum::verify(&call, request.query_string(), b"", std::slice::from_ref(&server.secret), &Algorithm::ALL)
        .is_err()
    {
        return failed("checksumError", "Checksums do not match");
    }
    let params = params(&request, &body);
    let mut state = server.state();
    state.calls.push((call.clone(), request.query_string().to_string()));
    match call.as_str() {
        "" => xml("<response><returncode>SUCCESS</returncode><version>2.0</version><apiVersion>2.0</apiVersion><bbbVersion>3.0.4</bbbVersion></response>".into()),
        "create" => create(&mut state, &params),
        "join" => join(&mut state, &params),
        "end" => match get(&params, "meetingID").and_then(|id| state.meetings.remove(id)) {
            Some(_) => xml("<response><returncode>SUCCESS</returncode><messageKey>sentEndMeetingRequest</messageKey><message>A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended.</message></response>".into()),
            None => failed("notFound", "A meeting with that ID does not exist"),
        },
        "isMeetingRunning" => {
            let running = get(&params, "meetingID").and_then(|id| state.meetings.get(id)).is_some_and(|m| m.participants > 0);
            xml(format!("<response><returncode>SUCCESS</returncode><running>{running}</running></response>"))
        }
        "getMeetingInfo" => match get(&params, "meetingID").and_then(|id| state.meetings.get(id)) {
            Some(meeting) => {
                let mut out = String::from("<response><returncode>SUCCESS</returncode>");
                meeting_fields(&mut out, meeting);
                out.push_str("</response>");
                xml(out)
            }
            None => failed("notFound", "A meeting with that ID does not exist"),
        },
        "getMeetings" => {
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
        "insertDocument" => match get(&params, "meetingID").and_then(|id| state.meetings.get(id)) {
            Some(_) if !body.is_empty() => xml("<response><returncode>SUCCESS</returncode></response>".into()),
            Some(_) => failed("missingParamDocument", "No document was supplied"),
            None => failed("notFound", "A meeting with that ID does not exist"),
        },
        "sendChatMessage" => match get(&params, "meetingID").and_then(|id| state.meetings.get(id)) {
            Some(_) => xml("<response><returncode>SUCCESS</returncode><messageKey>messageSent</messageKey><message>Message successfully sent</message></response>".into()),
            None => failed("meetingNotFound", "Meeting not found"),
        },
        _ => failed("unsupportedRequest", "This request is not supported."),
    }
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
    let now = crate::db::now_ms();
    let mut internal = hex::encode(Algorithm::Sha1.digest(&[id.as_bytes()]));
    let _ = write!(internal, "-{now}");
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
        internal_id: internal,
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
