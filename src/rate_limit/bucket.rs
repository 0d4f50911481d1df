//! A token bucket: `rate` tokens a second, at most `burst` held; a call takes one.

use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct TokenBucket {
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub fn full(burst: f64, now: Instant) -> TokenBucket {
        TokenBucket { tokens: burst, at: now }
    }

    /// Takes a token, or says how long until one is there.
    pub fn take(&mut self, rate: f64, burst: f64, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / rate.max(f64::MIN_POSITIVE)))
        }
    }

    /// When it was last used.
    pub fn used_at(&self) -> Instant {
        self.at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_its_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::full(4.0, start);
        let taken = (0..10).filter(|_| bucket.take(2.0, 4.0, start).is_ok()).count();
        assert_eq!(taken, 4, "the burst");
        let wait = bucket.take(2.0, 4.0, start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500), "one token every half second");
        let later = start + Duration::from_secs(1);
        let taken = (0..10).filter(|_| bucket.take(2.0, 4.0, later).is_ok()).count();
        assert_eq!(taken, 2, "a second later: two more");
        let much_later = later + Duration::from_secs(3600);
        let taken = (0..10).filter(|_| bucket.take(2.0, 4.0, much_later).is_ok()).count();
        assert_eq!(taken, 4, "never more than the burst");
    }
}
