//! Members of every selected committee.

use entity::{
    enums::{Gender, MemberStatus, RegionLevel},
    member,
};
use sea_orm::ActiveValue::Set;

use super::plan::Committee;
use super::sink::Sink;
use crate::Progress;
use crate::demo::{
    calendar::{add_days, hm, ymd},
    names::{self, person_name},
};
use domain::{Db, DomainError};

/// The members of one committee, with their names (kept for suggestions' `proposer_name`).
fn build(committee: &Committee) -> Result<Vec<(member::ActiveModel, String)>, DomainError> {
    let mut rng = committee.rng("members");
    // Terms began around New Year 2017 (the 11th of a county, the 12th of a province); the
    // data set does not model earlier terms' members.
    let (start, term) = match committee.level {
        RegionLevel::Province => (ymd(2018, 1, 20)?, 12),
        RegionLevel::City => (add_days(ymd(2017, 1, 10)?, rng.range(0, 60)), 9),
        RegionLevel::County => (add_days(ymd(2016, 12, 15)?, rng.range(0, 60)), 9),
    };
    let left_on = ymd(2019, 6, 30)?;
    let mut rows = Vec::with_capacity((committee.members.end - committee.members.start) as usize);
    for (position, id) in committee.members.clone().enumerate() {
        let female = rng.chance(28);
        let name = person_name(&mut rng, female);
        let sector = names::sector(&mut rng);
        let occupation = match position {
            0 => format!("{}主席", committee.cppcc()),
            1..=4 => format!("{}副主席", committee.cppcc()),
            _ => (*rng.pick(sector.occupations)).to_owned(),
        };
        let active = position <= 4 || rng.below(1000) >= 12;
        let created = hm(start, 9, 0);
        let updated = if active {
            created
        } else {
            hm(add_days(left_on, rng.range(-120, 400)), 10, 0)
        };
        let row = member::ActiveModel {
            id: Set(id),
            region_id: Set(committee.id),
            member_number: Set(domain::write::members::number(
                &committee.code,
                position + 1,
            )),
            name: Set(name.clone()),
            gender: Set(if female { Gender::Female } else { Gender::Male }),
            sector: Set(if position == 0 { "中共" } else { sector.name }.to_owned()),
            occupation: Set(occupation),
            term: Set(term),
            phone: Set(Some(format!("100-{:04}-{:04}", id / 10_000, id % 10_000))),
            email: Set(Some(format!("member{id:06}@example.org"))),
            status: Set(if active {
                MemberStatus::Active
            } else {
                MemberStatus::Inactive
            }),
            created_at: Set(created),
            updated_at: Set(updated),
        };
        rows.push((row, name));
    }
    Ok(rows)
}

/// Writes every committee's members; returns their names, indexed by `id - 1`.
pub(super) async fn write(
    db: &Db,
    committees: &[Committee],
    progress: &mut dyn Progress,
) -> Result<Vec<String>, DomainError> {
    let total: i64 = committees
        .iter()
        .map(|c| c.members.end - c.members.start)
        .sum();
    let mut names = Vec::with_capacity(total as usize);
    let mut sink = Sink::new(db, total as u64, progress);
    for committee in committees {
        let mut rows = Vec::new();
        for (row, name) in build(committee)? {
            rows.push(row);
            names.push(name);
        }
        sink.extend(rows, progress).await?;
    }
    sink.finish(progress).await?;
    Ok(names)
}
