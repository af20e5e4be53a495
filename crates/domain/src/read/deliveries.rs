//! Deliveries: one row per (notification target, event), with its attempts and outcome. Visible
//! to whoever manages the target ([`super::notification_targets`]).
//!
//! Lists run newest event first (by event sequence, then id): managers look for what just
//! failed, and a target's history otherwise starts with events nobody asks about any more.

use std::collections::HashMap;

use entity::{delivery, enums::DeliveryStatus, notification_target};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryTrait,
    sea_query::{Expr, ExprTrait, Order, Query, SelectStatement},
};

use super::{
    notification_targets::{in_scope, manager},
    parse_pages,
};
use crate::{
    Actor, Db, DomainError, Principal,
    page::{self, Page, PageRequest, Partition, Window},
};

/// A delivery as stored (it holds no credentials).
pub type Delivery = delivery::Model;

/// Which deliveries to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DeliveryFilter {
    /// Deliveries to this target only.
    pub target_id: Option<i64>,
    /// Any of these statuses; empty means all.
    pub statuses: Vec<DeliveryStatus>,
}

/// `deliveries.target_id` is a target the principal manages.
fn visible(principal: &Principal) -> Expr {
    let mut targets: SelectStatement = Query::select();
    targets
        .column((notification_target::Entity, notification_target::Column::Id))
        .from(notification_target::Entity)
        .and_where(in_scope(principal));
    Expr::col((delivery::Entity, delivery::Column::TargetId)).in_subquery(targets)
}

fn filtered(filter: &DeliveryFilter) -> Result<sea_orm::Select<delivery::Entity>, DomainError> {
    crate::limits::filter_values("statuses", filter.statuses.len())?;
    let mut select = delivery::Entity::find();
    if let Some(target_id) = filter.target_id {
        select = select.filter(delivery::Column::TargetId.eq(target_id));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(delivery::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    Ok(select)
}

fn window(partition: Option<Partition>) -> Window {
    let column = |column| Expr::col((delivery::Entity, column));
    Window {
        partition,
        order: vec![
            (column(delivery::Column::EventSequence), Order::Desc),
            (column(delivery::Column::Id), Order::Desc),
        ],
    }
}

/// One page of the deliveries to targets the caller manages, newest event first. Anonymous
/// callers are `Unauthenticated`; callers who manage no targets are `Forbidden`.
pub async fn page(
    db: &Db,
    actor: &Actor,
    filter: &DeliveryFilter,
    request: PageRequest,
) -> Result<Page<Delivery>, DomainError> {
    let principal = manager(actor)?;
    let select = filtered(filter)?.filter(visible(principal)).into_query();
    let mut pages = parse_pages(page::fetch(db.reader(), select, window(None), request).await?)?;
    Ok(pages.remove(&0).unwrap_or_else(Page::empty))
}

/// A page of each target's deliveries, newest event first, for targets the caller was already
/// allowed to see (one statement for all of them). `filter.target_id` narrows further.
pub async fn pages_by_target(
    db: &Db,
    target_ids: &[i64],
    filter: &DeliveryFilter,
    request: PageRequest,
) -> Result<HashMap<i64, Page<Delivery>>, DomainError> {
    if target_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let select = filtered(filter)?.into_query();
    let partition = Partition {
        column: Expr::col((delivery::Entity, delivery::Column::TargetId)),
        parents: target_ids.to_vec(),
    };
    parse_pages(page::fetch(db.reader(), select, window(Some(partition)), request).await?)
}

/// The deliveries with these ids to targets the caller manages (one statement); others are
/// absent.
pub async fn by_ids(
    db: &Db,
    actor: &Actor,
    ids: &[i64],
) -> Result<HashMap<i64, Delivery>, DomainError> {
    let Ok(principal) = manager(actor) else {
        return Ok(HashMap::new());
    };
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = delivery::Entity::find()
        .filter(delivery::Column::Id.is_in(ids.iter().copied()))
        .filter(visible(principal))
        .all(db.reader())
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}
