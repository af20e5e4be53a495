//! Who may import what: staff only, every row inside the caller's scope and inside the
//! import's region (when one is given).

use std::collections::{HashMap, HashSet};

use domain::{Actor, Db, regions::Region};

use crate::{ErrorCode, FileError, ImportOptions, cell};

/// The import's region and the committees rows may belong to.
pub(crate) struct ImportScope {
    /// The import's region, if one was given.
    pub(crate) within: Option<Region>,
    allowed: Option<HashSet<i64>>,
}

impl ImportScope {
    /// Refuses callers who are not staff, and a region outside their scope.
    pub(crate) async fn resolve(
        db: &Db,
        actor: &Actor,
        options: &ImportOptions,
    ) -> Result<Self, FileError> {
        let principal = actor.principal().ok_or(FileError::Unauthenticated)?;
        if !principal.role.is_staff() {
            return Err(FileError::Forbidden);
        }
        let Some(code) = &options.region_code else {
            return Ok(Self {
                within: None,
                allowed: None,
            });
        };
        let region = region_named(db, code).await?;
        if !actor.is_staff_covering(region.id) {
            return Err(FileError::Forbidden);
        }
        let allowed = domain::regions::subtrees(db, &[region.id])
            .await?
            .into_iter()
            .collect();
        Ok(Self {
            within: Some(region),
            allowed: Some(allowed),
        })
    }

    /// The committees the (raw) code cells name, keyed by code, and the ids of those and of the
    /// import's region: what the stored records to compare with are read for.
    pub(crate) async fn committees<'a>(
        &self,
        db: &Db,
        cells: impl Iterator<Item = &'a String>,
    ) -> Result<(HashMap<String, Region>, Vec<i64>), FileError> {
        let mut codes: Vec<String> = cells
            .map(|code| cell::normalized(code))
            .filter(|code| !code.is_empty())
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let regions = domain::regions::by_codes(db, &codes).await?;
        let ids = regions
            .values()
            .map(|region| region.id)
            .chain(self.within.as_ref().map(|region| region.id))
            .collect();
        Ok((regions, ids))
    }

    /// The committee a row names by its (normalised) `code` — blank means the import's region —
    /// or why the row may not name it: missing, unknown, or outside the caller's scope or the
    /// import's region. `column` names the code's column in the messages.
    pub(crate) fn committee(
        &self,
        actor: &Actor,
        code: &str,
        regions: &HashMap<String, Region>,
        column: &str,
    ) -> Result<Region, (ErrorCode, String)> {
        let region = if code.is_empty() {
            self.within.clone().ok_or_else(|| {
                (
                    ErrorCode::Required,
                    format!("{column} 不能为空（或在导入时指定区域）"),
                )
            })?
        } else {
            regions.get(code).cloned().ok_or_else(|| {
                (
                    ErrorCode::UnknownRegion,
                    format!("没有代码为 '{code}' 的行政区"),
                )
            })?
        };
        if !self.allows(actor, region.id) {
            return Err(out_of_scope(&region));
        }
        Ok(region)
    }

    /// The committee of a lounge or member a row links to, named by a (normalised) optional
    /// `code` — blank means `default`, the row's own committee. It must lie in the caller's scope
    /// like the rows themselves, and this is checked before anything is looked up in it, so that
    /// an error never tells what another committee holds (a lounge's name, a member's number).
    pub(crate) fn linked(
        &self,
        actor: &Actor,
        code: &str,
        regions: &HashMap<String, Region>,
        default: &Region,
    ) -> Result<Region, (ErrorCode, String)> {
        if code.is_empty() {
            return Ok(default.clone());
        }
        let region = regions.get(code).cloned().ok_or_else(|| {
            (
                ErrorCode::UnknownRegion,
                format!("没有代码为 '{code}' 的行政区"),
            )
        })?;
        if !self.allows(actor, region.id) {
            return Err(out_of_scope(&region));
        }
        Ok(region)
    }

    /// Whether a row of committee `region_id` may be imported by `actor` here.
    pub(crate) fn allows(&self, actor: &Actor, region_id: i64) -> bool {
        self.allowed
            .as_ref()
            .is_none_or(|ids| ids.contains(&region_id))
            && actor.is_staff_covering(region_id)
    }
}

/// The error of a row or link outside the caller's scope or the import's region.
fn out_of_scope(region: &Region) -> (ErrorCode, String) {
    (
        ErrorCode::OutOfScope,
        format!(
            "{}（{}）不在你的管辖范围或本次导入的区域内",
            region.name, region.code
        ),
    )
}

/// The error of a lounge name its committee does not have (lounges are imported first).
pub(crate) fn unknown_lounge(region: &Region, name: &str) -> (ErrorCode, String) {
    (
        ErrorCode::UnknownLounge,
        format!("{} 没有名为 '{name}' 的客厅（请先导入客厅）", region.name),
    )
}

/// The error of a 委员编号 its committee does not have (members are imported first).
pub(crate) fn unknown_member(region: &Region, number: &str) -> (ErrorCode, String) {
    (
        ErrorCode::UnknownMember,
        format!(
            "{} 没有委员编号为 '{number}' 的委员（请先导入委员）",
            region.name
        ),
    )
}

/// The region with `code`: `UNKNOWN_REGION` for a code that names none (or is no code at all);
/// a database failure stays one.
pub(crate) async fn region_named(db: &Db, code: &str) -> Result<Region, FileError> {
    match domain::regions::by_code(db, code).await {
        Ok(Some(region)) => Ok(region),
        Ok(None) | Err(domain::DomainError::Invalid { .. }) => {
            Err(FileError::UnknownRegion(code.to_owned()))
        }
        Err(other) => Err(other.into()),
    }
}
