//! The settings of what protects a shared pool from one front-end: API call rates per tenant and per client
//! address (over every instance: each instance allows its share), the back-off after repeated checksum failures,
//! and how often tenants' usage is sampled.

use std::time::Duration;

use super::source::Reader;
use super::ConfigError;

#[derive(Debug, Clone)]
pub struct Limits {
    /// API calls per second of one tenant, over every instance; a tenant's own limit replaces it. 0: none.
    pub tenant_rate: u32,
    /// API calls per second from one client address, over every instance. 0: none.
    pub client_rate: u32,
    /// Checksum failures from one address within a minute after which its calls are refused for a while
    /// (1 s, doubling with each further failure, up to 5 minutes). 0: never.
    pub checksum_failures: u32,
    /// How often the leading instance adds the time since the last sample to each tenant's usage.
    pub usage_sample_interval: Duration,
}

impl Limits {
    pub(super) fn load(r: &Reader<'_>) -> Result<Limits, ConfigError> {
        let rate = |key: &str| r.number(key, 0, "a whole number of calls per second (0: no limit)");
        Ok(Limits {
            tenant_rate: rate("TENANT_RATE_LIMIT")?,
            client_rate: rate("CLIENT_RATE_LIMIT")?,
            checksum_failures: r.number("CHECKSUM_FAILURE_LIMIT", 0, "a whole number of failures a minute (0: off)")?,
            usage_sample_interval: r.seconds("USAGE_SAMPLE_INTERVAL")?,
        })
    }
}
