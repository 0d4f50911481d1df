//! The placement simulation (`benches/placement/`) as a check, on its cheap scenarios (20 seeds, medians):
//! Scalelite's balancer does at least as well as the policy before it and better than counting meetings, and,
//! told the sizes by hints, as well as the oracle that knows every meeting's size at create.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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
