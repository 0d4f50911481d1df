//! `scalelite tenants …` and `scalelite tenant-settings …`: Ruby Scalelite's `tenants*` and `tenantSettings*` tasks.

use super::{connect, Failure, TenantSettingsCommand, TenantsCommand};
use crate::admin::tenants::{self, LrsSettings, TenantUpdate};
use crate::admin::usage;
use crate::config::Config;
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;

fn require_multitenancy(config: &Config) -> Result<(), Failure> {
    if config.multitenancy_enabled {
        Ok(())
    } else {
        Err(Failure("multitenancy is disabled; set MULTITENANCY_ENABLED=true".into()))
    }
}

/// A limit given on the command line: a whole number, or `none`.
fn limit(option: &str, value: Option<String>) -> Result<Option<Option<i32>>, Failure> {
    match value.as_deref().map(str::trim) {
        None => Ok(None),
        Some("none") => Ok(Some(None)),
        Some(text) => match text.parse::<i32>() {
            Ok(n) if n >= 0 => Ok(Some(Some(n))),
            _ => Err(Failure(format!("{option} must be a whole number of 0 or more, or none, not '{text}'"))),
        },
    }
}

/// Switches a tenant (name or ID) on or off.
fn switch(conn: &mut crate::db::DbConnection, id: &str, enabled: bool) -> Result<(), Failure> {
    let tenant = tenants::get_by_name_or_id(conn, id)?;
    tenants::update(conn, &tenant.id, TenantUpdate { enabled: Some(enabled), ..Default::default() })?;
    println!("OK");
    Ok(())
}

pub(super) fn run(config: &Config, command: TenantsCommand) -> Result<(), Failure> {
    require_multitenancy(config)?;
    let mut conn = connect(config)?;
    let conn = &mut conn;
    match command {
        TenantsCommand::List => {
            // As Ruby's rake task prints them, then whether it is disabled, then the total.
            let all = Tenant::all(conn)?;
            for t in &all {
                println!("id: {}\n\tname: {}\n\tsecrets: {}", t.id, t.name, t.secrets.expose());
                let lrs = [
                    ("lrs_endpoint", &t.lrs_endpoint),
                    ("lrs_username", &t.lrs_username),
                    ("lrs_password", &t.lrs_password),
                    ("kc_token_url", &t.kc_token_url),
                    ("kc_client_id", &t.kc_client_id),
                    ("kc_client_secret", &t.kc_client_secret),
                    ("kc_username", &t.kc_username),
                    ("kc_password", &t.kc_password),
                ];
                for (name, value) in lrs {
                    if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                        println!("\t{name}: {value}");
                    }
                }
                if !t.enabled {
                    println!("\tdisabled");
                }
                for (name, value) in
                    [("max_meetings", t.max_meetings), ("max_users", t.max_users), ("rate_limit", t.rate_limit)]
                {
                    if let Some(value) = value {
                        println!("\t{name}: {value}");
                    }
                }
            }
            println!("Total number of tenants: {}", all.len());
        }
        TenantsCommand::Add { name, secrets } => {
            let tenant = tenants::add(conn, &name, &secrets)?;
            println!("OK\nid: {}", tenant.id);
        }
        TenantsCommand::Update { id, name, secrets } => {
            if name.is_none() && secrets.is_none() {
                return Err(Failure("nothing to update: give --name and/or --secrets".into()));
            }
            tenants::update(conn, &id, TenantUpdate { name, secrets, ..Default::default() })?;
            println!("OK");
        }
        TenantsCommand::Limits { id, max_meetings, max_users, rate_limit } => {
            let tenant = tenants::get_by_name_or_id(conn, &id)?;
            let tenant = if max_meetings.is_none() && max_users.is_none() && rate_limit.is_none() {
                tenant
            } else {
                let change = TenantUpdate {
                    max_meetings: limit("--max-meetings", max_meetings)?,
                    max_users: limit("--max-users", max_users)?,
                    rate_limit: limit("--rate-limit", rate_limit)?,
                    ..Default::default()
                };
                tenants::update(conn, &tenant.id, change)?
            };
            let show = |limit: Option<i32>| limit.map_or_else(|| "none".to_string(), |n| n.to_string());
            println!("max_meetings: {}", show(tenant.max_meetings));
            println!("max_users: {}", show(tenant.max_users));
            println!("rate_limit: {}", show(tenant.rate_limit));
        }
        TenantsCommand::Recordings { id, retention_days, recording } => {
            let tenant = tenants::get_by_name_or_id(conn, &id)?;
            let recording_enabled = match recording.as_deref() {
                None => None,
                Some("on") => Some(true),
                Some("off") => Some(false),
                Some(other) => return Err(Failure(format!("--recording must be on or off, not '{other}'"))),
            };
            let retention = limit("--retention-days", retention_days)?;
            let tenant = if recording_enabled.is_none() && retention.is_none() {
                tenant
            } else {
                let change =
                    TenantUpdate { recording_retention_days: retention, recording_enabled, ..Default::default() };
                tenants::update(conn, &tenant.id, change)?
            };
            let days = tenant.recording_retention_days.map_or_else(|| "default".to_string(), |d| d.to_string());
            println!("recording: {}", if tenant.recording_enabled { "on" } else { "off" });
            println!("retention_days: {days}");
        }
        TenantsCommand::Usage { tenant, from, to, format } => {
            let rows = usage::report(conn, &usage::UsageQuery { from, to, tenant })?;
            match format.as_str() {
                "csv" => print!("{}", usage::to_csv(&rows)),
                "json" => println!("{}", usage::to_json(&rows)),
                other => return Err(Failure(format!("--format must be csv or json, not '{other}'"))),
            }
        }
        TenantsCommand::Enable { id } => switch(conn, &id, true)?,
        TenantsCommand::Disable { id } => switch(conn, &id, false)?,
        TenantsCommand::UpdateLrsBasic { id, endpoint, username, password } => {
            let lrs =
                LrsSettings { endpoint, username: Some(username), password: Some(password), ..Default::default() };
            tenants::update_lrs(conn, &id, lrs)?;
            println!("OK");
        }
        TenantsCommand::UpdateLrsKc {
            id,
            endpoint,
            kc_token_url,
            kc_client_id,
            kc_client_secret,
            kc_username,
            kc_password,
        } => {
            let lrs = LrsSettings {
                endpoint,
                kc_token_url: Some(kc_token_url),
                kc_client_id: Some(kc_client_id),
                kc_client_secret: Some(kc_client_secret),
                kc_username: Some(kc_username),
                kc_password: Some(kc_password),
                ..Default::default()
            };
            tenants::update_lrs(conn, &id, lrs)?;
            println!("OK");
        }
        TenantsCommand::Remove { id } => {
            tenants::remove(conn, &id)?;
            println!("OK");
        }
    }
    Ok(())
}

pub(super) fn run_settings(config: &Config, command: TenantSettingsCommand) -> Result<(), Failure> {
    require_multitenancy(config)?;
    let mut conn = connect(config)?;
    let conn = &mut conn;
    match command {
        TenantSettingsCommand::List => {
            let tenants = Tenant::all(conn)?;
            let settings = TenantSetting::all(conn)?;
            if settings.is_empty() {
                eprintln!("No tenant settings exist");
            }
            for tenant in &tenants {
                let mine: Vec<&TenantSetting> = settings.iter().filter(|s| s.tenant_id == tenant.id).collect();
                if mine.is_empty() {
                    continue;
                }
                println!("Tenant {} ({}):", tenant.name, tenant.id);
                for s in mine {
                    println!(
                        "\tid: {}\n\t\tparam: {}\n\t\tvalue: {}\n\t\toverride: {}",
                        s.id, s.param, s.value, s.is_override
                    );
                }
            }
        }
        TenantSettingsCommand::Add { tenant_id, param, value, r#override } => {
            let is_override = match r#override.as_str() {
                "true" => true,
                "false" => false,
                other => return Err(Failure(format!("OVERRIDE must be true or false, not '{other}'"))),
            };
            let setting = tenants::add_setting(conn, &tenant_id, &param, &value, is_override)?;
            println!("OK\nid: {}", setting.id);
        }
        TenantSettingsCommand::Remove { id } => {
            tenants::remove_setting(conn, &id)?;
            println!("OK");
        }
    }
    Ok(())
}
