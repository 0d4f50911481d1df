//! `/scalelite/api/<action>`: the admin API of Ruby Scalelite, JSON in and out.
//!
//! Every call is checked in one place, in this order: a known action and method (else BBB
//! `unsupportedRequest`), the checksum over `action + query + body` with the load-balancer secrets (else
//! `checksumError`), `application/json` for a non-empty body (else `unsupportedContentType`), valid JSON
//! (else a 400). Then the action runs on the database and answers with Ruby Scalelite's JSON and status.

use actix_web::http::{Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::actors::messages::Reload;
use crate::admin::{servers, tenants};
use crate::app::AppState;
use crate::bbb::checksum;
use crate::bbb::client::BbbClient;
use crate::db::models::server::{Server, ServerState};
use crate::db::models::tenant::Tenant;
use crate::db::{self, DbConnection};
use crate::error::{AdminError, BbbError};

/// The largest request body accepted.
pub const MAX_BODY: usize = 1 << 20;

/// The admin routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/scalelite/api/{action}", web::to(call));
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    GetServers,
    GetServerInfo,
    AddServer,
    UpdateServer,
    DeleteServer,
    PanicServer,
    GetTenants,
    GetTenantInfo,
    AddTenant,
    UpdateTenant,
    DeleteTenant,
}

impl Action {
    fn parse(name: &str) -> Option<Action> {
        Some(match name {
            "getServers" => Action::GetServers,
            "getServerInfo" => Action::GetServerInfo,
            "addServer" => Action::AddServer,
            "updateServer" => Action::UpdateServer,
            "deleteServer" => Action::DeleteServer,
            "panicServer" => Action::PanicServer,
            "getTenants" => Action::GetTenants,
            "getTenantInfo" => Action::GetTenantInfo,
            "addTenant" => Action::AddTenant,
            "updateTenant" => Action::UpdateTenant,
            "deleteTenant" => Action::DeleteTenant,
            _ => return None,
        })
    }

    fn method(self) -> Method {
        match self {
            Action::GetServers | Action::GetServerInfo | Action::GetTenants | Action::GetTenantInfo => Method::GET,
            _ => Method::POST,
        }
    }

    fn is_tenant_action(self) -> bool {
        matches!(
            self,
            Action::GetTenants
                | Action::GetTenantInfo
                | Action::AddTenant
                | Action::UpdateTenant
                | Action::DeleteTenant
        )
    }
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
    let action = Action::parse(&name).filter(|a| a.method() == request.method());
    let Some(action) = action else {
        return Err(BbbError::unsupported_request().into());
    };
    checksum::verify(&name, request.query_string(), &body, &state.secrets, &state.config.checksum_algorithms).map_err(
        |e| {
            log::info!("admin {name}: checksum refused: {e}");
            BbbError::checksum()
        },
    )?;
    if !body.is_empty() && !is_json(&request) {
        return Err(BbbError::unsupported_content_type().into());
    }
    let input = Input::parse(&request, &body)?;
    if action.is_tenant_action() && !state.config.multitenancy_enabled {
        return Err(AdminError::new(StatusCode::PRECONDITION_FAILED, "Multitenancy is disabled").as_message().into());
    }
    let answer = run(action, input, &state).await?;
    if action.method() == Method::POST {
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

/// Whether a JSON value holds a NUL character in any string or key.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(key, v)| key.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// The JSON body (an empty object when there is none) and the query parameters.
struct Input {
    body: Value,
    query: Vec<(String, String)>,
}

impl Input {
    fn parse(request: &HttpRequest, body: &[u8]) -> Result<Input, AdminError> {
        let body = if body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(body).map_err(|e| AdminError::bad_request(format!("Invalid JSON: {e}")))?
        };
        if !body.is_object() {
            return Err(AdminError::bad_request("The request body must be a JSON object"));
        }
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(request.query_string().as_bytes()).into_owned().collect();
        // No database stores a NUL in text (PostgreSQL refuses it), and no name, URL or secret holds one.
        if holds_nul(&body) || query.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return Err(AdminError::bad_request("The request holds a NUL character"));
        }
        Ok(Input { body, query })
    }

    /// The object under `key` of the body (`server`, `tenant`), or an empty one.
    fn object(&self, key: &str) -> Result<&Value, AdminError> {
        static EMPTY: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| json!({}));
        match self.body.get(key) {
            None | Some(Value::Null) => Ok(&EMPTY),
            Some(v) if v.is_object() => Ok(v),
            Some(_) => Err(AdminError::bad_request(format!("'{key}' must be a JSON object"))),
        }
    }

    /// The `id` of the body, or of the query string.
    fn id(&self) -> Result<String, AdminError> {
        match text(&self.body, "id")? {
            Some(id) if !id.is_empty() => Ok(id),
            _ => self
                .query
                .iter()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| AdminError::bad_request("The parameter 'id' is required")),
        }
    }
}

/// A string field; numbers are taken as their text.
fn text(object: &Value, key: &str) -> Result<Option<String>, AdminError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(AdminError::bad_request(format!("'{key}' must be a string"))),
    }
}

/// A load multiplier given as a number or a numeric string.
fn multiplier(object: &Value) -> Result<Option<f64>, AdminError> {
    let invalid = || AdminError::bad_request("Load-multiplier must be a non-zero number");
    match object.get("load_multiplier") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or_else(invalid),
        Some(Value::String(s)) => s.trim().parse::<f64>().map(Some).map_err(|_| invalid()),
        Some(_) => Err(invalid()),
    }
}

/// A boolean given as `true`, `"true"`, … .
fn flag(object: &Value, key: &str) -> Result<bool, AdminError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if matches!(s.as_str(), "true" | "1") => Ok(true),
        Some(Value::String(s)) if matches!(s.as_str(), "false" | "0" | "") => Ok(false),
        Some(_) => Err(AdminError::bad_request(format!("'{key}' must be true or false"))),
    }
}

async fn on_db<T, F>(state: &AppState, work: F) -> Result<T, AdminError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, AdminError> + Send + 'static,
    T: Send + 'static,
{
    db::run(&state.pool, work).await
}

async fn run(action: Action, input: Input, state: &AppState) -> Result<HttpResponse, AdminError> {
    let ok = |value: Value| HttpResponse::Ok().json(value);
    let created = |value: Value| HttpResponse::Created().json(value);
    match action {
        Action::GetServers => {
            let all = on_db(state, |c| Ok(Server::all(c)?)).await?;
            if all.is_empty() {
                return Err(AdminError::not_found("No servers are configured"));
            }
            Ok(ok(Value::Array(all.iter().map(servers::to_json).collect())))
        }
        Action::GetServerInfo => {
            let id = input.id()?;
            let server = on_db(state, move |c| servers::get(c, &id)).await?;
            Ok(ok(servers::to_json(&server)))
        }
        Action::AddServer => {
            let fields = input.object("server")?;
            let (url, secret) = (text(fields, "url")?.unwrap_or_default(), text(fields, "secret")?.unwrap_or_default());
            if url.is_empty() || secret.is_empty() {
                return Err(AdminError::bad_request("Server needs a URL and a secret"));
            }
            let checksum_algorithm = match text(fields, "checksum_algorithm")? {
                Some(name) => servers::parse_algorithm(&name)?,
                None => state.config.default_server_checksum,
            };
            let new = servers::NewServer {
                url,
                secret,
                load_multiplier: multiplier(fields)?,
                tag: text(fields, "tag")?,
                checksum_algorithm: Some(checksum_algorithm),
            };
            let by_hostname = state.config.server_id_is_hostname;
            let server = on_db(state, move |c| servers::add(c, new, by_hostname)).await?;
            Ok(created(servers::to_json(&server)))
        }
        Action::UpdateServer => {
            let id = input.id()?;
            let fields = input.object("server")?;
            let state_change = match text(fields, "state")?.as_deref() {
                None => None,
                Some("enable") => Some(ServerState::Enabled),
                Some("cordon") => Some(ServerState::Cordoned),
                Some("disable") => Some(ServerState::Disabled),
                Some(other) => return Err(AdminError::bad_request(format!("Invalid state parameter: {other}"))),
            };
            let change = servers::ServerUpdate {
                url: None,
                secret: text(fields, "secret")?,
                load_multiplier: multiplier(fields)?,
                tag: text(fields, "tag")?.map(Some),
                state: state_change,
                checksum_algorithm: text(fields, "checksum_algorithm")?
                    .as_deref()
                    .map(servers::parse_algorithm)
                    .transpose()?,
            };
            let server = on_db(state, move |c| servers::update(c, &id, change)).await?;
            Ok(ok(servers::to_json(&server)))
        }
        Action::DeleteServer => {
            let id = input.id()?;
            let shown = id.clone();
            on_db(state, move |c| servers::remove(c, &id)).await?;
            Ok(ok(json!({ "success": format!("Server id={shown} was destroyed") })))
        }
        Action::PanicServer => {
            let id = input.id()?;
            let keep_state = flag(&input.body, "keep_state")? || flag(input.object("server")?, "keep_state")?;
            let shown = id.clone();
            let (server, meetings) = on_db(state, move |c| servers::panic(c, &id, keep_state)).await?;
            state.shared.forget_server(&server.id);
            let client = BbbClient::new(state.config.connect_timeout, state.config.response_timeout);
            servers::end_meetings(&client, &server, &meetings).await;
            let what = if keep_state { "has kept its state" } else { "has been disabled" };
            Ok(ok(json!({ "success": format!("Server id={shown} {what} and the meetings have been destroyed") })))
        }
        Action::GetTenants => {
            let all = on_db(state, |c| Ok(Tenant::all(c)?)).await?;
            if all.is_empty() {
                return Ok(ok(json!({ "message": "No tenants exist" })));
            }
            Ok(ok(Value::Array(all.iter().map(tenants::to_json).collect())))
        }
        Action::GetTenantInfo => {
            let id = input.id()?;
            let tenant = on_db(state, move |c| tenants::get(c, &id)).await?;
            Ok(ok(tenants::to_json_full(&tenant)))
        }
        Action::AddTenant => {
            let fields = input.object("tenant")?;
            let name = text(fields, "name")?.unwrap_or_default();
            let secrets = text(fields, "secrets")?.unwrap_or_default();
            let tenant = on_db(state, move |c| tenants::add(c, &name, &secrets)).await?;
            Ok(created(json!({ "tenant": tenants::to_json_full(&tenant) })))
        }
        Action::UpdateTenant => {
            let id = input.id()?;
            let fields = input.object("tenant")?;
            let change = tenants::TenantUpdate { name: text(fields, "name")?, secrets: text(fields, "secrets")? };
            let tenant = on_db(state, move |c| tenants::update(c, &id, change)).await?;
            Ok(ok(json!({ "tenant": tenants::to_json_full(&tenant) })))
        }
        Action::DeleteTenant => {
            let id = input.id()?;
            let shown = id.clone();
            on_db(state, move |c| tenants::remove(c, &id)).await?;
            Ok(ok(json!({ "success": format!("Tenant id={shown} was destroyed") })))
        }
    }
}
