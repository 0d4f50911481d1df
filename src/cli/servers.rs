//! `scalelite servers …` and `scalelite status`: Ruby Scalelite's `servers*` and `status` rake tasks.

use std::io::{BufRead, Read, Write};

use super::{connect, Failure, ServersCommand};
use crate::admin::servers::{self, NewServer, ServerUpdate};
use crate::admin::{state_file, sync};
use crate::bbb::client::BbbClient;
use crate::config::Config;
use crate::db::models::meeting::Meeting;
use crate::db::models::server::{Server, ServerState};
use crate::db::models::server_figures::ServerFigures;
use crate::db::DbConnection;

pub(super) fn run(config: &Config, command: ServersCommand) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    let conn = &mut conn;
    match command {
        ServersCommand::List => list(conn),
        ServersCommand::Add { url, secret, load_multiplier, tag, checksum_algorithm } => {
            let load_multiplier = cli_multiplier(load_multiplier.as_deref())?;
            let checksum_algorithm = match checksum_algorithm {
                Some(name) => servers::parse_algorithm(&name)?,
                None => config.default_server_checksum,
            };
            let new = NewServer { url, secret, load_multiplier, tag, checksum_algorithm: Some(checksum_algorithm) };
            let server = servers::add(conn, new, config.server_id_is_hostname)?;
            println!("OK\nid: {}", server.id);
            Ok(())
        }
        ServersCommand::Update { id, url, secret, load_multiplier, tag, checksum_algorithm } => {
            let change = ServerUpdate {
                url,
                secret,
                load_multiplier: cli_multiplier(load_multiplier.as_deref())?.map(|m| if m == 0.0 { 1.0 } else { m }),
                tag: tag.map(Some),
                state: None,
                checksum_algorithm: checksum_algorithm.as_deref().map(servers::parse_algorithm).transpose()?,
            };
            servers::update(conn, &id, change)?;
            println!("OK");
            Ok(())
        }
        ServersCommand::Remove { id } => {
            servers::remove(conn, &id)?;
            println!("OK");
            Ok(())
        }
        ServersCommand::Enable { id } => set_state(conn, &id, ServerState::Enabled),
        ServersCommand::Cordon { id } => set_state(conn, &id, ServerState::Cordoned),
        ServersCommand::Disable { id, yes } => disable(config, conn, &id, yes),
        ServersCommand::Panic { id, keep_state, skip_end_calls } => {
            let (server, meetings) = servers::panic(conn, &id, keep_state)?;
            if !skip_end_calls {
                end_meetings(config, &server, &meetings)?;
            }
            println!("OK: {} meeting(s) cleared", meetings.len());
            Ok(())
        }
        ServersCommand::LoadMultiplier { id, load_multiplier } => {
            let multiplier = cli_multiplier(Some(&load_multiplier))?.unwrap_or(1.0);
            let multiplier = if multiplier == 0.0 { 1.0 } else { multiplier };
            servers::update(conn, &id, ServerUpdate { load_multiplier: Some(multiplier), ..Default::default() })?;
            println!("OK");
            Ok(())
        }
        ServersCommand::Tag { id, tag } => {
            servers::update(conn, &id, ServerUpdate { tag: Some(tag), ..Default::default() })?;
            println!("OK");
            Ok(())
        }
        ServersCommand::AddAll { file } => {
            let list = sync::parse_list(&read_file(&file)?)?;
            for entry in list.servers {
                let new = NewServer {
                    url: entry.url,
                    secret: entry.secret,
                    checksum_algorithm: Some(config.default_server_checksum),
                    ..Default::default()
                };
                let server = servers::add(conn, new, config.server_id_is_hostname)?;
                println!("server: {}\nid: {}", server.url, server.id);
            }
            Ok(())
        }
        ServersCommand::Sync { file, mode, dry_run } => sync_file(config, conn, &file, mode, dry_run),
        ServersCommand::Meetings { id } => super::poll::server_meetings(config, &id),
        ServersCommand::Export { verbose } => {
            print!("{}", sync::export(&Server::all(conn)?, verbose)?);
            Ok(())
        }
    }
}

/// A multiplier from the command line: 0 stays 0 here (callers turn it into 1.0 with a warning).
fn cli_multiplier(text: Option<&str>) -> Result<Option<f64>, Failure> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let multiplier = servers::parse_multiplier(text)?;
    if multiplier == 0.0 {
        eprintln!("WARNING: a load multiplier of 0 is not allowed; using 1.0");
        return Ok(Some(0.0));
    }
    Ok(Some(servers::validate_multiplier(multiplier)?))
}

fn set_state(conn: &mut DbConnection, id: &str, state: ServerState) -> Result<(), Failure> {
    servers::set_state(conn, id, state)?;
    println!("OK");
    Ok(())
}

fn load_text(server: &Server) -> String {
    server.load.map(|l| l.to_string()).unwrap_or_else(|| "unavailable".to_string())
}

fn list(conn: &mut DbConnection) -> Result<(), Failure> {
    let all = Server::all(conn)?;
    if all.is_empty() {
        eprintln!("No servers are configured");
    }
    let mut out = std::io::stdout().lock();
    for s in &all {
        writeln!(out, "id: {}", s.id)?;
        writeln!(out, "\turl: {}", s.url)?;
        writeln!(out, "\tsecret: {}", s.secret.expose())?;
        writeln!(out, "\t{}", s.state)?;
        writeln!(out, "\tload: {}", load_text(s))?;
        writeln!(out, "\tload multiplier: {}", servers::multiplier_text(s.load_multiplier))?;
        writeln!(out, "\tbbb version: {}", s.bbb_version.as_deref().unwrap_or(""))?;
        writeln!(out, "\ttag: {}", s.tag.as_deref().unwrap_or(""))?;
        writeln!(out, "\t{}", if s.online { "online" } else { "offline" })?;
        writeln!(out, "\tchecksum: {}", s.checksum_algorithm)?;
    }
    Ok(())
}

/// Disables a server; with meetings on it, asks first (unless `yes`) and ends them.
fn disable(config: &Config, conn: &mut DbConnection, id: &str, yes: bool) -> Result<(), Failure> {
    let server = servers::get(conn, id)?;
    let busy = Meeting::count_on_server(conn, id)? > 0 || server.load.is_some_and(|l| l > 0.0);
    if busy && !yes {
        print!("Server {id} has meetings; they will be ended. Type 'yes' to disable it: ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            return Err(Failure(format!("not disabled; server {id} is still {}", server.state)));
        }
    }
    let (server, meetings) = servers::panic(conn, id, false)?;
    end_meetings(config, &server, &meetings)?;
    println!("OK");
    Ok(())
}

/// Sends `end` for each meeting, on a small actix runtime (best effort).
fn end_meetings(config: &Config, server: &Server, meetings: &[Meeting]) -> Result<(), Failure> {
    if meetings.is_empty() {
        return Ok(());
    }
    let failed = actix_rt::System::new().block_on(async {
        let client = BbbClient::new(config.connect_timeout, config.response_timeout);
        servers::end_meetings(&client, server, meetings).await
    });
    if failed > 0 {
        eprintln!("WARNING: {failed} of {} end call(s) to {} failed", meetings.len(), server.id);
    }
    Ok(())
}

fn sync_file(
    config: &Config,
    conn: &mut DbConnection,
    file: &str,
    mode: sync::SyncMode,
    dry_run: bool,
) -> Result<(), Failure> {
    let desired = sync::parse(&read_file(file)?)?;
    // A state file of servers only: planned as `state import` plans it (which servers are busy, the default
    // checksum of new ones), applied here one change at a time, each printed first.
    let servers_only = state_file::StateFile { servers: Some(desired.servers), tenants: None };
    let mut plan = state_file::plan(conn, servers_only, mode)?;
    plan.fill_default_checksum(config.default_server_checksum);
    let actions = plan.servers;
    if actions.is_empty() {
        println!("Nothing to change");
    }
    for action in actions {
        println!("{}{}", if dry_run { "would " } else { "" }, action.describe());
        if !dry_run {
            if let Some((server, meetings)) = sync::apply(conn, action)? {
                end_meetings(config, &server, &meetings)?;
            }
        }
    }
    Ok(())
}

/// A file's text; `-` reads standard input.
pub(super) fn read_file(file: &str) -> Result<String, Failure> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(file).map_err(|e| Failure(format!("cannot read {file}: {e}")))
    }
}

/// The `status` table, sorted by host name.
pub(super) fn status(config: &Config) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    let mut all = Server::all(&mut conn)?;
    let figures: std::collections::HashMap<String, ServerFigures> =
        ServerFigures::all(&mut conn)?.into_iter().map(|f| (f.server_id.clone(), f)).collect();
    let host = |s: &Server| s.host().unwrap_or_default();
    all.sort_by_key(|s| (host(s), s.id.clone()));
    let header = [
        "HOSTNAME",
        "STATE",
        "STATUS",
        "MEETINGS",
        "USERS",
        "IN FLIGHT",
        "LARGEST MEETING",
        "VIDEOS",
        "FORECAST",
        "LOAD",
        "BBB VERSION",
        "TAG",
    ];
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|s| {
            let seen = figures.get(&s.id);
            vec![
                host(s),
                s.state.clone(),
                if s.online { "online" } else { "offline" }.to_string(),
                s.meetings.to_string(),
                s.users.to_string(),
                seen.map_or(String::new(), |f| f.users_in_flight.to_string()),
                s.largest_meeting.to_string(),
                s.videos.to_string(),
                seen.map_or(String::new(), |f| format!("{:.1}", f.forecast_load)),
                match seen.and_then(|f| f.placement_load) {
                    Some(load) => format!("{load:.1}"),
                    None => load_text(s),
                },
                s.bbb_version.clone().unwrap_or_default(),
                s.tag.clone().unwrap_or_default(),
            ]
        })
        .collect();
    super::table::print(&header, &rows)?;
    Ok(())
}
