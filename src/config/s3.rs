//! Recordings in an S3-compatible bucket: Ruby Scalelite's `S3_RECORDING` and `S3_BUCKET_NAME`, the AWS SDK's
//! standard region and credential variables, and ours for a custom endpoint (MinIO, Ceph, …), path-style access
//! and how playback reaches the files.

use std::time::Duration;

use super::source::Reader;
use super::ConfigError;
use crate::secret::Secret;

/// How a player gets a recording's file from the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum S3Playback {
    /// A redirect to a short-lived pre-signed URL (the bucket serves the bytes).
    Redirect,
    /// Scalelite fetches the file and passes it on (no CORS set-up on the bucket, one origin for the player).
    Proxy,
}

/// The bucket and how to reach it.
#[derive(Debug, Clone)]
pub struct S3 {
    pub bucket: String,
    pub region: String,
    /// A custom endpoint (`http(s)://host:port`); `None`: AWS.
    pub endpoint: Option<String>,
    /// `bucket` in the path (`https://host/bucket/key`) rather than in the host name.
    pub path_style: bool,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    pub session_token: Option<Secret>,
    pub playback: S3Playback,
    /// How long a pre-signed playback URL is good for.
    pub url_expiry: Duration,
}

impl S3 {
    /// The bucket settings, or `None` when `S3_RECORDING` is unset (recordings in local folders).
    pub(super) fn load(r: &Reader<'_>) -> Result<Option<S3>, ConfigError> {
        if r.given("S3_RECORDING").is_none() {
            return Ok(None);
        }
        let bucket = r.text("S3_BUCKET_NAME").unwrap_or_default();
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !bucket_ok {
            return Err(Reader::error("S3_BUCKET_NAME", &bucket, "a bucket name (3 to 63 of a-z 0-9 . -)"));
        }
        let endpoint = r.text("S3_ENDPOINT");
        if let Some(endpoint) = &endpoint {
            let parsed = url::Url::parse(endpoint).ok().filter(|u| matches!(u.scheme(), "http" | "https"));
            if parsed.is_none_or(|u| u.host_str().is_none()) {
                return Err(Reader::error("S3_ENDPOINT", endpoint, "an http:// or https:// URL"));
            }
        }
        let playback = match r.text("S3_PLAYBACK").unwrap_or_default().to_ascii_lowercase().as_str() {
            "redirect" => S3Playback::Redirect,
            "proxy" => S3Playback::Proxy,
            other => return Err(Reader::error("S3_PLAYBACK", other, "redirect or proxy")),
        };
        let expiry: u64 = r.number("S3_URL_EXPIRY", 1, "a whole number of seconds from 1 to 604800")?;
        if expiry > 604_800 {
            return Err(Reader::error(
                "S3_URL_EXPIRY",
                &expiry.to_string(),
                "a whole number of seconds from 1 to 604800",
            ));
        }
        Ok(Some(S3 {
            bucket,
            region: r.text("AWS_REGION").unwrap_or_default(),
            endpoint,
            path_style: r.flag("S3_PATH_STYLE")?,
            access_key_id: r.text("AWS_ACCESS_KEY_ID"),
            secret_access_key: r.text("AWS_SECRET_ACCESS_KEY").map(Secret::new),
            session_token: r.text("AWS_SESSION_TOKEN").map(Secret::new),
            playback,
            url_expiry: Duration::from_secs(expiry),
        }))
    }
}
