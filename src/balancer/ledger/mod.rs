//! The load book of the pool: each meeting the balancer knows, on which server, with its prior, its last polled
//! figures and the joins redirected to it since; and each server's load from it. Pure: the caller gives the
//! clock, in seconds.
//!
//! A join counts at once, as a user in flight, until a poll that started after it shows the meeting's real
//! participants; the poll's figure then wins, plus the joins redirected since that poll started.

mod entry;

use std::collections::HashMap;

use super::forecast::{self, arrival_window, Forecast, Source};
use super::{LoadWeights, MeetingFigures};
use entry::Entry;

/// A meeting as the ledger sees it now.
#[derive(Clone, Debug, PartialEq)]
pub struct MeetingLoad {
    pub server: String,
    pub polled_users: u32,
    pub in_flight: usize,
    pub forecast: Forecast,
    /// What it weighs now, in users (before the server's multiplier).
    pub load: f64,
}

/// A server's figures from the ledger (before its multiplier).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ServerLoad {
    /// Participants its meetings had at their last poll.
    pub polled_users: u32,
    /// Joins redirected to it that no poll has seen yet.
    pub in_flight: usize,
    /// Its meetings' weights: measured users, users still expected, weighted streams.
    pub load: f64,
}

/// How long a computed snapshot of the servers' loads serves placements (each placement and join since is
/// added to it at once): a burst of creates costs O(1) each, not a pass over every meeting.
pub const REFRESH_SECS: f64 = 0.1;

/// The servers' loads as computed at `at`, with the placements and joins since added.
#[derive(Debug)]
struct Snapshot {
    at: f64,
    servers: HashMap<String, ServerLoad>,
    /// The typical size of the meetings past their first minute, if there are a few.
    typical: Option<f64>,
}

/// Every meeting the balancer knows, by server and BBB meeting ID (a meeting placed anew elsewhere is on both
/// servers until a poll of the first no longer lists it).
#[derive(Debug, Default)]
pub struct Ledger {
    meetings: HashMap<(String, String), Entry>,
    snapshot: Option<Snapshot>,
}

fn key(server: &str, meeting: &str) -> (String, String) {
    (server.to_string(), meeting.to_string())
}

impl Ledger {
    /// A meeting placed on a server (a second placement there replaces the first). Without a
    /// hint or history, it is expected to be typical of the pool's meetings past their first minute, if there
    /// are a few.
    pub fn place(&mut self, meeting: String, server: String, now: f64, prior: Forecast, weights: &LoadWeights) {
        let prior = match (prior.source, self.snapshot(now, weights).typical) {
            (Source::Default, Some(users)) => Forecast { users, source: Source::Typical },
            _ => prior,
        };
        let entry = Entry::new(now, prior);
        let added = entry.weigh(now, weights).1;
        let replaced = self.meetings.insert((server.clone(), meeting), entry);
        let removed = replaced.map_or(0.0, |old| old.weigh(now, weights).1);
        self.adjust(&server, added - removed, 0);
    }

    /// A better prior for a meeting placed without one (its history, read after its placement).
    pub fn reprior(&mut self, meeting: &str, server: &str, prior: Forecast, now: f64, weights: &LoadWeights) {
        let Some(entry) = self.meetings.get_mut(&key(server, meeting)) else { return };
        let before = entry.weigh(now, weights).1;
        entry.prior = prior;
        let after = entry.weigh(now, weights).1;
        self.adjust(server, after - before, 0);
    }

    /// Adds a change to the snapshot's load of a server.
    fn adjust(&mut self, server: &str, load: f64, in_flight: usize) {
        if let Some(snapshot) = self.snapshot.as_mut() {
            let figures = snapshot.servers.entry(server.to_string()).or_default();
            figures.load += load;
            figures.in_flight += in_flight;
        }
    }

    /// The snapshot, computed afresh when older than `REFRESH_SECS`.
    fn snapshot(&mut self, now: f64, weights: &LoadWeights) -> &Snapshot {
        let fresh = self.snapshot.as_ref().is_some_and(|s| (0.0..REFRESH_SECS).contains(&(now - s.at)));
        if !fresh {
            self.snapshot = Some(self.compute(now, weights));
        }
        self.snapshot.get_or_insert_with(|| Snapshot { at: now, servers: HashMap::new(), typical: None })
    }

    /// A placement given back (the meeting went elsewhere after all); a meeting a poll listed stays.
    pub fn unplace(&mut self, meeting: &str, server: &str, now: f64, weights: &LoadWeights) {
        let key = key(server, meeting);
        if self.meetings.get(&key).is_some_and(|e| e.poll_started.is_none()) {
            if let Some(entry) = self.meetings.remove(&key) {
                self.adjust(server, -entry.weigh(now, weights).1, 0);
            }
        }
    }

    /// `count` users sent to a meeting at `at`. A meeting the ledger does not know yet (placed by another
    /// instance, or before a restart) is taken as new, with the default prior, until a poll tells its age.
    pub fn joined(&mut self, meeting: &str, server: &str, at: f64, count: u32, weights: &LoadWeights) {
        let key = key(server, meeting);
        let known = self.meetings.contains_key(&key);
        let entry = self.meetings.entry(key).or_insert_with(|| Entry::new(at, forecast::prior(weights, None, None)));
        let before = if known { entry.weigh(at, weights).1 } else { 0.0 };
        for _ in 0..count {
            // Joins come in time order (the caller's clock); one out of order is put in its place.
            let at = at.max(entry.joins.back().copied().unwrap_or(f64::NEG_INFINITY));
            entry.joins.push_back(at);
        }
        entry.joins_total += count as usize;
        entry.prune(at, arrival_window(weights));
        let after = entry.weigh(at, weights).1;
        self.adjust(server, after - before, count as usize);
    }

    /// A poll of `server` that started at `started` listed these meetings. A meeting of the server that an
    /// earlier poll listed and this one does not has ended; one placed and never listed yet is kept for `grace`
    /// seconds (its create may still be on its way). Returns the ended meetings.
    pub fn polled(
        &mut self,
        server: &str,
        started: f64,
        now: f64,
        listed: &[(String, MeetingFigures)],
        grace: f64,
        weights: &LoadWeights,
    ) -> Vec<String> {
        let mut listed_here = std::collections::HashSet::with_capacity(listed.len());
        for (meeting, figures) in listed {
            listed_here.insert(meeting.as_str());
            let created = now - figures.age.as_secs_f64();
            let entry = self
                .meetings
                .entry(key(server, meeting))
                .or_insert_with(|| Entry::new(created, forecast::prior(weights, None, None)));
            entry.created = entry.created.min(created);
            entry.polled = figures.clone();
            entry.poll_started = Some(started);
            // The joins redirected before the poll started are in its figures (a poll ends well within the
            // arrival window, so those after it are all still kept).
            entry.joins_seen = entry.joins_total - entry.joins_since(started.next_up()).min(entry.joins_total);
            entry.prune(now, arrival_window(weights));
        }
        let ended: Vec<(String, String)> = self
            .meetings
            .iter()
            .filter(|((host, id), _)| host == server && !listed_here.contains(id.as_str()))
            .filter(|(_, e)| e.poll_started.is_some() || e.created < started - grace)
            .map(|(key, _)| key.clone())
            .collect();
        for key in &ended {
            self.meetings.remove(key);
        }
        self.snapshot = None;
        ended.into_iter().map(|(_, id)| id).collect()
    }

    /// Every server's figures, and the typical size of the meetings past their first minute (the mean of
    /// their forecasts, if there are at least three), computed afresh.
    fn compute(&self, now: f64, weights: &LoadWeights) -> Snapshot {
        let window = arrival_window(weights);
        let mut servers: HashMap<String, ServerLoad> = HashMap::new();
        let (mut sum, mut n) = (0.0, 0u32);
        for ((server, _), entry) in &self.meetings {
            let (forecast, load) = entry.weigh(now, weights);
            if now - entry.created >= window {
                sum += forecast.users;
                n += 1;
            }
            let server = servers.entry(server.clone()).or_default();
            server.polled_users += entry.polled.participants;
            server.in_flight += entry.in_flight();
            server.load += load;
        }
        Snapshot { at: now, servers, typical: (n >= 3).then(|| sum / f64::from(n)) }
    }

    /// Forgets a server's meetings (it went offline, was disabled or removed).
    pub fn forget_server(&mut self, server: &str) {
        self.meetings.retain(|(host, _), _| host != server);
        self.snapshot = None;
    }

    /// Forgets meetings no poll ever listed that are older than the join buffer (on an instance that does not
    /// poll, the polls' figures come from the database instead).
    pub fn expire_unpolled(&mut self, now: f64, weights: &LoadWeights) {
        let buffer = weights.join_buffer.as_secs_f64();
        let before = self.meetings.len();
        self.meetings.retain(|_, e| {
            e.poll_started.is_some() || now - e.created < buffer || e.joins.back().is_some_and(|t| now - t < buffer)
        });
        if self.meetings.len() != before {
            self.snapshot = None;
        }
    }

    /// Every server's figures now: computed at most `REFRESH_SECS` ago, with the placements and joins since.
    pub fn servers(&mut self, now: f64, weights: &LoadWeights) -> &HashMap<String, ServerLoad> {
        &self.snapshot(now, weights).servers
    }

    /// Every meeting now, with its BBB meeting ID (a pass over all of them).
    pub fn meetings(&self, now: f64, weights: &LoadWeights) -> Vec<(String, MeetingLoad)> {
        self.meetings
            .iter()
            .map(|((server, meeting), entry)| (meeting.clone(), Self::load_of(server, entry, now, weights)))
            .collect()
    }

    fn load_of(server: &str, entry: &Entry, now: f64, weights: &LoadWeights) -> MeetingLoad {
        let (forecast, load) = entry.weigh(now, weights);
        MeetingLoad {
            server: server.to_string(),
            polled_users: entry.polled.participants,
            in_flight: entry.in_flight(),
            forecast,
            load,
        }
    }
}

/// What the tests inspect.
#[cfg(test)]
impl Ledger {
    /// One meeting now (where it was placed last, if it is on two servers).
    pub fn meeting(&self, meeting: &str, now: f64, weights: &LoadWeights) -> Option<MeetingLoad> {
        let ((server, _), entry) = self
            .meetings
            .iter()
            .filter(|((_, id), _)| id == meeting)
            .max_by(|(_, a), (_, b)| a.created.total_cmp(&b.created))?;
        Some(Self::load_of(server, entry, now, weights))
    }

    /// How many meetings it knows.
    pub fn len(&self) -> usize {
        self.meetings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.meetings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const WEIGHTS: LoadWeights = crate::balancer::TEST_WEIGHTS;

    fn hint(users: f64) -> Forecast {
        Forecast { users, source: Source::Hint }
    }

    fn figures(participants: u32, age: f64) -> MeetingFigures {
        MeetingFigures { participants, age: Duration::from_secs_f64(age), ..Default::default() }
    }

    #[test]
    fn joins_count_at_once_until_a_poll_that_started_after_them() {
        let mut ledger = Ledger::default();
        ledger.place("m".into(), "s1".into(), 0.0, hint(10.0), &WEIGHTS);
        for t in 1..=4 {
            ledger.joined("m", "s1", f64::from(t), 1, &WEIGHTS);
        }
        assert_eq!(ledger.meeting("m", 5.0, &WEIGHTS).map(|m| m.in_flight), Some(4));
        // A poll started at 3 s saw 3 users (the joins at 1, 2 and 3 s); the join at 4 s is still in flight.
        ledger.polled("s1", 3.0, 6.0, &[("m".into(), figures(3, 6.0))], 60.0, &WEIGHTS);
        let m = ledger.meeting("m", 6.0, &WEIGHTS).expect("known");
        assert_eq!((m.polled_users, m.in_flight), (3, 1));
        let server = ledger.servers(6.0, &WEIGHTS)["s1"];
        assert_eq!((server.polled_users, server.in_flight), (3, 1));
    }

    #[test]
    fn a_young_meeting_weighs_its_forecast_and_a_mature_one_its_users() {
        let mut ledger = Ledger::default();
        ledger.place("m".into(), "s1".into(), 0.0, hint(40.0), &WEIGHTS);
        assert_eq!(ledger.servers(0.0, &WEIGHTS)["s1"].load, 40.0);
        ledger.polled("s1", 899.0, 900.0, &[("m".into(), figures(12, 900.0))], 60.0, &WEIGHTS);
        assert_eq!(ledger.servers(900.0, &WEIGHTS)["s1"].load, 12.0);
    }

    #[test]
    fn ended_meetings_leave_and_young_unlisted_ones_stay_for_the_grace() {
        let mut ledger = Ledger::default();
        ledger.place("old".into(), "s1".into(), 0.0, hint(5.0), &WEIGHTS);
        ledger.polled("s1", 10.0, 11.0, &[("old".into(), figures(5, 11.0))], 60.0, &WEIGHTS);
        ledger.place("new".into(), "s1".into(), 20.0, hint(5.0), &WEIGHTS);
        let ended = ledger.polled("s1", 30.0, 31.0, &[], 60.0, &WEIGHTS);
        assert_eq!(ended, vec!["old".to_string()]);
        assert_eq!(ledger.len(), 1, "new was placed 10 s before the poll: its create may still be on its way");
        let ended = ledger.polled("s1", 100.0, 101.0, &[], 60.0, &WEIGHTS);
        assert_eq!(ended, vec!["new".to_string()]);
        assert!(ledger.is_empty());
    }

    #[test]
    fn unplacing_gives_back_only_an_unpolled_placement_on_that_server() {
        let mut ledger = Ledger::default();
        ledger.place("m".into(), "s1".into(), 0.0, hint(5.0), &WEIGHTS);
        ledger.unplace("m", "s2", 0.0, &WEIGHTS);
        assert_eq!(ledger.len(), 1);
        ledger.unplace("m", "s1", 0.0, &WEIGHTS);
        assert!(ledger.is_empty());
        // A meeting tried elsewhere and given back stays where a poll listed it.
        ledger.place("p".into(), "s1".into(), 0.0, hint(5.0), &WEIGHTS);
        ledger.polled("s1", 1.0, 1.0, &[("p".into(), figures(4, 1.0))], 60.0, &WEIGHTS);
        ledger.place("p".into(), "s2".into(), 2.0, hint(5.0), &WEIGHTS);
        ledger.unplace("p", "s2", 2.0, &WEIGHTS);
        assert_eq!(ledger.meeting("p", 2.0, &WEIGHTS).map(|m| (m.server, m.polled_users)), Some(("s1".into(), 4)));
        ledger.joined("j", "s3", 0.0, 2, &WEIGHTS);
        let j = ledger.meeting("j", 0.0, &WEIGHTS).expect("a join makes the meeting known");
        assert_eq!((j.server.as_str(), j.in_flight, j.forecast.source), ("s3", 2, Source::Default));
        ledger.forget_server("s3");
        assert_eq!(ledger.len(), 1, "only p, on s1, is left");
        ledger.forget_server("s1");
        assert!(ledger.is_empty());
    }

    #[test]
    fn a_snapshot_with_the_changes_since_matches_a_fresh_computation() {
        let mut ledger = Ledger::default();
        ledger.place("old".into(), "s1".into(), 0.0, hint(30.0), &WEIGHTS);
        ledger.polled("s1", 100.0, 100.0, &[("old".into(), figures(20, 100.0))], 60.0, &WEIGHTS);
        let _ = ledger.servers(200.0, &WEIGHTS);
        // Within one snapshot: placements, joins (to young, polled and unknown meetings) and a placement given back.
        ledger.place("a".into(), "s1".into(), 200.0, hint(40.0), &WEIGHTS);
        ledger.place("b".into(), "s2".into(), 200.0, hint(10.0), &WEIGHTS);
        ledger.joined("a", "s1", 200.0, 5, &WEIGHTS);
        ledger.joined("old", "s1", 200.0, 3, &WEIGHTS);
        ledger.joined("new", "s2", 200.0, 2, &WEIGHTS);
        ledger.place("c".into(), "s2".into(), 200.0, hint(7.0), &WEIGHTS);
        ledger.unplace("c", "s2", 200.0, &WEIGHTS);
        let kept = ledger.servers(200.0, &WEIGHTS).clone();
        let fresh = ledger.compute(200.0, &WEIGHTS).servers;
        for server in ["s1", "s2"] {
            assert!((kept[server].load - fresh[server].load).abs() < 1e-9, "{server}: {kept:?} vs {fresh:?}");
            assert_eq!(kept[server].in_flight, fresh[server].in_flight, "{server}");
        }
    }
}
