//! The declarative state through the admin API: `getState` answers the pool as JSON (the shape of
//! `scalelite state export`), `applyState` makes the pool match one and returns the changes.

use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::actions::StateAction;
use super::input::{flag, text, Input};
use super::on_db;
use crate::admin::servers;
use crate::admin::state_file::{self, StateFile};
use crate::admin::sync::SyncMode;
use crate::app::AppState;
use crate::bbb::client::BbbClient;
use crate::db::models::server::Server;
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
use crate::error::AdminError;

pub(super) async fn run(action: StateAction, input: Input, state: &AppState) -> Result<HttpResponse, AdminError> {
    match action {
        StateAction::Export => {
            let with_tenants = state.config.multitenancy_enabled;
            let exported = on_db(state, move |c| {
                let servers = Server::all(c)?;
                let tenants = if with_tenants { Some((Tenant::all(c)?, TenantSetting::all(c)?)) } else { None };
                let view = state_file::export(&servers, tenants.as_ref().map(|(t, s)| (&t[..], &s[..])), false);
                serde_json::to_value(view).map_err(|e| AdminError::bad_request(e.to_string()))
            })
            .await?;
            Ok(HttpResponse::Ok().json(exported))
        }
        StateAction::Apply => {
            let wanted = input.body.get("state").cloned().unwrap_or(Value::Null);
            let file: StateFile =
                serde_json::from_value(wanted).map_err(|e| AdminError::bad_request(format!("Invalid state: {e}")))?;
            state_file::check(&file, state.config.multitenancy_enabled)?;
            let mode = match text(&input.body, "mode")?.as_deref() {
                None | Some("cordon") => SyncMode::Cordon,
                Some("keep") => SyncMode::Keep,
                Some("force") => SyncMode::Force,
                Some(other) => {
                    return Err(AdminError::bad_request(format!("Invalid mode: {other} (keep, cordon or force)")))
                }
            };
            let dry_run = flag(&input.body, "dry_run")?;
            let default_checksum = state.config.default_server_checksum;
            let (changes, to_end) = on_db(state, move |c| {
                let mut plan = state_file::plan(c, file, mode)?;
                plan.fill_default_checksum(default_checksum);
                let changes = plan.lines(dry_run);
                let to_end = if dry_run { Vec::new() } else { state_file::apply(c, plan)? };
                Ok((changes, to_end))
            })
            .await?;
            let client = BbbClient::of_this_thread(state.config.connect_timeout, state.config.response_timeout);
            for (server, meetings) in &to_end {
                state.shared.forget_server(&server.id);
                servers::end_meetings(&client, server, meetings).await;
            }
            Ok(HttpResponse::Ok().json(json!({ "dry_run": dry_run, "changes": changes })))
        }
    }
}
