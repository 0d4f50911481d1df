//! Retention and the trash, with the files: a recording past its tenant's retention (or deleted, with
//! `RECORDING_DELETE_TO_TRASH`) goes to the trash — unlisted, its files moved to the unpublished tree so that
//! nothing plays them — and comes back whole on a restore; after `RECORDING_TRASH_DAYS` it is purged (files
//! removed, the row kept as `deleted`, as `deleteRecordings` leaves it).

use std::collections::HashMap;

use crate::db::models::recording::Recording;
use crate::db::models::recording_trash::{self, Trashed};
use crate::db::models::tenant::Tenant;
use crate::db::{DbConnection, DbError};
use crate::recordings::storage::Storage;

/// Recordings handled per tenant and sweep (the next sweep goes on).
const BATCH: i64 = 1_000;
const DAY_MS: i64 = 86_400_000;

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum TrashError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Files(String),
}

/// Removes a recording's files from both trees.
pub fn remove_files(storage: &Storage, record_id: &str) -> Result<(), TrashError> {
    storage.remove_record(record_id).map_err(TrashError::Files)
}

/// Moves a published or unpublished recording to the trash; false if it is neither.
pub fn trash(conn: &mut DbConnection, storage: &Storage, recording: &Recording, now: i64) -> Result<bool, TrashError> {
    if recording.published {
        hide_files(storage, &recording.record_id, &Recording::formats(conn, &recording.record_id)?);
    }
    Ok(recording_trash::mark_trashed(conn, &recording.record_id, now)?)
}

/// The files' part of [`trash`] for a published recording: its formats moved to the unpublished tree, so that
/// nothing plays them (a format that cannot be moved is logged; the recording goes to the trash all the same).
pub fn hide_files(storage: &Storage, record_id: &str, formats: &[String]) {
    for format in formats {
        if let Err(e) = storage.move_format(false, format, record_id) {
            log::warn!("recording {record_id} goes to the trash without its {format} files: {e}");
        }
    }
}

/// Takes a recording out of the trash, its files back where they were; false if it was not in the trash.
pub fn restore(conn: &mut DbConnection, storage: &Storage, record_id: &str) -> Result<bool, TrashError> {
    let Some(from) = recording_trash::mark_restored(conn, record_id)? else { return Ok(false) };
    if from == "published" {
        for format in Recording::formats(conn, record_id)? {
            storage.move_format(true, &format, record_id).map_err(TrashError::Files)?;
        }
    }
    Ok(true)
}

/// Purges a trashed recording: its files, then its index entries (the row stays, `deleted`).
pub fn purge(conn: &mut DbConnection, storage: &Storage, trashed: &Trashed) -> Result<(), TrashError> {
    remove_files(storage, &trashed.recording.record_id)?;
    Recording::mark_deleted(conn, &trashed.recording.record_id)?;
    Ok(())
}

/// How many days a tenant's recordings are kept (0: for ever).
fn retention_days(tenant: Option<&Tenant>, default_days: u32) -> i64 {
    i64::from(tenant.and_then(|t| t.recording_retention_days).map_or(default_days, |d| d.max(0) as u32))
}

/// What a sweep did (or, dry, would do), by record ID.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sweep {
    /// Record IDs moved to the trash.
    pub trashed: Vec<String>,
    /// Record IDs purged.
    pub purged: Vec<String>,
}

/// Moves the recordings past their retention to the trash and purges those whose grace period is over, at `now`.
pub fn sweep(
    conn: &mut DbConnection,
    storage: &Storage,
    retention: &crate::config::retention::Retention,
    now: i64,
    dry_run: bool,
) -> Result<Sweep, TrashError> {
    let tenants: HashMap<String, Tenant> = Tenant::all(conn)?.into_iter().map(|t| (t.id.clone(), t)).collect();
    let mut done = Sweep::default();
    for tenant_id in recording_trash::tenants_with_recordings(conn)? {
        let days = retention_days(tenants.get(&tenant_id), retention.days);
        if days == 0 {
            continue;
        }
        for recording in recording_trash::past_retention(conn, &tenant_id, now - days * DAY_MS, BATCH)? {
            if dry_run || trash(conn, storage, &recording, now)? {
                done.trashed.push(recording.record_id);
            }
        }
    }
    let grace_over = now - i64::from(retention.trash_days) * DAY_MS;
    for trashed in recording_trash::due_for_purge(conn, grace_over, BATCH)? {
        // What this sweep just trashed waits for its grace period, even with RECORDING_TRASH_DAYS=0.
        if done.trashed.contains(&trashed.recording.record_id) {
            continue;
        }
        if !dry_run {
            purge(conn, storage, &trashed)?;
        }
        done.purged.push(trashed.recording.record_id);
    }
    done.trashed.sort();
    done.purged.sort();
    Ok(done)
}
