//! Members' lounges (委员会客厅): lists, pages per region, leads and memberships.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{
    enums::{LoungeRole, LoungeStatus},
    lounge, lounge_membership, member,
};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QueryTrait,
    sea_query::{Expr, ExprTrait, Order, SelectStatement},
};

use super::{Direction, RegionScope, contains_text, parse_pages, per_region};
use crate::{
    Db, DomainError,
    page::{self, Page, PageRequest, Partition, Window},
};

/// Which lounges to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct LoungeFilter {
    /// Owning committee (and, optionally, the committees below it).
    pub region: Option<RegionScope>,
    /// Any of these statuses; empty means all.
    pub statuses: Vec<LoungeStatus>,
    /// Text contained in the name or theme.
    pub search: Option<String>,
    /// Established on or after this day.
    pub established_from: Option<NaiveDate>,
    /// Established on or before this day.
    pub established_to: Option<NaiveDate>,
    /// Active at some time in this calendar year: established on or before Dec 31 and not
    /// closed before Jan 1.
    pub active_in_year: Option<i32>,
}

/// What lounges are ordered by; ties are broken by id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LoungeOrderField {
    /// Date of establishment.
    #[default]
    EstablishedOn,
    /// Creation order.
    Id,
}

/// A lounge ordering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LoungeOrder {
    /// The field.
    pub field: LoungeOrderField,
    /// The direction.
    pub direction: Direction,
}

/// A lounge as stored.
pub type Lounge = lounge::Model;

fn filtered(filter: &LoungeFilter) -> Result<SelectStatement, DomainError> {
    crate::limits::filter_values("statuses", filter.statuses.len())?;
    let mut select = lounge::Entity::find();
    if let Some(region) = filter.region {
        select = select.filter(region.condition((lounge::Entity, lounge::Column::RegionId)));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(lounge::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if let Some(term) = filter.search.as_deref().filter(|term| !term.is_empty()) {
        crate::limits::search(term)?;
        select = select.filter(
            contains_text((lounge::Entity, lounge::Column::Name), term)
                .or(contains_text((lounge::Entity, lounge::Column::Theme), term)),
        );
    }
    if let Some(from) = filter.established_from {
        select = select.filter(lounge::Column::EstablishedOn.gte(from));
    }
    if let Some(to) = filter.established_to {
        select = select.filter(lounge::Column::EstablishedOn.lte(to));
    }
    if let Some(year) = filter.active_in_year {
        let (first, last) = super::calendar::year_days(year)?;
        select = select
            .filter(lounge::Column::EstablishedOn.lte(last))
            .filter(
                lounge::Column::ClosedOn
                    .is_null()
                    .or(lounge::Column::ClosedOn.gte(first)),
            );
    }
    Ok(select.into_query())
}

fn order(order: LoungeOrder) -> Vec<(Expr, Order)> {
    let direction: Order = order.direction.into();
    let id = (
        Expr::col((lounge::Entity, lounge::Column::Id)),
        direction.clone(),
    );
    match order.field {
        LoungeOrderField::EstablishedOn => vec![
            (
                Expr::col((lounge::Entity, lounge::Column::EstablishedOn)),
                direction,
            ),
            id,
        ],
        LoungeOrderField::Id => vec![id],
    }
}

/// One page of lounges.
pub async fn page(
    db: &Db,
    filter: &LoungeFilter,
    sort: LoungeOrder,
    request: PageRequest,
) -> Result<Page<Lounge>, DomainError> {
    let window = Window {
        partition: None,
        order: order(sort),
    };
    let pages = page::fetch(db.reader(), filtered(filter)?, window, request).await?;
    Ok(parse_pages(pages)?.remove(&0).unwrap_or_else(Page::empty))
}

/// A page of lounges for each region: owned by the region's committee, or with
/// `include_descendants` by it and every committee below.
pub async fn pages_by_region(
    db: &Db,
    region_ids: &[i64],
    include_descendants: bool,
    filter: &LoungeFilter,
    sort: LoungeOrder,
    request: PageRequest,
) -> Result<HashMap<i64, Page<Lounge>>, DomainError> {
    let mut select = filtered(filter)?;
    let partition = per_region(
        &mut select,
        (lounge::Entity, lounge::Column::RegionId),
        region_ids,
        include_descendants,
    );
    let window = Window {
        partition: Some(partition),
        order: order(sort),
    };
    parse_pages(page::fetch(db.reader(), select, window, request).await?)
}

/// Every lounge of these committees (a roster import compares against them, an export writes
/// them), by committee and name.
pub async fn of_regions(db: &Db, region_ids: &[i64]) -> Result<Vec<Lounge>, DomainError> {
    let mut rows = Vec::new();
    for chunk in region_ids.chunks(500) {
        rows.extend(
            lounge::Entity::find()
                .filter(lounge::Column::RegionId.is_in(chunk.iter().copied()))
                .all(db.reader())
                .await?,
        );
    }
    rows.sort_by(|a, b| (a.region_id, &a.name).cmp(&(b.region_id, &b.name)));
    Ok(rows)
}

/// Every membership (current and former) of these lounges.
pub async fn memberships_of(
    db: &Db,
    lounge_ids: &[i64],
) -> Result<Vec<entity::lounge_membership::Model>, DomainError> {
    let mut rows = Vec::new();
    for chunk in lounge_ids.chunks(500) {
        rows.extend(
            entity::lounge_membership::Entity::find()
                .filter(entity::lounge_membership::Column::LoungeId.is_in(chunk.iter().copied()))
                .all(db.reader())
                .await?,
        );
    }
    Ok(rows)
}

/// The lounges with these ids.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Lounge>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = lounge::Entity::find()
        .filter(lounge::Column::Id.is_in(ids.iter().copied()))
        .all(db.reader())
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The current lead members (牵头委员) of each lounge on `on`, in order of membership.
pub async fn leads(
    db: &Db,
    lounge_ids: &[i64],
    on: NaiveDate,
) -> Result<HashMap<i64, Vec<member::Model>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<member::Model>> = HashMap::new();
    if lounge_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = lounge_membership::Entity::find()
        .find_also_related(member::Entity)
        .filter(lounge_membership::Column::LoungeId.is_in(lounge_ids.iter().copied()))
        .filter(lounge_membership::Column::Role.eq(LoungeRole::Lead))
        .filter(active_on(on))
        .order_by_asc(lounge_membership::Column::Since)
        .order_by_asc(lounge_membership::Column::Id)
        .all(db.reader())
        .await?;
    for (membership, member) in rows {
        if let Some(member) = member {
            grouped
                .entry(membership.lounge_id)
                .or_default()
                .push(member);
        }
    }
    Ok(grouped)
}

/// A membership with its member, as one row of `LoungeMemberConnection`.
#[derive(Clone, Debug)]
pub struct MemberOfLounge {
    /// The membership (role, since, until).
    pub membership: lounge_membership::Model,
    /// The member.
    pub member: member::Model,
}

/// A page of each lounge's members on `on` (optionally of one role): leads first, then by
/// membership start.
pub async fn member_pages(
    db: &Db,
    lounge_ids: &[i64],
    role: Option<LoungeRole>,
    on: NaiveDate,
    request: PageRequest,
) -> Result<HashMap<i64, Page<MemberOfLounge>>, DomainError> {
    let mut select = lounge_membership::Entity::find()
        .find_also_related(member::Entity)
        .filter(active_on(on));
    if let Some(role) = role {
        select = select.filter(lounge_membership::Column::Role.eq(role));
    }
    let column = |column: lounge_membership::Column| Expr::col((lounge_membership::Entity, column));
    let window = Window {
        partition: Some(Partition {
            column: column(lounge_membership::Column::LoungeId),
            parents: lounge_ids.to_vec(),
        }),
        order: vec![
            (
                Expr::case(
                    column(lounge_membership::Column::Role).eq(LoungeRole::Lead.as_str()),
                    0,
                )
                .finally(1)
                .into(),
                Order::Asc,
            ),
            (column(lounge_membership::Column::Since), Order::Asc),
            (column(lounge_membership::Column::Id), Order::Asc),
        ],
    };
    let pages = page::fetch(db.reader(), select.into_query(), window, request).await?;
    pages
        .into_iter()
        .map(|(lounge, page)| {
            let items = page
                .items
                .into_iter()
                .map(|(position, row)| {
                    Ok((
                        position,
                        MemberOfLounge {
                            membership: lounge_membership::Model::from_query_result(&row, "A_")?,
                            member: member::Model::from_query_result(&row, "B_")?,
                        },
                    ))
                })
                .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
            Ok((
                lounge,
                Page {
                    items,
                    total: page.total,
                    has_next: page.has_next,
                    has_previous: page.has_previous,
                },
            ))
        })
        .collect()
}

/// A membership is active on a day when it started on or before it and has not ended before it.
fn active_on(on: NaiveDate) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(lounge_membership::Column::Since.lte(on))
        .add(
            sea_orm::Condition::any()
                .add(lounge_membership::Column::Until.is_null())
                .add(lounge_membership::Column::Until.gte(on)),
        )
}
