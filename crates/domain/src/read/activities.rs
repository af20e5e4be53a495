//! Lounge activities (the "4+X" activities of members' lounges): lists, pages per lounge, hosts
//! and participants.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    enums::{ActivityChannel, ActivityFormat, ActivityHostStatus, ActivityKind},
    lounge, lounge_activity, lounge_activity_host, lounge_activity_participant, member,
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait,
    sea_query::{Expr, ExprTrait, Order, Query, SelectStatement},
};

use super::{Direction, RegionScope, calendar::year_instants, contains_text, parse_pages};
use crate::{
    Db, DomainError,
    page::{self, Page, PageRequest, Partition, Window},
};

/// An activity as stored.
pub type Activity = lounge_activity::Model;

/// Which activities to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ActivityFilter {
    /// Hosted by at least one lounge owned by a committee in this scope.
    pub region: Option<RegionScope>,
    /// Hosted (alone or jointly) by this lounge.
    pub lounge_id: Option<i64>,
    /// Any of these kinds; empty means all.
    pub kinds: Vec<ActivityKind>,
    /// Any of these formats; empty means all.
    pub formats: Vec<ActivityFormat>,
    /// Any of these channels; empty means all.
    pub channels: Vec<ActivityChannel>,
    /// Starting within this calendar year (China Standard Time).
    pub year: Option<i32>,
    /// Starting at or after this instant.
    pub starts_from: Option<DateTime<Utc>>,
    /// Starting at or before this instant.
    pub starts_to: Option<DateTime<Utc>>,
    /// Text contained in the title.
    pub search: Option<String>,
    /// The status of the host link that `region` and `lounge_id` match through; `None` means
    /// CONFIRMED, the only hosts that count. Without `region` and `lounge_id` it has no effect.
    pub host_status: Option<ActivityHostStatus>,
}

impl ActivityFilter {
    fn host_status(&self) -> ActivityHostStatus {
        self.host_status.unwrap_or(ActivityHostStatus::Confirmed)
    }
}

/// What activities are ordered by; ties are broken by id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ActivityOrderField {
    /// Start time.
    #[default]
    StartsAt,
    /// Creation order.
    Id,
}

/// An activity ordering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ActivityOrder {
    /// The field.
    pub field: ActivityOrderField,
    /// The direction.
    pub direction: Direction,
}

/// `EXISTS (SELECT 1 FROM lounge_activity_hosts JOIN lounges … WHERE activity_id = outer.id AND
/// status = <status> AND <condition on lounges>)`.
fn hosted_where(status: ActivityHostStatus, condition: Expr) -> Expr {
    let mut hosts: SelectStatement = Query::select();
    hosts
        .expr(Expr::val(1))
        .from(lounge_activity_host::Entity)
        .inner_join(
            lounge::Entity,
            Expr::col((lounge::Entity, lounge::Column::Id)).equals((
                lounge_activity_host::Entity,
                lounge_activity_host::Column::LoungeId,
            )),
        )
        .and_where(
            Expr::col((
                lounge_activity_host::Entity,
                lounge_activity_host::Column::ActivityId,
            ))
            .equals((lounge_activity::Entity, lounge_activity::Column::Id)),
        )
        .and_where(
            Expr::col((
                lounge_activity_host::Entity,
                lounge_activity_host::Column::Status,
            ))
            .eq(status),
        )
        .and_where(condition);
    Expr::exists(hosts)
}

fn filtered(filter: &ActivityFilter) -> Result<SelectStatement, DomainError> {
    crate::limits::filter_values("kinds", filter.kinds.len())?;
    crate::limits::filter_values("formats", filter.formats.len())?;
    crate::limits::filter_values("channels", filter.channels.len())?;
    let column = |column: lounge_activity::Column| Expr::col((lounge_activity::Entity, column));
    let mut select = lounge_activity::Entity::find();
    if let Some(region) = filter.region {
        select = select.filter(hosted_where(
            filter.host_status(),
            region.condition((lounge::Entity, lounge::Column::RegionId)),
        ));
    }
    if let Some(lounge_id) = filter.lounge_id {
        select = select.filter(hosted_where(
            filter.host_status(),
            Expr::col((lounge::Entity, lounge::Column::Id)).eq(lounge_id),
        ));
    }
    if !filter.kinds.is_empty() {
        select = select.filter(lounge_activity::Column::Kind.is_in(filter.kinds.iter().copied()));
    }
    if !filter.formats.is_empty() {
        select =
            select.filter(lounge_activity::Column::Format.is_in(filter.formats.iter().copied()));
    }
    if !filter.channels.is_empty() {
        select =
            select.filter(lounge_activity::Column::Channel.is_in(filter.channels.iter().copied()));
    }
    if let Some(year) = filter.year {
        let (start, end) = year_instants(year)?;
        select = select
            .filter(column(lounge_activity::Column::StartsAt).gte(start))
            .filter(column(lounge_activity::Column::StartsAt).lt(end));
    }
    if let Some(from) = filter.starts_from {
        select = select.filter(column(lounge_activity::Column::StartsAt).gte(from));
    }
    if let Some(to) = filter.starts_to {
        select = select.filter(column(lounge_activity::Column::StartsAt).lte(to));
    }
    if let Some(term) = filter.search.as_deref().filter(|term| !term.is_empty()) {
        crate::limits::search(term)?;
        select = select.filter(contains_text(
            (lounge_activity::Entity, lounge_activity::Column::Title),
            term,
        ));
    }
    Ok(select.into_query())
}

fn window(partition: Option<Partition>, sort: ActivityOrder) -> Window {
    let direction: Order = sort.direction.into();
    let column = |column: lounge_activity::Column| Expr::col((lounge_activity::Entity, column));
    let id = (column(lounge_activity::Column::Id), direction.clone());
    let order = match sort.field {
        ActivityOrderField::StartsAt => {
            vec![(column(lounge_activity::Column::StartsAt), direction), id]
        }
        ActivityOrderField::Id => vec![id],
    };
    Window { partition, order }
}

/// One page of activities.
pub async fn page(
    db: &Db,
    filter: &ActivityFilter,
    sort: ActivityOrder,
    request: PageRequest,
) -> Result<Page<Activity>, DomainError> {
    let pages = page::fetch(db.reader(), filtered(filter)?, window(None, sort), request).await?;
    Ok(parse_pages(pages)?.remove(&0).unwrap_or_else(Page::empty))
}

/// A page of activities for each lounge, counting every activity the lounge hosted alone or
/// jointly: a cross-lounge activity appears under each of its hosts whose link has the filter's
/// host status (CONFIRMED unless asked otherwise).
pub async fn pages_by_lounge(
    db: &Db,
    lounge_ids: &[i64],
    filter: &ActivityFilter,
    sort: ActivityOrder,
    request: PageRequest,
) -> Result<HashMap<i64, Page<Activity>>, DomainError> {
    if lounge_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = filtered(filter)?;
    let host =
        |column: lounge_activity_host::Column| Expr::col((lounge_activity_host::Entity, column));
    select
        .inner_join(
            lounge_activity_host::Entity,
            host(lounge_activity_host::Column::ActivityId)
                .equals((lounge_activity::Entity, lounge_activity::Column::Id)),
        )
        .and_where(host(lounge_activity_host::Column::Status).eq(filter.host_status()));
    let partition = Partition {
        column: host(lounge_activity_host::Column::LoungeId),
        parents: lounge_ids.to_vec(),
    };
    parse_pages(page::fetch(db.reader(), select, window(Some(partition), sort), request).await?)
}

/// The activities with these ids.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Activity>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = lounge_activity::Entity::find()
        .filter(lounge_activity::Column::Id.is_in(ids.iter().copied()))
        .all(db.reader())
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The CONFIRMED host lounges of each activity, by lounge id (one statement).
pub async fn hosts(
    db: &Db,
    activity_ids: &[i64],
) -> Result<HashMap<i64, Vec<lounge::Model>>, DomainError> {
    let links = host_links(db, activity_ids).await?;
    Ok(links
        .into_iter()
        .map(|(activity_id, links)| {
            let confirmed = links
                .into_iter()
                .filter(|(_, status)| *status == ActivityHostStatus::Confirmed)
                .map(|(lounge, _)| lounge)
                .collect();
            (activity_id, confirmed)
        })
        .collect())
}

/// Every host link of each activity (invited, confirmed and declined), with its lounge, by
/// lounge id (one statement).
pub async fn host_links(
    db: &Db,
    activity_ids: &[i64],
) -> Result<HashMap<i64, Vec<(lounge::Model, ActivityHostStatus)>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<(lounge::Model, ActivityHostStatus)>> = HashMap::new();
    if activity_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = lounge_activity_host::Entity::find()
        .find_also_related(lounge::Entity)
        .filter(lounge_activity_host::Column::ActivityId.is_in(activity_ids.iter().copied()))
        .order_by_asc(lounge_activity_host::Column::LoungeId)
        .all(db.reader())
        .await?;
    for (host, lounge) in rows {
        if let Some(lounge) = lounge {
            grouped
                .entry(host.activity_id)
                .or_default()
                .push((lounge, host.status));
        }
    }
    Ok(grouped)
}

/// The member participants of each activity, by member id (one statement).
pub async fn participants(
    db: &Db,
    activity_ids: &[i64],
) -> Result<HashMap<i64, Vec<member::Model>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<member::Model>> = HashMap::new();
    if activity_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = lounge_activity_participant::Entity::find()
        .find_also_related(member::Entity)
        .filter(lounge_activity_participant::Column::ActivityId.is_in(activity_ids.iter().copied()))
        .order_by_asc(lounge_activity_participant::Column::MemberId)
        .all(db.reader())
        .await?;
    for (participant, member) in rows {
        if let Some(member) = member {
            grouped
                .entry(participant.activity_id)
                .or_default()
                .push(member);
        }
    }
    Ok(grouped)
}

/// Every activity numbered by these committees (the committee of its first host lounge): what
/// an activities import compares with and an export writes.
pub async fn numbered_by(db: &Db, region_ids: &[i64]) -> Result<Vec<Activity>, DomainError> {
    let mut rows = Vec::new();
    for chunk in region_ids.chunks(500) {
        rows.extend(
            lounge_activity::Entity::find()
                .filter(lounge_activity::Column::RegionId.is_in(chunk.iter().copied()))
                .all(db.reader())
                .await?,
        );
    }
    rows.sort_by(|a, b| (a.region_id, &a.record_number).cmp(&(b.region_id, &b.record_number)));
    Ok(rows)
}

/// Every host link (any status) of these activities, by activity and lounge id.
pub async fn host_rows(
    db: &Db,
    activity_ids: &[i64],
) -> Result<Vec<lounge_activity_host::Model>, DomainError> {
    let mut rows = Vec::new();
    for chunk in activity_ids.chunks(500) {
        rows.extend(
            lounge_activity_host::Entity::find()
                .filter(lounge_activity_host::Column::ActivityId.is_in(chunk.iter().copied()))
                .all(db.reader())
                .await?,
        );
    }
    rows.sort_by_key(|row| (row.activity_id, row.lounge_id));
    Ok(rows)
}

/// Every participant link of these activities, by activity and member id.
pub async fn participant_rows(
    db: &Db,
    activity_ids: &[i64],
) -> Result<Vec<lounge_activity_participant::Model>, DomainError> {
    let mut rows = Vec::new();
    for chunk in activity_ids.chunks(500) {
        rows.extend(
            lounge_activity_participant::Entity::find()
                .filter(
                    lounge_activity_participant::Column::ActivityId.is_in(chunk.iter().copied()),
                )
                .all(db.reader())
                .await?,
        );
    }
    rows.sort_by_key(|row| (row.activity_id, row.member_id));
    Ok(rows)
}
