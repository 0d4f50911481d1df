//! What request handlers read without a database round trip: the servers as the scheduler last loaded them,
//! and recently used meetings. The database stays the truth: the scheduler reloads the servers every second,
//! and a cached meeting is trusted for a few seconds only, and only while its server can be joined.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::bbb::checksum::Algorithm;
use crate::bbb::client::Target;
use crate::db::models::meeting::Meeting;
use crate::db::models::server::{Server, ServerState};
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
use crate::secret::Secret;

/// How long a cached meeting is trusted before it is read from the database again.
pub const MEETING_CACHE_TTL: Duration = Duration::from_secs(5);

/// A server as handlers need it.
#[derive(Clone, Debug)]
pub struct ServerView {
    pub id: String,
    pub url: String,
    pub secret: Secret,
    pub algorithm: Algorithm,
    pub state: ServerState,
    pub online: bool,
    pub tag: Option<String>,
}

impl ServerView {
    pub fn from_row(row: &Server) -> ServerView {
        ServerView {
            id: row.id.clone(),
            url: row.url.clone(),
            secret: row.secret.clone(),
            algorithm: Algorithm::from_name(&row.checksum_algorithm).unwrap_or(Algorithm::Sha256),
            state: row.state(),
            online: row.online,
            tag: row.tag.clone(),
        }
    }

    /// How to call this server.
    pub fn target(&self) -> Target<'_> {
        Target { url: &self.url, secret: &self.secret, algorithm: self.algorithm }
    }

    /// Whether its meetings can be joined: online and not disabled (cordoned is fine).
    pub fn can_join(&self) -> bool {
        self.online && self.state != ServerState::Disabled
    }
}

/// A tenant as handlers need it: its secrets and its create/join settings.
#[derive(Clone, Debug, Default)]
pub struct TenantView {
    pub id: String,
    pub name: String,
    pub secrets: Vec<Secret>,
    /// Parameters the front-end may override.
    pub defaults: Vec<(String, String)>,
    /// Parameters that replace the front-end's.
    pub overrides: Vec<(String, String)>,
    /// A disabled tenant's calls are refused.
    pub enabled: bool,
    /// Its learning record store, if it has one: each create carries a payload for it.
    pub lrs: Option<crate::lrs::Lrs>,
    /// Whether it has a limit on meetings or users (checked, then, when a create adds a meeting).
    pub limited: bool,
    /// Its API calls per second over every instance, if it has its own limit.
    pub rate_limit: Option<u32>,
    /// Whether its meetings may record.
    pub recording_enabled: bool,
}

impl TenantView {
    pub fn from_rows(tenant: &Tenant, settings: &[TenantSetting]) -> TenantView {
        let mine = settings.iter().filter(|s| s.tenant_id == tenant.id);
        let (overrides, defaults): (Vec<&TenantSetting>, Vec<&TenantSetting>) = mine.partition(|s| s.is_override);
        let pairs = |list: Vec<&TenantSetting>| list.iter().map(|s| (s.param.clone(), s.value.clone())).collect();
        TenantView {
            id: tenant.id.clone(),
            name: tenant.name.clone(),
            secrets: tenant.secret_list(),
            defaults: pairs(defaults),
            overrides: pairs(overrides),
            enabled: tenant.enabled,
            lrs: crate::lrs::Lrs::of(tenant),
            limited: tenant.max_meetings.is_some() || tenant.max_users.is_some(),
            rate_limit: tenant.rate_limit.and_then(|r| u32::try_from(r).ok()),
            recording_enabled: tenant.recording_enabled,
        }
    }

    /// The prefix of this tenant's meeting IDs on the BBB servers: tenants may use the same IDs.
    pub fn bbb_meeting_id(&self, meeting_id: &str) -> String {
        format!("{}~{meeting_id}", self.name)
    }
}

/// Every server by id, and every tenant by name.
#[derive(Default, Debug)]
pub struct PoolView {
    pub servers: HashMap<String, Arc<ServerView>>,
    pub tenants: HashMap<String, Arc<TenantView>>,
}

/// A meeting as handlers need it.
#[derive(Clone, Debug)]
pub struct CachedMeeting {
    pub meeting: Arc<Meeting>,
    fetched: Instant,
}

/// The pool view and the meeting cache, shared by every worker.
#[derive(Default)]
pub struct Shared {
    view: RwLock<Arc<PoolView>>,
    /// tenant id → meeting id → meeting.
    meetings: RwLock<HashMap<String, HashMap<String, CachedMeeting>>>,
}

impl Shared {
    /// The current view of the servers.
    pub fn view(&self) -> Arc<PoolView> {
        self.view.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the view (the scheduler, after loading the servers).
    pub fn set_view(&self, view: PoolView) {
        *self.view.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(view);
    }

    /// A tenant by name.
    pub fn tenant(&self, name: &str) -> Option<Arc<TenantView>> {
        // Host labels are case-insensitive; the view is keyed in lower case.
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            return self.view().tenants.get(&name.to_ascii_lowercase()).cloned();
        }
        self.view().tenants.get(name).cloned()
    }

    /// A server by id.
    pub fn server(&self, id: &str) -> Option<Arc<ServerView>> {
        self.view().servers.get(id).cloned()
    }

    /// A cached meeting, if fresh.
    pub fn meeting(&self, tenant_id: &str, meeting_id: &str) -> Option<Arc<Meeting>> {
        let cache = self.meetings.read().unwrap_or_else(|e| e.into_inner());
        let cached = cache.get(tenant_id)?.get(meeting_id)?;
        (cached.fetched.elapsed() < MEETING_CACHE_TTL).then(|| cached.meeting.clone())
    }

    /// Caches a meeting read from or written to the database.
    pub fn remember(&self, meeting: Arc<Meeting>) {
        let mut cache = self.meetings.write().unwrap_or_else(|e| e.into_inner());
        let tenant = cache.entry(meeting.tenant_id.clone()).or_default();
        if tenant.len() > 100_000 {
            tenant.retain(|_, m| m.fetched.elapsed() < MEETING_CACHE_TTL);
        }
        tenant.insert(meeting.meeting_id.clone(), CachedMeeting { meeting, fetched: Instant::now() });
    }

    /// Drops a meeting from the cache (ended, forgotten, moved).
    pub fn forget(&self, tenant_id: &str, meeting_id: &str) {
        let mut cache = self.meetings.write().unwrap_or_else(|e| e.into_inner());
        if let Some(tenant) = cache.get_mut(tenant_id) {
            tenant.remove(meeting_id);
        }
    }

    /// Drops every cached meeting of a server.
    pub fn forget_server(&self, server_id: &str) {
        let mut cache = self.meetings.write().unwrap_or_else(|e| e.into_inner());
        for tenant in cache.values_mut() {
            tenant.retain(|_, m| m.meeting.server_id != server_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(id: &str, server: &str) -> Arc<Meeting> {
        Arc::new(Meeting {
            tenant_id: String::new(),
            meeting_id: id.into(),
            bbb_meeting_id: id.into(),
            server_id: server.into(),
            moderator_pw: None,
            voice_bridge: None,
            created_at: 0,
        })
    }

    #[test]
    fn remembers_and_forgets_meetings() {
        let shared = Shared::default();
        assert!(shared.meeting("", "m1").is_none());
        shared.remember(meeting("m1", "s1"));
        shared.remember(meeting("m2", "s2"));
        assert_eq!(shared.meeting("", "m1").unwrap().server_id, "s1");
        assert!(shared.meeting("other-tenant", "m1").is_none());
        shared.forget("", "m1");
        assert!(shared.meeting("", "m1").is_none());
        shared.forget_server("s2");
        assert!(shared.meeting("", "m2").is_none());
    }
}
