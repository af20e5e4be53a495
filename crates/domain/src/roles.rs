//! Role assignments: what a person of an identity provider, keyed by (issuer, subject), may do.
//!
//! A subject may hold several assignments. Those of its highest role act together: their
//! regions' subtrees make one scope (two COUNTY_STAFF assignments cover both counties). An
//! assignment of a lower role is not added to that scope, because a principal has one role and
//! mixing them would lend the higher role's rights to the lower role's regions.
//! Order: PROVINCE_STAFF > CITY_STAFF > COUNTY_STAFF > INTEGRATOR > MEMBER.

use std::{collections::HashSet, sync::Arc};

use chrono::Utc;
use entity::{member, role_assignment};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::{Db, DomainError, Principal, Role, auth, regions};

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
    let regions = regions::by_ids(db, &[first.region_id]).await?;
    let region = regions
        .get(&first.region_id)
        .ok_or_else(|| DomainError::NotFound(format!("region {}", first.region_id)))?;
    let mut principal = auth::principal(db, subject, role, &region.code, first.member_id).await?;
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
            DomainError::invalid("region", format!("unknown region {}", grant.region_code))
        })?;
    let member_id = match (grant.role, grant.member_id) {
        (Role::Member, None) => {
            return Err(DomainError::invalid(
                "member",
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
                    "member",
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
                "member",
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
