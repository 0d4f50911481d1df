//! Signing in and out of the dashboard: the form, the password check (off the database connection, behind the
//! [sign-in guard](crate::rate_limit::sign_in)), the session cookie, and signing out.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{actions, auth, html, session, unavailable, without_session, NoSession};
use crate::app::AppState;
use crate::db::models::dashboard_user::{DashboardUser, Session};
use crate::db::models::sign_in_failure::{self, Failures};
use crate::db::{self, DbError};
use crate::rate_limit::sign_in::{self, Refusal};

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

/// `POST /scalelite/dashboard/sign-in`: a session for a good password. The account and its name's failures are
/// read first; the argon2 check runs on a blocking thread holding no database connection, when the guard gives
/// it a turn — and the failures are read again then, so that guesses queued together stop at the lock their
/// forerunners made, on any instance.
pub(super) async fn sign_in(
    request: HttpRequest,
    form: web::Form<Credentials>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let Credentials { name, password } = form.into_inner();
    let (who, window) = (name.clone(), state.sign_ins.window_ms());
    let account = db::run(&state.pool, move |conn| -> Result<Option<Attempt>, DbError> {
        if !DashboardUser::any(conn)? {
            return Ok(None);
        }
        let stored = DashboardUser::find(conn, &who)?.map(|user| user.password_hash);
        Ok(Some((stored, failures_of(conn, &who, window)?)))
    })
    .await;
    let (stored, failed) = match account {
        Ok(None) => return without_session(NoSession::Off),
        Ok(Some(found)) => found,
        Err(e) => return unavailable(e),
    };
    if let Err(refusal) = locked(&state, failed) {
        return refusal_page(&name, refusal);
    }
    let turn = match state.sign_ins.turn().await {
        Ok(turn) => turn,
        Err(refusal) => return refusal_page(&name, refusal),
    };
    let who = name.clone();
    let failed = match db::run(&state.pool, move |conn| failures_of(conn, &who, window)).await {
        Ok(failed) => failed,
        Err(e) => return unavailable(e),
    };
    if let Err(refusal) = locked(&state, failed) {
        return refusal_page(&name, refusal);
    }
    let matches = db::blocking(move || Ok(auth::verify_password(stored.as_deref(), &password))).await;
    if !matches.unwrap_or(false) {
        let who = name.clone();
        let counted =
            db::run(&state.pool, move |conn| sign_in_failure::record(conn, sign_in::key(&who), db::now_ms(), window))
                .await;
        drop(turn); // only now: the next check of this name must see this failure
        if let Err(e) = counted {
            log::error!("dashboard: a failed sign-in could not be counted: {e}");
        }
        log::warn!("dashboard: a sign-in as {name:?} was refused");
        return refused(StatusCode::UNAUTHORIZED, "That account and password do not match.", None);
    }
    drop(turn);
    let lifetime = state.config.dashboard.session_timeout;
    let (token, csrf) = (auth::new_token(), auth::new_token());
    let (who, session_token) = (name.clone(), token.clone());
    let started = db::run(&state.pool, move |conn| {
        sign_in_failure::forget(conn, sign_in::key(&who))?;
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

/// What a sign-in is checked against: the account's password hash (none: no such account), and the failures of
/// its name.
type Attempt = (Option<String>, Option<Failures>);

/// The failures of a sign-in's name within the window open now.
fn failures_of(conn: &mut db::DbConnection, name: &str, window_ms: i64) -> Result<Option<Failures>, DbError> {
    sign_in_failure::find(conn, sign_in::key(name), db::now_ms(), window_ms)
}

/// Whether a name with these failures is locked now.
fn locked(state: &AppState, failed: Option<Failures>) -> Result<(), Refusal> {
    failed.map_or(Ok(()), |f| state.sign_ins.lock(f.count, f.first_at, db::now_ms()))
}

/// The page for a sign-in the guard would not check.
fn refusal_page(name: &str, refusal: Refusal) -> HttpResponse {
    match refusal {
        Refusal::Busy => {
            let error = "Too many sign-ins at once: try again in a few seconds.";
            refused(StatusCode::SERVICE_UNAVAILABLE, error, Some(5))
        }
        Refusal::Locked(left) => {
            log::warn!("dashboard: a sign-in as {name:?} was refused: too many failures");
            let minutes = left.as_secs().div_ceil(60);
            let error = format!("Too many failed sign-ins as this account: try again in {minutes} min.");
            refused(StatusCode::TOO_MANY_REQUESTS, &error, Some(left.as_secs().max(1)))
        }
    }
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
