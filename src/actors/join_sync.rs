//! The bookkeeping of sharing joins between instances on one PostgreSQL database: this instance's running totals
//! per meeting and server (written when they change), and the other instances' totals read back as new joins.
//! No I/O here; the scheduler writes and reads `meeting_joins` four times a second.

use std::collections::{HashMap, HashSet};

use crate::db::models::meeting_joins::MeetingJoins;

/// How often the totals are written and read: joins through any instance reach every other within two intervals
/// and the database's answers, well within a second.
pub const SYNC_INTERVAL: std::time::Duration = std::time::Duration::from_millis(250);

/// A meeting on a server: (BBB meeting ID, server ID).
type Key = (String, String);

/// How long totals that no longer change are kept, here and in the database.
pub const KEEP_MS: i64 = 3600 * 1000;

#[derive(Debug)]
pub struct JoinSync {
    pub instance_id: String,
    /// This instance's totals, and when each last changed (ms).
    totals: HashMap<Key, (i32, i64)>,
    changed: HashSet<Key>,
    /// The totals of other instances already counted, by (instance, meeting, server), and when last read (ms).
    counted: HashMap<(String, String, String), (i32, i64)>,
    /// When the other instances' totals were last read (ms), to read only newer ones next time.
    pub read_since: i64,
}

impl JoinSync {
    pub fn new(instance_id: String, now_ms: i64) -> JoinSync {
        JoinSync {
            instance_id,
            totals: HashMap::new(),
            changed: HashSet::new(),
            counted: HashMap::new(),
            read_since: now_ms,
        }
    }

    /// A join this instance redirected.
    pub fn joined(&mut self, bbb_meeting_id: &str, server_id: &str, now_ms: i64) {
        let key = (bbb_meeting_id.to_string(), server_id.to_string());
        let total = self.totals.entry(key.clone()).or_default();
        *total = (total.0.saturating_add(1), now_ms);
        self.changed.insert(key);
    }

    /// The totals that changed since the last call, as rows to write.
    pub fn changed_rows(&mut self, now_ms: i64) -> Vec<MeetingJoins> {
        self.changed
            .drain()
            .filter_map(|key| {
                let (joins, _) = *self.totals.get(&key)?;
                Some(MeetingJoins {
                    instance_id: self.instance_id.clone(),
                    bbb_meeting_id: key.0,
                    server_id: key.1,
                    joins,
                    updated_at: now_ms,
                })
            })
            .collect()
    }

    /// Other instances' rows read back: the joins each adds since it was last counted, as (meeting, server, n).
    pub fn new_joins(&mut self, rows: Vec<MeetingJoins>, now_ms: i64) -> Vec<(String, String, u32)> {
        let mut out = Vec::new();
        for row in rows {
            let key = (row.instance_id, row.bbb_meeting_id, row.server_id);
            let before = self.counted.insert(key.clone(), (row.joins, now_ms)).map_or(0, |(n, _)| n);
            if let Ok(added) = u32::try_from(row.joins - before) {
                if added > 0 {
                    out.push((key.1, key.2, added));
                }
            }
        }
        out
    }

    /// Forgets the totals that have not changed for twice `KEEP_MS` (the database forgets them after `KEEP_MS`).
    pub fn forget_old(&mut self, now_ms: i64) {
        let keep = |at: i64| now_ms - at < 2 * KEEP_MS;
        self.totals.retain(|_, (_, at)| keep(*at));
        self.counted.retain(|_, (_, at)| keep(*at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(instance: &str, meeting: &str, joins: i32) -> MeetingJoins {
        MeetingJoins {
            instance_id: instance.into(),
            bbb_meeting_id: meeting.into(),
            server_id: "s1".into(),
            joins,
            updated_at: 0,
        }
    }

    #[test]
    fn writes_changed_totals_once_and_counts_others_by_difference() {
        let mut sync = JoinSync::new("a".into(), 0);
        sync.joined("m", "s1", 1);
        sync.joined("m", "s1", 2);
        let rows = sync.changed_rows(5);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].joins, rows[0].updated_at), (2, 5));
        assert!(sync.changed_rows(6).is_empty(), "nothing changed since");
        assert_eq!(sync.new_joins(vec![row("b", "m", 3)], 7), vec![("m".to_string(), "s1".to_string(), 3)]);
        assert_eq!(sync.new_joins(vec![row("b", "m", 3)], 8), vec![], "read again, counted once");
        assert_eq!(sync.new_joins(vec![row("b", "m", 5), row("c", "m", 1)], 9).len(), 2);
        sync.forget_old(9 + 2 * KEEP_MS);
        assert_eq!(sync.new_joins(vec![row("b", "m", 5)], 10).len(), 1, "forgotten totals count afresh");
    }
}
