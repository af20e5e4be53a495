//! Suggestions (建议) that come out of a held consultation, and their follow-up (督查).

use chrono::{NaiveDate, Utc};
use entity::{
    consultation,
    enums::{ConsultationStatus, EventType, SuggestionGrade, SuggestionStatus},
    member, suggestion, suggestion_follow_up, suggestion_status_change,
};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, EntityTrait, Set};
use serde_json::json;

use super::validate::{Field, text};
use super::versioned::Versioned;
use crate::{
    Actor, Db, DomainError, lifecycle,
    outbox::{self, NewEvent},
    policy,
};

pub(super) const CONTENT: Field = Field {
    name: "content",
    max_chars: crate::limits::STATEMENT_CHARS,
};
pub(super) const DEPARTMENT: Field = Field {
    name: "responsibleDepartment",
    max_chars: crate::limits::ORGANIZATION_NAME_CHARS,
};
pub(super) const PROPOSER: Field = Field {
    name: "proposerName",
    max_chars: crate::limits::PERSON_NAME_CHARS,
};
pub(super) const NOTE: Field = Field {
    name: "note",
    max_chars: crate::limits::LONG_TEXT_CHARS,
};

/// The optimistic-concurrency columns of `suggestions`.
pub(super) const VERSIONED: Versioned<suggestion::Entity> = Versioned {
    what: "suggestion",
    id: suggestion::Column::Id,
    version: suggestion::Column::Version,
    updated_at: suggestion::Column::UpdatedAt,
};

/// A suggestion as stored.
pub type Suggestion = suggestion::Model;
/// A follow-up record as stored.
pub type FollowUp = suggestion_follow_up::Model;

/// `addSuggestion`.
#[derive(Clone, Debug)]
pub struct NewSuggestion {
    /// The consultation it came out of (HELD or FOLLOW_UP).
    pub consultation_id: i64,
    /// What is suggested.
    pub content: String,
    /// The member who proposed it, if a member did.
    pub proposer_member_id: Option<i64>,
    /// The proposer's name when not a member (e.g. an expert or the committee).
    pub proposer_name: Option<String>,
    /// The government department responsible for acting on it.
    pub responsible_department: String,
}

/// Adds a suggestion to a held consultation (status SUBMITTED).
pub async fn add(db: &Db, actor: &Actor, input: NewSuggestion) -> Result<Suggestion, DomainError> {
    let content = text(CONTENT, &input.content)?;
    let department = text(DEPARTMENT, &input.responsible_department)?;
    let transaction = db.begin_write().await?;
    let parent = consultation::Entity::find_by_id(input.consultation_id)
        .one(&transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("consultation {}", input.consultation_id)))?;
    policy::staff_in_scope(actor, parent.region_id)?;
    if !matches!(
        parent.status,
        ConsultationStatus::Held | ConsultationStatus::FollowUp
    ) {
        return Err(DomainError::InvalidTransition {
            current: parent.status.as_str().to_owned(),
            requested: "a new suggestion".to_owned(),
            allowed: "suggestions are added to HELD or FOLLOW_UP consultations".to_owned(),
        });
    }
    let proposer_name = match input.proposer_member_id {
        Some(member_id) => {
            member::Entity::find_by_id(member_id)
                .one(&transaction)
                .await?
                .ok_or_else(|| {
                    DomainError::invalid(
                        "proposerMemberId",
                        format!("no member has id {member_id}"),
                    )
                })?
                .name
        }
        None => {
            text(PROPOSER, input.proposer_name.as_deref().unwrap_or_default()).map_err(|_| {
                DomainError::invalid(
                    "proposerName",
                    "name the proposer (or give proposerMemberId)",
                )
            })?
        }
    };
    let now = Utc::now();
    let created = suggestion::ActiveModel {
        consultation_id: Set(parent.id),
        content: Set(content),
        proposer_member_id: Set(input.proposer_member_id),
        proposer_name: Set(proposer_name),
        responsible_department: Set(department),
        status: Set(SuggestionStatus::Submitted),
        grade: Set(None),
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
        parent.region_id,
        EventType::SuggestionCreated,
        actor,
        json!(null),
    )
    .await?;
    db.commit(transaction).await?;
    Ok(created)
}

/// Moves a suggestion along its lifecycle. The grade is set when it reaches IMPLEMENTED (A:
/// solved, B: partly solved or scheduled) or REJECTED (C: not feasible, the default there).
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    status: SuggestionStatus,
    grade: Option<SuggestionGrade>,
    note: Option<String>,
) -> Result<Suggestion, DomainError> {
    let note = note.map(|note| text(NOTE, &note)).transpose()?;
    let grade = grade_for(status, grade)?;
    let transaction = db.begin_write().await?;
    let (current, region_id) = load(&transaction, actor, id, expected_version).await?;
    lifecycle::check(current.status, status)?;
    let mut change = suggestion::ActiveModel::from(current.clone());
    change.status = Set(status);
    if grade.is_some() {
        change.grade = Set(grade);
    }
    let updated = VERSIONED
        .save(&transaction, id, current.version, change)
        .await?;
    record_change(&transaction, &updated, Some(current.status), actor, note).await?;
    emit(
        &transaction,
        &updated,
        region_id,
        EventType::SuggestionStatusChanged,
        actor,
        json!(null),
    )
    .await?;
    db.commit(transaction).await?;
    Ok(updated)
}

/// The grade a suggestion in `status` keeps, given the `grade` asked for: A or B once
/// IMPLEMENTED (required), C once REJECTED (the default there), none before — what
/// `setSuggestionStatus` and imports enforce.
pub(super) fn grade_for(
    status: SuggestionStatus,
    grade: Option<SuggestionGrade>,
) -> Result<Option<SuggestionGrade>, DomainError> {
    match (status, grade) {
        (
            SuggestionStatus::Implemented,
            Some(grade @ (SuggestionGrade::A | SuggestionGrade::B)),
        ) => Ok(Some(grade)),
        (SuggestionStatus::Implemented, _) => Err(DomainError::invalid(
            "grade",
            "an implemented suggestion needs grade A (solved) or B (partly solved or scheduled)",
        )),
        (SuggestionStatus::Rejected, None | Some(SuggestionGrade::C)) => {
            Ok(Some(SuggestionGrade::C))
        }
        (SuggestionStatus::Rejected, Some(_)) => Err(DomainError::invalid(
            "grade",
            "a rejected suggestion has grade C (not feasible)",
        )),
        (_, Some(_)) => Err(DomainError::invalid(
            "grade",
            "the grade is set when a suggestion is IMPLEMENTED or REJECTED",
        )),
        (_, None) => Ok(None),
    }
}

/// `addSuggestionFollowUp`.
#[derive(Clone, Debug)]
pub struct NewFollowUp {
    /// The day of the follow-up (not in the future).
    pub date: NaiveDate,
    /// What was found or done.
    pub note: String,
    /// Progress in percent, 0–100.
    pub progress: i32,
}

/// Records a follow-up (督查) of an accepted suggestion.
pub async fn add_follow_up(
    db: &Db,
    actor: &Actor,
    suggestion_id: i64,
    input: NewFollowUp,
) -> Result<(Suggestion, FollowUp), DomainError> {
    let note = text(NOTE, &input.note)?;
    progress(input.progress)?;
    if input.date > crate::read::today() {
        return Err(DomainError::invalid("date", "must not be in the future"));
    }
    let transaction = db.begin_write().await?;
    let (current, region_id) = load(&transaction, actor, suggestion_id, None).await?;
    may_follow_up(current.status)?;
    if input.date < current.created_at.date_naive() {
        return Err(DomainError::invalid(
            "date",
            "must not be before the suggestion was made",
        ));
    }
    let follow_up = suggestion_follow_up::ActiveModel {
        suggestion_id: Set(suggestion_id),
        followed_on: Set(input.date),
        note: Set(note),
        progress: Set(input.progress),
        actor: Set(actor.name()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    let detail = follow_up_detail(follow_up.followed_on, follow_up.progress, &follow_up.note);
    emit(
        &transaction,
        &current,
        region_id,
        EventType::SuggestionFollowedUp,
        actor,
        detail,
    )
    .await?;
    db.commit(transaction).await?;
    Ok((current, follow_up))
}

/// A follow-up's progress: a percentage from 0 to 100.
pub(super) fn progress(value: i32) -> Result<i32, DomainError> {
    if !(0..=100).contains(&value) {
        return Err(DomainError::invalid(
            "progress",
            "a percentage from 0 to 100",
        ));
    }
    Ok(value)
}

/// Follow-ups are recorded for suggestions that were accepted (or further), not for ones
/// still undecided or rejected.
pub(super) fn may_follow_up(status: SuggestionStatus) -> Result<(), DomainError> {
    if matches!(
        status,
        SuggestionStatus::Accepted | SuggestionStatus::InProgress | SuggestionStatus::Implemented
    ) {
        return Ok(());
    }
    Err(DomainError::InvalidTransition {
        current: status.as_str().to_owned(),
        requested: "a follow-up".to_owned(),
        allowed: "follow-ups are recorded for ACCEPTED, IN_PROGRESS or IMPLEMENTED suggestions"
            .to_owned(),
    })
}

/// The suggestion and its consultation's committee, with the caller's scope and the version
/// the client last saw checked.
async fn load(
    transaction: &DatabaseTransaction,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
) -> Result<(Suggestion, i64), DomainError> {
    let (current, parent) = suggestion::Entity::find_by_id(id)
        .find_also_related(consultation::Entity)
        .one(transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("suggestion {id}")))?;
    let parent = parent.ok_or_else(|| DomainError::NotFound(format!("suggestion {id}")))?;
    policy::staff_in_scope(actor, parent.region_id)?;
    VERSIONED.check(current.version, expected_version)?;
    Ok((current, parent.region_id))
}

async fn record_change(
    transaction: &DatabaseTransaction,
    suggestion: &Suggestion,
    from: Option<SuggestionStatus>,
    actor: &Actor,
    note: Option<String>,
) -> Result<(), DomainError> {
    status_change(suggestion, from, actor, note)
        .insert(transaction)
        .await?;
    Ok(())
}

/// The status-history row [`record_change`] inserts, for callers that insert many at once.
pub(super) fn status_change(
    suggestion: &Suggestion,
    from: Option<SuggestionStatus>,
    actor: &Actor,
    note: Option<String>,
) -> suggestion_status_change::ActiveModel {
    suggestion_status_change::ActiveModel {
        suggestion_id: Set(suggestion.id),
        from_status: Set(from),
        to_status: Set(suggestion.status),
        actor: Set(actor.name()),
        note: Set(note),
        changed_at: Set(Utc::now()),
        ..Default::default()
    }
}

async fn emit(
    transaction: &DatabaseTransaction,
    suggestion: &Suggestion,
    region_id: i64,
    event_type: EventType,
    actor: &Actor,
    follow_up: serde_json::Value,
) -> Result<(), DomainError> {
    outbox::append(
        transaction,
        event(suggestion, region_id, event_type, actor, follow_up),
    )
    .await?;
    Ok(())
}

/// The event [`emit`] appends, for callers that append many at once (imports): the
/// consultation's committee, and a snapshot that names the proposer only as a member reference.
pub(super) fn event(
    suggestion: &Suggestion,
    region_id: i64,
    event_type: EventType,
    actor: &Actor,
    follow_up: serde_json::Value,
) -> NewEvent {
    // The proposer is named in the snapshot only as a member reference: names of people who
    // are not members are personal data.
    let snapshot = json!({
        "id": suggestion.id,
        "consultationId": suggestion.consultation_id,
        "content": suggestion.content,
        "proposerMemberId": suggestion.proposer_member_id,
        "responsibleDepartment": suggestion.responsible_department,
        "status": suggestion.status.as_str(),
        "grade": suggestion.grade.map(|grade| grade.as_str()),
        "version": suggestion.version,
        "followUp": follow_up,
    });
    NewEvent {
        event_type,
        entity_type: "Suggestion",
        entity_id: suggestion.id,
        region_ids: vec![region_id],
        snapshot,
        actor: actor.name(),
    }
}

/// What a follow-up event carries of the follow-up (`SUGGESTION_FOLLOWED_UP`).
pub(super) fn follow_up_detail(date: NaiveDate, progress: i32, note: &str) -> serde_json::Value {
    json!({ "date": date, "progress": progress, "note": note })
}
