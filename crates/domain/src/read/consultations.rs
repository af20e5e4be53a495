//! "请你来协商" consultations: lists, pages per region and per member, participants and status
//! history. Suggestions (the outcomes) are in [`super::suggestions`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{
    consultation, consultation_participant, consultation_status_change,
    enums::{ConsultationKind, ConsultationStatus, TopicSource},
};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait,
    sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement},
};

use super::{Direction, RegionScope, contains_text, parse_pages, per_region};
use crate::{
    Actor, Db, DomainError,
    page::{self, Page, PageRequest, Partition, Window},
    visibility,
};

/// A consultation as stored.
pub type Consultation = consultation::Model;

/// Which consultations to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConsultationFilter {
    /// Holding committee (and, optionally, the committees below it).
    pub region: Option<RegionScope>,
    /// Any of these statuses; empty means all.
    pub statuses: Vec<ConsultationStatus>,
    /// Any of these kinds; empty means all.
    pub kinds: Vec<ConsultationKind>,
    /// Any of these topic sources; empty means all.
    pub topic_sources: Vec<TopicSource>,
    /// Held in this calendar year, in China Standard Time.
    pub year: Option<i32>,
    /// Held at or after this instant.
    pub held_from: Option<DateTime<Utc>>,
    /// Held before or at this instant.
    pub held_to: Option<DateTime<Utc>>,
    /// Text contained in the title or topic.
    pub search: Option<String>,
    /// Hosted by this lounge.
    pub lounge_id: Option<i64>,
    /// The committees (region ids) whose public topics in moderation (SUBMITTED, REJECTED) the
    /// caller may see: [`crate::visibility::staff_regions`]. Empty: public statuses only.
    pub moderation_regions: Vec<i64>,
}

/// What consultations are ordered by; missing times come last, ties are broken by id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ConsultationOrderField {
    /// When the session was held.
    #[default]
    HeldAt,
    /// When the session is scheduled.
    ScheduledAt,
    /// When the record was created.
    CreatedAt,
    /// Creation order.
    Id,
}

/// A consultation ordering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConsultationOrder {
    /// The field.
    pub field: ConsultationOrderField,
    /// The direction.
    pub direction: Direction,
}

fn col(column: consultation::Column) -> Expr {
    Expr::col((consultation::Entity, column))
}

fn filtered(filter: &ConsultationFilter) -> Result<SelectStatement, DomainError> {
    crate::limits::filter_values("statuses", filter.statuses.len())?;
    crate::limits::filter_values("kinds", filter.kinds.len())?;
    crate::limits::filter_values("topicSources", filter.topic_sources.len())?;
    // Visibility ([`crate::visibility::consultation`]): public statuses, and topics in
    // moderation only of the committees the caller may see them of.
    let mut select = consultation::Entity::find().filter(
        col(consultation::Column::Status)
            .is_in(
                visibility::public_consultation_statuses()
                    .into_iter()
                    .map(|status| status.as_str()),
            )
            .or(col(consultation::Column::RegionId)
                .is_in(filter.moderation_regions.iter().copied())),
    );
    if let Some(region) = filter.region {
        select =
            select.filter(region.condition((consultation::Entity, consultation::Column::RegionId)));
    }
    if !filter.statuses.is_empty() {
        select = select.filter(consultation::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    if !filter.kinds.is_empty() {
        select = select.filter(consultation::Column::Kind.is_in(filter.kinds.iter().copied()));
    }
    if !filter.topic_sources.is_empty() {
        select = select
            .filter(consultation::Column::TopicSource.is_in(filter.topic_sources.iter().copied()));
    }
    if let Some(year) = filter.year {
        let (start, end) = super::calendar::year_instants(year)?;
        select = select
            .filter(consultation::Column::HeldAt.gte(start))
            .filter(consultation::Column::HeldAt.lt(end));
    }
    if let Some(from) = filter.held_from {
        select = select.filter(consultation::Column::HeldAt.gte(from));
    }
    if let Some(to) = filter.held_to {
        select = select.filter(consultation::Column::HeldAt.lte(to));
    }
    if let Some(term) = filter.search.as_deref().filter(|term| !term.is_empty()) {
        crate::limits::search(term)?;
        select = select.filter(
            contains_text((consultation::Entity, consultation::Column::Title), term).or(
                contains_text((consultation::Entity, consultation::Column::Topic), term),
            ),
        );
    }
    if let Some(lounge_id) = filter.lounge_id {
        select = select.filter(consultation::Column::LoungeId.eq(lounge_id));
    }
    Ok(select.into_query())
}

fn window(partition: Option<Partition>, sort: ConsultationOrder) -> Window {
    let direction: Order = sort.direction.into();
    let id = (col(consultation::Column::Id), direction.clone());
    let nullable = |column: consultation::Column| {
        vec![
            (
                Expr::case(col(column).is_null(), 1).finally(0).into(),
                Order::Asc,
            ),
            (col(column), direction.clone()),
            id.clone(),
        ]
    };
    let order = match sort.field {
        ConsultationOrderField::HeldAt => nullable(consultation::Column::HeldAt),
        ConsultationOrderField::ScheduledAt => nullable(consultation::Column::ScheduledAt),
        ConsultationOrderField::CreatedAt => vec![
            (col(consultation::Column::CreatedAt), direction.clone()),
            id,
        ],
        ConsultationOrderField::Id => vec![id],
    };
    Window { partition, order }
}

/// One page of consultations.
pub async fn page(
    db: &Db,
    filter: &ConsultationFilter,
    sort: ConsultationOrder,
    request: PageRequest,
) -> Result<Page<Consultation>, DomainError> {
    let pages = page::fetch(db.reader(), filtered(filter)?, window(None, sort), request).await?;
    Ok(parse_pages(pages)?.remove(&0).unwrap_or_else(Page::empty))
}

/// A page of consultations for each region: held by the region's committee, or with
/// `include_descendants` by it and every committee below.
pub async fn pages_by_region(
    db: &Db,
    region_ids: &[i64],
    include_descendants: bool,
    filter: &ConsultationFilter,
    sort: ConsultationOrder,
    request: PageRequest,
) -> Result<HashMap<i64, Page<Consultation>>, DomainError> {
    if region_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = filtered(filter)?;
    let partition = per_region(
        &mut select,
        (consultation::Entity, consultation::Column::RegionId),
        region_ids,
        include_descendants,
    );
    parse_pages(page::fetch(db.reader(), select, window(Some(partition), sort), request).await?)
}

/// A page of the consultations each member took part in (as a participant).
pub async fn pages_by_member(
    db: &Db,
    member_ids: &[i64],
    filter: &ConsultationFilter,
    sort: ConsultationOrder,
    request: PageRequest,
) -> Result<HashMap<i64, Page<Consultation>>, DomainError> {
    if member_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let taking_part = Alias::new("taking_part");
    let member_id = || consultation_participant::Column::MemberId;
    let consultation_id = || consultation_participant::Column::ConsultationId;
    // One row per (member, consultation), even when a member is listed twice.
    let mut participations = Query::select();
    participations
        .distinct()
        .column(consultation_id())
        .column(member_id())
        .from(consultation_participant::Entity)
        .and_where(Expr::col(member_id()).is_in(member_ids.iter().copied()));
    let mut select = filtered(filter)?;
    select.join_subquery(
        JoinType::InnerJoin,
        participations,
        taking_part.clone(),
        Expr::col((taking_part.clone(), consultation_id()))
            .equals((consultation::Entity, consultation::Column::Id)),
    );
    // The subquery keeps its own `IN`: it deduplicates only the asked-for members' rows.
    let partition = Partition {
        column: Expr::col((taking_part, member_id())),
        parents: member_ids.to_vec(),
    };
    parse_pages(page::fetch(db.reader(), select, window(Some(partition), sort), request).await?)
}

/// Whether `actor` may see `row` in its current state ([`crate::visibility::consultation`]): a
/// public topic in moderation only to staff in scope.
pub fn visible_to(actor: &Actor, row: &Consultation) -> bool {
    visibility::may_see(
        actor.principal(),
        visibility::consultation(row.status),
        &[row.region_id],
        false,
    )
}

/// The consultations with these ids, whatever their state: callers that show them check
/// [`visible_to`] (or reach them through records only visible ones have).
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Consultation>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = consultation::Entity::find()
        .filter(consultation::Column::Id.is_in(ids.iter().copied()))
        .all(db.reader())
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The participants of each consultation, in order of listing (id order — the order that
/// numbers them, 序号, in record imports and exports), read in bounded batches however many
/// consultations are asked for.
pub async fn participants(
    db: &Db,
    consultation_ids: &[i64],
) -> Result<HashMap<i64, Vec<consultation_participant::Model>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<consultation_participant::Model>> = HashMap::new();
    for chunk in consultation_ids.chunks(500) {
        let rows = consultation_participant::Entity::find()
            .filter(consultation_participant::Column::ConsultationId.is_in(chunk.iter().copied()))
            .order_by_asc(consultation_participant::Column::Id)
            .all(db.reader())
            .await?;
        for row in rows {
            grouped.entry(row.consultation_id).or_default().push(row);
        }
    }
    Ok(grouped)
}

/// The status history of each consultation, oldest first.
pub async fn status_history(
    db: &Db,
    consultation_ids: &[i64],
) -> Result<HashMap<i64, Vec<consultation_status_change::Model>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<consultation_status_change::Model>> = HashMap::new();
    if consultation_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = consultation_status_change::Entity::find()
        .filter(
            consultation_status_change::Column::ConsultationId
                .is_in(consultation_ids.iter().copied()),
        )
        .order_by_asc(consultation_status_change::Column::ChangedAt)
        .order_by_asc(consultation_status_change::Column::Id)
        .all(db.reader())
        .await?;
    for row in rows {
        grouped.entry(row.consultation_id).or_default().push(row);
    }
    Ok(grouped)
}

/// Every consultation of these committees, whatever its state, by committee and 协商编号: what
/// record imports compare against and exports write (a province holds a few thousand).
pub async fn of_regions(db: &Db, region_ids: &[i64]) -> Result<Vec<Consultation>, DomainError> {
    let mut rows = Vec::new();
    // Bounded IN lists: SQLite limits bound parameters per statement.
    for chunk in region_ids.chunks(500) {
        rows.extend(
            consultation::Entity::find()
                .filter(consultation::Column::RegionId.is_in(chunk.iter().copied()))
                .all(db.reader())
                .await?,
        );
    }
    rows.sort_by(|a, b| (a.region_id, &a.record_number).cmp(&(b.region_id, &b.record_number)));
    Ok(rows)
}
