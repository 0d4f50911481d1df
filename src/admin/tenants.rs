//! Tenant and tenant-setting administration shared by the CLI and the admin API.

use serde_json::{json, Value};

use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
use crate::db::{now_ms, DbConnection};
use crate::error::AdminError;
use crate::secret::Secret;

/// A change to a tenant; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TenantUpdate {
    pub name: Option<String>,
    pub secrets: Option<String>,
    /// Switch the tenant on or off (its API calls are refused while off).
    pub enabled: Option<bool>,
    /// Its limits: `Some(None)` removes one.
    pub max_meetings: Option<Option<i32>>,
    pub max_users: Option<Option<i32>>,
    pub rate_limit: Option<Option<i32>>,
    /// Days its recordings are kept (`Some(None)`: `RECORDING_RETENTION_DAYS`).
    pub recording_retention_days: Option<Option<i32>>,
    /// Whether its meetings may record.
    pub recording_enabled: Option<bool>,
}

/// LRS (xAPI) settings of a tenant, with basic auth or Keycloak.
#[derive(Debug, Clone, Default)]
pub struct LrsSettings {
    pub endpoint: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub kc_token_url: Option<String>,
    pub kc_client_id: Option<String>,
    pub kc_client_secret: Option<String>,
    pub kc_username: Option<String>,
    pub kc_password: Option<String>,
}

/// A tenant name is the first label of a host name or a path segment: letters, digits, `-` and `_`.
pub fn validate_name(name: &str) -> Result<(), AdminError> {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(())
    } else {
        Err(AdminError::bad_request(format!(
            "Invalid tenant name '{name}': use letters, digits, '-' and '_' (it is a host label or path segment)"
        )))
    }
}

/// Secrets are colon-separated and none may be empty.
pub fn validate_secrets(secrets: &str) -> Result<(), AdminError> {
    if !secrets.is_empty() && secrets.split(':').all(|s| !s.trim().is_empty()) {
        Ok(())
    } else {
        Err(AdminError::bad_request("Tenant secrets must be one or more non-empty secrets separated by ':'"))
    }
}

/// The tenant with this id, or a 404.
pub fn get(conn: &mut DbConnection, id: &str) -> Result<Tenant, AdminError> {
    Tenant::find(conn, id)?.ok_or_else(|| AdminError::not_found(format!("Couldn't find Tenant with id={id}")))
}

fn name_taken(name: &str) -> AdminError {
    AdminError::unprocessable(format!("A tenant named '{name}' already exists"))
}

/// Host names are case-insensitive, so two tenants may not differ only in case.
fn check_name_free(conn: &mut DbConnection, name: &str, own_id: &str) -> Result<(), AdminError> {
    if Tenant::all(conn)?.iter().any(|t| t.id != own_id && t.name.eq_ignore_ascii_case(name)) {
        return Err(name_taken(name));
    }
    Ok(())
}

/// The tenant with this name (any case) or ID, or a 404.
pub fn get_by_name_or_id(conn: &mut DbConnection, name_or_id: &str) -> Result<Tenant, AdminError> {
    match Tenant::find_by_label(conn, name_or_id)? {
        Some(tenant) => Ok(tenant),
        None => get(conn, name_or_id),
    }
}

/// Adds a tenant; names are unique.
pub fn add(conn: &mut DbConnection, name: &str, secrets: &str) -> Result<Tenant, AdminError> {
    add_with_id(conn, None, name, secrets)
}

/// Adds a tenant with this ID (a new one when `None`).
pub fn add_with_id(
    conn: &mut DbConnection,
    id: Option<String>,
    name: &str,
    secrets: &str,
) -> Result<Tenant, AdminError> {
    if name.is_empty() || secrets.is_empty() {
        return Err(
            AdminError::bad_request("Error: both name and secrets are required to create a Tenant").as_message()
        );
    }
    validate_name(name)?;
    validate_secrets(secrets)?;
    check_name_free(conn, name, "")?;
    let now = now_ms();
    let id = id.filter(|i| !i.trim().is_empty()).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let tenant = Tenant::new(id, name, secrets, now);
    match tenant.insert(conn) {
        Ok(()) => Ok(tenant),
        Err(e) if e.is_unique_violation() => Err(name_taken(name)),
        Err(e) => Err(e.into()),
    }
}

/// Renames a tenant or replaces its secrets.
pub fn update(conn: &mut DbConnection, id: &str, change: TenantUpdate) -> Result<Tenant, AdminError> {
    let mut tenant = get(conn, id)?;
    if let Some(name) = change.name {
        validate_name(&name)?;
        check_name_free(conn, &name, id)?;
        tenant.name = name;
    }
    if let Some(secrets) = change.secrets {
        validate_secrets(&secrets)?;
        tenant.secrets = Secret::new(secrets);
    }
    if let Some(enabled) = change.enabled {
        tenant.enabled = enabled;
    }
    if let Some(recording_enabled) = change.recording_enabled {
        tenant.recording_enabled = recording_enabled;
    }
    for (limit, field) in [
        (change.max_meetings, &mut tenant.max_meetings),
        (change.max_users, &mut tenant.max_users),
        (change.rate_limit, &mut tenant.rate_limit),
        (change.recording_retention_days, &mut tenant.recording_retention_days),
    ] {
        if let Some(limit) = limit {
            if limit.is_some_and(|n| n < 0) {
                return Err(AdminError::bad_request("A limit is a whole number of 0 or more"));
            }
            *field = limit;
        }
    }
    tenant.updated_at = now_ms();
    match tenant.save(conn) {
        Ok(()) => Ok(tenant),
        Err(e) if e.is_unique_violation() => Err(name_taken(&tenant.name)),
        Err(e) => Err(e.into()),
    }
}

/// Sets the LRS fields of a tenant (all of them: fields not given are cleared).
pub fn update_lrs(conn: &mut DbConnection, id: &str, lrs: LrsSettings) -> Result<Tenant, AdminError> {
    let endpoint = url::Url::parse(&lrs.endpoint).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
    if endpoint.is_none() {
        return Err(AdminError::bad_request(format!(
            "Invalid LRS endpoint '{}': expected an http(s) URL",
            lrs.endpoint
        )));
    }
    let mut tenant = get(conn, id)?;
    tenant.lrs_endpoint = Some(lrs.endpoint);
    tenant.lrs_username = lrs.username;
    tenant.lrs_password = lrs.password;
    tenant.kc_token_url = lrs.kc_token_url;
    tenant.kc_client_id = lrs.kc_client_id;
    tenant.kc_client_secret = lrs.kc_client_secret;
    tenant.kc_username = lrs.kc_username;
    tenant.kc_password = lrs.kc_password;
    tenant.updated_at = now_ms();
    tenant.save(conn)?;
    Ok(tenant)
}

/// Deletes a tenant and its settings.
pub fn remove(conn: &mut DbConnection, id: &str) -> Result<(), AdminError> {
    if Tenant::delete(conn, id)? {
        Ok(())
    } else {
        Err(AdminError::not_found(format!("Couldn't find Tenant with id={id}")))
    }
}

/// Adds a default (`is_override` false) or override setting to a tenant.
pub fn add_setting(
    conn: &mut DbConnection,
    tenant_id: &str,
    param: &str,
    value: &str,
    is_override: bool,
) -> Result<TenantSetting, AdminError> {
    get(conn, tenant_id)?;
    if param.trim().is_empty() {
        return Err(AdminError::bad_request("A tenant setting needs a parameter name"));
    }
    let setting = TenantSetting {
        id: uuid::Uuid::new_v4().to_string(),
        tenant_id: tenant_id.to_string(),
        param: param.trim().to_string(),
        value: value.to_string(),
        is_override,
    };
    match setting.insert(conn) {
        Ok(()) => Ok(setting),
        Err(e) if e.is_unique_violation() => Err(AdminError::unprocessable(format!(
            "Tenant {tenant_id} already has {} setting for '{param}'",
            if is_override { "an override" } else { "a default" }
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Deletes a tenant setting.
pub fn remove_setting(conn: &mut DbConnection, id: &str) -> Result<(), AdminError> {
    if TenantSetting::delete(conn, id)? {
        Ok(())
    } else {
        Err(AdminError::not_found(format!("Couldn't find TenantSetting with id={id}")))
    }
}

/// A tenant setting as the admin API shows it (`override` as Ruby keeps it: `"true"` or `"false"`).
pub fn setting_json(setting: &TenantSetting) -> Value {
    json!({
        "id": setting.id,
        "tenant_id": setting.tenant_id,
        "param": setting.param,
        "value": setting.value,
        "override": if setting.is_override { "true" } else { "false" },
    })
}

/// `{id, name, secrets, enabled}`, as getTenants lists tenants (Ruby's fields, and whether it is enabled).
pub fn to_json(tenant: &Tenant) -> Value {
    json!({ "id": tenant.id, "name": tenant.name, "secrets": tenant.secrets.expose(), "enabled": tenant.enabled })
}

/// Every field of a tenant, as getTenantInfo, addTenant and updateTenant show it.
pub fn to_json_full(tenant: &Tenant) -> Value {
    json!({
        "id": tenant.id,
        "name": tenant.name,
        "secrets": tenant.secrets.expose(),
        "lrs_endpoint": tenant.lrs_endpoint,
        "lrs_username": tenant.lrs_username,
        "lrs_password": tenant.lrs_password,
        "kc_token_url": tenant.kc_token_url,
        "kc_client_id": tenant.kc_client_id,
        "kc_client_secret": tenant.kc_client_secret,
        "kc_username": tenant.kc_username,
        "kc_password": tenant.kc_password,
        "enabled": tenant.enabled,
        "max_meetings": tenant.max_meetings,
        "max_users": tenant.max_users,
        "rate_limit": tenant.rate_limit,
        "recording_retention_days": tenant.recording_retention_days,
        "recording_enabled": tenant.recording_enabled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_host_labels() {
        assert!(validate_name("bn").is_ok());
        assert!(validate_name("school-1_a").is_ok());
        assert!(validate_name("a.b").is_err());
        assert!(validate_name("a/b").is_err());
        assert!(validate_name("").is_err());
    }

    #[test]
    fn secrets_are_colon_separated_and_non_empty() {
        assert!(validate_secrets("one").is_ok());
        assert!(validate_secrets("one:two").is_ok());
        assert!(validate_secrets("one::two").is_err());
        assert!(validate_secrets(":").is_err());
    }
}
