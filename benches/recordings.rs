//! Benchmark of the recordings index (`bash benches/run.sh recordings`, or `cargo bench --bench recordings`
//! with SCALELITE_TEST_POSTGRES_URL set for PostgreSQL).
//!
//! For each backend: loads 1,000,000 synthetic recordings (SCALELITE_BENCH_RECORDINGS to change), each with
//! 10 metadata rows, a presentation format and 3 thumbnails, into a freshly migrated database; starts
//! `scalelite serve` (release build) on it; then measures, one request at a time over loopback, the latency
//! of getRecordings by meetingID, by recordID prefix, and pages of 100 (any of the first 100 pages) with a
//! narrow `meta_` filter, a half-matching and an all-matching one, `state=unpublished` and no filter (and, for
//! information, a page a quarter to half way through), against the API index (no database) as the reference;
//! the first count of a wide value (which makes its kept count), the database's size; and finally the import
//! rate of 1,000 small recording tars dropped into the spool at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{database, free_port, http, recording_tars, signed, tars_in, wait_for, Proc, SECRET};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use rand::Rng;

const IMPORTS: usize = 1000;
const MEETINGS: i64 = 100_000;
const COURSES: i64 = 1000;

/// The synthetic data, in SQL both backends run: recording `i` belongs to meeting `i % 100000` and course
/// `i % 1000`; one in ten is unpublished. `{n}` is the count, `{id}` a 40-hex-digit random expression.
const LOAD_SQL: &str = "
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})
INSERT INTO recordings (record_id, tenant_id, meeting_id, bbb_meeting_id, name, is_breakout, published, protected,
    publish_updated, state, start_time, end_time, participants, raw_size, breakout_rooms, updated_at)
SELECT {id} || '-' || (1600000000000 + i * 1000), '', 'meeting-' || (i % {meetings}), 'meeting-' || (i % {meetings}),
    'Recording ' || i, false, (i % 10 <> 0), false, false,
    CASE WHEN i % 10 = 0 THEN 'unpublished' ELSE 'published' END,
    1600000000000 + i * 1000, 1600000000000 + i * 1000 + 3600000, i % 50, 1000000 + i, '', 0
FROM s;
INSERT INTO recording_metadata (record_id, key, value)
SELECT r.record_id, k.key, CASE k.key
        WHEN 'bbb-context-id' THEN 'course-' || (r.n % {courses})
        WHEN 'gl-listed' THEN CASE WHEN r.n % 2 = 0 THEN 'true' ELSE 'false' END
        WHEN 'bbb-origin' THEN 'Moodle'
        WHEN 'meetingName' THEN 'Meeting ' || (r.n % {meetings})
        ELSE k.key || '-' || r.n END
FROM (SELECT record_id, (start_time - 1600000000000) / 1000 AS n FROM recordings) r
CROSS JOIN (SELECT 'bbb-context-id' AS key UNION ALL SELECT 'bbb-origin' UNION ALL SELECT 'bbb-origin-version'
    UNION ALL SELECT 'bbb-origin-server-name' UNION ALL SELECT 'bbb-recording-name'
    UNION ALL SELECT 'bbb-recording-description' UNION ALL SELECT 'gl-listed' UNION ALL SELECT 'isBreakout'
    UNION ALL SELECT 'meetingName' UNION ALL SELECT 'meetingId') k;
INSERT INTO playback_formats (record_id, format, url, length, processing_time, size)
SELECT record_id, 'presentation', '/playback/presentation/2.3/' || record_id, 60, 1000, 500000 FROM recordings;
INSERT INTO thumbnails (record_id, format, sequence, width, height, alt, url)
SELECT f.record_id, 'presentation', t.seq, 176, 136, 'Slide ' || t.seq,
    '/presentation/' || f.record_id || '/thumbnails/thumb-' || t.seq || '.png'
FROM playback_formats f CROSS JOIN (SELECT 1 AS seq UNION ALL SELECT 2 UNION ALL SELECT 3) t;
";

fn scalelite_command(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scalelite"));
    command.env_clear().env("DATABASE_URL", url).env("RUST_LOG", "error");
    command
}

/// Migrates the database, then fills it; returns how long the filling took and the database's size then (MB).
fn load(backend: &str, url: &str, n: i64) -> (Duration, f64) {
    let migrated = scalelite_command(url).args(["db", "migrate"]).output().unwrap();
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    let id = if backend == "sqlite" {
        "lower(hex(randomblob(20)))"
    } else {
        "md5(i::text) || substr(md5((i + 7)::text), 1, 8)"
    };
    let sql = LOAD_SQL
        .replace("{n}", &n.to_string())
        .replace("{id}", id)
        .replace("{meetings}", &MEETINGS.to_string())
        .replace("{courses}", &COURSES.to_string());
    let started = Instant::now();
    if backend == "sqlite" {
        let path = url.strip_prefix("sqlite://").unwrap();
        let mut conn = diesel::SqliteConnection::establish(path).unwrap();
        conn.batch_execute(&format!("BEGIN; {sql} COMMIT;")).unwrap();
        let took = started.elapsed();
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        (took, std::fs::metadata(path).unwrap().len() as f64 / 1e6)
    } else {
        let mut conn = diesel::PgConnection::establish(url).unwrap();
        conn.batch_execute(&format!("BEGIN; {sql} COMMIT;")).unwrap();
        let took = started.elapsed();
        conn.batch_execute("VACUUM ANALYZE").unwrap();
        #[derive(diesel::QueryableByName)]
        struct Size {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            bytes: i64,
        }
        let size: Size = diesel::RunQueryDsl::get_result(
            diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes"),
            &mut conn,
        )
        .unwrap();
        (took, size.bytes as f64 / 1e6)
    }
}

struct Server {
    port: u16,
    spool: std::path::PathBuf,
    _proc: Proc,
}

fn start(url: &str, root: &Path) -> Server {
    let port = free_port();
    let folder = |name: &str| {
        let path = root.join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    };
    let spool = folder("spool");
    let child = scalelite_command(url)
        .env("LOADBALANCER_SECRET", SECRET)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("RECORDING_SPOOL_DIR", &spool)
        .env("RECORDING_WORK_DIR", folder("work"))
        .env("RECORDING_PUBLISH_DIR", folder("published"))
        .env("RECORDING_UNPUBLISH_DIR", folder("unpublished"))
        .env("RECORDING_IMPORT_POLL_INTERVAL", "0.1")
        .stdout(Stdio::null())
        .arg("serve")
        .spawn()
        .unwrap();
    let server = Server { port, spool, _proc: Proc(child) };
    wait_for("scalelite", Duration::from_secs(60), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok() && http("GET", port, "/health_check").0 == 200
    });
    server
}

/// Latencies of the paths, one request at a time; each answer is checked by `check`. Returns (p50, p99) in ms.
fn latencies(port: u16, paths: &[String], check: impl Fn(&str) -> bool) -> (f64, f64) {
    let mut times: Vec<f64> = Vec::with_capacity(paths.len());
    for path in paths {
        let started = Instant::now();
        let (status, body) = http("GET", port, path);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert!(status == 200 && check(&body), "{path}: {status} {}", &body[..body.len().min(400)]);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.50), at(0.99))
}

fn count(body: &str, tag: &str) -> usize {
    body.matches(&format!("<{tag}>")).count()
}

fn total(body: &str) -> Option<i64> {
    let start = body.find("<totalElements>")? + "<totalElements>".len();
    body[start..].split('<').next()?.parse().ok()
}

fn bench(backend: &str, n: i64, report: &mut Vec<String>) {
    let db = database(backend);
    eprintln!("{backend}: loading {n} recordings…");
    let (loaded, size) = load(backend, &db.url, n);
    report.push(format!(
        "{backend}: loaded {n} recordings (10 metadata rows, 1 format, 3 thumbnails each) in {:.0} s; database \
         {size:.0} MB",
        loaded.as_secs_f64()
    ));
    let server = start(&db.url, db.dir.path());
    let port = server.port;
    let mut rng = rand::rng();
    let requests = 1000;

    // Real record IDs, from the API itself (10 meetings' worth per call).
    let mut ids: Vec<String> = Vec::new();
    while ids.len() < requests {
        let meeting = format!("meeting-{}", rng.random_range(0..MEETINGS.min(n)));
        let (_, body) = http("GET", port, &signed("getRecordings", &[("meetingID", &meeting)]));
        for part in body.split("<recordID>").skip(1) {
            ids.push(part.split('<').next().unwrap().to_string());
        }
    }

    let index: Vec<String> = (0..requests).map(|_| "/bigbluebutton/api".to_string()).collect();
    let by_meeting: Vec<String> = (0..requests)
        .map(|_| {
            signed("getRecordings", &[("meetingID", &format!("meeting-{}", rng.random_range(0..MEETINGS.min(n))))])
        })
        .collect();
    let by_prefix: Vec<String> =
        ids.iter().take(requests).map(|id| signed("getRecordings", &[("recordID", &id[..16])])).collect();
    let meta_page: Vec<String> = (0..requests)
        .map(|_| {
            let course = format!("course-{}", rng.random_range(0..COURSES));
            let offset = (rng.random_range(0..(n / COURSES / 100).clamp(1, 10)) * 100).to_string();
            signed("getRecordings", &[("meta_bbb-context-id", &course), ("offset", &offset), ("limit", "100")])
        })
        .collect();
    // Pages of 100 at offsets 0 to 9,900 (the first hundred pages), with one filter or none.
    let pages = |params: &[(&str, &str)], rng: &mut rand::rngs::ThreadRng| -> Vec<String> {
        (0..200)
            .map(|_| {
                let offset = (rng.random_range(0..100) * 100).to_string();
                let mut all = params.to_vec();
                all.extend([("offset", offset.as_str()), ("limit", "100")]);
                signed("getRecordings", &all)
            })
            .collect()
    };
    let wide = [("meta_gl-listed", "true")];
    let everyone = [("meta_bbb-origin", "Moodle")];
    let unpublished = [("state", "unpublished")];
    let (wide_page, everyone_page, unpublished_page, first_page) =
        (pages(&wide, &mut rng), pages(&everyone, &mut rng), pages(&unpublished, &mut rng), pages(&[], &mut rng));
    let deep_page: Vec<String> = (0..20)
        .map(|_| {
            let offset = (rng.random_range(n / 4..n / 2) / 100 * 100).to_string();
            signed("getRecordings", &[("offset", &offset), ("limit", "100")])
        })
        .collect();

    // The first count of a wide value makes its kept count (once per value and state, ever): timed on its own.
    let mut first = Vec::new();
    for (name, params) in [("meta_gl-listed=true", &wide), ("meta_bbb-origin=Moodle", &everyone)] {
        let started = Instant::now();
        let (status, body) = http("GET", port, &signed("getRecordings", &[params[0], ("limit", "1")]));
        assert_eq!(status, 200, "{body}");
        first.push(format!("{name} {:.0} ms", started.elapsed().as_secs_f64() * 1000.0));
    }
    report.push(format!("{backend}: first count of a wide value (makes its kept count): {}", first.join(", ")));

    let per_meeting = (n / MEETINGS).max(1) as usize;
    let per_course = n / COURSES;
    let rows = [
        ("API index (reference, no database)", latencies(port, &index, |b| b.contains("SUCCESS"))),
        (
            "getRecordings meetingID=<one of 100k>",
            latencies(port, &by_meeting, |b| count(b, "recording") >= per_meeting),
        ),
        ("getRecordings recordID=<16-char prefix>", latencies(port, &by_prefix, |b| count(b, "recording") == 1)),
        (
            "getRecordings meta_bbb-context-id=<one of 1000>&limit=100 (1000 matches)",
            latencies(port, &meta_page, |b| {
                count(b, "recording") == 100.min(per_course as usize) && total(b) == Some(per_course)
            }),
        ),
        (
            "getRecordings meta_gl-listed=true, pages 1-100 of 100 (half of all match)",
            latencies(port, &wide_page, |b| count(b, "recording") == 100 && total(b) == Some(n / 2)),
        ),
        (
            "getRecordings meta_bbb-origin=Moodle, pages 1-100 of 100 (all match)",
            latencies(port, &everyone_page, |b| count(b, "recording") == 100 && total(b) == Some(n)),
        ),
        (
            "getRecordings state=unpublished, pages 1-100 of 100 (a tenth match)",
            latencies(port, &unpublished_page, |b| count(b, "recording") == 100 && total(b) == Some(n / 10)),
        ),
        (
            "getRecordings no filter, pages 1-100 of 100 (all match)",
            latencies(port, &first_page, |b| count(b, "recording") == 100 && total(b) == Some(n)),
        ),
        (
            "(info) no filter, a page between a quarter and half way through",
            latencies(port, &deep_page, |b| count(b, "recording") == 100 && total(b) == Some(n)),
        ),
    ];
    for (what, (p50, p99)) in rows {
        report.push(format!("{backend}: {what}: p50 {p50:.2} ms, p99 {p99:.2} ms"));
    }

    // Import: every tar appears in the spool at once (renamed from a staging folder on the same disk).
    let staging = db.dir.path().join("staging");
    let tars = recording_tars(&staging, IMPORTS, "bench-import");
    let started = Instant::now();
    for tar in &tars {
        std::fs::rename(tar, server.spool.join(tar.file_name().unwrap())).unwrap();
    }
    wait_for("the import", Duration::from_secs(600), || tars_in(&server.spool) == 0);
    let took = started.elapsed().as_secs_f64();
    let (_, body) = http("GET", port, &signed("getRecordings", &[("meetingID", "bench-import"), ("limit", "1")]));
    assert_eq!(total(&body), Some(IMPORTS as i64), "every tar imported: {body}");
    assert_eq!(tars_in(&server.spool.join("failed")), 0);
    report.push(format!(
        "{backend}: import of {IMPORTS} small tars (3 files each) from the spool: {took:.1} s = {:.0} recordings/s",
        IMPORTS as f64 / took
    ));
}

fn main() {
    let n: i64 = std::env::var("SCALELITE_BENCH_RECORDINGS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let mut backends = vec!["sqlite"];
    if std::env::var("SCALELITE_TEST_POSTGRES_URL").is_ok() {
        backends.push("postgres");
    } else {
        eprintln!("SCALELITE_TEST_POSTGRES_URL is not set: PostgreSQL is skipped (benches/run.sh starts one)");
    }
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let mut report = Vec::new();
    for backend in backends {
        if args.is_empty() || args.iter().any(|a| a == backend) {
            bench(backend, n, &mut report);
        }
    }
    println!(
        "\n== Scalelite recordings benchmark ({} cores) ==",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for line in report {
        println!("{line}");
    }
}
