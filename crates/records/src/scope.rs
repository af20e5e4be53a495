//! Who may import what: staff only, every row inside the caller's scope and inside the
//! import's region (when one is given).

use std::collections::HashSet;

use domain::{Actor, Db, regions::Region};

use crate::{FileError, ImportOptions};

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
        let region = domain::regions::by_code(db, code)
            .await
            .ok()
            .flatten()
            .ok_or_else(|| FileError::UnknownRegion(code.clone()))?;
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

    /// Whether a row of committee `region_id` may be imported by `actor` here.
    pub(crate) fn allows(&self, actor: &Actor, region_id: i64) -> bool {
        self.allowed
            .as_ref()
            .is_none_or(|ids| ids.contains(&region_id))
            && actor.is_staff_covering(region_id)
    }
}
