//! BBB's per-format `metadata.xml` (bbb-api.md §6) read into what the index stores. Pure: no I/O.
//!
//! One file describes one recording and one of its playback formats; a recording with several formats has one
//! file per format, and each import merges into the same recording.

use std::collections::BTreeMap;

/// One thumbnail of a playback format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thumbnail {
    pub sequence: i32,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub alt: String,
    /// Path and query of the image URL (the host is the request's, at answer time).
    pub url: String,
}

/// One playback format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaybackFormat {
    pub format: String,
    /// Path and query of the playback link.
    pub url: String,
    /// Minutes (duration in ms / 60000, rounded).
    pub length: i32,
    pub processing_time: Option<i32>,
    pub size: Option<i64>,
    pub thumbnails: Vec<Thumbnail>,
}

/// Breakout-room details of a recording.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Breakout {
    pub parent_meeting_id: Option<String>,
    pub sequence: Option<i32>,
    pub free_join: Option<bool>,
}

/// What one `metadata.xml` says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordingMetadata {
    pub record_id: String,
    /// The meeting ID the BBB server knew (`meta/meetingId`, else `meeting@externalId`).
    pub meeting_id: String,
    pub internal_meeting_id: Option<String>,
    pub name: String,
    pub is_breakout: bool,
    pub published: bool,
    pub state: String,
    pub start_time: i64,
    pub end_time: i64,
    pub participants: Option<i32>,
    pub raw_size: Option<i64>,
    /// Every child of `<meta>` but `meetingId`, `meetingName` and `isBreakout`.
    pub metadata: BTreeMap<String, String>,
    pub breakout: Option<Breakout>,
    pub breakout_rooms: Vec<String>,
    pub playback: PlaybackFormat,
}

/// Why a file cannot be imported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("metadata.xml is not XML: {0}")]
    NotXml(String),
    #[error("metadata.xml has no <{0}>")]
    Missing(&'static str),
    #[error("metadata.xml has an invalid <{0}>: {1}")]
    Invalid(&'static str, String),
}

fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|n| n.has_tag_name(name))
}

fn text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(node, name).map(|n| n.text().unwrap_or("").trim())
}

fn number<T: std::str::FromStr>(node: roxmltree::Node<'_, '_>, name: &'static str) -> Result<Option<T>, MetadataError> {
    match text(node, name).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => t.parse().map(Some).map_err(|_| MetadataError::Invalid(name, t.to_string())),
    }
}

/// The path and query of a URL (`https://host/a/b?c` → `/a/b?c`); a path is kept as it is.
pub fn path_of(url: &str) -> String {
    let url = url.trim();
    match url::Url::parse(url) {
        Ok(parsed) => match parsed.query() {
            Some(query) => format!("{}?{query}", parsed.path()),
            None => parsed.path().to_string(),
        },
        Err(_) => url.to_string(),
    }
}

/// Reads a `metadata.xml`.
pub fn parse(xml: &str) -> Result<RecordingMetadata, MetadataError> {
    let doc = crate::bbb::bounded::parse(xml).map_err(|e| MetadataError::NotXml(e.to_string()))?;
    let root = doc.root_element();
    if !root.has_tag_name("recording") {
        return Err(MetadataError::Missing("recording"));
    }
    let record_id = text(root, "id").filter(|t| !t.is_empty()).ok_or(MetadataError::Missing("id"))?.to_string();
    if !record_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(MetadataError::Invalid("id", record_id));
    }
    let meta = child(root, "meta").ok_or(MetadataError::Missing("meta"))?;
    let meeting = child(root, "meeting");
    let meeting_id = text(meta, "meetingId")
        .filter(|t| !t.is_empty())
        .or_else(|| meeting.and_then(|m| m.attribute("externalId")))
        .ok_or(MetadataError::Missing("meetingId"))?
        .to_string();
    let name = text(meta, "meetingName")
        .or_else(|| meeting.and_then(|m| m.attribute("name")))
        .unwrap_or("unknown")
        .to_string();
    let is_breakout =
        text(meta, "isBreakout").or_else(|| meeting.and_then(|m| m.attribute("breakout"))) == Some("true");
    let metadata: BTreeMap<String, String> = meta
        .children()
        .filter(|n| n.is_element())
        .filter(|n| !matches!(n.tag_name().name(), "meetingId" | "meetingName" | "isBreakout"))
        .map(|n| (n.tag_name().name().to_string(), n.text().unwrap_or("").trim().to_string()))
        .collect();
    if let Some(key) = metadata.keys().find(|key| !crate::bbb::xml::is_name(key)) {
        return Err(MetadataError::Invalid("meta", key.clone()));
    }
    let state = match text(root, "state").filter(|s| !s.is_empty()).ok_or(MetadataError::Missing("state"))? {
        "available" => "published".to_string(),
        state => state.to_string(),
    };
    let breakout = child(root, "breakout").map(|b| Breakout {
        parent_meeting_id: b.attribute("parentMeetingId").map(String::from),
        sequence: b.attribute("sequence").and_then(|s| s.parse().ok()),
        free_join: b.attribute("freeJoin").map(|f| f == "true"),
    });
    let breakout_rooms = child(root, "breakoutRooms")
        .map(|rooms| {
            rooms
                .children()
                .filter(|n| n.has_tag_name("breakoutRoom"))
                .filter_map(|n| n.text().map(|t| t.trim().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let playback = child(root, "playback").ok_or(MetadataError::Missing("playback"))?;
    let format = text(playback, "format").filter(|f| !f.is_empty()).ok_or(MetadataError::Missing("format"))?;
    if !format.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(MetadataError::Invalid("format", format.to_string()));
    }
    let link = text(playback, "link").ok_or(MetadataError::Missing("link"))?;
    let duration: i64 = number(playback, "duration")?.unwrap_or(0);
    let thumbnails = child(playback, "extensions")
        .and_then(|e| child(e, "preview"))
        .and_then(|p| child(p, "images"))
        .map(|images| {
            images
                .children()
                .filter(|n| n.has_tag_name("image"))
                .enumerate()
                .map(|(i, image)| Thumbnail {
                    sequence: i as i32,
                    width: image.attribute("width").and_then(|w| w.parse().ok()),
                    height: image.attribute("height").and_then(|h| h.parse().ok()),
                    alt: image.attribute("alt").unwrap_or("").to_string(),
                    url: path_of(image.text().unwrap_or("")),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(RecordingMetadata {
        record_id,
        meeting_id,
        internal_meeting_id: meeting.and_then(|m| m.attribute("id")).map(String::from),
        name,
        is_breakout,
        published: text(root, "published") == Some("true"),
        state,
        start_time: number(root, "start_time")?.unwrap_or(0),
        end_time: number(root, "end_time")?.unwrap_or(0),
        participants: number(root, "participants")?,
        raw_size: number(root, "raw_size")?,
        metadata,
        breakout,
        breakout_rooms,
        playback: PlaybackFormat {
            format: format.to_string(),
            url: path_of(link),
            length: ((duration as f64) / 60_000.0).round() as i32,
            processing_time: number(playback, "processing_time")?,
            size: number(playback, "size")?,
            thumbnails,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../tests/fixtures/sample-metadata.xml");
    const BREAKOUT: &str = include_str!("../../tests/fixtures/breakout-room-metadata.xml");

    #[test]
    fn reads_every_field_of_the_sample() {
        let r = parse(SAMPLE).unwrap();
        assert_eq!(r.record_id, "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984");
        assert_eq!(r.meeting_id, "5bd0e35013bc9761d06f01d4bfd9b4ae1c8df289");
        assert_eq!(r.internal_meeting_id.as_deref(), Some("b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984"));
        assert_eq!(r.name, "Prueba 2");
        assert!(!r.is_breakout);
        assert!(r.published);
        assert_eq!(r.state, "published");
        assert_eq!((r.start_time, r.end_time), (1504122319984, 1504122655395));
        assert_eq!(r.participants, Some(4));
        assert_eq!(r.raw_size, Some(493084));
        assert_eq!(r.metadata.len(), 5);
        assert_eq!(r.metadata["gl-token"], "vi-249c619c-Prueba 2");
        assert_eq!(r.metadata["meeting-name"], "Prueba 2");
        assert!(!r.metadata.contains_key("meetingId") && !r.metadata.contains_key("isBreakout"));
        assert_eq!(r.breakout_rooms.len(), 2);
        assert_eq!(r.breakout, None);
        let p = &r.playback;
        assert_eq!(p.format, "presentation");
        assert_eq!(
            p.url,
            "/playback/presentation/2.0/playback.html?meetingId=b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984"
        );
        assert_eq!(p.length, 2, "105862 ms is about 2 minutes");
        assert_eq!(p.processing_time, Some(10915));
        assert_eq!(p.size, Some(531235));
        assert_eq!(p.thumbnails.len(), 3);
        assert_eq!(p.thumbnails[1].alt, "(this slide left blank for use as a whiteboard)");
        assert_eq!((p.thumbnails[0].width, p.thumbnails[0].height), (Some(176), Some(136)));
        assert!(
            p.thumbnails[2].url.starts_with("/presentation/b27af2f9") && p.thumbnails[2].url.ends_with("thumb-3.png")
        );
    }

    #[test]
    fn reads_breakout_rooms() {
        let r = parse(BREAKOUT).unwrap();
        assert!(r.is_breakout);
        assert_eq!(r.meeting_id, "f2041d123b6a4b994e7ad87ee9d348496a73472c-1489173065780");
        assert_eq!(r.name, "random-2810069 (Room - 2)");
        let breakout = r.breakout.unwrap();
        assert_eq!(
            breakout.parent_meeting_id.as_deref(),
            Some("f3ffe06acedf425565cc024c8ebe89a6552e8782-1489172964374")
        );
        assert_eq!(breakout.sequence, Some(2));
        assert_eq!(r.raw_size, None);
        assert_eq!(r.playback.size, None);
    }

    #[test]
    fn refuses_what_cannot_be_indexed() {
        assert!(matches!(parse("<recording"), Err(MetadataError::NotXml(_))));
        assert_eq!(parse("<other/>"), Err(MetadataError::Missing("recording")));
        let without_id = SAMPLE.replace("<id>b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984</id>", "");
        assert_eq!(parse(&without_id), Err(MetadataError::Missing("id")));
        let traversal =
            SAMPLE.replace("<id>b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984</id>", "<id>../../etc</id>");
        assert!(matches!(parse(&traversal), Err(MetadataError::Invalid("id", _))));
        let no_playback = SAMPLE[..SAMPLE.find("<playback>").unwrap()].to_string() + "</recording>";
        assert_eq!(parse(&no_playback), Err(MetadataError::Missing("playback")));
        let bad_time = SAMPLE.replace("<start_time>1504122319984</start_time>", "<start_time>soon</start_time>");
        assert!(matches!(parse(&bad_time), Err(MetadataError::Invalid("start_time", _))));
        let available = SAMPLE.replace("<state>published</state>", "<state>available</state>");
        assert_eq!(parse(&available).unwrap().state, "published");
    }
}
