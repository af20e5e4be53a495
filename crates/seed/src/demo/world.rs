//! The committees the demo data set lives in: Zhejiang's 102 regions, looked up by code.

use std::collections::BTreeMap;

use entity::{enums::RegionLevel, region};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use domain::DomainError;

/// One CPPCC committee (one per region).
#[derive(Clone, Debug)]
pub(crate) struct Committee {
    /// `regions.id`.
    pub(crate) id: i64,
    /// GB/T 2260 code.
    pub(crate) code: String,
    /// Full name, e.g. 桐乡市.
    pub(crate) name: String,
    /// Short name without the 省/市/县/区 suffix, e.g. 桐乡, for lounge names.
    pub(crate) short: String,
    pub(crate) level: RegionLevel,
    /// Index of the parent committee in [`World::committees`] (None for the province).
    pub(crate) parent: Option<usize>,
}

impl Committee {
    /// The committee's own name as an organisation, e.g. 桐乡市政协.
    pub(crate) fn cppcc(&self) -> String {
        format!("{}政协", self.name)
    }

    /// A department of this tier's government: 浙江省交通运输厅, 桐乡市交通运输局.
    pub(crate) fn department(&self, base: &str) -> String {
        if self.level == RegionLevel::Province {
            format!("{}{}", self.name, base.replace('局', "厅"))
        } else {
            format!("{}{base}", self.name)
        }
    }
}

/// Zhejiang's committees: the province, then cities and counties in code order.
#[derive(Clone, Debug)]
pub(crate) struct World {
    pub(crate) committees: Vec<Committee>,
    by_code: BTreeMap<String, usize>,
}

impl World {
    /// Reads the Zhejiang regions. Works with either division set, since both give Zhejiang
    /// the same codes.
    pub(crate) async fn load(connection: &impl ConnectionTrait) -> Result<Self, DomainError> {
        let rows = region::Entity::find()
            .filter(region::Column::Code.starts_with("33"))
            .order_by_asc(region::Column::Code)
            .all(connection)
            .await?;
        Self::from_rows(
            rows.into_iter()
                .map(|row| (row.id, row.code, row.name, row.level, row.parent_id))
                .collect(),
        )
    }

    /// Builds the world from `(id, code, name, level, parent_id)` rows of Zhejiang, sorted by
    /// code; refuses anything but 1 province, 11 cities and 90 counties.
    pub(crate) fn from_rows(
        rows: Vec<(i64, String, String, RegionLevel, Option<i64>)>,
    ) -> Result<Self, DomainError> {
        let ids: BTreeMap<i64, usize> = rows
            .iter()
            .enumerate()
            .map(|(index, row)| (row.0, index))
            .collect();
        let committees: Vec<Committee> = rows
            .into_iter()
            .map(|(id, code, name, level, parent_id)| Committee {
                id,
                short: short_name(&name),
                code,
                name,
                level,
                parent: parent_id.and_then(|parent| ids.get(&parent).copied()),
            })
            .collect();
        let count = |level| committees.iter().filter(|c| c.level == level).count();
        if committees.first().map(|c| c.code.as_str()) != Some("330000")
            || count(RegionLevel::City) != 11
            || count(RegionLevel::County) != 90
        {
            return Err(DomainError::Refused(
                "the demo data set needs the Zhejiang divisions (1 province, 11 cities, 90 \
                 counties); load the divisions first"
                    .to_owned(),
            ));
        }
        let by_code = committees
            .iter()
            .enumerate()
            .map(|(index, c)| (c.code.clone(), index))
            .collect();
        Ok(Self {
            committees,
            by_code,
        })
    }

    /// The index of the committee with `code`.
    pub(crate) fn index(&self, code: &str) -> Result<usize, DomainError> {
        self.by_code
            .get(code)
            .copied()
            .ok_or_else(|| DomainError::Refused(format!("demo data: region {code} is missing")))
    }

    /// The committee at `index` (indices come from this world, so they are in range).
    pub(crate) fn get(&self, index: usize) -> &Committee {
        &self.committees[index]
    }

    /// Indices of the committees of one level, in code order.
    pub(crate) fn of_level(&self, level: RegionLevel) -> Vec<usize> {
        (0..self.committees.len())
            .filter(|&index| self.committees[index].level == level)
            .collect()
    }

    /// The city a county belongs to, or the committee itself for cities and the province.
    pub(crate) fn city_of(&self, index: usize) -> usize {
        match (self.committees[index].level, self.committees[index].parent) {
            (RegionLevel::County, Some(parent)) => parent,
            _ => index,
        }
    }
}

/// 桐乡市 → 桐乡, 景宁畲族自治县 → 景宁, 浙江省 → 浙江; two-character names stay whole (普陀区
/// would become 普陀, but 婺城区 → 婺城 too, which is how people say them).
fn short_name(name: &str) -> String {
    if let Some(stem) = name.strip_suffix("畲族自治县") {
        return stem.to_owned();
    }
    let chars: Vec<char> = name.chars().collect();
    match chars.last() {
        Some('省' | '市' | '县' | '区') if chars.len() > 2 => {
            chars[..chars.len() - 1].iter().collect()
        }
        _ => name.to_owned(),
    }
}
