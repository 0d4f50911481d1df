//! End-to-end placement of classes (`cargo bench --bench classes`, or `bash benches/run.sh classes`): Scalelite
//! and 4 fake BBB servers as processes on loopback; 24 classes of 10–60 students created 0.5 s apart, each
//! student's join sent to Scalelite and followed to the fake server it names, over the seconds after the
//! class's create (exponential, mean 2 s). At the end, the busiest server's users over an even share, and the
//! joins that failed, at POLL_INTERVAL=60 and =5, over 3 seeds (median; CLASSES_SEEDS=N and
//! CLASSES_POLL_INTERVALS="60 5" change them).
//!
//! The arrivals are compressed into seconds, so `LOAD_ARRIVAL_TIME` is set to their spread (3 s), as an
//! operator sets it to how long their classes' students keep arriving.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{database, http, signed, start_fake, start_scalelite};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const SERVERS: usize = 4;
const CLASSES: u32 = 24;

/// One scripted request: at `at` seconds, a create or a join.
#[derive(Clone)]
enum Event {
    Create { at: f64, class: String },
    Join { at: f64, class: String, student: u32 },
}

impl Event {
    fn at(&self) -> f64 {
        match self {
            Event::Create { at, .. } | Event::Join { at, .. } => *at,
        }
    }
}

fn script(seed: u64) -> Vec<Event> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut events = Vec::new();
    for c in 0..CLASSES {
        let created = 0.5 * f64::from(c);
        let class = format!("class-{seed}-{c}");
        events.push(Event::Create { at: created, class: class.clone() });
        for student in 0..rng.random_range(10..=60) {
            let u: f64 = rng.random_range(0.0001..1.0);
            let at = created + 0.2 + (-u.ln() * 2.0).min(8.0);
            events.push(Event::Join { at, class: class.clone(), student });
        }
    }
    events.sort_by(|a, b| a.at().total_cmp(&b.at()));
    events
}

/// Plays the script with a few client threads, each request at its time; returns the joins that failed.
fn play(port: u16, fake_port: u16, events: Vec<Event>) -> usize {
    let start = Instant::now();
    let events = Arc::new(events);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let events = events.clone();
            std::thread::spawn(move || {
                let mut failed = 0;
                for event in events.iter().skip(t).step_by(8) {
                    let wait = Duration::from_secs_f64(event.at()).saturating_sub(start.elapsed());
                    std::thread::sleep(wait);
                    match event {
                        Event::Create { class, .. } => {
                            let (_, body) =
                                http("GET", port, &signed("create", &[("name", class), ("meetingID", class)]));
                            assert!(body.contains("SUCCESS"), "create {class}: {body}");
                        }
                        Event::Join { class, student, .. } => {
                            let name = format!("Student {student}");
                            let path = signed("join", &[("fullName", &name), ("meetingID", class), ("role", "VIEWER")]);
                            let location = common::location("GET", port, &path);
                            let followed = location.and_then(|url| {
                                let path = url.split_once(&format!("127.0.0.1:{fake_port}"))?.1.to_string();
                                Some(common::location("GET", fake_port, &path).is_some())
                            });
                            if followed != Some(true) {
                                failed += 1;
                            }
                        }
                    }
                }
                failed
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).sum()
}

fn main() {
    let mut lines = Vec::new();
    let polls = std::env::var("CLASSES_POLL_INTERVALS").unwrap_or_else(|_| "60 5".into());
    let seeds: u64 = std::env::var("CLASSES_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    for poll in polls.split_whitespace() {
        let mut ratios = Vec::new();
        let mut failed = 0;
        for seed in 1..=seeds {
            let fake = start_fake(SERVERS);
            let db = database("sqlite");
            let env = [("POLL_INTERVAL", poll), ("LOAD_ARRIVAL_TIME", "3")];
            let app = start_scalelite(&db, &fake, SERVERS, &env);
            failed += play(app.port, fake.port, script(seed));
            let (_, body) = http("GET", fake.port, "/_control/users");
            let users: std::collections::BTreeMap<String, u32> = serde_json::from_str(&body).unwrap();
            let total: u32 = users.values().sum();
            let busiest = *users.values().max().unwrap();
            let ratio = f64::from(busiest) / (f64::from(total) / SERVERS as f64);
            println!(
                "POLL_INTERVAL={poll} seed {seed}: users per server {:?} → {ratio:.3}",
                users.values().collect::<Vec<_>>()
            );
            ratios.push(ratio);
        }
        ratios.sort_by(f64::total_cmp);
        lines.push(format!(
            "POLL_INTERVAL={poll:>2}: busiest server / even share, median of {seeds}: {:.3} (runs {:?}); failed joins {failed}",
            ratios[ratios.len() / 2],
            ratios.iter().map(|r| format!("{r:.3}")).collect::<Vec<_>>()
        ));
    }
    println!("\n== Classes end to end (4 servers, 24 classes 0.5 s apart) ==");
    for line in lines {
        println!("{line}");
    }
}
