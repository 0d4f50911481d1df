//! `/scalelite/api/<action>`: the admin API of Ruby Scalelite, JSON in and out, with what our CLI can do too
//! (tenant settings, meetings, the declarative state), and its OpenAPI document at `/scalelite/api/openapi.json`.
//!
//! Every call is checked in one place, in this order: a known action and method (else BBB
//! `unsupportedRequest`), `application/json` for a non-empty body (else `unsupportedContentType`, as Ruby checks
//! it first), the checksum over `action + query + body` with the load-balancer secrets (else `checksumError`),
//! valid JSON (else a 400). Then the action runs on the database and answers with Ruby Scalelite's JSON and status.

pub mod actions;
mod input;
mod meetings;
pub mod openapi;
mod servers;
mod state;
mod tenants;
pub mod urgent;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::actors::messages::Reload;
use crate::app::AppState;
use crate::bbb::checksum;
use crate::db::{self, DbConnection};
use crate::error::{AdminError, BbbError};
use actions::{Action, ActionDef};
use input::Input;

/// The largest request body accepted.
pub const MAX_BODY: usize = 1 << 20;

/// The admin routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/scalelite/api/openapi.json", web::get().to(openapi::serve));
    cfg.route("/scalelite/api/{action}", web::to(call));
}

/// Checks a request and runs its action.
async fn call(
    request: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let name = path.into_inner();
    let body = crate::request_body::read(payload, MAX_BODY, state.config.request_body_timeout)
        .await
        .map_err(AdminError::from)?;
    let Some(def) = ActionDef::find(&name).filter(|a| a.method() == request.method()) else {
        return Err(BbbError::unsupported_request().into());
    };
    // As Ruby Scalelite: the content type first, whatever the checksum.
    if !body.is_empty() && !is_json(&request) {
        return Err(BbbError::unsupported_content_type().into());
    }
    checksum::verify(&name, request.query_string(), &body, &state.secrets, &state.config.checksum_algorithms).map_err(
        |e| {
            log::info!("admin {name}: checksum refused: {e}");
            BbbError::checksum()
        },
    )?;
    let input = Input::parse(&request, &body)?;
    if def.tenants_only && !state.config.multitenancy_enabled {
        return Err(AdminError::new(StatusCode::PRECONDITION_FAILED, "Multitenancy is disabled").as_message().into());
    }
    let answer = match def.action {
        Action::Servers(action) => servers::run(action, input, &state).await?,
        Action::Tenants(action) => tenants::run(action, input, &state).await?,
        Action::Meetings(action) => meetings::run(action, input, &state).await?,
        Action::State(action) => state::run(action, input, &state).await?,
    };
    if def.post {
        state.scheduler.do_send(Reload);
    }
    Ok(answer)
}

fn is_json(request: &HttpRequest) -> bool {
    request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Runs database work off the async workers.
pub(crate) async fn on_db<T, F>(state: &AppState, work: F) -> Result<T, AdminError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AdminError> + Send + 'static,
    T: Send + 'static,
{
    db::run(&state.pool, work).await
}
