//! The operator's dashboard: how long a sign-in lasts, and how often the leading instance samples each server's
//! load for its chart.

use std::time::Duration;

use super::source::Reader;
use super::ConfigError;

#[derive(Debug, Clone)]
pub struct Dashboard {
    /// How long a dashboard session lasts after its sign-in.
    pub session_timeout: Duration,
    /// How often each server's load is sampled for the chart.
    pub sample_interval: Duration,
}

impl Dashboard {
    pub(super) fn load(r: &Reader<'_>) -> Result<Dashboard, ConfigError> {
        Ok(Dashboard {
            session_timeout: r.seconds("DASHBOARD_SESSION_TIMEOUT")?,
            sample_interval: r.seconds("SERVER_LOAD_SAMPLE_INTERVAL")?,
        })
    }
}
