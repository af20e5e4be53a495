//! Dates and times of the demo data set, in China Standard Time (UTC+8, no daylight saving).
//!
//! The data set ends on 2020-12-31: every timestamp is before 2021-01-01 00:00 in China, except
//! the `scheduled_at` of sessions scheduled for early 2021.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveTime, TimeDelta, Utc};

use domain::DomainError;

/// Offset of China Standard Time from UTC.
const CST_HOURS: i64 = 8;

/// A calendar date, or an error naming it (only a bug in the seed tables can cause one).
pub(crate) fn ymd(year: i32, month: u32, day: u32) -> Result<NaiveDate, DomainError> {
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        DomainError::Refused(format!(
            "demo data bug: invalid date {year}-{month:02}-{day:02}"
        ))
    })
}

/// The instant of `minutes` past midnight China time on `date`.
pub(crate) fn at(date: NaiveDate, minutes: i64) -> DateTime<Utc> {
    (date.and_time(NaiveTime::MIN) + TimeDelta::minutes(minutes) - TimeDelta::hours(CST_HOURS))
        .and_utc()
}

/// `hour:minute` China time on `date`.
pub(crate) fn hm(date: NaiveDate, hour: i64, minute: i64) -> DateTime<Utc> {
    at(date, hour * 60 + minute)
}

/// The calendar date in China of an instant.
pub(crate) fn china_date(instant: DateTime<Utc>) -> NaiveDate {
    (instant + TimeDelta::hours(CST_HOURS)).date_naive()
}

/// `date` plus `days` (which may be negative).
pub(crate) fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        date + Days::new(days.unsigned_abs())
    } else {
        date - Days::new(days.unsigned_abs())
    }
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub(crate) fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// The year of a date (a shorthand that reads better at call sites).
pub(crate) fn year_of(date: NaiveDate) -> i32 {
    date.year()
}

/// The end of the data set: 2020-12-31, the date the article's figures describe.
pub(crate) fn last_day() -> Result<NaiveDate, DomainError> {
    ymd(2020, 12, 31)
}

/// The first instant after the data set (2021-01-01 00:00 China time); nothing but a future
/// session's `scheduled_at` may be at or after it.
pub(crate) fn cutoff() -> Result<DateTime<Utc>, DomainError> {
    Ok(at(ymd(2021, 1, 1)?, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_midnight_is_sixteen_hundred_utc_the_day_before() -> Result<(), DomainError> {
        let instant = at(ymd(2021, 1, 1)?, 0);
        assert_eq!(instant.to_rfc3339(), "2020-12-31T16:00:00+00:00");
        assert_eq!(china_date(instant), ymd(2021, 1, 1)?);
        assert_eq!(
            china_date(instant - TimeDelta::seconds(1)),
            ymd(2020, 12, 31)?
        );
        Ok(())
    }
}
