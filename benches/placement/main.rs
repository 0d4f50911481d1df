//! The placement simulation (`cargo bench --bench placement`): every scenario over 20 seeds at poll intervals
//! of 5 s and 60 s, for Scalelite's balancer and two baselines; prints the median of the busiest server's
//! users over an even share, as a Markdown table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod scenarios;
mod sim;

use sim::{History, Policy, Scenario};

const SEEDS: u64 = 20;
const POLICIES: [(Policy, &str); 4] = [
    (Policy::Forecast, "Scalelite"),
    (Policy::Reservations, "before (reservations)"),
    (Policy::MeetingCount, "meeting count"),
    (Policy::Oracle, "oracle (sizes known)"),
];

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn ratios(policy: Policy, poll: f64, scenario: &dyn Fn(u64) -> Scenario) -> f64 {
    median((0..SEEDS).map(|seed| sim::run(&scenario(seed), policy, poll, seed, &mut History::new())).collect())
}

/// A scenario's median ratio for a policy and a poll interval.
type Run = Box<dyn Fn(Policy, f64) -> f64>;

fn main() {
    let scenarios: Vec<(&str, Run)> = vec![
        ("classes of mixed sizes, 5 s apart", Box::new(|p, poll| ratios(p, poll, &|s| scenarios::classes(s, false)))),
        ("the same, with size hints", Box::new(|p, poll| ratios(p, poll, &|s| scenarios::classes(s, true)))),
        ("morning rush of 200 meetings", Box::new(|p, poll| ratios(p, poll, &scenarios::morning_rush))),
        (
            "recurring classes, day 5 of a week",
            Box::new(|p, poll| median((0..SEEDS).map(|s| scenarios::recurring_week(s, p, poll)).collect())),
        ),
        ("server added mid-day", Box::new(|p, poll| ratios(p, poll, &scenarios::server_added))),
        ("tagged pools", Box::new(|p, poll| ratios(p, poll, &scenarios::tagged_pools))),
    ];
    println!("Busiest server's users over an even share (median of {SEEDS} seeds; 1.00 is perfect)\n");
    print!("| scenario | poll |");
    for (_, name) in POLICIES {
        print!(" {name} |");
    }
    println!("\n|---|---|{}", "---|".repeat(POLICIES.len()));
    for (name, run) in &scenarios {
        for poll in [5.0, 60.0] {
            print!("| {name} | {poll} s |");
            for (policy, _) in POLICIES {
                print!(" {:.2} |", run(policy, poll));
            }
            println!();
        }
    }
}
