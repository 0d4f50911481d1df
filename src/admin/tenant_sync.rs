//! The tenants part of the declarative state (`admin::state_file`): which tenants to add, update (secrets,
//! enabled, settings), disable or remove, planned purely, then applied as plain changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::admin::sync::SyncMode;
use crate::admin::tenants::{self, TenantUpdate};
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
use crate::db::DbConnection;
use crate::error::AdminError;

/// One tenant of a state file, by name.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TenantEntry {
    /// Kept for a new tenant when given (so that recordings' `tenant-id` stays right).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub secrets: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<Vec<SettingEntry>>,
    /// Its limits and recording rules; when given, one left out is none (recording: on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<LimitsEntry>,
}

/// A tenant's limits in a state file, with its recording rules (days kept; `recording: false` forbids it).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_meetings: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_users: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording_retention_days: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recording: Option<bool>,
}

impl LimitsEntry {
    /// A tenant's limits, if it has any.
    pub fn of(tenant: &Tenant) -> Option<LimitsEntry> {
        let limits = LimitsEntry {
            max_meetings: tenant.max_meetings,
            max_users: tenant.max_users,
            rate_limit: tenant.rate_limit,
            recording_retention_days: tenant.recording_retention_days,
            recording: (!tenant.recording_enabled).then_some(false),
        };
        (limits != LimitsEntry::default()).then_some(limits)
    }

    /// The update that sets these limits.
    fn update(self) -> TenantUpdate {
        TenantUpdate {
            max_meetings: Some(self.max_meetings),
            max_users: Some(self.max_users),
            rate_limit: Some(self.rate_limit),
            recording_retention_days: Some(self.recording_retention_days),
            recording_enabled: Some(self.recording.unwrap_or(true)),
            ..Default::default()
        }
    }
}

/// One tenant setting: a create/join parameter, a default or an override.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct SettingEntry {
    pub param: String,
    #[serde(deserialize_with = "scalar_text")]
    pub value: String,
    #[serde(default, rename = "override")]
    pub is_override: bool,
}

/// A setting's value as text, however YAML typed it (`false`, `5`, `"x"`).
fn scalar_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match serde_yaml_ng::Value::deserialize(deserializer)? {
        serde_yaml_ng::Value::String(s) => Ok(s),
        serde_yaml_ng::Value::Bool(b) => Ok(b.to_string()),
        serde_yaml_ng::Value::Number(n) => Ok(n.to_string()),
        _ => Err(serde::de::Error::custom("a setting's value must be text, a number or true/false")),
    }
}

/// One change to the tenants.
#[derive(Debug, Clone)]
pub enum TenantChange {
    Add {
        name: String,
        id: Option<String>,
        secrets: String,
        enabled: bool,
        settings: Vec<SettingEntry>,
        limits: Option<LimitsEntry>,
    },
    Update {
        id: String,
        name: String,
        change: TenantUpdate,
        add: Vec<SettingEntry>,
        remove: Vec<String>,
        summary: Vec<String>,
    },
    Disable {
        id: String,
        name: String,
    },
    Remove {
        id: String,
        name: String,
    },
}

impl TenantChange {
    /// One line for the operator.
    pub fn describe(&self) -> String {
        match self {
            TenantChange::Add { name, settings, .. } => format!("add tenant {name} with {} setting(s)", settings.len()),
            TenantChange::Update { name, summary, .. } => format!("update tenant {name}: {}", summary.join(", ")),
            TenantChange::Disable { name, .. } => format!("disable tenant {name} (not in the file)"),
            TenantChange::Remove { name, .. } => format!("remove tenant {name} and its settings (not in the file)"),
        }
    }
}

/// The changes that make the tenants match the file's (pure).
pub fn plan(
    wanted: &BTreeMap<String, TenantEntry>,
    current: &[Tenant],
    settings: &[TenantSetting],
    mode: SyncMode,
) -> Vec<TenantChange> {
    let mut changes = Vec::new();
    for (name, entry) in wanted {
        let enabled = entry.enabled.unwrap_or(true);
        let Some(tenant) = current.iter().find(|t| &t.name == name) else {
            let mut list = entry.settings.clone().unwrap_or_default();
            list.sort();
            changes.push(TenantChange::Add {
                name: name.clone(),
                id: entry.id.clone(),
                secrets: entry.secrets.clone(),
                enabled,
                settings: list,
                limits: entry.limits,
            });
            continue;
        };
        let mut change = TenantUpdate::default();
        let mut summary = Vec::new();
        if tenant.secrets.expose() != entry.secrets {
            summary.push("secrets".to_string());
            change.secrets = Some(entry.secrets.clone());
        }
        if tenant.enabled != enabled {
            summary.push(if enabled { "enable" } else { "disable" }.to_string());
            change.enabled = Some(enabled);
        }
        // `recording: true` is the default written out: the same as leaving it out.
        let wanted = entry.limits.map(|l| LimitsEntry { recording: l.recording.filter(|on| !on), ..l });
        let now = LimitsEntry::of(tenant).unwrap_or_default();
        if let Some(limits) = wanted.filter(|l| *l != now) {
            summary.push("limits".to_string());
            let set = limits.update();
            (change.max_meetings, change.max_users, change.rate_limit) =
                (set.max_meetings, set.max_users, set.rate_limit);
            (change.recording_retention_days, change.recording_enabled) =
                (set.recording_retention_days, set.recording_enabled);
        }
        let (mut add, mut remove) = (Vec::new(), Vec::new());
        if let Some(list) = &entry.settings {
            let here: Vec<&TenantSetting> = settings.iter().filter(|s| s.tenant_id == tenant.id).collect();
            let same = |s: &TenantSetting, e: &SettingEntry| {
                s.param == e.param && s.value == e.value && s.is_override == e.is_override
            };
            for s in here.iter().filter(|s| !list.iter().any(|e| same(s, e))) {
                summary.push(format!("remove setting {}", s.param));
                remove.push(s.id.clone());
            }
            for e in list.iter().filter(|e| !here.iter().any(|s| same(s, e))) {
                let kind = if e.is_override { "override" } else { "default" };
                summary.push(format!("set {kind} {}={}", e.param, e.value));
                add.push(e.clone());
            }
        }
        if !summary.is_empty() {
            changes.push(TenantChange::Update {
                id: tenant.id.clone(),
                name: name.clone(),
                change,
                add,
                remove,
                summary,
            });
        }
    }
    for tenant in current.iter().filter(|t| !wanted.contains_key(&t.name)) {
        let (id, name) = (tenant.id.clone(), tenant.name.clone());
        match mode {
            SyncMode::Keep => {}
            SyncMode::Cordon if tenant.enabled => changes.push(TenantChange::Disable { id, name }),
            SyncMode::Cordon => {}
            SyncMode::Force => changes.push(TenantChange::Remove { id, name }),
        }
    }
    changes
}

/// Applies one change.
pub fn apply(conn: &mut DbConnection, change: TenantChange) -> Result<(), AdminError> {
    match change {
        TenantChange::Add { name, id, secrets, enabled, settings, limits } => {
            let tenant = tenants::add_with_id(conn, id, &name, &secrets)?;
            if let Some(limits) = limits {
                tenants::update(conn, &tenant.id, limits.update())?;
            }
            if !enabled {
                tenants::update(conn, &tenant.id, TenantUpdate { enabled: Some(false), ..Default::default() })?;
            }
            for s in settings {
                tenants::add_setting(conn, &tenant.id, &s.param, &s.value, s.is_override)?;
            }
        }
        TenantChange::Update { id, change, add, remove, .. } => {
            tenants::update(conn, &id, change)?;
            for setting in remove {
                tenants::remove_setting(conn, &setting)?;
            }
            for s in add {
                tenants::add_setting(conn, &id, &s.param, &s.value, s.is_override)?;
            }
        }
        TenantChange::Disable { id, .. } => {
            tenants::update(conn, &id, TenantUpdate { enabled: Some(false), ..Default::default() })?;
        }
        TenantChange::Remove { id, .. } => tenants::remove(conn, &id)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str, name: &str, enabled: bool) -> Tenant {
        Tenant { enabled, ..Tenant::new(id.into(), name, "s", 0) }
    }

    fn setting(id: &str, tenant_id: &str, param: &str, value: &str, is_override: bool) -> TenantSetting {
        TenantSetting {
            id: id.into(),
            tenant_id: tenant_id.into(),
            param: param.into(),
            value: value.into(),
            is_override,
        }
    }

    #[test]
    fn plans_tenants_and_their_settings() {
        let wanted: BTreeMap<String, TenantEntry> = serde_yaml_ng::from_str(
            "bn:\n  secrets: s\n  settings:\n    - {param: record, value: false, override: true}\nnew:\n  secrets: n\n  enabled: false\n",
        )
        .unwrap();
        let current = [tenant("1", "bn", true), tenant("2", "old", true)];
        let settings = [setting("a", "1", "record", "true", true), setting("b", "1", "welcome", "hi", false)];
        let lines = |mode| -> Vec<String> {
            plan(&wanted, &current, &settings, mode).iter().map(TenantChange::describe).collect()
        };
        assert_eq!(
            lines(SyncMode::Cordon),
            [
                "update tenant bn: remove setting record, remove setting welcome, set override record=false",
                "add tenant new with 0 setting(s)",
                "disable tenant old (not in the file)",
            ]
        );
        assert_eq!(lines(SyncMode::Force).last().unwrap(), "remove tenant old and its settings (not in the file)");
        assert_eq!(lines(SyncMode::Keep).len(), 2);
        let same = [setting("a", "1", "record", "false", true)];
        let none: Vec<String> = plan(&wanted, &[tenant("1", "bn", true)], &same, SyncMode::Keep)
            .iter()
            .map(TenantChange::describe)
            .collect();
        assert_eq!(none, ["add tenant new with 0 setting(s)"], "bn already matches");
    }

    #[test]
    fn plans_limits_and_recording_rules() {
        let parse = |yaml: &str| -> BTreeMap<String, TenantEntry> { serde_yaml_ng::from_str(yaml).unwrap() };
        let describe = |wanted: &BTreeMap<String, TenantEntry>, current: &[Tenant]| -> Vec<String> {
            plan(wanted, current, &[], SyncMode::Keep).iter().map(TenantChange::describe).collect()
        };
        let plain = [tenant("1", "bn", true)];
        let limited =
            parse("bn:\n  secrets: s\n  limits: {max_meetings: 5, recording: false, recording_retention_days: 90}\n");
        assert_eq!(describe(&limited, &plain), ["update tenant bn: limits"]);
        let TenantChange::Update { change, .. } = &plan(&limited, &plain, &[], SyncMode::Keep)[0] else { panic!() };
        assert_eq!(
            (change.max_meetings, change.max_users, change.recording_retention_days, change.recording_enabled),
            (Some(Some(5)), Some(None), Some(Some(90)), Some(false))
        );
        let there = Tenant {
            max_meetings: Some(5),
            recording_enabled: false,
            recording_retention_days: Some(90),
            ..tenant("1", "bn", true)
        };
        assert!(describe(&limited, std::slice::from_ref(&there)).is_empty(), "already so");
        assert_eq!(LimitsEntry::of(&there).map(|l| l.recording), Some(Some(false)), "exported as it is");
        for nothing in ["bn:\n  secrets: s\n  limits: {}\n", "bn:\n  secrets: s\n  limits: {recording: true}\n"] {
            assert!(describe(&parse(nothing), &plain).is_empty(), "{nothing}: no limits, recording on, as now");
        }
        assert!(serde_yaml_ng::from_str::<BTreeMap<String, TenantEntry>>("bn:\n  secrets: s\n  limits: {max: 1}\n")
            .is_err());
    }
}
