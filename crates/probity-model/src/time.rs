//! Calendar values as the formats write them: `YYYY-MM-DD` dates and `YYYY-MM` year-months.
//!
//! Nothing here reads the clock: "today" is always passed in.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

/// Why a date or year-month was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateError {
    /// Not `YYYY-MM-DD`.
    #[error("{0:?} is not a date written YYYY-MM-DD")]
    DateSyntax(String),
    /// Right shape, but no such day.
    #[error("{0:?} is not a day of the calendar")]
    NoSuchDay(String),
    /// Not `YYYY-MM`.
    #[error("{0:?} is not a month written YYYY-MM")]
    MonthSyntax(String),
}

/// A calendar date, written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(NaiveDate);

impl Date {
    /// The earliest date Probity deals in.
    pub const MIN: Date = Date(NaiveDate::MIN);

    /// Parses exactly `YYYY-MM-DD` (four-digit year, two-digit month and day).
    pub fn parse(text: &str) -> Result<Date, DateError> {
        let b = text.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err(DateError::DateSyntax(text.to_owned()));
        }
        let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
        let year = i32::try_from(num(0..4)).unwrap_or(0);
        Date::from_ymd(year, num(5..7), num(8..10)).ok_or(DateError::NoSuchDay(text.to_owned()))
    }

    /// The date of a year, month and day, if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(year, month, day).map(Date)
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.0.year()
    }

    /// The month, 1–12.
    pub fn month(&self) -> u32 {
        self.0.month()
    }

    /// The day of the month.
    pub fn day(&self) -> u32 {
        self.0.day()
    }

    /// The year-month this date falls in.
    pub fn year_month(&self) -> YearMonth {
        YearMonth {
            year: self.year(),
            month: self.month(),
        }
    }

    /// This date moved by a number of days (negative moves back); `None` past the calendar's end.
    pub fn add_days(&self, days: i64) -> Option<Date> {
        self.0
            .checked_add_signed(chrono::TimeDelta::try_days(days)?)
            .map(Date)
    }

    /// Days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(&self, later: Date) -> i64 {
        (later.0 - self.0).num_days()
    }

    /// Whole years of age on `on` for someone born on `self`.
    pub fn age_on(&self, on: Date) -> i32 {
        let mut age = on.year() - self.year();
        if (on.month(), on.day()) < (self.month(), self.day()) {
            age -= 1;
        }
        age
    }

    /// Days since 1970-01-01, for compact storage and arithmetic.
    pub fn days_since_epoch(&self) -> i64 {
        i64::from(self.0.num_days_from_ce()) - 719_163
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// A month of a year, written `YYYY-MM` (when an asset was acquired, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    /// Parses exactly `YYYY-MM`.
    pub fn parse(text: &str) -> Result<YearMonth, DateError> {
        let b = text.as_bytes();
        let err = || DateError::MonthSyntax(text.to_owned());
        if b.len() != 7 || b[4] != b'-' {
            return Err(err());
        }
        if !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
        {
            return Err(err());
        }
        let year: i32 = text[..4].parse().map_err(|_| err())?;
        let month: u32 = text[5..].parse().map_err(|_| err())?;
        YearMonth::new(year, month).ok_or_else(err)
    }

    /// A year-month, if the month is 1–12.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The month, 1–12.
    pub fn month(&self) -> u32 {
        self.month
    }

    /// The first day of the month.
    pub fn first_day(&self) -> Date {
        Date::from_ymd(self.year, self.month, 1).unwrap_or(Date::MIN)
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A month, or a day where the writer knew it: `YYYY-MM` or `YYYY-MM-DD`, kept as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonthOrDate {
    /// Only the month is known.
    Month(YearMonth),
    /// The day is known.
    Day(Date),
}

impl MonthOrDate {
    /// Parses `YYYY-MM` or `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<MonthOrDate, DateError> {
        if text.len() == 7 {
            YearMonth::parse(text).map(MonthOrDate::Month)
        } else {
            Date::parse(text).map(MonthOrDate::Day)
        }
    }

    /// The month, whichever was written.
    pub fn year_month(&self) -> YearMonth {
        match self {
            MonthOrDate::Month(m) => *m,
            MonthOrDate::Day(d) => d.year_month(),
        }
    }
}

impl fmt::Display for MonthOrDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MonthOrDate::Month(m) => m.fmt(f),
            MonthOrDate::Day(d) => d.fmt(f),
        }
    }
}

macro_rules! calendar_serde {
    ($name:ident) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }
        impl std::str::FromStr for $name {
            type Err = DateError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::parse(s)
            }
        }
    };
}
calendar_serde!(Date);
calendar_serde!(YearMonth);
calendar_serde!(MonthOrDate);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(Date::parse("2025-02-28").unwrap().to_string(), "2025-02-28");
        assert!(matches!(
            Date::parse("2025-02-29"),
            Err(DateError::NoSuchDay(_))
        ));
        for bad in ["2025-2-28", "20250228", "2025/02/28", "2025-02-28T00:00"] {
            assert!(
                matches!(Date::parse(bad), Err(DateError::DateSyntax(_))),
                "{bad}"
            );
        }
        assert_eq!(YearMonth::parse("2015-06").unwrap().to_string(), "2015-06");
        assert!(YearMonth::parse("2015-13").is_err());
    }

    #[test]
    fn age_counts_birthdays() {
        let born = Date::parse("2008-01-30").unwrap();
        assert_eq!(born.age_on(Date::parse("2026-01-29").unwrap()), 17);
        assert_eq!(born.age_on(Date::parse("2026-01-30").unwrap()), 18);
    }
}
