//! Load and placement, as pure functions: no I/O, no clock, no database.
//!
//! Load is counted in users: a meeting weighs its participants plus weighted video and voice streams
//! (breakout rooms count like any meeting). A young meeting weighs its [`forecast`] — the users it is expected
//! to reach, fading into its measured users as it matures — and every join redirected counts at once, before a
//! poll sees it: the [`ledger`] keeps both. A server's load is the sum of its meetings' weights times its load
//! multiplier. A new meeting is placed on the least-loaded candidate, following Ruby Scalelite's
//! `meta_server-tag` rules. Beside them, the pure state machine of a server's [`health`].

pub mod forecast;
pub mod health;
pub mod ledger;

use std::time::Duration;

/// How users and streams are weighed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadWeights {
    /// Users a young meeting counts for at least (`LOAD_MIN_USER_COUNT`).
    pub min_users: f64,
    /// How long a meeting is young (`LOAD_JOIN_BUFFER_TIME`).
    pub join_buffer: Duration,
    /// Extra weight of one webcam stream (`LOAD_VIDEO_WEIGHT`).
    pub video: f64,
    /// Extra weight of one user in voice (`LOAD_VOICE_WEIGHT`).
    pub voice: f64,
    /// How long a meeting's users keep arriving at their current rate (`LOAD_ARRIVAL_TIME`).
    pub arrival_time: Duration,
    /// The largest size hint taken from a create (`LOAD_SIZE_HINT_MAX`).
    pub size_hint_max: f64,
}

/// What a poll tells about one meeting.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeetingFigures {
    pub participants: u32,
    pub videos: u32,
    pub voice_participants: u32,
    /// Age of the meeting (now − createTime).
    pub age: Duration,
}

/// The extra weight of a meeting's webcam and voice streams.
pub fn streams(weights: &LoadWeights, meeting: &MeetingFigures) -> f64 {
    weights.video * f64::from(meeting.videos) + weights.voice * f64::from(meeting.voice_participants)
}

/// The measured weight of one meeting: its users and weighted streams.
pub fn meeting_load(weights: &LoadWeights, meeting: &MeetingFigures) -> f64 {
    f64::from(meeting.participants) + streams(weights, meeting)
}

/// The measured load of a server, as a poll shows it: its meetings' weights times its multiplier.
pub fn server_load<'a>(
    weights: &LoadWeights,
    meetings: impl IntoIterator<Item = &'a MeetingFigures>,
    multiplier: f64,
) -> f64 {
    meetings.into_iter().map(|m| meeting_load(weights, m)).sum::<f64>() * multiplier
}

/// The tags a create asks for (`meta_server-tag`): `a;b` prefers servers tagged a or b, `a;b!` requires one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagRequest {
    pub tags: Vec<String>,
    pub required: bool,
}

impl TagRequest {
    /// Parses `meta_server-tag` as Ruby Scalelite does; blank or a lone `!` means no tag.
    pub fn parse(value: Option<&str>) -> TagRequest {
        let value = value.map(str::trim).unwrap_or("");
        let (list, required) = match value.strip_suffix('!') {
            Some(rest) => (rest, !rest.trim().is_empty()),
            None => (value, false),
        };
        let tags = list.split(';').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect();
        TagRequest { tags, required }
    }

    /// The tags as written back to BBB (without `!`).
    pub fn describe(&self) -> String {
        self.tags.join(";")
    }
}

/// A server that may take a new meeting: enabled, online, and polled.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate<'a> {
    pub id: &'a str,
    pub tag: Option<&'a str>,
    /// The load placement uses (multiplier applied).
    pub load: f64,
}

/// Why no server was chosen.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlaceError {
    #[error("Could not find any available servers.")]
    NoServers,
    #[error("There is no available server with the required tag={0}.")]
    TagUnavailable(String),
}

fn tag_matches(candidate: Option<&str>, wanted: &str) -> bool {
    match candidate {
        Some(tag) => tag == wanted,
        None => wanted == "none",
    }
}

/// Chooses the least-loaded candidate (ties by id) that the tag request allows:
/// - with tags: the servers whose tag is listed (`none` meaning untagged); if there are none, a required tag
///   fails and an optional one falls back to untagged servers;
/// - without tags: untagged servers only.
pub fn choose<'a>(candidates: &[Candidate<'a>], request: &TagRequest) -> Result<&'a str, PlaceError> {
    if candidates.is_empty() {
        return Err(PlaceError::NoServers);
    }
    let least = |filter: &dyn Fn(&Candidate<'a>) -> bool| {
        candidates
            .iter()
            .filter(|c| filter(c))
            .min_by(|a, b| a.load.total_cmp(&b.load).then_with(|| a.id.cmp(b.id)))
            .map(|c| c.id)
    };
    if !request.tags.is_empty() {
        if let Some(id) = least(&|c| request.tags.iter().any(|t| tag_matches(c.tag, t))) {
            return Ok(id);
        }
        if request.required {
            return Err(PlaceError::TagUnavailable(request.describe()));
        }
    }
    least(&|c| c.tag.is_none()).ok_or(PlaceError::NoServers)
}

/// The settings' defaults, for the tests of the balancer.
#[cfg(test)]
pub(crate) const TEST_WEIGHTS: LoadWeights = LoadWeights {
    min_users: 15.0,
    join_buffer: Duration::from_secs(15 * 60),
    video: 1.0,
    voice: 0.0,
    arrival_time: Duration::from_secs(90),
    size_hint_max: 300.0,
};

#[cfg(test)]
mod tests {
    use super::*;

    const WEIGHTS: LoadWeights = LoadWeights { voice: 0.5, ..TEST_WEIGHTS };

    fn old(participants: u32, videos: u32, voice: u32) -> MeetingFigures {
        MeetingFigures { participants, videos, voice_participants: voice, age: Duration::from_secs(3600) }
    }

    #[test]
    fn counts_users_and_weighted_streams() {
        assert_eq!(meeting_load(&WEIGHTS, &old(10, 2, 4)), 10.0 + 2.0 + 2.0);
        assert_eq!(server_load(&WEIGHTS, &[old(10, 0, 0), old(5, 0, 0)], 2.0), 30.0);
        assert_eq!(server_load(&WEIGHTS, &[], 2.0), 0.0);
    }

    #[test]
    fn parses_tags_as_ruby_scalelite() {
        assert_eq!(TagRequest::parse(None), TagRequest::default());
        assert_eq!(TagRequest::parse(Some("  ")), TagRequest::default());
        assert_eq!(TagRequest::parse(Some("!")), TagRequest::default());
        assert_eq!(TagRequest::parse(Some("a")), TagRequest { tags: vec!["a".into()], required: false });
        assert_eq!(TagRequest::parse(Some("a;b!")), TagRequest { tags: vec!["a".into(), "b".into()], required: true });
        assert_eq!(TagRequest::parse(Some("a;b!")).describe(), "a;b");
    }

    fn pool() -> Vec<Candidate<'static>> {
        vec![
            Candidate { id: "untagged-busy", tag: None, load: 50.0 },
            Candidate { id: "untagged-idle", tag: None, load: 10.0 },
            Candidate { id: "east-1", tag: Some("east"), load: 30.0 },
            Candidate { id: "east-2", tag: Some("east"), load: 20.0 },
            Candidate { id: "west-1", tag: Some("west"), load: 0.0 },
        ]
    }

    #[test]
    fn places_on_the_least_loaded_untagged_server_without_a_tag() {
        assert_eq!(choose(&pool(), &TagRequest::default()), Ok("untagged-idle"));
    }

    #[test]
    fn follows_tags() {
        assert_eq!(choose(&pool(), &TagRequest::parse(Some("east"))), Ok("east-2"));
        assert_eq!(choose(&pool(), &TagRequest::parse(Some("east;west"))), Ok("west-1"));
        assert_eq!(choose(&pool(), &TagRequest::parse(Some("none"))), Ok("untagged-idle"));
        assert_eq!(choose(&pool(), &TagRequest::parse(Some("north"))), Ok("untagged-idle"));
        assert_eq!(
            choose(&pool(), &TagRequest::parse(Some("north!"))),
            Err(PlaceError::TagUnavailable("north".into()))
        );
        assert_eq!(choose(&pool(), &TagRequest::parse(Some("east!"))), Ok("east-2"));
    }

    #[test]
    fn never_falls_back_to_other_tags() {
        let tagged_only = vec![Candidate { id: "east-1", tag: Some("east"), load: 0.0 }];
        assert_eq!(choose(&tagged_only, &TagRequest::default()), Err(PlaceError::NoServers));
        assert_eq!(choose(&tagged_only, &TagRequest::parse(Some("west"))), Err(PlaceError::NoServers));
        assert_eq!(choose(&[], &TagRequest::default()), Err(PlaceError::NoServers));
    }

    #[test]
    fn breaks_ties_by_id() {
        let tied = vec![Candidate { id: "b", tag: None, load: 1.0 }, Candidate { id: "a", tag: None, load: 1.0 }];
        assert_eq!(choose(&tied, &TagRequest::default()), Ok("a"));
    }

    #[test]
    fn placed_meetings_spread_a_burst_evenly() {
        // 300 placements on 3 equal servers, each weighing its prior in the ledger at once.
        let ids = ["s1", "s2", "s3"];
        let mut ledger = ledger::Ledger::default();
        let prior = forecast::prior(&WEIGHTS, None, None);
        for n in 0..300 {
            let loads = ledger.servers(0.0, &WEIGHTS);
            let candidates: Vec<Candidate<'_>> = ids
                .iter()
                .map(|id| Candidate { id, tag: None, load: loads.get(*id).map_or(0.0, |s| s.load) })
                .collect();
            let chosen = choose(&candidates, &TagRequest::default()).unwrap();
            ledger.place(format!("m{n}"), chosen.to_string(), 0.0, prior, &WEIGHTS);
        }
        let counts: Vec<f64> = ids.iter().map(|id| ledger.servers(0.0, &WEIGHTS)[*id].load / 15.0).collect();
        assert_eq!(counts, [100.0, 100.0, 100.0]);
    }
}
