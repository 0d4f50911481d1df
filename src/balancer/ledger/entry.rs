//! What the ledger knows of one meeting: its prior, its last polled figures, the joins redirected to it (running
//! totals, and the recent ones in time order), and what it weighs now.

use std::collections::VecDeque;

use crate::balancer::forecast::{self, arrival_window, Arrivals, Forecast};
use crate::balancer::{streams, LoadWeights, MeetingFigures};

/// What the ledger knows of one meeting.
#[derive(Clone, Debug)]
pub struct Entry {
    pub created: f64,
    pub prior: Forecast,
    pub polled: MeetingFigures,
    /// When the poll that gave `polled` started; `None` before any poll listed the meeting.
    pub poll_started: Option<f64>,
    /// Times of the joins redirected to it within the arrival window, in order.
    pub joins: VecDeque<f64>,
    /// Joins redirected to it in all, and those of them a poll has seen (redirected before it started).
    pub joins_total: usize,
    pub joins_seen: usize,
}

impl Entry {
    pub fn new(created: f64, prior: Forecast) -> Entry {
        Entry {
            created,
            prior,
            polled: MeetingFigures::default(),
            poll_started: None,
            joins: VecDeque::new(),
            joins_total: 0,
            joins_seen: 0,
        }
    }

    /// Joins no poll has seen yet: O(1), however many users a meeting has.
    pub fn in_flight(&self) -> usize {
        self.joins_total - self.joins_seen
    }

    /// The joins kept at or after `at` (they are in time order: a binary search).
    pub fn joins_since(&self, at: f64) -> usize {
        self.joins.len() - self.joins.partition_point(|t| *t < at)
    }

    pub fn arrivals(&self, now: f64, window: f64) -> Arrivals {
        Arrivals {
            age: (now - self.created).max(0.0),
            users: f64::from(self.polled.participants) + self.in_flight() as f64,
            recent_joins: u32::try_from(self.joins_since(now - window)).unwrap_or(u32::MAX),
        }
    }

    pub fn prune(&mut self, now: f64, window: f64) {
        while self.joins.front().is_some_and(|t| *t < now - window) {
            self.joins.pop_front();
        }
    }

    /// Its forecast now, and what it weighs (users and weighted streams).
    pub fn weigh(&self, now: f64, weights: &LoadWeights) -> (Forecast, f64) {
        let arrivals = self.arrivals(now, arrival_window(weights));
        let (forecast, users) = forecast::expected_users(weights, self.prior, &arrivals);
        (forecast, users + streams(weights, &self.polled))
    }
}
