//! Query strings for calls to BBB servers, encoded as Ruby Scalelite encodes them.

use std::fmt::Write;

/// Percent-encodes a component as `application/x-www-form-urlencoded`: space becomes `+`, and every byte
/// but `*-._0-9A-Za-z` becomes `%XX`.
pub fn encode_component(out: &mut String, text: &str) {
    for byte in text.bytes() {
        match byte {
            b'*' | b'-' | b'.' | b'_' | b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{byte:02X}");
            }
        }
    }
}

/// `k1=v1&k2=v2`, each part encoded.
pub fn encode_query<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (key, value) in params {
        if !out.is_empty() {
            out.push('&');
        }
        encode_component(&mut out, key);
        out.push('=');
        encode_component(&mut out, value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_ruby_www_form() {
        assert_eq!(encode_query([("meetingID", "a b/c~é"), ("x", "*-._")]), "meetingID=a+b%2Fc%7E%C3%A9&x=*-._");
        assert_eq!(encode_query([]), "");
    }
}
