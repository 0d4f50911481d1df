//! The documentation keeps up with the code: every configuration key is in config/scalelite.toml and README.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scalelite::config::KEYS;

#[test]
fn every_configuration_key_is_documented() {
    let root = env!("CARGO_MANIFEST_DIR");
    let toml = std::fs::read_to_string(format!("{root}/config/scalelite.toml")).unwrap();
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    for key in KEYS {
        assert!(
            toml.contains(&format!("# Environment variable: {}\n", key.name)),
            "{} missing in config/scalelite.toml",
            key.name
        );
        assert!(
            toml.contains(&format!("# {} = ", key.name.to_lowercase())),
            "{} has no line in config/scalelite.toml",
            key.name
        );
        assert!(readme.contains(&format!("| `{}` |", key.name)), "{} missing in the README's table", key.name);
    }
}

#[test]
fn the_sample_file_loads_to_exactly_the_defaults() {
    let root = env!("CARGO_MANIFEST_DIR");
    let toml = std::fs::read_to_string(format!("{root}/config/scalelite.toml")).unwrap();
    // Uncomment every key: the defaults it shows must be valid values.
    let uncommented: String = toml
        .lines()
        .filter_map(|l| l.strip_prefix("# ").filter(|rest| rest.contains(" = ")))
        .map(|l| format!("{l}\n"))
        .collect();
    let table: toml::Table = uncommented.parse().unwrap();
    let values: std::collections::HashMap<String, String> = table
        .into_iter()
        .filter(|(k, _)| k != "bind")
        .map(|(k, v)| (k.to_uppercase(), v.as_str().map(String::from).unwrap_or_else(|| v.to_string())))
        .collect();
    assert_eq!(values.len(), KEYS.len() - 1);
    let sample = scalelite::config::Config::load(&values).unwrap();
    // The sample shows exactly the defaults: loading it changes nothing.
    let defaults = scalelite::config::Config::load(&std::collections::HashMap::new()).unwrap();
    // One exception, as in Ruby Scalelite: setting LOADBALANCER_CHECKSUM_ALGORITHM at all, even to its default
    // list, makes new servers sign with the strongest algorithm of it rather than SHA-256.
    assert_eq!(sample.default_server_checksum, scalelite::bbb::checksum::Algorithm::Sha512);
    let sample = scalelite::config::Config { default_server_checksum: defaults.default_server_checksum, ..sample };
    assert_eq!(format!("{sample:?}"), format!("{defaults:?}"));
}

/// Every environment variable of Ruby Scalelite (spec §12) is honoured (a configuration key) or listed in the
/// README as not supported, with its reason.
#[test]
fn every_ruby_setting_is_honoured_or_listed_as_not_supported() {
    const RUBY: &[&str] = &[
        "URL_HOST",
        "SECRET_KEY_BASE",
        "LOADBALANCER_SECRET",
        "LOADBALANCER_SECRETS",
        "LOADBALANCER_CHECKSUM_ALGORITHM",
        "DATABASE_URL",
        "PREPARED_STATEMENT",
        "DB_CONNECTION_RETRY_COUNT",
        "DB_DISABLED",
        "REDIS_URL",
        "REDIS_POOL",
        "REDIS_NAMESPACE",
        "MULTITENANCY_ENABLED",
        "MAX_MEETING_DURATION",
        "SERVER_HEALTHY_THRESHOLD",
        "SERVER_UNHEALTHY_THRESHOLD",
        "CONNECT_TIMEOUT",
        "RESPONSE_TIMEOUT",
        "POLLER_THREADS",
        "POLLER_WAIT_TIMEOUT",
        "POLL_INTERVAL",
        "INTERVAL",
        "LOAD_MIN_USER_COUNT",
        "LOAD_JOIN_BUFFER_TIME",
        "SERVER_ID_IS_HOSTNAME",
        "RECORDING_DISABLED",
        "RECORDING_SPOOL_DIR",
        "RECORDING_WORK_DIR",
        "RECORDING_PUBLISH_DIR",
        "RECORDING_UNPUBLISH_DIR",
        "RECORDING_IMPORT_UNPUBLISHED",
        "RECORDING_IMPORT_POLL",
        "RECORDING_IMPORT_POLL_INTERVAL",
        "RECORDING_PLAYBACK_FORMATS",
        "PROTECTED_RECORDINGS_ENABLED",
        "PROTECTED_RECORDINGS_TOKEN_TIMEOUT",
        "PROTECTED_RECORDINGS_TIMEOUT",
        "GET_MEETINGS_API_DISABLED",
        "GET_RECORDINGS_API_FILTERED",
        "CREATE_EXCLUDE_PARAMS",
        "JOIN_EXCLUDE_PARAMS",
        "DEFAULT_CREATE_PARAMS",
        "OVERRIDE_CREATE_PARAMS",
        "DEFAULT_JOIN_PARAMS",
        "OVERRIDE_JOIN_PARAMS",
        "VOICE_BRIDGE_LEN",
        "VOICE_BRIDGE_MIN",
        "VOICE_BRIDGE_MAX",
        "USE_EXTERNAL_VOICE_BRIDGE",
        "FSAPI_PASSWORD",
        "FSAPI_MAX_DURATION",
        "DEFAULT_MEETING_TTL",
        "BUILD_NUMBER",
        "DEFAULT_LOCALE",
        "S3_RECORDING",
        "S3_BUCKET_NAME",
        "CLOUDFRONT_URL",
        "CF_KEY_PAIR_ID",
        "CF_PRIVATE_KEY_B64",
        "PORT",
        "BIND",
        "WEB_CONCURRENCY",
        "RAILS_MAX_THREADS",
        "RAILS_MIN_THREADS",
        "RAILS_ENV",
        "RAILS_LOG_TO_STDOUT",
        "RAILS_LOG_LEVEL",
        "RAILS_SERVE_STATIC_FILES",
        "NGINX_SSL",
        "NGINX_BEHIND_PROXY",
        "BEHIND_PROXY",
        "NGINX_RECORDINGS_ONLY",
        "SCALELITE_API_PORT",
        "SCALELITE_TAG",
        "SCALELITE_RECORDING_DIR",
        "SCALELITE_API_EXTRA_OPTS",
        "SCALELITE_NGINX_EXTRA_OPTS",
    ];
    let readme = std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let not_supported = scalelite::ruby_settings::NOT_IMPLEMENTED.iter().chain(scalelite::ruby_settings::NOT_NEEDED);
    for (name, why) in not_supported.clone() {
        assert!(readme.contains(&format!("| `{name}` | {why} |")), "{name} is not in the README's Ruby settings");
    }
    for name in RUBY {
        let honoured = KEYS.iter().any(|k| k.name == *name);
        let listed = not_supported.clone().any(|(n, _)| n == name);
        assert!(honoured != listed, "{name}: honoured {honoured}, listed as not supported {listed}");
    }
}
