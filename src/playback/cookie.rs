//! The playback cookie of a protected recording: `recording_<format>_<record_id>`, a JWT (HS256, keyed with
//! `SECRET_KEY_BASE`) whose `sub` is `/<format>/<record_id>`, scoped to that path, as Ruby Scalelite sets it.

use serde_json::json;

use crate::jwt::{self, JwtAlgorithm};
use crate::secret::Secret;

/// The cookie's name for a recording's format.
pub fn name(format: &str, record_id: &str) -> String {
    format!("recording_{format}_{record_id}")
}

/// The `Set-Cookie` value granting access to `/<format>/<record_id>` for `lifetime_secs`.
pub fn set_cookie(
    format: &str,
    record_id: &str,
    key: &Secret,
    now_secs: i64,
    lifetime_secs: i64,
    agent: &str,
) -> String {
    let path = format!("/{format}/{record_id}");
    let token = jwt::sign(JwtAlgorithm::Hs256, &json!({ "sub": path, "exp": now_secs + lifetime_secs }), key);
    let same_site = if same_site_none_compatible(agent) { "; SameSite=None" } else { "" };
    format!("{}={token}; Path={path}; Max-Age={lifetime_secs}; Secure; HttpOnly{same_site}", name(format, record_id))
}

/// The value of one cookie in a `Cookie` header.
pub fn read<'a>(header: &'a str, wanted: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == wanted).map(|(_, v)| v)
}

/// Whether a cookie value grants access to `/<format>/<record_id>`: signed with the key, not expired, with the
/// right `sub`.
pub fn grants(value: &str, format: &str, record_id: &str, key: &Secret, now_secs: i64) -> bool {
    let Ok(claims) = jwt::verify(value, std::slice::from_ref(key), now_secs) else {
        return false;
    };
    claims["exp"].is_i64() && claims["sub"].as_str() == Some(format!("/{format}/{record_id}").as_str())
}

/// The number after `marker` in `agent`, up to the first character that is not a digit.
fn number_after(agent: &str, marker: &str) -> Option<u32> {
    let rest = &agent[agent.find(marker)? + marker.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// False for the user agents that mishandle `SameSite=None` (iOS 12, macOS 10.14 Safari and embedded WebKit,
/// Chromium 51–66, UC Browser before 12.13.2), which get the cookie without the attribute.
pub fn same_site_none_compatible(agent: &str) -> bool {
    let webkit = agent.contains("AppleWebKit/");
    let ios_12 = (agent.contains("(iPhone;") || agent.contains("(iPad;") || agent.contains("(iPod"))
        && agent.contains(" OS 12_")
        && webkit;
    let mac_10_14 = agent.contains("(Macintosh;") && agent.contains("Mac OS X 10_14") && webkit;
    let safari_or_embedded = (agent.contains("Version/") && agent.contains("Safari") && !agent.contains("Chrom"))
        || agent.trim_end().ends_with("(KHTML, like Gecko)");
    let chromium = ["Chrome/", "Chromium/"]
        .iter()
        .filter_map(|marker| number_after(agent, marker))
        .any(|major| (51..=66).contains(&major));
    let old_uc = agent.find("UCBrowser/").is_some_and(|at| {
        let version: Vec<u32> =
            agent[at + 10..].split(|c: char| !c.is_ascii_digit()).take(3).filter_map(|p| p.parse().ok()).collect();
        version.len() == 3 && (version[0], version[1], version[2]) < (12, 13, 2)
    });
    !(ios_12 || (mac_10_14 && safari_or_embedded) || chromium || old_uc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_grants_its_own_path_until_it_expires() {
        let key = Secret::new("k");
        let header = set_cookie("presentation", "r1", &key, 1000, 60, "Mozilla/5.0 Firefox/120.0");
        assert!(header.starts_with("recording_presentation_r1="));
        assert!(header.contains("; Path=/presentation/r1;") && header.ends_with("; Secure; HttpOnly; SameSite=None"));
        let value = read(&header, "recording_presentation_r1").unwrap();
        let value = value.split(';').next().unwrap();
        assert!(grants(value, "presentation", "r1", &key, 1059));
        assert!(!grants(value, "presentation", "r1", &key, 1061), "expired");
        assert!(!grants(value, "presentation", "r2", &key, 1000), "another recording");
        assert!(!grants(value, "video", "r1", &key, 1000), "another format");
        assert!(!grants(value, "presentation", "r1", &Secret::new("other"), 1000), "another key");
    }

    #[test]
    fn reads_one_cookie_among_several() {
        assert_eq!(read("a=1; recording_video_x=tok; b=2", "recording_video_x"), Some("tok"));
        assert_eq!(read("a=1", "recording_video_x"), None);
    }

    #[test]
    fn leaves_same_site_off_for_agents_that_break_on_it() {
        let broken = [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 12_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1.2 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/605.1.15 (KHTML, like Gecko)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/65.0.3325.181 Safari/537.36",
            "Mozilla/5.0 (Linux; U; Android 8.1.0) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/57.0.2987.108 UCBrowser/12.10.5.1162 Mobile Safari/537.36",
        ];
        for agent in broken {
            assert!(!same_site_none_compatible(agent), "{agent}");
        }
        let fine = [
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
            "UCBrowser/13.4.0.1306 Mobile Safari/537.36",
            "",
        ];
        for agent in fine {
            assert!(same_site_none_compatible(agent), "{agent}");
        }
    }
}
