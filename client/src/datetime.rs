//! The crate's own date and time types: [`DateTime`], an instant in UTC as the API sends it, and
//! [`Time`], a time of day. They hold no third-party type (the `time` crate reads RFC 3339 and
//! does the calendar, privately); conversions to and from the `time` and `jiff` crates' types are
//! behind the features of those names.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

const NANOS_PER_SECOND: u32 = 1_000_000_000;
const SECONDS_PER_DAY: i64 = 86_400;
/// `0000-01-01T00:00:00Z`, in seconds from the Unix epoch.
const MIN_SECONDS: i64 = -62_167_219_200;
/// `9999-12-31T23:59:59Z`, in seconds from the Unix epoch.
const MAX_SECONDS: i64 = 253_402_300_799;
/// What an RFC 3339 date and time looks like, for messages.
const RFC3339_EXAMPLE: &str = "an RFC 3339 date and time such as 2024-04-09T18:54:12Z";
/// What a time of day looks like, for messages.
const TIME_EXAMPLE: &str = "a time of day HH:MM:SS such as 08:30:00";

/// A date and time: an instant, in UTC, to the nanosecond, between `0000-01-01T00:00:00Z` and
/// `9999-12-31T23:59:59.999999999Z` (the years RFC 3339 writes).
///
/// Servers send dates as `2024-04-09T18:54:12Z`, and that is how a `DateTime` displays (a
/// fraction of a second, when there is one, follows the seconds: `18:54:12.5Z`); it parses from
/// any RFC 3339 text (an offset is applied and not kept: `20:54:12+02:00` is `18:54:12Z`).
/// Requests write it as servers do, in whole seconds (deviation S18).
///
/// ```
/// use tableau_flows::DateTime;
///
/// let at: DateTime = "2026-12-07T02:02:22+01:00".parse()?;
/// assert_eq!(at.to_string(), "2026-12-07T01:02:22Z");
/// assert_eq!(at.unix_timestamp(), 1_796_605_342);
/// assert_eq!(DateTime::from_unix_timestamp(1_796_605_342)?, at);
/// let later = DateTime::from_ymd_hms(2026, 12, 7, 1, 12, 22)?;
/// assert_eq!(later.seconds_since(at), 600);
/// assert_eq!(at.seconds_since(later), -600);
/// assert_eq!(later.duration_since(at), Some(std::time::Duration::from_secs(600)));
/// # Ok::<(), tableau_flows::DateTimeError>(())
/// ```
///
/// With the `time` feature it converts to (`From`) and from (`TryFrom`) `time::OffsetDateTime`,
/// with the `jiff` feature to and from (`TryFrom`: jiff's range ends on
/// `9999-12-30T22:00:00.999999999Z`) `jiff::Timestamp`. Reading RFC 3339 and the calendar are
/// the `time` crate's, a private dependency: without the features no type of either crate is in
/// the public API.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    /// Seconds from the Unix epoch (floored).
    seconds: i64,
    /// The nanoseconds after `seconds`, below one second.
    nanos: u32,
}

/// A time of day, `HH:MM:SS` (to the second, as the API writes schedules' times), between
/// `00:00:00` and `23:59:59`.
///
/// ```
/// use tableau_flows::Time;
///
/// let at = Time::from_hms(6, 30, 0)?;
/// assert_eq!(at.to_string(), "06:30:00");
/// assert_eq!("06:30:00".parse::<Time>()?, at);
/// assert!("6:30".parse::<Time>().is_err());
/// # Ok::<(), tableau_flows::DateTimeError>(())
/// ```
///
/// With the `time` feature it converts to and from `time::Time`, with the `jiff` feature to and
/// from `jiff::civil::Time` (a fraction of a second is dropped on the way in).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time {
    /// Seconds after midnight, below 86 400.
    seconds: u32,
}

/// A date, time or time of day that could not be read or made: the text and what was wrong with
/// it, or the value out of its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DateTimeError {
    /// A text that is not the form expected.
    #[error("{} is not {expected}: {problem}", shown(text))]
    Parse {
        /// The text read.
        text: String,
        /// The form expected (`an RFC 3339 date and time such as 2024-04-09T18:54:12Z`).
        expected: &'static str,
        /// What is wrong with the text (`the month is not 01 to 12`).
        problem: &'static str,
    },
    /// A value out of its range: a date before year 0 or after year 9999, an hour above 23...
    #[error("{what} {value} is out of range ({min} to {max})")]
    OutOfRange {
        /// What the value is (`hour`, `Unix timestamp`).
        what: &'static str,
        /// The value given.
        value: i128,
        /// The smallest value allowed.
        min: i128,
        /// The largest value allowed.
        max: i128,
    },
}

/// A text for a message: quoted, and cut after 64 characters.
fn shown(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((at, _)) => format!("{:?}...", &text[..at]),
        None => format!("{text:?}"),
    }
}

fn out_of_range(what: &'static str, value: impl Into<i128>, min: i128, max: i128) -> DateTimeError {
    DateTimeError::OutOfRange {
        what,
        value: value.into(),
        min,
        max,
    }
}

/// The Julian day of `1970-01-01`.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// The days of a month (1 to 12) of a year; 0 for a month out of range.
fn days_in_month(year: i64, month: u32) -> u32 {
    match (
        u8::try_from(month).map(time_crate::Month::try_from),
        i32::try_from(year),
    ) {
        (Ok(Ok(month)), Ok(year)) => u32::from(time_crate::util::days_in_month(month, year)),
        _ => 0,
    }
}

/// Days from 1970-01-01 to a valid date (checked by the caller) of the proleptic Gregorian
/// calendar.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let date = u8::try_from(month)
        .ok()
        .and_then(|m| time_crate::Month::try_from(m).ok())
        .and_then(|m| {
            time_crate::Date::from_calendar_date(
                i32::try_from(year).ok()?,
                m,
                u8::try_from(day).ok()?,
            )
            .ok()
        });
    // Every caller checks the date first; the epoch stands for what cannot happen.
    date.map_or(0, |d| i64::from(d.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY)
}

/// The date `days` after 1970-01-01 (within the years 0000 to 9999).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let date = i32::try_from(days + UNIX_EPOCH_JULIAN_DAY)
        .ok()
        .and_then(|day| time_crate::Date::from_julian_day(day).ok())
        .unwrap_or(time_crate::Date::MIN);
    (
        i64::from(date.year()),
        u32::from(u8::from(date.month())),
        u32::from(date.day()),
    )
}

impl DateTime {
    /// `1970-01-01T00:00:00Z`.
    pub const UNIX_EPOCH: DateTime = DateTime {
        seconds: 0,
        nanos: 0,
    };
    /// The earliest instant: `0000-01-01T00:00:00Z`.
    pub const MIN: DateTime = DateTime {
        seconds: MIN_SECONDS,
        nanos: 0,
    };
    /// The latest instant: `9999-12-31T23:59:59.999999999Z`.
    pub const MAX: DateTime = DateTime {
        seconds: MAX_SECONDS,
        nanos: NANOS_PER_SECOND - 1,
    };

    /// The instant `seconds` after (or, negative, before) `1970-01-01T00:00:00Z`.
    pub fn from_unix_timestamp(seconds: i64) -> Result<DateTime, DateTimeError> {
        if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
            return Err(out_of_range(
                "Unix timestamp",
                seconds,
                MIN_SECONDS.into(),
                MAX_SECONDS.into(),
            ));
        }
        Ok(DateTime { seconds, nanos: 0 })
    }

    /// The instant `nanoseconds` after (or, negative, before) `1970-01-01T00:00:00Z`.
    pub fn from_unix_timestamp_nanos(nanoseconds: i128) -> Result<DateTime, DateTimeError> {
        let per = i128::from(NANOS_PER_SECOND);
        let (min, max) = (
            i128::from(MIN_SECONDS) * per,
            i128::from(MAX_SECONDS) * per + per - 1,
        );
        if !(min..=max).contains(&nanoseconds) {
            return Err(out_of_range(
                "Unix timestamp in nanoseconds",
                nanoseconds,
                min,
                max,
            ));
        }
        Ok(DateTime {
            seconds: nanoseconds.div_euclid(per) as i64,
            nanos: nanoseconds.rem_euclid(per) as u32,
        })
    }

    /// The instant of a date and time of day in UTC; each part is checked (a month 1 to 12, a
    /// day of that month, an hour 0 to 23, a minute and a second 0 to 59, a year 0 to 9999).
    pub fn from_ymd_hms(
        year: i32,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<DateTime, DateTimeError> {
        if !(0..=9999).contains(&year) {
            return Err(out_of_range("year", year, 0, 9999));
        }
        if !(1..=12).contains(&month) {
            return Err(out_of_range("month", month, 1, 12));
        }
        let last = days_in_month(year.into(), month.into());
        if !(1..=last).contains(&u32::from(day)) {
            return Err(out_of_range("day", day, 1, last.into()));
        }
        let time = Time::from_hms(hour, minute, second)?;
        let days = days_from_civil(year.into(), month.into(), day.into());
        Ok(DateTime {
            seconds: days * SECONDS_PER_DAY + i64::from(time.seconds),
            nanos: 0,
        })
    }

    /// The current instant, by the system clock (clamped to [`DateTime::MIN`] and
    /// [`DateTime::MAX`]).
    pub fn now() -> DateTime {
        let nanos = match SystemTime::now().duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
            Err(before) => -i128::try_from(before.duration().as_nanos()).unwrap_or(i128::MAX),
        };
        DateTime::from_unix_timestamp_nanos(nanos).unwrap_or(if nanos < 0 {
            DateTime::MIN
        } else {
            DateTime::MAX
        })
    }

    /// Whole seconds from `1970-01-01T00:00:00Z` (negative before it; a fraction of a second is
    /// dropped, towards the past).
    pub fn unix_timestamp(&self) -> i64 {
        self.seconds
    }

    /// Nanoseconds from `1970-01-01T00:00:00Z` (negative before it).
    pub fn unix_timestamp_nanos(&self) -> i128 {
        i128::from(self.seconds) * i128::from(NANOS_PER_SECOND) + i128::from(self.nanos)
    }

    /// The signed number of whole seconds from `other` to `self`: positive when `self` is later,
    /// negative when it is earlier (a fraction of a second is dropped, towards zero).
    pub fn seconds_since(&self, other: DateTime) -> i64 {
        let nanos = self.unix_timestamp_nanos() - other.unix_timestamp_nanos();
        // The range of `DateTime` keeps the difference far inside `i64` seconds.
        (nanos / i128::from(NANOS_PER_SECOND)) as i64
    }

    /// How long after `earlier` this instant is, to the nanosecond; `None` when `earlier` is
    /// later (see [`seconds_since`](Self::seconds_since) for a signed difference).
    pub fn duration_since(&self, earlier: DateTime) -> Option<Duration> {
        let nanos = self.unix_timestamp_nanos() - earlier.unix_timestamp_nanos();
        let nanos = u128::try_from(nanos).ok()?;
        let per = u128::from(NANOS_PER_SECOND);
        Some(Duration::new((nanos / per) as u64, (nanos % per) as u32))
    }

    /// The instant `duration` later; `None` past [`DateTime::MAX`].
    pub fn checked_add(&self, duration: Duration) -> Option<DateTime> {
        let nanos = self
            .unix_timestamp_nanos()
            .checked_add(i128::try_from(duration.as_nanos()).ok()?)?;
        DateTime::from_unix_timestamp_nanos(nanos).ok()
    }

    /// The instant `duration` earlier; `None` before [`DateTime::MIN`].
    pub fn checked_sub(&self, duration: Duration) -> Option<DateTime> {
        let nanos = self
            .unix_timestamp_nanos()
            .checked_sub(i128::try_from(duration.as_nanos()).ok()?)?;
        DateTime::from_unix_timestamp_nanos(nanos).ok()
    }

    /// The date in UTC: year, month (1 to 12), day of the month (1 to 31).
    fn civil(&self) -> (i64, u32, u32) {
        civil_from_days(self.seconds.div_euclid(SECONDS_PER_DAY))
    }

    /// The year, in UTC (0 to 9999).
    pub fn year(&self) -> i32 {
        self.civil().0 as i32
    }

    /// The month, in UTC (1 to 12).
    pub fn month(&self) -> u8 {
        self.civil().1 as u8
    }

    /// The day of the month, in UTC (1 to 31).
    pub fn day(&self) -> u8 {
        self.civil().2 as u8
    }

    /// The time of day, in UTC, to the second.
    pub fn time(&self) -> Time {
        Time {
            seconds: self.seconds.rem_euclid(SECONDS_PER_DAY) as u32,
        }
    }

    /// The hour, in UTC (0 to 23).
    pub fn hour(&self) -> u8 {
        self.time().hour()
    }

    /// The minute (0 to 59).
    pub fn minute(&self) -> u8 {
        self.time().minute()
    }

    /// The second (0 to 59).
    pub fn second(&self) -> u8 {
        self.time().second()
    }

    /// The nanoseconds after the second (0 to 999 999 999).
    pub fn nanosecond(&self) -> u32 {
        self.nanos
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS` (UTC, whole seconds, no zone).
    fn write_seconds(&self, out: &mut impl fmt::Write) -> fmt::Result {
        let (year, month, day) = self.civil();
        write!(out, "{year:04}-{month:02}-{day:02}T{}", self.time())
    }

    /// The form servers write (deviation S18): `YYYY-MM-DDTHH:MM:SSZ`, UTC, whole seconds (a
    /// fraction of a second is dropped).
    pub(crate) fn to_wire(self) -> String {
        let mut out = String::with_capacity(20);
        // Writing into a String does not fail.
        let _ = self.write_seconds(&mut out);
        out.push('Z');
        out
    }

    /// The form servers write, exactly `YYYY-MM-DDTHH:MM:SSZ`; `None` for any other text (also
    /// for a leap second). The fast path of decoding, and what filter expressions take.
    pub(crate) fn parse_wire(text: &str) -> Option<DateTime> {
        let b = text.as_bytes();
        if b.len() != 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
            || b[19] != b'Z'
        {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        DateTime::from_ymd_hms(
            num(0..4)? as i32,
            num(5..7)? as u8,
            num(8..10)? as u8,
            num(11..13)? as u8,
            num(14..16)? as u8,
            num(17..19)? as u8,
        )
        .ok()
    }

    /// Parses RFC 3339 (`2024-04-09T18:54:12Z`, `2024-04-09t18:54:12.250+02:00`, a space for the
    /// `T`) with the `time` crate; the error names the part that is wrong.
    fn parse_rfc3339(text: &str) -> Result<DateTime, DateTimeError> {
        use time_crate::error::{Parse, ParseFromDescription, TryFromParsed};
        let fail = |problem| DateTimeError::Parse {
            text: text.to_owned(),
            expected: RFC3339_EXAMPLE,
            problem,
        };
        let parsed = time_crate::OffsetDateTime::parse(
            text,
            &time_crate::format_description::well_known::Rfc3339,
        )
        .map_err(|e| {
            fail(match e {
                Parse::ParseFromDescription(ParseFromDescription::InvalidComponent(part)) => {
                    match part {
                        "year" => "the year is not four digits",
                        "month" => "the month is not two digits from 01 to 12",
                        "day" => "the day is not two digits from 01 to 31",
                        "separator" => "a 'T' must separate the date and the time",
                        "hour" => "the hour is not two digits from 00 to 23",
                        "minute" => "the minute is not two digits from 00 to 59",
                        "second" => {
                            "the second is not two digits from 00 to 59 (60 for a leap second)"
                        }
                        "subsecond" => "a '.' must be followed by the fraction's digits",
                        "offset hour" => "the time must end with 'Z' or an offset from -23:59 to +23:59 such as +02:00",
                        "offset minute" => "the offset's minutes are not two digits from 00 to 59",
                        _ => "a part of it is malformed",
                    }
                }
                Parse::ParseFromDescription(ParseFromDescription::InvalidLiteral { .. }) => {
                    "a '-', ':' or '.' is missing or misplaced"
                }
                Parse::ParseFromDescription(
                    ParseFromDescription::UnexpectedTrailingCharacters { .. },
                ) => "text follows the date and time",
                Parse::TryFromParsed(TryFromParsed::ComponentRange(range)) => match range.name() {
                    "month" => "the month is not 01 to 12",
                    "day" => "the day is not a day of that month",
                    "hour" => "the hour is not 00 to 23",
                    "minute" => "the minute is not 00 to 59",
                    "second" => {
                        "the second is not 00 to 59 (60 only for a leap second, at 23:59:60 UTC \
                         on a month's last day)"
                    }
                    _ => "the date and time do not exist",
                },
                _ => "it is not RFC 3339",
            })
        })?;
        // RFC 3339 separates the date and the time with a `T` (or, it allows, a space); the
        // `time` crate takes any character there.
        if !matches!(text.as_bytes()[10], b'T' | b't' | b' ') {
            return Err(fail("a 'T' must separate the date and the time"));
        }
        let seconds = parsed.unix_timestamp();
        if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
            return Err(fail(
                "the instant is not within the years 0000 to 9999 in UTC",
            ));
        }
        Ok(DateTime {
            seconds,
            nanos: parsed.nanosecond(),
        })
    }
}

impl fmt::Display for DateTime {
    /// RFC 3339 in UTC: `2024-04-09T18:54:12Z`, with the fraction of a second when there is one
    /// (`2024-04-09T18:54:12.25Z`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(30);
        self.write_seconds(&mut text)?;
        if self.nanos != 0 {
            let fraction = format!("{:09}", self.nanos);
            text.push('.');
            text.push_str(fraction.trim_end_matches('0'));
        }
        text.push('Z');
        f.pad(&text)
    }
}

impl fmt::Debug for DateTime {
    /// As [`Display`](fmt::Display): `2024-04-09T18:54:12Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for DateTime {
    type Err = DateTimeError;

    /// Parses RFC 3339: `2024-04-09T18:54:12Z`, a fraction of a second, an offset
    /// (`+02:00`, applied), `t`/`z` in lower case, a space for the `T`.
    fn from_str(text: &str) -> Result<DateTime, DateTimeError> {
        match DateTime::parse_wire(text) {
            Some(at) => Ok(at),
            None => DateTime::parse_rfc3339(text),
        }
    }
}

impl TryFrom<&str> for DateTime {
    type Error = DateTimeError;

    /// Parses RFC 3339, as [`FromStr`].
    fn try_from(text: &str) -> Result<DateTime, DateTimeError> {
        text.parse()
    }
}

impl From<DateTime> for SystemTime {
    fn from(at: DateTime) -> SystemTime {
        match u64::try_from(at.seconds) {
            Ok(after) => SystemTime::UNIX_EPOCH + Duration::new(after, at.nanos),
            Err(_) => {
                SystemTime::UNIX_EPOCH - Duration::from_secs(at.seconds.unsigned_abs())
                    + Duration::from_nanos(at.nanos.into())
            }
        }
    }
}

impl serde::Serialize for DateTime {
    /// Written as its RFC 3339 text ([`Display`](fmt::Display)).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for DateTime {
    /// Read from an RFC 3339 text.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromStrVisitor::<DateTime>(
            RFC3339_EXAMPLE,
            Default::default(),
        ))
    }
}

impl Time {
    /// `00:00:00`.
    pub const MIDNIGHT: Time = Time { seconds: 0 };

    /// A time of day: an hour 0 to 23, a minute and a second 0 to 59.
    pub fn from_hms(hour: u8, minute: u8, second: u8) -> Result<Time, DateTimeError> {
        if hour > 23 {
            return Err(out_of_range("hour", hour, 0, 23));
        }
        if minute > 59 {
            return Err(out_of_range("minute", minute, 0, 59));
        }
        if second > 59 {
            return Err(out_of_range("second", second, 0, 59));
        }
        Ok(Time {
            seconds: u32::from(hour) * 3600 + u32::from(minute) * 60 + u32::from(second),
        })
    }

    /// The hour (0 to 23).
    pub fn hour(&self) -> u8 {
        (self.seconds / 3600) as u8
    }

    /// The minute (0 to 59).
    pub fn minute(&self) -> u8 {
        (self.seconds / 60 % 60) as u8
    }

    /// The second (0 to 59).
    pub fn second(&self) -> u8 {
        (self.seconds % 60) as u8
    }

    /// The seconds since midnight (0 to 86 399).
    pub fn seconds_from_midnight(&self) -> u32 {
        self.seconds
    }
}

impl fmt::Display for Time {
    /// `HH:MM:SS`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = format!(
            "{:02}:{:02}:{:02}",
            self.hour(),
            self.minute(),
            self.second()
        );
        f.pad(&text)
    }
}

impl fmt::Debug for Time {
    /// As [`Display`](fmt::Display): `08:30:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Time {
    type Err = DateTimeError;

    /// Parses `HH:MM:SS`, as the API writes it.
    fn from_str(text: &str) -> Result<Time, DateTimeError> {
        let fail = |problem| DateTimeError::Parse {
            text: text.to_owned(),
            expected: TIME_EXAMPLE,
            problem,
        };
        let b = text.as_bytes();
        if b.len() != 8 || b[2] != b':' || b[5] != b':' {
            return Err(fail(
                "it is not two digits each for hours, minutes and seconds",
            ));
        }
        let part = |at: usize| -> Option<u8> {
            let (t, u) = (b[at], b[at + 1]);
            (t.is_ascii_digit() && u.is_ascii_digit()).then(|| (t - b'0') * 10 + (u - b'0'))
        };
        let (Some(h), Some(m), Some(s)) = (part(0), part(3), part(6)) else {
            return Err(fail(
                "it is not two digits each for hours, minutes and seconds",
            ));
        };
        match (h, m, s) {
            (24.., _, _) => Err(fail("the hour is not 00 to 23")),
            (_, 60.., _) => Err(fail("the minute is not 00 to 59")),
            (_, _, 60..) => Err(fail("the second is not 00 to 59")),
            _ => Time::from_hms(h, m, s),
        }
    }
}

impl TryFrom<&str> for Time {
    type Error = DateTimeError;

    /// Parses `HH:MM:SS`, as [`FromStr`].
    fn try_from(text: &str) -> Result<Time, DateTimeError> {
        text.parse()
    }
}

impl serde::Serialize for Time {
    /// Written as `HH:MM:SS`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Time {
    /// Read from `HH:MM:SS`.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(FromStrVisitor::<Time>(TIME_EXAMPLE, Default::default()))
    }
}

/// Reads a string with `T`'s `FromStr`.
struct FromStrVisitor<T>(&'static str, std::marker::PhantomData<T>);

impl<T> serde::de::Visitor<'_> for FromStrVisitor<T>
where
    T: FromStr<Err = DateTimeError>,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
        text.parse().map_err(E::custom)
    }
}

#[cfg(feature = "time")]
#[cfg_attr(docsrs, doc(cfg(feature = "time")))]
mod with_time {
    use super::{DateTime, DateTimeError, Time};
    use time_crate as time;

    impl From<DateTime> for time::OffsetDateTime {
        /// The same instant, at the UTC offset.
        fn from(at: DateTime) -> time::OffsetDateTime {
            // Every `DateTime` is within `time`'s range (years -9999 to 9999).
            time::OffsetDateTime::from_unix_timestamp_nanos(at.unix_timestamp_nanos())
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        }
    }

    impl TryFrom<time::OffsetDateTime> for DateTime {
        type Error = DateTimeError;

        /// The same instant (its offset is not kept); an error before year 0 or after year 9999
        /// in UTC.
        fn try_from(at: time::OffsetDateTime) -> Result<DateTime, DateTimeError> {
            DateTime::from_unix_timestamp_nanos(at.unix_timestamp_nanos())
        }
    }

    impl From<Time> for time::Time {
        /// The same time of day.
        fn from(at: Time) -> time::Time {
            time::Time::from_hms(at.hour(), at.minute(), at.second())
                .unwrap_or(time::Time::MIDNIGHT)
        }
    }

    impl From<time::Time> for Time {
        /// The same time of day to the second (a fraction of a second is dropped: the API's times
        /// of day are whole seconds).
        fn from(at: time::Time) -> Time {
            Time {
                seconds: u32::from(at.hour()) * 3600
                    + u32::from(at.minute()) * 60
                    + u32::from(at.second()),
            }
        }
    }
}

#[cfg(feature = "jiff")]
#[cfg_attr(docsrs, doc(cfg(feature = "jiff")))]
mod with_jiff {
    use super::{DateTime, DateTimeError, Time};

    impl TryFrom<DateTime> for jiff::Timestamp {
        type Error = DateTimeError;

        /// The same instant; an error for the last 26 hours of year 9999, after
        /// `jiff::Timestamp::MAX` (`9999-12-30T22:00:00.999999999Z`).
        fn try_from(at: DateTime) -> Result<jiff::Timestamp, DateTimeError> {
            let nanos = at.unix_timestamp_nanos();
            jiff::Timestamp::from_nanosecond(nanos).map_err(|_| DateTimeError::OutOfRange {
                what: "instant for a jiff::Timestamp, in nanoseconds from the Unix epoch,",
                value: nanos,
                min: jiff::Timestamp::MIN.as_nanosecond(),
                max: jiff::Timestamp::MAX.as_nanosecond(),
            })
        }
    }

    impl TryFrom<jiff::Timestamp> for DateTime {
        type Error = DateTimeError;

        /// The same instant; an error before year 0 or after year 9999 in UTC.
        fn try_from(at: jiff::Timestamp) -> Result<DateTime, DateTimeError> {
            DateTime::from_unix_timestamp_nanos(at.as_nanosecond())
        }
    }

    impl From<Time> for jiff::civil::Time {
        /// The same time of day.
        fn from(at: Time) -> jiff::civil::Time {
            jiff::civil::Time::constant(at.hour() as i8, at.minute() as i8, at.second() as i8, 0)
        }
    }

    impl From<jiff::civil::Time> for Time {
        /// The same time of day to the second (a fraction of a second is dropped: the API's times
        /// of day are whole seconds).
        fn from(at: jiff::civil::Time) -> Time {
            Time {
                seconds: at.hour() as u32 * 3600 + at.minute() as u32 * 60 + at.second() as u32,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn dates_display_as_rfc_3339_in_utc() {
        let d = DateTime::from_unix_timestamp(1_796_605_342).unwrap();
        assert_eq!(d.to_string(), "2026-12-07T01:02:22Z");
        assert_eq!(format!("{d:?}"), "2026-12-07T01:02:22Z");
        assert_eq!(format!("[{d:>22}]"), "[  2026-12-07T01:02:22Z]");
        assert_eq!(DateTime::UNIX_EPOCH.to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(DateTime::MIN.to_string(), "0000-01-01T00:00:00Z");
        assert_eq!(DateTime::MAX.to_string(), "9999-12-31T23:59:59.999999999Z");
        let half = DateTime::from_unix_timestamp_nanos(1_500_000_000).unwrap();
        assert_eq!(half.to_string(), "1970-01-01T00:00:01.5Z");
        assert_eq!(half.to_wire(), "1970-01-01T00:00:01Z");
        let before = DateTime::from_unix_timestamp_nanos(-1).unwrap();
        assert_eq!(before.to_string(), "1969-12-31T23:59:59.999999999Z");
        assert_eq!(before.unix_timestamp(), -1);
    }

    #[test]
    fn the_calendar_is_right_at_its_edges() {
        for (text, seconds) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T00:00:00Z", 951_782_400),
            ("2000-03-01T00:00:00Z", 951_868_800),
            ("1900-03-01T00:00:00Z", -2_203_891_200),
            ("2024-12-31T23:59:59Z", 1_735_689_599),
            ("0000-01-01T00:00:00Z", MIN_SECONDS),
            ("0000-02-29T00:00:00Z", -62_162_121_600),
            ("9999-12-31T23:59:59Z", MAX_SECONDS),
        ] {
            assert_eq!(at(text).unix_timestamp(), seconds, "{text}");
            assert_eq!(at(text).to_string(), text);
        }
        // Every day of four centuries: the date displayed parses back to the same day, and
        // days follow one another.
        let mut last = None;
        for day in (MIN_SECONDS / SECONDS_PER_DAY)..=(MIN_SECONDS / SECONDS_PER_DAY + 146_097) {
            let d = DateTime::from_unix_timestamp(day * SECONDS_PER_DAY + 45_296).unwrap();
            let (y, m, dd) = d.civil();
            assert_eq!(days_from_civil(y, m, dd), day);
            assert_eq!(at(&d.to_string()), d);
            assert!(dd <= days_in_month(y, m));
            if let Some((ly, lm, ld)) = last {
                assert!((y, m, dd) > (ly, lm, ld));
            }
            last = Some((y, m, dd));
        }
    }

    #[test]
    fn rfc_3339_parses_with_offsets_fractions_and_case() {
        let utc = at("2024-04-09T18:54:12Z");
        assert_eq!(at("2024-04-09T20:54:12+02:00"), utc);
        assert_eq!(at("2024-04-09T13:24:12-05:30"), utc);
        assert_eq!(at("2024-04-09t18:54:12z"), utc);
        assert_eq!(at("2024-04-09 18:54:12-00:00"), utc);
        assert_eq!(
            at("2024-04-10T00:00:12+05:06").to_string(),
            "2024-04-09T18:54:12Z"
        );
        let fine = at("2024-04-09T18:54:12.123456789123Z");
        assert_eq!(fine.nanosecond(), 123_456_789);
        assert_eq!(at("2024-04-09T18:54:12.25Z").nanosecond(), 250_000_000);
        assert_eq!(at(&fine.to_string()), fine);
        // A leap second reads as the last nanosecond before it.
        let leap = at("2016-12-31T23:59:60Z");
        assert_eq!(leap.to_string(), "2016-12-31T23:59:59.999999999Z");
        assert_eq!(at("2017-01-01T00:59:60+01:00"), leap);
    }

    #[test]
    fn bad_dates_say_what_is_wrong() {
        let leap = "the second is not 00 to 59 (60 only for a leap second, at 23:59:60 UTC on a \
                    month's last day)";
        let offset = "the time must end with 'Z' or an offset from -23:59 to +23:59 such as +02:00";
        let literal = "a '-', ':' or '.' is missing or misplaced";
        let range = "the instant is not within the years 0000 to 9999 in UTC";
        for (text, problem) in [
            ("", "the year is not four digits"),
            ("24-04-09T18:54:12Z", "the year is not four digits"),
            ("2024/04/09T18:54:12Z", literal),
            ("2024-13-09T18:54:12Z", "the month is not 01 to 12"),
            ("2023-02-29T18:54:12Z", "the day is not a day of that month"),
            ("2024-04-31T18:54:12Z", "the day is not a day of that month"),
            (
                "2024-04-09_18:54:12Z",
                "a 'T' must separate the date and the time",
            ),
            ("2024-04-09T24:00:00Z", "the hour is not 00 to 23"),
            ("2024-04-09T18:60:12Z", "the minute is not 00 to 59"),
            ("2024-04-09T18:54:61Z", leap),
            ("2024-04-09T18:54:60Z", leap),
            ("2024-04-09T18:54Z", literal),
            ("2024-04-09T18:54:12", offset),
            (
                "2024-04-09T18:54:12.Z",
                "a '.' must be followed by the fraction's digits",
            ),
            ("2024-04-09T18:54:12+2:00", offset),
            ("2024-04-09T18:54:12+24:00", offset),
            ("2024-04-09T18:54:12Z ", "text follows the date and time"),
            ("0000-01-01T00:00:00+00:01", range),
            ("9999-12-31T23:59:59-00:01", range),
            ("２０２４-04-09T18:54:12Z", "the year is not four digits"),
        ] {
            let err = text.parse::<DateTime>().unwrap_err();
            assert_eq!(
                err,
                DateTimeError::Parse {
                    text: text.to_owned(),
                    expected: RFC3339_EXAMPLE,
                    problem
                },
                "{text}"
            );
            assert!(err.to_string().contains(problem));
        }
        assert_eq!(
            "2024-13-09T18:54:12Z"
                .parse::<DateTime>()
                .unwrap_err()
                .to_string(),
            "\"2024-13-09T18:54:12Z\" is not an RFC 3339 date and time such as \
             2024-04-09T18:54:12Z: the month is not 01 to 12"
        );
        let long = "x".repeat(500);
        let message = long.parse::<DateTime>().unwrap_err().to_string();
        assert!(message.len() < 200, "{message}");
    }

    #[test]
    fn out_of_range_values_are_refused() {
        assert_eq!(
            DateTime::from_unix_timestamp(MAX_SECONDS + 1)
                .unwrap_err()
                .to_string(),
            "Unix timestamp 253402300800 is out of range (-62167219200 to 253402300799)"
        );
        assert!(DateTime::from_unix_timestamp(MIN_SECONDS - 1).is_err());
        assert!(DateTime::from_unix_timestamp_nanos(i128::MAX).is_err());
        assert!(DateTime::from_unix_timestamp(i64::MIN).is_err());
        assert_eq!(
            DateTime::from_ymd_hms(2023, 2, 29, 0, 0, 0).unwrap_err(),
            out_of_range("day", 29u8, 1, 28)
        );
        assert!(DateTime::from_ymd_hms(10_000, 1, 1, 0, 0, 0).is_err());
        assert!(DateTime::from_ymd_hms(2024, 0, 1, 0, 0, 0).is_err());
        assert!(DateTime::from_ymd_hms(2024, 1, 1, 24, 0, 0).is_err());
        assert_eq!(
            DateTime::from_ymd_hms(2024, 4, 9, 18, 54, 12).unwrap(),
            at("2024-04-09T18:54:12Z")
        );
        assert_eq!(DateTime::MAX.checked_add(Duration::from_nanos(1)), None);
        assert_eq!(DateTime::MIN.checked_sub(Duration::from_nanos(1)), None);
        assert_eq!(
            DateTime::UNIX_EPOCH.checked_sub(Duration::from_millis(1500)),
            Some(DateTime::from_unix_timestamp_nanos(-1_500_000_000).unwrap())
        );
        assert_eq!(
            at("2024-04-09T18:54:12Z").checked_add(Duration::from_secs(86_400)),
            Some(at("2024-04-10T18:54:12Z"))
        );
    }

    #[test]
    fn differences_are_signed_and_order_is_time_order() {
        let (a, b) = (at("2024-04-09T18:54:12Z"), at("2024-04-09T19:54:12.5Z"));
        assert!(a < b);
        assert_eq!(b.seconds_since(a), 3600);
        assert_eq!(a.seconds_since(b), -3600);
        assert_eq!(b.duration_since(a), Some(Duration::from_millis(3_600_500)));
        assert_eq!(a.duration_since(b), None);
        assert_eq!(a.duration_since(a), Some(Duration::ZERO));
        assert_eq!(
            DateTime::MAX.seconds_since(DateTime::MIN),
            MAX_SECONDS - MIN_SECONDS
        );
        let mut set = std::collections::HashSet::new();
        set.insert(a);
        assert!(set.contains(&at("2024-04-09T20:54:12+02:00")));
        let now = DateTime::now();
        assert!(now > at("2024-01-01T00:00:00Z") && now < DateTime::MAX);
        let system = SystemTime::from(a);
        assert_eq!(
            system
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs(),
            1_712_688_852
        );
        let before = DateTime::from_unix_timestamp_nanos(-1_500_000_000).unwrap();
        assert_eq!(
            SystemTime::UNIX_EPOCH
                .duration_since(SystemTime::from(before))
                .unwrap(),
            Duration::from_millis(1500)
        );
    }

    #[test]
    fn wire_dates_take_only_the_servers_form() {
        assert_eq!(
            DateTime::parse_wire("2024-04-09T18:54:12Z"),
            Some(at("2024-04-09T18:54:12Z"))
        );
        for other in [
            "2024-04-09T18:54:12+00:00",
            "2024-04-09t18:54:12Z",
            "2024-02-30T18:54:12Z",
            "2024-04-09T18:54:60Z",
            "2024-04-09T18:54:12.0Z",
        ] {
            assert_eq!(DateTime::parse_wire(other), None, "{other}");
        }
    }

    #[test]
    fn times_of_day_display_and_parse_as_hh_mm_ss() {
        let t = Time::from_hms(8, 5, 0).unwrap();
        assert_eq!(t.to_string(), "08:05:00");
        assert_eq!(format!("{t:?}"), "08:05:00");
        assert_eq!("08:05:00".parse::<Time>().unwrap(), t);
        assert_eq!((t.hour(), t.minute(), t.second()), (8, 5, 0));
        assert_eq!(t.seconds_from_midnight(), 29_100);
        assert_eq!(Time::MIDNIGHT.to_string(), "00:00:00");
        assert_eq!("23:59:59".parse::<Time>().unwrap().to_string(), "23:59:59");
        assert!(Time::MIDNIGHT < t);
        for (text, problem) in [
            (
                "8:05:00",
                "it is not two digits each for hours, minutes and seconds",
            ),
            (
                "08:05",
                "it is not two digits each for hours, minutes and seconds",
            ),
            (
                "08:05:0x",
                "it is not two digits each for hours, minutes and seconds",
            ),
            ("24:00:00", "the hour is not 00 to 23"),
            ("08:60:00", "the minute is not 00 to 59"),
            ("08:05:60", "the second is not 00 to 59"),
        ] {
            let err = text.parse::<Time>().unwrap_err();
            assert_eq!(
                err,
                DateTimeError::Parse {
                    text: text.to_owned(),
                    expected: TIME_EXAMPLE,
                    problem
                }
            );
        }
        assert_eq!(
            Time::from_hms(24, 0, 0).unwrap_err().to_string(),
            "hour 24 is out of range (0 to 23)"
        );
        assert!(Time::from_hms(0, 60, 0).is_err());
        assert!(Time::from_hms(0, 0, 60).is_err());
        assert_eq!(at("2024-04-09T18:54:12Z").time().to_string(), "18:54:12");
    }

    #[test]
    fn serde_writes_and_reads_the_texts() {
        let d = at("2024-04-09T18:54:12Z");
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            "\"2024-04-09T18:54:12Z\""
        );
        assert_eq!(
            serde_json::from_str::<DateTime>("\"2024-04-09T20:54:12+02:00\"").unwrap(),
            d
        );
        let err = serde_json::from_str::<DateTime>("\"2024-04-31T00:00:00Z\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("the day is not a day of that month"),
            "{err}"
        );
        assert!(serde_json::from_str::<DateTime>("12").is_err());
        let t = Time::from_hms(6, 30, 0).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"06:30:00\"");
        assert_eq!(serde_json::from_str::<Time>("\"06:30:00\"").unwrap(), t);
    }
}
