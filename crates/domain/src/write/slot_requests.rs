//! Slot request (挂号) writes: a department queues for a consultation slot of a committee; staff
//! accept a request (it becomes a consultation) or decline it with a reason. Queue positions are
//! derived when read ([`crate::read::slot_requests`]), never stored.
//!
//! An accepted request becomes a consultation with status APPROVED: accepting the request *is*
//! the committee's decision to consult on the department's topic, so it is not proposed a second
//! time. Its status history starts with that one change (from nothing to APPROVED), and the
//! outbox gets CONSULTATION_CREATED followed by SLOT_REQUEST_DECIDED, in one transaction.

use chrono::{NaiveDate, Utc};
use entity::{
    consultation,
    enums::{
        ConsultationKind, ConsultationStatus, EventType, OrganizerKind, SlotRequestStatus,
        TopicSource,
    },
    region, slot_request,
};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, Set};
use serde_json::json;

use super::record_numbers::{NumberedRecord, next_record_number};
use super::validate::{Field, text};
use super::versioned::Versioned;
use crate::{
    Actor, Db, DomainError, lifecycle,
    outbox::{self, NewEvent},
    policy,
    read::slot_requests::{self as read, SlotRequest},
};

const DEPARTMENT: Field = Field {
    name: "department",
    max_chars: crate::limits::ORGANIZATION_NAME_CHARS,
};
const TOPIC: Field = Field {
    name: "topic",
    max_chars: crate::limits::LONG_TEXT_CHARS,
};
const TITLE: Field = Field {
    name: "title",
    max_chars: crate::limits::TITLE_CHARS,
};
const REASON: Field = Field {
    name: "reason",
    max_chars: crate::limits::LONG_TEXT_CHARS,
};

/// A consultation as stored.
pub type Consultation = consultation::Model;

/// `requestConsultationSlot`.
#[derive(Clone, Debug)]
pub struct RequestSlot {
    /// The committee whose queue the department joins.
    pub region_code: String,
    /// The requesting department.
    pub department: String,
    /// The proposed topic.
    pub topic: String,
    /// First day of the period the department would like the consultation held in.
    pub period_start: NaiveDate,
    /// Last day of that period (not before the first).
    pub period_end: NaiveDate,
}

/// `acceptSlotRequest`.
#[derive(Clone, Debug)]
pub struct Accept {
    /// MAIN or MICRO.
    pub kind: ConsultationKind,
    /// The consultation's title; default: the request's topic (cut to 200 characters).
    pub title: Option<String>,
}

/// The committee with this code, or `INVALID` on `regionCode`.
pub(super) async fn region_by_code(db: &Db, code: &str) -> Result<region::Model, DomainError> {
    crate::regions::by_code(db, code)
        .await
        .map_err(|_| DomainError::invalid("regionCode", "expected a six-digit region code"))?
        .ok_or_else(|| DomainError::invalid("regionCode", format!("no region has code {code}")))
}

/// Queues a department's request (status QUEUED, requested now); staff in scope register
/// requests on behalf of departments.
pub async fn request(
    db: &Db,
    actor: &Actor,
    input: RequestSlot,
) -> Result<SlotRequest, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    let region = region_by_code(db, &input.region_code).await?;
    policy::staff_in_scope(actor, region.id)?;
    let department = text(DEPARTMENT, &input.department)?;
    let topic = text(TOPIC, &input.topic)?;
    if input.period_end < input.period_start {
        return Err(DomainError::invalid(
            "periodEnd",
            "must not be before periodStart",
        ));
    }
    let now = Utc::now();
    let transaction = db.begin_write().await?;
    let created = slot_request::ActiveModel {
        region_id: Set(region.id),
        department: Set(department),
        topic: Set(topic),
        period_start: Set(input.period_start),
        period_end: Set(input.period_end),
        status: Set(SlotRequestStatus::Queued),
        requested_at: Set(now),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    emit(&transaction, &created, EventType::SlotRequested, actor).await?;
    db.commit(transaction).await?;
    with_position(db, created).await
}

/// Accepts a QUEUED request: creates its consultation (APPROVED, party-government topic,
/// organized by the committee) and links it.
pub async fn accept(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    input: Accept,
) -> Result<(SlotRequest, Consultation), DomainError> {
    let title = input.title.map(|title| text(TITLE, &title)).transpose()?;
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    lifecycle::check(current.status, SlotRequestStatus::Accepted)?;
    let region = region::Entity::find_by_id(current.region_id)
        .one(&transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("region {}", current.region_id)))?;
    let title = title.unwrap_or_else(|| current.topic.chars().take(TITLE.max_chars).collect());
    let now = Utc::now();
    let record_number = next_record_number(
        &transaction,
        NumberedRecord::Consultation,
        region.id,
        &region.code,
    )
    .await?;
    let created = consultation::ActiveModel {
        region_id: Set(current.region_id),
        record_number: Set(record_number),
        title: Set(title),
        topic: Set(current.topic.clone()),
        topic_source: Set(TopicSource::PartyGovernment),
        kind: Set(input.kind),
        status: Set(ConsultationStatus::Approved),
        organizer_kind: Set(OrganizerKind::Committee),
        organizer_name: Set(format!("{}政协", region.name)),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    let note = format!(
        "accepted from slot request {} of {}",
        current.id, current.department
    );
    super::consultations::record_change(&transaction, &created, None, actor, Some(note)).await?;
    super::consultations::emit(
        &transaction,
        &created,
        EventType::ConsultationCreated,
        actor,
    )
    .await?;
    let mut change = slot_request::ActiveModel::from(current.clone());
    change.status = Set(SlotRequestStatus::Accepted);
    change.decided_at = Set(Some(now));
    change.consultation_id = Set(Some(created.id));
    let updated = save(&transaction, &current, change).await?;
    emit(&transaction, &updated, EventType::SlotRequestDecided, actor).await?;
    db.commit(transaction).await?;
    Ok((with_position(db, updated).await?, created))
}

/// Declines a QUEUED request with a reason.
pub async fn decline(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    reason: String,
) -> Result<SlotRequest, DomainError> {
    let reason = text(REASON, &reason)?;
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    lifecycle::check(current.status, SlotRequestStatus::Declined)?;
    let mut change = slot_request::ActiveModel::from(current.clone());
    change.status = Set(SlotRequestStatus::Declined);
    change.decided_at = Set(Some(Utc::now()));
    change.decline_reason = Set(Some(reason));
    let updated = save(&transaction, &current, change).await?;
    emit(&transaction, &updated, EventType::SlotRequestDecided, actor).await?;
    db.commit(transaction).await?;
    with_position(db, updated).await
}

/// The committed row with its derived queue position.
async fn with_position(db: &Db, row: slot_request::Model) -> Result<SlotRequest, DomainError> {
    let mut found = read::by_ids(db, &[row.id]).await?;
    Ok(found.remove(&row.id).unwrap_or(SlotRequest {
        row,
        queue_position: None,
    }))
}

/// Reads the request inside the write transaction, checks the caller's scope and the version
/// the client last saw.
async fn load(
    transaction: &DatabaseTransaction,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
) -> Result<slot_request::Model, DomainError> {
    let current = slot_request::Entity::find_by_id(id)
        .one(transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("slot request {id}")))?;
    policy::staff_in_scope(actor, current.region_id)?;
    VERSIONED.check(current.version, expected_version)?;
    Ok(current)
}

/// The optimistic-concurrency columns of `slot_requests`.
const VERSIONED: Versioned<slot_request::Entity> = Versioned {
    what: "slot request",
    id: slot_request::Column::Id,
    version: slot_request::Column::Version,
    updated_at: slot_request::Column::UpdatedAt,
};

/// Writes `change` only if nobody changed the row since `current` was read; bumps the version.
async fn save(
    transaction: &DatabaseTransaction,
    current: &slot_request::Model,
    change: slot_request::ActiveModel,
) -> Result<slot_request::Model, DomainError> {
    VERSIONED
        .save(transaction, current.id, current.version, change)
        .await
}

/// The outbox event of a request's change, for its committee. Departments are organisations,
/// so the snapshot carries no personal data.
async fn emit(
    transaction: &DatabaseTransaction,
    request: &slot_request::Model,
    event_type: EventType,
    actor: &Actor,
) -> Result<(), DomainError> {
    let snapshot = json!({
        "id": request.id,
        "department": request.department,
        "topic": request.topic,
        "period": { "start": request.period_start, "end": request.period_end },
        "status": request.status.as_str(),
        "requestedAt": request.requested_at,
        "decidedAt": request.decided_at,
        "declineReason": request.decline_reason,
        "consultationId": request.consultation_id,
        "version": request.version,
    });
    outbox::append(
        transaction,
        NewEvent {
            event_type,
            entity_type: "SlotRequest",
            entity_id: request.id,
            region_ids: vec![request.region_id],
            snapshot,
            actor: actor.name(),
        },
    )
    .await?;
    Ok(())
}
