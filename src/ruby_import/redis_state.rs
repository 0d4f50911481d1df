//! Reads a running Ruby Scalelite's Redis, in its key layout (servers, tenants, tenant settings, meetings).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use redis::{Connection, RedisResult};

/// How long one Redis call may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Hashes read in one round trip.
const PIPELINE: usize = 500;

/// A `server:<id>` hash.
#[derive(Debug, Clone, PartialEq)]
pub struct RubyServer {
    pub id: String,
    pub fields: HashMap<String, String>,
    /// A member of `server_enabled` (the state of a legacy server without `state`).
    pub in_enabled_set: bool,
}

/// A `tenant:<id>` hash.
#[derive(Debug, Clone, PartialEq)]
pub struct RubyTenant {
    pub id: String,
    pub fields: HashMap<String, String>,
}

/// A `tenant_setting:<id>` hash, found through `tenant_settings:<tenant id>`.
#[derive(Debug, Clone, PartialEq)]
pub struct RubySetting {
    pub id: String,
    pub fields: HashMap<String, String>,
}

/// A `meeting:<id>` hash; `fields` is empty when the hash expired but the ID is still in `meetings`.
#[derive(Debug, Clone, PartialEq)]
pub struct RubyMeeting {
    pub id: String,
    pub fields: HashMap<String, String>,
}

/// Everything Ruby Scalelite keeps in Redis that we import.
#[derive(Debug, Default)]
pub struct RedisState {
    pub servers: Vec<RubyServer>,
    pub tenants: Vec<RubyTenant>,
    /// `tenant_name:<name>` → tenant ID: the tenant a host name reached.
    pub name_index: HashMap<String, String>,
    pub settings: Vec<RubySetting>,
    pub meetings: Vec<RubyMeeting>,
}

/// Connects to Redis (`redis://…`), with a timeout on every call.
pub fn connect(url: &str) -> RedisResult<Connection> {
    let client = redis::Client::open(url)?;
    let conn = client.get_connection_with_timeout(TIMEOUT)?;
    conn.set_read_timeout(Some(TIMEOUT))?;
    conn.set_write_timeout(Some(TIMEOUT))?;
    Ok(conn)
}

/// Reads the state under `namespace` (Ruby's `REDIS_NAMESPACE`, `scalelite` by default; empty: no prefix).
pub fn read(conn: &mut Connection, namespace: &str) -> RedisResult<RedisState> {
    let key = |k: &str| if namespace.is_empty() { k.to_string() } else { format!("{namespace}:{k}") };
    let server_ids = sorted_members(conn, &key("servers"))?;
    let enabled: HashSet<String> = sorted_members(conn, &key("server_enabled"))?.into_iter().collect();
    let servers = hashes(conn, &server_ids, |id| key(&format!("server:{id}")))?
        .into_iter()
        .zip(server_ids)
        .map(|(fields, id)| RubyServer { in_enabled_set: enabled.contains(&id), id, fields })
        .collect();

    let tenant_ids = sorted_members(conn, &key("tenants"))?;
    let tenant_hashes = hashes(conn, &tenant_ids, |id| key(&format!("tenant:{id}")))?;
    let mut name_index = HashMap::new();
    let mut settings = Vec::new();
    let mut tenants = Vec::new();
    for (id, fields) in tenant_ids.into_iter().zip(tenant_hashes) {
        if let Some(name) = fields.get("name") {
            let index: HashMap<String, String> =
                redis::cmd("HGETALL").arg(key(&format!("tenant_name:{name}"))).query(conn)?;
            if let Some(owner) = index.get("id") {
                name_index.insert(name.clone(), owner.clone());
            }
        }
        let setting_ids = sorted_members(conn, &key(&format!("tenant_settings:{id}")))?;
        let setting_hashes = hashes(conn, &setting_ids, |s| key(&format!("tenant_setting:{s}")))?;
        settings.extend(setting_ids.into_iter().zip(setting_hashes).map(|(id, fields)| RubySetting { id, fields }));
        tenants.push(RubyTenant { id, fields });
    }

    let meeting_ids = sorted_members(conn, &key("meetings"))?;
    let meetings = hashes(conn, &meeting_ids, |id| key(&format!("meeting:{id}")))?
        .into_iter()
        .zip(meeting_ids)
        .map(|(fields, id)| RubyMeeting { id, fields })
        .collect();
    Ok(RedisState { servers, tenants, name_index, settings, meetings })
}

fn sorted_members(conn: &mut Connection, key: &str) -> RedisResult<Vec<String>> {
    let mut members: Vec<String> = redis::cmd("SMEMBERS").arg(key).query(conn)?;
    members.sort();
    Ok(members)
}

/// HGETALL of each ID's key, pipelined; in the IDs' order (an empty map for a missing hash).
fn hashes(
    conn: &mut Connection,
    ids: &[String],
    key_of: impl Fn(&str) -> String,
) -> RedisResult<Vec<HashMap<String, String>>> {
    let mut all = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(PIPELINE) {
        let mut pipe = redis::pipe();
        for id in chunk {
            pipe.cmd("HGETALL").arg(key_of(id));
        }
        let part: Vec<HashMap<String, String>> = pipe.query(conn)?;
        all.extend(part);
    }
    Ok(all)
}
