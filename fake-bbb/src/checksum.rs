//! The BBB checksum as bbb-web checks it, written apart from Scalelite's own so that a test double does not share
//! the code it tests: `hex(H(call + query-without-checksum + secret))`, SHA-1/256/384/512 chosen by hex length.

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The hex length of a checksum algorithm's digest, by bbb-web's name for it (`sha1`, `sha256`, …).
pub fn hex_len(name: &str) -> Option<usize> {
    match name.to_ascii_lowercase().as_str() {
        "sha1" => Some(40),
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    }
}

/// Whether the raw query of `call` carries exactly one checksum that `secret` signs, with an algorithm of
/// `accepted` (hex lengths; `None`: all four, as bbb-web's default `supportedChecksumAlgorithms`).
pub fn verify(call: &str, raw_query: &str, secret: &str, accepted: Option<&[usize]>) -> bool {
    let mut given = raw_query.split('&').filter_map(|part| part.strip_prefix("checksum="));
    let (Some(given), None) = (given.next(), given.next()) else { return false };
    if accepted.is_some_and(|lengths| !lengths.contains(&given.len())) {
        return false;
    }
    let signed: Vec<&str> = raw_query.split('&').filter(|part| !part.starts_with("checksum=")).collect();
    let text = format!("{call}{}{secret}", signed.join("&"));
    let digest = match given.len() {
        40 => hex::encode(Sha1::digest(&text)),
        64 => hex::encode(Sha256::digest(&text)),
        96 => hex::encode(Sha384::digest(&text)),
        128 => hex::encode(Sha512::digest(&text)),
        _ => return false,
    };
    digest.eq_ignore_ascii_case(given)
}

/// The SHA-1 of a text, in hex (BBB's internal meeting IDs start with it).
pub fn sha1_hex(text: &str) -> String {
    hex::encode(Sha1::digest(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_its_own_signature_and_refuses_others() {
        let query = "meetingID=a&name=A";
        let sum = hex::encode(Sha256::digest(format!("create{query}s3cret")));
        assert!(verify("create", &format!("{query}&checksum={sum}"), "s3cret", None));
        assert!(verify("create", &format!("{query}&checksum={}", sum.to_uppercase()), "s3cret", None));
        assert!(!verify("create", &format!("{query}&checksum={sum}"), "other", None));
        assert!(!verify("join", &format!("{query}&checksum={sum}"), "s3cret", None));
        assert!(!verify("create", &format!("{query}&checksum={sum}&checksum={sum}"), "s3cret", None));
        assert!(!verify("create", query, "s3cret", None));
        assert!(verify("create", &format!("{query}&checksum={sum}"), "s3cret", Some(&[64])));
        assert!(!verify("create", &format!("{query}&checksum={sum}"), "s3cret", Some(&[128])), "SHA-512 only");
    }
}
