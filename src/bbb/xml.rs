//! Writing BBB's XML documents: escaping and the small envelopes Scalelite answers itself.
//!
//! Documents have no XML declaration and no whitespace between elements, as bbb-web writes them. Whatever goes
//! in, what comes out is well-formed XML 1.0: text is escaped and stripped of the characters XML cannot hold,
//! and element names made from data (metadata keys) are checked with [`is_name`].

use std::borrow::Cow;
use std::fmt::Write;

/// The content type of BBB's XML answers; some client libraries insist on `text/xml`.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// An HTTP answer carrying an XML document, as bbb-web sends one (never cached).
pub fn response(body: String) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type(CONTENT_TYPE).insert_header(("Cache-Control", "no-cache")).body(body)
}

/// Whether XML 1.0 can hold this character at all (controls other than tab and line ends, U+FFFE and U+FFFF
/// cannot, even escaped).
pub fn is_xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Whether a name can be an element name in our documents: a letter or `_`, then letters, digits, `-`, `.` and
/// `_` (XML 1.0 names, without the `:` of namespaces).
pub fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else { return false };
    (first.is_alphabetic() || first == '_') && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

/// Escapes text for an XML element or attribute, dropping the characters XML cannot hold.
pub fn escape(text: &str) -> Cow<'_, str> {
    // 0xEF starts U+FFFE and U+FFFF (and other characters, which only cost the careful path).
    let careful = text
        .bytes()
        .any(|b| matches!(b, b'<' | b'>' | b'&' | b'"' | b'\'' | 0..=0x08 | 0x0B | 0x0C | 0x0E..=0x1F | 0xEF));
    if !careful {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars().filter(|c| is_xml_char(*c)) {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Appends `<name>text</name>` with the text escaped.
pub fn element(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<{name}>{}</{name}>", escape(text));
}

/// `<response><returncode>FAILED</returncode><messageKey>…</messageKey><message>…</message></response>`
pub fn error_document(key: &str, message: &str) -> String {
    let mut out = String::with_capacity(128 + message.len());
    out.push_str("<response><returncode>FAILED</returncode>");
    element(&mut out, "messageKey", key);
    element(&mut out, "message", message);
    out.push_str("</response>");
    out
}

/// The API index: `/bigbluebutton/api`.
pub fn index_document(build_number: Option<&str>) -> String {
    let mut out = String::from(
        "<response><returncode>SUCCESS</returncode><version>2.0</version><apiVersion>2.0</apiVersion><bbbVersion></bbbVersion>",
    );
    if let Some(build) = build_number {
        element(&mut out, "build", build);
    }
    out.push_str("</response>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape(r#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
    }

    #[test]
    fn drops_what_xml_cannot_hold() {
        assert_eq!(escape("a\u{0}b\u{1B}c\u{FFFE}\u{FFFF}d\te\r\nf"), "abcd\te\r\nf");
        assert_eq!(escape("日本語 ﬁ"), "日本語 ﬁ");
        let doc = format!("<r>{}</r>", escape("\u{7}<x>\u{FFFF}"));
        assert_eq!(roxmltree::Document::parse(&doc).unwrap().root_element().text(), Some("<x>"));
    }

    #[test]
    fn tells_element_names_apart() {
        for good in ["name", "gl-listed", "bbb-origin-server-name", "_x", "a.b", "kurs2", "année"] {
            assert!(is_name(good), "{good}");
        }
        for bad in ["", "1x", "-x", "a b", "a<b", "a:b", "a&b", "a\u{0}", "a/b", "\"q\""] {
            assert!(!is_name(bad), "{bad}");
        }
    }

    #[test]
    fn error_documents_parse_and_carry_the_key() {
        let xml = error_document("checksumError", "You did not pass the checksum security check & more");
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let text = |name: &str| doc.descendants().find(|n| n.has_tag_name(name)).and_then(|n| n.text());
        assert_eq!(text("returncode"), Some("FAILED"));
        assert_eq!(text("messageKey"), Some("checksumError"));
        assert_eq!(text("message"), Some("You did not pass the checksum security check & more"));
    }

    #[test]
    fn index_shows_the_build_only_when_set() {
        assert!(!index_document(None).contains("<build>"));
        assert!(index_document(Some("42")).contains("<build>42</build>"));
        assert!(roxmltree::Document::parse(&index_document(Some("<x>"))).is_ok());
    }
}
