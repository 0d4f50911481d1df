//! How long recordings are kept: the default retention (a tenant's own replaces it), the grace period in the trash
//! before a purge, and whether `deleteRecordings` goes through the trash.

use std::time::Duration;

use super::source::Reader;
use super::ConfigError;

#[derive(Debug, Clone)]
pub struct Retention {
    /// Days after its end a recording goes to the trash; 0: kept for ever.
    pub days: u32,
    /// Days a recording stays in the trash before it is purged (files and index).
    pub trash_days: u32,
    /// `deleteRecordings` moves to the trash instead of deleting at once.
    pub delete_to_trash: bool,
    /// How often the leading instance moves recordings past their retention to the trash and purges the trash.
    pub sweep_interval: Duration,
}

impl Retention {
    pub(super) fn load(r: &Reader<'_>) -> Result<Retention, ConfigError> {
        Ok(Retention {
            days: r.number("RECORDING_RETENTION_DAYS", 0, "a whole number of days (0: for ever)")?,
            trash_days: r.number("RECORDING_TRASH_DAYS", 0, "a whole number of days")?,
            delete_to_trash: r.flag("RECORDING_DELETE_TO_TRASH")?,
            sweep_interval: r.seconds("RECORDING_RETENTION_INTERVAL")?,
        })
    }
}
