//! A young meeting's forecast: the users it is expected to reach, from the best of what is known, and how that
//! fades into the measured users as the meeting matures. Pure functions of what the caller knows.
//!
//! The prior, known at create: a size hint (`meta_bbb-meeting-size-hint`, else `maxParticipants`, capped by
//! `LOAD_SIZE_HINT_MAX`), else the meeting's history (the mean peak of its earlier sessions), else
//! `LOAD_MIN_USER_COUNT`. Arrivals refine it: users measured so far plus the recent arrival rate times
//! `LOAD_ARRIVAL_TIME` (the users still expected if arrivals slow down as they do after a class starts). A
//! meeting's weight is its measured users plus the users still expected, faded linearly to nothing over
//! `LOAD_JOIN_BUFFER_TIME`.

use super::LoadWeights;

/// Where a forecast comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A size hint given at create.
    Hint,
    /// The peaks of the meeting's earlier sessions.
    History,
    /// The users arrived so far and their rate.
    Arrivals,
    /// The typical size of the pool's meetings now (those past their first minute).
    Typical,
    /// `LOAD_MIN_USER_COUNT`.
    Default,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Hint => "hint",
            Source::History => "history",
            Source::Arrivals => "arrivals",
            Source::Typical => "typical",
            Source::Default => "default",
        }
    }
}

/// The users a meeting is expected to reach, and why.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forecast {
    pub users: f64,
    pub source: Source,
}

/// How long arrivals are watched before their rate is trusted over the default prior, and the window their
/// rate is measured over: a minute, or `LOAD_ARRIVAL_TIME` if shorter.
pub fn arrival_window(weights: &LoadWeights) -> f64 {
    weights.arrival_time.as_secs_f64().clamp(1.0, 60.0)
}

/// The prior of a new meeting: its size hint, else its history, else `LOAD_MIN_USER_COUNT`.
pub fn prior(weights: &LoadWeights, hint: Option<u32>, history: Option<f64>) -> Forecast {
    match (hint.filter(|h| *h > 0), history.filter(|h| *h > 0.0)) {
        (Some(hint), _) => Forecast { users: f64::from(hint).min(weights.size_hint_max), source: Source::Hint },
        (None, Some(peak)) => Forecast { users: peak, source: Source::History },
        (None, None) => Forecast { users: weights.min_users, source: Source::Default },
    }
}

/// What is known of a meeting now.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Arrivals {
    /// Seconds since the meeting was created.
    pub age: f64,
    /// Users measured now: the last poll's participants plus the joins redirected since that poll started.
    pub users: f64,
    /// Joins redirected within the last `arrival_window` (or since creation, if younger).
    pub recent_joins: u32,
}

/// The forecast of a meeting given its prior and its arrivals so far.
pub fn forecast(weights: &LoadWeights, prior: Forecast, arrivals: &Arrivals) -> Forecast {
    let full = arrival_window(weights);
    let window = arrivals.age.clamp(full / 2.0, full);
    let rate = f64::from(arrivals.recent_joins) / window;
    let expected = arrivals.users + rate * weights.arrival_time.as_secs_f64();
    let watched = arrivals.age >= full;
    match prior.source {
        // A default prior is a guess: once arrivals have been watched a while, they tell more.
        Source::Default | Source::Typical if watched && arrivals.users > 0.0 => {
            Forecast { users: expected, source: Source::Arrivals }
        }
        _ if expected > prior.users => Forecast { users: expected, source: Source::Arrivals },
        _ => prior,
    }
}

/// A meeting's forecast now, and the users it weighs: measured users, plus those still expected, faded over the
/// join buffer.
pub fn expected_users(weights: &LoadWeights, prior: Forecast, arrivals: &Arrivals) -> (Forecast, f64) {
    let buffer = weights.join_buffer.as_secs_f64();
    let fade = if buffer > 0.0 { (1.0 - arrivals.age / buffer).clamp(0.0, 1.0) } else { 0.0 };
    let forecast = forecast(weights, prior, arrivals);
    let still_coming = (forecast.users - arrivals.users).max(0.0);
    (forecast, arrivals.users + still_coming * fade)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const WEIGHTS: LoadWeights = crate::balancer::TEST_WEIGHTS;

    fn at(age: f64, users: f64, recent_joins: u32) -> Arrivals {
        Arrivals { age, users, recent_joins }
    }

    #[test]
    fn the_prior_is_the_hint_else_the_history_else_the_minimum() {
        assert_eq!(prior(&WEIGHTS, Some(40), Some(25.0)), Forecast { users: 40.0, source: Source::Hint });
        assert_eq!(prior(&WEIGHTS, Some(5000), None), Forecast { users: 300.0, source: Source::Hint });
        assert_eq!(prior(&WEIGHTS, Some(0), Some(25.0)), Forecast { users: 25.0, source: Source::History });
        assert_eq!(prior(&WEIGHTS, None, None), Forecast { users: 15.0, source: Source::Default });
    }

    #[test]
    fn a_new_meeting_weighs_its_prior() {
        let hinted = prior(&WEIGHTS, Some(40), None);
        assert_eq!(expected_users(&WEIGHTS, hinted, &at(0.0, 0.0, 0)).1, 40.0);
        assert_eq!(expected_users(&WEIGHTS, prior(&WEIGHTS, None, None), &at(0.0, 0.0, 0)).1, 15.0);
    }

    #[test]
    fn arrivals_beyond_the_prior_raise_the_forecast() {
        let hinted = prior(&WEIGHTS, Some(20), None);
        // 30 users in the first 30 s, still arriving at one a second: 30 + 90 more expected.
        let busy = forecast(&WEIGHTS, hinted, &at(30.0, 30.0, 30));
        assert_eq!(busy, Forecast { users: 120.0, source: Source::Arrivals });
        // Arrivals within the hint leave it be.
        assert_eq!(forecast(&WEIGHTS, hinted, &at(30.0, 10.0, 2)).source, Source::Hint);
    }

    #[test]
    fn a_default_prior_gives_way_to_watched_arrivals() {
        let guess = prior(&WEIGHTS, None, None);
        // Young: the guess holds while few have come.
        assert_eq!(forecast(&WEIGHTS, guess, &at(10.0, 2.0, 2)).source, Source::Default);
        // Watched for a minute: 4 users and nobody more coming — a meeting of 4.
        assert_eq!(forecast(&WEIGHTS, guess, &at(120.0, 4.0, 0)), Forecast { users: 4.0, source: Source::Arrivals });
    }

    #[test]
    fn the_users_still_expected_fade_over_the_join_buffer() {
        let hinted = prior(&WEIGHTS, Some(40), None);
        assert_eq!(expected_users(&WEIGHTS, hinted, &at(450.0, 10.0, 0)).1, 10.0 + 30.0 * 0.5);
        assert_eq!(expected_users(&WEIGHTS, hinted, &at(900.0, 10.0, 0)).1, 10.0);
        // Measured users beyond the forecast count as they are.
        assert_eq!(expected_users(&WEIGHTS, hinted, &at(60.0, 55.0, 0)).1, 55.0);
        let no_buffer = LoadWeights { join_buffer: Duration::ZERO, ..WEIGHTS };
        assert_eq!(expected_users(&no_buffer, hinted, &at(0.0, 3.0, 0)).1, 3.0);
    }
}
