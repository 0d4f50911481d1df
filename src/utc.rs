//! UTC calendar dates and times from milliseconds since the epoch, and back (Howard Hinnant's civil-date
//! algorithms): for the CLI's tables and per-day usage, without a date crate.

/// Days since the epoch → (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// (year, month, day) → days since the epoch.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Milliseconds since the epoch as `YYYY-MM-DD HH:MM:SS`.
pub fn date_time(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let rest = seconds.rem_euclid(86_400);
    format!("{} {:02}:{:02}:{:02}", day(ms), rest / 3600, (rest % 3600) / 60, rest % 60)
}

/// Milliseconds since the epoch as the UTC day `YYYY-MM-DD`.
pub fn day(ms: i64) -> String {
    let (year, month, day) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{year:04}-{month:02}-{day:02}")
}

/// The first millisecond of a UTC day given as `YYYY-MM-DD`; `None` if it is no such date.
pub fn day_start(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day): (i64, i64, i64) = (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let days = days_from_civil(year, month, day);
    // Round trip: 2026-02-30 is no date.
    (civil_from_days(days) == (year, month, day)).then_some(days * 86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(date_time(0), "1970-01-01 00:00:00");
        assert_eq!(date_time(1_796_206_500_000), "2026-12-02 10:15:00");
        assert_eq!(date_time(1_704_189_600_000), "2024-01-02 10:00:00");
        assert_eq!(date_time(951_825_600_000), "2000-02-29 12:00:00");
        assert_eq!(day(1_796_206_500_000), "2026-12-02");
        assert_eq!(day(-1), "1969-12-31");
        assert_eq!(day_start("2026-12-02"), Some(1_796_169_600_000));
        assert_eq!(day_start("2024-02-29").map(day).as_deref(), Some("2024-02-29"));
        for bad in ["2026-02-30", "2026-13-01", "26-12-02", "2026-12-02x", "2026/12/02", ""] {
            assert_eq!(day_start(bad), None, "{bad}");
        }
        for days in [-700_000, -1, 0, 1, 20_000, 2_900_000] {
            let ms = days * 86_400_000;
            assert_eq!(day_start(&day(ms)), Some(ms));
        }
    }
}
