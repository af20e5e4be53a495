//! Suggestions (建议), the outcomes of consultations, and their follow-ups.

use std::collections::HashMap;

use entity::{enums::SuggestionStatus, suggestion, suggestion_follow_up};
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait,
    sea_query::{Expr, Order},
};

use super::parse_pages;
use crate::{
    Db, DomainError,
    page::{self, Page, PageRequest, Partition, Window},
};

/// A suggestion as stored.
pub type Suggestion = suggestion::Model;

/// Which suggestions to list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SuggestionFilter {
    /// Any of these statuses; empty means all.
    pub statuses: Vec<SuggestionStatus>,
}

/// A page of each consultation's suggestions, oldest first (by creation, then id).
pub async fn pages_by_consultation(
    db: &Db,
    consultation_ids: &[i64],
    filter: &SuggestionFilter,
    request: PageRequest,
) -> Result<HashMap<i64, Page<Suggestion>>, DomainError> {
    crate::limits::filter_values("statuses", filter.statuses.len())?;
    if consultation_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = suggestion::Entity::find();
    if !filter.statuses.is_empty() {
        select = select.filter(suggestion::Column::Status.is_in(filter.statuses.iter().copied()));
    }
    let col = |column: suggestion::Column| Expr::col((suggestion::Entity, column));
    let window = Window {
        partition: Some(Partition {
            column: col(suggestion::Column::ConsultationId),
            parents: consultation_ids.to_vec(),
        }),
        order: vec![
            (col(suggestion::Column::CreatedAt), Order::Asc),
            (col(suggestion::Column::Id), Order::Asc),
        ],
    };
    parse_pages(page::fetch(db.reader(), select.into_query(), window, request).await?)
}

/// The suggestions with these ids.
pub async fn by_ids(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Suggestion>, DomainError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = suggestion::Entity::find()
        .filter(suggestion::Column::Id.is_in(ids.iter().copied()))
        .all(db.reader())
        .await?;
    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
}

/// The follow-up records of each suggestion, oldest first.
pub async fn follow_ups(
    db: &Db,
    suggestion_ids: &[i64],
) -> Result<HashMap<i64, Vec<suggestion_follow_up::Model>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<suggestion_follow_up::Model>> = HashMap::new();
    if suggestion_ids.is_empty() {
        return Ok(grouped);
    }
    let rows = suggestion_follow_up::Entity::find()
        .filter(suggestion_follow_up::Column::SuggestionId.is_in(suggestion_ids.iter().copied()))
        .order_by_asc(suggestion_follow_up::Column::FollowedOn)
        .order_by_asc(suggestion_follow_up::Column::Id)
        .all(db.reader())
        .await?;
    for row in rows {
        grouped.entry(row.suggestion_id).or_default().push(row);
    }
    Ok(grouped)
}

/// The suggestions of each of these consultations in id order — the order that numbers them
/// (序号) in record imports and exports — read in bounded batches however many are asked for.
pub async fn of_consultations(
    db: &Db,
    consultation_ids: &[i64],
) -> Result<HashMap<i64, Vec<Suggestion>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<Suggestion>> = HashMap::new();
    for chunk in consultation_ids.chunks(500) {
        let rows = suggestion::Entity::find()
            .filter(suggestion::Column::ConsultationId.is_in(chunk.iter().copied()))
            .order_by_asc(suggestion::Column::Id)
            .all(db.reader())
            .await?;
        for row in rows {
            grouped.entry(row.consultation_id).or_default().push(row);
        }
    }
    Ok(grouped)
}

/// The follow-ups of each of these suggestions in id order (their 序号 in record files), read
/// in bounded batches.
pub async fn follow_ups_in_id_order(
    db: &Db,
    suggestion_ids: &[i64],
) -> Result<HashMap<i64, Vec<suggestion_follow_up::Model>>, DomainError> {
    let mut grouped: HashMap<i64, Vec<suggestion_follow_up::Model>> = HashMap::new();
    for chunk in suggestion_ids.chunks(500) {
        let rows = suggestion_follow_up::Entity::find()
            .filter(suggestion_follow_up::Column::SuggestionId.is_in(chunk.iter().copied()))
            .order_by_asc(suggestion_follow_up::Column::Id)
            .all(db.reader())
            .await?;
        for row in rows {
            grouped.entry(row.suggestion_id).or_default().push(row);
        }
    }
    Ok(grouped)
}
