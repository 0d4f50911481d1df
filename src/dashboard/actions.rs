//! The dashboard's actions — cordon, enable, disable, panic (after a confirmation), retry a failed import, end a
//! meeting — each a form POST carrying the session's CSRF token, taken only by an operator, and logged with who
//! took it. They do what the admin API and the CLI do, through the same functions.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{auth, html, session, without_session, Message};
use crate::actors::messages::Reload;
use crate::admin::api::{on_db, urgent};
use crate::admin::servers;
use crate::app::AppState;
use crate::db::models::server::ServerState;
use crate::error::AdminError;
use crate::recordings::spool;

/// A form that carries only the CSRF token (sign-out).
#[derive(Deserialize)]
pub struct CsrfOnly {
    pub csrf: String,
}

/// An action's form.
#[derive(Deserialize)]
pub struct ActionForm {
    csrf: String,
    action: String,
    target: String,
    /// A meeting's tenant name (`–` or empty: none).
    #[serde(default)]
    tenant: String,
    /// `yes` once a panic is confirmed.
    #[serde(default)]
    confirm: String,
}

fn message(status: StatusCode, title: &str, text: &str) -> HttpResponse {
    html(status, Message { title, text, csrf: "", confirm: None }.render())
}

fn back(done: &str) -> HttpResponse {
    let done: String = url::form_urlencoded::byte_serialize(done.as_bytes()).collect();
    HttpResponse::SeeOther().insert_header((header::LOCATION, format!("{}?done={done}", auth::BASE))).finish()
}

/// `POST /scalelite/dashboard/action`.
pub async fn act(request: HttpRequest, form: web::Form<ActionForm>, state: web::Data<AppState>) -> HttpResponse {
    let session = match session(&request, &state).await {
        Ok(session) => session,
        Err(why) => return without_session(why),
    };
    let form = form.into_inner();
    if !auth::same_token(&form.csrf, &session.csrf) {
        log::warn!("dashboard: {} sent {} without this session's CSRF token", session.user, form.action);
        return message(StatusCode::FORBIDDEN, "Refused", "This form has expired: reload the page and try again.");
    }
    if session.role != "operator" {
        log::warn!("dashboard: {} ({}) was refused {} {}", session.user, session.role, form.action, form.target);
        let text = format!(
            "Your account ({}) may look but not act: {} needs an operator's account.",
            session.role, form.action
        );
        return message(StatusCode::FORBIDDEN, "Refused", &text);
    }
    if form.action == "panic" && form.confirm != "yes" {
        let text =
            format!("Panic ends every meeting on {} and disables it. Its users are cut off at once.", form.target);
        let confirm = Some(("panic", form.target.as_str()));
        let page = Message { title: "Panic this server?", text: &text, csrf: &session.csrf, confirm };
        return html(StatusCode::OK, page.render());
    }
    let who = session.user.clone();
    match run(&state, &form).await {
        Ok(done) => {
            log::info!("dashboard: {who} {} {}: {done}", form.action, form.target);
            back(&done)
        }
        Err(e) => {
            log::warn!("dashboard: {who} {} {} failed: {}", form.action, form.target, e.message);
            message(StatusCode::UNPROCESSABLE_ENTITY, "Not done", &e.message)
        }
    }
}

/// Does the action; what was done, in words.
async fn run(state: &AppState, form: &ActionForm) -> Result<String, AdminError> {
    let target = form.target.clone();
    let server_state = match form.action.as_str() {
        "cordon" => Some(ServerState::Cordoned),
        "enable" => Some(ServerState::Enabled),
        "disable" => Some(ServerState::Disabled),
        _ => None,
    };
    if let Some(to) = server_state {
        let server = on_db(state, move |c| servers::set_state(c, &target, to)).await?;
        state.scheduler.do_send(Reload);
        return Ok(format!("Server {} is {}.", server.id, server.state));
    }
    match form.action.as_str() {
        "panic" => {
            let (server, ended) = urgent::panic(state, target, false).await?;
            state.scheduler.do_send(Reload);
            Ok(format!("Server {} is disabled; its {ended} meeting(s) were ended.", server.id))
        }
        "retry" => {
            let spool_dir = state.config.recording_spool_dir.clone();
            let name = spool::retry(&spool_dir, &target).map_err(|e| AdminError::new(StatusCode::NOT_FOUND, e))?;
            state.recordings.do_send(crate::actors::messages::ImportNow);
            Ok(format!("{name} is back in the spool."))
        }
        "end" => {
            let tenant = Some(form.tenant.clone()).filter(|t| !t.is_empty() && t != "–");
            Ok(format!("{}.", urgent::end_meeting(state, tenant, target).await?))
        }
        other => Err(AdminError::new(StatusCode::BAD_REQUEST, format!("Unknown action {other:?}"))),
    }
}
