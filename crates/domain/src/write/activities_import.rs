//! Lounge activity rows of a records import (`records` crate): checked as `recordLoungeActivity`
//! checks them, and written in one transaction with the event that mutation writes.
//!
//! Activities are keyed by (committee of the first host lounge, 活动编号). An import adds and
//! updates — activity fields, host links and their status, participants — and never deletes.

use chrono::{DateTime, Utc};
use entity::{
    enums::{ActivityChannel, ActivityFormat, ActivityHostStatus, ActivityKind, OnlinePlatform},
    lounge_activity, lounge_activity_host, lounge_activity_participant,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::Expr};

use super::lounges::{MAX_ATTENDANCE, SUMMARY_MAX_CHARS, TITLE, emit_activity};
use super::members::Written;
use super::record_numbers::{NumberedRecord, lock_record_numbers};
use super::validate::text;
use crate::{Actor, Db, DomainError, policy};

/// An activity's own fields, as `recordLoungeActivity` and imports give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityFields {
    /// 标题.
    pub title: String,
    /// 4 (PLANNED) or X (FLEXIBLE).
    pub kind: ActivityKind,
    /// 形式.
    pub format: ActivityFormat,
    /// 线上/线下.
    pub channel: ActivityChannel,
    /// 平台: given exactly for an online activity.
    pub platform: Option<OnlinePlatform>,
    /// 开始时间.
    pub starts_at: DateTime<Utc>,
    /// 结束时间, after the start.
    pub ends_at: DateTime<Utc>,
    /// 公众参与人数, 0 to [`MAX_ATTENDANCE`].
    pub public_attendance: i32,
    /// 摘要 (may be empty).
    pub summary: String,
}

impl ActivityFields {
    /// The fields trimmed and checked as `recordLoungeActivity` checks them, or every failing
    /// field's error (in the order the mutation checks them).
    pub fn checked(self) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let title = text(TITLE, &self.title).unwrap_or_else(|error| {
            errors.push(error);
            String::new()
        });
        let summary = self.summary.trim().to_owned();
        if summary.chars().count() > SUMMARY_MAX_CHARS {
            errors.push(DomainError::invalid(
                "summary",
                format!("at most {SUMMARY_MAX_CHARS} characters"),
            ));
        }
        match (self.channel, self.platform) {
            (ActivityChannel::Online, None) => errors.push(DomainError::invalid(
                "platform",
                "an online activity needs its platform",
            )),
            (ActivityChannel::Offline, Some(_)) => errors.push(DomainError::invalid(
                "platform",
                "an offline activity has no platform",
            )),
            _ => {}
        }
        if self.ends_at <= self.starts_at {
            errors.push(DomainError::invalid("endsAt", "must be after startsAt"));
        }
        if !(0..=MAX_ATTENDANCE).contains(&self.public_attendance) {
            errors.push(DomainError::invalid(
                "publicAttendance",
                format!("must be between 0 and {MAX_ATTENDANCE}"),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            title,
            summary,
            ..self
        })
    }
}

/// A new activity of the numbering committee `region_id`, numbered `record_number`, with
/// checked `fields`: the row `recordLoungeActivity` and imports insert.
pub(super) fn new_activity(
    region_id: i64,
    record_number: String,
    fields: ActivityFields,
) -> lounge_activity::ActiveModel {
    lounge_activity::ActiveModel {
        region_id: Set(region_id),
        record_number: Set(record_number),
        title: Set(fields.title),
        kind: Set(fields.kind),
        format: Set(fields.format),
        channel: Set(fields.channel),
        platform: Set(fields.platform),
        starts_at: Set(fields.starts_at),
        ends_at: Set(fields.ends_at),
        public_attendance: Set(fields.public_attendance),
        summary: Set(fields.summary),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}

/// One host lounge of an imported activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportedHost {
    /// The lounge.
    pub lounge_id: i64,
    /// The lounge's committee (the event goes there; staff must cover it).
    pub region_id: i64,
    /// Whether it hosts.
    pub status: ActivityHostStatus,
}

/// One activity of an import with what changes: a new activity (`id` `None`) or changes to a
/// stored one. `hosts` and `participant_member_ids` are the whole lists after the import (the
/// event shows them); the `new_*` and `changed_hosts` lists say what to write.
#[derive(Clone, Debug)]
pub struct ImportedActivity {
    /// The activity to update; `None` creates one.
    pub id: Option<i64>,
    /// The numbering committee (that of the first host lounge).
    pub region_id: i64,
    /// 活动编号.
    pub record_number: String,
    /// Its checked fields.
    pub fields: ActivityFields,
    /// Whether the stored fields differ (always true for a new activity).
    pub fields_changed: bool,
    /// Every host after the import, the numbering committee's first.
    pub hosts: Vec<ImportedHost>,
    /// Host links to add.
    pub new_hosts: Vec<ImportedHost>,
    /// Host links whose status changes.
    pub changed_hosts: Vec<ImportedHost>,
    /// Every participant after the import.
    pub participant_member_ids: Vec<i64>,
    /// Participants to add.
    pub new_participants: Vec<i64>,
}

/// Writes an activity import in one transaction (one `LOUNGE_ACTIVITY_RECORDED` event per new
/// or changed activity, with its whole state), or nothing. Staff must cover every host.
pub async fn import_activities(
    db: &Db,
    actor: &Actor,
    rows: Vec<ImportedActivity>,
) -> Result<Written, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    for row in &rows {
        let regions: Vec<i64> = row.hosts.iter().map(|host| host.region_id).collect();
        policy::may_record_activity(actor, &regions, false)?;
    }
    let mut written = Written::default();
    let transaction = db.begin_write().await?;
    lock_record_numbers(
        &transaction,
        NumberedRecord::Activity,
        rows.iter()
            .filter(|row| row.id.is_none())
            .map(|row| row.region_id),
    )
    .await?;
    for row in rows {
        let fields = row.fields;
        let stored = match row.id {
            None => {
                written.created += 1;
                new_activity(row.region_id, row.record_number, fields)
                    .insert(&transaction)
                    .await?
            }
            Some(id) => {
                written.updated += 1;
                let current = lounge_activity::Entity::find_by_id(id)
                    .one(&transaction)
                    .await?
                    .ok_or_else(|| DomainError::NotFound(format!("activity {id}")))?;
                if current.region_id != row.region_id {
                    return Err(DomainError::Conflict(format!(
                        "activity {id} no longer belongs where the import was planned; import the file again"
                    )));
                }
                if row.fields_changed {
                    let mut change = lounge_activity::ActiveModel::from(current);
                    change.title = Set(fields.title);
                    change.kind = Set(fields.kind);
                    change.format = Set(fields.format);
                    change.channel = Set(fields.channel);
                    change.platform = Set(fields.platform);
                    change.starts_at = Set(fields.starts_at);
                    change.ends_at = Set(fields.ends_at);
                    change.public_attendance = Set(fields.public_attendance);
                    change.summary = Set(fields.summary);
                    change.update(&transaction).await?
                } else {
                    current
                }
            }
        };
        if !row.new_hosts.is_empty() {
            lounge_activity_host::Entity::insert_many(row.new_hosts.iter().map(|host| {
                lounge_activity_host::ActiveModel {
                    activity_id: Set(stored.id),
                    lounge_id: Set(host.lounge_id),
                    status: Set(host.status),
                }
            }))
            .exec_without_returning(&transaction)
            .await?;
        }
        for host in &row.changed_hosts {
            lounge_activity_host::Entity::update_many()
                .col_expr(
                    lounge_activity_host::Column::Status,
                    Expr::value(host.status),
                )
                .filter(lounge_activity_host::Column::ActivityId.eq(stored.id))
                .filter(lounge_activity_host::Column::LoungeId.eq(host.lounge_id))
                .exec(&transaction)
                .await?;
        }
        if !row.new_participants.is_empty() {
            lounge_activity_participant::Entity::insert_many(row.new_participants.iter().map(
                |member_id| lounge_activity_participant::ActiveModel {
                    activity_id: Set(stored.id),
                    member_id: Set(*member_id),
                },
            ))
            .exec_without_returning(&transaction)
            .await?;
        }
        let hosts: Vec<(i64, i64, ActivityHostStatus)> = row
            .hosts
            .iter()
            .map(|host| (host.lounge_id, host.region_id, host.status))
            .collect();
        emit_activity(
            &transaction,
            &stored,
            &hosts,
            &row.participant_member_ids,
            actor,
            true,
        )
        .await?;
    }
    db.commit(transaction).await?;
    Ok(written)
}
