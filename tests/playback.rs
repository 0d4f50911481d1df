//! Playback routes: one-time tokens and cookies of protected recordings, files served by Scalelite or handed
//! to nginx, tenant scoping, the player and the legacy redirects.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::files::{self, Files};
use common::{Backend, TestApp};
use scalelite::recordings::importer::{index, ImportOptions};
use scalelite::recordings::metadata::parse;

const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
const ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";

/// Imports the sample (published) for a tenant, with its presentation files under the published tree.
fn import(app: &TestApp, root: &Path, tenant_id: &str, protected: bool) {
    let meta = parse(SAMPLE).unwrap();
    let options =
        ImportOptions { tenant_id, meeting_id: &meta.meeting_id.clone(), import_unpublished: false, protected };
    index(&mut common::connect(&app.db), &meta, &options).unwrap();
    Files::of(root).put(&format!("published/presentation/{ID}/shapes/slide-1.svg"), b"<svg>slide one</svg>");
    std::fs::write(root.join("secret.txt"), "outside the tree").unwrap();
}

/// A plain GET with extra headers: status, a header's value, body.
async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, awc::http::header::HeaderMap, String) {
    let mut request = app.client.get(app.url(path));
    for (name, value) in headers {
        request = request.insert_header((*name, *value));
    }
    let mut response = request.send().await.unwrap();
    let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    if files::s3_mode() && response.status().as_u16() == 302 && location.starts_with(&files::endpoint()) {
        // A player follows the redirect to the bucket's pre-signed URL, with its Range.
        let mut follow = app.client.get(location);
        for (name, value) in headers.iter().filter(|(name, _)| name.eq_ignore_ascii_case("range")) {
            follow = follow.insert_header((*name, *value));
        }
        response = follow.send().await.unwrap();
    }
    let body = String::from_utf8_lossy(&response.body().limit(1 << 20).await.unwrap()).into_owned();
    (response.status().as_u16(), response.headers().clone(), body)
}

fn header(headers: &awc::http::header::HeaderMap, name: &str) -> String {
    headers.get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// The playback URL getRecordings gives for the presentation format, without its host.
async fn playback_path(app: &TestApp) -> String {
    let reply = app.bbb("getRecordings", &[("recordID", ID)]).await;
    let doc = roxmltree::Document::parse(&reply.body).unwrap();
    let url = doc.descendants().find(|n| n.has_tag_name("url")).and_then(|n| n.text()).unwrap().to_string();
    url.strip_prefix(&app.base).unwrap().to_string()
}

async fn protected_recordings_need_a_token_then_a_cookie(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = TestApp::new(backend).recordings(root.path()).env("PROTECTED_RECORDINGS_ENABLED", "true").start().await;
    import(&app, root.path(), "", true);

    let reply = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert!(reply.body.contains("<protected>true</protected>"), "{}", reply.body);
    assert!(!reply.body.contains("<preview>"), "no thumbnails for a protected recording: {}", reply.body);
    let first = playback_path(&app).await;
    let token = first.strip_prefix(&format!("/recording/{ID}/presentation?token=")).expect(&first).to_string();
    assert!(token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_ne!(playback_path(&app).await, first, "each getRecordings mints a new token");

    // Without a cookie, the files are hidden.
    let (status, _, body) = get(&app, &format!("/presentation/{ID}/shapes/slide-1.svg"), &[]).await;
    assert_eq!(status, 404);
    assert!(body.contains("Recording Not Found"), "{body}");

    // A bad token, a token of another format, then the good one: only the good one works, and only once.
    let (status, _, _) = get(&app, &format!("/recording/{ID}/presentation?token={}", "0".repeat(64)), &[]).await;
    assert_eq!(status, 404);
    let (status, _, _) = get(&app, &format!("/recording/{ID}/video?token={token}"), &[]).await;
    assert_eq!(status, 404);
    let (status, headers, _) = get(&app, &first, &[("User-Agent", "Mozilla/5.0 Firefox/120.0")]).await;
    assert_eq!(status, 307);
    assert_eq!(header(&headers, "location"), format!("/playback/presentation/2.0/playback.html?meetingId={ID}"));
    let set_cookie = header(&headers, "set-cookie");
    assert!(set_cookie.starts_with(&format!("recording_presentation_{ID}=")), "{set_cookie}");
    assert!(set_cookie.contains(&format!("; Path=/presentation/{ID};")), "{set_cookie}");
    assert!(set_cookie.ends_with("; Secure; HttpOnly; SameSite=None"), "{set_cookie}");
    let (status, _, _) = get(&app, &first, &[]).await;
    assert_eq!(status, 404, "a token is used once");

    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let (status, headers, body) =
        get(&app, &format!("/presentation/{ID}/shapes/slide-1.svg"), &[("Cookie", &cookie)]).await;
    assert_eq!((status, body.as_str()), (200, "<svg>slide one</svg>"));
    assert_eq!(header(&headers, "content-type"), "image/svg+xml");
    let (status, _, _) =
        get(&app, &format!("/presentation/{ID}/shapes/../../../../secret.txt"), &[("Cookie", &cookie)]).await;
    assert_eq!(status, 404, "no way out of the recording's folder");
    let forged = cookie.replace(&cookie[cookie.len() - 6..], "AAAAAA");
    let (status, _, _) = get(&app, &format!("/presentation/{ID}/shapes/slide-1.svg"), &[("Cookie", &forged)]).await;
    assert_eq!(status, 404, "a forged cookie is refused");

    // Twenty players race for one token: exactly one wins.
    let path = playback_path(&app).await;
    let tries = (0..20).map(|_| get(&app, &path, &[]));
    let statuses: Vec<u16> = futures_util::future::join_all(tries).await.into_iter().map(|(s, _, _)| s).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 307).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 404).count(), 19, "{statuses:?}");

    // Unprotecting the recording opens its files.
    let reply = app.bbb("updateRecordings", &[("recordID", ID), ("protect", "false")]).await;
    assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    assert_eq!(get(&app, &format!("/presentation/{ID}/shapes/slide-1.svg"), &[]).await.0, 200);
    assert!(playback_path(&app).await.starts_with("/playback/presentation/2.0/"));
    app.stop().await;
}

async fn files_are_served_with_ranges_or_handed_to_nginx(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = TestApp::new(backend).recordings(root.path()).start().await;
    import(&app, root.path(), "", false);
    let path = format!("/presentation/{ID}/shapes/slide-1.svg");
    let (status, headers, body) = get(&app, &path, &[("Range", "bytes=5-9")]).await;
    assert_eq!((status, body.as_str()), (206, "slide"));
    assert!(header(&headers, "content-range").starts_with("bytes 5-9/"), "{headers:?}");
    assert_eq!(get(&app, &format!("/presentation/{ID}/shapes/missing.svg"), &[]).await.0, 404);
    assert_eq!(get(&app, &format!("/presentation/{ID}-nope/shapes/slide-1.svg"), &[]).await.0, 404);
    let (status, headers, _) = get(&app, &format!("/recording/{ID}/presentation"), &[]).await;
    assert_eq!(status, 307, "an unprotected recording needs no token");
    assert!(header(&headers, "set-cookie").is_empty());
    assert_eq!(get(&app, &format!("/recording/{ID}/podcast"), &[]).await.0, 404, "no such format");

    let reply = app.bbb("publishRecordings", &[("recordID", ID), ("publish", "false")]).await;
    assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    assert_eq!(get(&app, &path, &[]).await.0, 404, "unpublished recordings are not played");
    assert_eq!(get(&app, &format!("/recording/{ID}/presentation"), &[]).await.0, 404);
    app.stop().await;
    if files::s3_mode() {
        return; // nginx serves local files only
    }

    let app = TestApp::new(backend).recordings(root.path()).env("RECORDING_X_ACCEL_REDIRECT", "true").start().await;
    import(&app, root.path(), "", false);
    let (status, headers, body) = get(&app, &format!("{path}?x=1"), &[]).await;
    assert_eq!((status, body.as_str()), (200, ""));
    assert_eq!(header(&headers, "x-accel-redirect"), format!("/static-resource{path}?x=1"));
    assert!(header(&headers, "content-disposition").is_empty(), "presentation files show inline");
    let (_, headers, _) = get(&app, &format!("/podcast/{ID}/audio.ogg"), &[]).await;
    assert_eq!(header(&headers, "content-disposition"), "attachment");
    app.stop().await;
}

async fn a_tenants_host_shows_only_its_recordings(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = TestApp::new(backend).recordings(root.path()).env("MULTITENANCY_ENABLED", "true").start().await;
    for name in ["t1", "t2"] {
        scalelite::admin::tenants::add(&mut common::connect(&app.db), name, &format!("{name}-secret")).unwrap();
    }
    app.reload().await;
    let t1 = app.state.shared.tenant("t1").unwrap().id.clone();
    import(&app, root.path(), &t1, false);
    let path = format!("/presentation/{ID}/shapes/slide-1.svg");
    assert_eq!(get(&app, &path, &[("Host", "t1.sl.example.com")]).await.0, 200);
    assert_eq!(get(&app, &path, &[("Host", "t2.sl.example.com")]).await.0, 404, "another tenant's host");
    assert_eq!(get(&app, &format!("/recording/{ID}/presentation"), &[("Host", "t2.sl.example.com")]).await.0, 404);
    assert_eq!(get(&app, &format!("/recording/{ID}/presentation"), &[("Host", "t1.sl.example.com")]).await.0, 307);
    // Host names are case-insensitive.
    assert_eq!(get(&app, &format!("/recording/{ID}/presentation"), &[("Host", "T1.SL.Example.com")]).await.0, 307);
    app.stop().await;
}

async fn serves_the_player_and_the_legacy_redirects(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let player = root.path().join("player");
    std::fs::create_dir_all(player.join("static")).unwrap();
    std::fs::write(player.join("index.html"), "<html>player</html>").unwrap();
    std::fs::write(player.join("static/app.js"), "run()").unwrap();
    let player_dir = player.to_string_lossy().into_owned();
    let app = TestApp::new(backend).recordings(root.path()).env("RECORDING_PLAYER_DIR", &player_dir).start().await;
    assert_eq!(get(&app, "/playback/presentation/2.3/static/app.js", &[]).await.2, "run()");
    assert_eq!(get(&app, &format!("/playback/presentation/2.3/{ID}"), &[]).await.2, "<html>player</html>");
    assert_eq!(get(&app, "/playback/presentation/2.3/../secret.txt", &[]).await.0, 404);
    let (status, headers, _) = get(&app, "/playback/presentation/2.0/playback.html?meetingId=abc-1", &[]).await;
    assert_eq!((status, header(&headers, "location").as_str()), (301, "/playback/presentation/2.3/abc-1"));
    let (status, headers, _) = get(&app, "/playback/video/abc-1/?t=3", &[]).await;
    assert_eq!((status, header(&headers, "location").as_str()), (307, "/video/abc-1/?t=3"));
    let (status, headers, _) = get(&app, "/recording/screenshare/abc-1/", &[]).await;
    assert_eq!((status, header(&headers, "location").as_str()), (307, "/screenshare/abc-1/"));
    // Encoded CR, LF and other bytes stay encoded in the Location: no header is split, nothing is a 500.
    for path in [
        "/playback/video/abc%0D%0ASet-Cookie:%20x=1/",
        "/recording/screenshare/%00%0A%E9%FF/",
        "/playback/video/a%0d%0a?x=%0D%0Ay",
    ] {
        let (status, headers, _) = get(&app, path, &[]).await;
        assert!(status == 307 || status == 404, "{path}: {status}");
        assert!(headers.get("set-cookie").is_none(), "{path}");
        let location = header(&headers, "location");
        assert!(!location.contains(['\r', '\n', '\0']), "{path}: {location:?}");
    }
    let reply = common::send(app.client.get(app.url("/nothing/here/at-all")), None).await;
    assert_eq!(reply.xml("messageKey").as_deref(), Some("unsupportedRequest"), "unknown paths stay BBB errors");
    app.stop().await;
}

on_both_backends!(
    protected_recordings_need_a_token_then_a_cookie,
    files_are_served_with_ranges_or_handed_to_nginx,
    a_tenants_host_shows_only_its_recordings,
    serves_the_player_and_the_legacy_redirects,
);
