//! The reservations of one server: capacity held for meetings placed there and not yet seen by a poll.
//! Each decays linearly over the join buffer (see [`crate::balancer::reservation`]); their sum is kept in
//! O(1) per placement, however many meetings a burst places.

use std::collections::{HashMap, VecDeque};

/// Reservations, timed in seconds on the caller's clock.
#[derive(Debug, Default)]
pub struct Reservations {
    /// In placement order, for expiry; entries removed early stay here until they expire.
    queue: VecDeque<(f64, String)>,
    /// Live reservations by BBB meeting ID.
    live: HashMap<String, f64>,
    /// Sum of the live reservations' placement times.
    sum_at: f64,
}

impl Reservations {
    /// Reserves for a meeting placed at `at` (a second reservation of the same meeting replaces the first).
    pub fn add(&mut self, meeting: String, at: f64) {
        self.remove(&meeting);
        self.queue.push_back((at, meeting.clone()));
        self.live.insert(meeting, at);
        self.sum_at += at;
    }

    /// Ends a meeting's reservation (a poll saw it, or it went elsewhere).
    pub fn remove(&mut self, meeting: &str) {
        if let Some(at) = self.live.remove(meeting) {
            self.sum_at -= at;
        }
    }

    /// Drops the reservations older than `buffer` at `now`.
    fn expire(&mut self, now: f64, buffer: f64) {
        while let Some((at, _)) = self.queue.front() {
            if now - at < buffer {
                break;
            }
            if let Some((at, meeting)) = self.queue.pop_front() {
                if self.live.get(&meeting) == Some(&at) {
                    self.remove(&meeting);
                }
            }
        }
        if self.live.is_empty() {
            self.queue.clear();
            self.sum_at = 0.0;
        }
    }

    /// The users held at `now`: each reservation `min_users × (1 − age / buffer)`.
    pub fn total(&mut self, now: f64, min_users: f64, buffer: f64) -> f64 {
        if buffer <= 0.0 {
            return 0.0;
        }
        self.expire(now, buffer);
        let n = self.live.len() as f64;
        (min_users * (n - (n * now - self.sum_at) / buffer)).max(0.0)
    }

    /// How many meetings hold a reservation.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn sums_decaying_reservations() {
        let mut r = Reservations::default();
        assert_eq!(r.total(0.0, 15.0, 900.0), 0.0);
        r.add("a".into(), 0.0);
        assert!(close(r.total(0.0, 15.0, 900.0), 15.0));
        assert!(close(r.total(450.0, 15.0, 900.0), 7.5));
        r.add("b".into(), 450.0);
        assert!(close(r.total(450.0, 15.0, 900.0), 22.5));
        assert!(close(r.total(900.0, 15.0, 900.0), 7.5), "a expired, b half way");
        assert_eq!(r.len(), 1);
        assert_eq!(r.total(1350.0, 15.0, 900.0), 0.0);
        assert!(r.is_empty());
    }

    #[test]
    fn removes_and_replaces_reservations() {
        let mut r = Reservations::default();
        r.add("a".into(), 0.0);
        r.add("b".into(), 0.0);
        r.remove("a");
        r.remove("unknown");
        assert!(close(r.total(0.0, 10.0, 100.0), 10.0));
        r.add("b".into(), 50.0);
        assert_eq!(r.len(), 1);
        assert!(close(r.total(50.0, 10.0, 100.0), 10.0));
        // The stale queue entry of b (at 0) must not remove the new one when it expires.
        assert!(close(r.total(100.0, 10.0, 100.0), 5.0));
        assert_eq!(r.len(), 1);
    }
}
