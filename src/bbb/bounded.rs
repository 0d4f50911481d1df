//! Parsing XML from outside (BBB answers, `metadata.xml`) within bounds: size, nesting depth and node count
//! are checked before or while parsing, so a hostile document costs a linear scan and an error, never a deep
//! recursion, a slow walk or unbounded memory.

/// The most bytes of one document: far above any BBB answer or `metadata.xml` (a busy server's getMeetings is
/// well under 1 MiB).
pub const MAX_BYTES: usize = 4 << 20;

/// The deepest element nesting accepted: BBB's documents nest fewer than ten levels.
pub const MAX_DEPTH: usize = 64;

/// The most nodes (elements, attributes' owners, texts) of one document.
pub const MAX_NODES: u32 = 200_000;

/// Why a document was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the document is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("the document nests elements deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("{0}")]
    Malformed(String),
}

/// The deepest element nesting of a document, scanning its markup without building anything; stops at
/// `limit + 1`. Comments, CDATA sections, processing instructions and declarations are skipped, quoted
/// attribute values may hold `>` and `/`. It is an upper bound on the nesting roxmltree would build.
pub fn nesting_depth(xml: &[u8], limit: usize) -> usize {
    let (mut depth, mut deepest, mut at) = (0usize, 0usize, 0usize);
    while let Some(offset) = xml[at..].iter().position(|b| *b == b'<') {
        at += offset + 1;
        let rest = &xml[at..];
        let skip_to = |end: &[u8]| find(rest, end).map_or(xml.len(), |i| at + i + end.len());
        if rest.starts_with(b"!--") {
            at = skip_to(b"-->");
        } else if rest.starts_with(b"![CDATA[") {
            at = skip_to(b"]]>");
        } else if rest.starts_with(b"?") {
            at = skip_to(b"?>");
        } else if rest.starts_with(b"!") {
            at = skip_to(b">");
        } else if rest.starts_with(b"/") {
            depth = depth.saturating_sub(1);
            at = skip_to(b">");
        } else {
            let (end, self_closing) = tag_end(rest);
            at += end;
            if !self_closing {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > limit {
                    return deepest;
                }
            }
        }
    }
    deepest
}

/// Where a start tag ends (just past its `>`), and whether it closes itself (`/>`); quotes are respected.
fn tag_end(rest: &[u8]) -> (usize, bool) {
    let mut quote = None;
    for (i, b) in rest.iter().enumerate() {
        match (quote, *b) {
            (None, b'"' | b'\'') => quote = Some(*b),
            (Some(q), b) if b == q => quote = None,
            (None, b'>') => return (i + 1, i > 0 && rest[i - 1] == b'/'),
            _ => {}
        }
    }
    (rest.len(), false)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Parses a document from outside, within [`MAX_BYTES`], [`MAX_DEPTH`] and [`MAX_NODES`]. DTDs are refused
/// (roxmltree's default), so entity expansion cannot blow up either.
pub fn parse(xml: &str) -> Result<roxmltree::Document<'_>, XmlError> {
    if xml.len() > MAX_BYTES {
        return Err(XmlError::TooLarge);
    }
    if nesting_depth(xml.as_bytes(), MAX_DEPTH) > MAX_DEPTH {
        return Err(XmlError::TooDeep);
    }
    let options = roxmltree::ParsingOptions { nodes_limit: MAX_NODES, ..roxmltree::ParsingOptions::default() };
    roxmltree::Document::parse_with_options(xml, options).map_err(|e| XmlError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}{}", "<a>".repeat(levels), "</a>".repeat(levels))
    }

    #[test]
    fn measures_nesting_as_a_parser_would() {
        assert_eq!(nesting_depth(b"", 10), 0);
        assert_eq!(nesting_depth(b"<r/>", 10), 0);
        assert_eq!(nesting_depth(b"<r><a/><b>x</b></r>", 10), 2);
        assert_eq!(nesting_depth(br#"<r a="/>" b='>'><c/></r>"#, 10), 1);
        assert_eq!(nesting_depth(b"<?xml version=\"1.0\"?><!-- <a><b> --><r><![CDATA[<x><y>]]></r>", 10), 1);
        assert_eq!(nesting_depth(nested(5).as_bytes(), 10), 5);
        assert_eq!(nesting_depth(nested(20_000).as_bytes(), 64), 65, "stops just past the limit");
    }

    #[test]
    fn refuses_deep_large_and_broken_documents() {
        assert_eq!(parse(&nested(20_000)).err(), Some(XmlError::TooDeep));
        assert_eq!(parse(&nested(MAX_DEPTH + 1)).err(), Some(XmlError::TooDeep));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        let large = format!("<r>{}</r>", "x".repeat(MAX_BYTES));
        assert_eq!(parse(&large).err(), Some(XmlError::TooLarge));
        assert!(matches!(parse("<r><a></r>"), Err(XmlError::Malformed(_))));
        let dtd = "<!DOCTYPE r [<!ENTITY a \"aaaa\">]><r>&a;</r>";
        assert!(matches!(parse(dtd), Err(XmlError::Malformed(_))));
    }

    #[test]
    fn reads_the_fixtures() {
        for xml in [
            include_str!("../../tests/fixtures/get_meetings.xml"),
            include_str!("../../tests/fixtures/get_meeting_info.xml"),
            include_str!("../../tests/fixtures/get_recordings.xml"),
        ] {
            assert!(parse(xml).is_ok());
        }
    }
}
