//! Benchmarks of the meeting API against fake BBB servers (`bash benches/run.sh`, or `cargo bench --bench pool`
//! with `wrk` installed and, for PostgreSQL, SCALELITE_TEST_POSTGRES_URL set).
//!
//! Everything runs as separate processes on loopback: `scalelite serve` (release build, 2 workers), the
//! `fake-bbb` servers, and `wrk -t2`. The reference is a bare actix-web handler answering the same kind of 302
//! (`fake-bbb`'s `/ceiling/…/join`, also 2 workers), measured in the same run, alternating with Scalelite.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{admin_path, database, http, signed, start_fake, start_scalelite, wait_for, Fake};

/// Sends `paths` with `threads` blocking clients; returns how many answers were not SUCCESS.
fn run_all(port: u16, paths: Vec<String>, threads: usize) -> usize {
    let chunks: Vec<Vec<String>> =
        (0..threads).map(|t| paths.iter().skip(t).step_by(threads).cloned().collect()).collect();
    let handles: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            std::thread::spawn(move || {
                chunk.iter().filter(|p| !http("GET", port, p).1.contains("<returncode>SUCCESS</returncode>")).count()
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

fn creates(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| signed("create", &[("name", "Bench"), ("meetingID", &format!("{prefix}-{i}"))])).collect()
}

/// What wrk measured.
#[derive(Debug, Clone, Copy)]
struct Wrk {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    failures: usize,
}

fn millis(text: &str) -> f64 {
    let text = text.trim();
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text, 1.0)
    };
    number.parse::<f64>().unwrap_or(f64::NAN) * factor
}

fn wrk(url: &str, connections: usize, seconds: u64, script: Option<(&str, &str)>) -> Wrk {
    let mut command = Command::new("wrk");
    let threads = connections.min(2);
    command.args([
        &format!("-t{threads}"),
        &format!("-c{connections}"),
        &format!("-d{seconds}s"),
        "--latency",
        "--timeout",
        "10s",
    ]);
    if let Some((lua, paths)) = script {
        command.args(["-s", lua]).env("BENCH_PATHS", paths);
    }
    let output = command.arg(url).output().expect("wrk is installed (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let find = |prefix: &str| text.lines().find_map(|l| l.trim().strip_prefix(prefix).map(str::trim).map(String::from));
    let non_2xx_3xx: usize = find("Non-2xx or 3xx responses:").and_then(|v| v.parse().ok()).unwrap_or(0);
    Wrk {
        rps: find("Requests/sec:").and_then(|v| v.parse().ok()).unwrap_or(0.0),
        p50_ms: find("50%").map(|v| millis(&v)).unwrap_or(f64::NAN),
        p99_ms: find("99%").map(|v| millis(&v)).unwrap_or(f64::NAN),
        failures: non_2xx_3xx + find("failures:").and_then(|v| v.parse().ok()).unwrap_or(0),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn counts(fake: &Fake) -> Vec<usize> {
    let (_, body) = http("GET", fake.port, "/_control/counts");
    let parsed: std::collections::BTreeMap<String, usize> = serde_json::from_str(&body).unwrap();
    parsed.into_values().collect()
}

/// Join (against the ceiling), create rate and the 1,000-create burst, on 20 servers.
fn twenty_servers(backend: &str, report: &mut Vec<String>) {
    let fake = start_fake(20);
    let db = database(backend);
    let pool_size = std::env::var("BENCH_DB_POOL_SIZE").unwrap_or_else(|_| "10".into());
    let app = start_scalelite(&db, &fake, 20, &[("POLL_INTERVAL", "600"), ("DB_POOL_SIZE", &pool_size)]);

    let failed = run_all(app.port, creates("burst", 1000), 16);
    let spread = counts(&fake);
    let (max, min) = (*spread.iter().max().unwrap(), *spread.iter().min().unwrap());
    report.push(format!(
        "{backend:8} burst      1000 creates over 20 servers: max/min per server {max}/{min} = {:.2} ({failed} failed)",
        max as f64 / min.max(1) as f64
    ));

    assert_eq!(http("GET", app.port, &signed("create", &[("name", "J"), ("meetingID", "bench-join")])).0, 200);
    let join = format!(
        "http://127.0.0.1:{}{}",
        app.port,
        signed("join", &[("fullName", "Ada"), ("meetingID", "bench-join"), ("role", "VIEWER")])
    );
    let ceiling = format!("http://127.0.0.1:{}/ceiling/bigbluebutton/api/join", fake.port);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        theirs.push(wrk(&ceiling, 64, 5, None));
        ours.push(wrk(&join, 64, 5, None));
    }
    let ceiling_rps = median(theirs.iter().map(|w| w.rps).collect());
    let join_rps = median(ours.iter().map(|w| w.rps).collect());
    report.push(format!(
        "{backend:8} join       {join_rps:>9.0} req/s vs ceiling {ceiling_rps:.0} req/s = {:.0} %; p99 {:.2} ms (ceiling p99 {:.2} ms); non-3xx {}",
        100.0 * join_rps / ceiling_rps,
        median(ours.iter().map(|w| w.p99_ms).collect()),
        median(theirs.iter().map(|w| w.p99_ms).collect()),
        ours.iter().map(|w| w.failures).sum::<usize>()
    ));

    let paths_file = db.dir.path().join("creates.txt");
    std::fs::write(&paths_file, creates("rate", 300_000).join("\n")).unwrap();
    let lua = format!("{}/benches/create.lua", env!("CARGO_MANIFEST_DIR"));
    let rate = wrk(&format!("http://127.0.0.1:{}/", app.port), 64, 10, Some((&lua, &paths_file.to_string_lossy())));
    report.push(format!(
        "{backend:8} create     {:>9.0} creates/s, p50 {:.2} ms, p99 {:.2} ms, {} not SUCCESS",
        rate.rps, rate.p50_ms, rate.p99_ms, rate.failures
    ));
    drop(app);
}

/// getMeetings over 100 servers × 20 meetings, 10 of them hanging.
fn hundred_servers(backend: &str, report: &mut Vec<String>) {
    let fake = start_fake(100);
    let db = database(backend);
    let env = [("POLL_INTERVAL", "1"), ("RESPONSE_TIMEOUT", "2"), ("CONNECT_TIMEOUT", "1")];
    let app = start_scalelite(&db, &fake, 100, &env);
    let failed = run_all(app.port, creates("list", 2000), 16);
    assert_eq!(failed, 0);
    let list = signed("getMeetings", &[]);
    let url = format!("http://127.0.0.1:{}{list}", app.port);
    let all = wrk(&url, 8, 5, None);
    let shown = http("GET", app.port, &list).1.matches("<meeting>").count();
    for i in 0..10 {
        http("POST", fake.port, &format!("/_control/bbb{i}/hang"));
    }
    let started = Instant::now();
    let first = http("GET", app.port, &list).1.matches("<meeting>").count();
    let first_wait = started.elapsed();
    wait_for("the hanging servers to go offline", Duration::from_secs(60), || {
        let (_, body) = http("GET", app.port, &admin_path("getServers"));
        body.matches("\"online\":\"offline\"").count() == 10
    });
    let hanging = wrk(&url, 8, 10, None);
    let single = wrk(&url, 1, 10, None);
    let after = http("GET", app.port, &list).1.matches("<meeting>").count();
    report.push(format!(
        "{backend:8} getMeetings 100 servers: all up p50 {:.1} ms ({shown} meetings, {:.0} req/s); 10 hanging: first call {:.0} ms \
         ({first} meetings, RESPONSE_TIMEOUT 2 s); after they are offline, one client: p50 {:.1} ms, p99 {:.1} ms; \
         8 clients: p50 {:.1} ms, p99 {:.1} ms, {:.0} req/s ({after} meetings)",
        all.p50_ms,
        all.rps,
        first_wait.as_secs_f64() * 1000.0,
        single.p50_ms,
        single.p99_ms,
        hanging.p50_ms,
        hanging.p99_ms,
        hanging.rps
    ));
    drop(app);
}

/// Resident memory with 1,000 servers and 10,000 meetings.
fn thousand_servers(backend: &str, report: &mut Vec<String>) {
    let fake = start_fake(1000);
    let db = database(backend);
    let app = start_scalelite(&db, &fake, 1000, &[("POLL_INTERVAL", "10")]);
    let idle = rss_kib(app.proc.0.id());
    let failed = run_all(app.port, creates("mem", 10_000), 16);
    std::thread::sleep(Duration::from_secs(12));
    let full = rss_kib(app.proc.0.id());
    report.push(format!(
        "{backend:8} memory     1000 servers: RSS {:.1} MiB idle, {:.1} MiB with 10000 meetings ({failed} creates failed)",
        idle as f64 / 1024.0,
        full as f64 / 1024.0
    ));
    drop(app);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let wanted = |name: &str| args.is_empty() || args.iter().any(|a| a == name);
    let mut backends = vec!["sqlite"];
    if std::env::var("SCALELITE_TEST_POSTGRES_URL").is_ok() {
        backends.push("postgres");
    } else {
        eprintln!("SCALELITE_TEST_POSTGRES_URL is not set: PostgreSQL is skipped (benches/run.sh starts one)");
    }
    let mut report = Vec::new();
    for backend in backends {
        if wanted("join") || wanted("create") || wanted("burst") {
            twenty_servers(backend, &mut report);
        }
        if wanted("getmeetings") {
            hundred_servers(backend, &mut report);
        }
        if wanted("memory") {
            thousand_servers(backend, &mut report);
        }
    }
    println!("\n== Scalelite benchmark ({} cores) ==", std::thread::available_parallelism().map_or(0, |n| n.get()));
    for line in report {
        println!("{line}");
    }
}
