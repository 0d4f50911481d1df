//! The placement simulation (`cargo bench --bench placement`): every scenario over 20 seeds at poll intervals
//! of 5 s and 60 s, for Scalelite's balancer and two baselines; prints the median of the busiest server's
//! users over an even share, as a Markdown table.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bound;
mod scenarios;
mod sim;

use bound::{Knowledge, Pool};
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
    print_table(&scenarios);
    print_bounds();
}

fn print_table(scenarios: &[(&str, Run)]) {
    println!("Busiest server's users over an even share (median of {SEEDS} seeds; 1.00 is perfect)\n");
    print!("| scenario | poll |");
    for (_, name) in POLICIES {
        print!(" {name} |");
    }
    println!("\n|---|---|{}", "---|".repeat(POLICIES.len()));
    for (name, run) in scenarios {
        for poll in [5.0, 60.0] {
            print!("| {name} | {poll} s |");
            for (policy, _) in POLICIES {
                print!(" {:.2} |", run(policy, poll));
            }
            println!();
        }
    }
}

/// The same measure with the clock left out, for balancers that know more than any real one (`bound.rs`).
fn print_bounds() {
    let class = |servers, meetings| Pool { servers, meetings, size: scenarios::class_size };
    let cases: [(&str, Vec<Pool>); 4] = [
        ("24 classes of 10–60 on 4 servers", vec![class(4, 24)]),
        (
            "morning rush: 200 meetings on 10 servers",
            vec![Pool { servers: 10, meetings: 200, size: scenarios::rush_size }],
        ),
        ("recurring: 40 classes on 6 servers", vec![class(6, 40)]),
        ("tagged pools: 24 classes on 3, 12 on 2", vec![class(3, 24), class(2, 12)]),
    ];
    println!("\nThe same on final sizes, clock left out, for balancers that know more (median of {SEEDS} seeds)\n");
    println!("| meetings | greedy, earlier sizes known | planner, blind | planner, sighted |");
    println!("|---|---|---|---|");
    for (name, pools) in &cases {
        print!("| {name} |");
        for knowledge in [Knowledge::Earlier, Knowledge::Blind, Knowledge::Sighted] {
            print!(" {:.3} |", median((0..SEEDS).map(|seed| bound::run(pools, knowledge, seed)).collect()));
        }
        println!();
    }
}
