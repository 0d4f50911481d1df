//! The scenarios of the placement simulation, each from a seed.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::sim::{History, Meeting, Policy, Scenario, Server};

fn servers(n: usize, tag: Option<&str>, prefix: &str) -> Vec<Server> {
    (0..n).map(|i| Server { id: format!("{prefix}{i}"), tag: tag.map(String::from), added_at: 0.0 }).collect()
}

/// Join times of a class: students arrive after the create, most in its first minutes (exponential, mean
/// `mean` seconds), the late ones within ten minutes.
fn arrivals(rng: &mut StdRng, created: f64, size: u32, mean: f64) -> Vec<f64> {
    let mut joins: Vec<f64> = (0..size)
        .map(|_| {
            let u: f64 = rng.random_range(0.0001..1.0);
            created + 2.0 + (-u.ln() * mean).min(600.0)
        })
        .collect();
    joins.sort_by(f64::total_cmp);
    joins
}

/// A class's size: 10 to 60 students.
pub fn class_size(rng: &mut StdRng) -> u32 {
    rng.random_range(10..=60)
}

/// A morning-rush meeting's size: 60 % small (2–8 users), 40 % classes (15–40).
pub fn rush_size(rng: &mut StdRng) -> u32 {
    if rng.random_bool(0.6) {
        rng.random_range(2..=8)
    } else {
        rng.random_range(15..=40)
    }
}

fn class(rng: &mut StdRng, id: String, created: f64, size: u32, hint: bool, tag: Option<&str>) -> Meeting {
    Meeting {
        id,
        created,
        ends: f64::INFINITY,
        tag: tag.map(String::from),
        hint: hint.then_some(size),
        joins: arrivals(rng, created, size, 60.0),
    }
}

/// Classes of 10–60 students created 5 s apart on 4 servers, students arriving over the next minutes.
pub fn classes(seed: u64, hinted: bool) -> Scenario {
    let mut rng = StdRng::seed_from_u64(seed);
    let meetings = (0..24)
        .map(|i| {
            let size = class_size(&mut rng);
            class(&mut rng, format!("class-{i}"), 60.0 + 5.0 * f64::from(i), size, hinted, None)
        })
        .collect();
    let name = if hinted { "classes, size hints" } else { "classes" };
    Scenario { name, servers: servers(4, None, "bbb"), meetings, measure_at: 60.0 + 120.0 + 900.0 }
}

/// A morning rush: 200 meetings within 10 minutes on 10 servers, 60 % small (2–8 users), 40 % classes (15–40).
pub fn morning_rush(seed: u64) -> Scenario {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut created: Vec<f64> = (0..200).map(|_| rng.random_range(0.0..600.0)).collect();
    created.sort_by(f64::total_cmp);
    let meetings = created
        .into_iter()
        .enumerate()
        .map(|(i, at)| {
            let size = rush_size(&mut rng);
            class(&mut rng, format!("m-{i}"), at, size, false, None)
        })
        .collect();
    Scenario { name: "morning rush", servers: servers(10, None, "bbb"), meetings, measure_at: 600.0 + 900.0 }
}

/// The same 40 classes every morning of a week, each within 10 % of its usual size, in another order each day;
/// the fifth day is measured, with the history of the four before.
pub fn recurring_week(seed: u64, policy: Policy, poll_interval: f64) -> f64 {
    let mut rng = StdRng::seed_from_u64(seed);
    let base: Vec<u32> = (0..40).map(|_| class_size(&mut rng)).collect();
    let mut history = History::new();
    let mut last = 0.0;
    for day in 0..5 {
        let mut order: Vec<usize> = (0..40).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let mut created: Vec<f64> = (0..40).map(|_| rng.random_range(0.0..600.0)).collect();
        created.sort_by(f64::total_cmp);
        let meetings = order
            .iter()
            .zip(created)
            .map(|(class_no, at)| {
                let size = (f64::from(base[*class_no]) * rng.random_range(0.9..1.1)).round() as u32;
                let mut meeting = class(&mut rng, format!("class-{class_no}"), at, size, false, None);
                meeting.ends = at + 45.0 * 60.0;
                meeting
            })
            .collect();
        let scenario =
            Scenario { name: "recurring week", servers: servers(6, None, "bbb"), meetings, measure_at: 2700.0 + 60.0 };
        let measure = Scenario { measure_at: 600.0 + 900.0, ..scenario };
        last = super::sim::run(&measure, policy, poll_interval, seed + day, &mut history);
        // The day goes on until every class has ended, writing the history.
        let whole_day = Scenario { measure_at: 600.0 + 2700.0 + 60.0, ..measure };
        super::sim::run(&whole_day, policy, poll_interval, seed + day, &mut history);
    }
    last
}

/// Meetings all day (one every 20 s on average, 45–90 minutes, 5–50 users) on 4 servers; a fifth server joins
/// at 3 h; measured at 4 h 30.
pub fn server_added(seed: u64) -> Scenario {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut servers = servers(4, None, "bbb");
    servers.push(Server { id: "bbb-new".into(), tag: None, added_at: 3.0 * 3600.0 });
    let mut meetings = Vec::new();
    let mut at = 0.0;
    let mut i = 0;
    while at < 4.5 * 3600.0 {
        let u: f64 = rng.random_range(0.0001..1.0);
        at += -u.ln() * 20.0;
        let size = rng.random_range(5..=50);
        let mut meeting = class(&mut rng, format!("m-{i}"), at, size, false, None);
        meeting.ends = at + rng.random_range(45.0..90.0) * 60.0;
        meetings.push(meeting);
        i += 1;
    }
    Scenario { name: "server added mid-day", servers, meetings, measure_at: 4.5 * 3600.0 }
}

/// Two pools: 2 servers tagged `lab` and 3 untagged; 36 classes created 5 s apart, a third of them asking
/// for `lab`.
pub fn tagged_pools(seed: u64) -> Scenario {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut servers = servers(3, None, "bbb");
    servers.extend(self::servers(2, Some("lab"), "lab"));
    let meetings = (0..36)
        .map(|i| {
            let size = class_size(&mut rng);
            let tag = (i % 3 == 0).then_some("lab");
            class(&mut rng, format!("class-{i}"), 60.0 + 5.0 * f64::from(i), size, false, tag)
        })
        .collect();
    Scenario { name: "tagged pools", servers, meetings, measure_at: 60.0 + 180.0 + 900.0 }
}
