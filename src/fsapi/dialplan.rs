//! The dial plans `POST /fsapi` answers FreeSWITCH with, written as Ruby Scalelite's builder templates write them
//! (two-space indentation, self-closing actions): reject, PIN prompt, PIN reprompt (with Ruby's `pin d+` slip),
//! and the bridge to the meeting's server. Values are escaped for FreeSWITCH (`\` and `${`) and for XML; the
//! destination number also as a regular expression, as Ruby's `Regexp.escape` does. Pure functions.

use std::fmt::Write;

/// What the prompt needs: how many digits a PIN has, and after how many seconds a call is hung up (0: never).
#[derive(Clone, Copy, Debug)]
pub struct Prompt {
    pub min_digits: u32,
    pub max_digits: u32,
    pub hangup_after_secs: u64,
}

/// FreeSWITCH's escape: a `\` becomes `\\`, and a `${` becomes `\${` (so that no variable is expanded).
pub fn fs_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace("${", "\\${")
}

/// Ruby's `Regexp.escape`.
pub fn regexp_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '.' | '*' | '?' | '+' | '^' | '$' | '|' | '(' | ')' | '[' | ']' | '{' | '}' | '\\' | '-' | '#' => {
                out.push('\\');
                out.push(c);
            }
            ' ' => out.push_str("\\ "),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c => out.push(c),
        }
    }
    out
}

/// XML attribute escaping, as Ruby's Builder does it.
fn attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot hold are left out.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A FreeSWITCH document with one extension of `actions` (application, data) on the destination number.
fn document(description: &str, extension: &str, destination: &str, actions: &[(&str, Option<String>)]) -> String {
    let mut out = String::from("<document type=\"freeswitch/xml\">\n");
    let _ = writeln!(out, "  <section name=\"dialplan\" description=\"{}\">", attr(description));
    out.push_str("    <context name=\"public\">\n");
    let _ = writeln!(out, "      <extension name=\"{}\">", attr(extension));
    let expression = format!("^{}$", fs_escape(&regexp_escape(destination)));
    let _ = writeln!(out, "        <condition field=\"destination_number\" expression=\"{}\">", attr(&expression));
    for (application, data) in actions {
        match data {
            Some(data) => {
                let _ = writeln!(out, "          <action application=\"{application}\" data=\"{}\"/>", attr(data));
            }
            None => {
                let _ = writeln!(out, "          <action application=\"{application}\"/>");
            }
        }
    }
    out.push_str("        </condition>\n      </extension>\n    </context>\n  </section>\n</document>\n");
    out
}

/// The answer to a request that is not a dial plan request, or lacks a destination number.
pub fn reject() -> String {
    "<document type=\"freeswitch/xml\">\n  <section name=\"result\">\n    <result status=\"not found\"/>\n  </section>\n</document>\n"
        .to_string()
}

fn digits(prompt: &Prompt, pattern: &str) -> String {
    format!(
        "{} {} 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin {pattern}",
        prompt.min_digits, prompt.max_digits
    )
}

/// A new call: answer, hang up after the maximum duration, welcome, and ask for the conference PIN.
pub fn pin_prompt(destination: &str, prompt: &Prompt) -> String {
    let mut actions = vec![("answer", None)];
    if prompt.hangup_after_secs > 0 {
        actions.push(("sched_hangup", Some(format!("+{} normal_clearing", prompt.hangup_after_secs))));
    }
    actions.extend([
        ("sleep", Some("500".to_string())),
        ("playback", Some("ivr/ivr-welcome.wav".to_string())),
        ("sleep", Some("200".to_string())),
        ("play_and_get_digits", Some(digits(prompt, "\\d+"))),
        ("transfer", Some("${pin} XML public".to_string())),
    ]);
    document("Match DID and Pin for Conference", "match_did_and_prompt_for_pin", destination, &actions)
}

/// A PIN that matches no meeting: say so and ask again (Ruby's template writes `pin d+` here, not `pin \d+`).
pub fn pin_reprompt(destination: &str, prompt: &Prompt) -> String {
    let actions = [
        ("playback", Some("conference/conf-bad-pin.wav".to_string())),
        ("sleep", Some("500".to_string())),
        ("play_and_get_digits", Some(digits(prompt, "d+"))),
        ("transfer", Some("${pin} XML public".to_string())),
    ];
    document("Reprompt Pin for Conference", "reprompt_for_pin", destination, &actions)
}

/// The call goes to the meeting's server: the meeting's ID and the caller's shown name are set, then bridged.
pub fn bridge(destination: &str, meeting_id: &str, caller_id: &str, pin: &str, server_host: &str) -> String {
    let actions = [
        ("set", Some(format!("meeting_id={}", fs_escape(meeting_id)))),
        ("set", Some(format!("effective_caller_id_name={}", fs_escape(caller_id)))),
        ("bridge", Some(format!("sofia/external/{}@{server_host}", fs_escape(pin)))),
    ];
    document("Bridge Call to BBB Server", "bridge_to_bbb_server", destination, &actions)
}

/// The name shown for a caller, as Ruby masks it: a name that is a phone number loses its last four digits
/// (unless the number is hidden: then nothing is shown); another name is shown unless hidden; nothing shown is
/// `Unavailable`.
pub fn caller_id(name: Option<&str>, hide_name: Option<&str>, hide_number: Option<&str>) -> String {
    let name = name.unwrap_or("");
    let shown = if !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()) {
        if hide_number == Some("true") {
            String::new()
        } else {
            let kept = name.len().saturating_sub(4);
            format!("{}{}", &name[..kept], "X".repeat(name.len() - kept))
        }
    } else if hide_name == Some("true") {
        String::new()
    } else {
        name.to_string()
    };
    if shown.is_empty() {
        "Unavailable".to_string()
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROMPT: Prompt = Prompt { min_digits: 5, max_digits: 9, hangup_after_secs: 0 };

    #[test]
    fn escapes_for_freeswitch_and_regular_expressions() {
        assert_eq!(fs_escape("a\\b${x}$y"), "a\\\\b\\${x}$y");
        assert_eq!(regexp_escape("+1 (555) 123.4"), "\\+1\\ \\(555\\)\\ 123\\.4");
        assert_eq!(regexp_escape("5551234"), "5551234");
    }

    #[test]
    fn masks_caller_ids_as_ruby_does() {
        assert_eq!(caller_id(Some("15551234567"), None, None), "1555123XXXX");
        assert_eq!(caller_id(Some("123"), None, Some("false")), "XXX");
        assert_eq!(caller_id(Some("15551234567"), None, Some("true")), "Unavailable");
        assert_eq!(caller_id(Some("Test User"), None, None), "Test User");
        assert_eq!(caller_id(Some("Test User"), Some("true"), None), "Unavailable");
        assert_eq!(caller_id(None, None, None), "Unavailable");
    }

    #[test]
    fn writes_the_prompt_with_and_without_a_maximum_duration() {
        let prompt = pin_prompt("5551234", &PROMPT);
        assert!(prompt.starts_with("<document type=\"freeswitch/xml\">\n  <section name=\"dialplan\" description=\"Match DID and Pin for Conference\">\n"));
        assert!(prompt.contains("        <condition field=\"destination_number\" expression=\"^5551234$\">\n          <action application=\"answer\"/>\n          <action application=\"sleep\" data=\"500\"/>\n"));
        assert!(prompt
            .contains("data=\"5 9 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin \\d+\""));
        assert!(!prompt.contains("sched_hangup"));
        let timed = pin_prompt("5551234", &Prompt { hangup_after_secs: 5400, ..PROMPT });
        assert!(timed.contains("<action application=\"sched_hangup\" data=\"+5400 normal_clearing\"/>"));
        assert!(pin_reprompt("5551234", &PROMPT).contains("conf-bad-pin.wav pin d+\""), "Ruby's slip, kept");
    }

    #[test]
    fn escapes_what_callers_control() {
        let plan = bridge("555\"<1234>", "m${evil}", "A & B \"quoted\"", "123456789", "bbb1.example.com");
        assert!(plan.contains("expression=\"^555&quot;&lt;1234&gt;$\""), "{plan}");
        assert!(plan.contains("data=\"meeting_id=m\\${evil}\""), "{plan}");
        assert!(plan.contains("data=\"effective_caller_id_name=A &amp; B &quot;quoted&quot;\""), "{plan}");
        assert!(plan.contains("data=\"sofia/external/123456789@bbb1.example.com\""), "{plan}");
        assert!(roxmltree::Document::parse(&plan).is_ok());
    }
}
