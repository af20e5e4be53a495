//! Calendar years in China Standard Time (UTC+8), the calendar the committees work in, as
//! half-open ranges of UTC instants.

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};

use crate::DomainError;

/// `[Jan 1 00:00 +08:00, next Jan 1 00:00 +08:00)` of `year`, as UTC instants: a time lies in the
/// year when `start <= time < end`.
pub fn year_instants(year: i32) -> Result<(DateTime<Utc>, DateTime<Utc>), DomainError> {
    let invalid = || DomainError::invalid("year", format!("{year} is not a valid year"));
    let china = FixedOffset::east_opt(8 * 3600).ok_or_else(invalid)?;
    let start_of = |year: i32| -> Option<DateTime<Utc>> {
        let midnight = NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?;
        Some(
            china
                .from_local_datetime(&midnight)
                .single()?
                .with_timezone(&Utc),
        )
    };
    let start = start_of(year).ok_or_else(invalid)?;
    let end = year.checked_add(1).and_then(start_of).ok_or_else(invalid)?;
    Ok((start, end))
}

/// The first and last day of a calendar year.
pub fn year_days(year: i32) -> Result<(NaiveDate, NaiveDate), DomainError> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1);
    let last = NaiveDate::from_ymd_opt(year, 12, 31);
    first
        .zip(last)
        .ok_or_else(|| DomainError::invalid("year", format!("{year} is not a valid year")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_starts_at_midnight_in_china() {
        let (start, end) = year_instants(2024).unwrap();
        assert_eq!(start.to_rfc3339(), "2023-12-31T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2024-12-31T16:00:00+00:00");
        assert!(year_instants(i32::MAX).is_err());
    }
}
