//! BBB API checksums: `hex(H(call + query-without-checksum + secret))`, the algorithm chosen by the hex length.
//!
//! Verification follows bbb-web: the raw query string as sent (never decoded), with every `checksum`
//! parameter removed; SHA-1/256/384/512 picked by length and limited to the configured set; hex in
//! either case; every candidate secret compared in constant time. The functions hash the query in pieces,
//! so checking a request allocates nothing but the decoded checksum.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

use crate::secret::Secret;

/// A checksum hash function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Algorithm {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Algorithm {
    /// Every algorithm, weakest first.
    pub const ALL: [Algorithm; 4] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha384, Algorithm::Sha512];

    /// Parses `SHA1`, `sha256`, `SHA-384`, … (the names of `LOADBALANCER_CHECKSUM_ALGORITHM`).
    pub fn from_name(name: &str) -> Option<Algorithm> {
        let normal: String =
            name.trim().chars().filter(|c| *c != '-' && *c != '_').collect::<String>().to_ascii_uppercase();
        match normal.as_str() {
            "SHA1" => Some(Algorithm::Sha1),
            "SHA256" => Some(Algorithm::Sha256),
            "SHA384" => Some(Algorithm::Sha384),
            "SHA512" => Some(Algorithm::Sha512),
            _ => None,
        }
    }

    /// The strongest of these (SHA-256 when none is given), which Ruby Scalelite signs its calls to BBB with.
    pub fn strongest(allowed: &[Algorithm]) -> Algorithm {
        allowed.iter().copied().max_by_key(|a| a.hex_len()).unwrap_or(Algorithm::Sha256)
    }

    /// The canonical upper-case name, as Ruby Scalelite writes it.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
            Algorithm::Sha384 => "SHA384",
            Algorithm::Sha512 => "SHA512",
        }
    }

    /// The algorithm whose hex digest has this many characters.
    pub fn from_hex_len(len: usize) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.hex_len() == len)
    }

    /// Length of the hex digest.
    pub fn hex_len(self) -> usize {
        match self {
            Algorithm::Sha1 => 40,
            Algorithm::Sha256 => 64,
            Algorithm::Sha384 => 96,
            Algorithm::Sha512 => 128,
        }
    }

    /// The digest of the concatenated pieces.
    pub fn digest(self, pieces: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(pieces: &[&[u8]]) -> Vec<u8> {
            let mut hasher = D::new();
            for piece in pieces {
                hasher.update(piece);
            }
            hasher.finalize().to_vec()
        }
        match self {
            Algorithm::Sha1 => run::<Sha1>(pieces),
            Algorithm::Sha256 => run::<Sha256>(pieces),
            Algorithm::Sha384 => run::<Sha384>(pieces),
            Algorithm::Sha512 => run::<Sha512>(pieces),
        }
    }
}

/// Why a checksum was refused. Every variant is a BBB `checksumError` to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ChecksumError {
    #[error("no checksum was given")]
    Missing,
    #[error("more than one checksum was given")]
    Repeated,
    #[error("the checksum is not hex of a known length")]
    Malformed,
    #[error("the checksum algorithm is not allowed")]
    AlgorithmNotAllowed,
    #[error("no secret is configured")]
    NoSecrets,
    #[error("the checksum does not match")]
    Mismatch,
}

/// The value of the one `checksum` parameter of a raw query string.
pub fn find_checksum(raw_query: &str) -> Result<&str, ChecksumError> {
    let mut found = None;
    for part in raw_query.split('&') {
        if let Some(value) = part.strip_prefix("checksum=") {
            if found.is_some() {
                return Err(ChecksumError::Repeated);
            }
            found = Some(value);
        }
    }
    match found {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(ChecksumError::Missing),
    }
}

/// Feeds `call + query-without-checksum + body + secret` to `sink`, piece by piece.
fn signed_pieces<'a>(call: &'a str, raw_query: &'a str, body: &'a [u8], secret: &'a str, sink: &mut Vec<&'a [u8]>) {
    sink.push(call.as_bytes());
    let mut first = true;
    for part in raw_query.split('&') {
        if part.starts_with("checksum=") || part == "checksum" {
            continue;
        }
        if !first {
            sink.push(b"&");
        }
        sink.push(part.as_bytes());
        first = false;
    }
    sink.push(body);
    sink.push(secret.as_bytes());
}

/// The hex checksum of a call, as a client (or Scalelite calling a BBB server) computes it.
/// `body` is empty except for the admin API, whose checksum covers the request body.
pub fn sign(algorithm: Algorithm, call: &str, raw_query: &str, body: &[u8], secret: &Secret) -> String {
    let mut pieces = Vec::with_capacity(8);
    signed_pieces(call, raw_query, body, secret.expose(), &mut pieces);
    hex::encode(algorithm.digest(&pieces))
}

/// Checks the `checksum` parameter of `raw_query` against every secret.
pub fn verify(
    call: &str,
    raw_query: &str,
    body: &[u8],
    secrets: &[Secret],
    allowed: &[Algorithm],
) -> Result<usize, ChecksumError> {
    let given = find_checksum(raw_query)?;
    verify_given(given, call, raw_query, body, secrets, allowed)
}

/// Checks a given checksum over `call + signed_query (without checksum parameters) + body + secret`, for each
/// secret, every comparison in constant time. Returns the index of the secret that matched.
pub fn verify_given(
    given: &str,
    call: &str,
    signed_query: &str,
    body: &[u8],
    secrets: &[Secret],
    allowed: &[Algorithm],
) -> Result<usize, ChecksumError> {
    let algorithm = Algorithm::from_hex_len(given.len()).ok_or(ChecksumError::Malformed)?;
    if !allowed.contains(&algorithm) {
        return Err(ChecksumError::AlgorithmNotAllowed);
    }
    let given = hex::decode(given).map_err(|_| ChecksumError::Malformed)?;
    if secrets.is_empty() {
        return Err(ChecksumError::NoSecrets);
    }
    let mut pieces = Vec::with_capacity(16);
    let mut matched = None;
    for (index, secret) in secrets.iter().enumerate() {
        pieces.clear();
        signed_pieces(call, signed_query, body, secret.expose(), &mut pieces);
        let same = bool::from(algorithm.digest(&pieces).ct_eq(&given));
        if same && matched.is_none() {
            matched = Some(index);
        }
    }
    matched.ok_or(ChecksumError::Mismatch)
}

/// A short, stable name for a secret that does not reveal it: the first 16 hex digits of its SHA-256.
pub fn fingerprint(secret: &Secret) -> String {
    let digest = Algorithm::Sha256.digest(&[secret.expose().as_bytes()]);
    hex::encode(&digest[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS_SECRET: &str = "639259d4-9dd8-4b25-bf01-95f9567eaf4b";
    const DOCS_QUERY: &str = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444";

    fn secrets(values: &[&str]) -> Vec<Secret> {
        values.iter().map(|v| Secret::new(*v)).collect()
    }

    #[test]
    fn signs_the_bbb_documentation_vectors() {
        let secret = Secret::new(DOCS_SECRET);
        let cases = [
            (Algorithm::Sha1, "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"),
            (Algorithm::Sha256, "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e"),
            (
                Algorithm::Sha384,
                "891ac633df39d0a1b4f8d597f3e190833216c4b29c4fb51ea3ca72757eeb958d6e7b49a845cf29f5c6019c7d29d029d1",
            ),
            (
                Algorithm::Sha512,
                "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4",
            ),
        ];
        for (algorithm, expected) in cases {
            assert_eq!(sign(algorithm, "create", DOCS_QUERY, b"", &secret), expected, "{algorithm:?}");
        }
        assert_eq!(sign(Algorithm::Sha1, "getMeetings", "", b"", &secret), "2027baa7771026e9e93392f55031535d1444c41f");
    }

    #[test]
    fn signs_the_scalelite_test_vectors() {
        assert_eq!(
            sign(Algorithm::Sha256, "getMeetingInfo", "meetingID=test-meeting-1", b"", &Secret::new("test-1")),
            "7901d9cf0f7e63a7e5eacabfd75fabfb223259d6c045ac5b4d86fb774c371945"
        );
        assert_eq!(
            sign(Algorithm::Sha1, "addServer", "", b"", &Secret::new("sha1-secret")),
            "a347310666f712cc1d5e860969aaf39bda37298d"
        );
    }

    #[test]
    fn verifies_a_checksum_in_any_position_and_either_case() {
        let s = secrets(&[DOCS_SECRET]);
        let sum = sign(Algorithm::Sha256, "create", DOCS_QUERY, b"", &s[0]);
        let last = format!("{DOCS_QUERY}&checksum={sum}");
        let first = format!("checksum={}&{DOCS_QUERY}", sum.to_uppercase());
        assert_eq!(verify("create", &last, b"", &s, &Algorithm::ALL), Ok(0));
        assert_eq!(verify("create", &first, b"", &s, &Algorithm::ALL), Ok(0));
    }

    #[test]
    fn keeps_a_leading_ampersand_as_bbb_does() {
        let s = secrets(&["secret"]);
        let sum = sign(Algorithm::Sha1, "getMeetings", "", b"", &s[0]);
        assert_eq!(verify("getMeetings", &format!("&checksum={sum}"), b"", &s, &Algorithm::ALL), Ok(0));
        let sum = sign(Algorithm::Sha1, "join", "&fullName=a", b"", &s[0]);
        assert_eq!(verify("join", &format!("&fullName=a&checksum={sum}"), b"", &s, &Algorithm::ALL), Ok(0));
    }

    #[test]
    fn tries_every_secret() {
        let s = secrets(&["old", "new"]);
        let sum = sign(Algorithm::Sha512, "getMeetings", "", b"", &s[1]);
        assert_eq!(verify("getMeetings", &format!("checksum={sum}"), b"", &s, &Algorithm::ALL), Ok(1));
    }

    #[test]
    fn refuses_bad_checksums_with_the_reason() {
        let s = secrets(&["secret"]);
        let all = &Algorithm::ALL;
        let good = sign(Algorithm::Sha256, "getMeetings", "", b"", &s[0]);
        assert_eq!(verify("getMeetings", "", b"", &s, all), Err(ChecksumError::Missing));
        assert_eq!(verify("getMeetings", "checksum=", b"", &s, all), Err(ChecksumError::Missing));
        assert_eq!(verify("getMeetings", "checksum=abc", b"", &s, all), Err(ChecksumError::Malformed));
        let not_hex = "z".repeat(40);
        assert_eq!(verify("getMeetings", &format!("checksum={not_hex}"), b"", &s, all), Err(ChecksumError::Malformed));
        let twice = format!("checksum={good}&checksum={good}");
        assert_eq!(verify("getMeetings", &twice, b"", &s, all), Err(ChecksumError::Repeated));
        let only_sha1 = [Algorithm::Sha1];
        assert_eq!(
            verify("getMeetings", &format!("checksum={good}"), b"", &s, &only_sha1),
            Err(ChecksumError::AlgorithmNotAllowed)
        );
        assert_eq!(verify("getMeetings", &format!("checksum={good}"), b"", &[], all), Err(ChecksumError::NoSecrets));
        assert_eq!(verify("getMeeting", &format!("checksum={good}"), b"", &s, all), Err(ChecksumError::Mismatch));
        let other = secrets(&["other"]);
        assert_eq!(verify("getMeetings", &format!("checksum={good}"), b"", &other, all), Err(ChecksumError::Mismatch));
    }

    #[test]
    fn covers_the_body_when_one_is_given() {
        let s = secrets(&["secret"]);
        let body = br#"{"server":{"url":"https://a/bigbluebutton/api","secret":"x"}}"#;
        let sum = sign(Algorithm::Sha256, "addServer", "", body, &s[0]);
        let query = format!("checksum={sum}");
        assert_eq!(verify("addServer", &query, body, &s, &Algorithm::ALL), Ok(0));
        assert_eq!(verify("addServer", &query, b"{}", &s, &Algorithm::ALL), Err(ChecksumError::Mismatch));
    }

    #[test]
    fn parses_algorithm_names() {
        assert_eq!(Algorithm::from_name("sha-256"), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::from_name("SHA384"), Some(Algorithm::Sha384));
        assert_eq!(Algorithm::from_name("MD5"), None);
    }
}
