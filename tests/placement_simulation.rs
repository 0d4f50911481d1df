//! The placement simulation (`benches/placement/`) as a check, on its cheap scenarios (20 seeds, medians):
//! Scalelite's balancer does at least as well as the policy before it and better than counting meetings, and,
//! told the sizes by hints, as well as the oracle that knows every meeting's size at create; and the bound on
//! final sizes (`bound.rs`) behaves as its table in the README says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../benches/placement/bound.rs"]
mod bound;
#[path = "../benches/placement/scenarios.rs"]
mod scenarios;
#[path = "../benches/placement/sim.rs"]
mod sim;

use sim::{History, Policy, Scenario};

fn median(scenario: &dyn Fn(u64) -> Scenario, policy: Policy, poll: f64) -> f64 {
    let mut ratios: Vec<f64> =
        (0..20).map(|seed| sim::run(&scenario(seed), policy, poll, seed, &mut History::new())).collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

#[test]
fn scalelite_beats_the_former_policy_and_nears_the_oracle() {
    let classes = |seed| scenarios::classes(seed, false);
    let scenarios: [(&str, &dyn Fn(u64) -> Scenario); 2] =
        [("classes", &classes), ("tagged pools", &scenarios::tagged_pools)];
    for (name, scenario) in scenarios {
        for poll in [5.0, 60.0] {
            let ours = median(scenario, Policy::Forecast, poll);
            let before = median(scenario, Policy::Reservations, poll);
            let count = median(scenario, Policy::MeetingCount, poll);
            let oracle = median(scenario, Policy::Oracle, poll);
            println!(
                "{name} at {poll} s: Scalelite {ours:.3}, before {before:.3}, count {count:.3}, oracle {oracle:.3}"
            );
            assert!(ours < count, "{name} at {poll} s: {ours} vs meeting count {count}");
            assert!(ours <= before + 0.01, "{name} at {poll} s: {ours} vs the former policy {before}");
            assert!(ours <= oracle + 0.08, "{name} at {poll} s: {ours} vs the oracle {oracle}");
        }
    }
    let hinted = |seed| scenarios::classes(seed, true);
    for poll in [5.0, 60.0] {
        let ours = median(&hinted, Policy::Forecast, poll);
        let oracle = median(&hinted, Policy::Oracle, poll);
        assert!(ours <= oracle + 0.01, "hinted classes at {poll} s: {ours} vs the oracle {oracle}");
    }
}

/// Where the 1.05 of issue 11 lies: on 24 classes of 10–60 on 4 servers, a balancer that knows every earlier
/// meeting's final size but not the new one's ends above it; only knowing the new meeting's size (and the future's
/// distribution and count) brings a planner near it.
#[test]
fn knowing_the_new_meetings_size_is_what_nears_an_even_share() {
    let pool = [bound::Pool { servers: 4, meetings: 24, size: scenarios::class_size }];
    let median = |knowledge| {
        let mut ratios: Vec<f64> = (0..20).map(|seed| bound::run(&pool, knowledge, seed)).collect();
        ratios.sort_by(f64::total_cmp);
        (ratios[9] + ratios[10]) / 2.0
    };
    let (greedy, blind, sighted) =
        (median(bound::Knowledge::Earlier), median(bound::Knowledge::Blind), median(bound::Knowledge::Sighted));
    println!("greedy {greedy:.3}, blind planner {blind:.3}, sighted planner {sighted:.3}");
    assert!(greedy > 1.05 && blind > 1.05, "greedy {greedy}, blind {blind}");
    assert!(sighted < greedy - 0.01, "sighted {sighted} vs greedy {greedy}");
}
