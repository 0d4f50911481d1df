//! Which parameters reach a BBB server on create and join: the front-end's, minus the excluded ones, merged
//! with defaults and overrides in Ruby Scalelite's order (lowest first): tenant defaults, global defaults, the
//! front-end's parameters, global overrides, tenant overrides; and, for create, what Scalelite sets itself (the
//! meeting's BBB ID, password and voice bridge, the tenant and server tag, the duration cap, the callbacks).

use crate::config::Config;
use crate::db::models::meeting::Meeting;
use crate::pool::TenantView;

/// An ordered parameter list where setting a key replaces its value in place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamList(pub Vec<(String, String)>);

impl ParamList {
    /// The front-end's parameters; a repeated key keeps its last value, at its first position.
    pub fn from_client(params: &[(String, String)], excluded: &[String]) -> ParamList {
        let mut list = ParamList::default();
        for (key, value) in params {
            if matches!(key.as_str(), "checksum" | "format" | "controller" | "action") || excluded.contains(key) {
                continue;
            }
            list.set(key, value);
        }
        list
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn set(&mut self, key: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value.to_string(),
            None => self.0.push((key.to_string(), value.to_string())),
        }
    }

    /// Sets a key only if it is absent.
    pub fn set_default(&mut self, key: &str, value: &str) {
        if self.get(key).is_none() {
            self.0.push((key.to_string(), value.to_string()));
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        let position = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(position).1)
    }

    /// As `(&str, &str)` pairs, for encoding.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }
}

/// Defaults and overrides from the configuration and the tenant.
pub struct Policy<'a> {
    pub tenant_defaults: &'a [(String, String)],
    pub global_defaults: &'a [(String, String)],
    pub global_overrides: &'a [(String, String)],
    pub tenant_overrides: &'a [(String, String)],
}

const NONE: &[(String, String)] = &[];

impl<'a> Policy<'a> {
    /// The policy of create for a tenant (or for none).
    pub fn create(config: &'a Config, tenant: Option<&'a TenantView>) -> Policy<'a> {
        Policy::of(tenant, &config.default_create_params, &config.override_create_params)
    }

    /// The policy of join for a tenant (or for none): the tenant's settings apply to create and join alike.
    pub fn join(config: &'a Config, tenant: Option<&'a TenantView>) -> Policy<'a> {
        Policy::of(tenant, &config.default_join_params, &config.override_join_params)
    }

    fn of(
        tenant: Option<&'a TenantView>,
        global_defaults: &'a [(String, String)],
        global_overrides: &'a [(String, String)],
    ) -> Policy<'a> {
        let (tenant_defaults, tenant_overrides) = match tenant {
            Some(t) => (&t.defaults[..], &t.overrides[..]),
            None => (NONE, NONE),
        };
        Policy { tenant_defaults, global_defaults, global_overrides, tenant_overrides }
    }
}

/// The tag is resolved on its own (see `create`), never through defaults or overrides.
const SERVER_TAG: &str = "meta_server-tag";

impl Policy<'_> {
    /// Merges the front-end's parameters with the defaults and overrides.
    pub fn apply(&self, mut client: ParamList) -> ParamList {
        let not_tag = |(k, _): &&(String, String)| k != SERVER_TAG;
        for (key, value) in self.tenant_defaults.iter().chain(self.global_defaults).filter(not_tag) {
            client.set_default(key, value);
        }
        for (key, value) in self.global_overrides.iter().chain(self.tenant_overrides).filter(not_tag) {
            client.set(key, value);
        }
        client
    }

    /// The effective `meta_server-tag`: the first non-blank of tenant override, global override, the
    /// front-end's, tenant default, global default.
    pub fn server_tag<'b>(&'b self, client: Option<&'b str>) -> Option<&'b str> {
        let find = |list: &'b [(String, String)]| {
            list.iter().find(|(k, v)| k == SERVER_TAG && !v.trim().is_empty()).map(|(_, v)| v.as_str())
        };
        find(self.tenant_overrides)
            .or_else(|| find(self.global_overrides))
            .or(client.filter(|v| !v.trim().is_empty()))
            .or_else(|| find(self.tenant_defaults))
            .or_else(|| find(self.global_defaults))
    }
}

/// What a create sends to its server, and the callbacks the front-end asked for that Scalelite makes.
pub struct CreateParams {
    pub params: ParamList,
    pub asked: crate::callbacks::Asked,
}

impl Policy<'_> {
    /// The parameters of a create: the front-end's under this policy, with the meeting's BBB ID, password and
    /// voice bridge, the tenant, the server's tag (none if it has none), `MAX_MEETING_DURATION` as a cap, and
    /// the callbacks taken out (the recording-ready URL is Scalelite's to call; the analytics callback is relayed
    /// through Scalelite when `URL_HOST` is set).
    pub fn create_params(
        &self,
        client: &[(String, String)],
        tenant: Option<&TenantView>,
        meeting: &Meeting,
        server_tag: Option<&str>,
        config: &Config,
    ) -> CreateParams {
        let mut params = self.apply(ParamList::from_client(client, &config.create_exclude_params));
        params.set("meetingID", &meeting.bbb_meeting_id);
        if let Some(password) = &meeting.moderator_pw {
            params.set("moderatorPW", password);
        }
        if let Some(voice_bridge) = &meeting.voice_bridge {
            params.set("voiceBridge", voice_bridge);
        }
        if let Some(tenant) = tenant {
            params.set("meta_tenant-id", &tenant.id);
            params.set("meta_tenant-name", &tenant.name);
        }
        match server_tag {
            Some(tag) => params.set(SERVER_TAG, tag),
            None => {
                params.remove(SERVER_TAG);
            }
        }
        if config.max_meeting_duration > 0 {
            let limit = config.max_meeting_duration;
            let asked: u32 = params.get("duration").and_then(|d| d.trim().parse().ok()).unwrap_or(0);
            if asked == 0 || asked > limit {
                params.set("duration", &limit.to_string());
            }
        }
        let recording_ready_url = params
            .remove("meta_bn-recording-ready-url")
            .into_iter()
            .chain(params.remove("meta_bbb-recording-ready-url"))
            .find(|url| !url.is_empty());
        params.remove("meta_canvas-recording-ready-url");
        let analytics_callback_url = params.get("meta_analytics-callback-url").map(String::from);
        if let (Some(_), Some(host)) = (&analytics_callback_url, &config.url_host) {
            let host = match tenant {
                Some(tenant) => format!("{}.{host}", tenant.name),
                None => host.clone(),
            };
            params.set("meta_analytics-callback-url", &format!("https://{host}/bigbluebutton/api/analytics_callback"));
        }
        // The server gets Scalelite's meetingEndedURL (set by the caller); the front-end's is called by Scalelite,
        // as is a tenant meeting's end callback, which the server would call with its own meeting ID.
        let meeting_ended_url = params.remove("meetingEndedURL").filter(|url| !url.is_empty());
        let end_callback_url = match tenant {
            Some(_) => params.remove("meta_endCallbackUrl").filter(|url| !url.is_empty()),
            None => None,
        };
        let asked = crate::callbacks::Asked {
            recording_ready_url,
            analytics_callback_url,
            meeting_ended_url,
            end_callback_url,
        };
        CreateParams { params, asked }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn drops_excluded_and_internal_parameters_and_keeps_the_last_value() {
        let client = pairs(&[("meetingID", "a"), ("logo", "x"), ("checksum", "c"), ("name", "1"), ("name", "2")]);
        let list = ParamList::from_client(&client, &["logo".to_string()]);
        assert_eq!(list.0, pairs(&[("meetingID", "a"), ("name", "2")]));
    }

    #[test]
    fn merges_in_ruby_scalelites_order() {
        let tenant_defaults = pairs(&[("record", "tenant-default"), ("welcome", "tenant-default"), ("a", "td")]);
        let global_defaults = pairs(&[("record", "global-default"), ("b", "gd"), ("a", "gd")]);
        let global_overrides = pairs(&[("muteOnStart", "global-override"), ("c", "go")]);
        let tenant_overrides = pairs(&[("muteOnStart", "tenant-override"), ("meta_server-tag", "never")]);
        let policy = Policy {
            tenant_defaults: &tenant_defaults,
            global_defaults: &global_defaults,
            global_overrides: &global_overrides,
            tenant_overrides: &tenant_overrides,
        };
        let client = ParamList::from_client(&pairs(&[("record", "client"), ("muteOnStart", "client")]), &[]);
        let merged = policy.apply(client);
        assert_eq!(merged.get("record"), Some("client"));
        assert_eq!(merged.get("welcome"), Some("tenant-default"));
        assert_eq!(merged.get("a"), Some("td"));
        assert_eq!(merged.get("b"), Some("gd"));
        assert_eq!(merged.get("c"), Some("go"));
        assert_eq!(merged.get("muteOnStart"), Some("tenant-override"));
        assert_eq!(merged.get("meta_server-tag"), None);
    }

    #[test]
    fn resolves_the_server_tag_by_precedence() {
        let none: Vec<(String, String)> = Vec::new();
        let default = pairs(&[("meta_server-tag", "default")]);
        let override_ = pairs(&[("meta_server-tag", "override")]);
        let policy = Policy {
            tenant_defaults: &none,
            global_defaults: &default,
            global_overrides: &none,
            tenant_overrides: &none,
        };
        assert_eq!(policy.server_tag(Some("client")), Some("client"));
        assert_eq!(policy.server_tag(Some(" ")), Some("default"));
        let policy = Policy {
            tenant_defaults: &none,
            global_defaults: &default,
            global_overrides: &override_,
            tenant_overrides: &none,
        };
        assert_eq!(policy.server_tag(Some("client")), Some("override"));
    }
}
