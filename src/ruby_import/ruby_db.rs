//! Reads a Ruby Scalelite's PostgreSQL database (`db/schema.rb`): recordings with their metadata, playback
//! formats and thumbnails, in batches ordered by ID, and the callback data.
//!
//! Databases built by Ruby's migrations rather than its schema have nullable booleans: NULL reads as false.

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};

use crate::db::DbError;

/// A row of Ruby's `recordings`.
#[derive(QueryableByName, Debug, Clone)]
pub struct RubyRecording {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub record_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub meeting_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Bool)]
    pub published: bool,
    #[diesel(sql_type = Nullable<Integer>)]
    pub participants: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    pub state: Option<String>,
    /// Milliseconds since the epoch (Ruby stores UTC timestamps without a zone).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub starttime: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub endtime: Option<i64>,
    #[diesel(sql_type = Bool)]
    pub protected: bool,
    #[diesel(sql_type = Bool)]
    pub publish_updated: bool,
}

/// A row of Ruby's `metadata`.
#[derive(QueryableByName, Debug, Clone)]
pub struct RubyMetadatum {
    #[diesel(sql_type = BigInt)]
    pub recording_id: i64,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = Text)]
    pub value: String,
}

/// A row of Ruby's `playback_formats`.
#[derive(QueryableByName, Debug, Clone)]
pub struct RubyFormat {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub recording_id: i64,
    #[diesel(sql_type = Text)]
    pub format: String,
    #[diesel(sql_type = Text)]
    pub url: String,
    #[diesel(sql_type = Nullable<Integer>)]
    pub length: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub processing_time: Option<i32>,
}

/// A row of Ruby's `thumbnails` (read in sequence order).
#[derive(QueryableByName, Debug, Clone)]
pub struct RubyThumbnail {
    #[diesel(sql_type = BigInt)]
    pub playback_format_id: i64,
    #[diesel(sql_type = Nullable<Integer>)]
    pub width: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub height: Option<i32>,
    #[diesel(sql_type = Text)]
    pub alt: String,
    #[diesel(sql_type = Text)]
    pub url: String,
}

/// A row of Ruby's `callback_data`.
#[derive(QueryableByName, Debug, Clone)]
pub struct RubyCallback {
    #[diesel(sql_type = Text)]
    pub meeting_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub callback_attributes: Option<String>,
}

/// One batch of recordings with everything that hangs off them.
#[derive(Debug, Default)]
pub struct RecordingBatch {
    pub recordings: Vec<RubyRecording>,
    pub metadata: Vec<RubyMetadatum>,
    pub formats: Vec<RubyFormat>,
    pub thumbnails: Vec<RubyThumbnail>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A connection to Ruby's database.
pub struct RubyDb {
    conn: PgConnection,
}

impl RubyDb {
    /// Connects and checks that the database has Ruby Scalelite's recordings tables.
    pub fn connect(url: &str) -> Result<RubyDb, DbError> {
        let mut conn = PgConnection::establish(url)?;
        diesel::sql_query("SET statement_timeout = '120s'").execute(&mut conn)?;
        diesel::sql_query(
            "SELECT count(*) AS n FROM recordings, metadata, playback_formats, thumbnails, callback_data WHERE false",
        )
        .get_result::<Count>(&mut conn)?;
        Ok(RubyDb { conn })
    }

    /// How many recordings there are.
    pub fn recording_count(&mut self) -> Result<i64, DbError> {
        Ok(diesel::sql_query("SELECT count(*) AS n FROM recordings").get_result::<Count>(&mut self.conn)?.n)
    }

    /// Up to `limit` recordings with IDs above `after`, in ID order, with their rows.
    pub fn recordings_after(&mut self, after: i64, limit: i64) -> Result<RecordingBatch, DbError> {
        let recordings: Vec<RubyRecording> = diesel::sql_query(
            "SELECT id, record_id, meeting_id, name, COALESCE(published, false) AS published, participants, state, \
             (EXTRACT(EPOCH FROM starttime) * 1000)::bigint AS starttime, \
             (EXTRACT(EPOCH FROM endtime) * 1000)::bigint AS endtime, \
             COALESCE(protected, false) AS protected, COALESCE(publish_updated, false) AS publish_updated \
             FROM recordings WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind::<BigInt, _>(after)
        .bind::<BigInt, _>(limit)
        .load(&mut self.conn)?;
        if recordings.is_empty() {
            return Ok(RecordingBatch::default());
        }
        let ids: Vec<i64> = recordings.iter().map(|r| r.id).collect();
        let metadata = diesel::sql_query(
            "SELECT recording_id, key, COALESCE(value, '') AS value FROM metadata \
             WHERE recording_id = ANY($1) AND key IS NOT NULL ORDER BY recording_id, key",
        )
        .bind::<Array<BigInt>, _>(&ids)
        .load(&mut self.conn)?;
        let formats: Vec<RubyFormat> = diesel::sql_query(
            "SELECT id, recording_id, format, COALESCE(url, '') AS url, length, processing_time \
             FROM playback_formats WHERE recording_id = ANY($1) AND format IS NOT NULL ORDER BY recording_id, format",
        )
        .bind::<Array<BigInt>, _>(&ids)
        .load(&mut self.conn)?;
        let format_ids: Vec<i64> = formats.iter().map(|f| f.id).collect();
        let thumbnails = diesel::sql_query(
            "SELECT playback_format_id, width, height, COALESCE(alt, '') AS alt, COALESCE(url, '') AS url \
             FROM thumbnails WHERE playback_format_id = ANY($1) ORDER BY playback_format_id, sequence, id",
        )
        .bind::<Array<BigInt>, _>(&format_ids)
        .load(&mut self.conn)?;
        Ok(RecordingBatch { recordings, metadata, formats, thumbnails })
    }

    /// Every callback-data row with a meeting ID.
    pub fn callbacks(&mut self) -> Result<Vec<RubyCallback>, DbError> {
        Ok(diesel::sql_query(
            "SELECT meeting_id, callback_attributes FROM callback_data WHERE meeting_id IS NOT NULL ORDER BY id",
        )
        .load(&mut self.conn)?)
    }
}
