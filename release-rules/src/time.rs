//! Instants and durations for embargoes and rule windows.
//!
//! Instants are `stix_model::timestamp::Instant` (what the hub stores); arithmetic is done in
//! nanoseconds as `i128` so that no STIX year overflows. Durations are the ISO 8601 subset
//! `PnDTnHnMnS` (also `PnW`): years and months are refused because their length depends on
//! the calendar, and an embargo must mean the same number of seconds everywhere.

use std::fmt;

use serde::{Deserialize, Serialize};
use stix_model::timestamp::{Instant, Timestamp};

use crate::error::Error;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// An instant as nanoseconds since the Unix epoch.
pub(crate) fn nanos(instant: Instant) -> i128 {
    i128::from(instant.seconds) * NANOS_PER_SECOND + i128::from(instant.nanos)
}

/// The instant at `nanos` since the epoch, clamped to the range an `Instant` holds.
pub(crate) fn from_nanos(nanos: i128) -> Instant {
    let seconds = nanos.div_euclid(NANOS_PER_SECOND);
    let rest = nanos.rem_euclid(NANOS_PER_SECOND);
    let seconds = i64::try_from(seconds).unwrap_or(if seconds < 0 { i64::MIN } else { i64::MAX });
    Instant {
        seconds,
        nanos: u32::try_from(rest).unwrap_or(0),
    }
}

/// A non-negative span of time, in whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Duration {
    seconds: i64,
}

impl Duration {
    pub const ZERO: Duration = Duration { seconds: 0 };

    pub fn from_seconds(seconds: i64) -> Result<Duration, Error> {
        if seconds < 0 {
            return Err(Error::Duration {
                value: seconds.to_string(),
                reason: "a duration is never negative",
            });
        }
        Ok(Duration { seconds })
    }

    pub fn seconds(self) -> i64 {
        self.seconds
    }

    pub(crate) fn nanos(self) -> i128 {
        i128::from(self.seconds) * NANOS_PER_SECOND
    }

    /// Parses `PnW` or `PnDTnHnMnS` (each part optional, at least one present).
    pub fn parse(text: &str) -> Result<Duration, Error> {
        let fault = |reason| Error::Duration {
            value: text.to_owned(),
            reason,
        };
        let body = text
            .strip_prefix('P')
            .ok_or_else(|| fault("a duration starts with P (ISO 8601), e.g. PT24H or P7D"))?;
        if body.is_empty() || body == "T" || body.ends_with('T') {
            return Err(fault("a duration needs at least one number and unit"));
        }
        let (date, time) = match body.split_once('T') {
            Some((d, t)) => (d, Some(t)),
            None => (body, None),
        };
        let mut total: i64 = 0;
        let mut add = |part: &str, units: &[(char, i64)]| -> Result<(), Error> {
            let mut number = String::new();
            let mut last_unit = 0usize;
            for c in part.chars() {
                if c.is_ascii_digit() {
                    number.push(c);
                    continue;
                }
                let position = units
                    .iter()
                    .position(|(u, _)| *u == c)
                    .ok_or_else(|| fault("unknown unit (years and months are not allowed)"))?;
                if number.is_empty() || position < last_unit {
                    return Err(fault("each unit once, largest first, after its number"));
                }
                last_unit = position + 1;
                let n: i64 = number.parse().map_err(|_| fault("number too large"))?;
                let scale = units.get(position).map_or(1, |(_, s)| *s);
                total = n
                    .checked_mul(scale)
                    .and_then(|v| total.checked_add(v))
                    .ok_or_else(|| fault("duration too large"))?;
                number.clear();
            }
            if number.is_empty() {
                Ok(())
            } else {
                Err(fault("a number without a unit"))
            }
        };
        add(date, &[('W', 7 * 86_400), ('D', 86_400)])?;
        if let Some(time) = time {
            add(time, &[('H', 3_600), ('M', 60), ('S', 1)])?;
        }
        Ok(Duration { seconds: total })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.seconds;
        let days = rest / 86_400;
        rest %= 86_400;
        let (hours, minutes, seconds) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if rest > 0 || days == 0 {
            f.write_str("T")?;
            if hours > 0 {
                write!(f, "{hours}H")?;
            }
            if minutes > 0 {
                write!(f, "{minutes}M")?;
            }
            if seconds > 0 || rest == 0 {
                write!(f, "{seconds}S")?;
            }
        }
        Ok(())
    }
}

impl TryFrom<String> for Duration {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Duration::parse(&value)
    }
}

impl From<Duration> for String {
    fn from(d: Duration) -> String {
        d.to_string()
    }
}

/// Parses a STIX-form timestamp literal (`2026-01-01T00:00:00Z`) to its instant.
pub(crate) fn parse_instant(text: &str) -> Result<Instant, Error> {
    Timestamp::parse(text)
        .map(|t| t.instant())
        .map_err(|_| Error::Instant {
            value: text.to_owned(),
        })
}

/// Renders an instant in STIX form with millisecond precision.
pub fn render(instant: Instant) -> String {
    Timestamp::from_instant_millis(instant).as_str().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_days_hours_minutes_seconds() {
        assert_eq!(Duration::parse("PT24H").unwrap().seconds(), 86_400);
        assert_eq!(Duration::parse("P1DT2H3M4S").unwrap().seconds(), 93_784);
        assert_eq!(Duration::parse("P2W").unwrap().seconds(), 14 * 86_400);
        assert_eq!(Duration::parse("PT0S").unwrap().seconds(), 0);
    }

    #[test]
    fn durations_refuse_years_months_and_junk() {
        for bad in [
            "P1Y", "P1M", "PT", "P", "24H", "PT1H1H", "PT1M1H", "PT5", "P-1D", "",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_display_round_trips() {
        for s in ["PT24H", "P1DT2H3M4S", "PT0S", "P3D", "PT1M"] {
            let d = Duration::parse(s).unwrap();
            assert_eq!(Duration::parse(&d.to_string()).unwrap(), d);
        }
    }

    #[test]
    fn nanos_round_trip() {
        let i = Instant {
            seconds: -5,
            nanos: 7,
        };
        assert_eq!(from_nanos(nanos(i)), i);
    }
}
