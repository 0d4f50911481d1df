//! The recordings importer: tars laid out as scalelite_post_publish.rb makes them, imported once, files moved,
//! bad tars set aside with a reason, nothing written outside the target folders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::files::Files;
use common::{Backend, TestApp};
use scalelite::actors::messages::ImportNow;

const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
const ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";

struct Dirs {
    _root: tempfile::TempDir,
    spool: PathBuf,
    /// The published and unpublished trees (local, or the bucket in S3 mode).
    files: Files,
    root: PathBuf,
}

fn dirs() -> Dirs {
    let root = tempfile::tempdir().unwrap();
    let path = root.path().to_path_buf();
    let d = Dirs { spool: path.join("spool"), files: Files::of(&path), root: path, _root: root };
    std::fs::create_dir_all(&d.spool).unwrap();
    d
}

async fn app(backend: Backend, d: &Dirs, extra: &[(&str, &str)]) -> TestApp {
    TestApp::new(backend).recordings(&d.root).envs(extra).start().await
}

/// A tar entry: a path and its content.
fn file(path: &str, content: &[u8]) -> (String, Vec<u8>) {
    (path.to_string(), content.to_vec())
}

/// Writes an uncompressed tar with these regular files.
fn write_tar(path: &Path, files: &[(String, Vec<u8>)]) {
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        let bytes = name.as_bytes();
        header.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        header.set_cksum();
        builder.append(&header, content.as_slice()).unwrap();
    }
    builder.finish().unwrap();
}

/// The sample recording with a presentation and a video format, as the post-publish script tars it.
fn recording_files() -> Vec<(String, Vec<u8>)> {
    let video = SAMPLE.replace("<format>presentation</format>", "<format>video</format>").replace(
        "https://demo.bigbluebutton.org/playback/presentation/2.0/playback.html?meetingId=",
        "https://demo.bigbluebutton.org/playback/video/",
    );
    vec![
        file(&format!("presentation/{ID}/metadata.xml"), SAMPLE.as_bytes()),
        file(&format!("presentation/{ID}/presentation/slide-1.png"), b"png"),
        file(&format!("video/{ID}/metadata.xml"), video.as_bytes()),
        file(&format!("video/{ID}/video-0.m4v"), b"video"),
    ]
}

async fn imports_a_tar_once_and_moves_its_files(backend: Backend) {
    let d = dirs();
    let app = app(backend, &d, &[]).await;
    write_tar(&d.spool.join(format!("{ID}.tar")), &recording_files());
    assert_eq!(app.state.recordings.send(ImportNow).await.unwrap(), 2);
    assert!(!d.spool.join(format!("{ID}.tar")).exists(), "the tar is removed");
    assert_eq!(d.files.read(&format!("published/presentation/{ID}/presentation/slide-1.png")).unwrap(), b"png");
    assert!(d.files.exists(&format!("published/video/{ID}/video-0.m4v")));
    let reply = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert_eq!(reply.body.matches("<recording>").count(), 1, "{}", reply.body);
    assert!(reply.body.contains("<type>presentation</type>") && reply.body.contains("<type>video</type>"));
    assert!(reply.body.contains("/playback/video/"), "{}", reply.body);

    // The same tar again (a retry after a crash): updated, not duplicated.
    write_tar(&d.spool.join(format!("{ID}.tar")), &recording_files());
    assert_eq!(app.state.recordings.send(ImportNow).await.unwrap(), 2);
    let reply = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert_eq!(reply.body.matches("<recording>").count(), 1);
    assert_eq!(reply.body.matches("<format>").count(), 2);
    app.stop().await;
}

async fn cleans_up_after_interrupted_imports(backend: Backend) {
    let d = dirs();
    let stale = d.root.join(format!("work/{ID}.0123456789abcdef0123456789abcdef"));
    std::fs::create_dir_all(stale.join("presentation")).unwrap();
    let unrelated = d.root.join("work/keep-me");
    std::fs::create_dir_all(&unrelated).unwrap();
    let app = app(backend, &d, &[]).await;
    app.state.recordings.send(ImportNow).await.unwrap();
    assert!(!stale.exists(), "the work folder of an interrupted import is removed at start");
    assert!(unrelated.exists(), "other folders stay");
    app.stop().await;
}

async fn imports_unpublished_when_asked(backend: Backend) {
    let d = dirs();
    let app = app(backend, &d, &[("RECORDING_IMPORT_UNPUBLISHED", "true")]).await;
    write_tar(&d.spool.join(format!("{ID}.tar")), &recording_files());
    app.state.recordings.send(ImportNow).await.unwrap();
    assert!(d.files.exists(&format!("unpublished/presentation/{ID}/metadata.xml")));
    assert!(!d.files.exists(&format!("published/presentation/{ID}")));
    let reply = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert!(reply.body.contains("<published>false</published><state>unpublished</state>"), "{}", reply.body);
    app.stop().await;
}

async fn sets_bad_tars_aside_and_goes_on(backend: Backend) {
    let d = dirs();
    let app = app(backend, &d, &[]).await;
    std::fs::write(d.spool.join("a-corrupt.tar"), b"this is not a tar file at all, just some words").unwrap();
    let broken = SAMPLE.replace("<playback>", "<nothing>").replace("</playback>", "</nothing>");
    write_tar(&d.spool.join("b-missing.tar"), &[file(&format!("presentation/{ID}/metadata.xml"), broken.as_bytes())]);
    write_tar(&d.spool.join("c-escape.tar"), &[file("../../escaped.txt", b"owned")]);
    write_tar(&d.spool.join("d-absolute.tar"), &[file("/tmp/scalelite-absolute.txt", b"owned")]);
    {
        let mut builder = tar::Builder::new(std::fs::File::create(d.spool.join("e-link.tar")).unwrap());
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder.append_link(&mut header, "presentation/link", "/etc/passwd").unwrap();
        builder.finish().unwrap();
    }
    // A file where the tar's own folder should be: the tar's fault, not the machine's; it must not block the spool.
    let conflict = [file("presentation", b"x"), file(&format!("presentation/{ID}/metadata.xml"), SAMPLE.as_bytes())];
    write_tar(&d.spool.join("f-conflict.tar"), &conflict);
    write_tar(&d.spool.join(format!("z-{ID}.tar")), &recording_files());
    assert_eq!(app.state.recordings.send(ImportNow).await.unwrap(), 2, "the good tar is imported");
    for (name, reason) in [
        ("a-corrupt.tar", ""),
        ("b-missing.tar", "no <playback>"),
        ("c-escape.tar", "unsafe tar entry"),
        ("d-absolute.tar", "unsafe tar entry"),
        ("e-link.tar", "unsafe tar entry"),
        ("f-conflict.tar", "presentation/"),
    ] {
        assert!(d.spool.join("failed").join(name).exists(), "{name} moved to failed/");
        assert!(!d.spool.join(name).exists());
        let why = std::fs::read_to_string(d.spool.join("failed").join(format!("{name}.reason"))).unwrap();
        assert!(why.contains(reason), "{name}: {why}");
    }
    assert!(!d.root.join("escaped.txt").exists() && !d.root.parent().unwrap().join("escaped.txt").exists());
    assert!(!Path::new("/tmp/scalelite-absolute.txt").exists());
    // A second scan does not loop on them.
    assert_eq!(app.state.recordings.send(ImportNow).await.unwrap(), 0);
    app.stop().await;
}

async fn publishes_updates_and_deletes(backend: Backend) {
    let d = dirs();
    let app = app(backend, &d, &[]).await;
    write_tar(&d.spool.join(format!("{ID}.tar")), &recording_files());
    app.state.recordings.send(ImportNow).await.unwrap();
    let key = |reply: &common::Reply| reply.xml("messageKey");

    let unpublish = app.bbb("publishRecordings", &[("recordID", ID), ("publish", "false")]).await;
    assert_eq!(unpublish.xml("published").as_deref(), Some("false"), "{}", unpublish.body);
    assert!(d.files.exists(&format!("unpublished/presentation/{ID}/metadata.xml")));
    assert!(d.files.exists(&format!("unpublished/video/{ID}/video-0.m4v")));
    assert!(!d.files.exists(&format!("published/presentation/{ID}")));
    let listed = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert!(listed.body.contains("<published>false</published><state>unpublished</state>"), "{}", listed.body);
    // A re-import keeps the publication changed through the API.
    write_tar(&d.spool.join(format!("{ID}.tar")), &recording_files());
    app.state.recordings.send(ImportNow).await.unwrap();
    assert!(d.files.exists(&format!("unpublished/presentation/{ID}/metadata.xml")));
    assert!(!d.files.exists(&format!("published/presentation/{ID}")));
    let publish = app.bbb("publishRecordings", &[("recordID", ID), ("publish", "TRUE")]).await;
    assert_eq!(publish.xml("published").as_deref(), Some("true"));
    assert!(d.files.exists(&format!("published/presentation/{ID}/metadata.xml")));

    let update =
        app.bbb("updateRecordings", &[("recordID", ID), ("meta_Course", "Physics"), ("meta_gl-listed", "")]).await;
    assert_eq!(update.xml("updated").as_deref(), Some("true"), "{}", update.body);
    let listed = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert!(listed.body.contains("<course>Physics</course>") && !listed.body.contains("gl-listed"), "{}", listed.body);
    let filtered = app.bbb("getRecordings", &[("meta_course", "Physics")]).await;
    assert!(filtered.body.contains(ID));
    let unknown = app.bbb("updateRecordings", &[("recordID", &format!("{ID},nope")), ("meta_x", "y")]).await;
    assert_eq!(unknown.xml("updated").as_deref(), Some("false"), "an unknown ID changes nothing");

    assert_eq!(
        key(&app.bbb("publishRecordings", &[("publish", "true")]).await).as_deref(),
        Some("missingParamRecordID")
    );
    assert_eq!(key(&app.bbb("publishRecordings", &[("recordID", ID)]).await).as_deref(), Some("missingParamPublish"));
    let unknown_publish = app.bbb("publishRecordings", &[("recordID", "nope"), ("publish", "true")]).await;
    assert_eq!(key(&unknown_publish).as_deref(), Some("notFound"));
    assert_eq!(key(&app.bbb("deleteRecordings", &[("recordID", "nope")]).await).as_deref(), Some("notFound"));
    assert_eq!(key(&app.bbb("updateRecordings", &[]).await).as_deref(), Some("missingParamRecordID"));

    // A stray unpublished copy goes too: files leave both trees; the row stays, as deleted.
    d.files.put(&format!("unpublished/presentation/{ID}/stray.txt"), b"stray");
    let deleted = app.bbb("deleteRecordings", &[("recordID", ID)]).await;
    assert_eq!(deleted.xml("deleted").as_deref(), Some("true"), "{}", deleted.body);
    assert!(
        !d.files.exists(&format!("published/presentation/{ID}")) && !d.files.exists(&format!("published/video/{ID}"))
    );
    assert!(!d.files.exists(&format!("unpublished/presentation/{ID}")));
    assert_eq!(app.bbb("getRecordings", &[("recordID", ID)]).await.xml("messageKey").as_deref(), Some("noRecordings"));
    let gone = app.bbb("getRecordings", &[("recordID", ID), ("state", "deleted")]).await;
    assert!(gone.body.contains("<state>deleted</state>"), "{}", gone.body);
    app.stop().await;
}

async fn deep_metadata_is_refused_and_a_tar_that_stopped_the_importer_is_not_retried_forever(backend: Backend) {
    let d = dirs();
    let app = app(backend, &d, &[]).await;
    let deep = SAMPLE.replace("<meta>", &format!("<meta><x>{}{}</x>", "<a>".repeat(20_000), "</a>".repeat(20_000)));
    write_tar(&d.spool.join("a-deep.tar"), &[file(&format!("presentation/{ID}/metadata.xml"), deep.as_bytes())]);
    // Two imports of this tar were cut off already (the marker the importer writes before each attempt).
    write_tar(&d.spool.join("b-stopped-twice.tar"), &recording_files());
    std::fs::write(d.spool.join("b-stopped-twice.tar.importing"), "2\n").unwrap();
    assert_eq!(app.state.recordings.send(ImportNow).await.unwrap(), 0);
    for (name, reason) in [("a-deep.tar", "deeper than 64"), ("b-stopped-twice.tar", "stopped 2 times")] {
        assert!(d.spool.join("failed").join(name).exists(), "{name} moved to failed/");
        let why = std::fs::read_to_string(d.spool.join("failed").join(format!("{name}.reason"))).unwrap();
        assert!(why.contains(reason), "{name}: {why}");
    }
    assert!(!d.spool.join("b-stopped-twice.tar.importing").exists());
    // Cut off once: tried again, and imported.
    write_tar(&d.spool.join("c-stopped-once.tar"), &recording_files());
    std::fs::write(d.spool.join("c-stopped-once.tar.importing"), "1\n").unwrap();
    assert_eq!(app.state.recordings.send(ImportNow).await.unwrap(), 2);
    assert!(!d.spool.join("c-stopped-once.tar").exists() && !d.spool.join("c-stopped-once.tar.importing").exists());
    app.stop().await;
}

async fn a_broken_format_does_not_lose_the_others(backend: Backend) {
    let d = dirs();
    let app = app(backend, &d, &[]).await;
    let failed_before = scalelite::metrics::METRICS.formats_failed.get();
    let mut files = recording_files();
    let video = files.iter_mut().find(|(name, _)| name == &format!("video/{ID}/metadata.xml")).unwrap();
    video.1.truncate(300);
    write_tar(&d.spool.join(format!("{ID}.tar")), &files);
    assert_eq!(app.state.recordings.send(ImportNow).await.unwrap(), 1);
    assert!(d.files.exists(&format!("published/presentation/{ID}/metadata.xml")));
    let listed = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert!(listed.body.contains("<type>presentation</type>"), "{}", listed.body);
    assert!(!listed.body.contains("<type>video</type>"), "{}", listed.body);
    let kept = d.spool.join("failed").join(format!("{ID}.tar"));
    assert!(kept.exists(), "the tar is kept in failed/");
    let why = std::fs::read_to_string(d.spool.join("failed").join(format!("{ID}.tar.reason"))).unwrap();
    assert!(why.contains(&format!("video/{ID}/metadata.xml")), "{why}");
    assert!(!why.contains("presentation/"), "{why}");
    assert!(scalelite::metrics::METRICS.formats_failed.get() > failed_before);
    app.stop().await;
}

/// Parses a document with Python's expat, which refuses anything that is not well-formed XML 1.0.
fn assert_strict_xml(body: &str) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), body).unwrap();
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])"])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}: {body}", String::from_utf8_lossy(&output.stderr));
}

async fn hostile_metadata_never_breaks_the_xml(backend: Backend) {
    let d = dirs();
    let app = app(backend, &d, &[]).await;
    write_tar(&d.spool.join(format!("{ID}.tar")), &recording_files());
    app.state.recordings.send(ImportNow).await.unwrap();
    for bad in ["a b", "1x", "-x", "x<y", "a:b", "x\"", "x&y", "x>", "x/y", "x\u{1}"] {
        let reply = app.bbb("updateRecordings", &[("recordID", ID), (&format!("meta_{bad}"), "v")]).await;
        assert_eq!(reply.xml("messageKey").as_deref(), Some("invalidMetadataKey"), "{bad:?}: {}", reply.body);
    }
    let hostile = "a\u{1}\u{8}\u{1B}<]]>&'\"\u{FFFE}\u{FFFF}日本\u{7F}z";
    let nul = app.bbb("updateRecordings", &[("recordID", ID), ("meta_name", "a\u{0}b")]).await;
    assert_eq!(nul.xml("messageKey").as_deref(), Some("paramError"), "{}", nul.body);
    let reply =
        app.bbb("updateRecordings", &[("recordID", ID), ("meta_name", hostile), ("meta_x.y-z_", hostile)]).await;
    assert_eq!(reply.xml("updated").as_deref(), Some("true"), "{}", reply.body);
    for filters in [vec![("recordID", ID)], vec![], vec![("meta_name", hostile)], vec![("state", "any")]] {
        let listed = app.bbb("getRecordings", &filters).await;
        assert_strict_xml(&listed.body);
    }
    let listed = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert!(listed.body.contains("<name>a&lt;]]&gt;&amp;&apos;&quot;日本\u{7F}z</name>"), "{}", listed.body);
    assert!(listed.body.contains("<x.y-z_>"), "{}", listed.body);
    app.stop().await;
}

on_both_backends!(
    deep_metadata_is_refused_and_a_tar_that_stopped_the_importer_is_not_retried_forever,
    a_broken_format_does_not_lose_the_others,
    hostile_metadata_never_breaks_the_xml,
    imports_a_tar_once_and_moves_its_files,
    imports_unpublished_when_asked,
    sets_bad_tars_aside_and_goes_on,
    publishes_updates_and_deletes,
    cleans_up_after_interrupted_imports
);
