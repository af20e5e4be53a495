//! CPPCC members (政协委员) of all three tiers: about 25,500 synthetic people.
//!
//! Sizes follow real committees: about 800 on the provincial committee, 450 per city and 220
//! per county. Each committee's first member is its chair (主席) and the next three are vice
//! chairs (副主席), who preside over consultations. Phone numbers start with 100 (no Chinese
//! mobile number does) and e-mail addresses use example.org, so nobody can mistake them for
//! real contact data.

use std::ops::Range;

use entity::{
    enums::{Gender, MemberStatus, RegionLevel},
    member,
};
use sea_orm::ActiveValue::Set;

use super::{
    calendar::{add_days, hm, ymd},
    names::{self, person_name},
    rng::Rng,
    world::World,
};
use domain::DomainError;

/// Vice chairs per committee (after the chair).
const VICE_CHAIRS: usize = 3;

/// What later generators need to know about a member.
#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) active: bool,
}

/// Every member, grouped by committee.
#[derive(Clone, Debug, Default)]
pub(crate) struct Roster {
    pub(crate) people: Vec<Person>,
    /// Per committee (index as in [`World::committees`]), its members' positions in `people`.
    ranges: Vec<Range<usize>>,
}

impl Roster {
    /// The committee's chair.
    pub(crate) fn chair(&self, committee: usize) -> &Person {
        &self.people[self.ranges[committee].start]
    }

    /// The chair and vice chairs, who may preside.
    pub(crate) fn presiders(&self, committee: usize) -> &[Person] {
        let range = &self.ranges[committee];
        &self.people[range.start..(range.start + 1 + VICE_CHAIRS).min(range.end)]
    }

    /// Members other than the chair and vice chairs.
    pub(crate) fn ordinary(&self, committee: usize) -> &[Person] {
        let range = &self.ranges[committee];
        &self.people[(range.start + 1 + VICE_CHAIRS).min(range.end)..range.end]
    }

    /// The member with `id` (ids are positions + 1).
    pub(crate) fn by_id(&self, id: i64) -> &Person {
        &self.people[(id - 1) as usize]
    }

    /// `count` distinct active ordinary members of a committee, drawn at random.
    pub(crate) fn draw_active(
        &self,
        rng: &mut Rng,
        committee: usize,
        count: usize,
    ) -> Vec<&Person> {
        let pool = self.ordinary(committee);
        let mut chosen: Vec<&Person> = Vec::with_capacity(count);
        let mut attempts = 0;
        while chosen.len() < count && attempts < count * 20 {
            attempts += 1;
            let person = &pool[rng.index(pool.len())];
            if person.active && chosen.iter().all(|other| other.id != person.id) {
                chosen.push(person);
            }
        }
        chosen
    }
}

/// The term (届) each committee serves in 2020: the province's 12th (2018–2023); cities and
/// counties vary because they were founded at different times.
fn term(rng: &mut Rng, level: RegionLevel) -> i32 {
    match level {
        RegionLevel::Province => 12,
        RegionLevel::City => rng.range(9, 15) as i32,
        RegionLevel::County => rng.range(9, 16) as i32,
    }
}

/// Members of every committee and the roster describing them.
pub(crate) fn build(world: &World) -> Result<(Vec<member::ActiveModel>, Roster), DomainError> {
    let mut rng = Rng::new("members");
    let mut rows = Vec::with_capacity(26_000);
    let mut roster = Roster::default();
    // Terms began in early 2018 (province), early 2017 (cities) and around New Year 2017
    // (counties); members have been on file since.
    let province_start = ymd(2018, 1, 24)?;
    let city_start = ymd(2017, 2, 10)?;
    let county_start = ymd(2016, 12, 20)?;
    let left_on = ymd(2019, 6, 30)?;
    for committee in &world.committees {
        let (size, start) = match committee.level {
            RegionLevel::Province => (800, province_start),
            RegionLevel::City => (
                rng.range(430, 470) as usize,
                add_days(city_start, rng.range(0, 40)),
            ),
            RegionLevel::County => (
                rng.range(200, 240) as usize,
                add_days(county_start, rng.range(0, 50)),
            ),
        };
        let term = term(&mut rng, committee.level);
        let first = roster.people.len();
        for position in 0..size {
            let id = roster.people.len() as i64 + 1;
            let female = rng.chance(28);
            let name = person_name(&mut rng, female);
            let (sector, occupation) = match position {
                0 => ("中共", format!("{}主席", committee.cppcc())),
                1..=VICE_CHAIRS => {
                    let sector = names::sector(&mut rng);
                    (sector.name, format!("{}副主席", committee.cppcc()))
                }
                _ => {
                    let sector = names::sector(&mut rng);
                    (sector.name, (*rng.pick(sector.occupations)).to_owned())
                }
            };
            // About one in eighty left during the term (moved away, retired, resigned).
            let active = position <= VICE_CHAIRS || rng.below(1000) >= 12;
            let created = hm(start, 9, 0);
            let updated = if active {
                created
            } else {
                hm(add_days(left_on, rng.range(-120, 400)), 10, 0)
            };
            rows.push(member::ActiveModel {
                id: Set(id),
                region_id: Set(committee.id),
                member_number: Set(domain::write::members::number(
                    &committee.code,
                    position + 1,
                )),
                name: Set(name.clone()),
                gender: Set(if female { Gender::Female } else { Gender::Male }),
                sector: Set(sector.to_owned()),
                occupation: Set(occupation),
                term: Set(term),
                phone: Set(Some(format!("100-{:04}-{:04}", id / 10_000, id % 10_000))),
                email: Set(Some(format!("member{id:05}@example.org"))),
                status: Set(if active {
                    MemberStatus::Active
                } else {
                    MemberStatus::Inactive
                }),
                created_at: Set(created),
                updated_at: Set(updated),
            });
            roster.people.push(Person { id, name, active });
        }
        roster.ranges.push(first..roster.people.len());
    }
    Ok((rows, roster))
}
