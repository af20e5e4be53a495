//! CPPCC members (政协委员): lists, pages per region, lounge memberships.

use std::collections::HashMap;

use entity::{
    enums::{Gender, MemberStatus},
    lounge_membership, member,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait, sea_query::Expr};

use super::{Direction, RegionScope, contains_text, parse_pages, per_region};
use crate::{
    Db, DomainError,
    page::{self, Page, PageRequest, Partition, Window},
};

/// A member as stored.
pub type Member = member::Model;

/// Which members to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MemberFilter {
    /// The committee served on (and, optionally, the committees below it).
    pub region: Option<RegionScope>,
    /// Any of these statuses; empty means all.
    pub statuses: Vec<MemberStatus>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Sector (界别), exactly.
    pub sector: Option<String>,
    /// Term (届).
    pub term: Option<i32>,
    /// Text contained in the name or occupation.
    pub search: Option<String>,
}

/// What members are ordered by; ties are broken by id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MemberOrderField {
    /// Registration order.
    #[default]
    Id,
    /// Term (届).
    Term,
}

/// A member ordering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MemberOrder {
    /// The field.
    pub field: MemberOrderField,
    /// The direction.
    pub direction: Direction,
}

/// The filter's free text within its limits (search term, sector).
fn check(filter: &MemberFilter) -> Result<(), DomainError> {
    if let Some(term) = &filter.search {
        crate::limits::search(term)?;
    }
    if let Some(sector) = &filter.sector {
        crate::limits::text("sector", sector, crate::limits::MAX_FILTER_TEXT_CHARS)?;
    }
    crate::limits::filter_values("statuses", filter.statuses.len())
}

fn filtered(filter: &MemberFilter) -> sea_orm::sea_query::SelectStatement {
    let mut select = member::Entity::find();
    if let Some(region) = filter.region {
        select = select.filter(region.condition((member::Entity, member::Column::RegionId)));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(member::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if let Some(gender) = filter.gender {
        select = select.filter(member::Column::Gender.eq(gender));
    }
    if let Some(sector) = &filter.sector {
        select = select.filter(member::Column::Sector.eq(sector.clone()));
    }
    if let Some(term) = filter.term {
        select = select.filter(member::Column::Term.eq(term));
    }
    if let Some(term) = filter.search.as_deref().filter(|term| !term.is_empty()) {
        select = select.filter(
            sea_orm::Condition::any()
                .add(contains_text((member::Entity, member::Column::Name), term))
                .add(contains_text(
                    (member::Entity, member::Column::Occupation),
                    term,
                )),
        );
    }
    select.into_query()
}

fn window(partition: Option<Partition>, sort: MemberOrder) -> Window {
    let direction: sea_orm::Order = sort.direction.into();
    let id = (
        Expr::col((member::Entity, member::Column::Id)),
        direction.clone(),
    );
    let order = match sort.field {
        MemberOrderField::Id => vec![id],
        MemberOrderField::Term => vec![
            (Expr::col((member::Entity, member::Column::Term)), direction),
            id,
        ],
    };
    Window { partition, order }
}

/// One page of members.
pub async fn page(
    db: &Db,
    filter: &MemberFilter,
    sort: MemberOrder,
    request: PageRequest,
) -> Result<Page<Member>, DomainError> {
    check(filter)?;
    let pages = page::fetch(db.reader(), filtered(filter), window(None, sort), request).await?;
    Ok(parse_pages(pages)?.remove(&0).unwrap_or_else(Page::empty))
}

/// A page of members for each region: serving on the region's committee, or with
/// `include_descendants` on it or any committee below.
pub async fn pages_by_region(
    db: &Db,
    region_ids: &[i64],
    include_descendants: bool,
    filter: &MemberFilter,
    sort: MemberOrder,
    request: PageRequest,
) -> Result<HashMap<i64, Page<Member>>, DomainError> {
    check(filter)?;
    let mut select = filtered(filter);
    let partition = per_region(
        &mut select,
        (member::Entity, member::Column::RegionId),
        region_ids,
        include_descendants,
    );
    parse_pages(page::fetch(db.reader(), select, window(Some(partition), sort), request).await?)
}

/// Every member of these committees, by committee and number: the roster imports compare
/// against and exports write. (A roster is at most a province's 25,000-odd rows.)
pub async fn roster(db: &Db, region_ids: &[i64]) -> Result<Vec<Member>, DomainError> {
    let mut rows = Vec::new();
    // Bounded IN lists: SQLite limits bound parameters per statement.
    for chunk in region_ids.chunks(500) {
        rows.extend(
            member::Entity::find()
                .filter(member::Column::RegionId.is_in(chunk.iter().copied()))
                .all(db.reader())
                .await?,
        );
    }
    rows.sort_by(|a, b| (a.region_id, &a.member_number).cmp(&(b.region_id, &b.member_number)));
    Ok(rows)
}

/// The members with these ids.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Member>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = member::Entity::find()
        .filter(member::Column::Id.is_in(ids.iter().copied()))
        .all(db.reader())
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// Every lounge membership (current and former) of each member, oldest first.
pub async fn memberships(
    db: &Db,
    member_ids: &[i64],
) -> Result<HashMap<i64, Vec<lounge_membership::Model>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<lounge_membership::Model>> = HashMap::new();
    if member_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = lounge_membership::Entity::find()
        .filter(lounge_membership::Column::MemberId.is_in(member_ids.iter().copied()))
        .order_by_asc(lounge_membership::Column::Since)
        .order_by_asc(lounge_membership::Column::Id)
        .all(db.reader())
        .await?;
    for row in rows {
        grouped.entry(row.member_id).or_default().push(row);
    }
    Ok(grouped)
}
