//! Configuration: Ruby Scalelite's environment variables, same names and defaults, optionally from a TOML file.
//!
//! The keys and their defaults are in [`keys`]; values come through a [`Lookup`] ([`source`]). Every value is
//! validated once, here: a bad one is a [`ConfigError`] that names the variable and says what it expects, and
//! the process stops with that one line.

pub mod dashboard;
pub mod env_file;
pub mod fsapi;
pub mod keys;
pub mod limits;
pub mod retention;
pub mod s3;
pub mod source;

use std::path::PathBuf;
use std::time::Duration;

use crate::bbb::checksum::Algorithm;
use crate::db::url::DatabaseUrl;
use crate::secret::Secret;
pub use keys::{Key, KEYS};
use source::Reader;
pub use source::{EnvAndFile, Lookup};

/// A value that cannot be used. Its `Display` is the one line printed before the process stops.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {key}{}: expected {expected}", value.as_ref().map(|v| format!("={v}")).unwrap_or_default())]
pub struct ConfigError {
    /// The variable's name.
    pub key: String,
    /// The offending value, unless it may be secret.
    pub value: Option<String>,
    /// What would have been accepted.
    pub expected: String,
}

/// Validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub loadbalancer_secrets: Vec<Secret>,
    pub checksum_algorithms: Vec<Algorithm>,
    /// What a new server's calls are signed with unless it is told otherwise: the strongest of
    /// `LOADBALANCER_CHECKSUM_ALGORITHM` when it is set, else SHA-256, as Ruby Scalelite does.
    pub default_server_checksum: Algorithm,
    pub checksum_empty_form_allowed: bool,
    pub database_url: DatabaseUrl,
    pub db_pool_size: u32,
    pub url_host: Option<String>,
    pub secret_key_base: Option<Secret>,
    pub bind: String,
    pub multitenancy_enabled: bool,
    pub server_id_is_hostname: bool,
    pub server_healthy_threshold: u32,
    pub server_unhealthy_threshold: u32,
    pub connect_timeout: Duration,
    pub response_timeout: Duration,
    pub request_body_timeout: Duration,
    pub poll_interval: Duration,
    pub load_min_user_count: u32,
    pub load_join_buffer_time: Duration,
    pub load_video_weight: f64,
    pub load_arrival_time: Duration,
    pub load_size_hint_max: u32,
    pub load_voice_weight: f64,
    pub max_meeting_duration: u32,
    pub default_meeting_ttl: Duration,
    pub voice_bridge_len: u32,
    /// Dial-in through FreeSWITCH (`POST /fsapi`).
    pub fsapi: fsapi::Fsapi,
    /// Rate limits, the checksum back-off, usage sampling.
    pub limits: limits::Limits,
    /// Recordings' retention and trash.
    pub retention: retention::Retention,
    /// The operator's dashboard.
    pub dashboard: dashboard::Dashboard,
    pub use_external_voice_bridge: bool,
    pub get_meetings_api_disabled: bool,
    pub get_recordings_api_filtered: bool,
    pub create_exclude_params: Vec<String>,
    pub join_exclude_params: Vec<String>,
    pub default_create_params: Vec<(String, String)>,
    pub override_create_params: Vec<(String, String)>,
    pub default_join_params: Vec<(String, String)>,
    pub override_join_params: Vec<(String, String)>,
    pub recording_disabled: bool,
    pub recording_spool_dir: PathBuf,
    pub recording_work_dir: PathBuf,
    pub recording_publish_dir: PathBuf,
    pub recording_unpublish_dir: PathBuf,
    /// The bucket the recordings are kept in (`S3_RECORDING`); `None`: the two folders above.
    pub s3: Option<s3::S3>,
    pub recording_import_unpublished: bool,
    pub recording_import_poll_interval: Duration,
    pub recording_playback_formats: Vec<String>,
    pub protected_recordings_enabled: bool,
    pub protected_recordings_token_timeout: Duration,
    pub protected_recordings_timeout: Duration,
    pub recording_x_accel_redirect: bool,
    pub recording_player_dir: PathBuf,
    pub metrics_token: Option<Secret>,
    pub build_number: Option<String>,
    /// Ruby Scalelite settings that are set but do nothing here, with a note each (warned about at start).
    pub ignored_ruby_settings: Vec<(&'static str, &'static str)>,
}

impl Config {
    /// Reads and validates every key.
    pub fn load(lookup: &dyn Lookup) -> Result<Config, ConfigError> {
        let r = Reader::new(lookup);
        let mut loadbalancer_secrets = Vec::new();
        if let Some(main) = r.text("LOADBALANCER_SECRET") {
            loadbalancer_secrets.push(Secret::new(main));
        }
        loadbalancer_secrets.extend(r.list("LOADBALANCER_SECRETS", ':').into_iter().map(Secret::new));

        let algorithm_text = r.text("LOADBALANCER_CHECKSUM_ALGORITHM").unwrap_or_default();
        let mut checksum_algorithms = Vec::new();
        for name in algorithm_text.split(':').filter(|s| !s.trim().is_empty()) {
            let algorithm = Algorithm::from_name(name).ok_or_else(|| {
                Reader::error(
                    "LOADBALANCER_CHECKSUM_ALGORITHM",
                    &algorithm_text,
                    "a colon-separated list of SHA1, SHA256, SHA384, SHA512",
                )
            })?;
            checksum_algorithms.push(algorithm);
        }
        if checksum_algorithms.is_empty() {
            return Err(Reader::error(
                "LOADBALANCER_CHECKSUM_ALGORITHM",
                &algorithm_text,
                "a colon-separated list of SHA1, SHA256, SHA384, SHA512",
            ));
        }

        let database_url = DatabaseUrl::parse(&r.text("DATABASE_URL").unwrap_or_default())
            .map_err(|expected| ConfigError { key: "DATABASE_URL".into(), value: None, expected })?;

        let port: u16 = r.number("PORT", 1, "a TCP port number from 1 to 65535")?;
        // BIND's default names PORT: it applies only when BIND is not set.
        let bind = match r.given("BIND") {
            Some(bind) => {
                parse_bind(&bind).ok_or_else(|| Reader::error("BIND", &bind, "tcp://HOST:PORT or HOST:PORT"))?
            }
            None => format!("0.0.0.0:{port}"),
        };

        let voice_bridge_len = r.number("VOICE_BRIDGE_LEN", 1, "a number of digits from 1 to 18")?;
        if voice_bridge_len > 18 {
            return Err(Reader::error(
                "VOICE_BRIDGE_LEN",
                &voice_bridge_len.to_string(),
                "a number of digits from 1 to 18",
            ));
        }

        let max_meeting_duration = r.number("MAX_MEETING_DURATION", 0, "a whole number of minutes (0: off)")?;
        let fsapi = fsapi::Fsapi::load(&r, loadbalancer_secrets.first(), max_meeting_duration, voice_bridge_len)?;
        Ok(Config {
            fsapi,
            limits: limits::Limits::load(&r)?,
            retention: retention::Retention::load(&r)?,
            dashboard: dashboard::Dashboard::load(&r)?,
            s3: s3::S3::load(&r)?,
            loadbalancer_secrets,
            default_server_checksum: match r.given("LOADBALANCER_CHECKSUM_ALGORITHM") {
                Some(_) => Algorithm::strongest(&checksum_algorithms),
                None => Algorithm::Sha256,
            },
            checksum_algorithms,
            checksum_empty_form_allowed: r.flag("CHECKSUM_EMPTY_FORM_ALLOWED")?,
            database_url,
            db_pool_size: r.number("DB_POOL_SIZE", 1, "a whole number of connections, at least 1")?,
            url_host: r.text("URL_HOST"),
            secret_key_base: r.text("SECRET_KEY_BASE").map(Secret::new),
            bind,
            multitenancy_enabled: r.flag("MULTITENANCY_ENABLED")?,
            server_id_is_hostname: r.flag("SERVER_ID_IS_HOSTNAME")?,
            server_healthy_threshold: r.number("SERVER_HEALTHY_THRESHOLD", 1, "a whole number, at least 1")?,
            server_unhealthy_threshold: r.number("SERVER_UNHEALTHY_THRESHOLD", 1, "a whole number, at least 1")?,
            connect_timeout: r.seconds("CONNECT_TIMEOUT")?,
            response_timeout: r.seconds("RESPONSE_TIMEOUT")?,
            request_body_timeout: r.seconds("REQUEST_BODY_TIMEOUT")?,
            poll_interval: r.seconds("POLL_INTERVAL")?,
            load_min_user_count: r.number("LOAD_MIN_USER_COUNT", 0, "a whole number of users")?,
            load_join_buffer_time: r.minutes("LOAD_JOIN_BUFFER_TIME")?,
            load_video_weight: r.number("LOAD_VIDEO_WEIGHT", 0.0, "a number of users, 0 or more")?,
            load_arrival_time: r.seconds("LOAD_ARRIVAL_TIME")?,
            load_size_hint_max: r.number("LOAD_SIZE_HINT_MAX", 1, "a whole number of users, 1 or more")?,
            load_voice_weight: r.number("LOAD_VOICE_WEIGHT", 0.0, "a number of users, 0 or more")?,
            max_meeting_duration,
            default_meeting_ttl: Duration::from_secs(r.number(
                "DEFAULT_MEETING_TTL",
                1,
                "a whole number of seconds, at least 1",
            )?),
            voice_bridge_len,
            use_external_voice_bridge: r.flag("USE_EXTERNAL_VOICE_BRIDGE")?,
            get_meetings_api_disabled: r.flag("GET_MEETINGS_API_DISABLED")?,
            get_recordings_api_filtered: r.flag("GET_RECORDINGS_API_FILTERED")?,
            create_exclude_params: r.list("CREATE_EXCLUDE_PARAMS", ','),
            join_exclude_params: r.list("JOIN_EXCLUDE_PARAMS", ','),
            default_create_params: r.pairs("DEFAULT_CREATE_PARAMS")?,
            override_create_params: r.pairs("OVERRIDE_CREATE_PARAMS")?,
            default_join_params: r.pairs("DEFAULT_JOIN_PARAMS")?,
            override_join_params: r.pairs("OVERRIDE_JOIN_PARAMS")?,
            recording_disabled: r.flag("RECORDING_DISABLED")?,
            recording_spool_dir: r.path("RECORDING_SPOOL_DIR"),
            recording_work_dir: r.path("RECORDING_WORK_DIR"),
            recording_publish_dir: r.path("RECORDING_PUBLISH_DIR"),
            recording_unpublish_dir: r.path("RECORDING_UNPUBLISH_DIR"),
            recording_import_unpublished: r.flag("RECORDING_IMPORT_UNPUBLISHED")?,
            recording_import_poll_interval: r.seconds("RECORDING_IMPORT_POLL_INTERVAL")?,
            recording_playback_formats: r.list("RECORDING_PLAYBACK_FORMATS", ':'),
            protected_recordings_enabled: r.flag("PROTECTED_RECORDINGS_ENABLED")?,
            protected_recordings_token_timeout: r.minutes("PROTECTED_RECORDINGS_TOKEN_TIMEOUT")?,
            protected_recordings_timeout: r.minutes("PROTECTED_RECORDINGS_TIMEOUT")?,
            recording_x_accel_redirect: r.flag("RECORDING_X_ACCEL_REDIRECT")?,
            recording_player_dir: r.path("RECORDING_PLAYER_DIR"),
            metrics_token: r.text("METRICS_TOKEN").map(Secret::new),
            build_number: r.text("BUILD_NUMBER"),
            ignored_ruby_settings: crate::ruby_settings::seen(|key| lookup.get(key)),
        })
    }

    /// The BBB client of this thread, with the configured timeouts.
    pub fn bbb_client(&self) -> crate::bbb::client::BbbClient {
        crate::bbb::client::BbbClient::of_this_thread(self.connect_timeout, self.response_timeout)
    }

    /// How the balancer weighs meetings.
    pub fn load_weights(&self) -> crate::balancer::LoadWeights {
        crate::balancer::LoadWeights {
            min_users: f64::from(self.load_min_user_count),
            join_buffer: self.load_join_buffer_time,
            video: self.load_video_weight,
            voice: self.load_voice_weight,
            arrival_time: self.load_arrival_time,
            size_hint_max: f64::from(self.load_size_hint_max),
        }
    }

    /// How long a new meeting may be missing from its server's list before the poller forgets it: long enough
    /// for the create to reach the server and for two polls to see it.
    pub fn new_meeting_grace(&self) -> Duration {
        (self.poll_interval * 2).max(Duration::from_secs(60))
    }
}

/// `tcp://HOST:PORT` or `HOST:PORT` → `HOST:PORT`, with a valid port.
fn parse_bind(bind: &str) -> Option<String> {
    let address = bind.strip_prefix("tcp://").unwrap_or(bind);
    let (host, port) = address.rsplit_once(':')?;
    if host.is_empty() || port.parse::<u16>().ok()? == 0 {
        return None;
    }
    Some(address.to_string())
}

#[cfg(test)]
mod tests {
    use super::source::read_toml;
    use super::*;
    use std::collections::HashMap;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::load(&map)
    }

    #[test]
    fn defaults_match_ruby_scalelite() {
        let config = load(&[]).unwrap();
        assert_eq!(config.bind, "0.0.0.0:3000");
        assert_eq!(config.database_url, DatabaseUrl::Sqlite("scalelite.sqlite3".into()));
        assert_eq!(config.server_healthy_threshold, 1);
        assert_eq!(config.server_unhealthy_threshold, 2);
        assert_eq!(config.connect_timeout, Duration::from_secs(5));
        assert_eq!(config.response_timeout, Duration::from_secs(10));
        assert_eq!(config.poll_interval, Duration::from_secs(60));
        assert_eq!(config.load_min_user_count, 15);
        assert_eq!(config.load_join_buffer_time, Duration::from_secs(15 * 60));
        assert_eq!(config.voice_bridge_len, 9);
        assert_eq!(config.default_meeting_ttl, Duration::from_secs(86400));
        assert_eq!(config.protected_recordings_token_timeout, Duration::from_secs(3600));
        assert_eq!(config.recording_spool_dir, PathBuf::from("/var/bigbluebutton/spool"));
        assert_eq!(config.recording_playback_formats.len(), 6);
        assert!(!config.multitenancy_enabled);
        assert!(config.loadbalancer_secrets.is_empty());
        assert_eq!(config.checksum_algorithms, Algorithm::ALL.to_vec());
    }

    #[test]
    fn reads_secrets_in_order() {
        let config = load(&[("LOADBALANCER_SECRET", "main"), ("LOADBALANCER_SECRETS", "a:b")]).unwrap();
        let secrets: Vec<&str> = config.loadbalancer_secrets.iter().map(Secret::expose).collect();
        assert_eq!(secrets, ["main", "a", "b"]);
    }

    #[test]
    fn reads_parameter_lists_and_pairs() {
        let config = load(&[
            ("CREATE_EXCLUDE_PARAMS", "logo, bannerText"),
            ("DEFAULT_CREATE_PARAMS", "record=true,welcome=Hi=there"),
        ])
        .unwrap();
        assert_eq!(config.create_exclude_params, ["logo", "bannerText"]);
        assert_eq!(
            config.default_create_params,
            [("record".to_string(), "true".to_string()), ("welcome".to_string(), "Hi=there".to_string())]
        );
    }

    #[test]
    fn no_unimplemented_ruby_setting_is_a_setting_of_ours() {
        for (name, _) in crate::ruby_settings::NOT_IMPLEMENTED {
            assert!(!KEYS.iter().any(|k| k.name == *name), "{name} is implemented");
        }
    }

    #[test]
    fn bind_wins_over_port() {
        assert_eq!(load(&[("PORT", "8080")]).unwrap().bind, "0.0.0.0:8080");
        assert_eq!(load(&[("PORT", "8080"), ("BIND", "tcp://127.0.0.1:9000")]).unwrap().bind, "127.0.0.1:9000");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let cases = [
            ("LOADBALANCER_CHECKSUM_ALGORITHM", "MD5"),
            ("DATABASE_URL", "mysql://root@db/scalelite"),
            ("PORT", "abc"),
            ("PORT", "70000"),
            ("BIND", "nowhere"),
            ("MULTITENANCY_ENABLED", "maybe"),
            ("CONNECT_TIMEOUT", "-1"),
            ("RESPONSE_TIMEOUT", "0"),
            ("SERVER_UNHEALTHY_THRESHOLD", "0"),
            ("DEFAULT_CREATE_PARAMS", "record"),
            ("VOICE_BRIDGE_LEN", "40"),
            ("DB_POOL_SIZE", "0"),
        ];
        for (key, value) in cases {
            let error = load(&[(key, value)]).expect_err(key);
            assert_eq!(error.key, key);
            let line = error.to_string();
            assert!(line.starts_with(&format!("invalid configuration: {key}")), "{line}");
            assert!(!line.contains('\n'));
        }
    }

    #[test]
    fn database_url_errors_do_not_echo_the_password() {
        let line = load(&[("DATABASE_URL", "mysql://root:hunter2@db/x")]).unwrap_err().to_string();
        assert!(!line.contains("hunter2"), "{line}");
        assert!(line.contains("mysql"));
    }

    #[test]
    fn toml_file_sets_keys_and_the_environment_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scalelite.toml");
        std::fs::write(&path, "port = 4000\nmultitenancy_enabled = true\nurl_host = \"sl.example.com\"\n").unwrap();
        let file = read_toml(&path).unwrap();
        assert_eq!(file.get("PORT").map(String::as_str), Some("4000"));
        let config = Config::load(&file).unwrap();
        assert_eq!(config.bind, "0.0.0.0:4000");
        assert!(config.multitenancy_enabled);

        std::fs::write(&path, "prot = 4000\n").unwrap();
        let error = read_toml(&path).unwrap_err();
        assert!(error.to_string().contains("unknown key 'prot'"), "{error}");
    }
}
