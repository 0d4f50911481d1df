//! Brings Ruby's `callback_data` (the recording-ready and analytics callback URLs of meetings) into ours.
//! Ruby keeps them as a YAML-serialized Hash with symbol keys: `":recording_ready_url: https://…"`.

use std::collections::HashMap;

use serde_yaml_ng::Value;

use super::ruby_db::RubyCallback;
use super::summary::{Kind, Outcome, Summary};
use crate::db::models::callback::MeetingCallback;
use crate::db::{now_ms, DbConnection, DbError};

/// The recording-ready and analytics URLs of Ruby's serialized attributes; `None` if it is not a YAML mapping.
pub fn parse_attributes(yaml: &str) -> Option<(Option<String>, Option<String>)> {
    let mut value: Value = serde_yaml_ng::from_str(yaml).ok()?;
    // `!ruby/hash:ActiveSupport::HashWithIndifferentAccess` and the like.
    while let Value::Tagged(tagged) = value {
        value = tagged.value;
    }
    let Value::Mapping(map) = value else { return None };
    let mut found = HashMap::new();
    for (key, value) in map {
        if let (Value::String(key), Value::String(value)) = (key, value) {
            found.insert(key.trim_start_matches(':').to_string(), value);
        }
    }
    Some((found.remove("recording_ready_url"), found.remove("analytics_callback_url")))
}

/// Imports the callback data; `tenant_of` gives the tenant of a running meeting by its BBB meeting ID, and
/// `recording_tenants` the tenant of a recorded one (a meeting of neither belongs to no tenant).
pub fn import(
    conn: &mut DbConnection,
    ruby: &[RubyCallback],
    tenant_of: &HashMap<String, String>,
    recording_tenants: &HashMap<String, String>,
    dry_run: bool,
    summary: &mut Summary,
) -> Result<(), DbError> {
    summary.found(Kind::CallbackData, ruby.len() as u64);
    for callback in ruby {
        let Some((recording_ready_url, analytics_callback_url)) =
            parse_attributes(callback.callback_attributes.as_deref().unwrap_or(""))
        else {
            summary.skip(Kind::CallbackData, &callback.meeting_id, "its attributes are not a YAML mapping");
            continue;
        };
        if recording_ready_url.is_none() && analytics_callback_url.is_none() {
            summary.skip(Kind::CallbackData, &callback.meeting_id, "it has no callback URL");
            continue;
        }
        let tenant_id = tenant_of
            .get(&callback.meeting_id)
            .or_else(|| recording_tenants.get(&callback.meeting_id))
            .cloned()
            .unwrap_or_default();
        let row = MeetingCallback {
            bbb_meeting_id: callback.meeting_id.clone(),
            tenant_id,
            recording_ready_url,
            analytics_callback_url,
            secret_fingerprint: None,
            updated_at: now_ms(),
            meeting_ended_url: None,
            end_callback_url: None,
        };
        let outcome = match MeetingCallback::find(conn, &row.bbb_meeting_id)? {
            None => Outcome::Imported,
            Some(here)
                if here.recording_ready_url == row.recording_ready_url
                    && here.analytics_callback_url == row.analytics_callback_url
                    && here.tenant_id == row.tenant_id =>
            {
                Outcome::AlreadyThere
            }
            Some(_) => Outcome::Updated,
        };
        if outcome != Outcome::AlreadyThere && !dry_run {
            row.store(conn)?;
        }
        summary.count(Kind::CallbackData, outcome);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rubys_symbol_keys() {
        let yaml = "---\n:recording_ready_url: https://gl.example.com/recording_ready\n";
        assert_eq!(parse_attributes(yaml), Some((Some("https://gl.example.com/recording_ready".into()), None)));
        let both = "--- !ruby/hash:ActiveSupport::HashWithIndifferentAccess\nanalytics_callback_url: https://a\nrecording_ready_url: https://r\n";
        assert_eq!(parse_attributes(both), Some((Some("https://r".into()), Some("https://a".into()))));
        assert_eq!(parse_attributes("just text"), None);
        assert_eq!(parse_attributes(""), None);
    }
}
