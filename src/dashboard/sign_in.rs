//! Signing in and out of the dashboard: the form, the password check (off the database connection, behind the
//! [sign-in guard](crate::rate_limit::sign_in)), the session cookie, and signing out.

use std::time::Instant;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{actions, auth, html, session, unavailable, without_session, NoSession};
use crate::app::AppState;
use crate::db::models::dashboard_user::{DashboardUser, Session};
use crate::db::{self, DbError};
use crate::rate_limit::sign_in::Refusal;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignIn<'a> {
    notice: &'a str,
    error: &'a str,
}

/// The sign-in page with an error, and how many seconds to wait before trying again, if any.
fn refused(status: StatusCode, error: &str, retry_after: Option<u64>) -> HttpResponse {
    let mut response = html(status, SignIn { notice: "", error }.render());
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

#[derive(Deserialize)]
pub(super) struct SignInQuery {
    #[serde(default)]
    expired: String,
}

/// `GET /scalelite/dashboard/sign-in`.
pub(super) async fn form(query: web::Query<SignInQuery>, state: web::Data<AppState>) -> HttpResponse {
    match db::run(&state.pool, DashboardUser::any).await {
        Ok(true) => {}
        Ok(false) => return without_session(NoSession::Off),
        Err(e) => return unavailable(e),
    }
    let notice = if query.expired.is_empty() { "" } else { "Your session has ended: sign in again." };
    html(StatusCode::OK, SignIn { notice, error: "" }.render())
}

#[derive(Deserialize)]
pub(super) struct Credentials {
    name: String,
    password: String,
}

/// `POST /scalelite/dashboard/sign-in`: a session for a good password. The account is read first; the argon2
/// check runs on a blocking thread holding no database connection, when the guard gives it a turn.
pub(super) async fn sign_in(
    request: HttpRequest,
    form: web::Form<Credentials>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Credentials { name, password } = form.into_inner();
    let who = name.clone();
    let account = db::run(&state.pool, move |conn| -> Result<Option<Option<String>>, DbError> {
        if !DashboardUser::any(conn)? {
            return Ok(None);
        }
        Ok(Some(DashboardUser::find(conn, &who)?.map(|user| user.password_hash)))
    })
    .await;
    let stored = match account {
        Ok(None) => return without_session(NoSession::Off),
        Ok(Some(stored)) => stored,
        Err(e) => return unavailable(e),
    };
    let turn = match state.sign_ins.admit(&name, Instant::now()).await {
        Ok(turn) => turn,
        Err(Refusal::Busy) => {
            let error = "Too many sign-ins at once: try again in a few seconds.";
            return refused(StatusCode::SERVICE_UNAVAILABLE, error, Some(5));
        }
        Err(Refusal::Locked(left)) => {
            log::warn!("dashboard: a sign-in as {name:?} was refused: too many failures");
            let minutes = left.as_secs().div_ceil(60);
            let error = format!("Too many failed sign-ins as this account: try again in {minutes} min.");
            return refused(StatusCode::TOO_MANY_REQUESTS, &error, Some(left.as_secs().max(1)));
        }
    };
    let matches = db::blocking(move || Ok(auth::verify_password(stored.as_deref(), &password))).await;
    drop(turn);
    if !matches.unwrap_or(false) {
        state.sign_ins.failed(&name, Instant::now());
        log::warn!("dashboard: a sign-in as {name:?} was refused");
        return refused(StatusCode::UNAUTHORIZED, "That account and password do not match.", None);
    }
    state.sign_ins.succeeded(&name);
    let lifetime = state.config.dashboard.session_timeout;
    let (token, csrf) = (auth::new_token(), auth::new_token());
    let (who, session_token) = (name.clone(), token.clone());
    let started = db::run(&state.pool, move |conn| {
        Session::start(conn, &who, &session_token, &csrf, lifetime.as_millis() as i64)
    })
    .await;
    if let Err(e) = started {
        return unavailable(e);
    }
    log::info!("dashboard: {name} signed in");
    let cookie = auth::cookie(&token, auth::over_tls(&request), lifetime.as_secs());
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, auth::BASE))
        .insert_header((header::SET_COOKIE, cookie))
        .finish()
}

/// `POST /scalelite/dashboard/sign-out`: ends the session (with its CSRF token) and clears the cookie.
pub(super) async fn sign_out(
    request: HttpRequest,
    form: web::Form<actions::CsrfOnly>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let session = match session(&request, &state).await {
        Ok(session) => session,
        Err(why) => return without_session(why),
    };
    if !auth::same_token(&form.csrf, &session.csrf) {
        return HttpResponse::Forbidden().body("This form has expired; reload the page.\n");
    }
    if let Some(token) = auth::token_of(&request) {
        if let Err(e) = db::run(&state.pool, move |conn| Session::end(conn, &token)).await {
            return unavailable(e);
        }
    }
    log::info!("dashboard: {} signed out", session.user);
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/scalelite/dashboard/sign-in"))
        .insert_header((header::SET_COOKIE, auth::cookie("", auth::over_tls(&request), 0)))
        .finish()
}
