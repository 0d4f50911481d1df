//! Server administration shared by the CLI, the admin API and sync: validation, state changes, panic.

use actix_web::http::StatusCode;
use serde_json::{json, Value};

use crate::bbb::checksum::Algorithm;
use crate::bbb::client::{BbbClient, Target};
use crate::db::models::meeting::Meeting;
use crate::db::models::server::{Server, ServerState};
use crate::db::{now_ms, DbConnection};
use crate::error::AdminError;
use crate::secret::Secret;

/// What is needed to add a server.
#[derive(Debug, Clone, Default)]
pub struct NewServer {
    pub url: String,
    pub secret: String,
    /// Absent or zero: 1.0.
    pub load_multiplier: Option<f64>,
    pub tag: Option<String>,
    /// What its calls are signed with; `None`: SHA-256 (give `Config::default_server_checksum`).
    pub checksum_algorithm: Option<Algorithm>,
}

/// A change to a server; `None` leaves a field as it is. `tag: Some(None)` removes the tag.
#[derive(Debug, Clone, Default)]
pub struct ServerUpdate {
    pub url: Option<String>,
    pub secret: Option<String>,
    pub load_multiplier: Option<f64>,
    pub tag: Option<Option<String>>,
    pub state: Option<ServerState>,
    pub checksum_algorithm: Option<Algorithm>,
}

/// A server URL must be http(s) with a host.
pub fn validate_url(url: &str) -> Result<(), AdminError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(AdminError::bad_request(format!("Server URL must start with http:// or https://: '{url}'")));
    }
    let parsed =
        url::Url::parse(url).map_err(|e| AdminError::bad_request(format!("Invalid server URL '{url}': {e}")))?;
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(AdminError::bad_request(format!("Server URL has no host: '{url}'")));
    }
    Ok(())
}

/// A load multiplier must be a positive, finite number.
pub fn validate_multiplier(multiplier: f64) -> Result<f64, AdminError> {
    if multiplier.is_finite() && multiplier > 0.0 {
        Ok(multiplier)
    } else {
        Err(AdminError::bad_request("Load-multiplier must be a non-zero number"))
    }
}

/// Parses a multiplier given as text (CLI, YAML, JSON strings).
pub fn parse_multiplier(text: &str) -> Result<f64, AdminError> {
    text.trim()
        .parse::<f64>()
        .map_err(|_| AdminError::bad_request(format!("Load-multiplier must be a number, not '{text}'")))
}

/// Parses the checksum algorithm a server's calls are signed with.
pub fn parse_algorithm(name: &str) -> Result<Algorithm, AdminError> {
    Algorithm::from_name(name).ok_or_else(|| {
        AdminError::bad_request(format!("Unknown checksum algorithm '{name}': use SHA1, SHA256, SHA384 or SHA512"))
    })
}

/// Trims a tag; an empty one is no tag.
pub fn normalize_tag(tag: Option<String>) -> Option<String> {
    tag.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// A sync or CLI id must be a plain name.
pub fn validate_id(id: &str) -> Result<(), AdminError> {
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        Ok(())
    } else {
        Err(AdminError::bad_request(format!("Invalid server id '{id}': use letters, digits, '_', '.' and '-'")))
    }
}

/// The id a new server gets: a random UUID, or its URL's lower-case host name.
pub fn new_server_id(url: &str, id_is_hostname: bool) -> Result<String, AdminError> {
    if !id_is_hostname {
        return Ok(uuid::Uuid::new_v4().to_string());
    }
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .ok_or_else(|| AdminError::bad_request(format!("Server URL has no host: '{url}'")))
}

/// The server with this id, or a 404.
pub fn get(conn: &mut DbConnection, id: &str) -> Result<Server, AdminError> {
    Server::find(conn, id)?.ok_or_else(|| AdminError::not_found(format!("Couldn't find server with id={id}")))
}

/// Adds a server, disabled and offline, under the given id.
pub fn add_with_id(conn: &mut DbConnection, id: String, new: NewServer) -> Result<Server, AdminError> {
    validate_url(&new.url)?;
    if new.secret.trim().is_empty() {
        return Err(AdminError::bad_request("Server needs a URL and a secret"));
    }
    let load_multiplier = match new.load_multiplier {
        None => 1.0,
        Some(0.0) => 1.0,
        Some(m) => validate_multiplier(m)?,
    };
    let now = now_ms();
    let server = Server {
        id,
        url: new.url,
        secret: Secret::new(new.secret),
        tag: normalize_tag(new.tag),
        state: ServerState::Disabled.as_str().to_string(),
        online: false,
        load: None,
        load_multiplier,
        meetings: 0,
        users: 0,
        largest_meeting: 0,
        videos: 0,
        bbb_version: None,
        checksum_algorithm: new.checksum_algorithm.unwrap_or(Algorithm::Sha256).name().to_string(),
        created_at: now,
        updated_at: now,
    };
    match server.insert(conn) {
        Ok(()) => Ok(server),
        Err(e) if e.is_unique_violation() => {
            Err(AdminError::new(StatusCode::CONFLICT, format!("Server already exists with id '{}'", server.id)))
        }
        Err(e) => Err(e.into()),
    }
}

/// Adds a server with a new id (see [`new_server_id`]).
pub fn add(conn: &mut DbConnection, new: NewServer, id_is_hostname: bool) -> Result<Server, AdminError> {
    validate_url(&new.url)?;
    let id = new_server_id(&new.url, id_is_hostname)?;
    add_with_id(conn, id, new)
}

/// Applies a change. Disabling forgets the load, as Ruby Scalelite does.
pub fn update(conn: &mut DbConnection, id: &str, change: ServerUpdate) -> Result<Server, AdminError> {
    if let Some(url) = &change.url {
        validate_url(url)?;
    }
    if let Some(secret) = &change.secret {
        if secret.trim().is_empty() {
            return Err(AdminError::bad_request("A server's secret cannot be empty"));
        }
    }
    if let Some(multiplier) = change.load_multiplier {
        validate_multiplier(multiplier)?;
    }
    let mut server = get(conn, id)?;
    if let Some(url) = change.url {
        server.url = url;
    }
    if let Some(secret) = change.secret {
        server.secret = Secret::new(secret);
    }
    if let Some(multiplier) = change.load_multiplier {
        server.load_multiplier = multiplier;
    }
    if let Some(tag) = change.tag {
        server.tag = normalize_tag(tag);
    }
    if let Some(algorithm) = change.checksum_algorithm {
        server.checksum_algorithm = algorithm.name().to_string();
    }
    if let Some(state) = change.state {
        server.state = state.as_str().to_string();
        if state == ServerState::Disabled {
            server.load = None;
        }
    }
    server.updated_at = now_ms();
    server.save(conn)?;
    Ok(server)
}

/// Sets a server's state.
pub fn set_state(conn: &mut DbConnection, id: &str, state: ServerState) -> Result<Server, AdminError> {
    update(conn, id, ServerUpdate { state: Some(state), ..Default::default() })
}

/// Deletes a server record. Its meetings stay, and are re-placed on their next create.
pub fn remove(conn: &mut DbConnection, id: &str) -> Result<(), AdminError> {
    if Server::delete(conn, id)? {
        Ok(())
    } else {
        Err(AdminError::not_found(format!("Couldn't find server with id={id}")))
    }
}

/// Forgets every meeting of a server and, unless `keep_state`, disables it. Returns the server and the
/// forgotten meetings, for [`end_meetings`].
pub fn panic(conn: &mut DbConnection, id: &str, keep_state: bool) -> Result<(Server, Vec<Meeting>), AdminError> {
    let server = get(conn, id)?;
    let meetings = Meeting::take_all_on_server(conn, id)?;
    let server = if keep_state { server } else { set_state(conn, id, ServerState::Disabled)? };
    Ok((server, meetings))
}

/// Sends `end` for each forgotten meeting of a server, by the ID the server knows (see
/// [`BbbClient::end_meetings`]).
pub async fn end_meetings(client: &BbbClient, server: &Server, meetings: &[Meeting]) -> usize {
    let algorithm = Algorithm::from_name(&server.checksum_algorithm).unwrap_or(Algorithm::Sha256);
    let target = Target { url: &server.url, secret: &server.secret, algorithm };
    client.end_meetings(&target, &Meeting::end_calls(meetings)).await
}

/// The multiplier as Ruby Scalelite shows it: `1.0`, `2.5`.
pub fn multiplier_text(multiplier: f64) -> String {
    if multiplier.fract() == 0.0 && multiplier.abs() < 1e15 {
        format!("{multiplier:.1}")
    } else {
        multiplier.to_string()
    }
}

/// The server object of the admin API.
pub fn to_json(server: &Server) -> Value {
    json!({
        "id": server.id,
        "url": server.url,
        "secret": server.secret.expose(),
        "tag": server.tag.clone().unwrap_or_default(),
        "bbb_version": server.bbb_version.clone().unwrap_or_default(),
        "state": server.state,
        "load": server.load.map(Value::from).unwrap_or_else(|| Value::from("unavailable")),
        "load_multiplier": multiplier_text(server.load_multiplier),
        "online": if server.online { "online" } else { "offline" },
        "checksum_algorithm": server.checksum_algorithm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_urls() {
        assert!(validate_url("https://bbb1.example.com/bigbluebutton/api").is_ok());
        assert!(validate_url("http://10.0.0.1:8080/bigbluebutton/api/").is_ok());
        assert!(validate_url("ftp://bbb1.example.com/").is_err());
        assert!(validate_url("bbb1.example.com/bigbluebutton/api").is_err());
        assert!(validate_url("https://").is_err());
    }

    #[test]
    fn validates_multipliers_and_ids() {
        assert_eq!(validate_multiplier(2.5).unwrap(), 2.5);
        assert!(validate_multiplier(0.0).is_err());
        assert!(validate_multiplier(-1.0).is_err());
        assert!(validate_multiplier(f64::NAN).is_err());
        assert!(parse_multiplier("x").is_err());
        assert!(validate_id("bbb1.example_com-2").is_ok());
        assert!(validate_id("bad id").is_err());
        assert!(validate_id("").is_err());
    }

    #[test]
    fn ids_from_hostnames_are_lower_case() {
        assert_eq!(new_server_id("https://BBB1.Example.com/bigbluebutton/api", true).unwrap(), "bbb1.example.com");
        assert_eq!(new_server_id("https://bbb1.example.com/", false).unwrap().len(), 36);
    }

    #[test]
    fn multipliers_print_as_ruby_decimals() {
        assert_eq!(multiplier_text(1.0), "1.0");
        assert_eq!(multiplier_text(2.5), "2.5");
        assert_eq!(multiplier_text(23.0), "23.0");
    }
}
