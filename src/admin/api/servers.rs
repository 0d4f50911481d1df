//! The server actions of the admin API: Ruby Scalelite's, and the checksum algorithm of each server.

use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::actions::ServerAction;
use super::input::{flag, multiplier, text, Input};
use super::on_db;
use crate::admin::servers;
use crate::app::AppState;
use crate::db::models::server::{Server, ServerState};
use crate::error::AdminError;

pub(super) async fn run(action: ServerAction, input: Input, state: &AppState) -> Result<HttpResponse, AdminError> {
    let ok = |value: Value| HttpResponse::Ok().json(value);
    let created = |value: Value| HttpResponse::Created().json(value);
    match action {
        ServerAction::List => {
            let all = on_db(state, |c| Ok(Server::all(c)?)).await?;
            if all.is_empty() {
                return Err(AdminError::not_found("No servers are configured"));
            }
            Ok(ok(Value::Array(all.iter().map(servers::to_json).collect())))
        }
        ServerAction::Info => {
            let id = input.id()?;
            let server = on_db(state, move |c| servers::get(c, &id)).await?;
            Ok(ok(servers::to_json(&server)))
        }
        ServerAction::Add => {
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
        ServerAction::Update => {
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
        ServerAction::Delete => {
            let id = input.id()?;
            let shown = id.clone();
            on_db(state, move |c| servers::remove(c, &id)).await?;
            Ok(ok(json!({ "success": format!("Server id={shown} was destroyed") })))
        }
        ServerAction::Panic => {
            let id = input.id()?;
            let keep_state = flag(&input.body, "keep_state")? || flag(input.object("server")?, "keep_state")?;
            let shown = id.clone();
            super::urgent::panic(state, id, keep_state).await?;
            // Ruby's words, whether or not the state was kept.
            Ok(ok(
                json!({ "success": format!("Server id={shown} has been disabled and the meetings have been destroyed") }),
            ))
        }
    }
}
