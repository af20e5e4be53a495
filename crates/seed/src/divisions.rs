//! Administrative divisions (GB/T 2260) from the CSV files committed under `crates/seed/data`
//! (see `DIVISIONS.md` there for their source and licence).
//!
//! The files are compiled into the binary, so the service never reads the file system for them.
//! Each has the header `code,name,level,parent_code`, no quoted fields, and is sorted by code,
//! so every parent comes before its children. Region ids are 1..n in file order: a child's
//! `parent_id` is known without a round trip, and the same set always gets the same ids.

use std::collections::HashMap;

use entity::{enums::RegionLevel, region, region_closure};
use sea_orm::ActiveValue::Set;

use super::{DivisionSet, Progress, write};
use domain::{Db, DomainError};

const ZHEJIANG: &str = include_str!("../data/zhejiang-divisions.csv");
const CHINA: &str = include_str!("../data/china-divisions.csv");

/// One row of a divisions file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Division {
    pub(crate) code: String,
    pub(crate) name: String,
    pub(crate) level: RegionLevel,
    pub(crate) parent_code: Option<String>,
}

/// The CSV text of a set.
fn source(set: DivisionSet) -> &'static str {
    match set {
        DivisionSet::Zhejiang => ZHEJIANG,
        DivisionSet::China => CHINA,
    }
}

/// Parses a divisions file. Hand-written rather than a CSV crate because the format is fixed
/// and has no quoting; errors name the line.
pub(crate) fn parse(text: &str) -> Result<Vec<Division>, DomainError> {
    let bad = |line: usize, why: &str| {
        DomainError::Refused(format!("divisions file, line {line}: {why}"))
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, "code,name,level,parent_code")) => {}
        _ => return Err(bad(1, "expected the header code,name,level,parent_code")),
    }
    let mut rows = Vec::new();
    for (index, line) in lines {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let [code, name, level, parent] = fields.as_slice() else {
            return Err(bad(number, "expected 4 fields"));
        };
        if code.len() != 6 || !code.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(bad(number, "the code must have 6 digits"));
        }
        let level = match *level {
            "province" => RegionLevel::Province,
            "city" => RegionLevel::City,
            "county" => RegionLevel::County,
            _ => return Err(bad(number, "level must be province, city or county")),
        };
        rows.push(Division {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
            level,
            parent_code: (!parent.is_empty()).then(|| (*parent).to_owned()),
        });
    }
    Ok(rows)
}

/// Region rows (ids 1..n in file order) and their closure rows.
pub(crate) fn build(
    divisions: &[Division],
) -> Result<(Vec<region::ActiveModel>, Vec<region_closure::ActiveModel>), DomainError> {
    let mut ids: HashMap<&str, i64> = HashMap::with_capacity(divisions.len());
    // Ancestor chains, self first: chain[i] = [id_i, parent, grandparent, …].
    let mut chains: Vec<Vec<i64>> = Vec::with_capacity(divisions.len());
    let mut regions = Vec::with_capacity(divisions.len());
    let mut closure = Vec::new();
    for (index, division) in divisions.iter().enumerate() {
        let id = index as i64 + 1;
        if ids.insert(division.code.as_str(), id).is_some() {
            return Err(DomainError::Refused(format!(
                "divisions file: duplicate code {}",
                division.code
            )));
        }
        let parent_id = match &division.parent_code {
            None => None,
            Some(code) => Some(*ids.get(code.as_str()).ok_or_else(|| {
                DomainError::Refused(format!(
                    "divisions file: {} names parent {code}, which does not come before it",
                    division.code
                ))
            })?),
        };
        let mut chain = vec![id];
        if let Some(parent) = parent_id {
            // Parents precede children, so the parent's chain is complete.
            let parent_chain = chains
                .get((parent - 1) as usize)
                .cloned()
                .unwrap_or_default();
            chain.extend(parent_chain);
        }
        for (depth, ancestor) in chain.iter().enumerate() {
            closure.push(region_closure::ActiveModel {
                ancestor_id: Set(*ancestor),
                descendant_id: Set(id),
                depth: Set(depth as i32),
            });
        }
        chains.push(chain);
        regions.push(region::ActiveModel {
            id: Set(id),
            code: Set(division.code.clone()),
            name: Set(division.name.clone()),
            level: Set(division.level),
            parent_id: Set(parent_id),
        });
    }
    Ok((regions, closure))
}

/// Writes the set in one transaction and returns the number of regions.
pub(crate) async fn load(
    db: &Db,
    set: DivisionSet,
    progress: &mut dyn Progress,
) -> Result<usize, DomainError> {
    let divisions = parse(source(set))?;
    let (regions, closure) = build(&divisions)?;
    let count = regions.len();
    let txn = db.begin_write().await?;
    write::insert_all(&txn, regions, progress).await?;
    write::insert_all(&txn, closure, progress).await?;
    write::advance_sequences(&txn, &["regions"]).await?;
    txn.commit().await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zhejiang_has_one_province_eleven_cities_ninety_counties() -> Result<(), DomainError> {
        let rows = parse(ZHEJIANG)?;
        let count = |level| rows.iter().filter(|row| row.level == level).count();
        assert_eq!(rows.len(), 102);
        assert_eq!(count(RegionLevel::Province), 1);
        assert_eq!(count(RegionLevel::City), 11);
        assert_eq!(count(RegionLevel::County), 90);
        let (regions, closure) = build(&rows)?;
        assert_eq!(regions.len(), 102);
        // Each region with itself, cities once more, counties twice more.
        assert_eq!(closure.len(), 102 + 101 + 90);
        Ok(())
    }

    #[test]
    fn china_contains_zhejiang_unchanged() -> Result<(), DomainError> {
        let china = parse(CHINA)?;
        let zhejiang = parse(ZHEJIANG)?;
        let inside: Vec<&Division> = china
            .iter()
            .filter(|row| row.code.starts_with("33"))
            .collect();
        assert_eq!(inside.len(), zhejiang.len());
        assert!(inside.iter().zip(&zhejiang).all(|(a, b)| *a == b));
        assert!(build(&china).is_ok());
        Ok(())
    }

    #[test]
    fn rejects_malformed_lines() {
        assert!(parse("code,name\n").is_err());
        assert!(parse("code,name,level,parent_code\n33,x,province,\n").is_err());
        assert!(parse("code,name,level,parent_code\n330000,x,state,\n").is_err());
        assert!(parse("code,name,level,parent_code\n330100,x,city,330000\n").is_ok());
        assert!(
            build(
                &parse("code,name,level,parent_code\n330100,x,city,330000\n").unwrap_or_default()
            )
            .is_err()
        );
    }
}
