//! Writing BBB's XML documents: escaping and the small envelopes Scalelite answers itself.
//!
//! Documents have no XML declaration and no whitespace between elements, as bbb-web writes them.

use std::borrow::Cow;
use std::fmt::Write;

/// The content type of BBB's XML answers; some client libraries insist on `text/xml`.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// Escapes text for an XML element or attribute.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.contains(['<', '>', '&', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
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
