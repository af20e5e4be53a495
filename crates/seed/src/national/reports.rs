//! Sentiment reports (社情民意信息): 0–2 per lounge and year it was active, from the lounge,
//! written by one or two of its members.

use chrono::{Datelike, TimeDelta};
use entity::{
    enums::SentimentReportStatus, sentiment_report, sentiment_report_author,
    sentiment_report_source_lounge,
};
use sea_orm::ActiveValue::Set;

use super::consultations::latest;
use super::lounges::Lounge;
use super::plan::Committee;
use super::sink::Sink;
use super::text::{ACTIONS, TOPICS};
use crate::Progress;
use crate::demo::calendar::{add_days, days_between, hm, ymd};
use domain::{Db, DomainError};

/// One report with its authors.
struct Report {
    row: sentiment_report::ActiveModel,
    id: i64,
    authors: Vec<i64>,
}

/// The reports of one lounge, with ids from `first_id`.
fn for_lounge(
    lounge: &Lounge,
    committee: &Committee,
    first_id: i64,
) -> Result<Vec<Report>, DomainError> {
    let mut rng = super::rng_for(&committee.code, "reports", &lounge.name);
    let latest = latest()?;
    let last = lounge.last_day()?;
    let mut reports = Vec::new();
    for year in lounge.established.year()..=last.year() {
        let start = lounge.established.max(ymd(year, 1, 1)?);
        let days = days_between(start, last.min(ymd(year, 12, 31)?));
        if days < 0 {
            continue;
        }
        for _ in 0..rng.below(3) {
            let id = first_id + reports.len() as i64;
            let created = hm(add_days(start, rng.range(0, days)), 16, 0);
            let submitted = created + TimeDelta::days(2);
            let acknowledged = submitted + TimeDelta::days(rng.range(5, 40));
            let status = if year == 2020 && rng.chance(15) {
                SentimentReportStatus::Draft
            } else if acknowledged < latest && rng.chance(70) {
                SentimentReportStatus::Acknowledged
            } else {
                SentimentReportStatus::Submitted
            };
            let (submitted_at, acknowledged_at, updated) = match status {
                SentimentReportStatus::Draft => (None, None, created),
                SentimentReportStatus::Submitted => (Some(submitted), None, submitted.min(latest)),
                SentimentReportStatus::Acknowledged => {
                    (Some(submitted), Some(acknowledged), acknowledged)
                }
            };
            let topic = rng.pick(TOPICS);
            let mut authors = vec![lounge.members[rng.index(lounge.members.len())]];
            if rng.chance(40) {
                let other = lounge.members[rng.index(lounge.members.len())];
                if other != authors[0] {
                    authors.push(other);
                }
            }
            reports.push(Report {
                row: sentiment_report::ActiveModel {
                    id: Set(id),
                    region_id: Set(committee.id),
                    title: Set(format!("关于{topic}的社情民意")),
                    content: Set(format!(
                        "{}收集：群众反映{topic}方面仍有困难，建议{}。",
                        lounge.name,
                        rng.pick(ACTIONS)
                    )),
                    recipient: Set(format!("{}社情民意信息办公室", committee.cppcc())),
                    status: Set(status),
                    submitted_at: Set(submitted_at),
                    acknowledged_at: Set(acknowledged_at),
                    acknowledgement: Set((status == SentimentReportStatus::Acknowledged)
                        .then(|| "请相关部门研究办理".to_owned())),
                    version: Set(match status {
                        SentimentReportStatus::Draft => 0,
                        SentimentReportStatus::Submitted => 1,
                        SentimentReportStatus::Acknowledged => 2,
                    }),
                    created_at: Set(created),
                    updated_at: Set(updated.min(latest).max(created)),
                },
                id,
                authors,
            });
        }
    }
    Ok(reports)
}

/// Generates every lounge's reports in order (ids 1..n) and hands them to `each`.
fn walk(
    lounges: &[Lounge],
    committees: &[Committee],
    mut each: impl FnMut(&Lounge, Vec<Report>),
) -> Result<(), DomainError> {
    let mut next = 1_i64;
    for lounge in lounges {
        let reports = for_lounge(lounge, &committees[lounge.committee], next)?;
        next += reports.len() as i64;
        each(lounge, reports);
    }
    Ok(())
}

/// Writes reports, source lounges and authors; returns the number of reports.
pub(super) async fn write(
    db: &Db,
    committees: &[Committee],
    lounges: &[Lounge],
    progress: &mut dyn Progress,
) -> Result<u64, DomainError> {
    let (mut total, mut authors) = (0_u64, 0_u64);
    let mut reports = Vec::new();
    let mut sources = Vec::new();
    let mut writers = Vec::new();
    // Tens of thousands of rows at full scale: small enough to hold.
    walk(lounges, committees, |lounge, made| {
        for report in made {
            total += 1;
            authors += report.authors.len() as u64;
            sources.push(sentiment_report_source_lounge::ActiveModel {
                report_id: Set(report.id),
                lounge_id: Set(lounge.id),
            });
            for member in &report.authors {
                writers.push(sentiment_report_author::ActiveModel {
                    report_id: Set(report.id),
                    member_id: Set(*member),
                });
            }
            reports.push(report.row);
        }
    })?;
    let mut sink = Sink::new(db, total, progress);
    sink.extend(reports, progress).await?;
    let written = sink.finish(progress).await?;
    let mut sink = Sink::new(db, total, progress);
    sink.extend(sources, progress).await?;
    sink.finish(progress).await?;
    let mut sink = Sink::new(db, authors, progress);
    sink.extend(writers, progress).await?;
    sink.finish(progress).await?;
    Ok(written)
}
