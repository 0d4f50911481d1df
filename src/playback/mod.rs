//! Playback routes (Ruby Scalelite's §7): `/recording/<id>/<format>` checks a protected recording's one-time
//! token, sets its cookie and redirects to the player; `/<format>/<id>/…` serves the recording's files (or
//! hands them to nginx, or to the bucket: [`bucket`]); the bbb-playback player and the legacy redirects that
//! nginx did for Ruby Scalelite.
//! A recording is shown only when published and, on a tenant's host, only when it is that tenant's.

pub mod bucket;
pub mod cookie;
pub mod files;
pub mod not_found;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::api::unsupported_request;
use crate::app::AppState;
use crate::db::models::recording::{FormatRow, Recording};
use crate::db::models::token;
use crate::db::{self, now_ms, DbError};
use crate::http::host_label;
use crate::recordings::storage::Storage;

/// The playback routes; registered after the API and admin routes, whose static prefixes win.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/playback/presentation/2.0/playback.html", web::get().to(legacy_presentation))
        .route("/playback/presentation/2.3/{tail:.*}", web::get().to(player))
        .route("/playback/video/{tail:.*}", web::get().to(legacy_video))
        .route("/recording/screenshare/{tail:.*}", web::get().to(legacy_screenshare))
        .route("/recording/{record_id}/{format}", web::get().to(play))
        .route("/{format}/{record_id}/{tail:.*}", web::get().to(resource));
}

/// The tenant a request's host names (its first label), with multitenancy; `None` for a host that names
/// no tenant.
fn host_tenant(request: &HttpRequest, state: &AppState) -> Option<String> {
    if !state.config.multitenancy_enabled {
        return None;
    }
    state.shared.tenant(&host_label(request)).map(|t| t.id.clone())
}

/// Whether a recording may be played through this host: published, and the host's tenant's if it names one.
fn visible(recording: &Recording, host_tenant: Option<&str>) -> bool {
    recording.published && host_tenant.is_none_or(|tenant| tenant == recording.tenant_id)
}

fn unavailable(e: DbError) -> HttpResponse {
    log::warn!("playback: {e}");
    HttpResponse::ServiceUnavailable().body("The recordings database is unavailable; try again shortly.\n")
}

fn query_param(request: &HttpRequest, key: &str) -> Option<String> {
    url::form_urlencoded::parse(request.query_string().as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// `GET /recording/<record_id>/<format>[?token=…]`: a 307 to the player, with the playback cookie for a
/// protected recording whose one-time token is good.
async fn play(request: HttpRequest, path: web::Path<(String, String)>, state: web::Data<AppState>) -> HttpResponse {
    if state.config.recording_disabled {
        return not_found::page();
    }
    let (record_id, format) = path.into_inner();
    let given = query_param(&request, "token");
    let tenant = host_tenant(&request, &state);
    let (id, fmt) = (record_id.clone(), format.clone());
    let found = db::run(&state.pool, move |conn| -> Result<Option<(String, bool)>, DbError> {
        let (Some(playback), Some(recording)) = (FormatRow::find(conn, &id, &fmt)?, Recording::find(conn, &id)?) else {
            return Ok(None);
        };
        if !visible(&recording, tenant.as_deref()) {
            return Ok(None);
        }
        if recording.protected {
            let Some(given) = given.filter(|t| token::well_formed(t)) else {
                return Ok(None);
            };
            if !token::consume(conn, &given, &id, &fmt)? {
                return Ok(None);
            }
        }
        Ok(Some((playback.url, recording.protected)))
    })
    .await;
    let (url, protected) = match found {
        Ok(Some(found)) => found,
        Ok(None) => return not_found::page(),
        Err(e) => return unavailable(e),
    };
    let mut response = HttpResponse::TemporaryRedirect();
    response.insert_header((header::LOCATION, url));
    if protected {
        let agent = request.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let lifetime = state.config.protected_recordings_timeout.as_secs() as i64;
        let key = &state.cookie_key;
        let value = cookie::set_cookie(&format, &record_id, key, now_ms() / 1000, lifetime, agent);
        response.insert_header((header::SET_COOKIE, value));
    }
    response.finish()
}

/// Whether the request carries a playback cookie for this recording's format.
fn has_cookie(request: &HttpRequest, state: &AppState, format: &str, record_id: &str) -> bool {
    let name = cookie::name(format, record_id);
    let now = now_ms() / 1000;
    request.headers().get_all(header::COOKIE).filter_map(|v| v.to_str().ok()).any(|line| {
        cookie::read(line, &name).is_some_and(|value| cookie::grants(value, format, record_id, &state.cookie_key, now))
    })
}

/// `GET /<format>/<record_id>/<path>`: a file of a published recording (with its cookie if protected).
async fn resource(
    request: HttpRequest,
    path: web::Path<(String, String, String)>,
    state: web::Data<AppState>,
) -> HttpResponse {
    let (format, record_id, tail) = path.into_inner();
    if !state.config.recording_playback_formats.contains(&format) {
        return unsupported_request().await;
    }
    let Some(relative) = files::safe_relative(&tail).filter(|_| !state.config.recording_disabled) else {
        return not_found::page();
    };
    let tenant = host_tenant(&request, &state);
    let id = record_id.clone();
    let recording = match db::run(&state.pool, move |conn| Recording::find(conn, &id)).await {
        Ok(Some(recording)) if visible(&recording, tenant.as_deref()) => recording,
        Ok(_) => return not_found::page(),
        Err(e) => return unavailable(e),
    };
    if state.config.protected_recordings_enabled
        && recording.protected
        && !has_cookie(&request, &state, &format, &record_id)
    {
        return not_found::page();
    }
    match &state.storage {
        Storage::Bucket(b) => bucket::serve(&request, b, &format, &record_id, &relative).await,
        Storage::Folders(_) if state.config.recording_x_accel_redirect => files::accel_redirect(&request, &format),
        Storage::Folders(store) => {
            files::serve(&request, &store.folder(true, &format, &record_id), &relative, Some(&format)).await
        }
    }
}

/// `GET /playback/presentation/2.3/<path>`: the bbb-playback player from `RECORDING_PLAYER_DIR`; its
/// `index.html` for any path that is not one of its files (the player routes by URL).
async fn player(request: HttpRequest, tail: web::Path<String>, state: web::Data<AppState>) -> HttpResponse {
    let root = &state.config.recording_player_dir;
    let Some(relative) = files::safe_relative(&tail) else {
        return not_found::page();
    };
    let is_file = tokio::fs::metadata(root.join(&relative)).await.is_ok_and(|m| m.is_file());
    let relative = if is_file { relative } else { "index.html".into() };
    files::serve(&request, root, &relative, None).await
}

fn redirect(status: actix_web::http::StatusCode, location: String) -> HttpResponse {
    HttpResponse::build(status).insert_header((header::LOCATION, location)).finish()
}

fn with_query(path: String, request: &HttpRequest) -> String {
    match request.query_string() {
        "" => path,
        query => format!("{path}?{query}"),
    }
}

/// `/playback/presentation/2.0/playback.html?meetingId=X`: 301 to the 2.3 player.
async fn legacy_presentation(request: HttpRequest) -> HttpResponse {
    match query_param(&request, "meetingId") {
        Some(id) if !id.is_empty() => {
            let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
            redirect(actix_web::http::StatusCode::MOVED_PERMANENTLY, format!("/playback/presentation/2.3/{id}"))
        }
        _ => not_found::page(),
    }
}

/// A 307 from `<from><path>` to `<to><path>`, path and query kept as they were sent (still percent-encoded, so
/// an encoded CR or LF stays encoded); anything that cannot be a `Location` is the not-found page.
fn legacy_redirect(request: &HttpRequest, from: &str, to: &str) -> HttpResponse {
    let Some(tail) = request.uri().path().strip_prefix(from) else { return not_found::page() };
    let location = with_query(format!("{to}{tail}"), request);
    match header::HeaderValue::from_str(&location) {
        Ok(value) => HttpResponse::TemporaryRedirect().insert_header((header::LOCATION, value)).finish(),
        Err(_) => not_found::page(),
    }
}

/// `/playback/video/<path>`: 307 to `/video/<path>`.
async fn legacy_video(request: HttpRequest) -> HttpResponse {
    legacy_redirect(&request, "/playback/video/", "/video/")
}

/// `/recording/screenshare/<path>`: 307 to `/screenshare/<path>`.
async fn legacy_screenshare(request: HttpRequest) -> HttpResponse {
    legacy_redirect(&request, "/recording/screenshare/", "/screenshare/")
}
