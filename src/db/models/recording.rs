//! The recordings index: one row per recording, with its metadata, playback formats and thumbnails.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{playback_formats, recording_metadata, recordings, thumbnails};
use crate::db::{now_ms, write_transaction, DbConnection, DbError};

/// A row of `recordings`.
#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone, PartialEq)]
#[diesel(table_name = recordings, treat_none_as_null = true)]
pub struct Recording {
    pub record_id: String,
    pub tenant_id: String,
    pub meeting_id: String,
    pub bbb_meeting_id: String,
    pub internal_meeting_id: Option<String>,
    pub name: String,
    pub is_breakout: bool,
    pub published: bool,
    pub protected: bool,
    pub publish_updated: bool,
    pub state: String,
    pub start_time: i64,
    pub end_time: i64,
    pub participants: Option<i32>,
    pub raw_size: Option<i64>,
    pub parent_meeting_id: Option<String>,
    pub breakout_sequence: Option<i32>,
    /// Internal meeting IDs of its breakout rooms, space-separated.
    pub breakout_rooms: String,
    pub updated_at: i64,
}

/// A row of `playback_formats`.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = playback_formats)]
pub struct FormatRow {
    pub record_id: String,
    pub format: String,
    pub url: String,
    pub length: i32,
    pub processing_time: Option<i32>,
    pub size: Option<i64>,
}

impl FormatRow {
    /// A recording's playback format.
    pub fn find(conn: &mut DbConnection, record_id: &str, format: &str) -> Result<Option<FormatRow>, DbError> {
        Ok(playback_formats::table.find((record_id, format)).select(FormatRow::as_select()).first(conn).optional()?)
    }
}

/// A row of `thumbnails`.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq)]
#[diesel(table_name = thumbnails)]
pub struct ThumbnailRow {
    pub record_id: String,
    pub format: String,
    pub sequence: i32,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub alt: String,
    pub url: String,
}

/// The rows of one imported format, as its `metadata.xml` describes them: the recording (its `published` as
/// the file says, its `protected` as a new recording starts out), its metadata, the format and its thumbnails.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRows {
    pub recording: Recording,
    pub metadata: Vec<(String, String)>,
    pub format: FormatRow,
    pub thumbnails: Vec<ThumbnailRow>,
}

/// A recording with everything getRecordings shows.
#[derive(Debug, Clone, PartialEq)]
pub struct FullRecording {
    pub recording: Recording,
    pub metadata: Vec<(String, String)>,
    pub formats: Vec<(FormatRow, Vec<ThumbnailRow>)>,
}

impl Recording {
    /// The recording with this ID.
    pub fn find(conn: &mut DbConnection, record_id: &str) -> Result<Option<Recording>, DbError> {
        Ok(recordings::table.find(record_id).select(Recording::as_select()).first(conn).optional()?)
    }

    /// Whether a recording is published once a format of it is imported: as it was, if its publication was changed
    /// through the API; else as its file says, unless `RECORDING_IMPORT_UNPUBLISHED`.
    pub fn published_after_import(existing: Option<&Recording>, file_says: bool, import_unpublished: bool) -> bool {
        match existing {
            Some(e) if e.publish_updated => e.published,
            _ => file_says && !import_unpublished,
        }
    }

    /// Imports one format's rows, in one transaction: the recording is inserted or updated (a publication
    /// changed through the API is kept, as is its protection), its metadata merged, the format and its thumbnails
    /// replaced. Importing the same rows again changes nothing more. `import_unpublished`:
    /// `RECORDING_IMPORT_UNPUBLISHED`.
    pub fn import(conn: &mut DbConnection, rows: &ImportRows, import_unpublished: bool) -> Result<Recording, DbError> {
        let record_id = &rows.recording.record_id;
        write_transaction(conn, |conn| {
            let existing: Option<Recording> =
                recordings::table.find(record_id).select(Recording::as_select()).first(conn).optional()?;
            let published =
                Recording::published_after_import(existing.as_ref(), rows.recording.published, import_unpublished);
            let state = match (rows.recording.state.as_str(), published) {
                ("published" | "unpublished", true) => "published",
                ("published" | "unpublished", false) => "unpublished",
                (other, _) => other,
            };
            let recording = Recording {
                published,
                protected: existing.as_ref().map_or(rows.recording.protected, |e| e.protected),
                publish_updated: existing.as_ref().is_some_and(|e| e.publish_updated),
                state: state.to_string(),
                updated_at: now_ms(),
                ..rows.recording.clone()
            };
            match existing {
                Some(_) => {
                    diesel::update(recordings::table.find(record_id)).set(recording.clone()).execute(conn)?;
                }
                None => {
                    diesel::insert_into(recordings::table).values(recording.clone()).execute(conn)?;
                }
            }
            for (key, value) in &rows.metadata {
                let row = recording_metadata::table.find((record_id, key));
                if diesel::update(row).set(recording_metadata::value.eq(value)).execute(conn)? == 0 {
                    diesel::insert_into(recording_metadata::table)
                        .values((
                            recording_metadata::record_id.eq(record_id),
                            recording_metadata::key.eq(key),
                            recording_metadata::value.eq(value),
                        ))
                        .execute(conn)?;
                }
            }
            let format = &rows.format.format;
            diesel::delete(playback_formats::table.find((record_id, format))).execute(conn)?;
            diesel::delete(
                thumbnails::table.filter(thumbnails::record_id.eq(record_id)).filter(thumbnails::format.eq(format)),
            )
            .execute(conn)?;
            diesel::insert_into(playback_formats::table).values(rows.format.clone()).execute(conn)?;
            for thumbnail in &rows.thumbnails {
                diesel::insert_into(thumbnails::table).values(thumbnail.clone()).execute(conn)?;
            }
            Ok(recording)
        })
    }

    /// Gives every recording of no tenant to this tenant (its column and its `tenant-id` metadata, as Ruby's
    /// `recordings:addToTenant` does); returns how many.
    pub fn add_to_tenant(conn: &mut DbConnection, tenant_id: &str) -> Result<usize, DbError> {
        write_transaction(conn, |conn| {
            let ids: Vec<String> =
                recordings::table.filter(recordings::tenant_id.eq("")).select(recordings::record_id).load(conn)?;
            for chunk in ids.chunks(500) {
                diesel::delete(
                    recording_metadata::table
                        .filter(recording_metadata::record_id.eq_any(chunk))
                        .filter(recording_metadata::key.eq("tenant-id")),
                )
                .execute(conn)?;
                for id in chunk {
                    diesel::insert_into(recording_metadata::table)
                        .values((
                            recording_metadata::record_id.eq(id),
                            recording_metadata::key.eq("tenant-id"),
                            recording_metadata::value.eq(tenant_id),
                        ))
                        .execute(conn)?;
                }
                diesel::update(recordings::table.filter(recordings::record_id.eq_any(chunk)))
                    .set((recordings::tenant_id.eq(tenant_id), recordings::updated_at.eq(now_ms())))
                    .execute(conn)?;
            }
            Ok(ids.len())
        })
    }

    /// Every recording's ID, whether it is published, and its formats.
    pub fn placements(conn: &mut DbConnection) -> Result<Vec<(String, bool, String)>, DbError> {
        Ok(recordings::table
            .inner_join(playback_formats::table)
            .select((recordings::record_id, recordings::published, playback_formats::format))
            .order((recordings::record_id, playback_formats::format))
            .load(conn)?)
    }

    /// The tenant's recordings with these exact IDs.
    pub fn find_many(conn: &mut DbConnection, tenant_id: &str, ids: &[String]) -> Result<Vec<Recording>, DbError> {
        Ok(recordings::table
            .filter(recordings::tenant_id.eq(tenant_id))
            .filter(recordings::record_id.eq_any(ids))
            .select(Recording::as_select())
            .load(conn)?)
    }

    /// The playback formats of a recording.
    pub fn formats(conn: &mut DbConnection, record_id: &str) -> Result<Vec<String>, DbError> {
        Ok(playback_formats::table
            .filter(playback_formats::record_id.eq(record_id))
            .select(playback_formats::format)
            .load(conn)?)
    }

    /// Records a publication changed through the API (kept by later imports).
    pub fn set_published(conn: &mut DbConnection, record_id: &str, published: bool) -> Result<(), DbError> {
        diesel::update(recordings::table.find(record_id))
            .set((
                recordings::published.eq(published),
                recordings::publish_updated.eq(true),
                recordings::state.eq(if published { "published" } else { "unpublished" }),
                recordings::updated_at.eq(now_ms()),
            ))
            .execute(conn)?;
        Ok(())
    }

    /// Sets (`Some`) or removes (`None`) metadata keys and, if given, `protected`, on every recording; returns
    /// whether anything changed.
    pub fn update_metadata(
        conn: &mut DbConnection,
        ids: &[String],
        changes: &[(String, Option<String>)],
        protect: Option<bool>,
    ) -> Result<bool, DbError> {
        write_transaction(conn, |conn| {
            let mut changed = false;
            for id in ids {
                for (key, value) in changes {
                    let row = recording_metadata::table.find((id, key));
                    match value {
                        Some(value) => {
                            if diesel::update(row).set(recording_metadata::value.eq(value)).execute(conn)? == 0 {
                                diesel::insert_into(recording_metadata::table)
                                    .values((
                                        recording_metadata::record_id.eq(id),
                                        recording_metadata::key.eq(key),
                                        recording_metadata::value.eq(value),
                                    ))
                                    .execute(conn)?;
                            }
                            changed = true;
                        }
                        None => changed |= diesel::delete(row).execute(conn)? > 0,
                    }
                }
                if let Some(protect) = protect {
                    diesel::update(recordings::table.find(id)).set(recordings::protected.eq(protect)).execute(conn)?;
                    changed = true;
                }
            }
            Ok(changed)
        })
    }

    /// Keeps the row of a deleted recording, with state `deleted`, and drops its metadata and formats.
    pub fn mark_deleted(conn: &mut DbConnection, record_id: &str) -> Result<(), DbError> {
        write_transaction(conn, |conn| {
            diesel::delete(thumbnails::table.filter(thumbnails::record_id.eq(record_id))).execute(conn)?;
            diesel::delete(playback_formats::table.filter(playback_formats::record_id.eq(record_id))).execute(conn)?;
            diesel::delete(recording_metadata::table.filter(recording_metadata::record_id.eq(record_id)))
                .execute(conn)?;
            diesel::update(recordings::table.find(record_id))
                .set((
                    recordings::state.eq("deleted"),
                    recordings::published.eq(false),
                    recordings::updated_at.eq(now_ms()),
                ))
                .execute(conn)?;
            Ok(())
        })
    }

    /// Loads the metadata, formats and thumbnails of these recordings, keeping their order.
    pub fn complete(conn: &mut DbConnection, page: Vec<Recording>) -> Result<Vec<FullRecording>, DbError> {
        let ids: Vec<&str> = page.iter().map(|r| r.record_id.as_str()).collect();
        let mut metadata: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let rows: Vec<(String, String, String)> = recording_metadata::table
            .filter(recording_metadata::record_id.eq_any(&ids))
            .order((recording_metadata::record_id, recording_metadata::key))
            .select((recording_metadata::record_id, recording_metadata::key, recording_metadata::value))
            .load(conn)?;
        for (id, key, value) in rows {
            metadata.entry(id).or_default().push((key, value));
        }
        let mut thumbs: HashMap<(String, String), Vec<ThumbnailRow>> = HashMap::new();
        let rows: Vec<ThumbnailRow> = thumbnails::table
            .filter(thumbnails::record_id.eq_any(&ids))
            .order((thumbnails::record_id, thumbnails::format, thumbnails::sequence))
            .select(ThumbnailRow::as_select())
            .load(conn)?;
        for row in rows {
            thumbs.entry((row.record_id.clone(), row.format.clone())).or_default().push(row);
        }
        let mut formats: HashMap<String, Vec<(FormatRow, Vec<ThumbnailRow>)>> = HashMap::new();
        let rows: Vec<FormatRow> = playback_formats::table
            .filter(playback_formats::record_id.eq_any(&ids))
            .order((playback_formats::record_id, playback_formats::format))
            .select(FormatRow::as_select())
            .load(conn)?;
        for row in rows {
            let images = thumbs.remove(&(row.record_id.clone(), row.format.clone())).unwrap_or_default();
            formats.entry(row.record_id.clone()).or_default().push((row, images));
        }
        Ok(page
            .into_iter()
            .map(|recording| FullRecording {
                metadata: metadata.remove(&recording.record_id).unwrap_or_default(),
                formats: formats.remove(&recording.record_id).unwrap_or_default(),
                recording,
            })
            .collect())
    }
}
