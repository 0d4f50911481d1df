//! Ruby Scalelite's settings that Scalelite does not implement, and what an operator should know of each: an
//! operator who sets one must hear that it does nothing here, rather than lose recordings to it. Settings of
//! Ruby's runtime, containers and nginx templates that have no meaning here are listed apart, accepted and
//! ignored without a warning (Ruby's environment file can be passed as is).

/// Each setting Ruby Scalelite reads that Scalelite does not, with what to do instead.
pub const NOT_IMPLEMENTED: &[(&str, &str)] = &[
    (
        "CLOUDFRONT_URL",
        "CloudFront playback is not supported: with S3_RECORDING, players get pre-signed bucket URLs (S3_PLAYBACK)",
    ),
    ("CF_KEY_PAIR_ID", "CloudFront playback is not supported"),
    ("CF_PRIVATE_KEY_B64", "CloudFront playback is not supported"),
    ("REDIS_URL", "Scalelite keeps servers, tenants and meetings in DATABASE_URL; Redis is not used"),
    ("REDIS_NAMESPACE", "Redis is not used"),
    ("REDIS_POOL", "Redis is not used; DB_POOL_SIZE sizes the database pool"),
    ("POLLER_THREADS", "every server is polled by its own actor, all at once"),
    ("POLLER_WAIT_TIMEOUT", "each poll is bounded by RESPONSE_TIMEOUT"),
    ("DB_CONNECTION_RETRY_COUNT", "the importer retries a tar at every scan while the database fails"),
    ("RAILS_MAX_THREADS", "DB_POOL_SIZE sizes the database pool"),
    ("WEB_CONCURRENCY", "one process serves every request"),
    ("RAILS_LOG_LEVEL", "set RUST_LOG (error, warn, info, debug) instead"),
];

/// Ruby settings that have no meaning for one binary, and why: ignored without a warning.
pub const NOT_NEEDED: &[(&str, &str)] = &[
    ("PREPARED_STATEMENT", "Diesel always prepares and caches statements"),
    ("DB_DISABLED", "vestigial in Ruby; the database is always used"),
    ("INTERVAL", "read by nothing in Ruby either (POLL_INTERVAL is the setting)"),
    ("RAILS_MIN_THREADS", "no Puma: actix-web runs one worker per core"),
    ("RAILS_ENV", "there is one build; it behaves as Ruby's production"),
    ("RAILS_LOG_TO_STDOUT", "Scalelite always logs to standard error (set RUST_LOG for the level)"),
    ("RAILS_SERVE_STATIC_FILES", "Scalelite serves its few static files itself"),
    ("NGINX_SSL", "chose Ruby's nginx template; see the nginx sample in config/nginx/"),
    ("NGINX_BEHIND_PROXY", "chose Ruby's nginx template; see the nginx sample in config/nginx/"),
    ("BEHIND_PROXY", "legacy name of NGINX_BEHIND_PROXY"),
    ("NGINX_RECORDINGS_ONLY", "chose Ruby's nginx template; see the nginx sample in config/nginx/"),
    ("SCALELITE_API_PORT", "the port nginx proxied to in Ruby's containers; Scalelite listens on PORT/BIND"),
    ("SCALELITE_TAG", "the Docker image tag of Ruby's systemd units"),
    ("SCALELITE_RECORDING_DIR", "the volume of Ruby's containers; set RECORDING_*_DIR to the same folders"),
    ("SCALELITE_API_EXTRA_OPTS", "extra `docker run` options of Ruby's systemd units"),
    ("SCALELITE_NGINX_EXTRA_OPTS", "extra `docker run` options of Ruby's systemd units"),
];

/// The unimplemented Ruby settings that are set (to anything but the empty string), with their notes; `value`
/// looks a setting up by its environment variable name.
pub fn seen(value: impl Fn(&str) -> Option<String>) -> Vec<(&'static str, &'static str)> {
    NOT_IMPLEMENTED.iter().copied().filter(|(name, _)| value(name).is_some_and(|v| !v.trim().is_empty())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn names_only_what_is_set() {
        let lookup: HashMap<String, String> =
            [("CF_KEY_PAIR_ID", "k"), ("POLLER_THREADS", "x"), ("REDIS_URL", " "), ("PORT", "3000")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let names: Vec<&str> = seen(|key| lookup.get(key).cloned()).iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["CF_KEY_PAIR_ID", "POLLER_THREADS"]);
    }
}
