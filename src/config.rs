//! Configuration: Ruby Scalelite's environment variables, same names and defaults, optionally from a TOML file.
//!
//! Values come through a [`Lookup`] (the environment layered over the file; a `HashMap` in tests).
//! Every value is validated once, here: a bad one is a [`ConfigError`] that names the variable and says what
//! it expects, and the process stops with that one line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::bbb::checksum::Algorithm;
use crate::db::url::{DatabaseUrl, DEFAULT_DATABASE_URL};
use crate::secret::Secret;

/// One configuration key: its environment variable, its default (as text) and what it means.
pub struct Key {
    pub name: &'static str,
    pub default: &'static str,
    pub meaning: &'static str,
}

/// Every key Scalelite reads. The TOML file uses the same names in lower case.
pub const KEYS: &[Key] = &[
    Key { name: "LOADBALANCER_SECRET", default: "", meaning: "Main API secret. Unset (with LOADBALANCER_SECRETS unset too): one is generated at the first start, kept in the database and printed once" },
    Key { name: "LOADBALANCER_SECRETS", default: "", meaning: "Further accepted secrets, colon-separated (for rotation)" },
    Key { name: "LOADBALANCER_CHECKSUM_ALGORITHM", default: "SHA1:SHA256:SHA384:SHA512", meaning: "Accepted checksum algorithms, colon-separated (SHA1, SHA256, SHA384, SHA512)" },
    Key { name: "CHECKSUM_EMPTY_FORM_ALLOWED", default: "false", meaning: "Accept a form POST with no query string whose checksum covers the empty string instead of its body (old front-ends). Off: such a checksum would authorise any body" },
    Key { name: "DATABASE_URL", default: DEFAULT_DATABASE_URL, meaning: "sqlite://PATH (the default, a file in the working folder) or postgres://USER:PASSWORD@HOST/DB" },
    Key { name: "DB_POOL_SIZE", default: "10", meaning: "Database connections per instance" },
    Key { name: "URL_HOST", default: "", meaning: "Public host name of this Scalelite (callbacks, links)" },
    Key { name: "SECRET_KEY_BASE", default: "", meaning: "Key that signs playback cookies of protected recordings. Unset: one is generated and kept in the database, shared by every instance" },
    Key { name: "PORT", default: "3000", meaning: "TCP port to listen on" },
    Key { name: "BIND", default: "tcp://0.0.0.0:$PORT", meaning: "Address to listen on (tcp://HOST:PORT or HOST:PORT); wins over PORT" },
    Key { name: "MULTITENANCY_ENABLED", default: "false", meaning: "Serve several tenants, each with its own secrets" },
    Key { name: "SERVER_ID_IS_HOSTNAME", default: "false", meaning: "A new server's id is its URL's host name instead of a random UUID" },
    Key { name: "SERVER_HEALTHY_THRESHOLD", default: "1", meaning: "Successful polls before an offline server is online" },
    Key { name: "SERVER_UNHEALTHY_THRESHOLD", default: "2", meaning: "Failed polls before an online server is offline" },
    Key { name: "CONNECT_TIMEOUT", default: "5", meaning: "Seconds to open a connection to a BBB server" },
    Key { name: "RESPONSE_TIMEOUT", default: "10", meaning: "Seconds to wait for a BBB server's whole answer, body included" },
    Key { name: "REQUEST_BODY_TIMEOUT", default: "30", meaning: "Seconds a client has to send a request's whole body" },
    Key { name: "POLL_INTERVAL", default: "60", meaning: "Seconds between two polls of a BBB server" },
    Key { name: "LOAD_MIN_USER_COUNT", default: "15", meaning: "Users a new meeting counts for at least, while it is young" },
    Key { name: "LOAD_JOIN_BUFFER_TIME", default: "15", meaning: "Minutes during which a new meeting counts for LOAD_MIN_USER_COUNT at least" },
    Key { name: "LOAD_VIDEO_WEIGHT", default: "1.0", meaning: "Extra users one webcam stream counts for in a server's load" },
    Key { name: "LOAD_VOICE_WEIGHT", default: "0.0", meaning: "Extra users one user in voice counts for in a server's load" },
    Key { name: "MAX_MEETING_DURATION", default: "0", meaning: "Minutes; forces the duration of every meeting (0: off)" },
    Key { name: "DEFAULT_MEETING_TTL", default: "86400", meaning: "Seconds after which a meeting is forgotten in any case" },
    Key { name: "VOICE_BRIDGE_LEN", default: "9", meaning: "Digits of a generated voice bridge" },
    Key { name: "USE_EXTERNAL_VOICE_BRIDGE", default: "false", meaning: "Try the front-end's voiceBridge first" },
    Key { name: "GET_MEETINGS_API_DISABLED", default: "false", meaning: "getMeetings always answers noMeetings" },
    Key { name: "GET_RECORDINGS_API_FILTERED", default: "false", meaning: "getRecordings requires meetingID or recordID" },
    Key { name: "CREATE_EXCLUDE_PARAMS", default: "", meaning: "Comma-separated create parameters to drop" },
    Key { name: "JOIN_EXCLUDE_PARAMS", default: "", meaning: "Comma-separated join parameters to drop" },
    Key { name: "DEFAULT_CREATE_PARAMS", default: "", meaning: "create parameters the front-end may override: k=v,k2=v2" },
    Key { name: "OVERRIDE_CREATE_PARAMS", default: "", meaning: "create parameters that replace the front-end's: k=v,k2=v2" },
    Key { name: "DEFAULT_JOIN_PARAMS", default: "", meaning: "join parameters the front-end may override: k=v,k2=v2" },
    Key { name: "OVERRIDE_JOIN_PARAMS", default: "", meaning: "join parameters that replace the front-end's: k=v,k2=v2" },
    Key { name: "RECORDING_DISABLED", default: "false", meaning: "Turn off the recording API, playback and the importer" },
    Key { name: "RECORDING_SPOOL_DIR", default: "/var/bigbluebutton/spool", meaning: "Where BBB servers drop recording tars" },
    Key { name: "RECORDING_WORK_DIR", default: "/var/bigbluebutton/recording/scalelite", meaning: "Scratch folder of the importer" },
    Key { name: "RECORDING_PUBLISH_DIR", default: "/var/bigbluebutton/published", meaning: "Published recordings" },
    Key { name: "RECORDING_UNPUBLISH_DIR", default: "/var/bigbluebutton/unpublished", meaning: "Unpublished recordings" },
    Key { name: "RECORDING_IMPORT_UNPUBLISHED", default: "false", meaning: "Import new recordings as unpublished" },
    Key { name: "RECORDING_IMPORT_POLL", default: "true", meaning: "Scan the spool periodically (as well as on change)" },
    Key { name: "RECORDING_IMPORT_POLL_INTERVAL", default: "60", meaning: "Seconds between two scans of the spool" },
    Key { name: "RECORDING_PLAYBACK_FORMATS", default: "presentation:video:screenshare:podcast:notes:capture", meaning: "Playback formats served, colon-separated" },
    Key { name: "PROTECTED_RECORDINGS_ENABLED", default: "false", meaning: "Playback needs a one-time token from getRecordings" },
    Key { name: "PROTECTED_RECORDINGS_TOKEN_TIMEOUT", default: "60", meaning: "Minutes a one-time playback token lives" },
    Key { name: "PROTECTED_RECORDINGS_TIMEOUT", default: "360", meaning: "Minutes a playback cookie lives" },
    Key { name: "RECORDING_X_ACCEL_REDIRECT", default: "false", meaning: "Answer playback file requests with X-Accel-Redirect for nginx instead of serving the files" },
    Key { name: "RECORDING_PLAYER_DIR", default: "/var/bigbluebutton/playback/presentation/2.3", meaning: "The bbb-playback player served at /playback/presentation/2.3/ (if the folder exists)" },
    Key { name: "METRICS_TOKEN", default: "", meaning: "If set, /metrics needs the header Authorization: Bearer <this token>" },
    Key { name: "BUILD_NUMBER", default: "", meaning: "Shown as <build> in the API index" },
    Key { name: "DEFAULT_LOCALE", default: "en", meaning: "Language of the pages Scalelite shows" },
];

/// Where configuration values come from.
pub trait Lookup {
    /// The value of a key (by its environment variable name), if set.
    fn get(&self, key: &str) -> Option<String>;
}

impl Lookup for HashMap<String, String> {
    fn get(&self, key: &str) -> Option<String> {
        HashMap::get(self, key).cloned()
    }
}

/// The process environment, layered over an optional TOML file: the environment wins.
pub struct EnvAndFile {
    file: HashMap<String, String>,
}

impl EnvAndFile {
    /// Reads the TOML file, if a path is given. Its keys are the variable names in lower case.
    pub fn new(path: Option<&Path>) -> Result<EnvAndFile, ConfigError> {
        let file = match path {
            Some(path) => read_toml(path)?,
            None => HashMap::new(),
        };
        Ok(EnvAndFile { file })
    }
}

impl Lookup for EnvAndFile {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().or_else(|| self.file.get(key).cloned())
    }
}

fn read_toml(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let fail = |expected: String| ConfigError { key: "SCALELITE_CONFIG".into(), value: None, expected };
    let text = std::fs::read_to_string(path).map_err(|e| fail(format!("a readable file ({}: {e})", path.display())))?;
    let table: toml::Table =
        text.parse().map_err(|e: toml::de::Error| fail(format!("valid TOML ({}: {})", path.display(), e.message())))?;
    let mut values = HashMap::new();
    for (key, value) in table {
        let name = key.to_ascii_uppercase();
        if !KEYS.iter().any(|k| k.name == name) {
            return Err(fail(format!("known keys only ({}: unknown key '{key}')", path.display())));
        }
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => return Err(fail(format!("a string, number or boolean for '{key}' ({})", path.display()))),
        };
        values.insert(name, text);
    }
    Ok(values)
}

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
    pub load_voice_weight: f64,
    pub max_meeting_duration: u32,
    pub default_meeting_ttl: Duration,
    pub voice_bridge_len: u32,
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
    pub recording_import_unpublished: bool,
    pub recording_import_poll: bool,
    pub recording_import_poll_interval: Duration,
    pub recording_playback_formats: Vec<String>,
    pub protected_recordings_enabled: bool,
    pub protected_recordings_token_timeout: Duration,
    pub protected_recordings_timeout: Duration,
    pub recording_x_accel_redirect: bool,
    pub recording_player_dir: PathBuf,
    pub metrics_token: Option<Secret>,
    pub build_number: Option<String>,
    pub default_locale: String,
    /// Ruby Scalelite settings that are set but do nothing here, with a note each (warned about at start).
    pub ignored_ruby_settings: Vec<(&'static str, &'static str)>,
}

/// Reads keys from a [`Lookup`], treating an empty value as unset.
struct Reader<'a> {
    lookup: &'a dyn Lookup,
}

impl Reader<'_> {
    fn text(&self, key: &str) -> Option<String> {
        self.lookup.get(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    fn error(key: &str, value: &str, expected: &str) -> ConfigError {
        ConfigError { key: key.into(), value: Some(value.into()), expected: expected.into() }
    }

    fn text_or(&self, key: &str, default: &str) -> String {
        self.text(key).unwrap_or_else(|| default.to_string())
    }

    fn flag(&self, key: &str) -> Result<bool, ConfigError> {
        let Some(value) = self.text(key) else {
            return Ok(false);
        };
        match value.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" | "t" | "y" => Ok(true),
            "false" | "no" | "off" | "0" | "f" | "n" => Ok(false),
            _ => Err(Self::error(key, &value, "true or false")),
        }
    }

    fn flag_or(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        if self.text(key).is_none() {
            return Ok(default);
        }
        self.flag(key)
    }

    fn number<T: FromStr + PartialOrd + Copy>(
        &self,
        key: &str,
        default: T,
        min: T,
        expected: &str,
    ) -> Result<T, ConfigError> {
        let Some(value) = self.text(key) else {
            return Ok(default);
        };
        match value.parse::<T>() {
            Ok(n) if n >= min => Ok(n),
            _ => Err(Self::error(key, &value, expected)),
        }
    }

    fn seconds(&self, key: &str, default: f64) -> Result<Duration, ConfigError> {
        let n = self.number(key, default, 0.0, "a number of seconds greater than 0")?;
        if n <= 0.0 || !n.is_finite() {
            return Err(Self::error(key, &n.to_string(), "a number of seconds greater than 0"));
        }
        Ok(Duration::from_secs_f64(n))
    }

    fn minutes(&self, key: &str, default: u64) -> Result<Duration, ConfigError> {
        let n = self.number(key, default, 0, "a whole number of minutes")?;
        Ok(Duration::from_secs(n * 60))
    }

    fn list(&self, key: &str, separator: char, default: &str) -> Vec<String> {
        self.text_or(key, default).split(separator).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
    }

    fn pairs(&self, key: &str) -> Result<Vec<(String, String)>, ConfigError> {
        let mut pairs = Vec::new();
        for item in self.list(key, ',', "") {
            match item.split_once('=') {
                Some((k, v)) if !k.trim().is_empty() => pairs.push((k.trim().to_string(), v.to_string())),
                _ => return Err(Self::error(key, &item, "comma-separated name=value pairs")),
            }
        }
        Ok(pairs)
    }
}

impl Config {
    /// Reads and validates every key.
    pub fn load(lookup: &dyn Lookup) -> Result<Config, ConfigError> {
        let r = Reader { lookup };
        let mut loadbalancer_secrets = Vec::new();
        if let Some(main) = r.text("LOADBALANCER_SECRET") {
            loadbalancer_secrets.push(Secret::new(main));
        }
        loadbalancer_secrets.extend(r.list("LOADBALANCER_SECRETS", ':', "").into_iter().map(Secret::new));

        let algorithm_text = r.text_or("LOADBALANCER_CHECKSUM_ALGORITHM", "SHA1:SHA256:SHA384:SHA512");
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

        let database_url = DatabaseUrl::parse(&r.text_or("DATABASE_URL", DEFAULT_DATABASE_URL))
            .map_err(|expected| ConfigError { key: "DATABASE_URL".into(), value: None, expected })?;

        let port: u16 = r.number("PORT", 3000, 1, "a TCP port number from 1 to 65535")?;
        let bind = match r.text("BIND") {
            Some(bind) => {
                parse_bind(&bind).ok_or_else(|| Reader::error("BIND", &bind, "tcp://HOST:PORT or HOST:PORT"))?
            }
            None => format!("0.0.0.0:{port}"),
        };

        let voice_bridge_len = r.number("VOICE_BRIDGE_LEN", 9, 1, "a number of digits from 1 to 18")?;
        if voice_bridge_len > 18 {
            return Err(Reader::error(
                "VOICE_BRIDGE_LEN",
                &voice_bridge_len.to_string(),
                "a number of digits from 1 to 18",
            ));
        }

        Ok(Config {
            loadbalancer_secrets,
            checksum_algorithms,
            checksum_empty_form_allowed: r.flag("CHECKSUM_EMPTY_FORM_ALLOWED")?,
            database_url,
            db_pool_size: r.number("DB_POOL_SIZE", 10, 1, "a whole number of connections, at least 1")?,
            url_host: r.text("URL_HOST"),
            secret_key_base: r.text("SECRET_KEY_BASE").map(Secret::new),
            bind,
            multitenancy_enabled: r.flag("MULTITENANCY_ENABLED")?,
            server_id_is_hostname: r.flag("SERVER_ID_IS_HOSTNAME")?,
            server_healthy_threshold: r.number("SERVER_HEALTHY_THRESHOLD", 1, 1, "a whole number, at least 1")?,
            server_unhealthy_threshold: r.number("SERVER_UNHEALTHY_THRESHOLD", 2, 1, "a whole number, at least 1")?,
            connect_timeout: r.seconds("CONNECT_TIMEOUT", 5.0)?,
            response_timeout: r.seconds("RESPONSE_TIMEOUT", 10.0)?,
            request_body_timeout: r.seconds("REQUEST_BODY_TIMEOUT", 30.0)?,
            poll_interval: r.seconds("POLL_INTERVAL", 60.0)?,
            load_min_user_count: r.number("LOAD_MIN_USER_COUNT", 15, 0, "a whole number of users")?,
            load_join_buffer_time: r.minutes("LOAD_JOIN_BUFFER_TIME", 15)?,
            load_video_weight: r.number("LOAD_VIDEO_WEIGHT", 1.0, 0.0, "a number of users, 0 or more")?,
            load_voice_weight: r.number("LOAD_VOICE_WEIGHT", 0.0, 0.0, "a number of users, 0 or more")?,
            max_meeting_duration: r.number("MAX_MEETING_DURATION", 0, 0, "a whole number of minutes (0: off)")?,
            default_meeting_ttl: Duration::from_secs(r.number(
                "DEFAULT_MEETING_TTL",
                86400,
                1,
                "a whole number of seconds, at least 1",
            )?),
            voice_bridge_len,
            use_external_voice_bridge: r.flag("USE_EXTERNAL_VOICE_BRIDGE")?,
            get_meetings_api_disabled: r.flag("GET_MEETINGS_API_DISABLED")?,
            get_recordings_api_filtered: r.flag("GET_RECORDINGS_API_FILTERED")?,
            create_exclude_params: r.list("CREATE_EXCLUDE_PARAMS", ',', ""),
            join_exclude_params: r.list("JOIN_EXCLUDE_PARAMS", ',', ""),
            default_create_params: r.pairs("DEFAULT_CREATE_PARAMS")?,
            override_create_params: r.pairs("OVERRIDE_CREATE_PARAMS")?,
            default_join_params: r.pairs("DEFAULT_JOIN_PARAMS")?,
            override_join_params: r.pairs("OVERRIDE_JOIN_PARAMS")?,
            recording_disabled: r.flag("RECORDING_DISABLED")?,
            recording_spool_dir: r.text_or("RECORDING_SPOOL_DIR", "/var/bigbluebutton/spool").into(),
            recording_work_dir: r.text_or("RECORDING_WORK_DIR", "/var/bigbluebutton/recording/scalelite").into(),
            recording_publish_dir: r.text_or("RECORDING_PUBLISH_DIR", "/var/bigbluebutton/published").into(),
            recording_unpublish_dir: r.text_or("RECORDING_UNPUBLISH_DIR", "/var/bigbluebutton/unpublished").into(),
            recording_import_unpublished: r.flag("RECORDING_IMPORT_UNPUBLISHED")?,
            recording_import_poll: r.flag_or("RECORDING_IMPORT_POLL", true)?,
            recording_import_poll_interval: r.seconds("RECORDING_IMPORT_POLL_INTERVAL", 60.0)?,
            recording_playback_formats: r.list(
                "RECORDING_PLAYBACK_FORMATS",
                ':',
                "presentation:video:screenshare:podcast:notes:capture",
            ),
            protected_recordings_enabled: r.flag("PROTECTED_RECORDINGS_ENABLED")?,
            protected_recordings_token_timeout: r.minutes("PROTECTED_RECORDINGS_TOKEN_TIMEOUT", 60)?,
            protected_recordings_timeout: r.minutes("PROTECTED_RECORDINGS_TIMEOUT", 360)?,
            recording_x_accel_redirect: r.flag("RECORDING_X_ACCEL_REDIRECT")?,
            recording_player_dir: r
                .text_or("RECORDING_PLAYER_DIR", "/var/bigbluebutton/playback/presentation/2.3")
                .into(),
            metrics_token: r.text("METRICS_TOKEN").map(Secret::new),
            build_number: r.text("BUILD_NUMBER"),
            default_locale: r.text_or("DEFAULT_LOCALE", "en"),
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
        }
    }

    /// How long a new meeting may be missing from its server's list before the poller forgets it: long enough
    /// for the create to reach the server and for two polls to see it.
    pub fn new_meeting_grace(&self) -> Duration {
        (self.poll_interval * 2).max(Duration::from_secs(60))
    }

    /// The algorithm for calls to BBB servers: the strongest accepted one, as Ruby Scalelite does.
    pub fn outgoing_algorithm(&self) -> Algorithm {
        self.checksum_algorithms.iter().copied().max().unwrap_or(Algorithm::Sha256)
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
    use super::*;

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
        assert!(config.recording_import_poll);
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
    fn outgoing_algorithm_is_the_strongest_accepted() {
        assert_eq!(
            load(&[("LOADBALANCER_CHECKSUM_ALGORITHM", "SHA1:SHA256")]).unwrap().outgoing_algorithm(),
            Algorithm::Sha256
        );
        assert_eq!(load(&[]).unwrap().outgoing_algorithm(), Algorithm::Sha512);
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
