//! Members' lounge (委员会客厅) writes: create, update, change status, manage memberships, record
//! activities.
//!
//! Decisions: lounge rows are managed by staff in scope ([`policy::may_manage_lounge`]); a member
//! who is an active LEAD of a lounge may add TEAM members to it and record its activities
//! ([`policy::may_add_lounge_member`], [`policy::may_record_activity`]). A membership is active
//! while `until` is null or today or later. Status moves ACTIVE ⇄ SUSPENDED and from either to
//! CLOSED, which is final; a closed lounge takes no updates, members or activities. Membership
//! changes and activities do not bump the lounge's `version` (they do not change its row).

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    enums::{
        ActivityChannel, ActivityFormat, ActivityHostStatus, ActivityKind, EventType, LoungeRole,
        LoungeStatus, MemberStatus, OnlinePlatform,
    },
    lounge, lounge_activity, lounge_activity_host, lounge_activity_participant, lounge_membership,
    member, region,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use serde_json::json;

use super::activities_import::{ActivityFields, new_activity};
use super::activity_hosts;
use super::record_numbers::{NumberedRecord, next_record_number};
use super::validate::{Field, text};
use super::versioned::Versioned;
use crate::{
    Actor, Db, DomainError,
    lifecycle::{self, Lifecycle},
    outbox::{self, NewEvent},
    policy,
    read::today,
};

pub(super) const NAME: Field = Field {
    name: "name",
    max_chars: crate::limits::ORGANIZATION_NAME_CHARS,
};
pub(super) const THEME: Field = Field {
    name: "theme",
    max_chars: crate::limits::THEME_CHARS,
};
pub(super) const VENUE: Field = Field {
    name: "venue",
    max_chars: crate::limits::VENUE_CHARS,
};
pub(super) const ADDRESS: Field = Field {
    name: "address",
    max_chars: crate::limits::ADDRESS_CHARS,
};
pub(super) const TITLE: Field = Field {
    name: "title",
    max_chars: crate::limits::TITLE_CHARS,
};
/// Most characters of an activity summary (which may be empty).
pub(super) const SUMMARY_MAX_CHARS: usize = 5_000;
/// Most lead members named when creating a lounge.
pub const MAX_LEADS: usize = 20;
/// Most host lounges of one (joint) activity.
pub const MAX_HOSTS: usize = 20;
/// Most participating members of one activity.
pub const MAX_PARTICIPANTS: usize = 500;
/// Largest public attendance accepted for one activity.
pub const MAX_ATTENDANCE: i32 = 1_000_000;

/// A lounge as stored.
pub type Lounge = lounge::Model;
/// A lounge membership as stored.
pub type Membership = lounge_membership::Model;
/// A lounge activity as stored.
pub type Activity = lounge_activity::Model;

impl Lifecycle for LoungeStatus {
    fn next_states(self) -> &'static [Self] {
        use LoungeStatus::*;
        match self {
            Active => &[Suspended, Closed],
            Suspended => &[Active, Closed],
            Closed => &[],
        }
    }

    fn name(self) -> &'static str {
        self.as_str()
    }
}

/// `createLounge`.
#[derive(Clone, Debug)]
pub struct NewLounge {
    /// The owning committee's region code.
    pub region_code: String,
    /// Name.
    pub name: String,
    /// Theme (主题).
    pub theme: String,
    /// Venue.
    pub venue: String,
    /// Street address.
    pub address: String,
    /// The day it opened; the lead memberships start on this day.
    pub established_on: NaiveDate,
    /// Its lead members (at least one, active, no duplicates).
    pub lead_member_ids: Vec<i64>,
}

/// `updateLounge`: `None` keeps a value.
#[derive(Clone, Debug, Default)]
pub struct UpdateLounge {
    /// New name.
    pub name: Option<String>,
    /// New theme.
    pub theme: Option<String>,
    /// New venue.
    pub venue: Option<String>,
    /// New address.
    pub address: Option<String>,
}

/// `addLoungeMember`.
#[derive(Clone, Debug)]
pub struct NewMembership {
    /// The lounge.
    pub lounge_id: i64,
    /// The member (active, from any committee).
    pub member_id: i64,
    /// LEAD or TEAM.
    pub role: LoungeRole,
    /// The first day (not before the lounge was established).
    pub since: NaiveDate,
}

/// `recordLoungeActivity`.
#[derive(Clone, Debug)]
pub struct NewActivity {
    /// Host lounges (one, or several for a joint activity).
    pub lounge_ids: Vec<i64>,
    /// Title.
    pub title: String,
    /// PLANNED or FLEXIBLE.
    pub kind: ActivityKind,
    /// Format.
    pub format: ActivityFormat,
    /// OFFLINE or ONLINE.
    pub channel: ActivityChannel,
    /// The platform; required for ONLINE, refused for OFFLINE.
    pub platform: Option<OnlinePlatform>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End (after the start).
    pub ends_at: DateTime<Utc>,
    /// Participating members (active, from any committee, no duplicates).
    pub participant_member_ids: Vec<i64>,
    /// Members of the public who attended (≥ 0).
    pub public_attendance: i32,
    /// Summary (may be empty).
    pub summary: Option<String>,
}

/// Creates a lounge (status ACTIVE) with LEAD memberships since `established_on`.
pub async fn create(db: &Db, actor: &Actor, input: NewLounge) -> Result<Lounge, DomainError> {
    let region = crate::regions::by_code(db, &input.region_code)
        .await
        .map_err(|_| DomainError::invalid("regionCode", "expected a six-digit region code"))?
        .ok_or_else(|| {
            DomainError::invalid(
                "regionCode",
                format!("no region has code {}", input.region_code),
            )
        })?;
    policy::may_manage_lounge(actor, region.id)?;
    let name = text(NAME, &input.name)?;
    let theme = text(THEME, &input.theme)?;
    let venue = text(VENUE, &input.venue)?;
    let address = text(ADDRESS, &input.address)?;
    if input.lead_member_ids.is_empty() {
        return Err(DomainError::invalid(
            "leadMemberIds",
            "a lounge needs at least one lead member",
        ));
    }
    if input.lead_member_ids.len() > MAX_LEADS {
        return Err(DomainError::invalid(
            "leadMemberIds",
            format!("at most {MAX_LEADS} lead members"),
        ));
    }
    check_distinct("leadMemberIds", &input.lead_member_ids)?;
    let now = Utc::now();
    let transaction = db.begin_write().await?;
    for (index, member_id) in input.lead_member_ids.iter().enumerate() {
        active_member(&transaction, *member_id, &format!("leadMemberIds.{index}")).await?;
    }
    let created = lounge::ActiveModel {
        region_id: Set(region.id),
        name: Set(name),
        theme: Set(theme),
        venue: Set(venue),
        address: Set(address),
        status: Set(LoungeStatus::Active),
        established_on: Set(input.established_on),
        closed_on: Set(None),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    let memberships =
        input
            .lead_member_ids
            .iter()
            .map(|member_id| lounge_membership::ActiveModel {
                lounge_id: Set(created.id),
                member_id: Set(*member_id),
                role: Set(LoungeRole::Lead),
                since: Set(input.established_on),
                until: Set(None),
                created_at: Set(now),
                ..Default::default()
            });
    lounge_membership::Entity::insert_many(memberships)
        .exec(&transaction)
        .await?;
    emit(
        &transaction,
        &created,
        EventType::LoungeCreated,
        actor,
        json!({ "leadMemberIds": input.lead_member_ids }),
    )
    .await?;
    db.commit(transaction).await?;
    Ok(created)
}

/// Updates name, theme, venue or address of a lounge that is not closed.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    input: UpdateLounge,
) -> Result<Lounge, DomainError> {
    let name = input.name.map(|value| text(NAME, &value)).transpose()?;
    let theme = input.theme.map(|value| text(THEME, &value)).transpose()?;
    let venue = input.venue.map(|value| text(VENUE, &value)).transpose()?;
    let address = input
        .address
        .map(|value| text(ADDRESS, &value))
        .transpose()?;
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    refuse_closed(&current, "an update")?;
    let mut change = lounge::ActiveModel::from(current.clone());
    if let Some(name) = name {
        change.name = Set(name);
    }
    if let Some(theme) = theme {
        change.theme = Set(theme);
    }
    if let Some(venue) = venue {
        change.venue = Set(venue);
    }
    if let Some(address) = address {
        change.address = Set(address);
    }
    let updated = save(&transaction, &current, change).await?;
    emit(
        &transaction,
        &updated,
        EventType::LoungeUpdated,
        actor,
        json!({}),
    )
    .await?;
    db.commit(transaction).await?;
    Ok(updated)
}

/// Moves a lounge ACTIVE ⇄ SUSPENDED or to CLOSED (final), which sets `closed_on` to the given
/// day or today (China time).
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
    status: LoungeStatus,
    closed_on: Option<NaiveDate>,
) -> Result<Lounge, DomainError> {
    if status != LoungeStatus::Closed && closed_on.is_some() {
        return Err(DomainError::invalid(
            "closedOn",
            "give a closing day only when closing the lounge",
        ));
    }
    let transaction = db.begin_write().await?;
    let current = load(&transaction, actor, id, expected_version).await?;
    lifecycle::check(current.status, status)?;
    let mut change = lounge::ActiveModel::from(current.clone());
    change.status = Set(status);
    if status == LoungeStatus::Closed {
        let day = closed_on.unwrap_or_else(today);
        if day < current.established_on {
            return Err(DomainError::invalid(
                "closedOn",
                format!(
                    "must not be before the lounge was established ({})",
                    current.established_on
                ),
            ));
        }
        change.closed_on = Set(Some(day));
    }
    let updated = save(&transaction, &current, change).await?;
    emit(
        &transaction,
        &updated,
        EventType::LoungeStatusChanged,
        actor,
        json!({ "previousStatus": current.status.as_str() }),
    )
    .await?;
    db.commit(transaction).await?;
    Ok(updated)
}

/// Adds a member to a lounge; refuses a membership that overlaps one the member already has
/// there (an open one, or one ending on or after `since`).
pub async fn add_member(
    db: &Db,
    actor: &Actor,
    input: NewMembership,
) -> Result<(Lounge, Membership), DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    let transaction = db.begin_write().await?;
    let lounge = find(&transaction, input.lounge_id).await?;
    let caller_leads = match actor.member_id() {
        Some(member_id) => leads(&transaction, lounge.id, member_id).await?,
        None => false,
    };
    policy::may_add_lounge_member(
        actor,
        lounge.region_id,
        caller_leads,
        input.role == LoungeRole::Lead,
    )?;
    refuse_closed(&lounge, "new members")?;
    if input.since < lounge.established_on {
        return Err(DomainError::invalid(
            "since",
            format!(
                "must not be before the lounge was established ({})",
                lounge.established_on
            ),
        ));
    }
    active_member(&transaction, input.member_id, "memberId").await?;
    let overlapping = lounge_membership::Entity::find()
        .filter(lounge_membership::Column::LoungeId.eq(lounge.id))
        .filter(lounge_membership::Column::MemberId.eq(input.member_id))
        .filter(
            Condition::any()
                .add(lounge_membership::Column::Until.is_null())
                .add(lounge_membership::Column::Until.gte(input.since)),
        )
        .count(&transaction)
        .await?;
    if overlapping > 0 {
        return Err(DomainError::invalid(
            "memberId",
            "the member already has a membership of this lounge for that time",
        ));
    }
    let membership = lounge_membership::ActiveModel {
        lounge_id: Set(lounge.id),
        member_id: Set(input.member_id),
        role: Set(input.role),
        since: Set(input.since),
        until: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&transaction)
    .await?;
    emit_membership(&transaction, &lounge, &membership, actor).await?;
    db.commit(transaction).await?;
    Ok((lounge, membership))
}

/// Ends the open membership of `member_id` in `lounge_id` on `until` (its last day, not before
/// `since`); refuses to end the lounge's last open LEAD membership.
pub async fn end_membership(
    db: &Db,
    actor: &Actor,
    lounge_id: i64,
    member_id: i64,
    until: NaiveDate,
) -> Result<(Lounge, Membership), DomainError> {
    let transaction = db.begin_write().await?;
    let lounge = find(&transaction, lounge_id).await?;
    policy::may_manage_lounge(actor, lounge.region_id)?;
    let current = lounge_membership::Entity::find()
        .filter(lounge_membership::Column::LoungeId.eq(lounge_id))
        .filter(lounge_membership::Column::MemberId.eq(member_id))
        .filter(lounge_membership::Column::Until.is_null())
        .one(&transaction)
        .await?
        .ok_or_else(|| {
            DomainError::invalid(
                "memberId",
                "the member has no open membership of this lounge",
            )
        })?;
    if until < current.since {
        return Err(DomainError::invalid(
            "until",
            format!(
                "must not be before the membership began ({})",
                current.since
            ),
        ));
    }
    if current.role == LoungeRole::Lead && lounge.status != LoungeStatus::Closed {
        let other_leads = lounge_membership::Entity::find()
            .filter(lounge_membership::Column::LoungeId.eq(lounge_id))
            .filter(lounge_membership::Column::Role.eq(LoungeRole::Lead))
            .filter(lounge_membership::Column::Until.is_null())
            .filter(lounge_membership::Column::Id.ne(current.id))
            .count(&transaction)
            .await?;
        if other_leads == 0 {
            return Err(DomainError::invalid(
                "memberId",
                "this is the lounge's last lead member; add another lead first",
            ));
        }
    }
    let mut change = lounge_membership::ActiveModel::from(current);
    change.until = Set(Some(until));
    let membership = change.update(&transaction).await?;
    emit_membership(&transaction, &lounge, &membership, actor).await?;
    db.commit(transaction).await?;
    Ok((lounge, membership))
}

/// Records an activity hosted by one or several lounges, with its participating members. Hosts
/// other than the lounges a recording lead member leads are INVITED until they answer (see
/// [`activity_hosts`]); staff, who cover every host, record all hosts CONFIRMED.
pub async fn record_activity(
    db: &Db,
    actor: &Actor,
    input: NewActivity,
) -> Result<Activity, DomainError> {
    actor.principal().ok_or(DomainError::Unauthenticated)?;
    if input.lounge_ids.is_empty() {
        return Err(DomainError::invalid(
            "loungeIds",
            "name at least one host lounge",
        ));
    }
    if input.lounge_ids.len() > MAX_HOSTS {
        return Err(DomainError::invalid(
            "loungeIds",
            format!("at most {MAX_HOSTS} host lounges"),
        ));
    }
    check_distinct("loungeIds", &input.lounge_ids)?;
    let transaction = db.begin_write().await?;
    let mut hosts = Vec::with_capacity(input.lounge_ids.len());
    for (index, lounge_id) in input.lounge_ids.iter().enumerate() {
        let host = lounge::Entity::find_by_id(*lounge_id)
            .one(&transaction)
            .await?
            .ok_or_else(|| {
                DomainError::invalid(
                    format!("loungeIds.{index}"),
                    format!("no lounge has id {lounge_id}"),
                )
            })?;
        hosts.push(host);
    }
    let mut led = vec![false; hosts.len()];
    if let Some(member_id) = actor.member_id() {
        for (index, host) in hosts.iter().enumerate() {
            led[index] = leads(&transaction, host.id, member_id).await?;
        }
    }
    let region_ids: Vec<i64> = hosts.iter().map(|host| host.region_id).collect();
    policy::may_record_activity(actor, &region_ids, led.contains(&true))?;
    let statuses = activity_hosts::initial_statuses(actor, &led);
    for (index, host) in hosts.iter().enumerate() {
        if host.status == LoungeStatus::Closed {
            return Err(DomainError::invalid(
                format!("loungeIds.{index}"),
                "the lounge is closed",
            ));
        }
    }
    let fields = ActivityFields {
        title: input.title,
        kind: input.kind,
        format: input.format,
        channel: input.channel,
        platform: input.platform,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
        public_attendance: input.public_attendance,
        summary: input.summary.unwrap_or_default(),
    }
    .checked()
    .map_err(super::members::first_error)?;
    if input.participant_member_ids.len() > MAX_PARTICIPANTS {
        return Err(DomainError::invalid(
            "participantMemberIds",
            format!("at most {MAX_PARTICIPANTS} participants"),
        ));
    }
    check_distinct("participantMemberIds", &input.participant_member_ids)?;
    for (index, member_id) in input.participant_member_ids.iter().enumerate() {
        active_member(
            &transaction,
            *member_id,
            &format!("participantMemberIds.{index}"),
        )
        .await?;
    }
    // The first host's committee numbers the activity.
    let first_region = hosts
        .first()
        .map(|host| host.region_id)
        .ok_or_else(|| DomainError::invalid("loungeIds", "name at least one host lounge"))?;
    let numbering = region::Entity::find_by_id(first_region)
        .one(&transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("region {first_region}")))?;
    let record_number = next_record_number(
        &transaction,
        NumberedRecord::Activity,
        numbering.id,
        &numbering.code,
    )
    .await?;
    let created = new_activity(numbering.id, record_number, fields)
        .insert(&transaction)
        .await?;
    lounge_activity_host::Entity::insert_many(input.lounge_ids.iter().zip(&statuses).map(
        |(lounge_id, status)| lounge_activity_host::ActiveModel {
            activity_id: Set(created.id),
            lounge_id: Set(*lounge_id),
            status: Set(*status),
        },
    ))
    .exec_without_returning(&transaction)
    .await?;
    if !input.participant_member_ids.is_empty() {
        lounge_activity_participant::Entity::insert_many(input.participant_member_ids.iter().map(
            |member_id| lounge_activity_participant::ActiveModel {
                activity_id: Set(created.id),
                member_id: Set(*member_id),
            },
        ))
        .exec_without_returning(&transaction)
        .await?;
    }
    let host_rows: Vec<(i64, i64, ActivityHostStatus)> = hosts
        .iter()
        .zip(&statuses)
        .map(|(host, status)| (host.id, host.region_id, *status))
        .collect();
    emit_activity(
        &transaction,
        &created,
        &host_rows,
        &input.participant_member_ids,
        actor,
        false,
    )
    .await?;
    db.commit(transaction).await?;
    Ok(created)
}

/// The `LOUNGE_ACTIVITY_RECORDED` event of a recorded (or imported) activity: to the host
/// lounges' committees, with the whole activity, its hosts `(lounge, committee, status)` and
/// participants. No personal data: members appear by id.
pub(super) async fn emit_activity(
    transaction: &DatabaseTransaction,
    activity: &lounge_activity::Model,
    hosts: &[(i64, i64, ActivityHostStatus)],
    participant_member_ids: &[i64],
    actor: &Actor,
    imported: bool,
) -> Result<(), DomainError> {
    let mut snapshot = json!({
        "id": activity.id,
        "recordNumber": activity.record_number,
        "title": activity.title,
        "kind": activity.kind.as_str(),
        "format": activity.format.as_str(),
        "channel": activity.channel.as_str(),
        "platform": activity.platform.map(|platform| platform.as_str()),
        "startsAt": activity.starts_at,
        "endsAt": activity.ends_at,
        "publicAttendance": activity.public_attendance,
        "summary": activity.summary,
        "loungeIds": hosts.iter().map(|(lounge_id, _, _)| *lounge_id).collect::<Vec<_>>(),
        "hosts": hosts.iter().map(|(lounge_id, _, status)| {
            json!({ "loungeId": lounge_id, "status": status.as_str() })
        }).collect::<Vec<_>>(),
        "participantMemberIds": participant_member_ids,
    });
    if imported && let Some(fields) = snapshot.as_object_mut() {
        fields.insert("imported".to_owned(), json!(true));
    }
    outbox::append(
        transaction,
        NewEvent {
            event_type: EventType::LoungeActivityRecorded,
            entity_type: "LoungeActivity",
            entity_id: activity.id,
            region_ids: hosts.iter().map(|(_, region_id, _)| *region_id).collect(),
            snapshot,
            actor: actor.name(),
        },
    )
    .await?;
    Ok(())
}

/// `INVALID` on the first repeated id, naming its position.
fn check_distinct(field: &str, ids: &[i64]) -> Result<(), DomainError> {
    for (index, id) in ids.iter().enumerate() {
        if ids[..index].contains(id) {
            return Err(DomainError::invalid(
                format!("{field}.{index}"),
                format!("{id} is listed twice"),
            ));
        }
    }
    Ok(())
}

/// The member, which must exist and be ACTIVE; `field` names the input field at fault.
async fn active_member(
    transaction: &DatabaseTransaction,
    member_id: i64,
    field: &str,
) -> Result<member::Model, DomainError> {
    let found = member::Entity::find_by_id(member_id)
        .one(transaction)
        .await?
        .ok_or_else(|| DomainError::invalid(field, format!("no member has id {member_id}")))?;
    if found.status != MemberStatus::Active {
        return Err(DomainError::invalid(field, "the member no longer serves"));
    }
    Ok(found)
}

/// Whether `member_id` is an active LEAD of `lounge_id` today.
pub(super) async fn leads(
    transaction: &DatabaseTransaction,
    lounge_id: i64,
    member_id: i64,
) -> Result<bool, DomainError> {
    let on = today();
    let count = lounge_membership::Entity::find()
        .filter(lounge_membership::Column::LoungeId.eq(lounge_id))
        .filter(lounge_membership::Column::MemberId.eq(member_id))
        .filter(lounge_membership::Column::Role.eq(LoungeRole::Lead))
        .filter(lounge_membership::Column::Since.lte(on))
        .filter(
            Condition::any()
                .add(lounge_membership::Column::Until.is_null())
                .add(lounge_membership::Column::Until.gte(on)),
        )
        .count(transaction)
        .await?;
    Ok(count > 0)
}

async fn find(transaction: &DatabaseTransaction, id: i64) -> Result<Lounge, DomainError> {
    lounge::Entity::find_by_id(id)
        .one(transaction)
        .await?
        .ok_or_else(|| DomainError::NotFound(format!("lounge {id}")))
}

fn refuse_closed(lounge: &Lounge, what: &str) -> Result<(), DomainError> {
    if lounge.status == LoungeStatus::Closed {
        return Err(DomainError::InvalidTransition {
            current: LoungeStatus::Closed.as_str().to_owned(),
            requested: what.to_owned(),
            allowed: "none: a closed lounge is final".to_owned(),
        });
    }
    Ok(())
}

/// Reads the lounge inside the write transaction, checks the caller's scope and the version the
/// client last saw.
async fn load(
    transaction: &DatabaseTransaction,
    actor: &Actor,
    id: i64,
    expected_version: Option<i32>,
) -> Result<Lounge, DomainError> {
    let current = find(transaction, id).await?;
    policy::may_manage_lounge(actor, current.region_id)?;
    VERSIONED.check(current.version, expected_version)?;
    Ok(current)
}

/// The optimistic-concurrency columns of `lounges`.
const VERSIONED: Versioned<lounge::Entity> = Versioned {
    what: "lounge",
    id: lounge::Column::Id,
    version: lounge::Column::Version,
    updated_at: lounge::Column::UpdatedAt,
};

/// Writes `change` only if nobody changed the row since `current` was read; bumps the version.
pub(super) async fn save(
    transaction: &DatabaseTransaction,
    current: &Lounge,
    change: lounge::ActiveModel,
) -> Result<Lounge, DomainError> {
    VERSIONED
        .save(transaction, current.id, current.version, change)
        .await
}

/// The outbox event of a change of the lounge row; `extra` is merged into the snapshot. No
/// personal data.
pub(super) async fn emit(
    transaction: &DatabaseTransaction,
    lounge: &Lounge,
    event_type: EventType,
    actor: &Actor,
    extra: serde_json::Value,
) -> Result<(), DomainError> {
    let mut snapshot = snapshot(lounge);
    if let (Some(target), serde_json::Value::Object(extra)) = (snapshot.as_object_mut(), extra) {
        target.extend(extra);
    }
    outbox::append(
        transaction,
        NewEvent {
            event_type,
            entity_type: "Lounge",
            entity_id: lounge.id,
            region_ids: vec![lounge.region_id],
            snapshot,
            actor: actor.name(),
        },
    )
    .await?;
    Ok(())
}

pub(super) async fn emit_membership(
    transaction: &DatabaseTransaction,
    lounge: &Lounge,
    membership: &Membership,
    actor: &Actor,
) -> Result<(), DomainError> {
    emit(
        transaction,
        lounge,
        EventType::LoungeMembershipChanged,
        actor,
        json!({
            "membership": {
                "memberId": membership.member_id,
                "role": membership.role.as_str(),
                "since": membership.since,
                "until": membership.until,
            }
        }),
    )
    .await
}

fn snapshot(lounge: &Lounge) -> serde_json::Value {
    json!({
        "id": lounge.id,
        "name": lounge.name,
        "theme": lounge.theme,
        "venue": lounge.venue,
        "address": lounge.address,
        "status": lounge.status.as_str(),
        "establishedOn": lounge.established_on,
        "closedOn": lounge.closed_on,
        "version": lounge.version,
    })
}
