//! Three-tier statistics (统计): for a region and a calendar year, figures over the region's whole
//! subtree, over its own committee alone (本级) and over each child region's subtree, with quota
//! compliance (6+X consultations per county committee, 4+X activities per lounge).
//!
//! Everything is computed **in SQL**: a fixed set of grouped statements (see [`sql`]) groups the
//! facts by `region_closure.ancestor_id` for every asked-for region and every child of one, and
//! by year, whatever the number of regions or years asked for.
//!
//! Definitions (the GraphQL descriptions repeat them):
//!
//! * A year is a calendar year in China Standard Time, compared as the half-open range of UTC
//!   instants `[Jan 1 00:00 +08:00, next Jan 1 00:00 +08:00)`; for dates, Jan 1 ..= Dec 31.
//! * A consultation is held in Y when its status is HELD, FOLLOW_UP or CLOSED and `held_at` lies in
//!   Y; it counts for the committee that held it.
//! * A lounge is active in Y when `established_on <= Dec 31` and (`closed_on` is null or
//!   `>= Jan 1`); it counts for its owning committee. A membership is active in Y likewise by
//!   `since`/`until` (`since <= Dec 31`, `until` null or `>= Jan 1`).
//! * Lead and team members are the distinct members with a LEAD (TEAM) membership of a lounge
//!   in scope that is active in Y (`since <= Dec 31`, `until` null or `>= Jan 1`): everyone
//!   who led (served on a team) at some time in the year.
//! * An activity takes place in Y when `starts_at` lies in Y. A cross-lounge activity counts
//!   once in a region's figure when any host lounge belongs to the region's scope, and once per
//!   host lounge towards that lounge's 4+X quota. Only CONFIRMED hosts count: a lounge invited to
//!   a joint activity by another lounge's lead counts it once it confirms, never if it declines.
//! * Suggestions made in Y: `created_at` in Y, counted for the committee of their consultation;
//!   of those, accepted = status ACCEPTED, IN_PROGRESS or IMPLEMENTED now, implemented = status
//!   IMPLEMENTED now; rates are accepted / made and implemented / made (0 when none were made).
//! * Sentiment reports: submitted = `submitted_at` in Y, acknowledged = `acknowledged_at` in Y,
//!   counted for the sending committee.
//! * Participating members: the distinct members who, in Y and in the scope, took part in a
//!   held consultation (as a participant), took part in an activity (of a host lounge in scope),
//!   authored a report submitted in Y, or held an active lounge membership. Facts are placed
//!   where they happened (the consultation's, lounge's or report's committee), not by the
//!   member's own committee.
//! * Distinct-member figures (lead, team, participating members) are not additive over
//!   children, nor are activities (a cross-lounge activity with hosts under two children counts
//!   once in the totals and once in each child); every other figure is:
//!   totals = own + Σ children.
//! * Quota: county committees in the subtree, and those that held at least
//!   [`Quotas::county_main_consultations`] MAIN consultations in Y; lounges active in Y in the
//!   subtree, and those that hosted at least [`Quotas::lounge_planned_activities`] PLANNED
//!   activities in Y.

mod groups;
mod sql;

use std::collections::HashMap;

use entity::region;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{Db, DomainError, regions::Region};

/// The first year statistics may be asked for (the CPPCC was founded in 1949).
pub const FIRST_YEAR: i32 = 1949;
/// The last year statistics may be asked for.
pub const LAST_YEAR: i32 = 9999;
/// The longest series one request may ask for.
pub const MAX_SERIES_YEARS: i32 = 50;

/// The quotas compliance is measured against; configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quotas {
    /// MAIN consultations a county committee holds per year ("6+X"; default 6).
    pub county_main_consultations: u32,
    /// PLANNED activities a lounge hosts per year ("4+X"; default 4).
    pub lounge_planned_activities: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Self {
            county_main_consultations: 6,
            lounge_planned_activities: 4,
        }
    }
}

/// The figures of one scope (a subtree, or one committee alone) in one year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// MAIN consultations held.
    pub main_consultations_held: i64,
    /// MICRO consultations held.
    pub micro_consultations_held: i64,
    /// Held consultations whose topic came from the Party committee or government.
    pub topic_party_government: i64,
    /// Held consultations whose topic came from a member.
    pub topic_member: i64,
    /// Held consultations whose topic came from the public.
    pub topic_public: i64,
    /// Lounges active in the year.
    pub active_lounges: i64,
    /// Distinct members with a LEAD membership active at some time in the year.
    pub lead_members: i64,
    /// Distinct members with a TEAM membership active at some time in the year.
    pub team_members: i64,
    /// Distinct PLANNED activities.
    pub planned_activities: i64,
    /// Distinct FLEXIBLE activities.
    pub flexible_activities: i64,
    /// Suggestions made.
    pub suggestions_made: i64,
    /// Of those, accepted (or further).
    pub suggestions_accepted: i64,
    /// Of those, implemented.
    pub suggestions_implemented: i64,
    /// Sentiment reports submitted.
    pub reports_submitted: i64,
    /// Sentiment reports acknowledged.
    pub reports_acknowledged: i64,
    /// Distinct members who took part in anything.
    pub participating_members: i64,
}

impl Figures {
    /// Accepted / made; 0 when none were made.
    pub fn acceptance_rate(&self) -> f64 {
        ratio(self.suggestions_accepted, self.suggestions_made)
    }

    /// Implemented / made; 0 when none were made.
    pub fn implementation_rate(&self) -> f64 {
        ratio(self.suggestions_implemented, self.suggestions_made)
    }
}

fn ratio(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Quota compliance over a subtree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QuotaCompliance {
    /// County-level committees in the subtree.
    pub county_committees: i64,
    /// Of those, the ones that held at least the quota of MAIN consultations.
    pub county_committees_meeting_consultation_quota: i64,
    /// Lounges active in the year in the subtree.
    pub active_lounges: i64,
    /// Of those, the ones that hosted at least the quota of PLANNED activities.
    pub lounges_meeting_activity_quota: i64,
}

/// The statistics of one region in one year.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionStatistics {
    /// The region's id.
    pub region_id: i64,
    /// The year.
    pub year: i32,
    /// Over the whole subtree.
    pub totals: Figures,
    /// Over the region's own committee alone.
    pub own: Figures,
    /// Over each child region's subtree, in code order.
    pub children: Vec<(Region, Figures)>,
    /// Quota compliance over the subtree.
    pub quota: QuotaCompliance,
}

/// Checks a year (or the bounds of a series) before anything is read.
pub fn check_years(from_year: i32, to_year: i32) -> Result<(), DomainError> {
    for (field, year) in [("fromYear", from_year), ("toYear", to_year)] {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return Err(DomainError::invalid(
                field,
                format!("{year} is outside {FIRST_YEAR}..={LAST_YEAR}"),
            ));
        }
    }
    if from_year > to_year {
        return Err(DomainError::invalid(
            "fromYear",
            format!("{from_year} is after toYear {to_year}"),
        ));
    }
    if to_year - from_year >= MAX_SERIES_YEARS {
        return Err(DomainError::invalid(
            "toYear",
            format!("a series spans at most {MAX_SERIES_YEARS} years"),
        ));
    }
    Ok(())
}

/// The statistics of every region in `region_ids` for every year `from_year..=to_year`, keyed
/// by region id, years ascending. A fixed number of statements (one for the children, then one
/// per figure group) whatever the number of regions and years.
pub async fn compute(
    db: &Db,
    region_ids: &[i64],
    from_year: i32,
    to_year: i32,
    quotas: Quotas,
) -> Result<HashMap<i64, Vec<RegionStatistics>>, DomainError> {
    check_years(from_year, to_year)?;
    if region_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let children = region::Entity::find()
        .filter(region::Column::ParentId.is_in(region_ids.iter().copied()))
        .order_by_asc(region::Column::Code)
        .all(db.reader())
        .await?;
    let mut targets: Vec<i64> = region_ids.to_vec();
    targets.extend(children.iter().map(|child| child.id));
    targets.sort_unstable();
    targets.dedup();
    let years = (from_year..=to_year)
        .map(sql::YearBounds::new)
        .collect::<Result<Vec<_>, _>>()?;
    let counts = sql::figures(db, &targets, &years, quotas).await?;

    let mut by_parent: HashMap<i64, Vec<&Region>> = HashMap::new();
    for child in &children {
        if let Some(parent) = child.parent_id {
            by_parent.entry(parent).or_default().push(child);
        }
    }
    let mut result = HashMap::new();
    for &region_id in region_ids {
        let series = (from_year..=to_year)
            .map(|year| {
                let at = counts.get(&(region_id, year)).cloned().unwrap_or_default();
                RegionStatistics {
                    region_id,
                    year,
                    totals: at.totals,
                    own: at.own,
                    children: by_parent
                        .get(&region_id)
                        .into_iter()
                        .flatten()
                        .map(|child| {
                            let figures = counts
                                .get(&(child.id, year))
                                .map(|counts| counts.totals)
                                .unwrap_or_default();
                            ((*child).clone(), figures)
                        })
                        .collect(),
                    quota: at.quota,
                }
            })
            .collect();
        result.insert(region_id, series);
    }
    Ok(result)
}
