//! The operator's page at `/scalelite/dashboard`: the pool at a glance (servers and their load over time,
//! meetings and their server, tenants, the import queue), refreshed every few seconds by a small embedded script,
//! and the few actions taken under pressure ([`actions`]). Server-rendered with askama; its assets are in the
//! binary. Off (404, nothing shown) until a dashboard account exists (`scalelite dashboard-user add`).

pub mod actions;
pub mod auth;
pub mod chart;
mod sign_in;
pub mod view;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::app::AppState;
use crate::db::models::dashboard_user::{DashboardUser, Session};
use crate::db::{self, DbError};
use view::Overview;

#[derive(Template)]
#[template(path = "page.html")]
struct Page<'a> {
    user: &'a str,
    role: &'a str,
    csrf: &'a str,
    notice: &'a str,
    chart_hours: i64,
    overview: &'a Overview,
}

#[derive(Template)]
#[template(path = "live.html")]
struct Live<'a> {
    csrf: &'a str,
    chart_hours: i64,
    overview: &'a Overview,
}

#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct Message<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub csrf: &'a str,
    /// An action to confirm: (action, target).
    pub confirm: Option<(&'a str, &'a str)>,
}

/// The dashboard's routes; registered before playback, whose `/{format}/{id}/…` would take them.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/scalelite/dashboard", web::get().to(page))
        .route("/scalelite/dashboard/live", web::get().to(live))
        .route("/scalelite/dashboard/sign-in", web::get().to(sign_in::form))
        .route("/scalelite/dashboard/sign-in", web::post().to(sign_in::sign_in))
        .route("/scalelite/dashboard/sign-out", web::post().to(sign_in::sign_out))
        .route("/scalelite/dashboard/action", web::post().to(actions::act))
        .route("/scalelite/dashboard/style.css", web::get().to(style))
        .route("/scalelite/dashboard/live.js", web::get().to(script));
}

/// An HTML answer, never cached, framed by no other site.
pub(crate) fn html(status: actix_web::http::StatusCode, body: Result<String, askama::Error>) -> HttpResponse {
    match body {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header(("X-Frame-Options", "DENY"))
            .insert_header(("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"))
            .body(body),
        Err(e) => {
            log::error!("dashboard: a page could not be rendered: {e}");
            HttpResponse::InternalServerError().body("The page could not be rendered.\n")
        }
    }
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

pub(crate) fn unavailable(e: DbError) -> HttpResponse {
    log::warn!("dashboard: {e}");
    HttpResponse::ServiceUnavailable().body("The database is unavailable; try again shortly.\n")
}

/// Why a request has no session.
pub(crate) enum NoSession {
    /// No dashboard account exists: the dashboard is off.
    Off,
    /// Not signed in, or the session has ended.
    SignIn,
    Db(DbError),
}

/// The request's live session.
pub(crate) async fn session(request: &HttpRequest, state: &AppState) -> Result<Session, NoSession> {
    let token = auth::token_of(request);
    let found = db::run(&state.pool, move |conn| -> Result<Result<Session, NoSession>, DbError> {
        if !DashboardUser::any(conn)? {
            return Ok(Err(NoSession::Off));
        }
        let Some(token) = token else { return Ok(Err(NoSession::SignIn)) };
        Ok(Session::of_token(conn, &token)?.ok_or(NoSession::SignIn))
    })
    .await;
    found.unwrap_or_else(|e| Err(NoSession::Db(e)))
}

/// The answer for a page request without a session: 404 when off, else to the sign-in page.
pub(crate) fn without_session(why: NoSession) -> HttpResponse {
    match why {
        NoSession::Off => HttpResponse::NotFound().body("Not Found\n"),
        NoSession::SignIn => see_other("/scalelite/dashboard/sign-in?expired=1"),
        NoSession::Db(e) => unavailable(e),
    }
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    done: String,
}

async fn overview(state: &AppState, search: String) -> Result<Overview, HttpResponse> {
    let spool = state.config.recording_spool_dir.clone();
    db::run(&state.pool, move |conn| view::collect(conn, &spool, &search, db::now_ms())).await.map_err(|e| {
        log::warn!("dashboard: {}", e.message);
        HttpResponse::ServiceUnavailable().body("The database is unavailable; try again shortly.\n")
    })
}

/// `GET /scalelite/dashboard[?q=<meeting ID>]`: the whole page.
async fn page(request: HttpRequest, query: web::Query<PageQuery>, state: web::Data<AppState>) -> HttpResponse {
    let session = match session(&request, &state).await {
        Ok(session) => session,
        Err(why) => return without_session(why),
    };
    let query = query.into_inner();
    let overview = match overview(&state, query.q).await {
        Ok(overview) => overview,
        Err(response) => return response,
    };
    let page = Page {
        user: &session.user,
        role: &session.role,
        csrf: &session.csrf,
        notice: &query.done,
        chart_hours: view::CHART_HOURS,
        overview: &overview,
    };
    html(actix_web::http::StatusCode::OK, page.render())
}

/// `GET /scalelite/dashboard/live`: the page's figures alone, for the script's refresh; 401 without a session.
async fn live(request: HttpRequest, query: web::Query<PageQuery>, state: web::Data<AppState>) -> HttpResponse {
    let session = match session(&request, &state).await {
        Ok(session) => session,
        Err(NoSession::SignIn) => return HttpResponse::Unauthorized().body("Sign in again.\n"),
        Err(why) => return without_session(why),
    };
    let overview = match overview(&state, query.into_inner().q).await {
        Ok(overview) => overview,
        Err(response) => return response,
    };
    let live = Live { csrf: &session.csrf, chart_hours: view::CHART_HOURS, overview: &overview };
    html(actix_web::http::StatusCode::OK, live.render())
}

async fn style() -> HttpResponse {
    HttpResponse::Ok().content_type("text/css; charset=utf-8").body(include_str!("assets/style.css"))
}

async fn script() -> HttpResponse {
    HttpResponse::Ok().content_type("text/javascript; charset=utf-8").body(include_str!("assets/live.js"))
}
