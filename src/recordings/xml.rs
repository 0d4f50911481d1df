//! The `getRecordings` document (Ruby Scalelite's shape, plus BBB's `isBreakout`, `rawSize` and `size`), with
//! URLs prefixed by the scheme and host the front-end used.

use std::collections::HashMap;
use std::fmt::Write;

use crate::bbb::xml::{element, escape, is_name};
use crate::db::models::recording::FullRecording;

/// One-time playback tokens by `(record_id, format)`, for protected recordings.
pub type Tokens = HashMap<(String, String), String>;

/// How the recordings are shown: the prefix of their URLs, whether `<protected>` appears, their tokens.
pub struct Presentation<'a> {
    pub base_url: &'a str,
    pub show_protected: bool,
    pub tokens: &'a Tokens,
}

/// The document for a page of recordings; `total` is shown when the call was paginated.
pub fn recordings_document(page: &[FullRecording], how: &Presentation<'_>, total: Option<i64>) -> String {
    let mut out = String::with_capacity(1024 + 2048 * page.len());
    out.push_str("<response><returncode>SUCCESS</returncode><recordings>");
    for full in page {
        write_recording(&mut out, full, how);
    }
    out.push_str("</recordings>");
    if page.is_empty() {
        out.push_str(
            "<messageKey>noRecordings</messageKey><message>There are no recordings for the meeting(s).</message>",
        );
    }
    if let Some(total) = total {
        let _ = write!(out, "<totalElements>{total}</totalElements>");
    }
    out.push_str("</response>");
    out
}

fn write_recording(out: &mut String, full: &FullRecording, how: &Presentation<'_>) {
    let (base_url, show_protected) = (how.base_url, how.show_protected);
    let r = &full.recording;
    out.push_str("<recording>");
    element(out, "recordID", &r.record_id);
    element(out, "meetingID", &r.meeting_id);
    element(out, "internalMeetingID", &r.record_id);
    element(out, "name", &r.name);
    let _ = write!(out, "<isBreakout>{}</isBreakout><published>{}</published>", r.is_breakout, r.published);
    if show_protected {
        let _ = write!(out, "<protected>{}</protected>", r.protected);
    }
    element(out, "state", &r.state);
    let _ = write!(out, "<startTime>{}</startTime><endTime>{}</endTime>", r.start_time, r.end_time);
    if let Some(participants) = r.participants {
        let _ = write!(out, "<participants>{participants}</participants>");
    }
    let _ = write!(out, "<rawSize>{}</rawSize>", r.raw_size.unwrap_or(0));
    out.push_str("<metadata>");
    // Keys are checked when they come in; one that is not a name (from an older index) is left out.
    for (key, value) in full.metadata.iter().filter(|(key, _)| is_name(key)) {
        let _ = write!(out, "<{key}>{}</{key}>", escape(value));
    }
    out.push_str("</metadata>");
    if r.is_breakout {
        out.push_str("<breakout>");
        element(out, "parentId", r.parent_meeting_id.as_deref().unwrap_or(""));
        let _ = write!(out, "<sequence>{}</sequence>", r.breakout_sequence.unwrap_or(0));
        out.push_str("</breakout>");
    }
    if !r.breakout_rooms.is_empty() {
        out.push_str("<breakoutRooms>");
        for room in r.breakout_rooms.split_whitespace() {
            element(out, "breakoutRoom", room);
        }
        out.push_str("</breakoutRooms>");
    }
    let size: i64 = full.formats.iter().filter_map(|(f, _)| f.size).sum();
    let _ = write!(out, "<size>{size}</size><playback>");
    for (format, images) in &full.formats {
        out.push_str("<format>");
        element(out, "type", &format.format);
        // Only a protected recording has tokens: the others need no lookup (and no key built for one).
        let token = if r.protected { how.tokens.get(&(r.record_id.clone(), format.format.clone())) } else { None };
        match token {
            Some(token) => {
                element(out, "url", &format!("{base_url}/recording/{}/{}?token={token}", r.record_id, format.format))
            }
            _ => element(out, "url", &format!("{base_url}{}", format.url)),
        }
        let _ = write!(out, "<length>{}</length>", format.length);
        if let Some(processing_time) = format.processing_time {
            let _ = write!(out, "<processingTime>{processing_time}</processingTime>");
        }
        if let Some(size) = format.size {
            let _ = write!(out, "<size>{size}</size>");
        }
        if !images.is_empty() && !r.protected {
            out.push_str("<preview><images>");
            for image in images {
                let _ = write!(out, "<image alt=\"{}\"", escape(&image.alt));
                if let Some(width) = image.width {
                    let _ = write!(out, " width=\"{width}\"");
                }
                if let Some(height) = image.height {
                    let _ = write!(out, " height=\"{height}\"");
                }
                let _ = write!(out, ">{}</image>", escape(&format!("{base_url}{}", image.url)));
            }
            out.push_str("</images></preview>");
        }
        out.push_str("</format>");
    }
    out.push_str("</playback></recording>");
}
