//! Sentiment report (社情民意信息) writes: draft, submit to the recipient, record a leader's
//! acknowledgement (批示).
//!
//! Drafting is open to staff in scope and to a member who lists themself among the authors
//! ([`policy::may_draft_report`]); submitting and recording the acknowledgement are the
//! committee office's work (staff in scope). Source lounges must belong to the reporting
//! committee or a committee below it; every event names the reporting committee and the
//! committee of each source lounge. Snapshots carry no personal data: no author ids or names, and
//! neither the report's text nor the instruction's text (both may name people), only titles,
//! states, dates and lounge ids.

use std::collections::BTreeSet;

use chrono::Utc;
use entity::{
    enums::{EventType, MemberStatus, SentimentReportStatus},
    lounge, member, region_closure, sentiment_report, sentiment_report_author,
    sentiment_report_source_lounge,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use serde_json::json;

use super::versioned::Versioned;
use super::{
    slot_requests::region_by_code,
    validate::{Field, text},
};
use crate::{
    Actor, Db, DomainError, lifecycle,
    outbox::{self, NewEvent},
    policy,
};

const TITLE: Field = Field {
    name: "title",
    max_chars: crate::limits::TITLE_CHARS,
};
const CONTENT: Field = Field {
    name: "content",
    max_chars: crate::limits::REPORT_CONTENT_CHARS,
};
const RECIPIENT: Field = Field {
    name: "recipient",
    max_chars: crate::limits::ORGANIZATION_NAME_CHARS,
};
const ACKNOWLEDGEMENT: Field = Field {
    name: "acknowledgement",
    max_chars: crate::limits::STATEMENT_CHARS,
};

/// A sentiment report as stored.
pub type SentimentReport = sentiment_report::Model;

/// `draftSentimentReport`.
#[derive(Clone, Debug)]
pub struct Draft {
    /// The committee that sends the report.
    pub region_code: String,
    /// Title.
    pub title: String,
    /// Full text.
    pub content: String,
    /// The receiving body.
    pub recipient: String,
    /// The lounges it was compiled from (duplicates are ignored).
    pub source_lounge_ids: Vec<i64>,
    /// The member authors (duplicates are ignored).
    pub author_member_ids: Vec<i64>,
}

/// Drafts a report (status DRAFT) with its source lounges and authors.
pub async fn draft(db: &Db, actor: &Actor, input: Draft) -> Result<SentimentReport, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    let region = region_by_code(db, &input.region_code).await?;
    let member_region = match actor.member_id() {
        Some(member_id) => member::Entity::find_by_id(member_id)
            .one(db.reader())
            .await?
            .map(|member| member.region_id),
        None => None,
    };
    let lists_self = actor
        .member_id()
        .is_some_and(|id| input.author_member_ids.contains(&id));
    policy::may_draft_report(actor, region.id, member_region, lists_self)?;
    let title = text(TITLE, &input.title)?;
    let content = text(CONTENT, &input.content)?;
    let recipient = text(RECIPIENT, &input.recipient)?;
    crate::limits::list(
        "authorMemberIds",
        input.author_member_ids.len(),
        crate::limits::MAX_REPORT_AUTHORS,
    )?;
    crate::limits::list(
        "sourceLoungeIds",
        input.source_lounge_ids.len(),
        crate::limits::MAX_REPORT_SOURCE_LOUNGES,
    )?;
    let now = Utc::now();
    let transaction = db.begin_write().await?;
    let mut lounge_ids = Vec::new();
    for (index, &lounge_id) in input.source_lounge_ids.iter().enumerate() {
        if lounge_ids.contains(&lounge_id) {
            continue;
        }
        let field = format!("sourceLoungeIds.{index}");
        let lounge = lounge::Entity::find_by_id(lounge_id)
            .one(&transaction)
            .await?
            .ok_or_else(|| DomainError::invalid(&field, format!("no lounge has id {lounge_id}")))?;
        let below = region_closure::Entity::find()
            .filter(region_closure::Column::AncestorId.eq(region.id))
            .filter(region_closure::Column::DescendantId.eq(lounge.region_id))
            .count(&transaction)
            .await?;
        if below == 0 {
            return Err(DomainError::invalid(
                &field,
                "the lounge belongs to a committee outside the reporting committee's region",
            ));
        }
        lounge_ids.push(lounge_id);
    }
    let mut author_ids = Vec::new();
    for (index, &member_id) in input.author_member_ids.iter().enumerate() {
        if author_ids.contains(&member_id) {
            continue;
        }
        let field = format!("authorMemberIds.{index}");
        let author = member::Entity::find_by_id(member_id)
            .one(&transaction)
            .await?
            .ok_or_else(|| DomainError::invalid(&field, format!("no member has id {member_id}")))?;
        if author.status != MemberStatus::Active {
            return Err(DomainError::invalid(&field, "the member no longer serves"));
        }
        author_ids.push(member_id);
    }
    let created = sentiment_report::ActiveModel {
        region_id: Set(region.id),
        title: Set(title),
        content: Set(content),
        recipient: Set(recipient),
        status: Set(SentimentReportStatus::Draft),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    if !lounge_ids.is_empty() {
        sentiment_report_source_lounge::Entity::insert_many(lounge_ids.iter().map(|&lounge_id| {
            sentiment_report_source_lounge::ActiveModel {
                report_id: Set(created.id),
                lounge_id: Set(lounge_id),
            }
        }))
        .exec(&transaction)
        .await?;
    }
    if !author_ids.is_empty() {
        sentiment_report_author::Entity::insert_many(author_ids.iter().map(|&member_id| {
            sentiment_report_author::ActiveModel {
                report_id: Set(created.id),
                member_id: Set(member_id),
            }
        }))
        .exec(&transaction)
        .await?;
    }
    emit(
        &transaction,
        &created,
        EventType::SentimentReportDrafted,
        actor,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(created)
}

/// DRAFT → SUBMITTED: sends the report to its recipient (staff in scope).
pub async fn submit(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
) -> Result<SentimentReport, DomainError> {
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    lifecycle::check(current.status, SentimentReportStatus::Submitted)?;
    let mut change = sentiment_report::ActiveModel::from(current.clone());
    change.status = Set(SentimentReportStatus::Submitted);
    change.submitted_at = Set(Some(Utc::now()));
    let updated = save(&transaction, &current, change).await?;
    emit(
        &transaction,
        &updated,
        EventType::SentimentReportSubmitted,
        actor,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(updated)
}

/// SUBMITTED → ACKNOWLEDGED: records a leader's instruction (批示) on the report (staff in
/// scope).
pub async fn acknowledge(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    acknowledgement: String,
) -> Result<SentimentReport, DomainError> {
    let acknowledgement = text(ACKNOWLEDGEMENT, &acknowledgement)?;
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    lifecycle::check(current.status, SentimentReportStatus::Acknowledged)?;
    let mut change = sentiment_report::ActiveModel::from(current.clone());
    change.status = Set(SentimentReportStatus::Acknowledged);
    change.acknowledged_at = Set(Some(Utc::now()));
    change.acknowledgement = Set(Some(acknowledgement));
    let updated = save(&transaction, &current, change).await?;
    emit(
        &transaction,
        &updated,
        EventType::SentimentReportAcknowledged,
        actor,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(updated)
}

/// Reads the report inside the write transaction, checks the caller's scope and the version the
/// client last saw.
async fn load(
    transaction: &DatabaseTransaction,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
) -> Result<SentimentReport, DomainError> {
    let current = sentiment_report::Entity::find_by_id(id)
        .one(transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("sentiment report {id}")))?;
    policy::staff_in_scope(actor, current.region_id)?;
    VERSIONED.check(current.version, expected_version)?;
    Ok(current)
}

/// The optimistic-concurrency columns of `sentiment_reports`.
const VERSIONED: Versioned<sentiment_report::Entity> = Versioned {
    what: "sentiment report",
    id: sentiment_report::Column::Id,
    version: sentiment_report::Column::Version,
    updated_at: sentiment_report::Column::UpdatedAt,
};

/// Writes `change` only if nobody changed the row since `current` was read; bumps the version.
async fn save(
    transaction: &DatabaseTransaction,
    current: &SentimentReport,
    change: sentiment_report::ActiveModel,
) -> Result<SentimentReport, DomainError> {
    VERSIONED
        .save(transaction, current.id, current.version, change)
        .await
}

/// The outbox event of a change: the reporting committee and each source lounge's committee.
async fn emit(
    transaction: &DatabaseTransaction,
    report: &SentimentReport,
    event_type: EventType,
    actor: &Actor,
) -> Result<(), DomainError> {
    let lounge_ids: BTreeSet<i64> = sentiment_report_source_lounge::Entity::find()
        .filter(sentiment_report_source_lounge::Column::ReportId.eq(report.id))
        .all(transaction)
        .await?
        .into_iter()
        .map(|row| row.lounge_id)
        .collect();
    let mut region_ids = vec![report.region_id];
    if !lounge_ids.is_empty() {
        region_ids.extend(
            lounge::Entity::find()
                .filter(lounge::Column::Id.is_in(lounge_ids.iter().copied()))
                .all(transaction)
                .await?
                .into_iter()
                .map(|lounge| lounge.region_id),
        );
    }
    let authors = sentiment_report_author::Entity::find()
        .filter(sentiment_report_author::Column::ReportId.eq(report.id))
        .count(transaction)
        .await?;
    let snapshot = json!({
        "id": report.id,
        "title": report.title,
        "recipient": report.recipient,
        "status": report.status.as_str(),
        "sourceLoungeIds": lounge_ids,
        "authorCount": authors,
        "submittedAt": report.submitted_at,
        "acknowledgedAt": report.acknowledged_at,
        "version": report.version,
    });
    outbox::append(
        transaction,
        NewEvent {
            event_type,
            entity_type: "SentimentReport",
            entity_id: report.id,
            region_ids,
            snapshot,
            actor: actor.name(),
        },
    )
    .await?;
    Ok(())
}
