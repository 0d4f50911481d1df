//! A recording's text tracks, kept where the BBB player reads them: `captions.json` (`[{"locale",
//! "localeName"}]`, plus our `kind` and `source`) and `caption_<lang>.vtt` in the recording's presentation
//! folder (local or in the bucket). Uploads are stored as WebVTT (SRT is converted); the folder moves with
//! publish and unpublish.

use serde::{Deserialize, Serialize};

use crate::recordings::storage::Storage;

/// The format whose folder holds the tracks.
const FORMAT: &str = "presentation";

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
    Storage(String),
}

/// Whether `lang` is shaped like a BCP-47 tag (`en`, `en-US`, `zh-Hant-TW`).
pub fn valid_lang(lang: &str) -> bool {
    let mut parts = lang.split('-');
    let first_ok =
        parts.next().is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// The entries of a recording's `captions.json`; empty when there is none or it cannot be read.
pub fn read(storage: &Storage, published: bool, id: &str) -> Vec<CaptionEntry> {
    match storage.read_file(published, FORMAT, id, "captions.json") {
        Ok(Some(bytes)) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Ok(None) => Vec::new(),
        Err(e) => {
            log::warn!("captions of {id}: {e}");
            Vec::new()
        }
    }
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

/// Stores an uploaded track (replacing one of the same language) and lists it in `captions.json`.
pub fn store(
    storage: &Storage,
    published: bool,
    id: &str,
    (kind, lang, label): (&str, &str, &str),
    text: &str,
) -> Result<(), CaptionError> {
    if !storage.has_format(published, FORMAT, id).map_err(CaptionError::Storage)? {
        return Err(CaptionError::NoFolder);
    }
    let vtt = to_webvtt(text)?;
    let write = |name: &str, bytes: &[u8]| storage.write_file(published, FORMAT, id, name, bytes);
    write(&format!("caption_{lang}.vtt"), vtt.as_bytes()).map_err(CaptionError::Storage)?;
    let mut entries = read(storage, published, id);
    entries.retain(|e| e.locale != lang);
    entries.push(CaptionEntry {
        locale: lang.to_string(),
        locale_name: label.to_string(),
        kind: Some(kind.to_string()),
        source: Some("upload".to_string()),
    });
    entries.sort_by(|a, b| a.locale.cmp(&b.locale));
    let json = serde_json::to_vec(&entries).map_err(|e| CaptionError::Storage(e.to_string()))?;
    write("captions.json", &json).map_err(CaptionError::Storage)
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
        let store = crate::recordings::store::Store { published: dir.path().into(), unpublished: dir.path().join("u") };
        let storage = Storage::Folders(store);
        assert!(matches!(
            super::store(&storage, true, "none", ("subtitles", "en", "English"), "WEBVTT\n"),
            Err(CaptionError::NoFolder)
        ));
        let folder = dir.path().join("presentation/r-1");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("captions.json"), r#"[{"localeName":"English","locale":"en"}]"#).unwrap();
        super::store(&storage, true, "r-1", ("captions", "de-DE", "Deutsch"), "WEBVTT\n\nx").unwrap();
        super::store(&storage, true, "r-1", ("subtitles", "de-DE", "Deutsch (neu)"), "WEBVTT\n\ny").unwrap();
        let entries = read(&storage, true, "r-1");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].locale_name, "Deutsch (neu)");
        assert_eq!(entries[0].kind.as_deref(), Some("subtitles"));
        assert_eq!(
            entries[1],
            CaptionEntry { locale: "en".into(), locale_name: "English".into(), kind: None, source: None }
        );
        assert_eq!(std::fs::read_to_string(folder.join("caption_de-DE.vtt")).unwrap(), "WEBVTT\n\ny");
    }
}
