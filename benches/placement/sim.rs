//! A deterministic placement simulation: scripted creates and joins on a virtual clock, servers polled every
//! N seconds, replayed through Scalelite's balancer (the ledger, the forecast and `choose`) and through two
//! baselines: the policy before the ledger (polled users plus a decaying reservation per young meeting) and a
//! meeting-count balancer. No network, no database, no wall clock.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::Duration;

use scalelite::balancer::forecast;
use scalelite::balancer::ledger::Ledger;
use scalelite::balancer::{choose, Candidate, LoadWeights, MeetingFigures, TagRequest};
use scalelite::config::Config;

/// How Scalelite weighs meetings with its settings' defaults (read from an empty configuration, as at a start
/// with nothing set, so the simulation follows the defaults if they change).
pub fn default_weights() -> LoadWeights {
    Config::load(&HashMap::<String, String>::new()).expect("the defaults are a valid configuration").load_weights()
}

pub struct Server {
    pub id: String,
    pub tag: Option<String>,
    /// When it joins the pool (seconds).
    pub added_at: f64,
}

pub struct Meeting {
    /// The meeting ID, the same for every session of a recurring class (its history's key).
    pub id: String,
    pub created: f64,
    pub ends: f64,
    pub tag: Option<String>,
    pub hint: Option<u32>,
    /// When each user joins, in order.
    pub joins: Vec<f64>,
}

pub struct Scenario {
    pub name: &'static str,
    pub servers: Vec<Server>,
    /// In creation order.
    pub meetings: Vec<Meeting>,
    /// When the busiest server is compared with an even share.
    pub measure_at: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Scalelite's balancer: joins counted at once, forecasts.
    Forecast,
    /// Before the ledger: polled users, and LOAD_MIN_USER_COUNT decaying over the join buffer per young meeting.
    Reservations,
    /// The fewest meetings.
    MeetingCount,
    /// Scalelite's balancer told every meeting's final size at its create (as a size hint).
    Oracle,
}

/// Meeting peaks by meeting ID, as the database keeps them across sessions: the mean of the peaks seen.
pub type History = HashMap<String, (f64, u32)>;

fn users_at(meeting: &Meeting, t: f64) -> u32 {
    if t < meeting.created || t >= meeting.ends {
        return 0;
    }
    meeting.joins.partition_point(|j| *j <= t) as u32
}

/// What the pre-ledger policy knew of a meeting: its participants at the last poll that listed it.
#[derive(Default)]
struct Seen {
    polled: Option<u32>,
}

/// Runs a scenario; returns the busiest server's users over an even share of its pool (servers of the same
/// tag) at `measure_at`, the largest over the pools. History is read at create and written when a meeting ends.
pub fn run(scenario: &Scenario, policy: Policy, poll_interval: f64, seed: u64, history: &mut History) -> f64 {
    let weights = default_weights();
    let grace = (poll_interval * 2.0).max(60.0);
    let mut ledger = Ledger::default();
    let mut placed: HashMap<usize, String> = HashMap::new();
    let mut seen: HashMap<usize, Seen> = HashMap::new();
    let mut polled_once: HashMap<&str, bool> = HashMap::new();
    // Polls of different servers are not in step: each starts at its own phase.
    let mut next_poll: Vec<f64> = scenario
        .servers
        .iter()
        .enumerate()
        .map(|(i, s)| s.added_at + ((seed as f64 * 0.37 + i as f64 * 0.61) % 1.0) * poll_interval)
        .collect();
    let mut peaks: HashMap<usize, u32> = HashMap::new();
    let mut next_meeting = 0;
    let mut join_cursor: Vec<usize> = vec![0; scenario.meetings.len()];
    let mut t = 0.0;
    while t <= scenario.measure_at {
        // Polls that start now.
        for (i, server) in scenario.servers.iter().enumerate() {
            if server.added_at > t || next_poll[i] > t {
                continue;
            }
            next_poll[i] += poll_interval;
            polled_once.insert(&server.id, true);
            let mut listed = Vec::new();
            for (m, host) in &placed {
                let meeting = &scenario.meetings[*m];
                if *host != server.id || t >= meeting.ends {
                    continue;
                }
                let users = users_at(meeting, t);
                let age = Duration::from_secs_f64((t - meeting.created).max(0.0));
                listed.push((meeting.id.clone(), MeetingFigures { participants: users, age, ..Default::default() }));
                seen.entry(*m).or_default().polled = Some(users);
                let peak = peaks.entry(*m).or_default();
                *peak = (*peak).max(users);
            }
            ledger.polled(&server.id, t, t, &listed, grace, &weights);
        }
        // Meetings that end now are written to the history (as the poller does when it forgets them).
        placed.retain(|m, _| {
            let meeting = &scenario.meetings[*m];
            if meeting.ends > t {
                return true;
            }
            if let Some(peak) = peaks.remove(m).filter(|p| *p > 0) {
                let (mean, n) = history.entry(meeting.id.clone()).or_insert((0.0, 0));
                *mean = (*mean * f64::from(*n) + f64::from(peak)) / f64::from(*n + 1);
                *n += 1;
            }
            false
        });
        // Creates of this second.
        while next_meeting < scenario.meetings.len() && scenario.meetings[next_meeting].created <= t {
            let m = next_meeting;
            next_meeting += 1;
            let meeting = &scenario.meetings[m];
            let open: Vec<&Server> = scenario
                .servers
                .iter()
                .filter(|s| s.added_at <= t && polled_once.contains_key(s.id.as_str()))
                .collect();
            let loads = ledger.servers(t, &weights);
            let load_of = |server: &Server| -> f64 {
                match policy {
                    Policy::Forecast | Policy::Oracle => loads.get(server.id.as_str()).map_or(0.0, |l| l.load),
                    Policy::MeetingCount => placed.values().filter(|h| **h == server.id).count() as f64,
                    Policy::Reservations => placed
                        .iter()
                        .filter(|(_, h)| **h == server.id)
                        .map(|(m, _)| {
                            let age = t - scenario.meetings[*m].created;
                            let buffer = weights.join_buffer.as_secs_f64();
                            let reserved = weights.min_users * (1.0 - age / buffer).max(0.0);
                            match seen.get(m).and_then(|s| s.polled) {
                                Some(users) => f64::from(users).max(reserved),
                                None => reserved,
                            }
                        })
                        .sum(),
                }
            };
            let candidates: Vec<Candidate<'_>> =
                open.iter().map(|s| Candidate { id: &s.id, tag: s.tag.as_deref(), load: load_of(s) }).collect();
            let request = TagRequest::parse(meeting.tag.as_deref().map(|t| format!("{t}!")).as_deref());
            let Ok(chosen) = choose(&candidates, &request) else { continue };
            let chosen = chosen.to_string();
            let hint = if policy == Policy::Oracle { Some(meeting.joins.len() as u32) } else { meeting.hint };
            let prior = forecast::prior(&weights, hint, history.get(&meeting.id).map(|(mean, _)| *mean));
            ledger.place(meeting.id.clone(), chosen.clone(), t, prior, &weights);
            placed.insert(m, chosen);
        }
        // Joins of this second, each counted at once where its meeting lives.
        for (m, host) in &placed {
            let meeting = &scenario.meetings[*m];
            let cursor = &mut join_cursor[*m];
            while *cursor < meeting.joins.len() && meeting.joins[*cursor] <= t {
                ledger.joined(&meeting.id, host, meeting.joins[*cursor], 1, &weights);
                *cursor += 1;
            }
        }
        t += 1.0;
    }
    busiest_over_even(scenario, &placed, scenario.measure_at)
}

fn busiest_over_even(scenario: &Scenario, placed: &HashMap<usize, String>, t: f64) -> f64 {
    let mut users: HashMap<&str, u32> = scenario.servers.iter().map(|s| (s.id.as_str(), 0)).collect();
    for (m, host) in placed {
        *users.entry(host.as_str()).or_default() += users_at(&scenario.meetings[*m], t);
    }
    let mut worst: f64 = 0.0;
    let mut pools: HashMap<Option<&str>, Vec<u32>> = HashMap::new();
    for server in scenario.servers.iter().filter(|s| s.added_at <= t) {
        pools.entry(server.tag.as_deref()).or_default().push(users[server.id.as_str()]);
    }
    for loads in pools.values() {
        let total: u32 = loads.iter().sum();
        if total == 0 {
            continue;
        }
        let even = f64::from(total) / loads.len() as f64;
        worst = worst.max(f64::from(*loads.iter().max().unwrap_or(&0)) / even);
    }
    worst
}
