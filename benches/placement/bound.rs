//! What knowledge is worth: a scenario's meetings placed in creation order on their final sizes (the clock left
//! out: every meeting at its full size), by balancers that know more than any real one can, to show how close to
//! an even share placing meetings as they come can get.
//!
//! - `Earlier`: the least-loaded server, knowing every earlier meeting's final size (the simulation's oracle
//!   without its clock; its choice does not depend on the size of the meeting it places).
//! - `Blind` and `Sighted`: a planner that also knows the sizes' distribution and how many meetings are still to
//!   come. For each server it draws `FUTURES` futures, finishes each greedily, and takes the server with the
//!   lowest mean busiest/even share; `Sighted` knows the size of the meeting it places, `Blind` does not.
#![allow(dead_code)]

use rand::rngs::StdRng;
use rand::SeedableRng;

/// Servers that take the same meetings, and the meetings they take.
pub struct Pool {
    pub servers: usize,
    pub meetings: usize,
    pub size: fn(&mut StdRng) -> u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knowledge {
    Earlier,
    Blind,
    Sighted,
}

const FUTURES: usize = 100;

fn busiest_over_even(loads: &[u32]) -> f64 {
    let total: u32 = loads.iter().sum();
    if total == 0 {
        return 1.0;
    }
    f64::from(loads.iter().copied().max().unwrap_or(0)) * loads.len() as f64 / f64::from(total)
}

fn least_loaded(loads: &[u32]) -> usize {
    (0..loads.len()).min_by_key(|i| loads[*i]).unwrap_or(0)
}

fn finish_greedily(loads: &mut [u32], sizes: &[u32]) {
    for size in sizes {
        let i = least_loaded(loads);
        loads[i] += size;
    }
}

/// The planner's choice: `size` is the placed meeting's size when known; else each future starts with a draw.
fn planned(loads: &[u32], size: Option<u32>, to_come: usize, pool: &Pool, rng: &mut StdRng) -> usize {
    let drawn = to_come + usize::from(size.is_none());
    let futures: Vec<Vec<u32>> = (0..FUTURES).map(|_| (0..drawn).map(|_| (pool.size)(rng)).collect()).collect();
    let mut best = (f64::INFINITY, 0);
    for server in 0..loads.len() {
        let mut sum = 0.0;
        for future in &futures {
            let mut after = loads.to_vec();
            let (first, rest) = match size {
                Some(size) => (size, &future[..]),
                None => (future[0], &future[1..]),
            };
            after[server] += first;
            finish_greedily(&mut after, rest);
            sum += busiest_over_even(&after);
        }
        if sum < best.0 {
            best = (sum, server);
        }
    }
    best.1
}

/// One seed's busiest server over an even share, the largest over the pools.
pub fn run(pools: &[Pool], knowledge: Knowledge, seed: u64) -> f64 {
    let mut worst: f64 = 0.0;
    for (p, pool) in pools.iter().enumerate() {
        let mut rng = StdRng::seed_from_u64(seed * 31 + p as u64);
        let sizes: Vec<u32> = (0..pool.meetings).map(|_| (pool.size)(&mut rng)).collect();
        let mut planning = StdRng::seed_from_u64(seed * 31 + p as u64 + 1_000_000);
        let mut loads = vec![0; pool.servers];
        for (i, size) in sizes.iter().enumerate() {
            let to_come = pool.meetings - i - 1;
            let server = match knowledge {
                Knowledge::Earlier => least_loaded(&loads),
                Knowledge::Blind => planned(&loads, None, to_come, pool, &mut planning),
                Knowledge::Sighted => planned(&loads, Some(*size), to_come, pool, &mut planning),
            };
            loads[server] += size;
        }
        worst = worst.max(busiest_over_even(&loads));
    }
    worst
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ten(_: &mut StdRng) -> u32 {
        10
    }

    #[test]
    fn equal_meetings_spread_as_evenly_as_they_can() {
        let pool = [Pool { servers: 4, meetings: 8, size: ten }];
        assert_eq!(run(&pool, Knowledge::Earlier, 1), 1.0);
        assert_eq!(run(&pool, Knowledge::Sighted, 1), 1.0);
        // 9 equal meetings on 4 servers: one server must take 3 (30 over an even share of 22.5).
        let pool = [Pool { servers: 4, meetings: 9, size: ten }];
        assert!((run(&pool, Knowledge::Blind, 1) - 30.0 / 22.5).abs() < 1e-9);
    }
}
