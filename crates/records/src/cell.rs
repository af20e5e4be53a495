//! Cells as people type them, turned into values.
//!
//! Every cell is trimmed (ASCII and full-width spaces). NFKC — full-width digits, letters and
//! spaces made plain — is applied only to codes, numbers, dates, phones and e-mail addresses:
//! names and titles keep their characters, so （） and ① stay as typed. The `'` that the CSV
//! export puts before a cell beginning with `=`, `+`, `-` or `@` (so that a spreadsheet does not
//! run it) is removed again.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use unicode_normalization::UnicodeNormalization;

/// Characters after which the export's neutralising `'` stands (src/export.rs).
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell: trimmed, the export's formula-neutralising prefix removed.
pub fn text(raw: &str) -> String {
    let trimmed = trim(raw);
    match trimmed.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_TRIGGERS) => rest.to_owned(),
        _ => trimmed.to_owned(),
    }
}

/// A code, number, date, phone or e-mail cell: [`text`], then NFKC, then trimmed again (a
/// full-width space becomes a plain one).
pub fn normalized(raw: &str) -> String {
    let text = text(raw);
    let folded: String = text.nfkc().collect();
    trim(&folded).to_owned()
}

fn trim(raw: &str) -> &str {
    raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{feff}')
}

/// A whole number (`12`, `１２`, `12.0` as spreadsheets store numbers).
pub fn integer(raw: &str) -> Option<i64> {
    let value = normalized(raw);
    let value = value.strip_suffix(".0").unwrap_or(&value);
    value.parse().ok()
}

/// A date typed as `2020-06-01`, `2020/6/1`, `2020.6.1`, `2020年6月1日` (full-width digits
/// allowed) or stored by Excel as a serial number (`43983`).
pub fn date(raw: &str) -> Option<NaiveDate> {
    let value = normalized(raw);
    if value.is_empty() {
        return None;
    }
    if let Ok(serial) = value.parse::<f64>() {
        return from_serial(serial);
    }
    let value = value.replace(['年', '月'], "-").replace('日', "");
    let parts: Vec<&str> = value
        .split(['-', '/', '.'])
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .collect();
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

/// The date of an Excel serial number (1900 date system, with Excel's phantom 1900-02-29:
/// serial 60; serials from 61 count from 1899-12-30). Only plausible dates (1900–2200).
fn from_serial(serial: f64) -> Option<NaiveDate> {
    if !(1.0..=110_000.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = if days < 61 { days + 1 } else { days };
    base.checked_add_signed(chrono::Duration::days(days))
}

/// China Standard Time, in which people type times and exports write them.
pub(crate) fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// A moment typed in China Standard Time as a date (see [`date`]) followed by `14:30` or
/// `14:30:05` (`2020-06-01 14:30`, `2020/6/1 14:30`, `2020年6月1日 14:30`), a date alone
/// (midnight), RFC 3339 with its own offset, or an Excel serial number with a fraction of a day.
pub fn datetime(raw: &str) -> Option<DateTime<Utc>> {
    let value = normalized(raw);
    if value.is_empty() {
        return None;
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(&value) {
        return Some(at.with_timezone(&Utc));
    }
    if let Ok(serial) = value.parse::<f64>() {
        let day = from_serial(serial)?;
        let seconds = ((serial - serial.floor()) * 86_400.0).round() as u32;
        let time = NaiveTime::from_num_seconds_from_midnight_opt(seconds.min(86_399), 0)?;
        return local(day.and_time(time));
    }
    let (day, time) = match value.split_once([' ', 'T']) {
        Some((day, time)) => (day.trim(), Some(time.trim())),
        None => (value.as_str(), None),
    };
    let day = date(day)?;
    let time = match time {
        None => NaiveTime::MIN,
        Some(time) => NaiveTime::parse_from_str(time, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"))
            .ok()?,
    };
    local(day.and_time(time))
}

fn local(at: NaiveDateTime) -> Option<DateTime<Utc>> {
    china()
        .from_local_datetime(&at)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

/// How exports write a moment: China Standard Time, `2020-06-01 14:30`, with seconds only when
/// there are some (sub-second parts are not kept).
pub fn format_datetime(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&china());
    if local.format("%S").to_string() == "00" {
        local.format("%Y-%m-%d %H:%M").to_string()
    } else {
        local.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// An enumeration value by its code (`FEMALE`, any case) or one of its labels (`女`), as
/// listed in the template.
pub fn choice<T: Copy>(raw: &str, options: &[(T, &str, &[&str])]) -> Option<T> {
    let value = normalized(raw);
    options.iter().find_map(|(item, code, labels)| {
        (code.eq_ignore_ascii_case(&value) || labels.contains(&value.as_str())).then_some(*item)
    })
}

/// The labels of an enumeration, as the error message lists them: `男/女`.
pub fn labels<T>(options: &[(T, &str, &[&str])]) -> String {
    options
        .iter()
        .filter_map(|(_, _, labels)| labels.first().copied())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(year, month, day)
    }

    #[test]
    fn text_is_trimmed_and_keeps_its_characters() {
        assert_eq!(text("  王（小）红①\u{3000}"), "王（小）红①");
        assert_eq!(text("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(text("'-3"), "-3");
        assert_eq!(text("'quoted"), "'quoted");
    }

    #[test]
    fn codes_and_numbers_are_folded_to_plain_characters() {
        assert_eq!(normalized("\u{3000}３３０２１２ "), "330212");
        assert_eq!(
            normalized("ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ"),
            "wang@example.cn"
        );
        assert_eq!(integer("１２"), Some(12));
        assert_eq!(integer("12.0"), Some(12));
        assert_eq!(integer("十二"), None);
    }

    #[test]
    fn dates_are_read_in_the_forms_people_type() {
        for typed in [
            "2020-06-01",
            "2020/6/1",
            "2020.6.1",
            "2020年6月1日",
            "２０２０年６月１日",
            "43983",
            "43983.5",
        ] {
            assert_eq!(date(typed), ymd(2020, 6, 1), "{typed}");
        }
        assert_eq!(date("1900-01-01"), ymd(1900, 1, 1));
        assert_eq!(date("1"), ymd(1900, 1, 1));
        assert_eq!(date("61"), ymd(1900, 3, 1));
        for bad in ["", "2020-13-01", "六月一日", "2020-06", "-5"] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }

    #[test]
    fn enumerations_take_codes_and_labels() {
        const OPTIONS: &[(u8, &str, &[&str])] = &[(1, "MALE", &["男"]), (2, "FEMALE", &["女"])];
        assert_eq!(choice("女", OPTIONS), Some(2));
        assert_eq!(choice(" male ", OPTIONS), Some(1));
        assert_eq!(choice("男性", OPTIONS), None);
        assert_eq!(labels(OPTIONS), "男/女");
    }

    #[test]
    fn moments_are_read_in_china_time_and_written_back_the_same() {
        let expected = "2020-06-01T06:30:00Z".parse::<DateTime<Utc>>().ok();
        for typed in [
            "2020-06-01 14:30",
            "2020/6/1 14:30:00",
            "2020年6月1日 14:30",
            "２０２０-０６-０１　14:30",
            "2020-06-01T14:30:00+08:00",
            "43983.6041666667",
        ] {
            assert_eq!(datetime(typed), expected, "{typed}");
        }
        assert_eq!(
            datetime("2020-06-01"),
            "2020-05-31T16:00:00Z".parse::<DateTime<Utc>>().ok()
        );
        for bad in ["", "2020-06-01 25:00", "明天下午", "2020-06-01 14"] {
            assert_eq!(datetime(bad), None, "{bad}");
        }
        let at = datetime("2020-06-01 14:30").unwrap();
        assert_eq!(format_datetime(at), "2020-06-01 14:30");
        assert_eq!(datetime(&format_datetime(at)), Some(at));
        let with_seconds = datetime("2020-06-01 14:30:05").unwrap();
        assert_eq!(format_datetime(with_seconds), "2020-06-01 14:30:05");
    }
}
