//! The committees of the national data set, which of them a fraction selects, and the sizes
//! that do not depend on the fraction.

use std::ops::Range;

use entity::{enums::RegionLevel, region};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use crate::demo::rng::Rng;
use domain::DomainError;

/// Regions of the China division set, by level.
const PROVINCES: usize = 31;
const CITIES: usize = 333;
const COUNTIES: usize = 2845;

/// One CPPCC committee of the national data set.
#[derive(Clone, Debug)]
pub(super) struct Committee {
    /// `regions.id`.
    pub(super) id: i64,
    /// GB/T 2260 code; seeds every random stream of the committee.
    pub(super) code: String,
    /// Full name, e.g. 桐乡市.
    pub(super) name: String,
    pub(super) level: RegionLevel,
    /// Ids of the committee's members (consecutive).
    pub(super) members: Range<i64>,
}

impl Committee {
    /// The committee as an organisation, e.g. 桐乡市政协.
    pub(super) fn cppcc(&self) -> String {
        format!("{}政协", self.name)
    }

    /// A random stream for one table of this committee. Streams are keyed on the code, so a
    /// committee's rows do not depend on which other committees are selected.
    pub(super) fn rng(&self, table: &str) -> Rng {
        Rng::new(&format!("national/{table}/{}", self.code))
    }
}

/// Members a committee has (drawn from its own stream): about 800 per province, 410 per city
/// and 155 per county, about 600,000 over the 3,209 committees.
fn member_count(code: &str, level: RegionLevel) -> i64 {
    let mut rng = Rng::new(&format!("national/size/{code}"));
    match level {
        RegionLevel::Province => rng.range(700, 900),
        RegionLevel::City => rng.range(380, 440),
        RegionLevel::County => rng.range(140, 170),
    }
}

/// A rank for the deterministic subset: a hash of the code (splitmix64 of FNV-1a).
fn rank(code: &str) -> u64 {
    Rng::new(&format!("national/rank/{code}")).next_u64()
}

/// How many of `total` committees of one level a fraction keeps (rounded, at most all).
pub(super) fn selected(total: usize, fraction: f64) -> usize {
    if fraction >= 1.0 {
        return total;
    }
    ((total as f64) * fraction.max(0.0)).round() as usize
}

/// Reads the China divisions and keeps, of each level, the `fraction` of committees with the
/// lowest rank, in code order; assigns member ids 1..n in that order.
pub(super) async fn committees(
    connection: &impl ConnectionTrait,
    fraction: f64,
) -> Result<Vec<Committee>, DomainError> {
    let rows = region::Entity::find()
        .order_by_asc(region::Column::Code)
        .all(connection)
        .await?;
    let count = |level| rows.iter().filter(|row| row.level == level).count();
    if count(RegionLevel::Province) != PROVINCES
        || count(RegionLevel::City) != CITIES
        || count(RegionLevel::County) != COUNTIES
    {
        return Err(DomainError::Refused(
            "the national data set needs the China divisions (31 provinces, 333 cities, 2,845 \
             counties); load them with --divisions china"
                .to_owned(),
        ));
    }
    let mut keep = Vec::new();
    for level in [
        RegionLevel::Province,
        RegionLevel::City,
        RegionLevel::County,
    ] {
        let mut of_level: Vec<(u64, usize)> = rows
            .iter()
            .enumerate()
            .filter(|(_, row)| row.level == level)
            .map(|(index, row)| (rank(&row.code), index))
            .collect();
        of_level.sort_unstable();
        let take = selected(of_level.len(), fraction);
        keep.extend(of_level.into_iter().take(take).map(|(_, index)| index));
    }
    keep.sort_unstable();
    let mut next_member = 1_i64;
    Ok(keep
        .into_iter()
        .map(|index| {
            let row = &rows[index];
            let size = member_count(&row.code, row.level);
            let members = next_member..next_member + size;
            next_member += size;
            Committee {
                id: row.id,
                code: row.code.clone(),
                name: row.name.clone(),
                level: row.level,
                members,
            }
        })
        .collect())
}
