//! Lounge and membership rows of a roster import (`records` crate), written as the mutations
//! write them — the same field checks, events and policy — but for records that already have a
//! history: a lounge may arrive CLOSED with its closing day, a membership with its last day.
//!
//! Lounges are keyed by (committee, 名称); memberships by (lounge, member, 起始日期).

use chrono::{NaiveDate, Utc};
use entity::{
    enums::{EventType, LoungeRole, LoungeStatus},
    lounge, lounge_membership,
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;

use super::lounges::{
    ADDRESS, Lounge, Membership, NAME, THEME, VENUE, emit, emit_membership, save,
};
use super::members::Written;
use super::validate::text;
use crate::{Actor, Db, DomainError, policy};

/// A lounge's own fields (everything but its committee), as imports give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoungeFields {
    /// 名称: the key within the committee.
    pub name: String,
    /// 主题.
    pub theme: String,
    /// 地点.
    pub venue: String,
    /// 地址.
    pub address: String,
    /// 状态.
    pub status: LoungeStatus,
    /// 设立日期.
    pub established_on: NaiveDate,
    /// 关闭日期: given exactly when the lounge is CLOSED, not before it was established.
    pub closed_on: Option<NaiveDate>,
}

impl LoungeFields {
    /// The fields trimmed and checked as `createLounge`, `updateLounge` and `setLoungeStatus`
    /// check them, or every failing field's error.
    pub fn checked(self) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        let mut keep = |result: Result<String, DomainError>| {
            result.unwrap_or_else(|error| {
                errors.push(error);
                String::new()
            })
        };
        let name = keep(text(NAME, &self.name));
        let theme = keep(text(THEME, &self.theme));
        let venue = keep(text(VENUE, &self.venue));
        let address = keep(text(ADDRESS, &self.address));
        match (self.status, self.closed_on) {
            (LoungeStatus::Closed, None) => errors.push(DomainError::invalid(
                "closedOn",
                "a closed lounge needs its closing day",
            )),
            (LoungeStatus::Active | LoungeStatus::Suspended, Some(_)) => {
                errors.push(DomainError::invalid(
                    "closedOn",
                    "give a closing day only for a closed lounge",
                ));
            }
            (_, Some(day)) if day < self.established_on => errors.push(DomainError::invalid(
                "closedOn",
                format!(
                    "must not be before the lounge was established ({})",
                    self.established_on
                ),
            )),
            _ => {}
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name,
            theme,
            venue,
            address,
            ..self
        })
    }
}

/// One lounge row of an import: a new lounge of `region_id` (when `id` is `None`) or new
/// values for lounge `id`.
#[derive(Clone, Debug)]
pub struct ImportedLounge {
    /// The lounge to update; `None` creates one.
    pub id: Option<i64>,
    /// The stored version the update was planned against: a lounge changed meanwhile is a
    /// `CONFLICT`, never overwritten (ignored when creating).
    pub version: i32,
    /// The owning committee.
    pub region_id: i64,
    /// Its checked fields.
    pub fields: LoungeFields,
}

/// Writes a lounge import in one transaction (`LOUNGE_CREATED` / `LOUNGE_UPDATED` events), or
/// nothing.
pub async fn import_lounges(
    db: &Db,
    actor: &Actor,
    rows: Vec<ImportedLounge>,
) -> Result<Written, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    for row in &rows {
        policy::may_manage_lounge(actor, row.region_id)?;
    }
    let mut written = Written::default();
    let transaction = db.begin_write().await?;
    for row in rows {
        let fields = row.fields;
        match row.id {
            None => {
                let now = Utc::now();
                let created = lounge::ActiveModel {
                    region_id: Set(row.region_id),
                    name: Set(fields.name),
                    theme: Set(fields.theme),
                    venue: Set(fields.venue),
                    address: Set(fields.address),
                    status: Set(fields.status),
                    established_on: Set(fields.established_on),
                    closed_on: Set(fields.closed_on),
                    version: Set(0),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&transaction)
                .await?;
                emit(
                    &transaction,
                    &created,
                    EventType::LoungeCreated,
                    actor,
                    json!({ "imported": true }),
                )
                .await?;
                written.created += 1;
            }
            Some(id) => {
                let current = lounge::Entity::find_by_id(id)
                    .one(&transaction)
                    .await?
                    .ok_or_else(|| DomainError::NotFound(format!("lounge {id}")))?;
                if current.version != row.version || current.region_id != row.region_id {
                    return Err(DomainError::Conflict(format!(
                        "lounge {} changed while the import was being checked; import the file again",
                        current.name
                    )));
                }
                let mut change = lounge::ActiveModel::from(current.clone());
                change.theme = Set(fields.theme);
                change.venue = Set(fields.venue);
                change.address = Set(fields.address);
                change.status = Set(fields.status);
                change.established_on = Set(fields.established_on);
                change.closed_on = Set(fields.closed_on);
                let updated = save(&transaction, &current, change).await?;
                // As the mutations do: a move to another status is a status change.
                let (event_type, extra) = if updated.status == current.status {
                    (EventType::LoungeUpdated, json!({ "imported": true }))
                } else {
                    (
                        EventType::LoungeStatusChanged,
                        json!({ "imported": true, "previousStatus": current.status.as_str() }),
                    )
                };
                emit(&transaction, &updated, event_type, actor, extra).await?;
                written.updated += 1;
            }
        }
    }
    db.commit(transaction).await?;
    Ok(written)
}

/// A membership's own fields, as imports give them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipFields {
    /// 角色.
    pub role: LoungeRole,
    /// 起始日期: part of the key.
    pub since: NaiveDate,
    /// 结束日期, if it ended.
    pub until: Option<NaiveDate>,
}

impl MembershipFields {
    /// Checked as `addLoungeMember` and `endLoungeMembership` check them against `lounge`:
    /// not before the lounge was established, not ending before it began.
    pub fn checked(self, lounge: &Lounge) -> Result<Self, Vec<DomainError>> {
        let mut errors = Vec::new();
        if self.since < lounge.established_on {
            errors.push(DomainError::invalid(
                "since",
                format!(
                    "must not be before the lounge was established ({})",
                    lounge.established_on
                ),
            ));
        }
        if let Some(until) = self.until
            && until < self.since
        {
            errors.push(DomainError::invalid(
                "until",
                format!("must not be before the membership began ({})", self.since),
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// One membership row of an import: a new membership (when `id` is `None`) or new values for
/// membership `id`.
#[derive(Clone, Debug)]
pub struct ImportedMembership {
    /// The membership to update; `None` creates one.
    pub id: Option<i64>,
    /// The lounge.
    pub lounge: Lounge,
    /// The member.
    pub member_id: i64,
    /// Its checked fields.
    pub fields: MembershipFields,
}

/// Writes a membership import in one transaction (`LOUNGE_MEMBERSHIP_CHANGED` events), or
/// nothing.
pub async fn import_memberships(
    db: &Db,
    actor: &Actor,
    rows: Vec<ImportedMembership>,
) -> Result<Written, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    for row in &rows {
        policy::may_manage_lounge(actor, row.lounge.region_id)?;
    }
    let mut written = Written::default();
    let transaction = db.begin_write().await?;
    for row in rows {
        let membership: Membership = match row.id {
            None => {
                written.created += 1;
                lounge_membership::ActiveModel {
                    lounge_id: Set(row.lounge.id),
                    member_id: Set(row.member_id),
                    role: Set(row.fields.role),
                    since: Set(row.fields.since),
                    until: Set(row.fields.until),
                    created_at: Set(Utc::now()),
                    ..Default::default()
                }
                .insert(&transaction)
                .await?
            }
            Some(id) => {
                written.updated += 1;
                let current = lounge_membership::Entity::find_by_id(id)
                    .one(&transaction)
                    .await?
                    .ok_or_else(|| DomainError::NotFound(format!("membership {id}")))?;
                if current.lounge_id != row.lounge.id {
                    return Err(DomainError::Conflict(format!(
                        "membership {id} no longer belongs where the import was planned; import the file again"
                    )));
                }
                let mut change = lounge_membership::ActiveModel::from(current);
                change.role = Set(row.fields.role);
                change.until = Set(row.fields.until);
                change.update(&transaction).await?
            }
        };
        emit_membership(&transaction, &row.lounge, &membership, actor).await?;
    }
    db.commit(transaction).await?;
    Ok(written)
}
