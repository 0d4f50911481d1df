//! getRecordingTextTracks and putRecordingTextTrack on the captions in a recording's presentation folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::files::Files;
use common::{bbb_query, play, send, Backend, TestApp};
use scalelite::recordings::importer::{index, ImportOptions};
use scalelite::recordings::metadata::parse;

const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
const ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";
const BOUNDARY: &str = "----scalelite-test-boundary";

fn import(app: &TestApp, root: &std::path::Path, tenant_id: &str) {
    let meta = parse(SAMPLE).unwrap();
    let options =
        ImportOptions { tenant_id, meeting_id: &meta.meeting_id.clone(), import_unpublished: false, protected: false };
    index(&mut common::connect(&app.db), &meta, &options).unwrap();
    Files::of(root).put(&format!("published/presentation/{ID}/metadata.xml"), SAMPLE.as_bytes());
}

/// A multipart body with one `file` field.
fn multipart(file: &str) -> String {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"track.srt\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n{file}\r\n--{BOUNDARY}--\r\n"
    )
}

async fn put(app: &TestApp, params: &[(&str, &str)], file: &str) -> serde_json::Value {
    let query = bbb_query("putRecordingTextTrack", params, common::SECRET);
    let request = app.client.post(app.url(&format!("/bigbluebutton/api/putRecordingTextTrack?{query}")));
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let reply = send(request, Some((&content_type, &multipart(file)))).await;
    assert_eq!(reply.content_type, "application/json", "{}", reply.body);
    reply.json()["response"].clone()
}

async fn tracks(app: &TestApp, id: &str) -> serde_json::Value {
    let reply = app.bbb("getRecordingTextTracks", &[("recordID", id)]).await;
    assert_eq!(reply.content_type, "application/json", "{}", reply.body);
    reply.json()["response"].clone()
}

const SRT: &str = "1\n00:00:01,000 --> 00:00:02,000\nBonjour\n";

async fn uploads_and_lists_text_tracks(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = TestApp::new(backend).recordings(root.path()).start().await;
    import(&app, root.path(), "");
    import_other_tenant(&app);

    assert_eq!(tracks(&app, "nope").await["messageKey"], "noRecordings");
    assert_eq!(tracks(&app, "other-tenant-1").await["messageKey"], "noRecordings", "another tenant's recording");
    let none = tracks(&app, ID).await;
    assert_eq!((none["returncode"].as_str(), none["messageKey"].as_str()), (Some("FAILED"), Some("noCaptionsFound")));
    let missing = app.bbb("getRecordingTextTracks", &[]).await;
    assert_eq!(missing.xml("messageKey").as_deref(), Some("missingParamRecordID"));

    // BBB's own recorded captions are listed as live subtitles.
    let files = Files::of(root.path());
    files.put(&format!("published/presentation/{ID}/captions.json"), br#"[{"localeName":"English","locale":"en"}]"#);
    files.put(&format!("published/presentation/{ID}/caption_en.vtt"), b"WEBVTT\n");

    let uploaded =
        put(&app, &[("recordID", ID), ("kind", "captions"), ("lang", "fr-FR"), ("label", "Français")], SRT).await;
    assert_eq!(uploaded["returncode"], "SUCCESS", "{uploaded}");
    assert_eq!(uploaded["messageKey"], "upload_text_track_success");
    assert_eq!(uploaded["recordId"], ID);
    let listed = tracks(&app, ID).await;
    assert_eq!(listed["returncode"], "SUCCESS", "{listed}");
    let list = listed["tracks"].as_array().unwrap();
    assert_eq!(list.len(), 2, "{listed}");
    assert_eq!(list[0]["lang"], "en");
    assert_eq!(list[0]["source"], "live");
    assert_eq!(list[1]["kind"], "captions");
    assert_eq!(list[1]["label"], "Français");
    assert_eq!(list[1]["source"], "upload");
    let href = list[1]["href"].as_str().unwrap();
    assert_eq!(href, format!("{}/presentation/{ID}/caption_fr-FR.vtt", app.base));
    let vtt = play(&app.client, href).await;
    assert_eq!(vtt.status, 200);
    assert_eq!(vtt.body, "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nBonjour\n", "SRT is stored as WebVTT");

    // The tracks move with the recording.
    app.bbb("publishRecordings", &[("recordID", ID), ("publish", "false")]).await;
    assert_eq!(tracks(&app, ID).await["tracks"].as_array().unwrap().len(), 2);
    let moved = files.read(&format!("unpublished/presentation/{ID}/caption_fr-FR.vtt")).unwrap();
    assert!(moved.starts_with(b"WEBVTT"));
    assert!(!files.exists(&format!("published/presentation/{ID}")));
    app.stop().await;
}

fn import_other_tenant(app: &TestApp) {
    let meta = parse(&SAMPLE.replace(ID, "other-tenant-1")).unwrap();
    let options = ImportOptions {
        tenant_id: "t9",
        meeting_id: &meta.meeting_id.clone(),
        import_unpublished: false,
        protected: false,
    };
    index(&mut common::connect(&app.db), &meta, &options).unwrap();
}

async fn refuses_bad_uploads(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = TestApp::new(backend).recordings(root.path()).start().await;
    import(&app, root.path(), "");
    let key = |v: serde_json::Value| v["messageKey"].as_str().unwrap().to_string();
    assert_eq!(key(put(&app, &[("kind", "subtitles"), ("lang", "en")], SRT).await), "paramError");
    assert_eq!(key(put(&app, &[("recordID", ID), ("lang", "en")], SRT).await), "paramError");
    assert_eq!(key(put(&app, &[("recordID", ID), ("kind", "karaoke"), ("lang", "en")], SRT).await), "invalidKind");
    assert_eq!(key(put(&app, &[("recordID", ID), ("kind", "subtitles"), ("lang", "../x")], SRT).await), "invalidLang");
    assert_eq!(
        key(put(&app, &[("recordID", "nope"), ("kind", "subtitles"), ("lang", "en")], SRT).await),
        "noRecordings"
    );
    assert_eq!(
        key(put(&app, &[("recordID", ID), ("kind", "subtitles"), ("lang", "en")], "  ").await),
        "empty_uploaded_text_track"
    );
    let ass = "[Script Info]\nTitle: x\n";
    let failed = put(&app, &[("recordID", ID), ("kind", "subtitles"), ("lang", "en")], ass).await;
    assert_eq!(
        (failed["returncode"].as_str(), key(failed.clone()).as_str()),
        (Some("FAILED"), "upload_text_track_failed")
    );
    assert_eq!(tracks(&app, ID).await["messageKey"], "noCaptionsFound", "nothing was stored");

    let query = "recordID=x&kind=subtitles&lang=en&checksum=0000000000000000000000000000000000000000";
    let request = app.client.post(app.url(&format!("/bigbluebutton/api/putRecordingTextTrack?{query}")));
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let reply = send(request, Some((&content_type, &multipart(SRT)))).await;
    assert_eq!(reply.xml("messageKey").as_deref(), Some("checksumError"));
    app.stop().await;
}

on_both_backends!(uploads_and_lists_text_tracks, refuses_bad_uploads);
