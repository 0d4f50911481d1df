//! What the benchmarks share: child processes, a blocking HTTP client, signed BBB paths, fresh databases.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scalelite::bbb::checksum::{self, Algorithm};
use scalelite::bbb::params::encode_query;
use scalelite::secret::Secret;

pub const SECRET: &str = "bench-secret";

/// A child process, killed when dropped.
pub struct Proc(pub std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A blocking HTTP/1.1 GET or POST; returns the status and the body.
pub fn http(method: &str, port: u16, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

pub fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub fn signed(call: &str, params: &[(&str, &str)]) -> String {
    let query = encode_query(params.iter().copied());
    let sum = checksum::sign(Algorithm::Sha1, call, &query, b"", &Secret::new(SECRET));
    let join = if query.is_empty() { "" } else { "&" };
    format!("/bigbluebutton/api/{call}?{query}{join}checksum={sum}")
}

pub fn admin_path(call: &str) -> String {
    let sum = checksum::sign(Algorithm::Sha256, call, "", b"", &Secret::new(SECRET));
    format!("/scalelite/api/{call}?checksum={sum}")
}

/// A fresh database: an SQLite file, or a new PostgreSQL database.
pub struct Database {
    pub url: String,
    pub dir: tempfile::TempDir,
}

pub fn database(backend: &str) -> Database {
    let dir = tempfile::tempdir().unwrap();
    let url = match backend {
        "sqlite" => format!("sqlite://{}", dir.path().join("bench.sqlite3").display()),
        _ => {
            use diesel::{Connection, RunQueryDsl};
            let admin = std::env::var("SCALELITE_TEST_POSTGRES_URL").expect("SCALELITE_TEST_POSTGRES_URL");
            let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
            let mut conn = diesel::PgConnection::establish(&admin).unwrap();
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).unwrap();
            let mut parsed = url::Url::parse(&admin).unwrap();
            parsed.set_path(&format!("/{name}"));
            parsed.to_string()
        }
    };
    Database { url, dir }
}

/// `fake-bbb` playing servers `bbb0`…, in a process of its own.
pub struct Fake {
    pub port: u16,
    _proc: Proc,
}

pub fn start_fake(servers: usize) -> Fake {
    let port = free_port();
    let child = Command::new(fake_bbb::binary().unwrap())
        .args(["--port", &port.to_string(), "--servers", &servers.to_string(), "--workers", "2"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let fake = Fake { port, _proc: Proc(child) };
    wait_for("fake-bbb", Duration::from_secs(30), || TcpStream::connect(("127.0.0.1", port)).is_ok());
    fake
}

/// `scalelite serve` (release build) in a process of its own.
pub struct Scalelite {
    pub port: u16,
    pub proc: Proc,
}

/// Scalelite on a fresh database, with the fake's servers synced in and online.
pub fn start_scalelite(db: &Database, fake: &Fake, servers: usize, env: &[(&str, &str)]) -> Scalelite {
    let yaml_path = db.dir.path().join("servers.yml");
    let mut yaml = String::from("servers:\n");
    for i in 0..servers {
        yaml.push_str(&format!(
            "  bbb{i}:\n    url: http://127.0.0.1:{}/bbb{i}/bigbluebutton/api\n    secret: secret-{i}\n",
            fake.port
        ));
    }
    std::fs::write(&yaml_path, yaml).unwrap();
    let scalelite = env!("CARGO_BIN_EXE_scalelite");
    let synced = Command::new(scalelite)
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .args(["servers", "sync", &yaml_path.to_string_lossy()])
        .output()
        .unwrap();
    assert!(synced.status.success(), "{}", String::from_utf8_lossy(&synced.stderr));
    let port = free_port();
    let mut command = Command::new(scalelite);
    command
        .env_clear()
        .env("DATABASE_URL", &db.url)
        .env("LOADBALANCER_SECRET", SECRET)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let proc = Proc(command.arg("serve").spawn().unwrap());
    wait_for("scalelite", Duration::from_secs(30), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok() && http("GET", port, "/health_check").0 == 200
    });
    let app = Scalelite { port, proc };
    wait_for("every server online", Duration::from_secs(120), || {
        let (_, body) = http("GET", port, &admin_path("getServers"));
        body.matches("\"online\":\"online\"").count() == servers
    });
    app
}

/// A blocking GET or POST whose answer must be a redirect: its `Location`, if it is one.
pub fn location(method: &str, port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok()?;
    write!(stream, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let head = text.split("\r\n\r\n").next()?;
    if !head.starts_with("HTTP/1.1 302") {
        return None;
    }
    head.lines().find_map(|l| l.strip_prefix("location: ").or_else(|| l.strip_prefix("Location: ")).map(String::from))
}

const SAMPLE: &str = include_str!("../../tests/fixtures/sample-metadata.xml");
const SAMPLE_ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";
const SAMPLE_MEETING: &str = "5bd0e35013bc9761d06f01d4bfd9b4ae1c8df289";

/// `n` small recording tars of one meeting, laid out as `scalelite_post_publish.rb` writes them, in `staging`:
/// a presentation with its `metadata.xml`, `shapes.svg` (1 KiB) and a slide (2 KiB).
pub fn recording_tars(staging: &Path, n: usize, meeting: &str) -> Vec<PathBuf> {
    std::fs::create_dir_all(staging).unwrap();
    (0..n)
        .map(|i| {
            let id = format!("{:040x}-{}", 0xbe9c_u64 * 1_000_003 + i as u64, 1_700_000_000_000u64 + i as u64);
            let xml = SAMPLE.replace(SAMPLE_ID, &id).replace(SAMPLE_MEETING, meeting);
            let path = staging.join(format!("{id}.tar"));
            let mut builder = tar::Builder::new(std::fs::File::create(&path).unwrap());
            let files: [(&str, &[u8]); 3] = [
                ("metadata.xml", xml.as_bytes()),
                ("shapes.svg", &[b'x'; 1024]),
                ("presentation/slide-1.png", &[7u8; 2048]),
            ];
            for (name, data) in files {
                let mut header = tar::Header::new_gnu();
                header.set_size(data.len() as u64);
                header.set_mode(0o644);
                header.set_cksum();
                builder.append_data(&mut header, format!("presentation/{id}/{name}"), data).unwrap();
            }
            builder.finish().unwrap();
            path
        })
        .collect()
}

/// The tars in a folder.
pub fn tars_in(folder: &Path) -> usize {
    std::fs::read_dir(folder)
        .map(|entries| {
            entries.filter_map(Result::ok).filter(|e| e.path().extension().is_some_and(|x| x == "tar")).count()
        })
        .unwrap_or(0)
}
