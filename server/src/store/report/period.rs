//! The report's calendar: periods of whole UTC days, and unix times as UTC dates (the
//! calendar itself is the `time` crate's).

use time::Date;

pub(super) const DAY: i64 = 86_400;
/// 1970-01-01 as a Julian day number, the day count [`Date`] converts from.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// A report period: the last N days, today (UTC) included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub days: u32,
}

impl Period {
    /// The longest period a report covers.
    pub const MAX_DAYS: u32 = 3_660;

    /// Parses `7d`, `30d`, `90d` (any number of days up to ten years; a bare number is days).
    pub fn parse(text: &str) -> Result<Period, String> {
        let t = text.trim();
        let number = t.strip_suffix(['d', 'D']).unwrap_or(t);
        match number.parse::<u32>() {
            Ok(days) if (1..=Period::MAX_DAYS).contains(&days) => Ok(Period { days }),
            _ => Err(format!(
                "`{}` is not a period such as 7d, 30d or 90d (1 to {} days)",
                crate::redact::truncate_chars(t, 20),
                Period::MAX_DAYS
            )),
        }
    }

    /// The first second of the period: midnight UTC, `days - 1` days before `now`'s day.
    pub fn start(self, now: i64) -> i64 {
        now.div_euclid(DAY) * DAY - i64::from(self.days - 1) * DAY
    }
}

impl std::str::FromStr for Period {
    type Err = String;

    fn from_str(text: &str) -> Result<Period, String> {
        Period::parse(text)
    }
}

impl std::fmt::Display for Period {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}d", self.days)
    }
}

/// `YYYY-MM-DD` (UTC) of a unix time. A time beyond the years -9999 to 9999 (no clock's)
/// shows as the nearest of them.
pub fn date(unix: i64) -> String {
    let day = (unix.div_euclid(DAY) + UNIX_EPOCH_JULIAN_DAY).clamp(
        Date::MIN.to_julian_day().into(),
        Date::MAX.to_julian_day().into(),
    );
    let date = i32::try_from(day)
        .ok()
        .and_then(|day| Date::from_julian_day(day).ok())
        .unwrap_or(Date::MAX);
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `YYYY-MM-DD HH:MM` (UTC) of a unix time.
pub fn timestamp(unix: i64) -> String {
    let secs = unix.rem_euclid(DAY);
    format!("{} {:02}:{:02}", date(unix), secs / 3600, secs % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::report::tests::NOW;

    #[test]
    fn periods_parse_and_reject() {
        assert_eq!(Period::parse("7d"), Ok(Period { days: 7 }));
        assert_eq!(Period::parse("30"), Ok(Period { days: 30 }));
        assert_eq!(Period::parse(" 90D "), Ok(Period { days: 90 }));
        for bad in ["0d", "-1d", "d", "7w", "abc", "99999d", ""] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(date(Period { days: 1 }.start(NOW)), "2024-03-10");
        assert_eq!(date(Period { days: 7 }.start(NOW)), "2024-03-04");
    }

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(NOW), "2024-03-10");
        assert_eq!(timestamp(NOW + 5 * 60), "2024-03-10 12:05");
        assert_eq!(date(-1), "1969-12-31");
    }
}
