//! `scalelite recordings …`: Ruby Scalelite's `recordings:addToTenant` and `recordings:update` tasks, a look into
//! the index (`list` with getRecordings' filters, `show`), the import spool (`spool`, `retry`), and moving the
//! library to a bucket (`migrate-storage`).

use std::io::Write;
use std::path::Path;

use clap::Subcommand;

use super::{connect, Failure};
use crate::admin::tenants;
use crate::config::Config;
use crate::db::models::recording::Recording;
use crate::recordings::search::{search, Filter};
use crate::recordings::spool;
use crate::recordings::storage::Storage;
use crate::utc::date_time as utc;

#[derive(Subcommand, Debug)]
pub enum RecordingsCommand {
    /// List recordings, newest first, with getRecordings' filters.
    List {
        /// Only these meetings (repeat for more).
        #[arg(long = "meeting-id")]
        meeting_ids: Vec<String>,
        /// The recordings of this tenant (name or ID); without: those of no tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// Only these states (comma-separated: processing, processed, published, unpublished, deleted); any by
        /// default.
        #[arg(long)]
        state: Option<String>,
        /// Only those with this metadata (KEY=VALUE; repeat for more, all must match).
        #[arg(long = "meta")]
        meta: Vec<String>,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Everything the index has of one recording, and where its files are.
    Show { record_id: String },
    /// Give every recording of no tenant to a tenant (name or ID).
    AddToTenant { tenant: String },
    /// Move each recording's files into the tree its publication says (published or unpublished).
    Update,
    /// The import spool: the tars waiting, and those that failed with their reasons.
    Spool,
    /// Put a failed tar back into the spool to be imported again.
    Retry { file: String },
    /// The trash: list, restore, purge, sweep.
    Trash {
        #[command(subcommand)]
        command: super::trash::TrashCommand,
    },
    /// What each tenant's recordings take (recordings, bytes of their formats, the trash's share).
    Storage,
    /// Copy the local recordings to the bucket of S3_RECORDING (resumable), then verify them.
    MigrateStorage(super::migrate_storage::MigrateStorage),
}

pub(super) fn run(config: &Config, command: RecordingsCommand) -> Result<(), Failure> {
    match command {
        RecordingsCommand::Spool => return spool(&config.recording_spool_dir),
        RecordingsCommand::Retry { file } => return retry(&config.recording_spool_dir, &file),
        RecordingsCommand::Trash { command } => return super::trash::run(config, command),
        RecordingsCommand::Storage => return super::trash::storage(config),
        RecordingsCommand::MigrateStorage(options) => return super::migrate_storage::run(config, options),
        _ => {}
    }
    let mut conn = connect(config)?;
    let conn = &mut conn;
    match command {
        RecordingsCommand::List { meeting_ids, tenant, state, meta, limit, offset } => {
            let tenant_id = match tenant {
                Some(t) => tenants::get_by_name_or_id(conn, &t)?.id,
                None => String::new(),
            };
            let meta = meta
                .iter()
                .map(|pair| match pair.split_once('=') {
                    Some((k, v)) => Ok((k.to_string(), vec![v.to_string()])),
                    None => Err(Failure(format!("--meta takes KEY=VALUE, not '{pair}'"))),
                })
                .collect::<Result<_, _>>()?;
            let states = state.map(|s| s.split(',').map(|s| s.trim().to_string()).collect());
            let filter =
                Filter { tenant_id, meeting_ids, record_id_prefixes: vec![], states, meta, offset, limit: Some(limit) };
            let (total, page) = search(conn, &filter)?;
            let header = ["RECORD ID", "MEETING ID", "NAME", "STATE", "START (UTC)", "PARTICIPANTS"];
            let rows: Vec<Vec<String>> = page
                .iter()
                .map(|r| {
                    vec![
                        r.record_id.clone(),
                        r.meeting_id.clone(),
                        r.name.clone(),
                        r.state.clone(),
                        utc(r.start_time),
                        r.participants.map_or(String::new(), |p| p.to_string()),
                    ]
                })
                .collect();
            super::table::print(&header, &rows)?;
            eprintln!("{} of {total} recording(s)", page.len());
            Ok(())
        }
        RecordingsCommand::Show { record_id } => {
            let recording =
                Recording::find(conn, &record_id)?.ok_or_else(|| Failure(format!("no recording {record_id}")))?;
            let full = Recording::complete(conn, vec![recording])?.remove(0);
            let r = &full.recording;
            let mut out = std::io::stdout().lock();
            writeln!(out, "record id: {}\nmeeting id: {}\nname: {}", r.record_id, r.meeting_id, r.name)?;
            if !r.tenant_id.is_empty() {
                writeln!(out, "tenant: {}", r.tenant_id)?;
            }
            writeln!(out, "state: {}\npublished: {}\nprotected: {}", r.state, r.published, r.protected)?;
            writeln!(out, "start: {}\nend: {}", utc(r.start_time), utc(r.end_time))?;
            writeln!(out, "metadata:")?;
            for (key, value) in &full.metadata {
                writeln!(out, "\t{key}: {value}")?;
            }
            let storage = Storage::open(config).map_err(Failure)?;
            for (format, thumbnails) in &full.formats {
                writeln!(
                    out,
                    "format {}: {} ({} min), {} thumbnail(s)",
                    format.format,
                    format.url,
                    format.length,
                    thumbnails.len()
                )?;
                let found = match storage.has_format(r.published, &format.format, &r.record_id) {
                    Ok(true) => String::new(),
                    Ok(false) => " (missing)".to_string(),
                    Err(e) => format!(" (cannot tell: {e})"),
                };
                writeln!(out, "\tfiles: {}{found}", storage.describe(r.published, &format.format, &r.record_id))?;
            }
            Ok(())
        }
        RecordingsCommand::AddToTenant { tenant } => {
            let tenant = tenants::get_by_name_or_id(conn, &tenant)?;
            let moved = Recording::add_to_tenant(conn, &tenant.id)?;
            println!("OK: {moved} recording(s) given to tenant {}", tenant.name);
            Ok(())
        }
        RecordingsCommand::Update => {
            let store = Storage::open(config).map_err(Failure)?;
            let (mut moved, mut missing) = (0, 0);
            for (record_id, published, format) in Recording::placements(conn)? {
                match store.move_format(published, &format, &record_id) {
                    Ok(true) => moved += 1,
                    Ok(false) => {}
                    Err(e) => {
                        missing += 1;
                        eprintln!("WARNING: {record_id} ({format}): {e}");
                    }
                }
            }
            println!("OK: {moved} format folder(s) moved, {missing} missing");
            Ok(())
        }
        RecordingsCommand::Spool
        | RecordingsCommand::Retry { .. }
        | RecordingsCommand::Trash { .. }
        | RecordingsCommand::Storage
        | RecordingsCommand::MigrateStorage(_) => Ok(()),
    }
}

fn spool(spool: &Path) -> Result<(), Failure> {
    let waiting = spool::tars(spool)?;
    let failed = spool::failed(spool)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "waiting: {}", waiting.len())?;
    for name in &waiting {
        writeln!(out, "\t{name}")?;
    }
    writeln!(out, "failed: {}", failed.len())?;
    for tar in &failed {
        writeln!(out, "\t{}: {}", tar.name, tar.reason)?;
    }
    Ok(())
}

fn retry(spool: &Path, file: &str) -> Result<(), Failure> {
    let name = spool::retry(spool, file).map_err(Failure)?;
    println!("OK: {name} is back in the spool");
    Ok(())
}
