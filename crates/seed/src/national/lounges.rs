//! Members' lounges (about 3 per county, 1–2 per city, 2–4 per province) and their
//! memberships: one lead member and 4–7 team members of the owning committee each.

use chrono::NaiveDate;
use entity::{
    enums::{LoungeRole, LoungeStatus, RegionLevel},
    lounge, lounge_membership,
};
use sea_orm::ActiveValue::Set;

use super::plan::Committee;
use super::sink::Sink;
use super::text::{LOUNGE_THEMES, LOUNGE_VENUES};
use crate::Progress;
use crate::demo::{
    calendar::{add_days, hm, ymd},
    names::ROADS,
};
use domain::{Db, DomainError};

/// One lounge, kept in memory (about 9,000 at full scale) for activities, consultations and
/// reports.
#[derive(Clone, Debug)]
pub(super) struct Lounge {
    pub(super) id: i64,
    /// Index of the owning committee in the committee list.
    pub(super) committee: usize,
    /// `regions.id` of the owning committee.
    pub(super) region_id: i64,
    pub(super) name: String,
    pub(super) theme: &'static str,
    pub(super) established: NaiveDate,
    pub(super) status: LoungeStatus,
    pub(super) closed_on: Option<NaiveDate>,
    /// Member ids, the lead first.
    pub(super) members: Vec<i64>,
}

impl Lounge {
    /// The last day the lounge was active within the data set (suspended ones stopped at the end
    /// of June 2020).
    pub(super) fn last_day(&self) -> Result<NaiveDate, DomainError> {
        match (self.closed_on, self.status) {
            (Some(day), _) => Ok(day),
            (None, LoungeStatus::Suspended) => ymd(2020, 6, 30),
            (None, _) => ymd(2020, 12, 31),
        }
    }
}

/// Plans the lounges of every committee; ids 1..n in committee order.
pub(super) fn plan(committees: &[Committee]) -> Result<Vec<Lounge>, DomainError> {
    let mut lounges = Vec::new();
    for (index, committee) in committees.iter().enumerate() {
        let mut rng = committee.rng("lounges");
        let count = match committee.level {
            RegionLevel::Province => rng.range(2, 4),
            RegionLevel::City => rng.range(1, 2),
            RegionLevel::County => rng.range(2, 4),
        };
        let size = (committee.members.end - committee.members.start) as u64;
        for position in 0..count {
            let theme = *rng.pick(LOUNGE_THEMES);
            let established =
                add_days(ymd(2016 + rng.range(0, 3) as i32, 1, 1)?, rng.range(0, 364));
            let draw = rng.below(100);
            let (status, closed_on) = if draw < 4 {
                (
                    LoungeStatus::Closed,
                    Some(add_days(ymd(2020, 3, 1)?, rng.range(0, 240))),
                )
            } else if draw < 7 {
                (LoungeStatus::Suspended, None)
            } else {
                (LoungeStatus::Active, None)
            };
            let team = rng.range(4, 7) as usize;
            let mut members: Vec<i64> = Vec::with_capacity(team + 1);
            while members.len() < team + 1 {
                // Skip the chair and vice-chairs (the first five), who preside instead.
                let id = committee.members.start + 5 + rng.below(size.saturating_sub(5)) as i64;
                if !members.contains(&id) {
                    members.push(id);
                }
            }
            lounges.push(Lounge {
                id: lounges.len() as i64 + 1,
                committee: index,
                region_id: committee.id,
                name: format!("{}委员会客厅·{}{}", committee.name, theme, position + 1),
                theme,
                established,
                status,
                closed_on,
                members,
            });
        }
    }
    Ok(lounges)
}

/// Writes the lounges, then their memberships.
pub(super) async fn write(
    db: &Db,
    committees: &[Committee],
    lounges: &[Lounge],
    progress: &mut dyn Progress,
) -> Result<(u64, u64), DomainError> {
    let mut sink = Sink::new(db, lounges.len() as u64, progress);
    for lounge in lounges {
        let committee = &committees[lounge.committee];
        let mut rng = committee.rng(&format!("lounge/{}", lounge.name));
        let created = hm(lounge.established, 10, 0);
        let updated = match (lounge.status, lounge.closed_on) {
            (_, Some(day)) => hm(day, 17, 0),
            (LoungeStatus::Suspended, None) => hm(ymd(2020, 6, 30)?, 17, 0),
            _ => created,
        };
        let row = lounge::ActiveModel {
            id: Set(lounge.id),
            region_id: Set(committee.id),
            name: Set(lounge.name.clone()),
            theme: Set(lounge.theme.to_owned()),
            venue: Set(format!("{}{}", committee.name, rng.pick(LOUNGE_VENUES))),
            address: Set(format!(
                "{}{}{}号",
                committee.name,
                rng.pick(ROADS),
                rng.range(1, 399)
            )),
            status: Set(lounge.status),
            established_on: Set(lounge.established),
            closed_on: Set(lounge.closed_on),
            version: Set(i32::from(lounge.status != LoungeStatus::Active)),
            created_at: Set(created),
            updated_at: Set(updated),
        };
        sink.extend([row], progress).await?;
    }
    let lounge_count = sink.finish(progress).await?;

    let total: usize = lounges.iter().map(|lounge| lounge.members.len()).sum();
    let mut sink = Sink::new(db, total as u64, progress);
    let mut id = 0_i64;
    for lounge in lounges {
        let rows: Vec<lounge_membership::ActiveModel> = lounge
            .members
            .iter()
            .enumerate()
            .map(|(position, member)| {
                id += 1;
                lounge_membership::ActiveModel {
                    id: Set(id),
                    lounge_id: Set(lounge.id),
                    member_id: Set(*member),
                    role: Set(if position == 0 {
                        LoungeRole::Lead
                    } else {
                        LoungeRole::Team
                    }),
                    since: Set(lounge.established),
                    until: Set(lounge.closed_on),
                    created_at: Set(hm(lounge.established, 10, 30)),
                }
            })
            .collect();
        sink.extend(rows, progress).await?;
    }
    let membership_count = sink.finish(progress).await?;
    Ok((lounge_count, membership_count))
}
