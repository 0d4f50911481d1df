//! Brings Ruby's recordings index into ours, a batch at a time: each batch is compared with what is here and
//! written in one transaction, with multi-row inserts. A recording here with other values takes Ruby's (the
//! columns Ruby does not have, such as sizes, stay ours).

use std::collections::HashMap;

use diesel::prelude::*;

use super::ruby_db::{RecordingBatch, RubyRecording};
use super::summary::{Kind, Outcome, Summary};
use crate::db::models::recording::{FormatRow, Recording, ThumbnailRow};
use crate::db::schema::{playback_formats, recording_metadata, recordings, thumbnails};
use crate::db::{now_ms, write_transaction, DbConnection, DbError};
use crate::recordings::storage::Storage;

/// Inserts rows: one multi-row statement on PostgreSQL; on SQLite one cached statement per row (Diesel's own
/// SQLite batch would open a transaction inside ours), which inside one transaction is as fast.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            DbConnection::Sqlite(c) => {
                $rows.iter().try_for_each(|row| diesel::insert_into($table).values(row).execute(c).map(drop))
            }
            DbConnection::Postgres(c) => diesel::insert_into($table).values($rows).execute(c).map(drop),
        }
    };
}

/// Rows in one multi-row insert (SQLite allows 32,766 bound values).
const INSERT_ROWS: usize = 500;

/// A recording as Ruby has it, in our rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub recording: Recording,
    /// Sorted by key.
    pub metadata: Vec<(String, String)>,
    /// Sorted by format.
    pub formats: Vec<FormatRow>,
    /// Sorted by format, then sequence.
    pub thumbnails: Vec<ThumbnailRow>,
}

/// Converts a batch; records without a record ID or meeting ID are returned as (Ruby ID, reason).
pub fn convert(batch: RecordingBatch) -> (Vec<Converted>, Vec<(String, String)>) {
    let mut metadata: HashMap<i64, Vec<(String, String)>> = HashMap::new();
    for m in batch.metadata {
        metadata.entry(m.recording_id).or_default().push((m.key, m.value));
    }
    let mut thumbnails: HashMap<i64, Vec<super::ruby_db::RubyThumbnail>> = HashMap::new();
    for t in batch.thumbnails {
        thumbnails.entry(t.playback_format_id).or_default().push(t);
    }
    let mut formats: HashMap<i64, Vec<(FormatRow, Vec<super::ruby_db::RubyThumbnail>)>> = HashMap::new();
    for f in batch.formats {
        let images = thumbnails.remove(&f.id).unwrap_or_default();
        let row = FormatRow {
            record_id: String::new(),
            format: f.format,
            url: f.url,
            length: f.length.unwrap_or(0),
            processing_time: f.processing_time,
            size: None,
        };
        formats.entry(f.recording_id).or_default().push((row, images));
    }
    let mut converted = Vec::with_capacity(batch.recordings.len());
    let mut refused = Vec::new();
    for ruby in batch.recordings {
        let Some(record_id) = ruby.record_id.clone().filter(|id| !id.trim().is_empty()) else {
            refused.push((format!("row {}", ruby.id), "it has no record ID".to_string()));
            continue;
        };
        let Some(meeting_id) = ruby.meeting_id.clone().filter(|id| !id.is_empty()) else {
            refused.push((record_id, "it has no meeting ID".to_string()));
            continue;
        };
        let mut meta = metadata.remove(&ruby.id).unwrap_or_default();
        meta.sort();
        let tenant_id = meta.iter().find(|(k, _)| k == "tenant-id").map(|(_, v)| v.clone()).unwrap_or_default();
        let mut own_formats = formats.remove(&ruby.id).unwrap_or_default();
        own_formats.sort_by(|a, b| a.0.format.cmp(&b.0.format));
        let mut format_rows = Vec::with_capacity(own_formats.len());
        let mut thumbnail_rows = Vec::new();
        for (row, images) in own_formats {
            // Ruby's sequences may be missing or repeated: the order they give is kept, numbered from 0.
            thumbnail_rows.extend(images.into_iter().enumerate().map(|(i, t)| ThumbnailRow {
                record_id: record_id.clone(),
                format: row.format.clone(),
                sequence: i as i32,
                width: t.width,
                height: t.height,
                alt: t.alt,
                url: t.url,
            }));
            format_rows.push(FormatRow { record_id: record_id.clone(), ..row });
        }
        converted.push(Converted {
            recording: recording_row(&ruby, record_id, meeting_id, tenant_id),
            metadata: meta,
            formats: format_rows,
            thumbnails: thumbnail_rows,
        });
    }
    (converted, refused)
}

/// Our recording row of a Ruby recording. A state Ruby left NULL follows `published`.
fn recording_row(ruby: &RubyRecording, record_id: String, meeting_id: String, tenant_id: String) -> Recording {
    let state = match ruby.state.as_deref().map(str::trim) {
        Some(state) if !state.is_empty() => state.to_string(),
        _ if ruby.published => "published".to_string(),
        _ => "unpublished".to_string(),
    };
    Recording {
        record_id,
        tenant_id,
        bbb_meeting_id: meeting_id.clone(),
        meeting_id,
        internal_meeting_id: None,
        name: ruby.name.clone().unwrap_or_default(),
        is_breakout: false,
        published: ruby.published,
        protected: ruby.protected,
        publish_updated: ruby.publish_updated,
        state,
        start_time: ruby.starttime.unwrap_or(0),
        end_time: ruby.endtime.unwrap_or(0),
        participants: ruby.participants,
        raw_size: None,
        parent_meeting_id: None,
        breakout_sequence: None,
        breakout_rooms: String::new(),
        updated_at: 0,
    }
}

/// Whether a recording here has Ruby's values in every column Ruby has.
fn same_recording(ours: &Recording, ruby: &Recording) -> bool {
    ours.tenant_id == ruby.tenant_id
        && ours.meeting_id == ruby.meeting_id
        && ours.bbb_meeting_id == ruby.bbb_meeting_id
        && ours.name == ruby.name
        && ours.published == ruby.published
        && ours.protected == ruby.protected
        && ours.publish_updated == ruby.publish_updated
        && ours.state == ruby.state
        && ours.start_time == ruby.start_time
        && ours.end_time == ruby.end_time
        && ours.participants == ruby.participants
}

/// Our rows of these recordings (as getRecordings reads them, `Recording::complete`), in the shape of
/// [`Converted`]: formats without the sizes Ruby lacks, thumbnails in format then sequence order.
fn load_ours(conn: &mut DbConnection, ids: &[&str]) -> Result<HashMap<String, Converted>, DbError> {
    let rows: Vec<Recording> =
        recordings::table.filter(recordings::record_id.eq_any(ids)).select(Recording::as_select()).load(conn)?;
    Ok(Recording::complete(conn, rows)?
        .into_iter()
        .map(|full| {
            let (formats, thumbnails): (Vec<FormatRow>, Vec<Vec<ThumbnailRow>>) =
                full.formats.into_iter().map(|(f, images)| (FormatRow { size: None, ..f }, images)).unzip();
            let converted = Converted {
                recording: full.recording,
                metadata: full.metadata,
                formats,
                thumbnails: thumbnails.into_iter().flatten().collect(),
            };
            (converted.recording.record_id.clone(), converted)
        })
        .collect())
}

/// Imports one batch of converted recordings; counts them, and lists missing files.
pub fn import_batch(
    conn: &mut DbConnection,
    batch: Vec<Converted>,
    storage: &Storage,
    dry_run: bool,
    summary: &mut Summary,
) -> Result<(), DbError> {
    let ids: Vec<&str> = batch.iter().map(|c| c.recording.record_id.as_str()).collect();
    let ours = load_ours(conn, &ids)?;
    let mut new = Vec::new();
    let mut changed = Vec::new();
    for ruby in &batch {
        match ours.get(&ruby.recording.record_id) {
            None => new.push(ruby),
            Some(here)
                if same_recording(&here.recording, &ruby.recording)
                    && here.metadata == ruby.metadata
                    && here.formats == ruby.formats
                    && here.thumbnails == ruby.thumbnails =>
            {
                summary.count(Kind::Recordings, Outcome::AlreadyThere);
            }
            Some(_) => changed.push(ruby),
        }
        if ruby.recording.state != "deleted" {
            for format in &ruby.formats {
                if !has_files(storage, &ruby.recording.record_id, &format.format) {
                    summary.missing_files.push((ruby.recording.record_id.clone(), format.format.clone()));
                }
            }
        }
    }
    for _ in &new {
        summary.count(Kind::Recordings, Outcome::Imported);
    }
    for _ in &changed {
        summary.count(Kind::Recordings, Outcome::Updated);
    }
    if dry_run || (new.is_empty() && changed.is_empty()) {
        return Ok(());
    }
    write_transaction(conn, |conn| write(conn, &new, &changed))
}

fn write(conn: &mut DbConnection, new: &[&Converted], changed: &[&Converted]) -> Result<(), DbError> {
    let now = now_ms();
    let written: Vec<&str> = new.iter().chain(changed).map(|c| c.recording.record_id.as_str()).collect();
    for ids in written.chunks(INSERT_ROWS) {
        diesel::delete(thumbnails::table.filter(thumbnails::record_id.eq_any(ids))).execute(conn)?;
        diesel::delete(playback_formats::table.filter(playback_formats::record_id.eq_any(ids))).execute(conn)?;
        diesel::delete(recording_metadata::table.filter(recording_metadata::record_id.eq_any(ids))).execute(conn)?;
    }
    let rows: Vec<Recording> = new.iter().map(|c| Recording { updated_at: now, ..c.recording.clone() }).collect();
    for chunk in rows.chunks(INSERT_ROWS) {
        insert_rows!(conn, recordings::table, chunk)?;
    }
    for c in changed {
        let r = &c.recording;
        diesel::update(recordings::table.find(&r.record_id))
            .set((
                recordings::tenant_id.eq(&r.tenant_id),
                recordings::meeting_id.eq(&r.meeting_id),
                recordings::bbb_meeting_id.eq(&r.bbb_meeting_id),
                recordings::name.eq(&r.name),
                recordings::published.eq(r.published),
                recordings::protected.eq(r.protected),
                recordings::publish_updated.eq(r.publish_updated),
                recordings::state.eq(&r.state),
                recordings::start_time.eq(r.start_time),
                recordings::end_time.eq(r.end_time),
                recordings::participants.eq(r.participants),
                recordings::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    let all = || new.iter().chain(changed);
    let metadata: Vec<_> = all()
        .flat_map(|c| {
            c.metadata.iter().map(|(k, v)| {
                (
                    recording_metadata::record_id.eq(c.recording.record_id.as_str()),
                    recording_metadata::key.eq(k.as_str()),
                    recording_metadata::value.eq(v.as_str()),
                )
            })
        })
        .collect();
    for chunk in metadata.chunks(INSERT_ROWS) {
        insert_rows!(conn, recording_metadata::table, chunk)?;
    }
    let formats: Vec<FormatRow> = all().flat_map(|c| c.formats.iter().cloned()).collect();
    for chunk in formats.chunks(INSERT_ROWS) {
        insert_rows!(conn, playback_formats::table, chunk)?;
    }
    let thumbs: Vec<ThumbnailRow> = all().flat_map(|c| c.thumbnails.iter().cloned()).collect();
    for chunk in thumbs.chunks(INSERT_ROWS) {
        insert_rows!(conn, thumbnails::table, chunk)?;
    }
    Ok(())
}

/// Whether a format's files are in the published or the unpublished tree (a storage that cannot tell: no).
fn has_files(storage: &Storage, record_id: &str, format: &str) -> bool {
    [true, false].into_iter().any(|published| storage.has_format(published, format, record_id).unwrap_or(false))
}
