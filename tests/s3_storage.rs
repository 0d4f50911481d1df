//! Recordings in an S3-compatible bucket (issue 14, point 1), against moto's server started by tests/run.sh: an
//! import uploads every file under Ruby Scalelite's keys with its content type; playback redirects to a
//! pre-signed URL that a fetch follows, or proxies with byte ranges; a bucket that cannot be reached gives clear
//! errors and loses nothing, and a stalled one holds no database connection; `recordings migrate-storage` copies a local library, goes on after an interruption
//! and verifies. The rest of the recordings suite runs against the bucket too (SCALELITE_TEST_STORAGE=s3).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use common::files::{s3_env, Files};
use common::{cli_with, fails, ok, play, send, Backend, TestApp, TestDb};
use scalelite::actors::messages::ImportNow;

const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
const ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";

/// A recording's tar as the post-publish script makes it: a presentation with a slide and a PDF, and a podcast.
fn write_tar(path: &Path) {
    let podcast = SAMPLE.replace("<format>presentation</format>", "<format>podcast</format>");
    let files: [(String, &[u8]); 5] = [
        (format!("presentation/{ID}/metadata.xml"), SAMPLE.as_bytes()),
        (format!("presentation/{ID}/shapes/slide-1.svg"), b"<svg>slide one</svg>"),
        (format!("presentation/{ID}/presentation/deck.pdf"), b"%PDF-1.4"),
        (format!("podcast/{ID}/metadata.xml"), podcast.as_bytes()),
        (format!("podcast/{ID}/audio.ogg"), b"OggS audio"),
    ];
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, content).unwrap();
    }
    builder.finish().unwrap();
}

/// An app whose recordings are in a bucket of its own; the tar imported.
async fn imported(backend: Backend, root: &Path, extra: &[(&str, &str)]) -> (TestApp, Files) {
    let files = Files::bucket(&common::files::bucket_name(root));
    let env = files.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::new(backend).recordings(root).envs(&env).envs(extra).start().await;
    std::fs::create_dir_all(root.join("spool")).unwrap();
    write_tar(&root.join(format!("spool/{ID}.tar")));
    assert_eq!(app.state.recordings.send(ImportNow).await.unwrap(), 2);
    (app, files)
}

async fn imports_to_the_bucket_and_plays_through_pre_signed_urls(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let (app, files) = imported(backend, root.path(), &[]).await;
    let keys = files.list("");
    assert_eq!(
        keys,
        [
            format!("published/podcast/{ID}/audio.ogg"),
            format!("published/podcast/{ID}/metadata.xml"),
            format!("published/presentation/{ID}/metadata.xml"),
            format!("published/presentation/{ID}/presentation/deck.pdf"),
            format!("published/presentation/{ID}/shapes/slide-1.svg"),
        ]
    );
    assert_eq!(files.content_type(&keys[4]).as_deref(), Some("image/svg+xml"));
    assert_eq!(files.content_type(&keys[3]).as_deref(), Some("application/pdf"));
    assert!(!root.path().join("published").exists(), "nothing is kept on the local disk");
    assert!(std::fs::read_dir(root.path().join("spool")).unwrap().next().is_none(), "the tar is gone");

    // A redirect to a short-lived pre-signed URL of the bucket, which a fetch follows.
    let url = app.url(&format!("/presentation/{ID}/shapes/slide-1.svg"));
    let redirect = send(app.client.get(url.as_str()), None).await;
    assert_eq!(redirect.status, 302, "{}", redirect.body);
    let location = redirect.location().to_string();
    assert!(location.starts_with(&common::files::endpoint()), "{location}");
    assert!(location.contains("X-Amz-Signature=") && location.contains("X-Amz-Expires=300"), "{location}");
    let played = play(&app.client, &url).await;
    assert_eq!((played.status, played.body.as_str()), (200, "<svg>slide one</svg>"));
    assert_eq!(played.content_type, "image/svg+xml");
    let pdf = send(app.client.get(location.replace("slide-1.svg", "../presentation/deck.pdf")), None).await;
    assert_ne!(pdf.status, 200, "a pre-signed URL is good for its own object only");
    assert_eq!(play(&app.client, &app.url(&format!("/presentation/{ID}/shapes/none.svg"))).await.status, 404);

    // Unpublished: moved in the bucket, and no longer played.
    let reply = app.bbb("publishRecordings", &[("recordID", ID), ("publish", "false")]).await;
    assert_eq!(reply.xml("published").as_deref(), Some("false"), "{}", reply.body);
    assert!(files.exists(&format!("unpublished/presentation/{ID}/shapes/slide-1.svg")));
    assert!(!files.exists(&format!("published/presentation/{ID}")));
    assert_eq!(play(&app.client, &url).await.status, 404);
    let reply = app.bbb("publishRecordings", &[("recordID", ID), ("publish", "true")]).await;
    assert_eq!(reply.xml("published").as_deref(), Some("true"), "{}", reply.body);
    assert_eq!(play(&app.client, &url).await.status, 200);

    // Deleted: every object of the recording goes.
    let reply = app.bbb("deleteRecordings", &[("recordID", ID)]).await;
    assert_eq!(reply.xml("deleted").as_deref(), Some("true"), "{}", reply.body);
    assert_eq!(files.list(""), Vec::<String>::new());
    app.stop().await;
}

async fn proxies_files_with_byte_ranges(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let (app, _files) = imported(backend, root.path(), &[("S3_PLAYBACK", "proxy")]).await;
    let slide = app.url(&format!("/presentation/{ID}/shapes/slide-1.svg"));
    let whole = send(app.client.get(slide.as_str()), None).await;
    assert_eq!((whole.status, whole.body.as_str()), (200, "<svg>slide one</svg>"));
    assert_eq!(whole.content_type, "image/svg+xml");
    let mut ranged = app.client.get(slide.as_str()).insert_header(("Range", "bytes=5-9")).send().await.unwrap();
    assert_eq!(ranged.status().as_u16(), 206);
    assert_eq!(ranged.headers().get("content-range").unwrap().to_str().unwrap(), "bytes 5-9/20");
    assert_eq!(ranged.body().await.unwrap().as_ref(), b"slide");
    let beyond = app.client.get(slide.as_str()).insert_header(("Range", "bytes=500-")).send().await.unwrap();
    assert_eq!(beyond.status().as_u16(), 416);
    assert_eq!(beyond.headers().get("content-range").unwrap().to_str().unwrap(), "bytes */20");
    let mut audio = app.client.get(app.url(&format!("/podcast/{ID}/audio.ogg"))).send().await.unwrap();
    assert_eq!(audio.status().as_u16(), 200);
    let disposition = audio.headers().get("content-disposition").unwrap().to_str().unwrap().to_string();
    assert_eq!(disposition, "attachment; filename=\"audio.ogg\"");
    assert_eq!(audio.body().await.unwrap().as_ref(), b"OggS audio");
    assert_eq!(send(app.client.get(app.url(&format!("/presentation/{ID}/x.svg"))), None).await.status, 404);
    app.stop().await;
}

/// The sample recording in the index alone, as if its files were in the bucket.
fn index_without_files(app: &TestApp) {
    let meta = scalelite::recordings::metadata::parse(SAMPLE).unwrap();
    let options = scalelite::recordings::importer::ImportOptions {
        tenant_id: "",
        meeting_id: &meta.meeting_id.clone(),
        import_unpublished: false,
        protected: false,
    };
    scalelite::recordings::importer::index(&mut common::connect(&app.db), &meta, &options).unwrap();
}

/// Scalelite with its recordings in a bucket whose endpoint nobody listens on.
async fn with_dead_bucket(backend: Backend, root: &std::path::Path, more: &[(&str, &str)]) -> TestApp {
    let dead = format!("http://127.0.0.1:{}", common::free_port());
    let mut env = s3_env("dead-bucket");
    env.retain(|(k, _)| k != "S3_ENDPOINT");
    env.push(("S3_ENDPOINT".into(), dead));
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.extend_from_slice(more);
    TestApp::new(backend).recordings(root).envs(&env).start().await
}

/// Proxied, a bucket that cannot be reached is a 502 whether or not a range was asked for (a range past the end
/// of a file that is there is the 416 of `proxies_files_with_byte_ranges`).
#[actix_web::test]
async fn a_failing_bucket_is_a_bad_gateway_even_for_a_range() {
    let root = tempfile::tempdir().unwrap();
    let app = with_dead_bucket(Backend::Sqlite, root.path(), &[("S3_PLAYBACK", "proxy")]).await;
    index_without_files(&app);
    let file = app.url(&format!("/presentation/{ID}/metadata.xml"));
    assert_eq!(send(app.client.get(file.as_str()), None).await.status, 502);
    let ranged = send(app.client.get(file.as_str()).insert_header(("Range", "bytes=5-9")), None).await;
    assert_eq!(ranged.status, 502, "{}", ranged.body);
    app.stop().await;
}

/// A bucket that cannot be reached: clear errors (never a 500), and the tar stays in the spool for the next scan.
async fn an_unreachable_bucket_loses_nothing(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = with_dead_bucket(backend, root.path(), &[]).await;
    std::fs::create_dir_all(root.path().join("spool")).unwrap();
    let tar = root.path().join(format!("spool/{ID}.tar"));
    write_tar(&tar);
    assert_eq!(app.state.recordings.send(ImportNow).await.unwrap(), 0);
    assert!(tar.exists(), "the tar waits for the bucket");
    assert!(!root.path().join("spool/failed").exists(), "it is not the tar's fault");
    let listed = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert_eq!(listed.xml("messageKey").as_deref(), Some("noRecordings"), "not indexed without its files");

    index_without_files(&app);
    let played = send(app.client.get(app.url(&format!("/presentation/{ID}/metadata.xml"))), None).await;
    assert_eq!(played.status, 502, "{}", played.body);
    let publish = app.bbb("publishRecordings", &[("recordID", ID), ("publish", "false")]).await;
    assert_eq!(publish.xml("messageKey").as_deref(), Some("internalError"), "{}", publish.body);
    let deleted = app.bbb("deleteRecordings", &[("recordID", ID)]).await;
    assert_eq!(deleted.xml("messageKey").as_deref(), Some("internalError"), "{}", deleted.body);
    let kept = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert!(kept.body.contains("<state>published</state>"), "the index is unchanged: {}", kept.body);
    app.stop().await;
}

/// A bucket endpoint that accepts connections and answers nothing; released, it closes them, and any later one at
/// once, until it is told to stall again.
struct StalledBucket {
    url: String,
    held: Arc<Mutex<Vec<TcpStream>>>,
    released: Arc<AtomicBool>,
}

impl StalledBucket {
    fn start() -> StalledBucket {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (held, released) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
        let (keep, gone) = (held.clone(), released.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if !gone.load(Ordering::SeqCst) {
                    keep.lock().unwrap().push(stream);
                }
            }
        });
        StalledBucket { url, held, released }
    }

    async fn wait_for_a_request(&self) {
        for _ in 0..1000 {
            if !self.held.lock().unwrap().is_empty() {
                return;
            }
            actix_rt::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("no request reached the bucket");
    }

    /// Holds the connections from now on.
    fn stall(&self) {
        self.released.store(false, Ordering::SeqCst);
    }

    fn release(&self) {
        self.released.store(true, Ordering::SeqCst);
        self.held.lock().unwrap().clear();
    }
}

/// A publish or a delete waiting on a stalled bucket holds no database connection: with a pool of one,
/// getRecordings still answers meanwhile; released, the call fails cleanly and the index is unchanged.
async fn a_stalled_bucket_keeps_no_database_connection(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let bucket = StalledBucket::start();
    let mut env = s3_env("stalled-bucket");
    env.retain(|(k, _)| k != "S3_ENDPOINT");
    env.extend([("S3_ENDPOINT".into(), bucket.url.clone()), ("DB_POOL_SIZE".into(), "1".into())]);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = TestApp::new(backend).recordings(root.path()).envs(&env).start().await;
    index_without_files(&app);

    let unpublish = [("recordID", ID), ("publish", "false")];
    for (call, params) in [("publishRecordings", &unpublish[..]), ("deleteRecordings", &unpublish[..1])] {
        bucket.stall();
        let changing = app.bbb(call, params);
        let meanwhile = async {
            bucket.wait_for_a_request().await;
            let listed = app.bbb("getRecordings", &[("recordID", ID)]).await;
            bucket.release();
            listed
        };
        let (changed, listed) = futures_util::future::join(changing, meanwhile).await;
        assert!(listed.body.contains("<returncode>SUCCESS</returncode>"), "{call}: {}", listed.body);
        assert!(listed.body.contains("<state>published</state>"), "{call}: {}", listed.body);
        assert_eq!(changed.xml("messageKey").as_deref(), Some("internalError"), "{call}: {}", changed.body);
    }
    let kept = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert!(kept.body.contains("<state>published</state>"), "the index is unchanged: {}", kept.body);
    app.stop().await;
}

on_both_backends!(
    imports_to_the_bucket_and_plays_through_pre_signed_urls,
    proxies_files_with_byte_ranges,
    an_unreachable_bucket_loses_nothing,
    a_stalled_bucket_keeps_no_database_connection
);

/// `recordings migrate-storage`: a local library (a file large enough for a multipart upload among them) copied,
/// verified by content; a second run copies nothing; an interrupted one goes on; a corrupted object is found.
#[test]
fn migrate_storage_copies_resumes_and_verifies() {
    let db = TestDb::new(Backend::Sqlite);
    let root = tempfile::tempdir().unwrap();
    let local = Files::Local(root.path().to_path_buf());
    local.put(&format!("published/presentation/{ID}/metadata.xml"), SAMPLE.as_bytes());
    local.put(&format!("published/presentation/{ID}/shapes/slide-1.svg"), b"<svg/>");
    local.put("unpublished/video/other-1/video.webm", b"webm");
    let large: Vec<u8> = (0..(17u32 << 20)).map(|i| (i % 251) as u8).collect();
    local.put(&format!("published/video/{ID}/video.mp4"), &large);
    let bucket = Files::bucket(&common::files::bucket_name(root.path()));
    let mut env = common::recordings_env(root.path());
    env.extend(bucket.env());
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    let first = ok(cli_with(&db, &env, &["recordings", "migrate-storage"]));
    assert!(first.contains("0 file(s) already in s3://") && first.contains("copying 4 "), "{first}");
    assert!(first.contains("OK: 4 file(s) verified") && first.contains("sizes and contents"), "{first}");
    assert_eq!(bucket.read(&format!("published/video/{ID}/video.mp4")).unwrap(), large);
    assert_eq!(bucket.read("unpublished/video/other-1/video.webm").unwrap(), b"webm");
    assert_eq!(local.list("").len(), 4, "the local files stay");

    let again = ok(cli_with(&db, &env, &["recordings", "migrate-storage"]));
    assert!(again.contains("4 file(s) already in s3://") && again.contains("copying 0 "), "{again}");

    // Interrupted before the last file: the next run copies just that one.
    local.put("unpublished/video/other-1/extra.txt", b"late");
    let resumed = ok(cli_with(&db, &env, &["recordings", "migrate-storage"]));
    assert!(resumed.contains("4 file(s) already in s3://") && resumed.contains("copying 1 "), "{resumed}");

    // Same size, other bytes: only the content check sees it.
    bucket.put(&format!("published/presentation/{ID}/shapes/slide-1.svg"), b"<svg?>");
    let sizes = ok(cli_with(&db, &env, &["recordings", "migrate-storage", "--verify-only", "--sizes-only"]));
    assert!(sizes.contains("OK: 5 file(s) verified") && sizes.contains("(sizes)"), "{sizes}");
    let found = fails(cli_with(&db, &env, &["recordings", "migrate-storage", "--verify-only"]));
    assert!(found.contains("slide-1.svg: content differs") && found.contains("1 of 5 file(s)"), "{found}");

    let folders: Vec<(&str, &str)> = env.iter().filter(|(k, _)| k.starts_with("RECORDING_")).copied().collect();
    let unset = fails(cli_with(&db, &folders, &["recordings", "migrate-storage"]));
    assert!(unset.contains("S3_RECORDING is not set"), "{unset}");
    let no_bucket = fails(cli_with(&db, &[("S3_RECORDING", "true")], &["recordings", "migrate-storage"]));
    assert!(no_bucket.contains("S3_BUCKET_NAME"), "{no_bucket}");
}
