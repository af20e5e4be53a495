//! Turning a verified token's claims into a [`Principal`]: the region named by its code, the
//! region's subtree as the scope, and (for members) the member record.

use std::{collections::HashSet, sync::Arc};

use entity::{member, region_closure};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};

use crate::{Db, DomainError, Principal, Role, regions};

/// The principal a token describes. The scope is the region's subtree for every role: county
/// staff get their county, city staff the city and its counties, province staff the whole
/// province. An unknown region, a MEMBER without a member id, or a member id that does not exist
/// is an error. A `member` claim on a token of any other role is ignored: only MEMBER tokens act
/// as a member.
pub async fn principal(
    db: &Db,
    subject: &str,
    role: Role,
    region_code: &str,
    member_id: Option<i64>,
) -> Result<Principal, DomainError> {
    let region = regions::by_code(db, region_code)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("region {region_code}")))?;
    principal_in(db, subject, role, region, member_id).await
}

/// [`principal`] for a region already read (role assignments name it by id).
pub async fn principal_in(
    db: &Db,
    subject: &str,
    role: Role,
    region: regions::Region,
    member_id: Option<i64>,
) -> Result<Principal, DomainError> {
    let member_id = match role {
        Role::Member => {
            let id = member_id
                .ok_or_else(|| DomainError::invalid("member", "a MEMBER needs a member id"))?;
            let found = member::Entity::find_by_id(id).count(db.reader()).await?;
            if found == 0 {
                return Err(DomainError::NotFound(format!("member {id}")));
            }
            Some(id)
        }
        // Only the MEMBER role acts as a member: a `member` claim on any other token is ignored.
        _ => None,
    };
    let scope: Vec<i64> = region_closure::Entity::find()
        .select_only()
        .column(region_closure::Column::DescendantId)
        .filter(region_closure::Column::AncestorId.eq(region.id))
        .into_tuple()
        .all(db.reader())
        .await?;
    let mut scope: HashSet<i64> = scope.into_iter().collect();
    scope.insert(region.id);
    Ok(Principal {
        issuer: None,
        token_id: None,
        subject: subject.to_owned(),
        role,
        region_id: region.id,
        region_code: region.code,
        member_id,
        scope: Arc::new(scope),
    })
}
