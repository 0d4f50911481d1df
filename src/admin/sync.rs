//! `servers sync` and `servers export`: the pool as a YAML file, in Ruby Scalelite's format.
//!
//! ```yaml
//! servers:
//!   bbb1:
//!     secret: "…"                                   # required
//!     url: https://bbb1/bigbluebutton/api          # default https://<id>/bigbluebutton/api
//!     enabled: true                                 # default true; false cordons an enabled server
//!     load_multiplier: 1.0                          # default 1.0, must be > 0
//!     tag: east                                     # default none
//!     checksum_algorithm: SHA512                    # what its calls are signed with; default as `servers add`
//! ```
//! Planning is a pure function of the file and the current pool; applying it is a list of plain changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::admin::servers::{self, NewServer, ServerUpdate};
use crate::db::models::meeting::Meeting;
use crate::db::models::server::{Server, ServerState};
use crate::db::DbConnection;
use crate::error::AdminError;

/// What happens to servers that are not in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncMode {
    /// Leave them alone.
    Keep,
    /// Remove the empty ones, cordon the others.
    Cordon,
    /// End their meetings and remove them.
    Force,
}

/// The sync file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncFile {
    pub servers: BTreeMap<String, SyncEntry>,
}

/// One server of the sync file. `state`, `load`, `bbb_version` and `online` (as `export --verbose`
/// writes them) are accepted and ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncEntry {
    pub secret: String,
    pub url: Option<String>,
    pub enabled: Option<bool>,
    pub load_multiplier: Option<f64>,
    pub tag: Option<String>,
    pub checksum_algorithm: Option<String>,
    #[serde(default)]
    pub state: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub load: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub bbb_version: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub online: Option<serde_yaml_ng::Value>,
}

/// One change of a sync.
#[derive(Debug, Clone)]
pub enum SyncAction {
    Add {
        id: String,
        new: NewServer,
        enable: bool,
    },
    Update {
        id: String,
        change: ServerUpdate,
        summary: Vec<String>,
    },
    Cordon {
        id: String,
    },
    Remove {
        id: String,
    },
    /// Cordon, forget its meetings (ending them), and remove.
    ForceRemove {
        id: String,
    },
}

impl SyncAction {
    /// One line for the operator.
    pub fn describe(&self) -> String {
        match self {
            SyncAction::Add { id, new, enable } => {
                format!("add {id} ({}){}", new.url, if *enable { ", enabled" } else { "" })
            }
            SyncAction::Update { id, summary, .. } => {
                format!("update {id}: {}", summary.join(", "))
            }
            SyncAction::Cordon { id } => format!("cordon {id} (not in the file, has meetings)"),
            SyncAction::Remove { id } => format!("remove {id} (not in the file, empty)"),
            SyncAction::ForceRemove { id } => {
                format!("end the meetings of {id} and remove it (not in the file)")
            }
        }
    }
}

/// Ruby's `servers.yml` of `servers:addAll`: a list of servers.
#[derive(Debug, Deserialize)]
pub struct ListFile {
    pub servers: Vec<ListEntry>,
}

/// One server of a list file.
#[derive(Debug, Deserialize)]
pub struct ListEntry {
    pub url: String,
    pub secret: String,
}

/// Parses a list file (`servers add-all`).
pub fn parse_list(text: &str) -> Result<ListFile, AdminError> {
    serde_yaml_ng::from_str(text).map_err(|e| AdminError::bad_request(format!("Invalid servers list: {e}")))
}

/// Parses a sync file and checks every entry.
pub fn parse(text: &str) -> Result<SyncFile, AdminError> {
    if parse_list(text).is_ok() {
        return Err(AdminError::bad_request(
            "This is a list of servers (the servers:addAll format): add them with `scalelite servers add-all FILE`, \
             or key each server by its ID under `servers:` to sync",
        ));
    }
    let file: SyncFile =
        serde_yaml_ng::from_str(text).map_err(|e| AdminError::bad_request(format!("Invalid sync file: {e}")))?;
    check(&file.servers)?;
    Ok(file)
}

/// Checks every entry of a sync file's servers.
pub fn check(servers: &BTreeMap<String, SyncEntry>) -> Result<(), AdminError> {
    for (id, entry) in servers {
        servers::validate_id(id)?;
        if entry.secret.trim().is_empty() {
            return Err(AdminError::bad_request(format!("Server {id}: a secret is required")));
        }
        if let Some(url) = &entry.url {
            servers::validate_url(url).map_err(|e| AdminError::bad_request(format!("Server {id}: {e}")))?;
        }
        if let Some(m) = entry.load_multiplier {
            servers::validate_multiplier(m).map_err(|e| AdminError::bad_request(format!("Server {id}: {e}")))?;
        }
        if let Some(name) = &entry.checksum_algorithm {
            servers::parse_algorithm(name).map_err(|e| AdminError::bad_request(format!("Server {id}: {e}")))?;
        }
    }
    Ok(())
}

/// The changes that make the pool match the file. `busy(id)` says whether a server has meetings.
pub fn plan(file: &SyncFile, current: &[Server], mode: SyncMode, busy: impl Fn(&Server) -> bool) -> Vec<SyncAction> {
    let mut actions = Vec::new();
    for (id, entry) in &file.servers {
        let url = entry.url.clone().unwrap_or_else(|| format!("https://{id}/bigbluebutton/api"));
        let multiplier = entry.load_multiplier.unwrap_or(1.0);
        let tag = servers::normalize_tag(entry.tag.clone());
        let enabled = entry.enabled.unwrap_or(true);
        let algorithm = entry.checksum_algorithm.as_deref().and_then(|name| servers::parse_algorithm(name).ok());
        let Some(server) = current.iter().find(|s| &s.id == id) else {
            let new = NewServer {
                url,
                secret: entry.secret.clone(),
                load_multiplier: Some(multiplier),
                tag,
                checksum_algorithm: algorithm,
            };
            actions.push(SyncAction::Add { id: id.clone(), new, enable: enabled });
            continue;
        };
        let mut change = ServerUpdate::default();
        let mut summary = Vec::new();
        if server.url != url {
            summary.push(format!("url {url}"));
            change.url = Some(url);
        }
        if server.secret.expose() != entry.secret {
            summary.push("secret".to_string());
            change.secret = Some(entry.secret.clone());
        }
        if server.load_multiplier != multiplier {
            summary.push(format!("load multiplier {}", servers::multiplier_text(multiplier)));
            change.load_multiplier = Some(multiplier);
        }
        if server.tag != tag {
            summary.push(format!("tag {}", tag.as_deref().unwrap_or("(none)")));
            change.tag = Some(tag);
        }
        if let Some(algorithm) = algorithm.filter(|a| a.name() != server.checksum_algorithm) {
            summary.push(format!("checksum {}", algorithm.name()));
            change.checksum_algorithm = Some(algorithm);
        }
        let state = server.state();
        if enabled && state != ServerState::Enabled {
            summary.push("enable".to_string());
            change.state = Some(ServerState::Enabled);
        } else if !enabled && state == ServerState::Enabled {
            summary.push("cordon".to_string());
            change.state = Some(ServerState::Cordoned);
        }
        if !summary.is_empty() {
            actions.push(SyncAction::Update { id: id.clone(), change, summary });
        }
    }
    for server in current.iter().filter(|s| !file.servers.contains_key(&s.id)) {
        let id = server.id.clone();
        match mode {
            SyncMode::Keep => {}
            SyncMode::Cordon if busy(server) => {
                if server.state() != ServerState::Cordoned {
                    actions.push(SyncAction::Cordon { id });
                }
            }
            SyncMode::Cordon => actions.push(SyncAction::Remove { id }),
            SyncMode::Force => actions.push(SyncAction::ForceRemove { id }),
        }
    }
    actions
}

/// Applies one action. A forced removal returns the server and the meetings it forgot, to be ended.
pub fn apply(conn: &mut DbConnection, action: SyncAction) -> Result<Option<(Server, Vec<Meeting>)>, AdminError> {
    match action {
        SyncAction::Add { id, new, enable } => {
            servers::add_with_id(conn, id.clone(), new)?;
            if enable {
                servers::set_state(conn, &id, ServerState::Enabled)?;
            }
        }
        SyncAction::Update { id, change, .. } => {
            servers::update(conn, &id, change)?;
        }
        SyncAction::Cordon { id } => {
            servers::set_state(conn, &id, ServerState::Cordoned)?;
        }
        SyncAction::Remove { id } => servers::remove(conn, &id)?,
        SyncAction::ForceRemove { id } => {
            servers::set_state(conn, &id, ServerState::Cordoned)?;
            let (server, meetings) = servers::panic(conn, &id, true)?;
            servers::remove(conn, &id)?;
            return Ok(Some((server, meetings)));
        }
    }
    Ok(None)
}

/// One server as `export` writes it.
#[derive(Serialize)]
pub struct ExportEntry<'a> {
    url: &'a str,
    secret: &'a str,
    enabled: bool,
    load_multiplier: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<&'a str>,
    checksum_algorithm: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    load: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bbb_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    online: Option<bool>,
}

/// The pool as a sync file; `verbose` adds state, load (-1.0 when unknown), BBB version and online.
pub fn export(servers: &[Server], verbose: bool) -> Result<String, AdminError> {
    let mut document = BTreeMap::new();
    document.insert("servers", export_entries(servers, verbose));
    serde_yaml_ng::to_string(&document).map_err(|e| AdminError::bad_request(e.to_string()))
}

/// The servers as the entries of a sync file, by ID.
pub fn export_entries(servers: &[Server], verbose: bool) -> BTreeMap<&str, ExportEntry<'_>> {
    servers
        .iter()
        .map(|s| {
            let entry = ExportEntry {
                url: &s.url,
                secret: s.secret.expose(),
                enabled: s.state() == ServerState::Enabled,
                load_multiplier: s.load_multiplier,
                tag: s.tag.as_deref(),
                checksum_algorithm: &s.checksum_algorithm,
                state: verbose.then_some(s.state.as_str()),
                load: verbose.then_some(s.load.unwrap_or(-1.0)),
                bbb_version: if verbose { Some(s.bbb_version.as_deref().unwrap_or("")) } else { None },
                online: verbose.then_some(s.online),
            };
            (s.id.as_str(), entry)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn server(id: &str, state: ServerState) -> Server {
        Server {
            id: id.into(),
            url: format!("https://{id}/bigbluebutton/api"),
            secret: Secret::new("s"),
            tag: None,
            state: state.as_str().into(),
            online: true,
            load: None,
            load_multiplier: 1.0,
            meetings: 0,
            users: 0,
            largest_meeting: 0,
            videos: 0,
            bbb_version: None,
            checksum_algorithm: "SHA256".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    #[test]
    fn parses_ruby_sync_files_and_refuses_unknown_keys() {
        let file = parse("servers:\n  bbb1:\n    secret: a\n  bbb2:\n    url: https://x/bigbluebutton/api\n    secret: b\n    enabled: false\n    load_multiplier: 5\n").unwrap();
        assert_eq!(file.servers.len(), 2);
        assert_eq!(file.servers["bbb2"].load_multiplier, Some(5.0));
        assert!(parse("servers:\n  bbb1:\n    secret: a\n    color: red\n").is_err());
        assert!(parse("servers:\n  bbb1:\n    url: https://x/\n").is_err());
        assert!(parse("servers:\n  'bad id':\n    secret: a\n").is_err());
        assert!(parse("servers:\n  bbb1:\n    secret: a\n    load_multiplier: 0\n").is_err());
        assert!(parse("servers: [").is_err());
    }

    #[test]
    fn plans_adds_updates_and_state_changes() {
        let file = parse("servers:\n  new:\n    secret: a\n  on:\n    secret: s\n    enabled: false\n  off:\n    secret: s\n    tag: east\n").unwrap();
        let current = [server("on", ServerState::Enabled), server("off", ServerState::Disabled)];
        let actions = plan(&file, &current, SyncMode::Keep, |_| false);
        let lines: Vec<String> = actions.iter().map(SyncAction::describe).collect();
        assert_eq!(
            lines,
            ["add new (https://new/bigbluebutton/api), enabled", "update off: tag east, enable", "update on: cordon",]
        );
    }

    #[test]
    fn servers_missing_from_the_file_follow_the_mode() {
        let file = parse("servers:\n  keep:\n    secret: s\n").unwrap();
        let current = [
            server("keep", ServerState::Enabled),
            server("busy", ServerState::Enabled),
            server("idle", ServerState::Enabled),
        ];
        let busy = |s: &Server| s.id == "busy";
        assert!(plan(&file, &current, SyncMode::Keep, busy).is_empty());
        let cordon: Vec<String> =
            plan(&file, &current, SyncMode::Cordon, busy).iter().map(SyncAction::describe).collect();
        assert_eq!(cordon, ["cordon busy (not in the file, has meetings)", "remove idle (not in the file, empty)"]);
        let force = plan(&file, &current, SyncMode::Force, busy);
        assert_eq!(force.len(), 2);
        assert!(force.iter().all(|a| matches!(a, SyncAction::ForceRemove { .. })));
    }

    #[test]
    fn export_parses_back_to_the_same_pool() {
        let mut tagged = server("b", ServerState::Cordoned);
        tagged.tag = Some("east".into());
        tagged.load_multiplier = 2.5;
        let current = [server("a", ServerState::Enabled), tagged];
        for verbose in [false, true] {
            let text = export(&current, verbose).unwrap();
            let file = parse(&text).unwrap();
            assert_eq!(file.servers["b"].tag.as_deref(), Some("east"));
            assert_eq!(file.servers["b"].enabled, Some(false));
            assert_eq!(file.servers["b"].load_multiplier, Some(2.5));
            assert!(plan(&file, &current, SyncMode::Force, |_| false).is_empty(), "{text}");
        }
    }
}
