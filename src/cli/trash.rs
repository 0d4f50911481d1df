//! `scalelite recordings trash …` and `scalelite recordings storage`: the trash (list, restore, purge, a sweep with
//! a dry run) and what each tenant's recordings take.

use clap::Subcommand;

use super::{connect, Failure};
use crate::admin::tenants;
use crate::config::Config;
use crate::db::models::recording_trash;
use crate::db::models::tenant::Tenant;
use crate::db::now_ms;
use crate::recordings::storage::Storage;
use crate::recordings::trash;
use crate::utc::date_time;

#[derive(Subcommand, Debug)]
pub enum TrashCommand {
    /// The recordings in the trash, oldest first (of one tenant: --tenant NAME).
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Take recordings out of the trash, their files back where they were.
    Restore { record_ids: Vec<String> },
    /// Purge recordings from the trash now (files, and their index entries).
    Purge { record_ids: Vec<String> },
    /// What the hourly sweep does: move recordings past their retention to the trash, purge those whose grace
    /// period is over. With --dry-run, only list them.
    Sweep {
        #[arg(long)]
        dry_run: bool,
    },
}

fn name_of(tenants: &[Tenant], id: &str) -> String {
    tenants.iter().find(|t| t.id == id).map_or_else(|| "-".to_string(), |t| t.name.clone())
}

pub(super) fn run(config: &Config, command: TrashCommand) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    let conn = &mut conn;
    let store = Storage::open(config).map_err(Failure)?;
    let failed = |e: trash::TrashError| Failure(e.to_string());
    match command {
        TrashCommand::List { tenant } => {
            let tenant_id = match tenant {
                Some(name) => Some(tenants::get_by_name_or_id(conn, &name)?.id),
                None => None,
            };
            let all = Tenant::all(conn)?;
            let trashed = recording_trash::all(conn, tenant_id.as_deref())?;
            for t in &trashed {
                let r = &t.recording;
                println!(
                    "{}\t{}\t{}\ttrashed {}\twas {}\t{}",
                    r.record_id,
                    name_of(&all, &r.tenant_id),
                    r.meeting_id,
                    date_time(t.trashed_at),
                    t.from,
                    r.name
                );
            }
            println!("{} recording(s) in the trash", trashed.len());
        }
        TrashCommand::Restore { record_ids } | TrashCommand::Purge { record_ids } if record_ids.is_empty() => {
            return Err(Failure("give the record IDs".into()));
        }
        TrashCommand::Restore { record_ids } => {
            for id in record_ids {
                if !trash::restore(conn, &store, &id).map_err(failed)? {
                    return Err(Failure(format!("{id} is not in the trash")));
                }
                println!("restored {id}");
            }
        }
        TrashCommand::Purge { record_ids } => {
            for id in record_ids {
                let trashed =
                    recording_trash::find(conn, &id)?.ok_or_else(|| Failure(format!("{id} is not in the trash")))?;
                trash::purge(conn, &store, &trashed).map_err(failed)?;
                println!("purged {id}");
            }
        }
        TrashCommand::Sweep { dry_run } => {
            let done = trash::sweep(conn, &store, &config.retention, now_ms(), dry_run).map_err(failed)?;
            let (to_trash, purge) = if dry_run { ("would trash", "would purge") } else { ("trashed", "purged") };
            for id in &done.trashed {
                println!("{to_trash} {id}");
            }
            for id in &done.purged {
                println!("{purge} {id}");
            }
            println!("{} {to_trash}, {} {purge}", done.trashed.len(), done.purged.len());
        }
    }
    Ok(())
}

/// `scalelite recordings storage`: per tenant, the recordings kept and the bytes of their formats, trash included.
pub(super) fn storage(config: &Config) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    let all = Tenant::all(&mut conn)?;
    println!("TENANT\tRECORDINGS\tBYTES\tIN TRASH\tTRASH BYTES");
    for s in recording_trash::storage(&mut conn)? {
        println!("{}\t{}\t{}\t{}\t{}", name_of(&all, &s.tenant_id), s.recordings, s.bytes, s.trashed, s.trashed_bytes);
    }
    Ok(())
}
