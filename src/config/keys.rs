//! Every configuration key Scalelite reads: its environment variable, its default (written here only) and what
//! it means. The README's table and `config/scalelite.toml` list the same keys (a test checks).

use crate::db::url::DEFAULT_DATABASE_URL;

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
    Key { name: "LOADBALANCER_CHECKSUM_ALGORITHM", default: "SHA1:SHA256:SHA384:SHA512", meaning: "Accepted checksum algorithms, colon-separated (SHA1, SHA256, SHA384, SHA512); when set, new servers are signed with the strongest of them (else SHA256), as Ruby does" },
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
    Key { name: "LOAD_MIN_USER_COUNT", default: "15", meaning: "Users a new meeting is expected to reach, without a size hint or history" },
    Key { name: "LOAD_JOIN_BUFFER_TIME", default: "15", meaning: "Minutes over which a new meeting's forecast fades into its measured users" },
    Key { name: "LOAD_ARRIVAL_TIME", default: "90", meaning: "Seconds a meeting's users keep arriving at their current rate, in its forecast" },
    Key { name: "LOAD_SIZE_HINT_MAX", default: "300", meaning: "The largest size hint (meta_bbb-meeting-size-hint, maxParticipants) taken from a create" },
    Key { name: "LOAD_VIDEO_WEIGHT", default: "1.0", meaning: "Extra users one webcam stream counts for in a server's load" },
    Key { name: "LOAD_VOICE_WEIGHT", default: "0.0", meaning: "Extra users one user in voice counts for in a server's load" },
    Key { name: "MAX_MEETING_DURATION", default: "0", meaning: "Minutes; forces the duration of every meeting (0: off)" },
    Key { name: "DEFAULT_MEETING_TTL", default: "86400", meaning: "Seconds after which a meeting is forgotten in any case" },
    Key { name: "VOICE_BRIDGE_LEN", default: "9", meaning: "Digits of a generated voice bridge" },
    Key { name: "VOICE_BRIDGE_MIN", default: "5", meaning: "Fewest digits a caller may type as a dial-in PIN (FreeSWITCH prompt)" },
    Key { name: "VOICE_BRIDGE_MAX", default: "9", meaning: "Most digits a caller may type as a dial-in PIN (FreeSWITCH prompt); VOICE_BRIDGE_LEN must be within MIN..MAX" },
    Key { name: "FSAPI_PASSWORD", default: "", meaning: "Password of user fsapi for POST /fsapi (FreeSWITCH mod_xml_curl, HTTP basic auth). Unset: the first load-balancer secret; set empty: no authentication" },
    Key { name: "FSAPI_MAX_DURATION", default: "", meaning: "Minutes after which a dial-in call is hung up (0: never). Unset: MAX_MEETING_DURATION" },
    Key { name: "TENANT_RATE_LIMIT", default: "0", meaning: "API calls per second of one tenant over every instance, unless the tenant has its own (0: no limit)" },
    Key { name: "CLIENT_RATE_LIMIT", default: "0", meaning: "API calls per second from one client address over every instance (0: no limit)" },
    Key { name: "CHECKSUM_FAILURE_LIMIT", default: "0", meaning: "Checksum failures from one address within a minute before its calls are refused for a while (0: off)" },
    Key { name: "USAGE_SAMPLE_INTERVAL", default: "10", meaning: "Seconds between two samples of the tenants' usage (meetings, users), by the leading instance" },
    Key { name: "RECORDING_RETENTION_DAYS", default: "0", meaning: "Days after its end a recording goes to the trash, unless its tenant has its own (0: kept for ever)" },
    Key { name: "RECORDING_TRASH_DAYS", default: "30", meaning: "Days a recording stays in the trash before it is purged, files and index" },
    Key { name: "RECORDING_DELETE_TO_TRASH", default: "false", meaning: "deleteRecordings moves recordings to the trash instead of deleting them at once" },
    Key { name: "RECORDING_RETENTION_INTERVAL", default: "3600", meaning: "Seconds between two sweeps of the leading instance: recordings past retention to the trash, the trash purged" },
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

/// The default of a key, as text (`""`: unset).
pub fn default_of(name: &str) -> &'static str {
    KEYS.iter().find(|k| k.name == name).map_or("", |k| k.default)
}
