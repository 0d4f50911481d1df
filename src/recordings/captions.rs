//! A recording's text tracks, kept where the BBB player reads them: `captions.json` (`[{"locale",
//! "localeName"}]`, plus our `kind` and `source`) and `caption_<lang>.vtt` in the recording's presentation
//! folder. Uploads are stored as WebVTT (SRT is converted); the folder moves with publish and unpublish.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One entry of `captions.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct CaptionEntry {
    pub locale: String,
    #[serde(rename = "localeName", default)]
    pub locale_name: String,
    /// `subtitles` or `captions`; BBB's recorded live captions have none (`subtitles`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `live`, `automatic` or `upload`; none for BBB's recorded live captions (`live`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Why an upload could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum CaptionError {
    #[error("the recording has no presentation folder")]
    NoFolder,
    #[error("the file is neither WebVTT nor SRT")]
    UnknownFormat,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Whether `lang` is shaped like a BCP-47 tag (`en`, `en-US`, `zh-Hant-TW`).
pub fn valid_lang(lang: &str) -> bool {
    let mut parts = lang.split('-');
    let first_ok =
        parts.next().is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The entries of `captions.json`; empty when there is none or it cannot be read.
pub fn read(folder: &Path) -> Vec<CaptionEntry> {
    std::fs::read(folder.join("captions.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// The text of a track as WebVTT: WebVTT as it is, SRT converted (header added, decimal commas in the
/// timings made points); anything else refused.
pub fn to_webvtt(text: &str) -> Result<String, CaptionError> {
    let text = text.trim_start_matches('\u{feff}');
    if text.starts_with("WEBVTT") {
        return Ok(text.to_string());
    }
    if !text.lines().any(|l| l.contains("-->")) {
        return Err(CaptionError::UnknownFormat);
    }
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str("WEBVTT\n\n");
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.contains("-->") {
            out.push_str(&line.replace(',', "."));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    Ok(out)
}

/// Writes a file through a temporary name, so a reader never sees half of it.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp-upload");
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// Stores an uploaded track (replacing one of the same language) and lists it in `captions.json`.
pub fn store(folder: &Path, kind: &str, lang: &str, label: &str, text: &str) -> Result<(), CaptionError> {
    if !folder.is_dir() {
        return Err(CaptionError::NoFolder);
    }
    let vtt = to_webvtt(text)?;
    write_whole(&folder.join(format!("caption_{lang}.vtt")), vtt.as_bytes())?;
    let mut entries = read(folder);
    entries.retain(|e| e.locale != lang);
    entries.push(CaptionEntry {
        locale: lang.to_string(),
        locale_name: label.to_string(),
        kind: Some(kind.to_string()),
        source: Some("upload".to_string()),
    });
    entries.sort_by(|a, b| a.locale.cmp(&b.locale));
    let json = serde_json::to_vec(&entries).map_err(std::io::Error::other)?;
    write_whole(&folder.join("captions.json"), &json)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_language_tags() {
        for good in ["en", "en-US", "pt-BR", "zh-Hant-TW", "de-1996"] {
            assert!(valid_lang(good), "{good}");
        }
        for bad in ["", "e", "en_US", "en-", "../x", "en-US/..", "englishlanguage", "en-toolongsubtag"] {
            assert!(!valid_lang(bad), "{bad}");
        }
    }

    #[test]
    fn converts_srt_and_keeps_webvtt() {
        let srt = "1\r\n00:00:01,000 --> 00:00:02,500\r\nHello, world\r\n\r\n";
        assert_eq!(to_webvtt(srt).unwrap(), "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHello, world\n\n");
        let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n";
        assert_eq!(to_webvtt(&format!("\u{feff}{vtt}")).unwrap(), vtt);
        assert!(matches!(to_webvtt("[Script Info]\nTitle: x\n"), Err(CaptionError::UnknownFormat)));
    }

    #[test]
    fn stores_tracks_next_to_the_players_own() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            store(&dir.path().join("none"), "subtitles", "en", "English", "WEBVTT\n"),
            Err(CaptionError::NoFolder)
        ));
        std::fs::write(dir.path().join("captions.json"), r#"[{"localeName":"English","locale":"en"}]"#).unwrap();
        store(dir.path(), "captions", "de-DE", "Deutsch", "WEBVTT\n\nx").unwrap();
        store(dir.path(), "subtitles", "de-DE", "Deutsch (neu)", "WEBVTT\n\ny").unwrap();
        let entries = read(dir.path());
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].locale_name, "Deutsch (neu)");
        assert_eq!(entries[0].kind.as_deref(), Some("subtitles"));
        assert_eq!(
            entries[1],
            CaptionEntry { locale: "en".into(), locale_name: "English".into(), kind: None, source: None }
        );
        assert_eq!(std::fs::read_to_string(dir.path().join("caption_de-DE.vtt")).unwrap(), "WEBVTT\n\ny");
    }
}
