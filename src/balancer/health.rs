//! A server's health: consecutive successes bring it online, consecutive failures take it offline
//! (`SERVER_HEALTHY_THRESHOLD`, `SERVER_UNHEALTHY_THRESHOLD`), as Ruby Scalelite's poller counts them.

/// Online state and the counters towards the next change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Health {
    pub online: bool,
    healthy: u32,
    unhealthy: u32,
}

/// What one poll changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    None,
    CameOnline,
    WentOffline,
}

impl Health {
    pub fn new(online: bool) -> Health {
        Health { online, healthy: 0, unhealthy: 0 }
    }

    /// Counts a poll's success or failure.
    pub fn record(&mut self, success: bool, healthy_threshold: u32, unhealthy_threshold: u32) -> Transition {
        if success {
            self.unhealthy = 0;
            if self.online {
                return Transition::None;
            }
            self.healthy += 1;
            if self.healthy >= healthy_threshold {
                *self = Health::new(true);
                return Transition::CameOnline;
            }
        } else {
            self.healthy = 0;
            if !self.online {
                return Transition::None;
            }
            self.unhealthy += 1;
            if self.unhealthy >= unhealthy_threshold {
                *self = Health::new(false);
                return Transition::WentOffline;
            }
        }
        Transition::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goes_offline_after_consecutive_failures_only() {
        let mut health = Health::new(true);
        assert_eq!(health.record(false, 1, 2), Transition::None);
        assert_eq!(health.record(true, 1, 2), Transition::None);
        assert_eq!(health.record(false, 1, 2), Transition::None);
        assert_eq!(health.record(false, 1, 2), Transition::WentOffline);
        assert!(!health.online);
        assert_eq!(health.record(false, 1, 2), Transition::None);
    }

    #[test]
    fn comes_online_after_consecutive_successes() {
        let mut health = Health::new(false);
        assert_eq!(health.record(true, 3, 2), Transition::None);
        assert_eq!(health.record(true, 3, 2), Transition::None);
        assert_eq!(health.record(false, 3, 2), Transition::None);
        assert_eq!(health.record(true, 3, 2), Transition::None);
        assert_eq!(health.record(true, 3, 2), Transition::None);
        assert_eq!(health.record(true, 3, 2), Transition::CameOnline);
        assert!(health.online);
        assert_eq!(Health::new(false).record(true, 1, 2), Transition::CameOnline);
    }
}
