//! getRecordings from the index: every field of BBB's metadata.xml, filters, pagination, tenants.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Backend, TestApp};
use scalelite::recordings::importer::{index, ImportOptions};
use scalelite::recordings::metadata::parse;

const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
const BREAKOUT: &str = include_str!("fixtures/breakout-room-metadata.xml");

fn import(app: &TestApp, xml: &str, tenant_id: &str) {
    let meta = parse(xml).unwrap();
    let options =
        ImportOptions { tenant_id, meeting_id: &meta.meeting_id.clone(), import_unpublished: false, protected: false };
    index(&mut common::connect(&app.db), &meta, &options).unwrap();
}

/// The sample with another record ID, meeting ID, start time and metadata value.
fn variant(i: usize, meeting: &str) -> String {
    SAMPLE
        .replace("b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984</id>", &format!("r{i:04}-1504122319984</id>"))
        .replace(
            "<meetingId>5bd0e35013bc9761d06f01d4bfd9b4ae1c8df289</meetingId>",
            &format!("<meetingId>{meeting}</meetingId>"),
        )
        .replace("<start_time>1504122319984</start_time>", &format!("<start_time>{}</start_time>", 1_000_000 + i))
        .replace("<gl-listed>false</gl-listed>", &format!("<gl-listed>{}</gl-listed>", i.is_multiple_of(2)))
}

async fn returns_every_field_of_an_imported_recording(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    import(&app, SAMPLE, "");
    import(&app, SAMPLE, "");
    let reply = app.bbb("getRecordings", &[("meetingID", "5bd0e35013bc9761d06f01d4bfd9b4ae1c8df289")]).await;
    assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    let doc = roxmltree::Document::parse(&reply.body).unwrap();
    let recordings: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("recording")).collect();
    assert_eq!(recordings.len(), 1, "importing twice does not duplicate");
    let r = recordings[0];
    let text =
        |name: &str| r.children().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).unwrap_or_default().to_string();
    assert_eq!(text("recordID"), "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984");
    assert_eq!(text("meetingID"), "5bd0e35013bc9761d06f01d4bfd9b4ae1c8df289");
    assert_eq!(text("name"), "Prueba 2");
    assert_eq!(text("published"), "true");
    assert_eq!(text("state"), "published");
    assert_eq!(text("startTime"), "1504122319984");
    assert_eq!(text("endTime"), "1504122655395");
    assert_eq!(text("participants"), "4");
    assert_eq!(text("rawSize"), "493084");
    assert_eq!(text("size"), "531235");
    assert!(reply.body.contains("<gl-token>vi-249c619c-Prueba 2</gl-token>"), "{}", reply.body);
    assert!(reply.body.contains("<gl-listed>false</gl-listed>"));
    assert!(reply.body.contains("<breakoutRoom>32ee8bcccfad34f85c58a12f87fc4268130a4fd3-1489173065780</breakoutRoom>"));
    let base = app.base.clone();
    assert!(
        reply.body.contains(&format!("<url>{base}/playback/presentation/2.0/playback.html?meetingId=b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984</url>")),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("<length>2</length><processingTime>10915</processingTime>"));
    assert_eq!(reply.body.matches("<image ").count(), 3);
    assert!(reply.body.contains(r#"<image alt="Welcome to" width="176" height="136">"#), "{}", reply.body);

    // The URL prefix follows the request.
    let request = app.client.get(app.url(&format!(
        "/bigbluebutton/api/getRecordings?{}",
        common::bbb_query("getRecordings", &[("recordID", "b27af2f9")], common::SECRET)
    )));
    let proxied = common::send(
        request.insert_header(("X-Forwarded-Proto", "https")).insert_header(("X-Forwarded-Host", "sl.example.com")),
        None,
    )
    .await;
    assert!(proxied.body.contains("<url>https://sl.example.com/playback/presentation/2.0/"), "{}", proxied.body);

    import(&app, BREAKOUT, "");
    let breakout = app.bbb("getRecordings", &[("recordID", "32ee8bcc")]).await;
    assert!(breakout.body.contains("<isBreakout>true</isBreakout>"), "{}", breakout.body);
    assert!(breakout
        .body
        .contains("<parentId>f3ffe06acedf425565cc024c8ebe89a6552e8782-1489172964374</parentId><sequence>2</sequence>"));
    app.stop().await;
}

async fn filters_paginates_and_scopes(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    for i in 0..12 {
        import(&app, &variant(i, if i < 8 { "m-a" } else { "m-b" }), "");
    }
    import(&app, &variant(50, "m-a"), "other-tenant");
    let ids = |body: &str| -> Vec<String> {
        let doc = roxmltree::Document::parse(body).unwrap();
        doc.descendants().filter(|n| n.has_tag_name("recordID")).map(|n| n.text().unwrap().to_string()).collect()
    };
    let all = app.bbb("getRecordings", &[]).await;
    let listed = ids(&all.body);
    assert_eq!(listed.len(), 12, "another tenant's recording is not shown");
    assert_eq!(listed[0], "r0011-1504122319984", "newest first");
    assert!(!all.body.contains("totalElements"));
    let a = app.bbb("getRecordings", &[("meetingID", "m-a")]).await;
    assert_eq!(ids(&a.body).len(), 8);
    let both = app.bbb("getRecordings", &[("meetingID", "m-a,m-b")]).await;
    assert_eq!(ids(&both.body).len(), 12);
    let prefix = app.bbb("getRecordings", &[("recordID", "r000,r0010")]).await;
    assert_eq!(ids(&prefix.body).len(), 11, "prefixes r000 (10) and r0010 (1)");
    let listed_true = app.bbb("getRecordings", &[("meta_gl-listed", "true")]).await;
    assert_eq!(ids(&listed_true.body).len(), 6);
    let and = app.bbb("getRecordings", &[("meta_gl-listed", "true"), ("meta_room-id", "nope")]).await;
    assert_eq!(and.xml("messageKey").as_deref(), Some("noRecordings"), "meta filters combine with AND");
    let page = app.bbb("getRecordings", &[("meetingID", "m-a"), ("offset", "2"), ("limit", "3")]).await;
    assert_eq!(ids(&page.body), ["r0005-1504122319984", "r0004-1504122319984", "r0003-1504122319984"]);
    assert_eq!(page.xml("totalElements").as_deref(), Some("8"));
    let unpaginated = app.bbb("getRecordings", &[("limit", "500")]).await;
    assert_eq!(ids(&unpaginated.body).len(), 12, "an invalid limit means no pagination, as in BBB");
    let deleted = app.bbb("getRecordings", &[("state", "deleted")]).await;
    assert_eq!(deleted.xml("messageKey").as_deref(), Some("noRecordings"));
    let any = app.bbb("getRecordings", &[("state", "any")]).await;
    assert_eq!(ids(&any.body).len(), 12);
    app.stop().await;
}

async fn recordings_can_be_disabled_or_filtered(backend: Backend) {
    let app = TestApp::new(backend).env("GET_RECORDINGS_API_FILTERED", "true").start().await;
    import(&app, SAMPLE, "");
    let reply = app.bbb("getRecordings", &[]).await;
    assert_eq!(reply.xml("messageKey").as_deref(), Some("missingParameters"));
    app.stop().await;
    let app = TestApp::new(backend).env("RECORDING_DISABLED", "true").start().await;
    import(&app, SAMPLE, "");
    let reply = common::send(app.client.get(app.url("/bigbluebutton/api/getRecordings")), None).await;
    assert_eq!(reply.xml("messageKey").as_deref(), Some("noRecordings"), "no checksum needed: {}", reply.body);
    app.stop().await;
}

on_both_backends!(
    returns_every_field_of_an_imported_recording,
    filters_paginates_and_scopes,
    recordings_can_be_disabled_or_filtered
);
