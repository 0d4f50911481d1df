//! Which meetings' forecasts to write for `scalelite meetings` and the admin API: those that changed since the
//! last write (rounded to a tenth of a user), and the meetings that are gone.

use std::collections::HashMap;

use crate::balancer::ledger::MeetingLoad;
use crate::db::models::meeting_forecast::MeetingForecast;

/// (rounded users, source, in flight, rounded load, polled users) as last written.
type Written = (i64, &'static str, i32, i64, i32);

/// What was last written, per (server, BBB meeting ID).
#[derive(Default)]
pub struct ForecastWriter {
    written: HashMap<(String, String), Written>,
    /// Nothing written yet: the first write replaces every row (another instance may have written them).
    pub fresh: bool,
}

impl ForecastWriter {
    pub fn new() -> ForecastWriter {
        ForecastWriter { written: HashMap::new(), fresh: true }
    }

    /// The rows to write and the (server, meeting) rows to delete, given every meeting now; remembers them.
    pub fn changes(
        &mut self,
        meetings: Vec<(String, MeetingLoad)>,
        now_ms: i64,
    ) -> (Vec<MeetingForecast>, Vec<(String, String)>) {
        let tenth = |x: f64| (x * 10.0).round() as i64;
        let mut rows = Vec::new();
        let mut seen = HashMap::with_capacity(meetings.len());
        for (meeting, m) in meetings {
            let in_flight = i32::try_from(m.in_flight).unwrap_or(i32::MAX);
            let polled = i32::try_from(m.polled_users).unwrap_or(i32::MAX);
            let key = (tenth(m.forecast.users), m.forecast.source.name(), in_flight, tenth(m.load), polled);
            let id = (m.server.clone(), meeting.clone());
            if self.written.get(&id) != Some(&key) {
                rows.push(MeetingForecast {
                    server_id: m.server,
                    bbb_meeting_id: meeting,
                    users: m.forecast.users,
                    source: key.1.to_string(),
                    in_flight,
                    load: m.load,
                    updated_at: now_ms,
                    polled_users: polled,
                });
            }
            seen.insert(id, key);
        }
        let gone = self.written.keys().filter(|id| !seen.contains_key(*id)).cloned().collect();
        self.written = seen;
        (rows, gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balancer::forecast::{Forecast, Source};

    fn load(server: &str, users: f64, in_flight: usize) -> MeetingLoad {
        MeetingLoad {
            server: server.into(),
            polled_users: 0,
            in_flight,
            forecast: Forecast { users, source: Source::Hint },
            load: users,
        }
    }

    #[test]
    fn writes_changes_and_deletes_the_gone() {
        let mut writer = ForecastWriter::new();
        let (rows, gone) =
            writer.changes(vec![("a".into(), load("s1", 30.0, 2)), ("b".into(), load("s1", 10.0, 0))], 1);
        assert_eq!((rows.len(), gone.len()), (2, 0));
        let (rows, gone) =
            writer.changes(vec![("a".into(), load("s1", 30.04, 2)), ("b".into(), load("s1", 10.0, 1))], 2);
        assert_eq!(
            rows.iter().map(|r| r.bbb_meeting_id.as_str()).collect::<Vec<_>>(),
            ["b"],
            "a changed by less than a tenth"
        );
        assert!(gone.is_empty());
        let (rows, gone) = writer.changes(vec![("b".into(), load("s1", 10.0, 1))], 3);
        assert!(rows.is_empty());
        assert_eq!(gone, [("s1".to_string(), "a".to_string())]);
    }
}
