//! The tenant actions of the admin API: Ruby Scalelite's, switching a tenant on or off, and its settings
//! (Scalelite #1183).

use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::actions::TenantAction;
use super::input::{flag, optional_flag, optional_limit, text, Input};
use super::on_db;
use crate::admin::{tenants, usage};
use crate::app::AppState;
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
use crate::error::AdminError;

pub(super) async fn run(action: TenantAction, input: Input, state: &AppState) -> Result<HttpResponse, AdminError> {
    let ok = |value: Value| HttpResponse::Ok().json(value);
    let created = |value: Value| HttpResponse::Created().json(value);
    match action {
        TenantAction::List => {
            let all = on_db(state, |c| Ok(Tenant::all(c)?)).await?;
            if all.is_empty() {
                return Ok(ok(json!({ "message": "No tenants exist" })));
            }
            Ok(ok(Value::Array(all.iter().map(tenants::to_json).collect())))
        }
        TenantAction::Info => {
            let id = input.id()?;
            let tenant = on_db(state, move |c| tenants::get(c, &id)).await?;
            Ok(ok(tenants::to_json_full(&tenant)))
        }
        TenantAction::Add => {
            let fields = input.object("tenant")?;
            let name = text(fields, "name")?.unwrap_or_default();
            let secrets = text(fields, "secrets")?.unwrap_or_default();
            let tenant = on_db(state, move |c| tenants::add(c, &name, &secrets)).await?;
            Ok(created(json!({ "tenant": tenants::to_json_full(&tenant) })))
        }
        TenantAction::Update => {
            let id = input.id()?;
            let fields = input.object("tenant")?;
            let change = tenants::TenantUpdate {
                name: text(fields, "name")?,
                secrets: text(fields, "secrets")?,
                enabled: optional_flag(fields, "enabled")?,
                max_meetings: optional_limit(fields, "max_meetings")?,
                max_users: optional_limit(fields, "max_users")?,
                rate_limit: optional_limit(fields, "rate_limit")?,
                recording_retention_days: optional_limit(fields, "recording_retention_days")?,
                recording_enabled: optional_flag(fields, "recording_enabled")?,
            };
            let tenant = on_db(state, move |c| tenants::update(c, &id, change)).await?;
            Ok(ok(json!({ "tenant": tenants::to_json_full(&tenant) })))
        }
        TenantAction::Delete => {
            let id = input.id()?;
            let shown = id.clone();
            on_db(state, move |c| tenants::remove(c, &id)).await?;
            Ok(ok(json!({ "success": format!("Tenant id={shown} was destroyed") })))
        }
        TenantAction::ListSettings => {
            let tenant_id = input.param("tenant_id");
            let all = on_db(state, move |c| match tenant_id {
                Some(id) => {
                    let tenant = tenants::get(c, &id)?;
                    Ok(TenantSetting::of_tenant(c, &tenant.id)?)
                }
                None => Ok(TenantSetting::all(c)?),
            })
            .await?;
            Ok(ok(Value::Array(all.iter().map(tenants::setting_json).collect())))
        }
        TenantAction::AddSetting => {
            let fields = input.object("tenant_setting")?;
            let required = |key: &str| -> Result<String, AdminError> {
                text(fields, key)?.ok_or_else(|| {
                    AdminError::bad_request("A tenant setting needs tenant_id, param, value and override")
                })
            };
            let (tenant_id, param, value) = (required("tenant_id")?, required("param")?, required("value")?);
            let is_override = match fields.get("override") {
                None | Some(Value::Null) => {
                    return Err(AdminError::bad_request("A tenant setting needs tenant_id, param, value and override"))
                }
                Some(_) => flag(fields, "override")?,
            };
            let setting =
                on_db(state, move |c| tenants::add_setting(c, &tenant_id, &param, &value, is_override)).await?;
            Ok(created(tenants::setting_json(&setting)))
        }
        TenantAction::Usage => {
            let query =
                usage::UsageQuery { from: input.param("from"), to: input.param("to"), tenant: input.param("tenant") };
            let csv = match input.param("format").as_deref() {
                None | Some("json") => false,
                Some("csv") => true,
                Some(other) => {
                    return Err(AdminError::bad_request(format!("'format' must be json or csv, not '{other}'")))
                }
            };
            let rows = on_db(state, move |c| usage::report(c, &query)).await?;
            if csv {
                return Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").body(usage::to_csv(&rows)));
            }
            Ok(ok(usage::to_json(&rows)))
        }
        TenantAction::DeleteSetting => {
            let id = input.id()?;
            let shown = id.clone();
            on_db(state, move |c| tenants::remove_setting(c, &id)).await?;
            Ok(ok(json!({ "success": format!("TenantSetting id={shown} was destroyed") })))
        }
    }
}
