//! `scalelite import-ruby`: brings a running Ruby Scalelite's deployment over — its Redis (servers, tenants,
//! tenant settings, running meetings) and its PostgreSQL (recordings, metadata, playback formats, thumbnails,
//! callback data). Idempotent: a second run changes nothing and says so; a run at the switch-over picks up
//! what changed since. Recording files stay where they are.

mod callbacks;
mod pool_state;
mod recordings;
mod redis_state;
mod ruby_db;
pub mod summary;

use std::collections::{HashMap, HashSet};

use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Config;
use crate::db::{DbConnection, DbError};
use crate::recordings::storage::Storage;
use ruby_db::RubyDb;
pub use summary::{Kind, Summary};

/// Recordings read and written at a time.
const BATCH: i64 = 2_000;

/// Where Ruby Scalelite's state is, and whether to write.
pub struct Source {
    pub redis_url: String,
    /// Ruby's `REDIS_NAMESPACE`.
    pub redis_namespace: String,
    pub ruby_database_url: String,
    pub dry_run: bool,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read Ruby Scalelite's Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("cannot read Ruby Scalelite's database (is it Ruby Scalelite's PostgreSQL?): {0}")]
    RubyDatabase(DbError),
    #[error("{0}")]
    Ours(#[from] DbError),
    #[error("recordings storage: {0}")]
    Storage(String),
}

/// Runs the import into `conn`; the summary says what it found and did.
pub fn run(conn: &mut DbConnection, config: &Config, source: &Source) -> Result<Summary, ImportError> {
    let mut redis = redis_state::connect(&source.redis_url)?;
    let state = redis_state::read(&mut redis, &source.redis_namespace)?;
    let mut ruby = RubyDb::connect(&source.ruby_database_url).map_err(ImportError::RubyDatabase)?;
    let mut summary = Summary::new(source.dry_run);

    let mut pool = pool_state::PoolImport {
        dry_run: source.dry_run,
        checksum: config.default_server_checksum,
        summary: &mut summary,
    };
    let meeting_tenants = pool.run(conn, &state)?;

    let callback_rows = ruby.callbacks().map_err(ImportError::RubyDatabase)?;
    let wanted: HashSet<&str> = callback_rows.iter().map(|c| c.meeting_id.as_str()).collect();
    let storage = Storage::open(config).map_err(ImportError::Storage)?;
    let recording_tenants = import_recordings(conn, &mut ruby, &storage, &wanted, &mut summary, source.dry_run)?;
    callbacks::import(conn, &callback_rows, &meeting_tenants, &recording_tenants, source.dry_run, &mut summary)?;
    Ok(summary)
}

/// Imports every recording, batch by batch, with a progress bar on a terminal; returns the tenant of each
/// meeting in `wanted` that has a recording of a tenant.
fn import_recordings(
    conn: &mut DbConnection,
    ruby: &mut RubyDb,
    storage: &Storage,
    wanted: &HashSet<&str>,
    summary: &mut Summary,
    dry_run: bool,
) -> Result<HashMap<String, String>, ImportError> {
    let total = ruby.recording_count().map_err(ImportError::RubyDatabase)?;
    let progress = ProgressBar::new(total.max(0) as u64);
    progress.set_style(
        ProgressStyle::with_template("recordings {bar:40} {pos}/{len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut tenants = HashMap::new();
    let mut after = 0;
    loop {
        let batch = ruby.recordings_after(after, BATCH).map_err(ImportError::RubyDatabase)?;
        let Some(last) = batch.recordings.last().map(|r| r.id) else { break };
        after = last;
        let read = batch.recordings.len() as u64;
        summary.found(Kind::Recordings, read);
        let (converted, refused) = recordings::convert(batch);
        for (record, reason) in refused {
            summary.skip(Kind::Recordings, record, reason);
        }
        for c in &converted {
            let r = &c.recording;
            if !r.tenant_id.is_empty() && wanted.contains(r.bbb_meeting_id.as_str()) {
                tenants.insert(r.bbb_meeting_id.clone(), r.tenant_id.clone());
            }
        }
        recordings::import_batch(conn, converted, storage, dry_run, summary)?;
        progress.inc(read);
    }
    progress.finish_and_clear();
    Ok(tenants)
}
