//! STIX timestamps (STIX 2.1 §2.12): RFC 3339 in UTC with `Z`, `YYYY-MM-DDTHH:mm:ss[.s+]Z`.
//!
//! A relay must not re-format what it received, so a `Timestamp` keeps its original text and
//! exposes the instant separately for ordering. `.1Z` and `.100Z` are the same instant.

use std::cmp::Ordering;
use std::fmt;

use crate::error::StixError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimestampFault {
    /// Not of the lexical form `YYYY-MM-DDTHH:mm:ss[.s+]Z`.
    Form,
    /// Lexically right, but a field is out of range (month 13, 31 April, hour 24, ...).
    FieldRange,
}

impl fmt::Display for TimestampFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimestampFault::Form => {
                "a timestamp must be RFC 3339 in UTC of the form YYYY-MM-DDTHH:mm:ss[.s+]Z"
            }
            TimestampFault::FieldRange => "a timestamp field is out of range",
        })
    }
}

/// A checked STIX timestamp that keeps the text it was given.
#[derive(Debug, Clone)]
pub struct Timestamp {
    text: String,
    instant: Instant,
}

/// Seconds since the Unix epoch and nanoseconds; digits past the ninth are ignored for ordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    pub seconds: i64,
    pub nanos: u32,
}

impl Timestamp {
    pub fn parse(text: &str) -> Result<Timestamp, StixError> {
        parse_instant(text)
            .map(|instant| Timestamp {
                text: text.to_owned(),
                instant,
            })
            .map_err(|fault| StixError::Timestamp {
                value: text.to_owned(),
                fault,
            })
    }

    /// Builds a timestamp with millisecond precision from an instant (for times Accord mints).
    pub fn from_instant_millis(instant: Instant) -> Timestamp {
        let (y, mo, d, h, mi, s) = civil_from_seconds(instant.seconds);
        let text = format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
            instant.nanos / 1_000_000
        );
        Timestamp { text, instant }
    }

    /// The original text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn instant(&self) -> Instant {
        self.instant
    }

    /// Number of digits after the decimal point (0 when there is none).
    pub fn fraction_digits(&self) -> usize {
        fraction_digits(&self.text)
    }
}

/// Number of sub-second digits in a lexically valid timestamp.
pub fn fraction_digits(text: &str) -> usize {
    text.find('.').map_or(0, |dot| text.len() - dot - 2)
}

impl PartialEq for Timestamp {
    fn eq(&self, other: &Self) -> bool {
        self.instant == other.instant
    }
}
impl Eq for Timestamp {}
impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> Ordering {
        self.instant.cmp(&other.instant)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl TryFrom<String> for Timestamp {
    type Error = StixError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Timestamp::parse(&value)
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.text
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

/// Checks the lexical form and field ranges and returns the instant.
pub fn parse_instant(text: &str) -> Result<Instant, TimestampFault> {
    let b = text.as_bytes();
    // YYYY-MM-DDTHH:mm:ss is 19 bytes, then optional .s+ and a final Z.
    let (head, tail) = b.split_at_checked(19).ok_or(TimestampFault::Form)?;
    let field = |r: std::ops::Range<usize>| head.get(r).and_then(digits);
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|(i, c)| head.get(*i) != Some(c)) {
        return Err(TimestampFault::Form);
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        field(0..4),
        field(5..7),
        field(8..10),
        field(11..13),
        field(14..16),
        field(17..19),
    ) else {
        return Err(TimestampFault::Form);
    };
    let nanos = match tail {
        [b'Z'] => 0,
        [b'.', frac @ .., b'Z'] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => {
            let mut nanos = 0u32;
            for i in 0..9 {
                nanos = nanos * 10 + frac.get(i).map_or(0, |d| u32::from(d - b'0'));
            }
            nanos
        }
        _ => return Err(TimestampFault::Form),
    };
    // RFC 3339 allows a leap second (60).
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(TimestampFault::FieldRange);
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds =
        days * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second);
    Ok(Instant { seconds, nanos })
}

fn is_leap(year: u32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_seconds(seconds: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month as u32,
        day as u32,
        (secs / 3600) as u32,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_keeps_its_text() {
        let t = Timestamp::parse("2016-04-06T20:03:00.1Z").unwrap();
        assert_eq!(t.as_str(), "2016-04-06T20:03:00.1Z");
        assert_eq!(t.fraction_digits(), 1);
    }

    #[test]
    fn timestamps_compare_by_instant_not_text() {
        let a = Timestamp::parse("2016-04-06T20:03:00.1Z").unwrap();
        let b = Timestamp::parse("2016-04-06T20:03:00.100Z").unwrap();
        assert_eq!(a, b);
        let c = Timestamp::parse("2016-04-06T20:03:00.101Z").unwrap();
        assert!(c > a);
    }

    #[test]
    fn timestamp_epoch_seconds_are_right() {
        assert_eq!(parse_instant("1970-01-01T00:00:00Z").unwrap().seconds, 0);
        assert_eq!(
            parse_instant("2016-04-06T20:03:00Z").unwrap().seconds,
            1_459_972_980
        );
        assert_eq!(
            parse_instant("1969-12-31T23:59:59.5Z").unwrap(),
            Instant {
                seconds: -1,
                nanos: 500_000_000
            }
        );
    }

    #[test]
    fn timestamp_must_use_z() {
        for bad in [
            "2016-04-06T20:03:00+00:00",
            "2016-04-06T20:03:00z",
            "2016-04-06t20:03:00Z",
            "2016-04-06 20:03:00Z",
            "2016-04-06T20:03:00",
        ] {
            assert_eq!(parse_instant(bad), Err(TimestampFault::Form), "{bad}");
        }
    }

    #[test]
    fn timestamp_decimal_point_needs_digits() {
        assert_eq!(
            parse_instant("2016-04-06T20:03:00.Z"),
            Err(TimestampFault::Form)
        );
    }

    #[test]
    fn timestamp_fields_must_be_in_range() {
        for bad in [
            "2016-13-06T20:03:00Z",
            "2016-04-31T20:03:00Z",
            "2015-02-29T20:03:00Z",
            "2016-04-06T24:03:00Z",
            "2016-04-06T20:60:00Z",
            "2016-04-06T20:03:61Z",
        ] {
            assert_eq!(parse_instant(bad), Err(TimestampFault::FieldRange), "{bad}");
        }
        assert!(parse_instant("2016-02-29T20:03:00Z").is_ok());
    }

    #[test]
    fn minted_timestamps_have_millisecond_precision() {
        let t = Timestamp::from_instant_millis(Instant {
            seconds: 1_459_972_980,
            nanos: 123_456_789,
        });
        assert_eq!(t.as_str(), "2016-04-06T20:03:00.123Z");
    }
}
