//! The pool as a declarative state — YAML for the CLI, the same shape in JSON for the admin API: the servers as
//! `servers sync` has them, and tenants by name with their secrets, whether they are enabled, and their settings.
//!
//! ```yaml
//! servers:                       # absent: the servers are left alone
//!   bbb1: { secret: "…", url: https://bbb1/bigbluebutton/api, tag: east }
//! tenants:                       # absent: the tenants are left alone
//!   bn:
//!     secrets: "s1:s2"
//!     enabled: true              # default true
//!     settings:                  # absent: left alone; given: exactly these
//!       - { param: record, value: "false", override: true }
//! ```
//! Servers and tenants missing from a given section follow the mode: keep (left alone), cordon (servers as
//! `servers sync`; tenants disabled), force (removed). Planning is pure; applying is a list of plain changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::admin::sync::{self, SyncAction, SyncEntry, SyncFile, SyncMode};
use crate::admin::tenant_sync::{self, LimitsEntry, SettingEntry, TenantChange, TenantEntry};
use crate::admin::tenants;
use crate::db::models::meeting::Meeting;
use crate::db::models::server::Server;
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
use crate::db::DbConnection;
use crate::error::AdminError;

/// A state file.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct StateFile {
    pub servers: Option<BTreeMap<String, SyncEntry>>,
    pub tenants: Option<BTreeMap<String, TenantEntry>>,
}

/// What applying a state file does.
#[derive(Debug, Default)]
pub struct Plan {
    pub servers: Vec<SyncAction>,
    pub tenants: Vec<TenantChange>,
}

impl Plan {
    /// New servers without an algorithm get this one (`Config::default_server_checksum`).
    pub fn fill_default_checksum(&mut self, algorithm: crate::bbb::checksum::Algorithm) {
        for action in &mut self.servers {
            if let SyncAction::Add { new, .. } = action {
                new.checksum_algorithm.get_or_insert(algorithm);
            }
        }
    }

    /// The changes, one line each (`would …` in a dry run).
    pub fn lines(&self, dry_run: bool) -> Vec<String> {
        let prefix = if dry_run { "would " } else { "" };
        let servers = self.servers.iter().map(SyncAction::describe);
        servers.chain(self.tenants.iter().map(TenantChange::describe)).map(|l| format!("{prefix}{l}")).collect()
    }
}

/// Checks a parsed state file: servers as `servers sync` does, tenant names and secrets as `tenants add` does.
pub fn check(file: &StateFile, multitenancy: bool) -> Result<(), AdminError> {
    if let Some(servers) = &file.servers {
        sync::check(servers)?;
    }
    if let Some(tenants) = &file.tenants {
        if !multitenancy {
            return Err(AdminError::bad_request("The state has tenants, but multitenancy is disabled"));
        }
        for (name, entry) in tenants {
            tenants::validate_name(name)?;
            tenants::validate_secrets(&entry.secrets)
                .map_err(|e| AdminError::bad_request(format!("Tenant {name}: {e}")))?;
        }
    }
    Ok(())
}

/// The changes that make the pool match the file.
pub fn plan(conn: &mut DbConnection, file: StateFile, mode: SyncMode) -> Result<Plan, AdminError> {
    let mut plan = Plan::default();
    if let Some(servers) = file.servers {
        let current = Server::all(conn)?;
        let mut busy = Vec::new();
        for server in &current {
            if server.meetings > 0 || Meeting::count_on_server(conn, &server.id)? > 0 {
                busy.push(server.id.clone());
            }
        }
        plan.servers = sync::plan(&SyncFile { servers }, &current, mode, |s| busy.contains(&s.id));
    }
    if let Some(wanted) = file.tenants {
        plan.tenants = tenant_sync::plan(&wanted, &Tenant::all(conn)?, &TenantSetting::all(conn)?, mode);
    }
    Ok(plan)
}

/// Applies a plan; returns the servers removed by force with the meetings they had, to be ended.
pub fn apply(conn: &mut DbConnection, plan: Plan) -> Result<Vec<(Server, Vec<Meeting>)>, AdminError> {
    let mut to_end = Vec::new();
    for action in plan.servers {
        to_end.extend(sync::apply(conn, action)?);
    }
    for change in plan.tenants {
        tenant_sync::apply(conn, change)?;
    }
    Ok(to_end)
}

/// The pool as a state file (tenants only when `with_tenants`); `verbose` adds the servers' state, load, BBB
/// version and online, as `servers export --verbose`.
#[derive(Serialize)]
pub struct StateExport<'a> {
    pub servers: BTreeMap<&'a str, sync::ExportEntry<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenants: Option<BTreeMap<&'a str, TenantEntry>>,
}

pub fn export<'a>(
    servers: &'a [Server],
    tenants: Option<(&'a [Tenant], &'a [TenantSetting])>,
    verbose: bool,
) -> StateExport<'a> {
    let tenants = tenants.map(|(all, settings)| {
        all.iter()
            .map(|t| {
                let mut list: Vec<SettingEntry> = settings
                    .iter()
                    .filter(|s| s.tenant_id == t.id)
                    .map(|s| SettingEntry {
                        param: s.param.clone(),
                        value: s.value.clone(),
                        is_override: s.is_override,
                    })
                    .collect();
                list.sort();
                let entry = TenantEntry {
                    id: Some(t.id.clone()),
                    secrets: t.secrets.expose().to_string(),
                    enabled: Some(t.enabled),
                    settings: Some(list),
                    limits: LimitsEntry::of(t),
                };
                (t.name.as_str(), entry)
            })
            .collect()
    });
    StateExport { servers: sync::export_entries(servers, verbose), tenants }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_unknown_keys_and_untyped_values() {
        assert!(serde_yaml_ng::from_str::<StateFile>("tenant:\n  bn:\n    secrets: s\n").is_err());
        assert!(serde_yaml_ng::from_str::<StateFile>(
            "tenants:\n  bn:\n    secrets: s\n    settings:\n      - {param: a, value: [1]}\n"
        )
        .is_err());
        let file: StateFile = serde_yaml_ng::from_str("tenants:\n  bn:\n    secrets: s\n").unwrap();
        assert!(check(&file, false).is_err(), "tenants need multitenancy");
        assert!(check(&file, true).is_ok());
        let bad: StateFile = serde_yaml_ng::from_str("tenants:\n  b.n:\n    secrets: s\n").unwrap();
        assert!(check(&bad, true).is_err());
    }
}
