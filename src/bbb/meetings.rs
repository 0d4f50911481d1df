//! Reading BBB's `getMeetings` document: the figures of each meeting, and where its `<meeting>` element
//! lies in the text (so that `getMeetings` can be aggregated by copying slices, without re-serialising).

use std::ops::Range;
use std::time::Duration;

use crate::balancer::MeetingFigures;
use crate::bbb::client::{check_returncode_doc, CallError};

/// One `<meeting>` of a `getMeetings` answer.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedMeeting {
    /// The meeting ID as the BBB server knows it.
    pub meeting_id: String,
    pub figures: MeetingFigures,
    pub is_breakout: bool,
    /// `metadata/tenant-id`, if set.
    pub tenant_id: Option<String>,
    /// Byte range of the `<meeting>…</meeting>` element in the document.
    pub range: Range<usize>,
}

fn child_text<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> Option<&'a str> {
    node.children().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).map(str::trim)
}

fn number(node: roxmltree::Node<'_, '_>, name: &str) -> u32 {
    child_text(node, name).and_then(|t| t.parse().ok()).unwrap_or(0)
}

/// Parses a `getMeetings` answer; `now_ms` dates the meetings' ages.
pub fn parse_get_meetings(xml: &str, now_ms: i64) -> Result<Vec<ListedMeeting>, CallError> {
    let doc = crate::bbb::bounded::parse(xml).map_err(|e| CallError::BadResponse(e.to_string()))?;
    check_returncode_doc(&doc)?;
    let Some(list) = doc.root_element().children().find(|n| n.has_tag_name("meetings")) else {
        return Ok(Vec::new());
    };
    let mut meetings = Vec::new();
    for meeting in list.children().filter(|n| n.has_tag_name("meeting")) {
        let Some(meeting_id) = child_text(meeting, "meetingID") else {
            continue;
        };
        let created: i64 = child_text(meeting, "createTime").and_then(|t| t.parse().ok()).unwrap_or(now_ms);
        let age = Duration::from_millis(u64::try_from(now_ms.saturating_sub(created)).unwrap_or(0));
        let tenant_id = meeting
            .children()
            .find(|n| n.has_tag_name("metadata"))
            .and_then(|m| child_text(m, "tenant-id"))
            .filter(|t| !t.is_empty())
            .map(String::from);
        meetings.push(ListedMeeting {
            meeting_id: meeting_id.to_string(),
            figures: MeetingFigures {
                participants: number(meeting, "participantCount"),
                videos: number(meeting, "videoCount"),
                voice_participants: number(meeting, "voiceParticipantCount"),
                age,
            },
            is_breakout: child_text(meeting, "isBreakout") == Some("true"),
            tenant_id,
            range: meeting.range(),
        });
    }
    Ok(meetings)
}

/// `<bbbVersion>` of the API index, if the server reveals it.
pub fn parse_version(xml: &str) -> Option<String> {
    let doc = crate::bbb::bounded::parse(xml).ok()?;
    child_text(doc.root_element(), "bbbVersion").filter(|v| !v.is_empty()).map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../tests/fixtures/get_meetings.xml");

    #[test]
    fn reads_the_figures_of_every_meeting() {
        let meetings = parse_get_meetings(FIXTURE, 1_554_729_625_768 + 60_000).unwrap();
        assert!(meetings.len() >= 3);
        assert_eq!(meetings[0].meeting_id, "5cf490a7-2c9a-3571-a48c-134ef58d47c2");
        assert_eq!(meetings[0].figures.age, Duration::from_secs(60));
        assert!(!meetings[0].is_breakout);
        for m in &meetings {
            let element = &FIXTURE[m.range.clone()];
            assert!(element.starts_with("<meeting>") && element.ends_with("</meeting>"));
            assert!(element.contains(&m.meeting_id));
        }
        assert!(meetings.iter().any(|m| m.figures.participants > 0), "the fixture has a running meeting");
    }

    #[test]
    fn reads_breakouts_tenants_and_empty_lists() {
        let xml = "<response><returncode>SUCCESS</returncode><meetings><meeting><meetingID>b</meetingID>\
                   <createTime>1000</createTime><participantCount>3</participantCount><videoCount>1</videoCount>\
                   <metadata><tenant-id>t1</tenant-id></metadata><isBreakout>true</isBreakout></meeting></meetings></response>";
        let meetings = parse_get_meetings(xml, 2000).unwrap();
        assert_eq!(meetings.len(), 1);
        assert!(meetings[0].is_breakout);
        assert_eq!(meetings[0].tenant_id.as_deref(), Some("t1"));
        assert_eq!(meetings[0].figures.participants, 3);
        assert_eq!(meetings[0].figures.videos, 1);
        let empty =
            "<response><returncode>SUCCESS</returncode><meetings/><messageKey>noMeetings</messageKey></response>";
        assert!(parse_get_meetings(empty, 0).unwrap().is_empty());
    }

    #[test]
    fn refuses_garbage_and_failures() {
        assert!(matches!(parse_get_meetings("<html>", 0), Err(CallError::BadResponse(_))));
        let failed = "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey></response>";
        assert!(matches!(parse_get_meetings(failed, 0), Err(CallError::Failed { .. })));
    }

    #[test]
    fn reads_the_version() {
        let xml = include_str!("../../tests/fixtures/api_version.xml");
        assert_eq!(parse_version(xml).as_deref(), Some("2.4-rc-7"));
        assert_eq!(parse_version("<response><bbbVersion></bbbVersion></response>"), None);
    }
}
