//! Slot requests (挂号): departments queueing for a consultation slot of a committee. The queue
//! position is derived when read, never stored.

use std::collections::HashMap;

use entity::{enums::SlotRequestStatus, slot_request};
use sea_orm::{
    ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryResult, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement, WindowStatement},
};

use super::{Direction, RegionScope, calendar::year_instants, contains_text};
use crate::{
    Db, DomainError,
    page::{self, Page, PageRequest, Window},
};

/// A slot request as stored, with its derived queue position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotRequest {
    /// The stored row.
    pub row: slot_request::Model,
    /// 1-based position among the QUEUED requests of the same committee (by `requested_at`,
    /// then id); `None` unless QUEUED.
    pub queue_position: Option<i64>,
}

/// Which slot requests to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SlotRequestFilter {
    /// Queued at the committee of this scope.
    pub region: Option<RegionScope>,
    /// Any of these statuses; empty means all.
    pub statuses: Vec<SlotRequestStatus>,
    /// Requested within this calendar year (China Standard Time).
    pub year: Option<i32>,
    /// Text contained in the topic or the department.
    pub search: Option<String>,
}

/// What slot requests are ordered by; ties are broken by id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SlotRequestOrderField {
    /// Request time (the queue order).
    #[default]
    RequestedAt,
    /// Creation order.
    Id,
}

/// A slot request ordering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SlotRequestOrder {
    /// The field.
    pub field: SlotRequestOrderField,
    /// The direction.
    pub direction: Direction,
}

const QUEUE: &str = "queue";
const QUEUE_POSITION: &str = "queue_position";

/// The filtered requests, each with `queue_position` from a window over all QUEUED requests
/// (unfiltered, so that filters never shift positions) joined in the same statement.
fn filtered(filter: &SlotRequestFilter) -> Result<SelectStatement, DomainError> {
    crate::limits::filter_values("statuses", filter.statuses.len())?;
    let column = |column: slot_request::Column| Expr::col((slot_request::Entity, column));
    let mut select = slot_request::Entity::find();
    if let Some(region) = filter.region {
        select =
            select.filter(region.condition((slot_request::Entity, slot_request::Column::RegionId)));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(slot_request::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if let Some(year) = filter.year {
        let (start, end) = year_instants(year)?;
        select = select
            .filter(column(slot_request::Column::RequestedAt).gte(start))
            .filter(column(slot_request::Column::RequestedAt).lt(end));
    }
    if let Some(term) = filter.search.as_deref().filter(|term| !term.is_empty()) {
        crate::limits::search(term)?;
        select = select.filter(
            contains_text((slot_request::Entity, slot_request::Column::Topic), term).or(
                contains_text(
                    (slot_request::Entity, slot_request::Column::Department),
                    term,
                ),
            ),
        );
    }
    let mut select = select.into_query();

    let mut queue_order = WindowStatement::partition_by(slot_request::Column::RegionId);
    queue_order
        .order_by(slot_request::Column::RequestedAt, Order::Asc)
        .order_by(slot_request::Column::Id, Order::Asc);
    let mut queue: SelectStatement = Query::select();
    queue
        .column(slot_request::Column::Id)
        .expr_window_as(
            Expr::cust("ROW_NUMBER()"),
            queue_order,
            Alias::new(QUEUE_POSITION),
        )
        .from(slot_request::Entity)
        .and_where(Expr::col(slot_request::Column::Status).eq(SlotRequestStatus::Queued.as_str()));
    select
        .expr_as(
            Expr::col((Alias::new(QUEUE), Alias::new(QUEUE_POSITION))),
            Alias::new(QUEUE_POSITION),
        )
        .join_subquery(
            JoinType::LeftJoin,
            queue,
            Alias::new(QUEUE),
            Expr::col((Alias::new(QUEUE), slot_request::Column::Id))
                .equals((slot_request::Entity, slot_request::Column::Id)),
        );
    Ok(select)
}

fn window(sort: SlotRequestOrder) -> Window {
    let direction: Order = sort.direction.into();
    let column = |column: slot_request::Column| Expr::col((slot_request::Entity, column));
    let id = (column(slot_request::Column::Id), direction.clone());
    let order = match sort.field {
        SlotRequestOrderField::RequestedAt => {
            vec![(column(slot_request::Column::RequestedAt), direction), id]
        }
        SlotRequestOrderField::Id => vec![id],
    };
    Window {
        partition: None,
        order,
    }
}

fn parse(row: &QueryResult) -> Result<SlotRequest, sea_orm::DbErr> {
    Ok(SlotRequest {
        row: slot_request::Model::from_query_result(row, "")?,
        queue_position: row.try_get("", QUEUE_POSITION)?,
    })
}

/// One page of slot requests, each with its queue position.
pub async fn page(
    db: &Db,
    filter: &SlotRequestFilter,
    sort: SlotRequestOrder,
    request: PageRequest,
) -> Result<Page<SlotRequest>, DomainError> {
    let mut pages = page::fetch(db.reader(), filtered(filter)?, window(sort), request).await?;
    let Some(found) = pages.remove(&0) else {
        return Ok(Page::empty());
    };
    let items = found
        .items
        .into_iter()
        .map(|(position, row)| Ok((position, parse(&row)?)))
        .collect::<Result<Vec<_>, sea_orm::DbErr>>()?;
    Ok(Page {
        items,
        total: found.total,
        has_next: found.has_next,
        has_previous: found.has_previous,
    })
}

/// The slot requests with these ids, each with its queue position (one statement).
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<HashMap<i64, SlotRequest>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = filtered(&SlotRequestFilter::default())?;
    select.and_where(
        Expr::col((slot_request::Entity, slot_request::Column::Id)).is_in(ids.iter().copied()),
    );
    let rows = sea_orm::ConnectionTrait::query_all(db.reader(), &select).await?;
    rows.iter()
        .map(|row| {
            let request = parse(row)?;
            Ok((request.row.id, request))
        })
        .collect::<Result<HashMap<_, _>, sea_orm::DbErr>>()
        .map_err(Into::into)
}
