//! Past 协商 sessions of a records import (`records` crate) — consultations with their
//! participants, suggestions and follow-ups — written as the mutations write them (the same
//! field checks, status-history rows, events and policy) but for records that already have a
//! history: a session may arrive CLOSED with the day it was held, a suggestion IMPLEMENTED with
//! its grade, without walking the lifecycle step by step.
//!
//! Sessions are keyed by (committee, 协商编号). A child is keyed by its parent and its 序号: its
//! 1-based position among the parent's children in id order. New children are inserted in 序号
//! order, so that their ids follow it and an export numbers them the same way again.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    consultation, consultation_participant, consultation_status_change,
    enums::{
        ConsultationKind, ConsultationStatus, EventType, OrganizerKind, ParticipantRole,
        SuggestionGrade, SuggestionStatus, TopicSource,
    },
    lounge, suggestion, suggestion_follow_up, suggestion_status_change,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use super::consultations::{
    self as consultations, Consultation, ORGANIZER, PARTICIPANT_NAME, REASON, SUBMITTER_CONTACT,
    SUBMITTER_NAME, TITLE, TOPIC, VENUE,
};
use super::members::Written;
use super::record_numbers::{NumberedRecord, checked_record_number, lock_record_numbers};
use super::suggestions::{self as suggestions, CONTENT, DEPARTMENT, NOTE, PROPOSER};
use super::validate::{Field, text};
use crate::{Actor, Db, DomainError, outbox::NewEvent, policy};

/// The note of every status-history row an import writes.
pub const IMPORTED_NOTE: &str = "导入 (imported)";

/// Who recorded a follow-up: the importer's name (`ROLE:subject`) or a name the file gives.
const FOLLOW_UP_ACTOR: Field = Field {
    name: "actor",
    max_chars: crate::limits::PERSON_NAME_CHARS,
};

/// Rows per multi-row insert: well under both engines' bound-parameter limits.
const BATCH: usize = 200;

/// The key of a session: its committee and its 协商编号.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    /// The committee that holds the session.
    pub region_id: i64,
    /// Its 协商编号, unique within the committee.
    pub record_number: String,
}

/// A session's own fields (everything but its committee and host lounge), as imports give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsultationFields {
    /// 协商编号: the key within the committee.
    pub record_number: String,
    /// 标题.
    pub title: String,
    /// 议题.
    pub topic: String,
    /// 选题来源.
    pub topic_source: TopicSource,
    /// 类型.
    pub kind: ConsultationKind,
    /// 状态: any state, reached without the steps in between.
    pub status: ConsultationStatus,
    /// 组织单位类型.
    pub organizer_kind: OrganizerKind,
    /// 组织单位名称 (the caller fills in [`consultations::default_organizer`] for a blank one).
    pub organizer_name: String,
    /// 地点.
    pub venue: Option<String>,
    /// 计划时间.
    pub scheduled_at: Option<DateTime<Utc>>,
    /// 召开时间: given exactly when the session was held (HELD, FOLLOW_UP, CLOSED).
    pub held_at: Option<DateTime<Utc>>,
    /// 取消原因: given exactly when the session is CANCELLED.
    pub cancel_reason: Option<String>,
    /// 征题人: given exactly for a public topic (personal data).
    pub submitter_name: Option<String>,
    /// 征题人联系方式: given exactly for a public topic (personal data).
    pub submitter_contact: Option<String>,
}

/// The trimmed text of a required field; an error (and an empty text) when it fails its check.
fn required(field: Field, value: &str, errors: &mut Vec<DomainError>) -> String {
    text(field, value).unwrap_or_else(|error| {
        errors.push(error);
        String::new()
    })
}

/// The trimmed text of an optional field: `None` when blank, the raw value (and an error) when
/// it fails its check, so that presence rules do not report it twice.
fn optional(field: Field, value: Option<String>, errors: &mut Vec<DomainError>) -> Option<String> {
    let value = value.filter(|value| !value.trim().is_empty())?;
    Some(text(field, &value).unwrap_or_else(|error| {
        errors.push(error);
        value
    }))
}

/// Whether a session in `status` has been held: it then has its 召开时间 and may have
/// suggestions.
fn was_held(status: ConsultationStatus) -> bool {
    matches!(
        status,
        ConsultationStatus::Held | ConsultationStatus::FollowUp | ConsultationStatus::Closed
    )
}

impl ConsultationFields {
    /// The fields trimmed and checked as `proposeConsultation`, `updateConsultation`,
    /// `scheduleConsultation`, `recordConsultationHeld`, `cancelConsultation` and
    /// `submitPublicTopic` check them, plus what a history must hold together: a held session
    /// has its time (not in the future), only a cancelled one has a reason, only a public topic
    /// has a submitter (and it must), only public topics are in moderation (SUBMITTED,
    /// REJECTED), a scheduled session has its time. Returns every failing field's error.
    pub fn checked(self) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let record_number = checked_record_number(&self.record_number).unwrap_or_else(|error| {
            errors.push(error);
            String::new()
        });
        let title = required(TITLE, &self.title, &mut errors);
        let topic = required(TOPIC, &self.topic, &mut errors);
        let organizer_name = required(ORGANIZER, &self.organizer_name, &mut errors);
        let venue = optional(VENUE, self.venue, &mut errors);
        let cancel_reason = optional(REASON, self.cancel_reason, &mut errors);
        let submitter_name = optional(SUBMITTER_NAME, self.submitter_name, &mut errors);
        let submitter_contact = optional(SUBMITTER_CONTACT, self.submitter_contact, &mut errors);
        let status = self.status;
        match (was_held(status), self.held_at) {
            (true, None) => errors.push(DomainError::invalid(
                "heldAt",
                "a held session (HELD, FOLLOW_UP or CLOSED) needs the time it was held",
            )),
            (false, Some(_)) => errors.push(DomainError::invalid(
                "heldAt",
                "only a held session (HELD, FOLLOW_UP or CLOSED) has a time it was held",
            )),
            (true, Some(at)) if at > Utc::now() => {
                errors.push(DomainError::invalid("heldAt", "must not be in the future"));
            }
            _ => {}
        }
        match (status == ConsultationStatus::Cancelled, &cancel_reason) {
            (true, None) => errors.push(DomainError::invalid(
                REASON.name,
                "a cancelled session needs the reason",
            )),
            (false, Some(_)) => errors.push(DomainError::invalid(
                REASON.name,
                "only a cancelled session has a reason for cancelling",
            )),
            _ => {}
        }
        let public = self.topic_source == TopicSource::Public;
        for (field, value) in [
            (SUBMITTER_NAME, &submitter_name),
            (SUBMITTER_CONTACT, &submitter_contact),
        ] {
            match (public, value) {
                (true, None) => errors.push(DomainError::invalid(
                    field.name,
                    "a public topic (社会征题) names its submitter, as submitPublicTopic requires",
                )),
                (false, Some(_)) => errors.push(DomainError::invalid(
                    field.name,
                    "only a public topic (社会征题) has a submitter",
                )),
                _ => {}
            }
        }
        if !public
            && matches!(
                status,
                ConsultationStatus::Submitted | ConsultationStatus::Rejected
            )
        {
            errors.push(DomainError::invalid(
                "status",
                "only public topics (社会征题) wait in moderation (SUBMITTED) or are turned down \
                 there (REJECTED)",
            ));
        }
        if status == ConsultationStatus::Scheduled && self.scheduled_at.is_none() {
            errors.push(DomainError::invalid(
                "scheduledAt",
                "a scheduled session needs the time it is scheduled for",
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            record_number,
            title,
            topic,
            organizer_name,
            venue,
            cancel_reason,
            submitter_name,
            submitter_contact,
            ..self
        })
    }
}

/// A participant's own fields, as imports give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParticipantFields {
    /// 角色.
    pub role: ParticipantRole,
    /// 姓名: kept as the file gives it, also for a member (the name at the time).
    pub name: String,
    /// 单位.
    pub organization: Option<String>,
}

impl ParticipantFields {
    /// Checked as `recordConsultationHeld` checks a participant (a name of 1–100 characters),
    /// with the organization bounded too; every failing field's error.
    pub fn checked(self) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let name = required(PARTICIPANT_NAME, &self.name, &mut errors);
        let organization = optional(
            consultations::PARTICIPANT_ORGANIZATION,
            self.organization,
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name,
            organization,
            ..self
        })
    }
}

/// A suggestion's own fields, as imports give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestionFields {
    /// 内容.
    pub content: String,
    /// 状态: any state, reached without the steps in between.
    pub status: SuggestionStatus,
    /// 等级: A or B once IMPLEMENTED, C once REJECTED (the default there), none before.
    pub grade: Option<SuggestionGrade>,
    /// 责任单位.
    pub responsible_department: String,
    /// 提出人.
    pub proposer_name: String,
    /// 提出时间: when it was made, which the statistics count by year.
    pub created_at: DateTime<Utc>,
}

impl SuggestionFields {
    /// Checked as `addSuggestion` and `setSuggestionStatus` check them (text bounds, grade by
    /// status), made not in the future, and — when the session's state is known — only for a
    /// session that was held (`addSuggestion` takes HELD and FOLLOW_UP sessions; a history
    /// also has those of CLOSED ones). Every failing field's error; a misplaced suggestion is
    /// reported on the field `consultation`.
    pub fn checked(
        self,
        consultation_status: Option<ConsultationStatus>,
    ) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let content = required(CONTENT, &self.content, &mut errors);
        let responsible_department =
            required(DEPARTMENT, &self.responsible_department, &mut errors);
        let proposer_name = required(PROPOSER, &self.proposer_name, &mut errors);
        let grade = suggestions::grade_for(self.status, self.grade).unwrap_or_else(|error| {
            errors.push(error);
            None
        });
        if self.created_at > Utc::now() {
            errors.push(DomainError::invalid(
                "createdAt",
                "must not be in the future",
            ));
        }
        if let Some(status) = consultation_status
            && !was_held(status)
        {
            errors.push(DomainError::invalid(
                "consultation",
                format!(
                    "suggestions come out of held sessions (HELD, FOLLOW_UP or CLOSED), not {}",
                    status.as_str()
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            content,
            grade,
            responsible_department,
            proposer_name,
            ..self
        })
    }
}

/// A follow-up's own fields, as imports give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowUpFields {
    /// 日期.
    pub followed_on: NaiveDate,
    /// 情况.
    pub note: String,
    /// 进度, 0–100.
    pub progress: i32,
    /// 跟踪人 (the caller fills in the importer's name for a blank one).
    pub actor: String,
}

impl FollowUpFields {
    /// Checked as `addSuggestionFollowUp` checks them: note bounds, progress 0–100, a day not
    /// in the future and — against the suggestion's (status, made at), when known — only for
    /// an accepted (or further) suggestion (reported on the field `suggestion`) and not before
    /// it was made. Every failing field's error.
    pub fn checked(
        self,
        suggestion: Option<(SuggestionStatus, DateTime<Utc>)>,
    ) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let note = required(NOTE, &self.note, &mut errors);
        let actor = required(FOLLOW_UP_ACTOR, &self.actor, &mut errors);
        if let Err(error) = suggestions::progress(self.progress) {
            errors.push(error);
        }
        if self.followed_on > crate::read::today() {
            errors.push(DomainError::invalid("date", "must not be in the future"));
        }
        if let Some((status, made_at)) = suggestion {
            if let Err(error) = suggestions::may_follow_up(status) {
                errors.push(DomainError::invalid("suggestion", error.to_string()));
            }
            if self.followed_on < made_at.date_naive() {
                errors.push(DomainError::invalid(
                    "date",
                    "must not be before the suggestion was made",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            note,
            actor,
            ..self
        })
    }
}

/// One session row of an import: a new session (when `id` is `None`) or new values for session
/// `id`.
#[derive(Clone, Debug)]
pub struct ImportedConsultation {
    /// The session to update; `None` creates one with the fields' 协商编号.
    pub id: Option<i64>,
    /// The stored version the update was planned against: a session changed meanwhile is a
    /// `CONFLICT`, never overwritten (ignored when creating).
    pub version: i32,
    /// The holding committee.
    pub region_id: i64,
    /// The host lounge, if any.
    pub lounge_id: Option<i64>,
    /// Its checked fields.
    pub fields: ConsultationFields,
}

impl ImportedConsultation {
    fn key(&self) -> RecordKey {
        RecordKey {
            region_id: self.region_id,
            record_number: self.fields.record_number.clone(),
        }
    }
}

/// One participant row: a new participant at `position` (when `id` is `None`) or new values
/// for participant `id`.
#[derive(Clone, Debug)]
pub struct ImportedParticipant {
    /// The participant to update; `None` creates one.
    pub id: Option<i64>,
    /// Its session, stored or in the same import.
    pub consultation: RecordKey,
    /// Its 序号 within the session.
    pub position: usize,
    /// The member, when the participant is one.
    pub member_id: Option<i64>,
    /// Its checked fields.
    pub fields: ParticipantFields,
}

/// One suggestion row: a new suggestion at `position` (when `id` is `None`) or new values for
/// suggestion `id`.
#[derive(Clone, Debug)]
pub struct ImportedSuggestion {
    /// The suggestion to update; `None` creates one.
    pub id: Option<i64>,
    /// The stored version the update was planned against (see [`ImportedConsultation`]).
    pub version: i32,
    /// Its session, stored or in the same import.
    pub consultation: RecordKey,
    /// Its 序号 within the session.
    pub position: usize,
    /// The proposing member, if a member proposed it.
    pub proposer_member_id: Option<i64>,
    /// Its checked fields.
    pub fields: SuggestionFields,
}

/// One follow-up row: a new follow-up at `position` (when `id` is `None`) or new values for
/// follow-up `id`.
#[derive(Clone, Debug)]
pub struct ImportedFollowUp {
    /// The follow-up to update; `None` creates one.
    pub id: Option<i64>,
    /// The session of its suggestion.
    pub consultation: RecordKey,
    /// The 序号 of its suggestion within the session (stored, or created by the same import).
    pub suggestion: usize,
    /// Its 序号 within the suggestion.
    pub position: usize,
    /// Its checked fields.
    pub fields: FollowUpFields,
}

/// Everything one import writes: only rows that create or change something (unchanged rows
/// are left out by the caller).
#[derive(Clone, Debug, Default)]
pub struct ConsultationImport {
    /// Sessions.
    pub consultations: Vec<ImportedConsultation>,
    /// Participants.
    pub participants: Vec<ImportedParticipant>,
    /// Suggestions.
    pub suggestions: Vec<ImportedSuggestion>,
    /// Follow-ups.
    pub follow_ups: Vec<ImportedFollowUp>,
}

/// Writes a consultations import in one transaction, or nothing: staff in scope of every
/// session's committee only (what `updateConsultation` and `addSuggestion` require). A new
/// session gets one status-history row (from nothing to its state, note [`IMPORTED_NOTE`]) and
/// `CONSULTATION_CREATED`; a changed one (or one whose participants changed) a bumped version,
/// a history row only when its state changed, and `CONSULTATION_UPDATED`. A new suggestion gets
/// its history row and `SUGGESTION_CREATED`, a changed one `SUGGESTION_STATUS_CHANGED` (and a
/// history row when its state changed); a new or changed follow-up `SUGGESTION_FOLLOWED_UP`.
/// Rows are inserted in multi-row batches and events appended together, so a province's
/// history is a few hundred statements, not a hundred thousand.
pub async fn import_consultations(
    db: &Db,
    actor: &Actor,
    rows: ConsultationImport,
) -> Result<Written, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    let ConsultationImport {
        consultations: sessions,
        participants,
        suggestions: proposals,
        follow_ups,
    } = rows;
    let regions: BTreeSet<i64> = sessions
        .iter()
        .map(|row| row.region_id)
        .chain(participants.iter().map(|row| row.consultation.region_id))
        .chain(proposals.iter().map(|row| row.consultation.region_id))
        .chain(follow_ups.iter().map(|row| row.consultation.region_id))
        .collect();
    for region_id in &regions {
        policy::staff_in_scope(actor, *region_id)?;
    }
    let mut written = Written::default();
    let transaction = db.begin_write().await?;
    lock_record_numbers(
        &transaction,
        NumberedRecord::Consultation,
        sessions
            .iter()
            .filter(|row| row.id.is_none())
            .map(|row| row.region_id),
    )
    .await?;
    let mut history = Vec::new();
    let mut session_events: Vec<(RecordKey, EventType)> = Vec::new();

    // Sessions: updates one by one (few), creations in batches.
    let now = Utc::now();
    let mut new_sessions = Vec::new();
    for row in sessions {
        let key = row.key();
        let fields = row.fields;
        match row.id {
            None => {
                new_sessions.push(consultation::ActiveModel {
                    region_id: Set(row.region_id),
                    record_number: Set(fields.record_number),
                    title: Set(fields.title),
                    topic: Set(fields.topic),
                    topic_source: Set(fields.topic_source),
                    kind: Set(fields.kind),
                    status: Set(fields.status),
                    organizer_kind: Set(fields.organizer_kind),
                    organizer_name: Set(fields.organizer_name),
                    lounge_id: Set(row.lounge_id),
                    venue: Set(fields.venue),
                    scheduled_at: Set(fields.scheduled_at),
                    held_at: Set(fields.held_at),
                    cancel_reason: Set(fields.cancel_reason),
                    submitter_name: Set(fields.submitter_name),
                    submitter_contact: Set(fields.submitter_contact),
                    receipt_hash: Set(None),
                    decided_at: Set(None),
                    rejection_reason: Set(None),
                    version: Set(0),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                });
                session_events.push((key, EventType::ConsultationCreated));
                written.created += 1;
            }
            Some(id) => {
                let current = consultation::Entity::find_by_id(id)
                    .one(&transaction)
                    .await?
                    .ok_or_else(|| DomainError::NotFound(format!("consultation {id}")))?;
                if current.version != row.version || current.region_id != row.region_id {
                    return Err(DomainError::Conflict(format!(
                        "协商 {} changed while the import was being checked; import the file again",
                        current.record_number
                    )));
                }
                let mut change = consultation::ActiveModel::from(current.clone());
                change.title = Set(fields.title);
                change.topic = Set(fields.topic);
                change.topic_source = Set(fields.topic_source);
                change.kind = Set(fields.kind);
                change.status = Set(fields.status);
                change.organizer_kind = Set(fields.organizer_kind);
                change.organizer_name = Set(fields.organizer_name);
                change.lounge_id = Set(row.lounge_id);
                change.venue = Set(fields.venue);
                change.scheduled_at = Set(fields.scheduled_at);
                change.held_at = Set(fields.held_at);
                change.cancel_reason = Set(fields.cancel_reason);
                change.submitter_name = Set(fields.submitter_name);
                change.submitter_contact = Set(fields.submitter_contact);
                let updated = consultations::save(&transaction, &current, change).await?;
                if updated.status != current.status {
                    history.push(consultations::status_change(
                        &updated,
                        Some(current.status),
                        actor,
                        Some(IMPORTED_NOTE.to_owned()),
                    ));
                }
                // As the mutations do: a move to another status is a status change.
                let event_type = if updated.status == current.status {
                    EventType::ConsultationUpdated
                } else {
                    EventType::ConsultationStatusChanged
                };
                session_events.push((key, event_type));
                written.updated += 1;
            }
        }
    }
    for chunk in new_sessions.chunks(BATCH) {
        consultation::Entity::insert_many(chunk.to_vec())
            .exec(&transaction)
            .await?;
    }
    let mut stored = sessions_by_key(&transaction, &regions).await?;
    // A session whose participants changed is updated too: its version moves on.
    let touched: HashSet<RecordKey> = session_events.iter().map(|(key, _)| key.clone()).collect();
    let mut participants_only: Vec<RecordKey> = participants
        .iter()
        .map(|row| row.consultation.clone())
        .filter(|key| !touched.contains(key))
        .collect();
    participants_only.sort();
    participants_only.dedup();
    for key in participants_only {
        let current = session(&stored, &key)?.clone();
        let change = consultation::ActiveModel::from(current.clone());
        let updated = consultations::save(&transaction, &current, change).await?;
        stored.insert(key.clone(), updated);
        session_events.push((key, EventType::ConsultationUpdated));
    }
    let lounge_ids: Vec<i64> = session_events
        .iter()
        .filter_map(|(key, _)| stored.get(key)?.lounge_id)
        .collect();
    let lounge_regions = lounge_regions(&transaction, &lounge_ids).await?;
    let mut events: Vec<NewEvent> = Vec::new();
    for (key, event_type) in &session_events {
        let model = session(&stored, key)?;
        if *event_type == EventType::ConsultationCreated {
            history.push(consultations::status_change(
                model,
                None,
                actor,
                Some(IMPORTED_NOTE.to_owned()),
            ));
        }
        let lounge_region = model
            .lounge_id
            .and_then(|id| lounge_regions.get(&id).copied());
        events.push(consultations::event(
            model,
            lounge_region,
            *event_type,
            actor,
        ));
    }
    insert_batches::<consultation_status_change::Entity, _>(&transaction, history).await?;

    // Participants.
    let mut new_participants = Vec::new();
    let mut participants = participants;
    participants.sort_by(|a, b| (&a.consultation, a.position).cmp(&(&b.consultation, b.position)));
    for row in participants {
        let consultation_id = session(&stored, &row.consultation)?.id;
        let fields = row.fields;
        match row.id {
            None => {
                new_participants.push(consultation_participant::ActiveModel {
                    consultation_id: Set(consultation_id),
                    role: Set(fields.role),
                    member_id: Set(row.member_id),
                    name: Set(fields.name),
                    organization: Set(fields.organization),
                    ..Default::default()
                });
                written.created += 1;
            }
            Some(id) => {
                let current = consultation_participant::Entity::find_by_id(id)
                    .one(&transaction)
                    .await?
                    .ok_or_else(|| DomainError::NotFound(format!("participant {id}")))?;
                if current.consultation_id != consultation_id {
                    return Err(DomainError::Conflict(format!(
                        "participant {id} no longer belongs where the import was planned; import the file again"
                    )));
                }
                let mut change = consultation_participant::ActiveModel::from(current);
                change.role = Set(fields.role);
                change.member_id = Set(row.member_id);
                change.name = Set(fields.name);
                change.organization = Set(fields.organization);
                change.update(&transaction).await?;
                written.updated += 1;
            }
        }
    }
    insert_batches::<consultation_participant::Entity, _>(&transaction, new_participants).await?;

    // Suggestions: updates one by one, creations in batches, then read back in id order to
    // find each by its 序号.
    let mut history = Vec::new();
    let mut new_suggestions = Vec::new();
    let mut created_positions = Vec::new();
    let mut proposals = proposals;
    proposals.sort_by(|a, b| (&a.consultation, a.position).cmp(&(&b.consultation, b.position)));
    for row in proposals {
        let parent = session(&stored, &row.consultation)?;
        let fields = row.fields;
        match row.id {
            None => {
                created_positions.push((row.consultation, row.position, fields.content.clone()));
                new_suggestions.push(suggestion::ActiveModel {
                    consultation_id: Set(parent.id),
                    content: Set(fields.content),
                    proposer_member_id: Set(row.proposer_member_id),
                    proposer_name: Set(fields.proposer_name),
                    responsible_department: Set(fields.responsible_department),
                    status: Set(fields.status),
                    grade: Set(fields.grade),
                    version: Set(0),
                    created_at: Set(fields.created_at),
                    updated_at: Set(now),
                    ..Default::default()
                });
                written.created += 1;
            }
            Some(id) => {
                let current = suggestion::Entity::find_by_id(id)
                    .one(&transaction)
                    .await?
                    .ok_or_else(|| DomainError::NotFound(format!("suggestion {id}")))?;
                if current.consultation_id != parent.id {
                    return Err(DomainError::Conflict(format!(
                        "suggestion {id} no longer belongs where the import was planned; import the file again"
                    )));
                }
                let mut change = suggestion::ActiveModel::from(current.clone());
                change.content = Set(fields.content);
                change.proposer_member_id = Set(row.proposer_member_id);
                change.proposer_name = Set(fields.proposer_name);
                change.responsible_department = Set(fields.responsible_department);
                change.status = Set(fields.status);
                change.grade = Set(fields.grade);
                change.created_at = Set(fields.created_at);
                let updated = suggestions::VERSIONED
                    .save(&transaction, id, row.version, change)
                    .await?;
                if updated.status != current.status {
                    history.push(suggestions::status_change(
                        &updated,
                        Some(current.status),
                        actor,
                        Some(IMPORTED_NOTE.to_owned()),
                    ));
                }
                events.push(suggestions::event(
                    &updated,
                    parent.region_id,
                    EventType::SuggestionStatusChanged,
                    actor,
                    json!(null),
                ));
                written.updated += 1;
            }
        }
    }
    insert_batches::<suggestion::Entity, _>(&transaction, new_suggestions).await?;
    let parents: Vec<i64> = created_positions
        .iter()
        .map(|(key, _, _)| key)
        .chain(follow_ups.iter().map(|row| &row.consultation))
        .map(|key| session(&stored, key).map(|model| model.id))
        .collect::<Result<BTreeSet<i64>, DomainError>>()?
        .into_iter()
        .collect();
    let by_position = suggestions_by_position(&transaction, &parents).await?;
    let numbered = |key: &RecordKey, position: usize| -> Result<&suggestion::Model, DomainError> {
        let parent = session(&stored, key)?.id;
        by_position.get(&(parent, position)).ok_or_else(|| {
            DomainError::NotFound(format!(
                "suggestion {position} of consultation {}",
                key.record_number
            ))
        })
    };
    for (key, position, content) in &created_positions {
        // The 序号 the plan gave must hold the suggestion just written: a suggestion added to
        // the session after the file was checked would shift them (and the follow-ups would
        // attach to the wrong one), so that is a conflict, and the whole import rolls back.
        let created = numbered(key, *position)
            .ok()
            .filter(|created| created.content == *content)
            .ok_or_else(|| {
                DomainError::Conflict(format!(
                    "the suggestions of 协商 {} changed while the import was being checked; \
                     import the file again",
                    key.record_number
                ))
            })?;
        history.push(suggestions::status_change(
            created,
            None,
            actor,
            Some(IMPORTED_NOTE.to_owned()),
        ));
        events.push(suggestions::event(
            created,
            key.region_id,
            EventType::SuggestionCreated,
            actor,
            json!(null),
        ));
    }
    insert_batches::<suggestion_status_change::Entity, _>(&transaction, history).await?;

    // Follow-ups.
    let mut new_follow_ups = Vec::new();
    let mut follow_ups = follow_ups;
    follow_ups.sort_by(|a, b| {
        (&a.consultation, a.suggestion, a.position).cmp(&(
            &b.consultation,
            b.suggestion,
            b.position,
        ))
    });
    for row in follow_ups {
        let parent = numbered(&row.consultation, row.suggestion)?;
        let fields = row.fields;
        let detail =
            suggestions::follow_up_detail(fields.followed_on, fields.progress, &fields.note);
        match row.id {
            None => {
                new_follow_ups.push(suggestion_follow_up::ActiveModel {
                    suggestion_id: Set(parent.id),
                    followed_on: Set(fields.followed_on),
                    note: Set(fields.note),
                    progress: Set(fields.progress),
                    actor: Set(fields.actor),
                    created_at: Set(now),
                    ..Default::default()
                });
                written.created += 1;
            }
            Some(id) => {
                let current = suggestion_follow_up::Entity::find_by_id(id)
                    .one(&transaction)
                    .await?
                    .ok_or_else(|| DomainError::NotFound(format!("follow-up {id}")))?;
                if current.suggestion_id != parent.id {
                    return Err(DomainError::Conflict(format!(
                        "follow-up {id} no longer belongs where the import was planned; import the file again"
                    )));
                }
                let mut change = suggestion_follow_up::ActiveModel::from(current);
                change.followed_on = Set(fields.followed_on);
                change.note = Set(fields.note);
                change.progress = Set(fields.progress);
                change.actor = Set(fields.actor);
                change.update(&transaction).await?;
                written.updated += 1;
            }
        }
        events.push(suggestions::event(
            parent,
            row.consultation.region_id,
            EventType::SuggestionFollowedUp,
            actor,
            detail,
        ));
    }
    insert_batches::<suggestion_follow_up::Entity, _>(&transaction, new_follow_ups).await?;

    crate::outbox::append_many(&transaction, events).await?;
    db.commit(transaction).await?;
    Ok(written)
}

/// The session of `key`, which this import wrote or found stored.
fn session<'a>(
    stored: &'a HashMap<RecordKey, Consultation>,
    key: &RecordKey,
) -> Result<&'a Consultation, DomainError> {
    stored
        .get(key)
        .ok_or_else(|| DomainError::NotFound(format!("consultation {}", key.record_number)))
}

/// Every session of these committees, by key, as the transaction sees them.
async fn sessions_by_key(
    transaction: &DatabaseTransaction,
    regions: &BTreeSet<i64>,
) -> Result<HashMap<RecordKey, Consultation>, DomainError> {
    let ids: Vec<i64> = regions.iter().copied().collect();
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        for row in consultation::Entity::find()
            .filter(consultation::Column::RegionId.is_in(chunk.iter().copied()))
            .all(transaction)
            .await?
        {
            let key = RecordKey {
                region_id: row.region_id,
                record_number: row.record_number.clone(),
            };
            found.insert(key, row);
        }
    }
    Ok(found)
}

/// The committee of each of these lounges (an event names the host lounge's committee too).
async fn lounge_regions(
    transaction: &DatabaseTransaction,
    lounge_ids: &[i64],
) -> Result<HashMap<i64, i64>, DomainError> {
    let mut ids = lounge_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        for row in lounge::Entity::find()
            .filter(lounge::Column::Id.is_in(chunk.iter().copied()))
            .all(transaction)
            .await?
        {
            found.insert(row.id, row.region_id);
        }
    }
    Ok(found)
}

/// The suggestions of these sessions by (session id, 序号): their 1-based position in id order.
async fn suggestions_by_position(
    transaction: &DatabaseTransaction,
    consultation_ids: &[i64],
) -> Result<HashMap<(i64, usize), suggestion::Model>, DomainError> {
    let mut found = HashMap::new();
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for chunk in consultation_ids.chunks(500) {
        for row in suggestion::Entity::find()
            .filter(suggestion::Column::ConsultationId.is_in(chunk.iter().copied()))
            .order_by_asc(suggestion::Column::Id)
            .all(transaction)
            .await?
        {
            let position = counts.entry(row.consultation_id).or_default();
            *position += 1;
            found.insert((row.consultation_id, *position), row);
        }
    }
    Ok(found)
}

/// Inserts `rows` in multi-row batches.
async fn insert_batches<E, A>(
    transaction: &DatabaseTransaction,
    rows: Vec<A>,
) -> Result<(), DomainError>
where
    E: EntityTrait,
    A: ActiveModelTrait<Entity = E> + Clone + Send,
{
    for chunk in rows.chunks(BATCH) {
        E::insert_many(chunk.to_vec()).exec(transaction).await?;
    }
    Ok(())
}
