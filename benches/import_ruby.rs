//! Benchmark of `scalelite import-ruby` (`bash benches/run.sh import-ruby`): a Ruby Scalelite deployment with
//! 100,000 recordings (SCALELITE_BENCH_RECORDINGS to change), each with 5 metadata rows, a presentation format
//! and 3 thumbnails, in a PostgreSQL database with Ruby's schema, and 50 servers, 100 tenants and 1,000 running
//! meetings in a `redis-server`. For each of our backends it times, as whole commands of the release binary:
//! a dry run (reads and compares everything, writes nothing: the reference), the import, and a second import
//! (nothing left to do).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{database, free_port, wait_for, Proc};
use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};

const RUBY_SCHEMA: &str = include_str!("../tests/fixtures/ruby_schema.sql");

fn start_redis() -> (Proc, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (apt-get install redis-server)");
    let url = format!("redis://127.0.0.1:{port}/0");
    let client = redis::Client::open(url.as_str()).unwrap();
    wait_for("redis-server", Duration::from_secs(20), || client.get_connection().is_ok());
    (Proc(child), url, dir)
}

fn fill_redis(url: &str) {
    let mut conn = redis::Client::open(url).unwrap().get_connection().unwrap();
    let mut pipe = redis::pipe();
    for s in 0..50 {
        let id = format!("bbb{s}");
        pipe.cmd("HSET")
            .arg(format!("scalelite:server:{id}"))
            .arg("url")
            .arg(format!("https://{id}.example.com/bigbluebutton/api"))
            .arg("secret")
            .arg(format!("secret-{s}"))
            .arg("state")
            .arg("enabled")
            .arg("online")
            .arg("true")
            .arg("load_multiplier")
            .arg("1.0");
        pipe.cmd("SADD").arg("scalelite:servers").arg(&id);
    }
    for t in 0..100 {
        let id = format!("00000000-0000-4000-8000-{t:012}");
        pipe.cmd("HSET")
            .arg(format!("scalelite:tenant:{id}"))
            .arg("name")
            .arg(format!("t{t}"))
            .arg("secrets")
            .arg(format!("s{t}"));
        pipe.cmd("SADD").arg("scalelite:tenants").arg(&id);
        pipe.cmd("HSET").arg(format!("scalelite:tenant_name:t{t}")).arg("id").arg(&id);
    }
    for m in 0..1000 {
        pipe.cmd("HSET")
            .arg(format!("scalelite:meeting:meeting-{m}"))
            .arg("server_id")
            .arg(format!("bbb{}", m % 50))
            .arg("moderator_pw")
            .arg("mp")
            .arg("voice_bridge")
            .arg(format!("{}", 100_000_000 + m))
            .arg("tenant_id")
            .arg("");
        pipe.cmd("SADD").arg("scalelite:meetings").arg(format!("meeting-{m}"));
    }
    pipe.query::<()>(&mut conn).unwrap();
}

fn ruby_database(recordings: i64) -> String {
    let admin = std::env::var("SCALELITE_TEST_POSTGRES_URL").expect("SCALELITE_TEST_POSTGRES_URL");
    let name = format!("bench_ruby_{}", uuid::Uuid::new_v4().simple());
    let mut conn = diesel::PgConnection::establish(&admin).unwrap();
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    let url = url.to_string();
    let mut ruby = diesel::PgConnection::establish(&url).unwrap();
    ruby.batch_execute(RUBY_SCHEMA).unwrap();
    ruby.batch_execute(&format!(
        "INSERT INTO recordings (record_id, meeting_id, name, published, participants, state, starttime, endtime)
           SELECT 'rec-' || g, 'meeting-' || (g % 20000), 'Recording ' || g, g % 4 <> 0, g % 40,
                  CASE WHEN g % 4 = 0 THEN 'unpublished' ELSE 'published' END,
                  timestamp '2024-01-01' + g * interval '1 minute',
                  timestamp '2024-01-01' + g * interval '1 minute' + interval '45 minutes'
           FROM generate_series(1, {recordings}) g;
         INSERT INTO metadata (recording_id, key, value)
           SELECT r.id, k.key, k.key || '-' || (r.id % 100) FROM recordings r
           CROSS JOIN (VALUES ('gl-listed'), ('bbb-context'), ('bbb-origin'), ('bbb-origin-version'), ('isBreakout')) k(key);
         INSERT INTO playback_formats (recording_id, format, url, length)
           SELECT id, 'presentation', '/playback/presentation/2.3/rec-' || id, 45 FROM recordings;
         INSERT INTO thumbnails (playback_format_id, width, height, alt, url, sequence)
           SELECT f.id, 176, 136, 'slide ' || s, '/presentation/rec-' || f.recording_id || '/thumb-' || s || '.png', s
           FROM playback_formats f CROSS JOIN generate_series(0, 2) s;
         ANALYZE;"
    ))
    .unwrap();
    url
}

/// Runs the import; returns the seconds it took and its output.
fn import(db_url: &str, redis: &str, ruby: &str, dry_run: bool) -> (f64, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scalelite"));
    command.env_clear().env("DATABASE_URL", db_url).args([
        "import-ruby",
        "--redis-url",
        redis,
        "--ruby-database-url",
        ruby,
    ]);
    if dry_run {
        command.arg("--dry-run");
    }
    let started = Instant::now();
    let output = command.output().unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{text}\n{}", String::from_utf8_lossy(&output.stderr));
    (seconds, text)
}

fn recordings_row(summary: &str) -> &str {
    summary.lines().find(|l| l.starts_with("recordings ")).unwrap_or("")
}

fn main() {
    let recordings: i64 =
        std::env::var("SCALELITE_BENCH_RECORDINGS").ok().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let (_redis, redis_url, _redis_dir) = start_redis();
    fill_redis(&redis_url);
    let started = Instant::now();
    let ruby = ruby_database(recordings);
    println!("Ruby database with {recordings} recordings made in {:.1} s", started.elapsed().as_secs_f64());
    println!("| backend | dry run (reference) | import | second import | import / dry run |");
    println!("|---|---|---|---|---|");
    for backend in ["sqlite", "postgres"] {
        let db = database(backend);
        let (dry, _) = import(&db.url, &redis_url, &ruby, true);
        let (first, summary) = import(&db.url, &redis_url, &ruby, false);
        let (second, again) = import(&db.url, &redis_url, &ruby, false);
        assert!(again.contains("Nothing changed"), "{again}");
        println!("| {backend} | {dry:.1} s | {first:.1} s | {second:.1} s | {:.2} |", first / dry);
        eprintln!("{backend}: {}", recordings_row(&summary));
    }
}
