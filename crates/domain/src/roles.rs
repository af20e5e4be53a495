//! Role assignments: what a person of an identity provider, keyed by (issuer, subject), may do.
//!
//! A subject may hold several assignments. Those of its highest role act together: their
//! regions' subtrees make one scope (two COUNTY_STAFF assignments cover both counties). An
//! assignment of a lower role is not added to that scope, because a principal has one role and
//! mixing them would lend the higher role's rights to the lower role's regions.
//! Order: PROVINCE_STAFF > CITY_STAFF > COUNTY_STAFF > INTEGRATOR > MEMBER.

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};

use chrono::Utc;
use entity::{enums::RegionLevel, member, role_assignment};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, EntityTrait, ModelTrait, PaginatorTrait, QueryFilter, QueryOrder, QueryTrait,
    sea_query::{Expr, Order},
};

use crate::{
    Actor, Db, DomainError, Principal, Role, auth,
    page::{self, Page, PageRequest, Window},
    read::parse_pages,
    regions,
};

/// A stored assignment.
pub type Assignment = role_assignment::Model;

/// A role's rank among assignments: higher wins.
pub fn rank(role: Role) -> u8 {
    match role {
        Role::ProvinceStaff => 5,
        Role::CityStaff => 4,
        Role::CountyStaff => 3,
        Role::Integrator => 2,
        Role::Member => 1,
    }
}

/// The principal of a provider's subject, or `None` when nobody has granted it a role (such a
/// caller is authenticated with public access only).
pub async fn principal_for(
    db: &Db,
    issuer: &str,
    subject: &str,
) -> Result<Option<Principal>, DomainError> {
    let assignments = role_assignment::Entity::find()
        .filter(role_assignment::Column::Issuer.eq(issuer))
        .filter(role_assignment::Column::Subject.eq(subject))
        .order_by_asc(role_assignment::Column::Id)
        .all(db.reader())
        .await?;
    let parsed: Vec<(Role, &role_assignment::Model)> = assignments
        .iter()
        .filter_map(|row| Role::parse(&row.role).map(|role| (role, row)))
        .collect();
    let Some(top) = parsed.iter().map(|(role, _)| rank(*role)).max() else {
        return Ok(None);
    };
    let held: Vec<(Role, &role_assignment::Model)> = parsed
        .into_iter()
        .filter(|(role, _)| rank(*role) == top)
        .collect();
    let Some(&(role, first)) = held.first() else {
        return Ok(None);
    };
    let region = regions::by_ids(db, &[first.region_id])
        .await?
        .remove(&first.region_id)
        .ok_or_else(|| DomainError::NotFound(format!("region {}", first.region_id)))?;
    let mut principal = auth::principal_in(db, subject, role, region, first.member_id).await?;
    principal.issuer = Some(issuer.to_owned());
    if held.len() > 1 {
        let held_regions: Vec<i64> = held.iter().map(|(_, row)| row.region_id).collect();
        let mut scope: HashSet<i64> = principal.scope.iter().copied().collect();
        scope.extend(regions::subtrees(db, &held_regions).await?);
        principal.scope = Arc::new(scope);
    }
    Ok(Some(principal))
}

/// A new assignment, as `xieshang grant` (or the `grantRole` mutation) asks for it.
#[derive(Clone, Debug)]
pub struct Grant {
    /// The provider's issuer identifier.
    pub issuer: String,
    /// The person's subject at that provider.
    pub subject: String,
    /// The role.
    pub role: Role,
    /// The committee's GB/T 2260 code.
    pub region_code: String,
    /// For MEMBER: the member the person is.
    pub member_id: Option<i64>,
}

/// Records `grant` unconditionally (the caller has decided it may), returning the row; granting
/// an assignment that exists already returns the existing one.
pub async fn record(
    db: &Db,
    grant: &Grant,
    granted_by: &str,
) -> Result<role_assignment::Model, DomainError> {
    if grant.issuer.trim().is_empty() {
        return Err(DomainError::invalid("issuer", "must not be empty"));
    }
    if grant.subject.trim().is_empty() {
        return Err(DomainError::invalid("subject", "must not be empty"));
    }
    let region = regions::by_code(db, &grant.region_code)
        .await?
        .ok_or_else(|| {
            DomainError::invalid(
                "regionCode",
                format!("unknown region {}", grant.region_code),
            )
        })?;
    if let Some(level) = staff_level(grant.role)
        && region.level != level
    {
        return Err(DomainError::invalid(
            "regionCode",
            format!(
                "{} is held in a {} committee; {} is a {}",
                grant.role.as_str(),
                level.as_str().to_lowercase(),
                region.code,
                region.level.as_str().to_lowercase()
            ),
        ));
    }
    let member_id = match (grant.role, grant.member_id) {
        (Role::Member, None) => {
            return Err(DomainError::invalid(
                "memberId",
                "a MEMBER assignment needs a member",
            ));
        }
        (Role::Member, Some(id)) => {
            let in_region = member::Entity::find_by_id(id)
                .filter(member::Column::RegionId.eq(region.id))
                .count(db.reader())
                .await?;
            if in_region == 0 {
                return Err(DomainError::invalid(
                    "memberId",
                    format!(
                        "member {id} does not serve on the committee of {}",
                        region.code
                    ),
                ));
            }
            Some(id)
        }
        (_, Some(_)) => {
            return Err(DomainError::invalid(
                "memberId",
                "only a MEMBER assignment names a member",
            ));
        }
        (_, None) => None,
    };
    // Looked up inside the write transaction, so two concurrent identical grants cannot both
    // insert (the second would meet the unique index as an internal error).
    let transaction = db.begin_write().await?;
    let existing = role_assignment::Entity::find()
        .filter(role_assignment::Column::Issuer.eq(grant.issuer.as_str()))
        .filter(role_assignment::Column::Subject.eq(grant.subject.as_str()))
        .filter(role_assignment::Column::Role.eq(grant.role.as_str()))
        .filter(role_assignment::Column::RegionId.eq(region.id))
        .one(&transaction)
        .await?;
    if let Some(existing) = existing {
        return Ok(existing);
    }
    let row = role_assignment::ActiveModel {
        issuer: Set(grant.issuer.clone()),
        subject: Set(grant.subject.clone()),
        role: Set(grant.role.as_str().to_owned()),
        region_id: Set(region.id),
        member_id: Set(member_id),
        granted_by: Set(granted_by.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    db.commit(transaction).await?;
    Ok(row)
}

/// The committee tier a staff role is held in; `None` for MEMBER and INTEGRATOR, which may be
/// held at any tier. A COUNTY_STAFF assignment on the province would otherwise act on every
/// county.
fn staff_level(role: Role) -> Option<RegionLevel> {
    match role {
        Role::ProvinceStaff => Some(RegionLevel::Province),
        Role::CityStaff => Some(RegionLevel::City),
        Role::CountyStaff => Some(RegionLevel::County),
        Role::Member | Role::Integrator => None,
    }
}

/// Whether `principal` may grant (or revoke) `role` in the region `region_id`: staff only,
/// within their scope, and staff roles no higher than their own (so only PROVINCE_STAFF grant
/// PROVINCE_STAFF). MEMBER and INTEGRATOR may be granted by any staff within their scope.
pub fn authorize(principal: &Principal, role: Role, region_id: i64) -> Result<(), DomainError> {
    if !principal.role.is_staff() {
        return Err(DomainError::Forbidden(format!(
            "{} may not grant or revoke roles",
            principal.role.as_str()
        )));
    }
    if !principal.covers(region_id) {
        return Err(DomainError::Forbidden(
            "the region lies outside your scope".to_owned(),
        ));
    }
    if role.is_staff() && rank(role) > rank(principal.role) {
        return Err(DomainError::Forbidden(format!(
            "{} may grant staff roles up to their own, not {}",
            principal.role.as_str(),
            role.as_str()
        )));
    }
    Ok(())
}

/// `grantRole`: records `grant` when the caller may grant it ([`authorize`]); granting an
/// existing assignment again returns it unchanged.
pub async fn grant(db: &Db, actor: &Actor, grant: &Grant) -> Result<Assignment, DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    let region = regions::by_code(db, &grant.region_code)
        .await?
        .ok_or_else(|| {
            DomainError::invalid(
                "regionCode",
                format!("unknown region {}", grant.region_code),
            )
        })?;
    authorize(principal, grant.role, region.id)?;
    record(db, grant, &principal.subject).await
}

/// `revokeRole`: removes the assignment `id` when the caller could have granted it
/// ([`authorize`]: `Forbidden` otherwise, as for every other record outside one's scope).
pub async fn revoke(db: &Db, actor: &Actor, id: i64) -> Result<Assignment, DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    let transaction = db.begin_write().await?;
    let row = role_assignment::Entity::find_by_id(id)
        .one(&transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("role assignment {id}")))?;
    // A role this version does not know is revocable like the highest staff role.
    let role = Role::parse(&row.role).unwrap_or(Role::ProvinceStaff);
    authorize(principal, role, row.region_id)?;
    row.clone().delete(&transaction).await?;
    db.commit(transaction).await?;
    Ok(row)
}

/// The assignments of one person, oldest first (`viewer.roles`).
pub async fn of_subject(
    db: &Db,
    issuer: &str,
    subject: &str,
) -> Result<Vec<Assignment>, DomainError> {
    Ok(role_assignment::Entity::find()
        .filter(role_assignment::Column::Issuer.eq(issuer))
        .filter(role_assignment::Column::Subject.eq(subject))
        .order_by_asc(role_assignment::Column::Id)
        .all(db.reader())
        .await?)
}

/// Which assignments `roleAssignments` lists; every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AssignmentFilter {
    /// Exactly this issuer.
    pub issuer: Option<String>,
    /// Exactly this subject.
    pub subject: Option<String>,
    /// This role.
    pub role: Option<Role>,
    /// Held in this committee (its GB/T 2260 code); not its subtree.
    pub region_code: Option<String>,
}

/// One page of the assignments in the caller's scope, oldest first. Staff only: anonymous
/// callers are `Unauthenticated`, members and integrators `Forbidden`.
pub async fn page(
    db: &Db,
    actor: &Actor,
    filter: &AssignmentFilter,
    request: PageRequest,
) -> Result<Page<Assignment>, DomainError> {
    let principal = actor.principal().ok_or(DomainError::Unauthenticated)?;
    if !principal.role.is_staff() {
        return Err(DomainError::Forbidden(format!(
            "{} may not list role assignments",
            principal.role.as_str()
        )));
    }
    let mut scope: Vec<i64> = principal.scope.iter().copied().collect();
    scope.sort_unstable();
    let mut select =
        role_assignment::Entity::find().filter(role_assignment::Column::RegionId.is_in(scope));
    if let Some(issuer) = &filter.issuer {
        select = select.filter(role_assignment::Column::Issuer.eq(issuer.as_str()));
    }
    if let Some(subject) = &filter.subject {
        select = select.filter(role_assignment::Column::Subject.eq(subject.as_str()));
    }
    if let Some(role) = filter.role {
        select = select.filter(role_assignment::Column::Role.eq(role.as_str()));
    }
    if let Some(code) = &filter.region_code {
        match regions::by_code(db, code).await? {
            Some(region) => {
                select = select.filter(role_assignment::Column::RegionId.eq(region.id));
            }
            None => return Ok(Page::empty()),
        }
    }
    let window = Window {
        partition: None,
        order: vec![(
            Expr::col((role_assignment::Entity, role_assignment::Column::Id)),
            Order::Asc,
        )],
    };
    let mut pages = parse_pages::<Assignment>(
        page::fetch(db.reader(), select.into_query(), window, request).await?,
    )?;
    Ok(pages.remove(&0).unwrap_or_else(Page::empty))
}

/// The assignments with these ids in the caller's scope (staff only); others are absent.
pub async fn by_ids(
    db: &Db,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, Assignment>, DomainError> {
    let Some(principal) = actor
        .principal()
        .filter(|principal| principal.role.is_staff())
    else {
        return Ok(HashMap::new());
    };
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = role_assignment::Entity::find()
        .filter(role_assignment::Column::Id.is_in(ids.iter().copied()))
        .all(db.reader())
        .await?;
    Ok(rows
        .into_iter()
        .filter(|row| principal.covers(row.region_id))
        .map(|row| (row.id, row))
        .collect())
}
