//! Three-tier statistics (统计) as GraphQL: `RegionStatistics` and its figures, loaded for a whole
//! generation of regions at once (one fixed set of grouped statements, whatever the number of
//! regions or years).

use std::sync::Arc;

use async_graphql::{Context, Object, SimpleObject};
use domain::statistics::{self, Figures};

use crate::{
    error::{ApiError, Result},
    relations::region::RegionStatisticsSeries,
    types::region::{Region, RegionNode},
};

/// One statistics computation at a time per request. `statistics::compute` runs its
/// statements side by side, and a request's aliased `statistics` fields would each do so at
/// once, taking every pooled connection and making every other caller queue behind them; in
/// turn they keep the pool to about one computation's worth. Added to each request by
/// [`crate::request_data`]; without it computations are not gated.
#[derive(Clone, Debug)]
pub struct StatisticsGate(Arc<tokio::sync::Semaphore>);

impl Default for StatisticsGate {
    fn default() -> Self {
        Self(Arc::new(tokio::sync::Semaphore::new(1)))
    }
}

impl StatisticsGate {
    /// Waits for this request's turn; the turn ends when the permit is dropped.
    pub async fn turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        Arc::clone(&self.0).acquire_owned().await.ok()
    }
}

/// The statistics of `region` for `from_year..=to_year`, loaded for its whole generation.
pub async fn series(
    ctx: &Context<'_>,
    region: &RegionNode,
    from_year: i32,
    to_year: i32,
) -> Result<Vec<RegionStatistics>> {
    statistics::check_years(from_year, to_year)?;
    let batch = region
        .generation()
        .load::<RegionStatisticsSeries>(ctx, (from_year, to_year))
        .await?;
    Ok(batch
        .series
        .get(&region.row().id)
        .into_iter()
        .flatten()
        .map(|stats| RegionStatistics {
            region: region.clone(),
            year: stats.year,
            totals: stats.totals,
            own: stats.own,
            children: stats
                .children
                .iter()
                .filter_map(|(child, figures)| {
                    let index = *batch.child_positions.get(&child.id)?;
                    Some(ChildRegionStatistics {
                        region: RegionNode::at(index, Arc::clone(&batch.children)),
                        figures: *figures,
                    })
                })
                .collect(),
            quota: QuotaCompliance::from(stats.quota),
        })
        .collect())
}

/// The statistics of `region` for one year.
pub async fn one_year(
    ctx: &Context<'_>,
    region: &RegionNode,
    year: i32,
) -> Result<RegionStatistics> {
    series(ctx, region, year, year)
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::internal)
}

fn int(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Statistics of one region for one calendar year (China Standard Time, Jan 1 00:00 +08:00
/// inclusive to the next Jan 1 exclusive). Public: anyone, signed in or not, may read them;
/// the figures are counts and contain no personal data.
///
/// `totals` covers the region's whole subtree (its own committee and every committee below),
/// `own` its own committee alone (本级), `children` each child region's subtree. Every figure
/// except the distinct-member ones (`leadMembers`, `teamMembers`, `participatingMembers`) and
/// `loungeActivities` is additive: `totals` = `own` + Σ `children`. A cross-lounge activity
/// whose host lounges lie under different children counts once in `totals` and once in each of
/// those children, so there `totals` ≤ `own` + Σ `children`.
pub struct RegionStatistics {
    region: RegionNode,
    year: i32,
    totals: Figures,
    own: Figures,
    children: Vec<ChildRegionStatistics>,
    quota: QuotaCompliance,
}

/// Statistics of one region for one calendar year (China Standard Time, Jan 1 00:00 +08:00
/// inclusive to the next Jan 1 exclusive). Public: anyone, signed in or not, may read them;
/// the figures are counts and contain no personal data.
///
/// `totals` covers the region's whole subtree (its own committee and every committee below),
/// `own` its own committee alone (本级), `children` each child region's subtree. Every figure
/// except the distinct-member ones (`leadMembers`, `teamMembers`, `participatingMembers`) and
/// `loungeActivities` is additive: `totals` = `own` + Σ `children`. A cross-lounge activity
/// whose host lounges lie under different children counts once in `totals` and once in each of
/// those children, so there `totals` ≤ `own` + Σ `children`.
#[Object]
impl RegionStatistics {
    /// The region the statistics are about.
    async fn region(&self) -> Region {
        Region::from_node(self.region.clone())
    }

    /// The calendar year.
    async fn year(&self) -> i32 {
        self.year
    }

    /// Figures over the region's whole subtree: its own committee and every committee below.
    async fn totals(&self) -> StatisticsFigures {
        StatisticsFigures(self.totals)
    }

    /// Figures over the region's own committee alone (本级).
    async fn own(&self) -> StatisticsFigures {
        StatisticsFigures(self.own)
    }

    /// Figures over each child region's subtree, in code order (empty for a county).
    async fn children(&self) -> &[ChildRegionStatistics] {
        &self.children
    }

    /// Quota compliance over the region's whole subtree.
    async fn quota(&self) -> QuotaCompliance {
        self.quota
    }
}

/// The figures of one child region's subtree.
pub struct ChildRegionStatistics {
    region: RegionNode,
    figures: Figures,
}

/// The figures of one child region's subtree.
#[Object]
impl ChildRegionStatistics {
    /// The child region.
    async fn region(&self) -> Region {
        Region::from_node(self.region.clone())
    }

    /// Figures over the child region's whole subtree.
    async fn figures(&self) -> StatisticsFigures {
        StatisticsFigures(self.figures)
    }
}

/// The figures of one scope (a subtree, or one committee alone) in one year. A consultation,
/// lounge or report counts for its own committee; an activity for the committees of its host
/// lounges (once per scope, however many of its hosts are in it); a suggestion for the
/// committee of its consultation.
pub struct StatisticsFigures(Figures);

/// The figures of one scope (a subtree, or one committee alone) in one year. A consultation,
/// lounge or report counts for its own committee; an activity for the committees of its host
/// lounges (once per scope, however many of its hosts are in it); a suggestion for the
/// committee of its consultation.
#[Object]
impl StatisticsFigures {
    /// MAIN consultations held in the year: status HELD, FOLLOW_UP or CLOSED with `heldAt` in
    /// the year.
    async fn main_consultations_held(&self) -> i32 {
        int(self.0.main_consultations_held)
    }

    /// MICRO consultations held in the year (same definition of held).
    async fn micro_consultations_held(&self) -> i32 {
        int(self.0.micro_consultations_held)
    }

    /// Consultations held in the year (both kinds), by where their topic came from.
    async fn consultations_by_topic_source(&self) -> ConsultationsByTopicSource {
        ConsultationsByTopicSource {
            party_government: int(self.0.topic_party_government),
            member: int(self.0.topic_member),
            public: int(self.0.topic_public),
        }
    }

    /// Lounges active in the year: established on or before Dec 31 and not closed before
    /// Jan 1 (closedOn null or on/after Jan 1).
    async fn active_lounges(&self) -> i32 {
        int(self.0.active_lounges)
    }

    /// Distinct lead members (牵头委员): members with a LEAD membership of a lounge in scope
    /// that is active at some time in the year (since on or before Dec 31, until null or
    /// on/after Jan 1). Not additive over children.
    async fn lead_members(&self) -> i32 {
        int(self.0.lead_members)
    }

    /// Distinct team members (团队成员): members with a TEAM membership of a lounge in scope
    /// that is active at some time in the year (same rule as `leadMembers`). Not additive over
    /// children.
    async fn team_members(&self) -> i32 {
        int(self.0.team_members)
    }

    /// Lounge activities starting in the year, by kind; a cross-lounge activity counts once if
    /// any of its CONFIRMED host lounges is in scope (so it counts in every child region that
    /// has one of its hosts, and once in the parent). An invited lounge that has not confirmed,
    /// or declined, does not count it.
    async fn lounge_activities(&self) -> ActivityCounts {
        ActivityCounts {
            planned: int(self.0.planned_activities),
            flexible: int(self.0.flexible_activities),
        }
    }

    /// Suggestions made in the year (created in the year) and what became of them.
    async fn suggestions(&self) -> SuggestionFigures {
        SuggestionFigures {
            made: int(self.0.suggestions_made),
            accepted: int(self.0.suggestions_accepted),
            implemented: int(self.0.suggestions_implemented),
            acceptance_rate: self.0.acceptance_rate(),
            implementation_rate: self.0.implementation_rate(),
        }
    }

    /// Sentiment reports (社情民意信息) submitted and acknowledged in the year.
    async fn sentiment_reports(&self) -> SentimentReportFigures {
        SentimentReportFigures {
            submitted: int(self.0.reports_submitted),
            acknowledged: int(self.0.reports_acknowledged),
        }
    }

    /// Distinct members who took part in anything in the year and in scope: a participant of
    /// a consultation held in the year, a participant of an activity starting in the year, an
    /// author of a report submitted in the year, or a member of a lounge with a membership
    /// active at some time in the year (since on or before Dec 31, until null or on/after Jan 1). Placed where they took part (the consultation's, lounge's or
    /// report's committee), not by their own committee. Not additive over children.
    async fn participating_members(&self) -> i32 {
        int(self.0.participating_members)
    }
}

/// Consultations held in the year, by topic source.
#[derive(SimpleObject)]
pub struct ConsultationsByTopicSource {
    /// Topics from the Party committee or the government (党政点题).
    party_government: i32,
    /// Topics proposed by members (委员提题).
    member: i32,
    /// Topics from the public (群众出题).
    public: i32,
}

/// Lounge activities starting in the year, by kind.
#[derive(SimpleObject)]
pub struct ActivityCounts {
    /// PLANNED activities (the "4" of 4+X).
    planned: i32,
    /// FLEXIBLE activities (the "X").
    flexible: i32,
}

/// Suggestions made in the year.
#[derive(SimpleObject)]
pub struct SuggestionFigures {
    /// Suggestions created in the year, counted for the committee of their consultation.
    made: i32,
    /// Of those, the ones now ACCEPTED, IN_PROGRESS or IMPLEMENTED.
    accepted: i32,
    /// Of those, the ones now IMPLEMENTED.
    implemented: i32,
    /// accepted / made; 0 when none were made.
    acceptance_rate: f64,
    /// implemented / made; 0 when none were made.
    implementation_rate: f64,
}

/// Sentiment reports of the year.
#[derive(SimpleObject)]
pub struct SentimentReportFigures {
    /// Reports whose `submittedAt` lies in the year.
    submitted: i32,
    /// Reports whose `acknowledgedAt` lies in the year.
    acknowledged: i32,
}

/// Quota compliance over a subtree ("6+X": MAIN consultations per county committee; "4+X":
/// PLANNED activities per lounge; the quotas are configuration, default 6 and 4).
#[derive(SimpleObject, Clone, Copy)]
pub struct QuotaCompliance {
    /// County-level committees in the subtree.
    county_committees: i32,
    /// County-level committees that held at least the configured number of MAIN consultations
    /// in the year (default 6).
    county_committees_meeting_consultation_quota: i32,
    /// Lounges of the subtree active in the year.
    active_lounges: i32,
    /// Active lounges that hosted at least the configured number of PLANNED activities starting
    /// in the year (default 4); a cross-lounge activity counts for each of its CONFIRMED host
    /// lounges.
    lounges_meeting_activity_quota: i32,
}

impl From<statistics::QuotaCompliance> for QuotaCompliance {
    fn from(quota: statistics::QuotaCompliance) -> Self {
        Self {
            county_committees: int(quota.county_committees),
            county_committees_meeting_consultation_quota: int(
                quota.county_committees_meeting_consultation_quota
            ),
            active_lounges: int(quota.active_lounges),
            lounges_meeting_activity_quota: int(quota.lounges_meeting_activity_quota),
        }
    }
}
