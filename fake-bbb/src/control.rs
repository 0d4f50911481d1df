//! The fake's control endpoints (`/_control/…`) and the benchmark ceiling (a bare join redirect).

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};

use crate::{Mode, Servers};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/_control/counts", web::get().to(counts))
        .route("/_control/users", web::get().to(users))
        .route("/_control/calls/{name}/{call}", web::get().to(calls))
        .route("/_control/{name}/{mode}", web::post().to(control))
        .route("/ceiling/bigbluebutton/api/join", web::get().to(ceiling));
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
async fn calls(path: web::Path<(String, String)>, servers: web::Data<Servers>) -> HttpResponse {
    let (name, call) = path.into_inner();
    match servers.get(&name) {
        Some(server) => HttpResponse::Ok().body(server.calls_of(&call).to_string()),
        None => HttpResponse::NotFound().body("no such fake server"),
    }
}

/// `GET /_control/counts`: meetings per server, as JSON.
async fn counts(servers: web::Data<Servers>) -> HttpResponse {
    let counts: BTreeMap<&String, usize> = servers.iter().map(|(name, s)| (name, s.meeting_count())).collect();
    HttpResponse::Ok().json(counts)
}

/// `GET /_control/users`: participants per server (joins it answered), as JSON.
async fn users(servers: web::Data<Servers>) -> HttpResponse {
    let users: BTreeMap<&String, u32> =
        servers.iter().map(|(name, s)| (name, s.state().meetings.values().map(|m| m.participants).sum())).collect();
    HttpResponse::Ok().json(users)
}

/// `POST /_control/<name>/<mode>`: sets a server's mode (`Mode::parse`).
async fn control(path: web::Path<(String, String)>, servers: web::Data<Servers>) -> HttpResponse {
    let (name, mode) = path.into_inner();
    let Some(server) = servers.get(&name) else { return HttpResponse::NotFound().body("no such fake server") };
    match Mode::parse(&mode) {
        Some(mode) => {
            server.set_mode(mode);
            HttpResponse::Ok().body("ok")
        }
        None => HttpResponse::BadRequest()
            .body("modes: normal, hang, garbage, http500, stall, drip, endless, deep, slow-<ms>"),
    }
}
