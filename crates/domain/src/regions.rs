//! The region tree (行政区划): one CPPCC committee per region, three tiers deep.
//!
//! Every function takes a batch of keys and answers with one statement, so the API layer can
//! resolve a whole tier of the tree at once however many regions it holds.

use std::collections::HashMap;

use entity::{enums::RegionLevel, region, region_closure};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{Db, DomainError};

/// A region as stored.
pub type Region = region::Model;

/// True when `code` looks like a GB/T 2260 code (six ASCII digits); anything else cannot name a
/// region and is rejected before it reaches the database.
pub fn is_region_code(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|byte| byte.is_ascii_digit())
}

/// Every province, in code order.
pub async fn provinces(db: &Db) -> Result<Vec<Region>, DomainError> {
    Ok(region::Entity::find()
        .filter(region::Column::Level.eq(RegionLevel::Province))
        .order_by_asc(region::Column::Code)
        .all(db.reader())
        .await?)
}

/// The region with this code, if any. A malformed code is an input error.
pub async fn by_code(db: &Db, code: &str) -> Result<Option<Region>, DomainError> {
    if !is_region_code(code) {
        return Err(DomainError::invalid(
            "code",
            format!("{code:?} is not a region code: expected six digits, e.g. 330000"),
        ));
    }
    Ok(region::Entity::find()
        .filter(region::Column::Code.eq(code))
        .one(db.reader())
        .await?)
}

/// The regions with these codes, keyed by code; unknown codes are absent (malformed ones are
/// never looked up).
pub async fn by_codes(db: &Db, codes: &[String]) -> Result<HashMap<String, Region>, DomainError> {
    let codes: Vec<&String> = codes.iter().filter(|code| is_region_code(code)).collect();
    if codes.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = region::Entity::find()
        .filter(region::Column::Code.is_in(codes.into_iter().cloned()))
        .all(db.reader())
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.code.clone(), row))
        .collect())
}

/// The regions with these ids, keyed by id; unknown ids are absent.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Region>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = region::Entity::find()
        .filter(region::Column::Id.is_in(ids.iter().copied()))
        .all(db.reader())
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The ids of these regions and of every region below them (`region_closure`).
pub async fn subtrees(db: &Db, ids: &[i64]) -> Result<Vec<i64>, DomainError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(region_closure::Entity::find()
        .select_only()
        .column(region_closure::Column::DescendantId)
        .distinct()
        .filter(region_closure::Column::AncestorId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db.reader())
        .await?)
}

/// The direct children of each parent that have the given level, in code order, keyed by
/// parent id. Every parent asked for has an entry, empty when it has no such children.
pub async fn children(
    db: &Db,
    parent_ids: &[i64],
    level: RegionLevel,
) -> Result<HashMap<i64, Vec<Region>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<Region>> =
        parent_ids.iter().map(|id| (*id, Vec::new())).collect();
    if parent_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = region::Entity::find()
        .filter(region::Column::ParentId.is_in(parent_ids.iter().copied()))
        .filter(region::Column::Level.eq(level))
        .order_by_asc(region::Column::Code)
        .all(db.reader())
        .await?;
    for row in rows {
        if let Some(parent) = row.parent_id {
            grouped.entry(parent).or_default().push(row);
        }
    }
    Ok(grouped)
}

/// The scope named by a filter's `regionCode` and `includeDescendants`; `None` when no code is
/// given. An unknown or malformed code is an input error, never an empty result.
pub async fn scope(
    db: &Db,
    code: Option<&str>,
    include_descendants: bool,
) -> Result<Option<crate::read::RegionScope>, DomainError> {
    let Some(code) = code else { return Ok(None) };
    let region = by_code(db, code)
        .await
        .map_err(|_| DomainError::invalid("regionCode", format!("{code:?} is not a region code")))?
        .ok_or_else(|| DomainError::invalid("regionCode", format!("no region has code {code}")))?;
    Ok(Some(crate::read::RegionScope {
        region_id: region.id,
        include_descendants,
    }))
}

#[cfg(test)]
mod tests {
    use super::is_region_code;

    #[test]
    fn region_codes_are_six_digits() {
        assert!(is_region_code("330000"));
        assert!(!is_region_code("33000"));
        assert!(!is_region_code("33000a"));
        assert!(!is_region_code("３３００００"));
    }
}
