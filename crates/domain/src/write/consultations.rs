//! Consultation ("请你来协商") writes: propose, move through the lifecycle, schedule, record as
//! held, update details.

use chrono::{DateTime, Utc};
use entity::{
    consultation, consultation_participant, consultation_status_change,
    enums::{
        ConsultationKind, ConsultationStatus, EventType, OrganizerKind, ParticipantRole,
        TopicSource,
    },
    lounge, member,
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
};

pub(super) const TITLE: Field = Field {
    name: "title",
    max_chars: crate::limits::TITLE_CHARS,
};
pub(super) const TOPIC: Field = Field {
    name: "topic",
    max_chars: crate::limits::LONG_TEXT_CHARS,
};
pub(super) const ORGANIZER: Field = Field {
    name: "organizerName",
    max_chars: crate::limits::ORGANIZATION_NAME_CHARS,
};
pub(super) const VENUE: Field = Field {
    name: "venue",
    max_chars: crate::limits::VENUE_CHARS,
};
const NOTE: Field = Field {
    name: "note",
    max_chars: crate::limits::LONG_TEXT_CHARS,
};
pub(super) const REASON: Field = Field {
    name: "reason",
    max_chars: crate::limits::LONG_TEXT_CHARS,
};
pub(super) const PARTICIPANT_NAME: Field = Field {
    name: "participants.name",
    max_chars: crate::limits::PERSON_NAME_CHARS,
};
/// The organization a participant represents, bounded like the names of organizing units
/// (`recordConsultationHeld` and imports alike).
pub(super) const PARTICIPANT_ORGANIZATION: Field = Field {
    name: "participants.organization",
    max_chars: crate::limits::ORGANIZATION_NAME_CHARS,
};

/// A consultation as stored.
pub type Consultation = consultation::Model;

/// `proposeConsultation`.
#[derive(Clone, Debug)]
pub struct Propose {
    /// The committee that will hold it.
    pub region_code: String,
    /// Title.
    pub title: String,
    /// The question to be consulted on.
    pub topic: String,
    /// Where the topic came from.
    pub topic_source: TopicSource,
    /// MAIN or MICRO.
    pub kind: ConsultationKind,
    /// Organizing unit kind (default: the committee itself).
    pub organizer_kind: Option<OrganizerKind>,
    /// Organizing unit name (default: the committee's name + 政协).
    pub organizer_name: Option<String>,
}

/// A lifecycle step without extra data.
#[derive(Clone, Debug)]
pub enum Step {
    /// PROPOSED → APPROVED.
    Approve,
    /// APPROVED → RESEARCHING.
    StartResearch,
    /// HELD → FOLLOW_UP.
    StartFollowUp,
    /// FOLLOW_UP → CLOSED.
    Close,
    /// Any state before HELD → CANCELLED, with the reason.
    Cancel {
        /// Why it was cancelled.
        reason: String,
    },
}

/// `scheduleConsultation`.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// When it will be held.
    pub at: DateTime<Utc>,
    /// Where.
    pub venue: String,
    /// Optional host lounge.
    pub lounge_id: Option<i64>,
}

/// One participant of a held session.
#[derive(Clone, Debug)]
pub struct NewParticipant {
    /// Role in the session.
    pub role: ParticipantRole,
    /// The member, when the participant is one.
    pub member_id: Option<i64>,
    /// A guest's name (taken from the member when `member_id` is given).
    pub name: Option<String>,
    /// Organization, e.g. the department a guest represents.
    pub organization: Option<String>,
}

/// `recordConsultationHeld`.
#[derive(Clone, Debug)]
pub struct Held {
    /// When it was held.
    pub held_at: DateTime<Utc>,
    /// Who took part.
    pub participants: Vec<NewParticipant>,
}

/// `updateConsultation`: details that do not change the state; `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct Update {
    /// New title.
    pub title: Option<String>,
    /// New topic.
    pub topic: Option<String>,
    /// New kind.
    pub kind: Option<ConsultationKind>,
    /// New organizer kind.
    pub organizer_kind: Option<OrganizerKind>,
    /// New organizer name.
    pub organizer_name: Option<String>,
    /// New venue.
    pub venue: Option<String>,
}

/// Proposes a consultation (status PROPOSED).
pub async fn propose(db: &Db, actor: &Actor, input: Propose) -> Result<Consultation, DomainError> {
    let region = crate::regions::by_code(db, &input.region_code)
        .await
        .map_err(|_| DomainError::invalid("regionCode", "expected a six-digit region code"))?
        .ok_or_else(|| {
            DomainError::invalid(
                "regionCode",
                format!("no region has code {}", input.region_code),
            )
        })?;
    let member_region = match actor.member_id() {
        Some(member_id) => member::Entity::find_by_id(member_id)
            .one(db.reader())
            .await?
            .map(|member| member.region_id),
        None => None,
    };
    policy::may_propose(
        actor,
        region.id,
        member_region,
        input.topic_source == TopicSource::Member,
    )?;
    if input.topic_source == TopicSource::Public {
        return Err(DomainError::invalid(
            "topicSource",
            "public topics come in through submitPublicTopic",
        ));
    }
    let title = text(TITLE, &input.title)?;
    let topic = text(TOPIC, &input.topic)?;
    let organizer_name = match input.organizer_name {
        Some(name) => text(ORGANIZER, &name)?,
        None => default_organizer(&region.name),
    };
    let now = Utc::now();
    let transaction = db.begin_write().await?;
    let record_number = next_record_number(
        &transaction,
        NumberedRecord::Consultation,
        region.id,
        &region.code,
    )
    .await?;
    let created = consultation::ActiveModel {
        region_id: Set(region.id),
        record_number: Set(record_number),
        title: Set(title),
        topic: Set(topic),
        topic_source: Set(input.topic_source),
        kind: Set(input.kind),
        status: Set(ConsultationStatus::Proposed),
        organizer_kind: Set(input.organizer_kind.unwrap_or(OrganizerKind::Committee)),
        organizer_name: Set(organizer_name),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    record_change(&transaction, &created, None, actor, None).await?;
    emit(
        &transaction,
        &created,
        EventType::ConsultationCreated,
        actor,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(created)
}

/// Moves a consultation one lifecycle step.
pub async fn step(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    step: Step,
    note: Option<String>,
) -> Result<Consultation, DomainError> {
    let note = note.map(|note| text(NOTE, &note)).transpose()?;
    let (target, reason) = match step {
        Step::Approve => (ConsultationStatus::Approved, None),
        Step::StartResearch => (ConsultationStatus::Researching, None),
        Step::StartFollowUp => (ConsultationStatus::FollowUp, None),
        Step::Close => (ConsultationStatus::Closed, None),
        Step::Cancel { reason } => (ConsultationStatus::Cancelled, Some(text(REASON, &reason)?)),
    };
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    lifecycle::check(current.status, target)?;
    let mut change = consultation::ActiveModel::from(current.clone());
    change.status = Set(target);
    if let Some(reason) = reason {
        change.cancel_reason = Set(Some(reason));
    }
    change_status(db, transaction, &current, change, actor, note).await
}

/// Schedules (or reschedules) a consultation.
pub async fn schedule(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    input: Schedule,
    note: Option<String>,
) -> Result<Consultation, DomainError> {
    let venue = text(VENUE, &input.venue)?;
    let note = note.map(|note| text(NOTE, &note)).transpose()?;
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    lifecycle::check(current.status, ConsultationStatus::Scheduled)?;
    if let Some(lounge_id) = input.lounge_id {
        let lounge = lounge::Entity::find_by_id(lounge_id)
            .one(&transaction)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("lounge {lounge_id}")))?;
        if lounge.status != entity::enums::LoungeStatus::Active {
            return Err(DomainError::invalid("loungeId", "the lounge is not active"));
        }
    }
    let mut change = consultation::ActiveModel::from(current.clone());
    change.status = Set(ConsultationStatus::Scheduled);
    change.scheduled_at = Set(Some(input.at));
    change.venue = Set(Some(venue));
    change.lounge_id = Set(input.lounge_id);
    change_status(db, transaction, &current, change, actor, note).await
}

/// Records that a scheduled consultation was held, with its participants.
pub async fn record_held(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    input: Held,
    note: Option<String>,
) -> Result<Consultation, DomainError> {
    let note = note.map(|note| text(NOTE, &note)).transpose()?;
    if input.participants.is_empty() {
        return Err(DomainError::invalid(
            "participants",
            "list at least one participant",
        ));
    }
    crate::limits::list(
        "participants",
        input.participants.len(),
        crate::limits::MAX_CONSULTATION_PARTICIPANTS,
    )?;
    if input.held_at > Utc::now() {
        return Err(DomainError::invalid("heldAt", "must not be in the future"));
    }
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    lifecycle::check(current.status, ConsultationStatus::Held)?;
    let mut participants = Vec::with_capacity(input.participants.len());
    for (index, participant) in input.participants.into_iter().enumerate() {
        let name = match participant.member_id {
            Some(member_id) => {
                let member = member::Entity::find_by_id(member_id)
                    .one(&transaction)
                    .await?
                    .ok_or_else(|| {
                        DomainError::invalid(
                            format!("participants.{index}.memberId"),
                            format!("no member has id {member_id}"),
                        )
                    })?;
                if member.status != entity::enums::MemberStatus::Active {
                    return Err(DomainError::invalid(
                        format!("participants.{index}.memberId"),
                        "the member no longer serves",
                    ));
                }
                member.name
            }
            None => text(
                PARTICIPANT_NAME,
                participant.name.as_deref().unwrap_or_default(),
            )
            .map_err(|_| {
                DomainError::invalid(
                    format!("participants.{index}.name"),
                    "a guest needs a name (1–100 characters)",
                )
            })?,
        };
        let organization = match participant
            .organization
            .filter(|value| !value.trim().is_empty())
        {
            Some(value) => Some(text(PARTICIPANT_ORGANIZATION, &value).map_err(|error| {
                DomainError::invalid(
                    format!("participants.{index}.organization"),
                    error.to_string(),
                )
            })?),
            None => None,
        };
        participants.push(consultation_participant::ActiveModel {
            consultation_id: Set(id),
            role: Set(participant.role),
            member_id: Set(participant.member_id),
            name: Set(name),
            organization: Set(organization),
            ..Default::default()
        });
    }
    let mut change = consultation::ActiveModel::from(current.clone());
    change.status = Set(ConsultationStatus::Held);
    change.held_at = Set(Some(input.held_at));
    consultation_participant::Entity::insert_many(participants)
        .exec(&transaction)
        .await?;
    change_status(db, transaction, &current, change, actor, note).await
}

/// Updates details that do not change the state.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    input: Update,
) -> Result<Consultation, DomainError> {
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    if matches!(
        current.status,
        ConsultationStatus::Closed | ConsultationStatus::Cancelled | ConsultationStatus::Rejected
    ) {
        return Err(DomainError::InvalidTransition {
            current: current.status.as_str().to_owned(),
            requested: "an update".to_owned(),
            allowed: "none: closed, cancelled and rejected consultations are final".to_owned(),
        });
    }
    let mut change = consultation::ActiveModel::from(current.clone());
    if let Some(title) = input.title {
        change.title = Set(text(TITLE, &title)?);
    }
    if let Some(topic) = input.topic {
        change.topic = Set(text(TOPIC, &topic)?);
    }
    if let Some(kind) = input.kind {
        change.kind = Set(kind);
    }
    if let Some(kind) = input.organizer_kind {
        change.organizer_kind = Set(kind);
    }
    if let Some(name) = input.organizer_name {
        change.organizer_name = Set(text(ORGANIZER, &name)?);
    }
    if let Some(venue) = input.venue {
        change.venue = Set(Some(text(VENUE, &venue)?));
    }
    let updated = save(&transaction, &current, change).await?;
    emit(
        &transaction,
        &updated,
        EventType::ConsultationUpdated,
        actor,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(updated)
}

/// Reads the consultation inside the write transaction, checks the caller's scope and the
/// version the client last saw.
pub(super) async fn load(
    transaction: &DatabaseTransaction,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
) -> Result<Consultation, DomainError> {
    let current = consultation::Entity::find_by_id(id)
        .one(transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("consultation {id}")))?;
    policy::staff_in_scope(actor, current.region_id)?;
    VERSIONED.check(current.version, expected_version)?;
    Ok(current)
}

/// The optimistic-concurrency columns of `consultations`.
const VERSIONED: Versioned<consultation::Entity> = Versioned {
    what: "consultation",
    id: consultation::Column::Id,
    version: consultation::Column::Version,
    updated_at: consultation::Column::UpdatedAt,
};

/// Writes `change` only if nobody changed the row since `current` was read; bumps the version.
pub(super) async fn save(
    transaction: &DatabaseTransaction,
    current: &Consultation,
    change: consultation::ActiveModel,
) -> Result<Consultation, DomainError> {
    VERSIONED
        .save(transaction, current.id, current.version, change)
        .await
}

/// Writes a status change of `current` — the row, its status-history entry and its
/// `CONSULTATION_STATUS_CHANGED` event — and commits, the one ending of every lifecycle step.
pub(super) async fn change_status(
    db: &Db,
    transaction: DatabaseTransaction,
    current: &Consultation,
    change: consultation::ActiveModel,
    actor: &Actor,
    note: Option<String>,
) -> Result<Consultation, DomainError> {
    let updated = save(&transaction, current, change).await?;
    record_change(&transaction, &updated, Some(current.status), actor, note).await?;
    emit(
        &transaction,
        &updated,
        EventType::ConsultationStatusChanged,
        actor,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(updated)
}

pub(super) async fn record_change(
    transaction: &DatabaseTransaction,
    consultation: &Consultation,
    from: Option<ConsultationStatus>,
    actor: &Actor,
    note: Option<String>,
) -> Result<(), DomainError> {
    status_change(consultation, from, actor, note)
        .insert(transaction)
        .await?;
    Ok(())
}

/// The status-history row [`record_change`] inserts, for callers that insert many at once.
pub(super) fn status_change(
    consultation: &Consultation,
    from: Option<ConsultationStatus>,
    actor: &Actor,
    note: Option<String>,
) -> consultation_status_change::ActiveModel {
    consultation_status_change::ActiveModel {
        consultation_id: Set(consultation.id),
        from_status: Set(from),
        to_status: Set(consultation.status),
        actor: Set(actor.name()),
        note: Set(note),
        changed_at: Set(Utc::now()),
        actor_region_id: Set(actor.principal().map(|principal| principal.region_id)),
        ..Default::default()
    }
}

/// The organizing unit a consultation has when none is named: the committee itself
/// (`鄞州区政协`), as `proposeConsultation` and imports default it.
pub fn default_organizer(committee_name: &str) -> String {
    format!("{committee_name}政协")
}

/// The outbox event of a change: the committee and, for a hosted session, the host lounge's
/// committee; the snapshot carries no personal data (no submitter details).
pub(super) async fn emit(
    transaction: &DatabaseTransaction,
    consultation: &Consultation,
    event_type: EventType,
    actor: &Actor,
) -> Result<(), DomainError> {
    let lounge_region_id = match consultation.lounge_id {
        Some(lounge_id) => lounge::Entity::find_by_id(lounge_id)
            .one(transaction)
            .await?
            .map(|lounge| lounge.region_id),
        None => None,
    };
    outbox::append(
        transaction,
        event(consultation, lounge_region_id, event_type, actor),
    )
    .await?;
    Ok(())
}

/// The event [`emit`] appends, for callers that append many at once (imports): the committee
/// and the host lounge's committee (`lounge_region_id`), a snapshot without personal data.
pub(super) fn event(
    consultation: &Consultation,
    lounge_region_id: Option<i64>,
    event_type: EventType,
    actor: &Actor,
) -> NewEvent {
    let mut region_ids = vec![consultation.region_id];
    region_ids.extend(lounge_region_id);
    let snapshot = json!({
        "id": consultation.id,
        "title": consultation.title,
        "topic": consultation.topic,
        "topicSource": consultation.topic_source.as_str(),
        "kind": consultation.kind.as_str(),
        "status": consultation.status.as_str(),
        "organizer": { "kind": consultation.organizer_kind.as_str(), "name": consultation.organizer_name },
        "loungeId": consultation.lounge_id,
        "venue": consultation.venue,
        "scheduledAt": consultation.scheduled_at,
        "heldAt": consultation.held_at,
        "cancelReason": consultation.cancel_reason,
        "version": consultation.version,
    });
    NewEvent {
        event_type,
        entity_type: "Consultation",
        entity_id: consultation.id,
        region_ids,
        snapshot,
        actor: actor.name(),
    }
}

/// `submitPublicTopic` (社会征题): a topic from the public, open to anonymous callers.
#[derive(Clone, Debug)]
pub struct PublicTopic {
    /// The committee the topic is for.
    pub region_code: String,
    /// A short title.
    pub title: String,
    /// The topic itself.
    pub topic: String,
    /// Who submits it (personal data: visible only to staff in scope).
    pub submitter_name: String,
    /// How to reach them (personal data: visible only to staff in scope).
    pub submitter_contact: String,
}

pub(super) const SUBMITTER_NAME: Field = Field {
    name: "submitterName",
    max_chars: crate::limits::SUBMITTER_NAME_CHARS,
};
pub(super) const SUBMITTER_CONTACT: Field = Field {
    name: "submitterContact",
    max_chars: crate::limits::CONTACT_CHARS,
};
const PUBLIC_TOPIC: Field = Field {
    name: "topic",
    max_chars: crate::limits::PUBLIC_TOPIC_CHARS,
};

/// Lands a public topic as SUBMITTED with source PUBLIC, in the moderation queue that only
/// staff in scope see (`acceptPublicTopic` / `rejectPublicTopic`, see
/// [`super::public_topics`]), and returns it with the submitter's receipt code (only its hash
/// is stored). Sizes are bounded tighter than staff input; the caller (the HTTP layer)
/// rate-limits per client.
pub async fn submit_public_topic(
    db: &Db,
    actor: &Actor,
    input: PublicTopic,
) -> Result<super::public_topics::SubmittedTopic, DomainError> {
    let region = crate::regions::by_code(db, &input.region_code)
        .await
        .map_err(|_| DomainError::invalid("regionCode", "expected a six-digit region code"))?
        .ok_or_else(|| {
            DomainError::invalid(
                "regionCode",
                format!("no region has code {}", input.region_code),
            )
        })?;
    let title = text(TITLE, &input.title)?;
    let topic = text(PUBLIC_TOPIC, &input.topic)?;
    let submitter_name = text(SUBMITTER_NAME, &input.submitter_name)?;
    let submitter_contact = text(SUBMITTER_CONTACT, &input.submitter_contact)?;
    let receipt = super::public_topics::Receipt::new()?;
    let now = Utc::now();
    let transaction = db.begin_write().await?;
    let record_number = next_record_number(
        &transaction,
        NumberedRecord::Consultation,
        region.id,
        &region.code,
    )
    .await?;
    let created = consultation::ActiveModel {
        region_id: Set(region.id),
        record_number: Set(record_number),
        title: Set(title),
        topic: Set(topic),
        topic_source: Set(TopicSource::Public),
        kind: Set(ConsultationKind::Micro),
        status: Set(ConsultationStatus::Submitted),
        receipt_hash: Set(Some(receipt.hash.clone())),
        organizer_kind: Set(OrganizerKind::Committee),
        organizer_name: Set(default_organizer(&region.name)),
        submitter_name: Set(Some(submitter_name)),
        submitter_contact: Set(Some(submitter_contact)),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    record_change(
        &transaction,
        &created,
        None,
        actor,
        Some("public topic".to_owned()),
    )
    .await?;
    emit(
        &transaction,
        &created,
        EventType::ConsultationCreated,
        actor,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(super::public_topics::SubmittedTopic {
        consultation: created,
        receipt_code: receipt.code,
    })
}
