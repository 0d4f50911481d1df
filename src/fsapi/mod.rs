//! `POST /fsapi`: dial-in for FreeSWITCH's mod_xml_curl, as Ruby Scalelite answers it. A caller dials the pool's
//! number and types a conference PIN (a meeting's voice bridge, unique across the pool and its tenants; a
//! breakout room's PIN has one digit more); FreeSWITCH asks here for the dial plan and is sent to the meeting's
//! server. HTTP basic auth as user `fsapi` with `FSAPI_PASSWORD`.

pub mod dialplan;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::db::models::meeting::Meeting;
use crate::db::models::server::Server;
use crate::db::{self, DbError};
use dialplan::Prompt;

/// The largest form accepted (mod_xml_curl sends a few kilobytes of channel variables).
const MAX_BODY: usize = 64 << 10;

/// The route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/fsapi", web::post().to(fsapi));
}

fn authorized(request: &HttpRequest, state: &AppState) -> bool {
    let Some(password) = &state.config.fsapi.password else { return true };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok());
    let Some((user, pass)) = given.as_deref().and_then(|c| c.split_once(':')) else { return false };
    user == "fsapi" && bool::from(pass.as_bytes().ct_eq(password.expose().as_bytes()))
}

fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("application/xml; charset=utf-8").body(body)
}

/// Handles a mod_xml_curl request.
pub async fn fsapi(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    if !authorized(&request, &state) {
        let realm = state.config.url_host.clone().unwrap_or_default();
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, format!("Basic realm=\"{realm}\"")))
            .body("HTTP Basic: Access denied.\n");
    }
    let body = match crate::request_body::read(payload, MAX_BODY, state.config.request_body_timeout).await {
        Ok(body) => body,
        Err(e) => {
            log::info!("fsapi: {e}");
            return HttpResponse::BadRequest().body(e.to_string());
        }
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| fields.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let destination = field("Caller-Destination-Number").filter(|d| !d.is_empty());
    let (Some("dialplan"), Some(destination)) = (field("section"), destination) else {
        log::warn!("fsapi: not a dial plan request with a destination number");
        return xml(dialplan::reject());
    };
    let fsapi = &state.config.fsapi;
    let prompt = Prompt {
        min_digits: fsapi.pin_min_digits,
        max_digits: fsapi.pin_max_digits,
        hangup_after_secs: u64::from(fsapi.max_duration) * 60,
    };
    let Some(pin) = field("variable_pin").filter(|p| !p.is_empty()) else {
        return xml(dialplan::pin_prompt(destination, &prompt));
    };
    let wanted = pin.to_string();
    // The meeting, its server and the server's host; none when any is missing (the caller is prompted again).
    let found = db::run(&state.pool, move |conn| -> Result<Option<(Meeting, Server, String)>, DbError> {
        let mut meeting = Meeting::find_by_voice_bridge(conn, &wanted)?;
        // A breakout room's PIN is its parent's voice bridge and one more digit.
        if meeting.is_none() && wanted.len() > 5 {
            if let Some(parent) = wanted.get(..wanted.len() - 1) {
                meeting = Meeting::find_by_voice_bridge(conn, parent)?;
            }
        }
        let Some(meeting) = meeting else { return Ok(None) };
        let Some(server) = Server::find(conn, &meeting.server_id)? else { return Ok(None) };
        Ok(server.host().map(|host| (meeting, server, host)))
    })
    .await;
    match found {
        Ok(Some((meeting, server, server_host))) => {
            let caller = dialplan::caller_id(
                field("Caller-Caller-ID-Name"),
                field("Caller-Privacy-Hide-Name"),
                field("Caller-Privacy-Hide-Number"),
            );
            log::info!("fsapi: bridging a call into meeting {} on server {}", meeting.meeting_id, server.id);
            xml(dialplan::bridge(destination, &meeting.bbb_meeting_id, &caller, pin, &server_host))
        }
        Ok(_) => {
            log::info!("fsapi: PIN {pin} matches no running meeting; prompting again");
            xml(dialplan::pin_reprompt(destination, &prompt))
        }
        Err(e) => {
            log::warn!("fsapi: {e}");
            HttpResponse::ServiceUnavailable().body("the database is unavailable")
        }
    }
}
