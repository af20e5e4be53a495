//! Social-sentiment reports (社情民意信息) compiled by lounges.
//!
//! First the article's report: compiled in mid-February 2020 from the online deliberation of
//! the 海创园, 玉皇山南基金小镇 and 甬商·两新 lounges, sent to the provincial epidemic
//! prevention and control leading group office and acknowledged by the provincial
//! government's leaders. Then one or two reports per lounge and year, most submitted, many
//! acknowledged, the most recent ones still drafts.

use chrono::{DateTime, TimeDelta, Utc};
use entity::{
    enums::{LoungeRole, SentimentReportStatus as S},
    sentiment_report, sentiment_report_author, sentiment_report_source_lounge,
};
use sea_orm::ActiveValue::Set;

use super::{
    calendar::{add_days, cutoff, days_between, hm, ymd},
    lounges::{Lounge, named},
    memberships::Membership,
    rng::Rng,
    world::World,
};
use domain::DomainError;

/// Rows of the three report tables.
#[derive(Default)]
pub(crate) struct ReportRows {
    pub(crate) reports: Vec<sentiment_report::ActiveModel>,
    pub(crate) sources: Vec<sentiment_report_source_lounge::ActiveModel>,
    pub(crate) authors: Vec<sentiment_report_author::ActiveModel>,
}

/// A report before it gets its id.
struct Report {
    committee: usize,
    title: String,
    content: String,
    recipient: String,
    status: S,
    created_at: DateTime<Utc>,
    submitted_at: Option<DateTime<Utc>>,
    acknowledged: Option<(DateTime<Utc>, String)>,
    lounges: Vec<usize>,
    authors: Vec<i64>,
}

/// Subjects of generated reports; `{t}` is the lounge's theme.
const SUBJECTS: &[&str] = &[
    "关于{t}领域群众反映集中问题的建议",
    "关于破解{t}发展瓶颈的建议",
    "关于完善{t}扶持政策的建议",
    "关于{t}中基层治理短板的反映",
    "关于加强{t}人才保障的建议",
];

/// Report rows.
pub(crate) fn build(
    world: &World,
    lounges: &[Lounge],
    memberships: &[Membership],
) -> Result<ReportRows, DomainError> {
    let mut rng = Rng::new("reports");
    let end = cutoff()?;
    let members_on = |lounge: usize, day| -> Vec<i64> {
        memberships
            .iter()
            .filter(|m| m.lounge == lounge && m.active_on(day))
            .map(|m| m.member_id)
            .collect()
    };
    let mut reports = Vec::new();

    let compiled = ymd(2020, 2, 15)?;
    let sources = vec![named::HAICHUANG, named::YUHUANG, named::YONGSHANG];
    let mut authors = Vec::new();
    for &lounge in &sources {
        authors.extend(
            memberships
                .iter()
                .filter(|m| {
                    m.lounge == lounge && m.role == LoungeRole::Lead && m.active_on(compiled)
                })
                .map(|m| m.member_id)
                .take(2),
        );
    }
    reports.push(Report {
        committee: world.index("330000")?,
        title: "关于帮助企业有序复工复产的建议（委员会客厅网络议政综合）".to_owned(),
        content: "2月12日至14日，海创园、玉皇山南基金小镇和“甬商·两新”委员会客厅通过钉钉、微信和视频开展网络议政，企业反映用工返岗难、物流不畅、防疫物资短缺、资金周转紧张等问题。建议：一是分类分区推进复工复产；二是开通员工返岗专车专列；三是加大金融支持和减税降费力度；四是帮助中小企业解决口罩等防疫物资。".to_owned(),
        recipient: "省疫情防控工作领导小组办公室".to_owned(),
        status: S::Acknowledged,
        created_at: hm(compiled, 9, 0),
        submitted_at: Some(hm(compiled, 18, 0)),
        acknowledged: Some((hm(ymd(2020, 2, 17)?, 11, 0), "省政府领导作出批示，要求有关部门认真研究吸纳，帮助企业解决复工复产中的实际困难。".to_owned())),
        lounges: sources,
        authors,
    });

    for year in [2019, 2020] {
        let (first, last) = (ymd(year, 1, 10)?, ymd(year, 12, 20)?);
        for (index, lounge) in lounges.iter().enumerate() {
            let start = add_days(lounge.established_on, 20).max(first);
            if start > last {
                continue;
            }
            let count = rng.range(1, 2);
            for _ in 0..count {
                let day = add_days(start, rng.range(0, days_between(start, last)));
                let created_at = hm(day, 16, 0);
                let members = members_on(index, day);
                let authors: Vec<i64> = members
                    .iter()
                    .copied()
                    .take(rng.range(1, 3) as usize)
                    .collect();
                let committee = world.get(lounge.committee);
                let recipient = match rng.below(3) {
                    0 => format!("{}政协办公室", committee.name),
                    1 => format!("中共{}委员会办公室", committee.name),
                    _ => format!("{}人民政府办公室", committee.name),
                };
                let submitted = created_at + TimeDelta::days(rng.range(1, 10));
                let acknowledged = submitted + TimeDelta::days(rng.range(5, 40));
                let draft = rng.chance(if year == 2020 { 12 } else { 0 }) || submitted >= end;
                let (status, submitted_at, acknowledgement) = if draft {
                    (S::Draft, None, None)
                } else if acknowledged < end && rng.chance(45) {
                    (
                        S::Acknowledged,
                        Some(submitted),
                        Some((
                            acknowledged,
                            format!("{}领导批示：请有关部门研究办理。", committee.name),
                        )),
                    )
                } else {
                    (S::Submitted, Some(submitted), None)
                };
                reports.push(Report {
                    committee: lounge.committee,
                    title: rng.pick(SUBJECTS).replace("{t}", &lounge.theme),
                    content: format!("{}委员在走访调研中了解到，{}方面群众反映较多的问题主要集中在政策落实、资金保障和基层服务等环节。建议有关部门加强统筹，完善配套措施，及时回应群众关切。", lounge.name, lounge.theme),
                    recipient,
                    status,
                    created_at,
                    submitted_at,
                    acknowledged: acknowledgement,
                    lounges: vec![index],
                    authors,
                });
            }
        }
    }
    reports.sort_by_key(|r| (r.created_at, r.lounges.first().copied()));

    let mut out = ReportRows::default();
    for (position, report) in reports.into_iter().enumerate() {
        let id = position as i64 + 1;
        let updated_at = report
            .acknowledged
            .as_ref()
            .map(|(at, _)| *at)
            .or(report.submitted_at)
            .unwrap_or(report.created_at);
        let steps = match report.status {
            S::Draft => 0,
            S::Submitted => 1,
            S::Acknowledged => 2,
        };
        out.sources.extend(report.lounges.iter().map(|&l| {
            sentiment_report_source_lounge::ActiveModel {
                report_id: Set(id),
                lounge_id: Set(lounges[l].id),
            }
        }));
        let mut authors = report.authors.clone();
        authors.sort_unstable();
        authors.dedup();
        out.authors.extend(authors.into_iter().map(|member| {
            sentiment_report_author::ActiveModel {
                report_id: Set(id),
                member_id: Set(member),
            }
        }));
        out.reports.push(sentiment_report::ActiveModel {
            id: Set(id),
            region_id: Set(world.get(report.committee).id),
            title: Set(report.title),
            content: Set(report.content),
            recipient: Set(report.recipient),
            status: Set(report.status),
            submitted_at: Set(report.submitted_at),
            acknowledged_at: Set(report.acknowledged.as_ref().map(|(at, _)| *at)),
            acknowledgement: Set(report.acknowledged.map(|(_, text)| text)),
            version: Set(steps),
            created_at: Set(report.created_at),
            updated_at: Set(updated_at),
        });
    }
    Ok(out)
}
