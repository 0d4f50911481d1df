//! The back-off of one client address after repeated checksum failures: past `limit` failures within a minute,
//! its calls are refused for 1 s, then 2, 4 … up to 5 minutes with each further failure; a minute without
//! failures past the limit starts afresh.

use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
const LONGEST: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    window_start: Instant,
    failures: u32,
    strikes: u32,
    blocked_until: Option<Instant>,
}

impl Backoff {
    pub fn new(now: Instant) -> Backoff {
        Backoff { window_start: now, failures: 0, strikes: 0, blocked_until: None }
    }

    /// Counts a checksum failure.
    pub fn failed(&mut self, limit: u32, now: Instant) {
        if now.saturating_duration_since(self.window_start) >= WINDOW {
            self.window_start = now;
            self.failures = 0;
            self.strikes = 0;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures > limit {
            self.strikes = self.strikes.saturating_add(1);
            let block = Duration::from_secs(1u64 << (self.strikes - 1).min(20)).min(LONGEST);
            self.blocked_until = Some(now + block);
        }
    }

    /// How long its calls are still refused, if they are.
    pub fn blocked(&self, now: Instant) -> Option<Duration> {
        self.blocked_until.map(|until| until.saturating_duration_since(now)).filter(|d| !d.is_zero())
    }

    /// When it last mattered: a stale entry can be forgotten.
    pub fn last_seen(&self) -> Instant {
        self.blocked_until.map_or(self.window_start, |until| until.max(self.window_start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_limit_block_for_longer_and_longer() {
        let start = Instant::now();
        let mut backoff = Backoff::new(start);
        for _ in 0..3 {
            backoff.failed(3, start);
        }
        assert_eq!(backoff.blocked(start), None, "up to the limit: nothing");
        backoff.failed(3, start);
        assert_eq!(backoff.blocked(start), Some(Duration::from_secs(1)));
        let later = start + Duration::from_secs(2);
        assert_eq!(backoff.blocked(later), None, "the block ends");
        backoff.failed(3, later);
        assert_eq!(backoff.blocked(later), Some(Duration::from_secs(2)), "the next failure doubles it");
        for _ in 0..20 {
            backoff.failed(3, later);
        }
        assert_eq!(backoff.blocked(later), Some(LONGEST), "never more than five minutes");
        let next_window = later + Duration::from_secs(61 + 300);
        backoff.failed(3, next_window);
        assert_eq!(backoff.blocked(next_window), None, "a new minute starts afresh");
    }
}
