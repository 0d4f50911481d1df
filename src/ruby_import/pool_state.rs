//! Brings Ruby's Redis state into our database: servers, tenants, tenant settings, running meetings. A record
//! already here with the same values is left alone; with other values, Ruby's replace them (Ruby is the truth
//! until the switch-over); one that cannot be brought over is skipped with its reason.

use std::collections::{HashMap, HashSet};

use super::redis_state::{RedisState, RubyMeeting, RubyServer, RubySetting, RubyTenant};
use super::summary::{Kind, Outcome, Summary};
use crate::admin::servers::validate_url;
use crate::bbb::checksum::Algorithm;
use crate::db::models::meeting::Meeting;
use crate::db::models::server::{Server, ServerState};
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
use crate::db::{now_ms, DbConnection, DbError};
use crate::secret::Secret;

/// What the pool's import needs to know besides the state.
pub struct PoolImport<'a> {
    pub dry_run: bool,
    /// The algorithm new servers sign with.
    pub checksum: Algorithm,
    pub summary: &'a mut Summary,
}

impl PoolImport<'_> {
    /// Imports everything in `state`; returns the tenants of the meetings here afterwards, by BBB meeting ID
    /// (for the callback data).
    pub fn run(&mut self, conn: &mut DbConnection, state: &RedisState) -> Result<HashMap<String, String>, DbError> {
        let servers = self.servers(conn, &state.servers)?;
        let tenants = self.tenants(conn, &state.tenants, &state.name_index)?;
        self.settings(conn, &state.settings, &tenants)?;
        self.meetings(conn, &state.meetings, &servers, &tenants)
    }

    fn record(&mut self, kind: Kind, outcome: Outcome) {
        self.summary.count(kind, outcome);
    }

    /// Servers; returns the IDs of every server known after the import.
    fn servers(&mut self, conn: &mut DbConnection, ruby: &[RubyServer]) -> Result<HashSet<String>, DbError> {
        self.summary.found(Kind::Servers, ruby.len() as u64);
        let mut known: HashSet<String> = Server::all(conn)?.into_iter().map(|s| s.id).collect();
        for server in ruby {
            let Some(row) = server_row(server, self.checksum) else {
                let reason = match (server.fields.get("url"), server.fields.get("secret")) {
                    (Some(url), Some(_)) => format!("its URL '{url}' is not http(s) with a host"),
                    _ => "it has no URL or no secret".to_string(),
                };
                self.summary.skip(Kind::Servers, &server.id, reason);
                continue;
            };
            match Server::find(conn, &row.id)? {
                None => {
                    if !self.dry_run {
                        row.insert(conn)?;
                    }
                    self.record(Kind::Servers, Outcome::Imported);
                }
                Some(ours) if same_server(&ours, &row) => self.record(Kind::Servers, Outcome::AlreadyThere),
                Some(ours) => {
                    // What the poller learns (online, figures) and how we sign stay ours.
                    let merged = Server {
                        url: row.url,
                        secret: row.secret,
                        tag: row.tag,
                        state: row.state,
                        load_multiplier: row.load_multiplier,
                        updated_at: now_ms(),
                        ..ours
                    };
                    if !self.dry_run {
                        merged.save(conn)?;
                    }
                    self.record(Kind::Servers, Outcome::Updated);
                }
            }
            known.insert(server.id.clone());
        }
        Ok(known)
    }

    /// Tenants; returns the IDs of every tenant known after the import.
    fn tenants(
        &mut self,
        conn: &mut DbConnection,
        ruby: &[RubyTenant],
        name_index: &HashMap<String, String>,
    ) -> Result<HashSet<String>, DbError> {
        self.summary.found(Kind::Tenants, ruby.len() as u64);
        let ours = Tenant::all(conn)?;
        let mut known: HashSet<String> = ours.iter().map(|t| t.id.clone()).collect();
        let mut names: HashMap<String, String> = ours.into_iter().map(|t| (t.name, t.id)).collect();
        for tenant in ruby {
            let Some(row) = tenant_row(tenant) else {
                self.summary.skip(Kind::Tenants, &tenant.id, "it has no name or no secrets");
                continue;
            };
            if let Some(holder) = names.get(&row.name).filter(|holder| **holder != row.id) {
                let reason = match name_index.get(&row.name) {
                    Some(reached) if *reached != row.id => {
                        format!("its name '{}' is also tenant {holder}'s, which Ruby's hosts reached", row.name)
                    }
                    _ => format!("its name '{}' is tenant {holder}'s here", row.name),
                };
                self.summary.skip(Kind::Tenants, &tenant.id, reason);
                continue;
            }
            match Tenant::find(conn, &row.id)? {
                None => {
                    if !self.dry_run {
                        row.insert(conn)?;
                    }
                    self.record(Kind::Tenants, Outcome::Imported);
                }
                // Whether it is enabled, its limits and recording rules are ours (Ruby has no such thing).
                Some(here) if here.with_ruby_fields_of(&row) == here => {
                    self.record(Kind::Tenants, Outcome::AlreadyThere);
                }
                Some(here) => {
                    names.remove(&here.name);
                    if !self.dry_run {
                        Tenant { updated_at: now_ms(), ..here.with_ruby_fields_of(&row) }.save(conn)?;
                    }
                    self.record(Kind::Tenants, Outcome::Updated);
                }
            }
            names.insert(row.name.clone(), row.id.clone());
            known.insert(row.id);
        }
        Ok(known)
    }

    fn settings(
        &mut self,
        conn: &mut DbConnection,
        ruby: &[RubySetting],
        tenants: &HashSet<String>,
    ) -> Result<(), DbError> {
        self.summary.found(Kind::TenantSettings, ruby.len() as u64);
        let ours = TenantSetting::all(conn)?;
        let by_id: HashMap<&str, &TenantSetting> = ours.iter().map(|s| (s.id.as_str(), s)).collect();
        let mut slots: HashMap<(String, String, bool), String> =
            ours.iter().map(|s| ((s.tenant_id.clone(), s.param.clone(), s.is_override), s.id.clone())).collect();
        for setting in ruby {
            let Some(row) = setting_row(setting) else {
                self.summary.skip(Kind::TenantSettings, &setting.id, "it has no tenant, parameter or value");
                continue;
            };
            if !tenants.contains(&row.tenant_id) {
                let reason = format!("its tenant {} is not here", row.tenant_id);
                self.summary.skip(Kind::TenantSettings, &setting.id, reason);
                continue;
            }
            if by_id.get(row.id.as_str()).is_some_and(|here| **here == row) {
                self.record(Kind::TenantSettings, Outcome::AlreadyThere);
                continue;
            }
            let slot = (row.tenant_id.clone(), row.param.clone(), row.is_override);
            if let Some(holder) = slots.get(&slot).filter(|holder| **holder != row.id) {
                let kind = if row.is_override { "an override" } else { "a default" };
                let reason = format!("setting {holder} already gives {} {kind}", row.param);
                self.summary.skip(Kind::TenantSettings, &setting.id, reason);
                continue;
            }
            let existed = by_id.contains_key(row.id.as_str());
            if !self.dry_run {
                TenantSetting::delete(conn, &row.id)?;
                row.insert(conn)?;
            }
            self.record(Kind::TenantSettings, if existed { Outcome::Updated } else { Outcome::Imported });
            slots.insert(slot, row.id);
        }
        Ok(())
    }

    fn meetings(
        &mut self,
        conn: &mut DbConnection,
        ruby: &[RubyMeeting],
        servers: &HashSet<String>,
        tenants: &HashSet<String>,
    ) -> Result<HashMap<String, String>, DbError> {
        self.summary.found(Kind::Meetings, ruby.len() as u64);
        let mut tenant_of = HashMap::new();
        for meeting in ruby {
            if meeting.fields.is_empty() {
                self.summary.skip(Kind::Meetings, &meeting.id, "its record expired in Redis (DEFAULT_MEETING_TTL)");
                continue;
            }
            let row = meeting_row(meeting);
            if !servers.contains(&row.server_id) {
                let reason = format!("its server '{}' is not here", row.server_id);
                self.summary.skip(Kind::Meetings, &meeting.id, reason);
                continue;
            }
            if !row.tenant_id.is_empty() && !tenants.contains(&row.tenant_id) {
                let reason = format!("its tenant {} is not here", row.tenant_id);
                self.summary.skip(Kind::Meetings, &meeting.id, reason);
                continue;
            }
            let here = Meeting::find(conn, &row.tenant_id, &row.meeting_id)?;
            let outcome = match here {
                Some(here) if Meeting { created_at: 0, ..here.clone() } == row => Outcome::AlreadyThere,
                Some(_) => Outcome::Updated,
                None => Outcome::Imported,
            };
            if let Some(reason) = self.conflict(conn, &row)? {
                self.summary.skip(Kind::Meetings, &meeting.id, reason);
                continue;
            }
            if outcome != Outcome::AlreadyThere && !self.dry_run {
                Meeting::delete(conn, &row.tenant_id, &row.meeting_id)?;
                Meeting { created_at: now_ms(), ..row.clone() }.insert(conn)?;
            }
            self.record(Kind::Meetings, outcome);
            tenant_of.insert(row.bbb_meeting_id, row.tenant_id);
        }
        Ok(tenant_of)
    }

    /// Why a meeting cannot be stored: its BBB meeting ID or voice bridge belongs to another meeting here.
    fn conflict(&self, conn: &mut DbConnection, row: &Meeting) -> Result<Option<String>, DbError> {
        let same = |other: &Meeting| other.tenant_id == row.tenant_id && other.meeting_id == row.meeting_id;
        if let Some(other) = Meeting::find_by_bbb_meeting_id(conn, &row.bbb_meeting_id)?.filter(|o| !same(o)) {
            return Ok(Some(format!("tenant '{}' has a meeting with this ID here", other.tenant_id)));
        }
        if let Some(bridge) = &row.voice_bridge {
            if let Some(other) = Meeting::find_by_voice_bridge(conn, bridge)?.filter(|o| !same(o)) {
                return Ok(Some(format!("its voice bridge {bridge} is meeting {}'s here", other.meeting_id)));
            }
        }
        Ok(None)
    }
}

fn field<'a>(fields: &'a HashMap<String, String>, name: &str) -> Option<&'a str> {
    fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Our row of a Ruby server; `None` without a usable URL or secret. A server without `state` (from before
/// states) is enabled when it is in `server_enabled`.
pub fn server_row(server: &RubyServer, checksum: Algorithm) -> Option<Server> {
    let url = field(&server.fields, "url")?;
    let secret = field(&server.fields, "secret")?;
    validate_url(url).ok()?;
    let state = match field(&server.fields, "state").and_then(ServerState::parse) {
        Some(state) => state,
        None if server.in_enabled_set => ServerState::Enabled,
        None => ServerState::Disabled,
    };
    let number = |name| field(&server.fields, name).and_then(|v| v.parse::<i32>().ok()).unwrap_or(0);
    let now = now_ms();
    Some(Server {
        id: server.id.clone(),
        url: url.to_string(),
        secret: Secret::new(secret),
        tag: field(&server.fields, "tag").map(String::from),
        state: state.as_str().to_string(),
        online: field(&server.fields, "online") == Some("true"),
        load: None,
        load_multiplier: field(&server.fields, "load_multiplier")
            .and_then(|m| m.parse::<f64>().ok())
            .filter(|m| m.is_finite() && *m > 0.0)
            .unwrap_or(1.0),
        meetings: number("meetings"),
        users: number("users"),
        largest_meeting: number("largest_meeting"),
        videos: number("videos"),
        bbb_version: field(&server.fields, "bbb_version").map(String::from),
        checksum_algorithm: checksum.name().to_string(),
        created_at: now,
        updated_at: now,
    })
}

/// Whether a server here has Ruby's administrative values (URL, secret, tag, state, multiplier).
fn same_server(ours: &Server, ruby: &Server) -> bool {
    ours.url == ruby.url
        && ours.secret == ruby.secret
        && ours.tag == ruby.tag
        && ours.state == ruby.state
        && ours.load_multiplier == ruby.load_multiplier
}

/// Our row of a Ruby tenant (times zero); `None` without a name or secrets.
pub fn tenant_row(tenant: &RubyTenant) -> Option<Tenant> {
    let text = |name| field(&tenant.fields, name).map(String::from);
    Some(Tenant {
        id: tenant.id.clone(),
        name: text("name")?,
        secrets: Secret::new(text("secrets")?),
        lrs_endpoint: text("lrs_endpoint"),
        lrs_username: text("lrs_username"),
        lrs_password: text("lrs_password"),
        kc_token_url: text("kc_token_url"),
        kc_client_id: text("kc_client_id"),
        kc_client_secret: text("kc_client_secret"),
        kc_username: text("kc_username"),
        kc_password: text("kc_password"),
        ..Tenant::new(tenant.id.clone(), "", "", 0)
    })
}

/// Our row of a Ruby tenant setting; Ruby's `override` is the string `"true"` for an override.
pub fn setting_row(setting: &RubySetting) -> Option<TenantSetting> {
    Some(TenantSetting {
        id: setting.id.clone(),
        tenant_id: field(&setting.fields, "tenant_id")?.to_string(),
        param: field(&setting.fields, "param")?.to_string(),
        value: setting.fields.get("value")?.clone(),
        is_override: field(&setting.fields, "override") == Some("true"),
    })
}

/// Our row of a Ruby meeting (created at zero). Ruby's meeting IDs are global, so the BBB server knows the
/// meeting by the front-end's own ID, tenant or not.
pub fn meeting_row(meeting: &RubyMeeting) -> Meeting {
    let text = |name| field(&meeting.fields, name).map(String::from);
    Meeting {
        tenant_id: text("tenant_id").unwrap_or_default(),
        meeting_id: meeting.id.clone(),
        bbb_meeting_id: meeting.id.clone(),
        server_id: text("server_id").unwrap_or_default(),
        moderator_pw: text("moderator_pw"),
        voice_bridge: text("voice_bridge"),
        created_at: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_legacy_server_is_enabled_by_its_set() {
        let fields = hash(&[("url", "https://bbb1/bigbluebutton/api"), ("secret", "s"), ("load_multiplier", "2.5")]);
        let legacy = RubyServer { id: "a".into(), fields: fields.clone(), in_enabled_set: true };
        let row = server_row(&legacy, Algorithm::Sha256).unwrap();
        assert_eq!((row.state.as_str(), row.load_multiplier), ("enabled", 2.5));
        let off = RubyServer { in_enabled_set: false, ..legacy.clone() };
        assert_eq!(server_row(&off, Algorithm::Sha256).unwrap().state, "disabled");
        let mut cordoned = legacy.clone();
        cordoned.fields.insert("state".into(), "cordoned".into());
        assert_eq!(server_row(&cordoned, Algorithm::Sha512).unwrap().state, "cordoned");
        let mut no_url = legacy;
        no_url.fields.insert("url".into(), "ftp://x".into());
        assert!(server_row(&no_url, Algorithm::Sha256).is_none());
    }

    #[test]
    fn a_zero_or_bad_multiplier_is_one() {
        for m in ["0", "-1", "x", "NaN"] {
            let fields = hash(&[("url", "https://b/bigbluebutton/api"), ("secret", "s"), ("load_multiplier", m)]);
            let row = server_row(&RubyServer { id: "a".into(), fields, in_enabled_set: false }, Algorithm::Sha1);
            assert_eq!(row.unwrap().load_multiplier, 1.0, "{m}");
        }
    }

    #[test]
    fn settings_override_only_when_true() {
        let fields = hash(&[("tenant_id", "t"), ("param", "record"), ("value", "false"), ("override", "TRUE")]);
        let row = setting_row(&RubySetting { id: "s".into(), fields: fields.clone() }).unwrap();
        assert!(!row.is_override);
        let mut exact = fields;
        exact.insert("override".into(), "true".into());
        assert!(setting_row(&RubySetting { id: "s".into(), fields: exact }).unwrap().is_override);
    }

    #[test]
    fn a_meeting_keeps_its_global_id() {
        let fields =
            hash(&[("server_id", "a"), ("moderator_pw", "mp"), ("voice_bridge", "123456789"), ("tenant_id", "")]);
        let row = meeting_row(&RubyMeeting { id: "m1".into(), fields });
        assert_eq!((row.tenant_id.as_str(), row.bbb_meeting_id.as_str()), ("", "m1"));
        assert_eq!(row.voice_bridge.as_deref(), Some("123456789"));
    }
}
